"""Which server line a client talks to: discovered once from ``GET /v1/version``, or pinned.

Every line (0.2.0 to 0.7.3) answers ``GET /v1/version`` with ``{"version": "<llama-stack
version>"}`` at the same path (SERVER_LINES.md §6), so one request tells the line. The request
never carries ``X-LlamaStack-Client-Version``: any line answers 426 on every route to a
header whose major.minor differs from its own.

Discovery runs at most once per client, at the first call that needs the line, under a lock:
eight threads making their first call together cause one request. Only a server's real answer
is final. An answer that is not a version (a proxy's or a test mock's 404, a body that is not
JSON, a 401 from a 0.2 server with auth) means "assume the newest line": logged once, kept.
A request that got no real answer (refused, timed out, a 5xx, 408 or 429) decides nothing: that
call assumes the newest line and the next call asks again. Discovery is one request without
retries, outside the retries of the call that needed it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from llamastack.errors import APIConnectionError, UnsupportedServerError
from llamastack.log import logger
from llamastack.spec import NEWEST_LINE, SERVER_LINES

__all__ = ["OLDEST_VERSION", "LineDiscovery", "VersionAnswer", "check_line", "line_of"]

# 0.2 releases before 0.2.23 lack operations the 0.2 declarations use (eval and benchmarks moved
# to /v1alpha in 0.2.23; prompts, moderations, vector stores arrived during 0.2.x: §9).
OLDEST_VERSION = (0, 2, 23)

# Answers that say "not now" rather than "no version here".
_TRANSIENT = frozenset({408, 429})

_VERSION = re.compile(r"\s*v?(\d+)\.(\d+)(?:\.(\d+))?")


def check_line(line: str) -> str:
    """A pinned ``server_line``: ``"0.4"`` or a full version such as ``"0.4.7"``."""
    if not isinstance(line, str):
        raise TypeError(f"server_line must be a str such as {NEWEST_LINE!r}, not {type(line).__name__}")
    match = _VERSION.fullmatch(line.strip())
    if match is None or f"{match[1]}.{match[2]}" not in SERVER_LINES:
        raise ValueError(f"unknown server_line {line!r}; known lines: {', '.join(SERVER_LINES)}")
    return f"{match[1]}.{match[2]}"


@dataclass(frozen=True)
class VersionAnswer:
    """What ``GET /v1/version`` gave: the HTTP status and the parsed JSON body (None if not
    JSON)."""

    status: int
    body: object


def line_of(version: str) -> str | None:
    """The line of a server version (``"0.4.7"`` -> ``"0.4"``); the newest line for a newer
    version; None for text that is not a version. Older than 0.2.23 raises
    UnsupportedServerError."""
    match = _VERSION.match(version)
    if match is None:
        return None
    major, minor = int(match[1]), int(match[2])
    patch = int(match[3]) if match[3] is not None else 0
    if (major, minor, patch) < OLDEST_VERSION:
        oldest = ".".join(map(str, OLDEST_VERSION))
        raise UnsupportedServerError(
            f"the server runs Llama Stack {version}; this client supports {oldest} and newer "
            f"(lines {', '.join(SERVER_LINES)})")
    line = f"{major}.{minor}"
    if line in SERVER_LINES:
        return line
    newest = tuple(map(int, NEWEST_LINE.split(".")))
    return NEWEST_LINE if (major, minor) > newest else None


class LineDiscovery:
    """The line of one client's server: pinned, or asked once through ``fetch``."""

    def __init__(self, pinned: str | None = None) -> None:
        self._line = check_line(pinned) if pinned is not None else None
        self._failure: UnsupportedServerError | None = None
        self._lock = threading.Lock()
        self._warned_unreachable = False

    @property
    def known(self) -> str | None:
        """The line if it is already decided (no request)."""
        return self._line

    def line(self, fetch: Callable[[], VersionAnswer]) -> str:
        """The server's line, asking it through ``fetch`` the first time only."""
        line = self._line
        if line is not None:
            return line
        with self._lock:
            if self._line is not None:
                return self._line
            if self._failure is not None:
                raise self._failure
            try:
                answer = fetch()
            except APIConnectionError as exc:
                return self._for_this_call(str(exc))
            if answer.status in _TRANSIENT or answer.status >= 500:
                return self._for_this_call(f"HTTP {answer.status}")
            try:
                self._line = self._decide(answer)
            except UnsupportedServerError as exc:
                self._failure = exc
                raise
            return self._line

    def _for_this_call(self, why: str) -> str:
        # No real answer (refused, timed out, a 503 while the server starts): nothing is
        # decided, the next call asks again; the call at hand assumes the newest line.
        if not self._warned_unreachable:
            self._warned_unreachable = True
            logger.warning("could not ask the server for its version (%s); assuming Llama Stack "
                           "%s until it answers", why, NEWEST_LINE)
        return NEWEST_LINE

    @staticmethod
    def _decide(answer: VersionAnswer) -> str:
        body = answer.body
        version = body.get("version") if isinstance(body, dict) else None
        if answer.status == 200 and isinstance(version, str):
            line = line_of(version)
            if line is None:
                logger.warning("the server reports version %r, which is not a Llama Stack "
                               "version this client knows; assuming %s", version, NEWEST_LINE)
                return NEWEST_LINE
            if not version.startswith(line):
                logger.warning("the server runs Llama Stack %s, newer than the newest line this "
                               "client knows; using the routes of %s", version, line)
            return line
        logger.warning("GET /v1/version did not tell the server's version (HTTP %s); assuming "
                       "Llama Stack %s", answer.status, NEWEST_LINE)
        return NEWEST_LINE
