"""Debug logging on the ``llamastack`` logger, with secrets redacted.

Importing the package configures nothing but a ``NullHandler`` (see ``__init__``). Requests
and responses are always logged at DEBUG, so an application turns them on with ordinary
``logging`` configuration. ``LLAMA_STACK_LOG=debug`` (or ``DEBUG=true``, as the Node
client documents) makes a client attach one stderr handler when it is created.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

__all__ = ["REDACTED", "SECRET_HEADERS", "enable_debug_from_env", "logger", "redact_headers"]

logger = logging.getLogger("llamastack")

REDACTED = "<redacted>"
SECRET_HEADERS = frozenset({"authorization", "x-llamastack-provider-data", "proxy-authorization",
                            "cookie", "x-api-key"})

_env_handler: logging.Handler | None = None


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: REDACTED if name.lower() in SECRET_HEADERS else value
            for name, value in headers.items()}


def _debug_requested(environ: Mapping[str, str]) -> bool:
    return (environ.get("LLAMA_STACK_LOG", "").strip().lower() == "debug"
            or environ.get("DEBUG", "").strip().lower() in ("1", "true", "yes"))


def enable_debug_from_env(environ: Mapping[str, str] = os.environ) -> None:
    """Attach one stderr handler at DEBUG if the environment asks for it (idempotent)."""
    global _env_handler
    if _env_handler is not None or not _debug_requested(environ):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    _env_handler = handler
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
