"""Development tools of the repository (not installed): ``python -m tools.generate``."""

__all__: list[str] = []
