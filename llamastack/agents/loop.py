"""The turn loop as a pure state machine: model events in, user events and actions out.

It does no I/O and runs no tool. A shell (``Agent``) drives it::

    loop = TurnLoop(session_id=sid, tools=tools, max_rounds=10)
    emit(loop.start())
    events = backend.first_round()
    while True:
        loop.begin_round()
        for model_event in events:
            emit(loop.feed(model_event))
        action = loop.next_action()
        ...  # DecideApprovals -> loop.approval_decided(...); RunTools -> loop.tool_finished(...)
             # SendAnswers -> events = backend.next_round(answers); Finish / StopAtLimit -> end

A round is one model response. After a round that asked for client tools or approvals, the
loop wants decisions (in request order), then every call run (each call id exactly once, in
call order), then the answers sent; a round without such requests finishes the turn. The
round numbered ``max_rounds`` may not ask for more: then its calls are not run and the turn
stops with ``ToolLoopLimitError`` (``StopAtLimit`` carries the answers that close the calls on
the server). ``unanswered()`` gives the same kind of answers when the shell has to stop early.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union

from llamastack.agents.errors import ToolLoopLimitError
from llamastack.agents.events import (
    ApprovalDecided,
    ApprovalDecision,
    ApprovalRecord,
    ApprovalRequest,
    ApprovalRequested,
    ServerToolCall,
    ServerToolCallRecord,
    TextDelta,
    ToolCallFinished,
    ToolCallRecord,
    ToolCallRequested,
    TurnEvent,
    TurnResult,
    TurnStarted,
    Usage,
)
from llamastack.agents.model_events import (
    Answers,
    ApprovalAnswer,
    ApprovalArrived,
    FunctionCallArrived,
    ModelEvent,
    RoundFinished,
    ServerToolArrived,
    TextArrived,
    ToolAnswer,
)
from llamastack.agents.tools import FunctionTool, ToolOutcome, parse_arguments, unknown_tool_outcome

__all__ = [
    "Action",
    "DecideApprovals",
    "Finish",
    "RunTools",
    "SendAnswers",
    "StopAtLimit",
    "ToolInvocation",
    "TurnLoop",
    "check_max_rounds",
]

log = logging.getLogger("llamastack.agents")

NOT_RUN = "Error: the tool was not run: {why}"
NOT_DECIDED = "not decided: {why}"


@dataclass(frozen=True)
class ToolInvocation:
    """One call for the shell to run: ``run()`` does it and never raises an ``Exception``."""

    call_id: str
    name: str
    raw_arguments: str
    run: Callable[[], ToolOutcome]


@dataclass(frozen=True)
class DecideApprovals:
    requests: tuple[ApprovalRequest, ...]


@dataclass(frozen=True)
class RunTools:
    calls: tuple[ToolInvocation, ...]


@dataclass(frozen=True)
class SendAnswers:
    answers: Answers


@dataclass(frozen=True)
class Finish:
    result: TurnResult


@dataclass(frozen=True)
class StopAtLimit:
    error: ToolLoopLimitError
    answers: Answers


Action = Union[DecideApprovals, RunTools, SendAnswers, Finish, StopAtLimit]


def check_max_rounds(max_rounds: object) -> None:
    """``ValueError`` unless ``max_rounds`` is an int >= 1 (a bool is not)."""
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
        raise ValueError(f"max_rounds must be an int >= 1, got {max_rounds!r}")


@dataclass
class _Call:
    call_id: str
    name: str
    raw_arguments: str
    outcome: ToolOutcome | None = None


@dataclass
class _Approval:
    request: ApprovalRequest
    decision: ApprovalDecision | None = None


class TurnLoop:
    """One turn's state. Not thread-safe: one shell drives it."""

    def __init__(self, *, session_id: str, tools: Mapping[str, FunctionTool[..., Any]],
                 max_rounds: int = 10) -> None:
        check_max_rounds(max_rounds)
        self.session_id = session_id
        self.max_rounds = max_rounds
        self._tools = dict(tools)
        self._rounds = 0
        self._streaming = False
        self._done = False
        self._calls: list[_Call] = []  # asked for in the last round, not yet answered
        self._approvals: list[_Approval] = []
        self._seen_call_ids: set[str] = set()
        self._records: list[ToolCallRecord] = []
        self._server_calls: list[ServerToolCallRecord] = []
        self._approval_records: list[ApprovalRecord] = []
        self._response_ids: list[str] = []
        self._turn_id: str | None = None
        self._usage: Usage | None = None
        self._round_text: list[str] = []
        self._output_text = ""

    # --- the round ------------------------------------------------------------------------

    def start(self) -> list[TurnEvent]:
        return [TurnStarted(self.session_id)]

    def begin_round(self) -> None:
        """A request for the next model response is being sent (with the answers, if any)."""
        if self._streaming or self._done:
            raise RuntimeError("begin_round() while a round is open or after the turn ended")
        self._calls, self._approvals = [], []
        self._rounds += 1
        self._streaming = True
        self._round_text = []

    def feed(self, event: ModelEvent) -> list[TurnEvent]:
        if not self._streaming:
            raise RuntimeError(f"{type(event).__name__} arrived outside a round")
        if isinstance(event, TextArrived):
            self._round_text.append(event.text)
            return [TextDelta(event.text)] if event.text else []
        if isinstance(event, FunctionCallArrived):
            return self._call_arrived(event)
        if isinstance(event, ServerToolArrived):
            self._server_calls.append(event.record)
            return [ServerToolCall(event.record)]
        if isinstance(event, ApprovalArrived):
            if any(a.request.request_id == event.request.request_id for a in self._approvals):
                return []
            self._approvals.append(_Approval(event.request))
            return [ApprovalRequested(event.request)]
        self._round_finished(event)
        return []

    def _call_arrived(self, event: FunctionCallArrived) -> list[TurnEvent]:
        if event.call_id in self._seen_call_ids:
            # A call id is answered once: a tool never runs twice for one call.
            log.debug("ignoring call %s of %s: already seen in this turn", event.call_id, event.name)
            return []
        self._seen_call_ids.add(event.call_id)
        self._calls.append(_Call(event.call_id, event.name, event.arguments))
        arguments, _ = parse_arguments(event.arguments)
        return [ToolCallRequested(event.call_id, event.name, arguments, event.arguments)]

    def _round_finished(self, event: RoundFinished) -> None:
        self._streaming = False
        if event.response_id:
            self._response_ids.append(event.response_id)
        if event.turn_id:
            self._turn_id = event.turn_id
        if event.usage is not None:
            self._usage = event.usage if self._usage is None else self._usage + event.usage
        self._output_text = event.output_text or "".join(self._round_text)

    # --- what next ------------------------------------------------------------------------

    def next_action(self) -> Action:
        if self._streaming or self._done or self._rounds == 0:
            raise RuntimeError("next_action() needs a finished round of an unfinished turn")
        if not self._calls and not self._approvals:
            self._done = True
            return Finish(self.result())
        if self._rounds >= self.max_rounds:
            self._done = True
            why = f"max_rounds={self.max_rounds} was reached"
            error = ToolLoopLimitError(self.max_rounds, self.result(),
                                       tuple(call.name for call in self._calls)
                                       + tuple(a.request.name for a in self._approvals))
            answers = self.unanswered(why)
            self._calls, self._approvals = [], []  # handed to the shell: not unanswered twice
            return StopAtLimit(error, answers)
        undecided = tuple(a.request for a in self._approvals if a.decision is None)
        if undecided:
            return DecideApprovals(undecided)
        to_run = tuple(self._invocation(call) for call in self._calls if call.outcome is None)
        if to_run:
            return RunTools(to_run)
        return SendAnswers(self.unanswered())  # every call ran and every approval is decided

    def _invocation(self, call: _Call) -> ToolInvocation:
        function = self._tools.get(call.name)
        if function is None:
            names = list(self._tools)
            return ToolInvocation(call.call_id, call.name, call.raw_arguments,
                                  lambda: unknown_tool_outcome(call.name, call.raw_arguments, names))
        return ToolInvocation(call.call_id, call.name, call.raw_arguments,
                              lambda: function.invoke(call.raw_arguments))

    def approval_decided(self, request_id: str, decision: ApprovalDecision) -> list[TurnEvent]:
        approval = next((a for a in self._approvals if a.request.request_id == request_id), None)
        if approval is None or approval.decision is not None:
            raise RuntimeError(f"no undecided approval request {request_id!r}")
        approval.decision = decision
        record = ApprovalRecord(approval.request, decision.approve, decision.reason)
        self._approval_records.append(record)
        return [ApprovalDecided(record)]

    def tool_finished(self, call_id: str, outcome: ToolOutcome) -> list[TurnEvent]:
        call = next((c for c in self._calls if c.call_id == call_id), None)
        if call is None or call.outcome is not None:
            raise RuntimeError(f"no unfinished call {call_id!r}")
        call.outcome = outcome
        record = ToolCallRecord(call.call_id, call.name, outcome.arguments, outcome.output,
                                outcome.is_error, call.raw_arguments, outcome.result, outcome.error)
        self._records.append(record)
        return [ToolCallFinished(record)]

    def unanswered(self, why: str = "the turn was interrupted") -> Answers:
        """Answers for everything asked in the last round and not yet sent: the outputs of
        the calls that ran, an error for the others, a denial for undecided approvals."""
        if self._streaming:
            return Answers()  # the round never finished: nothing was asked that can be answered
        outputs = tuple(
            ToolAnswer(c.call_id, c.name, c.outcome.output, c.outcome.is_error)
            if c.outcome is not None else
            ToolAnswer(c.call_id, c.name, NOT_RUN.format(why=why), True)
            for c in self._calls)
        approvals = tuple(
            ApprovalAnswer(a.request.request_id, a.decision.approve, a.decision.reason, a.request)
            if a.decision is not None else
            ApprovalAnswer(a.request.request_id, False, NOT_DECIDED.format(why=why), a.request)
            for a in self._approvals)
        return Answers(outputs, approvals)

    def result(self) -> TurnResult:
        """The turn so far (the whole turn once ``Finish`` was returned)."""
        return TurnResult(
            session_id=self.session_id,
            output_text=self._output_text,
            tool_calls=tuple(self._records),
            server_tool_calls=tuple(self._server_calls),
            approvals=tuple(self._approval_records),
            response_ids=tuple(self._response_ids),
            turn_id=self._turn_id,
            rounds=self._rounds,
            usage=self._usage,
        )
