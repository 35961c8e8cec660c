"""Development tools of the repository (not installed): ``python -m tools.generate``."""
