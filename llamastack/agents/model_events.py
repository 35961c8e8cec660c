"""The language between a backend and the turn loop.

A backend turns its server's stream (Responses events, Agents API turn chunks) into these
normalized ``ModelEvent``s, one round (one model response) at a time, ending each round with
``RoundFinished``. The loop answers with ``Answers``: the outputs of the client tool calls and
the decisions on approval requests, which the backend sends to start the next round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

from llamastack.agents.events import ApprovalRequest, ServerToolCallRecord, Usage

__all__ = [
    "Answers",
    "ApprovalAnswer",
    "ApprovalArrived",
    "FunctionCallArrived",
    "ModelEvent",
    "RoundFinished",
    "ServerToolArrived",
    "TextArrived",
    "ToolAnswer",
]


@dataclass(frozen=True)
class TextArrived:
    text: str


@dataclass(frozen=True)
class FunctionCallArrived:
    """A complete client-side call: ``arguments`` is the JSON text the model wrote."""

    call_id: str
    name: str
    arguments: str


@dataclass(frozen=True)
class ServerToolArrived:
    record: ServerToolCallRecord


@dataclass(frozen=True)
class ApprovalArrived:
    request: ApprovalRequest


@dataclass(frozen=True)
class RoundFinished:
    """The model's response is complete (Responses: ``response.completed``; Agents API:
    ``turn_awaiting_input`` or ``turn_complete``)."""

    output_text: str
    response_id: str | None = None
    turn_id: str | None = None
    usage: Usage | None = None


ModelEvent = Union[TextArrived, FunctionCallArrived, ServerToolArrived, ApprovalArrived,
                   RoundFinished]


@dataclass(frozen=True)
class ToolAnswer:
    call_id: str
    name: str
    output: str
    is_error: bool = False


@dataclass(frozen=True)
class ApprovalAnswer:
    """A decision on an approval request; ``request`` is the request itself, which the
    Responses backend sends again with the answer (see ``responses_api.answer_items``)."""

    request_id: str
    approve: bool
    reason: str | None = None
    request: ApprovalRequest | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Answers:
    """What goes back to the server: tool outputs and approval decisions, in request order."""

    tool_outputs: tuple[ToolAnswer, ...] = ()
    approvals: tuple[ApprovalAnswer, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.tool_outputs or self.approvals)
