"""TurnLoop, the pure state machine: scripted model events in, events and actions out."""

from __future__ import annotations

from typing import Any

import pytest

from llamastack.agents.events import (
    ApprovalDecided,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequested,
    ServerToolCall,
    ServerToolCallRecord,
    TextDelta,
    ToolCallFinished,
    ToolCallRequested,
    TurnStarted,
    Usage,
)
from llamastack.agents.loop import (
    DecideApprovals,
    Finish,
    RunTools,
    SendAnswers,
    StopAtLimit,
    TurnLoop,
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
from llamastack.agents.tools import tool

calls: list[str] = []


@tool
def get_weather(city: str) -> str:
    """Weather in a city."""
    calls.append(city)
    return f"sunny in {city}"


@tool
def add(a: int, b: int) -> int:
    """Add."""
    return a + b


def new_loop(max_rounds: int = 10) -> TurnLoop:
    calls.clear()
    loop = TurnLoop(session_id="s1", tools={"get_weather": get_weather, "add": add},
                    max_rounds=max_rounds)
    assert loop.start() == [TurnStarted("s1")]
    return loop


def play(loop: TurnLoop, *events: ModelEvent) -> list[Any]:
    loop.begin_round()
    out: list[Any] = []
    for event in events:
        out.extend(loop.feed(event))
    return out


def run_all(loop: TurnLoop, action: RunTools) -> list[Any]:
    out: list[Any] = []
    for call in action.calls:
        out.extend(loop.tool_finished(call.call_id, call.run()))
    return out


def test_a_round_without_calls_finishes_the_turn() -> None:
    loop = new_loop()
    events = play(loop, TextArrived("Hel"), TextArrived("lo"),
                  RoundFinished("Hello", response_id="r1", usage=Usage(2, 3, 5)))
    assert events == [TextDelta("Hel"), TextDelta("lo")]
    action = loop.next_action()
    assert isinstance(action, Finish)
    result = action.result
    assert (result.output_text, result.response_ids, result.rounds, result.usage) == (
        "Hello", ("r1",), 1, Usage(2, 3, 5))
    assert result.tool_calls == ()


def test_one_call_runs_then_its_output_goes_back_and_the_next_round_finishes() -> None:
    loop = new_loop()
    events = play(loop, FunctionCallArrived("c1", "get_weather", '{"city": "Paris"}'),
                  RoundFinished("", response_id="r1", usage=Usage(1, 1, 2)))
    assert events == [ToolCallRequested("c1", "get_weather", {"city": "Paris"}, '{"city": "Paris"}')]
    action = loop.next_action()
    assert isinstance(action, RunTools) and [c.call_id for c in action.calls] == ["c1"]
    assert calls == []  # the loop never runs a tool itself
    finished = run_all(loop, action)
    assert [type(e) for e in finished] == [ToolCallFinished]
    assert finished[0].record.output == "sunny in Paris"
    send = loop.next_action()
    assert send == SendAnswers(Answers((ToolAnswer("c1", "get_weather", "sunny in Paris"),)))
    play(loop, TextArrived("It is sunny."), RoundFinished("It is sunny.", response_id="r2",
                                                          usage=Usage(3, 4, 7)))
    result = loop.next_action()
    assert isinstance(result, Finish)
    assert result.result.output_text == "It is sunny."
    assert result.result.response_ids == ("r1", "r2")
    assert result.result.rounds == 2
    assert result.result.usage == Usage(4, 5, 9)
    record = result.result.tool_calls[0]
    assert (record.call_id, record.name, dict(record.arguments), record.output, record.is_error,
            record.result) == ("c1", "get_weather", {"city": "Paris"}, "sunny in Paris", False,
                               "sunny in Paris")


def test_every_call_of_a_round_is_kept_and_answered_in_call_order() -> None:
    loop = new_loop()
    play(loop, FunctionCallArrived("c1", "add", '{"a": 1, "b": 2}'),
         ServerToolArrived(ServerToolCallRecord("mcp_call", "m1", "lookup")),
         FunctionCallArrived("c2", "get_weather", '{"city": "Rome"}'),
         FunctionCallArrived("c3", "add", '{"a": 5, "b": 5}'), RoundFinished(""))
    action = loop.next_action()
    assert isinstance(action, RunTools)
    assert [c.call_id for c in action.calls] == ["c1", "c2", "c3"]
    # Finish them out of order: the answers still follow the calls' order.
    outcomes = {c.call_id: c.run() for c in reversed(action.calls)}
    for call_id in ("c2", "c3", "c1"):
        loop.tool_finished(call_id, outcomes[call_id])
    send = loop.next_action()
    assert isinstance(send, SendAnswers)
    assert [(a.call_id, a.output) for a in send.answers.tool_outputs] == [
        ("c1", "3"), ("c2", "sunny in Rome"), ("c3", "10")]


def test_a_call_id_seen_before_is_never_run_again() -> None:
    loop = new_loop()
    play(loop, FunctionCallArrived("c1", "get_weather", '{"city": "A"}'), RoundFinished(""))
    run_all(loop, loop.next_action())  # type: ignore[arg-type]
    loop.next_action()
    events = play(loop, FunctionCallArrived("c1", "get_weather", '{"city": "A"}'),
                  RoundFinished("done"))
    assert events == []
    assert isinstance(loop.next_action(), Finish)
    assert calls == ["A"]


def test_an_unknown_tool_is_answered_with_an_error_output() -> None:
    loop = new_loop()
    play(loop, FunctionCallArrived("c1", "get_time", "{}"), RoundFinished(""))
    action = loop.next_action()
    assert isinstance(action, RunTools)
    [event] = run_all(loop, action)
    assert event.record.is_error
    assert event.record.output == ("Error: there is no tool named 'get_time'; available tools: "
                                   "add, get_weather")


def test_bad_arguments_are_answered_with_an_error_output_and_the_tool_never_runs() -> None:
    loop = new_loop()
    play(loop, FunctionCallArrived("c1", "get_weather", '{"town": "Paris"}'), RoundFinished(""))
    [event] = run_all(loop, loop.next_action())  # type: ignore[arg-type]
    assert event.record.is_error
    assert "city: required but missing" in event.record.output
    assert "town: unexpected" in event.record.output
    assert event.record.arguments == {"town": "Paris"}
    assert calls == []


def test_server_tool_calls_are_events_and_on_the_result() -> None:
    loop = new_loop()
    record = ServerToolCallRecord("file_search_call", "fs1", "file_search", {"queries": ["q"]},
                                  results=({"text": "hit"},))
    events = play(loop, ServerToolArrived(record), TextArrived("found"), RoundFinished("found"))
    assert events == [ServerToolCall(record), TextDelta("found")]
    action = loop.next_action()
    assert isinstance(action, Finish) and action.result.server_tool_calls == (record,)


def test_approval_requests_are_decided_then_sent() -> None:
    loop = new_loop()
    request = ApprovalRequest("ap1", "add", {"a": 1}, "calc", '{"a": 1}')
    events = play(loop, ApprovalArrived(request), ApprovalArrived(request), RoundFinished(""))
    assert events == [ApprovalRequested(request)]  # the same request twice is asked once
    action = loop.next_action()
    assert action == DecideApprovals((request,))
    decided = loop.approval_decided("ap1", ApprovalDecision(False, "not today"))
    assert [type(e) for e in decided] == [ApprovalDecided]
    assert loop.next_action() == SendAnswers(Answers((), (ApprovalAnswer("ap1", False, "not today"),)))
    play(loop, RoundFinished("ok"))
    finish = loop.next_action()
    assert isinstance(finish, Finish)
    assert [(a.request.request_id, a.approved, a.reason) for a in finish.result.approvals] == [
        ("ap1", False, "not today")]


def test_calls_after_max_rounds_are_not_run_and_the_error_carries_the_records() -> None:
    loop = new_loop(max_rounds=2)
    play(loop, FunctionCallArrived("c1", "add", '{"a": 1, "b": 1}'), RoundFinished(""))
    run_all(loop, loop.next_action())  # type: ignore[arg-type]
    loop.next_action()
    play(loop, FunctionCallArrived("c2", "get_weather", '{"city": "X"}'),
         ApprovalArrived(ApprovalRequest("ap1", "add", {}, "calc")), RoundFinished(""))
    action = loop.next_action()
    assert isinstance(action, StopAtLimit)
    error = action.error
    assert error.max_rounds == 2
    assert error.requested == ("get_weather", "add")
    assert [r.call_id for r in error.tool_calls] == ["c1"]
    assert error.partial_result.rounds == 2
    assert "max_rounds=2" in str(error)
    assert action.answers == Answers(
        (ToolAnswer("c2", "get_weather", "Error: the tool was not run: max_rounds=2 was reached",
                    True),),
        (ApprovalAnswer("ap1", False, "not decided: max_rounds=2 was reached"),))
    assert calls == []
    assert loop.unanswered() == Answers()  # handed over once, never twice


def test_max_rounds_one_stops_at_the_first_call() -> None:
    loop = new_loop(max_rounds=1)
    play(loop, FunctionCallArrived("c1", "add", "{}"), RoundFinished(""))
    assert isinstance(loop.next_action(), StopAtLimit)


def test_unanswered_gives_the_outputs_that_exist_and_errors_for_the_rest() -> None:
    loop = new_loop()
    play(loop, FunctionCallArrived("c1", "add", '{"a": 1, "b": 1}'),
         FunctionCallArrived("c2", "add", '{"a": 2, "b": 2}'),
         ApprovalArrived(ApprovalRequest("ap1", "x", {}, "srv")), RoundFinished(""))
    loop.approval_decided("ap1", ApprovalDecision(True))
    action = loop.next_action()
    assert isinstance(action, RunTools)
    loop.tool_finished("c1", action.calls[0].run())
    assert loop.unanswered() == Answers(
        (ToolAnswer("c1", "add", "2"),
         ToolAnswer("c2", "add", "Error: the tool was not run: the turn was interrupted", True)),
        (ApprovalAnswer("ap1", True, None),))


def test_nothing_is_unanswered_while_a_round_streams() -> None:
    loop = new_loop()
    play(loop, FunctionCallArrived("c1", "add", "{}"))
    assert loop.unanswered() == Answers()
    assert loop.result().rounds == 1


def test_output_text_is_the_last_rounds_text_and_falls_back_to_what_streamed() -> None:
    loop = new_loop()
    play(loop, TextArrived("Let me check. "), FunctionCallArrived("c1", "add", '{"a": 1, "b": 1}'),
         RoundFinished("Let me check. "))
    run_all(loop, loop.next_action())  # type: ignore[arg-type]
    loop.next_action()
    play(loop, TextArrived("It is 2."), RoundFinished(""))
    action = loop.next_action()
    assert isinstance(action, Finish) and action.result.output_text == "It is 2."


def test_misuse_of_the_protocol_is_a_runtime_error() -> None:
    loop = new_loop()
    with pytest.raises(RuntimeError, match="outside a round"):
        loop.feed(TextArrived("x"))
    with pytest.raises(RuntimeError):
        loop.next_action()
    play(loop, TextArrived("x"))
    with pytest.raises(RuntimeError):
        loop.next_action()
    with pytest.raises(RuntimeError):
        loop.begin_round()
    with pytest.raises(RuntimeError, match="no unfinished call"):
        loop.tool_finished("nope", add.invoke("{}"))
    with pytest.raises(RuntimeError, match="no undecided approval"):
        loop.approval_decided("nope", ApprovalDecision(True))


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "3"])
def test_max_rounds_must_be_a_positive_int(value: Any) -> None:
    with pytest.raises(ValueError, match="max_rounds must be an int >= 1"):
        TurnLoop(session_id="s", tools={}, max_rounds=value)
