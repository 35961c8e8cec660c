"""print_turn: text as it arrives, one line per tool call and output, the result returned."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from llamastack import APIConnectionError
from llamastack.agents import (
    ApprovalDecided,
    ApprovalRecord,
    ApprovalRequest,
    ApprovalRequested,
    ServerToolCall,
    ServerToolCallRecord,
    TextDelta,
    ToolCallFinished,
    ToolCallRecord,
    ToolCallRequested,
    TurnCompleted,
    TurnEvent,
    TurnResult,
    TurnStarted,
    print_turn,
)

RESULT = TurnResult(session_id="s", output_text="It is 18 degrees.")
OK = ToolCallRecord("c1", "get_weather", {"city": "Paris"}, "18 degrees and sunny", False)
FAILED = ToolCallRecord("c2", "get_time", {"tz": "Mars"}, "Error: tool 'get_time' raised "
                        "ValueError: unknown zone", True)
REQUEST = ApprovalRequest("ap1", "add", {"a": 1, "b": 2}, "calc")


def printed(events: list[TurnEvent], **kwargs: int) -> str:
    out = io.StringIO()
    assert print_turn(events, file=out, **kwargs) is RESULT
    return out.getvalue()


def test_text_and_tool_calls_are_printed_in_order_on_their_own_lines() -> None:
    text = printed([TurnStarted("s"), TextDelta("Let me "), TextDelta("check."),
                    ToolCallRequested("c1", "get_weather", {"city": "Paris"}),
                    ToolCallRequested("c2", "get_time", {"tz": "Mars"}),
                    ToolCallFinished(OK), ToolCallFinished(FAILED),
                    TextDelta("It is 18 degrees."), TurnCompleted(RESULT)])
    assert text == ('Let me check.\n'
                    '-> get_weather(city="Paris")\n'
                    '-> get_time(tz="Mars")\n'
                    '<- get_weather: 18 degrees and sunny\n'
                    "!! get_time failed: Error: tool 'get_time' raised ValueError: unknown zone\n"
                    'It is 18 degrees.\n')


def test_server_tools_and_approvals_are_printed() -> None:
    mcp = ServerToolCallRecord("mcp_call", "m1", "add", {"a": 1, "b": 2}, "3", server_label="calc")
    broken = ServerToolCallRecord("mcp_call", "m2", "div", {}, "division by zero", True,
                                  server_label="calc")
    search = ServerToolCallRecord("file_search_call", "f1", "file_search", {"queries": ["q"]},
                                  results=({"text": "a"}, {"text": "b"}))
    text = printed([ServerToolCall(mcp), ServerToolCall(broken), ServerToolCall(search),
                    ApprovalRequested(REQUEST),
                    ApprovalDecided(ApprovalRecord(REQUEST, False, "not now")),
                    TurnCompleted(RESULT)])
    assert text == ('[server] calc: add(a=1, b=2) -> 3\n'
                    '[server] calc: div() !! division by zero\n'
                    '[server] file_search(queries=["q"]) -> 2 result(s)\n'
                    '[approval] calc: add(a=1, b=2) asks for approval\n'
                    '[approval] add: denied (not now)\n')


def test_long_outputs_are_cut() -> None:
    record = ToolCallRecord("c1", "dump", {}, "x" * 30, False)
    assert printed([ToolCallFinished(record), TurnCompleted(RESULT)], max_output_chars=10) == (
        "<- dump: xxxxxxxxxx... (20 more characters)\n")


def test_non_ascii_text_is_printed_as_is() -> None:
    assert printed([TextDelta("Zürich: 18 °C"), TurnCompleted(RESULT)]) == "Zürich: 18 °C\n"


def test_the_default_file_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    assert print_turn([TextDelta("hi\n"), TurnCompleted(RESULT)]) is RESULT
    assert capsys.readouterr().out == "hi\n"


def test_events_without_turn_completed_are_an_error() -> None:
    with pytest.raises(ValueError, match="without TurnCompleted"):
        print_turn([TextDelta("hi")], file=io.StringIO())


def test_the_stream_is_closed_when_printing_stops() -> None:
    closed: list[bool] = []

    class Events:
        def __iter__(self) -> Iterator[TurnEvent]:
            yield TextDelta("a")
            raise KeyboardInterrupt

        def close(self) -> None:
            closed.append(True)

    with pytest.raises(KeyboardInterrupt):
        print_turn(Events(), file=io.StringIO())
    assert closed == [True]


def test_a_turn_that_fails_mid_line_has_its_line_ended_before_the_error() -> None:
    def events() -> Iterator[TurnEvent]:
        yield TextDelta("Echo:")
        raise APIConnectionError("cut")

    out = io.StringIO()
    with pytest.raises(APIConnectionError):
        print_turn(events(), file=out)
    assert out.getvalue() == "Echo:\n"  # an error message printed next starts on its own line
