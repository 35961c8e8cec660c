"""What a turn reports: frozen records, the ``TurnResult``, and the events of a streamed turn.

Every event is a frozen dataclass and ``TurnEvent`` is their union, so a ``match`` covers them::

    for event in agent.create_turn(messages="Hi", session_id=sid, stream=True):
        match event:
            case TextDelta(text):
                print(text, end="")
            case ToolCallRequested(call_id, name, arguments):
                ...
            case ToolCallFinished(record):
                ...
            case TurnCompleted(result):
                ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Union

__all__ = [
    "ApprovalDecided",
    "ApprovalDecision",
    "ApprovalRecord",
    "ApprovalRequest",
    "ApprovalRequested",
    "ServerToolCall",
    "ServerToolCallRecord",
    "TextDelta",
    "ToolCallFinished",
    "ToolCallRecord",
    "ToolCallRequested",
    "TurnCompleted",
    "TurnEvent",
    "TurnResult",
    "TurnStarted",
    "Usage",
]


@dataclass(frozen=True)
class Usage:
    """Tokens used by the model, summed over every round of a turn."""

    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(self.input_tokens + other.input_tokens,
                     self.output_tokens + other.output_tokens,
                     self.total_tokens + other.total_tokens)


@dataclass(frozen=True)
class ToolCallRecord:
    """One call of a client-side (Python) tool and its answer.

    ``arguments`` is the parsed arguments object (empty when the model sent something that is
    not a JSON object; ``raw_arguments`` has it as sent). ``output`` is exactly the text sent back
    to the model. ``result`` is the function's return value and ``error`` the exception it
    raised (or that refused its arguments).
    """

    call_id: str
    name: str
    arguments: Mapping[str, Any]
    output: str
    is_error: bool
    raw_arguments: str = ""
    result: Any = field(default=None, compare=False)
    error: BaseException | None = field(default=None, compare=False)


@dataclass(frozen=True)
class ServerToolCall:
    """A tool the server ran (file_search, MCP, web search, or a 0.2 built-in tool)."""

    record: ServerToolCallRecord


@dataclass(frozen=True)
class ServerToolCallRecord:
    """A tool call the server made itself, with what it found.

    ``type`` is the server's item type (``file_search_call``, ``mcp_call``, ``mcp_list_tools``,
    ``web_search_call``; on the Agents API ``file_search_call`` for ``builtin::rag``'s search,
    else ``tool_execution``, ``memory_retrieval`` or ``shield_call``). ``output`` is the text
    result (an MCP call's output or error), ``results`` the structured ones (file search hits,
    the tools an MCP server listed), ``raw`` the server's object as decoded.
    """

    type: str
    call_id: str
    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    output: str | None = None
    is_error: bool = False
    results: tuple[Mapping[str, Any], ...] = ()
    server_label: str | None = None
    status: str | None = None
    raw: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class ApprovalRequest:
    """The server asks whether it may call a tool of an MCP server (``require_approval``)."""

    request_id: str
    name: str
    arguments: Mapping[str, Any]
    server_label: str
    raw_arguments: str = ""


@dataclass(frozen=True)
class ApprovalDecision:
    """What an ``approve=`` callback may return instead of a bool, to give a reason."""

    approve: bool
    reason: str | None = None


@dataclass(frozen=True)
class ApprovalRecord:
    request: ApprovalRequest
    approved: bool
    reason: str | None = None


@dataclass(frozen=True)
class TurnResult:
    """Everything one turn did.

    ``output_text`` is the model's final answer (the text of the last round); every round's
    text also streams as ``TextDelta``. ``response_ids`` lists the Responses API responses of
    the turn in order (empty on the Agents API, whose ``turn_id`` is set instead). ``usage`` is
    None when the server reported none.
    """

    session_id: str
    output_text: str
    tool_calls: tuple[ToolCallRecord, ...] = ()
    server_tool_calls: tuple[ServerToolCallRecord, ...] = ()
    approvals: tuple[ApprovalRecord, ...] = ()
    response_ids: tuple[str, ...] = ()
    turn_id: str | None = None
    rounds: int = 0
    usage: Usage | None = None


@dataclass(frozen=True)
class TurnStarted:
    session_id: str


@dataclass(frozen=True)
class TextDelta:
    text: str


@dataclass(frozen=True)
class ToolCallRequested:
    """The model asked for a client-side tool call (its arguments complete)."""

    call_id: str
    name: str
    arguments: Mapping[str, Any]
    raw_arguments: str = ""


@dataclass(frozen=True)
class ToolCallFinished:
    record: ToolCallRecord


@dataclass(frozen=True)
class ApprovalRequested:
    request: ApprovalRequest


@dataclass(frozen=True)
class ApprovalDecided:
    record: ApprovalRecord


@dataclass(frozen=True)
class TurnCompleted:
    result: TurnResult


TurnEvent = Union[TurnStarted, TextDelta, ToolCallRequested, ToolCallFinished, ServerToolCall,
                  ApprovalRequested, ApprovalDecided, TurnCompleted]
