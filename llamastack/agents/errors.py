"""The errors a turn raises beyond the client's own, and the partial result every error carries.

::

    LlamaStackError
     ├── ToolLoopLimitError          the model still wanted tools after max_rounds rounds
     ├── UnsupportedFeatureError     the server line's API cannot do what was asked
     └── APIError
          └── APIStatusError
               ├── ResponseFailedError      the server ended a response with response.failed
               └── ResponseIncompleteError  ... with response.incomplete (max_output_tokens...)

Any exception that ends a turn early, the client's too (``APIConnectionError`` when the stream
is cut, ``InternalServerError`` when retries ran out...), keeps its type and gets the turn so far
as ``partial_result``: the tool calls that already ran, with their outputs, are there, so a
caller can tell what happened and need never run a tool twice. ``partial_result(exc)`` reads it.
"""

from __future__ import annotations

import contextlib
from typing import Any

from llamastack.agents.events import ToolCallRecord, TurnResult
from llamastack.errors import APIStatusError, LlamaStackError

__all__ = [
    "ResponseFailedError",
    "ResponseIncompleteError",
    "ToolLoopLimitError",
    "UnsupportedFeatureError",
    "attach_partial_result",
    "partial_result",
]

_ATTRIBUTE = "partial_result"


class ToolLoopLimitError(LlamaStackError):
    """The model asked for client tools again after ``max_rounds`` rounds.

    The calls of that last round were not run (``requested``); every call of earlier rounds is
    in ``tool_calls`` and ``partial_result``.
    """

    def __init__(self, max_rounds: int, result: TurnResult,
                 requested: tuple[str, ...] = ()) -> None:
        names = ", ".join(requested) or "tools"
        super().__init__(f"the model still asked for {names} after {max_rounds} round(s) "
                         f"(max_rounds={max_rounds}); the turn stopped without running them")
        self.max_rounds = max_rounds
        self.partial_result = result
        self.requested = requested

    @property
    def tool_calls(self) -> tuple[ToolCallRecord, ...]:
        return self.partial_result.tool_calls


class UnsupportedFeatureError(LlamaStackError):
    """What was asked needs an API the server line does not have (e.g. MCP approvals or
    Responses-only parameters on the 0.2 Agents API)."""


class ResponseFailedError(APIStatusError):
    """The server reported ``response.failed``: ``code`` and the message are the server's."""

    def __init__(self, message: str, *, code: str | None = None, response_id: str | None = None,
                 **context: Any) -> None:
        super().__init__(message, **context)
        self.code = code
        self.response_id = response_id


class ResponseIncompleteError(APIStatusError):
    """The server ended a response with ``response.incomplete``; ``reason`` says why
    (``max_output_tokens``, ``content_filter``...)."""

    def __init__(self, message: str, *, reason: str | None = None,
                 response_id: str | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.reason = reason
        self.response_id = response_id


def attach_partial_result(exc: BaseException, result: TurnResult) -> None:
    """Give ``exc`` the turn so far, unless it already has one (the innermost is the truth)."""
    if getattr(exc, _ATTRIBUTE, None) is None:
        with contextlib.suppress(AttributeError):  # an exception class with __slots__
            setattr(exc, _ATTRIBUTE, result)


def partial_result(exc: BaseException) -> TurnResult | None:
    """The turn so far, carried by an exception that ended a turn early (None otherwise)."""
    value = getattr(exc, _ATTRIBUTE, None)
    return value if isinstance(value, TurnResult) else None
