"""``python -m llamastack`` and the ``llamastack`` console script: the command line."""

import sys

from llamastack.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
