"""Loaded at start-up by the llama-stack servers the integration tests run (``PYTHONPATH``).

0.2-0.6 log through rich's ``RichHandler`` with ``rich_tracebacks=True`` (0.7 logs JSON with
``LLAMA_STACK_LOG_FORMAT=json``, which older lines ignore). Rendering one rich traceback
syntax-highlights every source file in the stack: 1-3 s of CPU per 500 answer, during which the
server answers nothing else (seen: the request after a 500 stalled 2.3-6.3 s on 0.5.4 and
0.6.1). Plain tracebacks carry the same text, so the servers log those instead. Nothing the
server sends changes.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__: list[str] = []


def _plain_tracebacks() -> None:
    try:
        handler: Any = importlib.import_module("rich.logging").RichHandler
    except ImportError:  # not a llama-stack venv
        return
    rich_init = handler.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        kwargs["rich_tracebacks"] = False
        rich_init(self, *args, **kwargs)

    handler.__init__ = init


_plain_tracebacks()
