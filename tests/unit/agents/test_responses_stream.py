"""ResponsesStreamTranslator: captured 0.7.3 streams and every shape the official SDK drops."""

from __future__ import annotations

from typing import Any

import pytest

from llamastack import APIConnectionError
from llamastack.agents import ResponseFailedError, ResponseIncompleteError, Usage
from llamastack.agents.model_events import (
    ApprovalArrived,
    FunctionCallArrived,
    ModelEvent,
    RoundFinished,
    ServerToolArrived,
    TextArrived,
)
from llamastack.agents.responses_stream import ResponsesStreamTranslator
from tests.unit.agents.streams import (
    arguments_delta,
    arguments_done,
    calls_round,
    captured_07,
    completed,
    created,
    fixture_events,
    function_call,
    item_added,
    item_done,
    message,
    response,
    responses_chunks,
    text_delta,
    text_round,
)


def translate(events: list[dict[str, Any]], *, finish: bool = True) -> list[ModelEvent]:
    translator = ResponsesStreamTranslator({"method": "POST"})
    out: list[ModelEvent] = []
    for chunk in responses_chunks(events):
        out.extend(translator.feed(chunk))
    if finish:
        out.extend(translator.finish())
    return out


def test_captured_text_stream_gives_text_and_the_finished_round() -> None:
    captured = captured_07("POST_v1_responses_stream")
    response_id = captured[-1]["response"]["id"]  # the server's id (a new capture, a new id)
    events = translate(captured)
    assert events == [TextArrived("Echo:"), TextArrived(" hello"), TextArrived(" responses"),
                      RoundFinished("Echo: hello responses", response_id, usage=Usage(2, 3, 5))]


def test_captured_function_call_stream_gives_one_complete_call() -> None:
    events = translate(fixture_events("responses_0.7_function_call"))
    assert events == [
        FunctionCallArrived("call_fa069c637197255d", "get_weather",
                            '{"city": "please use tool get_weather for Paris"}'),
        RoundFinished("", "resp_cc08b83c-3c50-4e46-922a-068e380a180d", usage=Usage(9, 7, 16))]


def test_captured_mcp_stream_surfaces_listed_tools_and_the_call_not_a_client_call() -> None:
    # 0.7.3 streams the MCP call's arguments as response.function_call_arguments.delta.
    events = translate(fixture_events("responses_0.7_mcp_call"))
    kinds = [type(e).__name__ for e in events]
    assert "FunctionCallArrived" not in kinds
    server = [e.record for e in events if isinstance(e, ServerToolArrived)]
    assert [(r.type, r.name, r.server_label) for r in server] == [
        ("mcp_list_tools", "list_tools", "fake"), ("mcp_call", "add", "fake")]
    assert server[0].output == "get_weather, add"
    assert [tool["name"] for tool in server[0].results] == ["get_weather", "add"]
    assert (dict(server[1].arguments), server[1].output, server[1].is_error) == (
        {"a": 1, "b": 1}, "2", False)
    assert "".join(e.text for e in events if isinstance(e, TextArrived)) == "Tool result: 2"
    assert isinstance(events[-1], RoundFinished) and events[-1].output_text == "Tool result: 2"


def test_captured_approval_request_stream_asks_for_approval() -> None:
    events = translate(fixture_events("responses_0.7_mcp_approval_request"))
    approvals = [e.request for e in events if isinstance(e, ApprovalArrived)]
    assert [(a.request_id, a.name, dict(a.arguments), a.server_label) for a in approvals] == [
        ("approval_2ee0363d-4427-4882-ad94-13a52354ee22", "add", {"a": 1, "b": 1}, "fake")]
    assert not any(isinstance(e, FunctionCallArrived) for e in events)


def test_captured_file_search_stream_surfaces_the_search_and_its_hits() -> None:
    events = translate(fixture_events("responses_0.7_file_search"))
    [record] = [e.record for e in events if isinstance(e, ServerToolArrived)]
    assert (record.type, record.name, record.status) == ("file_search_call", "file_search",
                                                         "completed")
    assert record.arguments == {"queries": ["file_search: what is the capital of France?"]}
    assert len(record.results) == 1 and "Paris" in record.results[0]["text"]
    assert not any(isinstance(e, FunctionCallArrived) for e in events)


def test_no_in_progress_event_is_needed() -> None:
    # 0.2.24's Responses stream: created, item added, arguments, item done, completed.
    events = translate(calls_round(function_call("c1", "f", '{"x": 1}')))
    assert events[0] == FunctionCallArrived("c1", "f", '{"x": 1}')


def test_every_function_call_of_a_response_is_kept_around_server_tools() -> None:
    mcp = {"type": "mcp_call", "id": "m1", "name": "add", "arguments": "{}",
           "server_label": "calc", "output": "3"}
    calls = [function_call("c1", "f", "{}"), function_call("c2", "g", "{}")]
    stream = [created(), item_done(calls[0], 0), item_done(mcp, 1), item_done(calls[1], 2),
              completed("r1", [calls[0], mcp, calls[1]])]
    assert [type(e).__name__ for e in translate(stream)] == [
        "FunctionCallArrived", "ServerToolArrived", "FunctionCallArrived", "RoundFinished"]


def test_arguments_come_from_the_deltas_when_the_item_has_none() -> None:
    call = function_call("c1", "f", "")
    stream = [created(), item_added(call, 0), arguments_delta('{"a": ', 0),
              arguments_delta("1}", 0), item_done(call, 0), completed("r1", [call])]
    assert translate(stream)[0] == FunctionCallArrived("c1", "f", '{"a": 1}')
    stream = [created(), arguments_delta("{", 0), arguments_done('{"a": 2}', 0),
              item_done(call, 0), completed("r1", [call])]
    assert translate(stream)[0] == FunctionCallArrived("c1", "f", '{"a": 2}')


def test_items_whose_done_event_was_lost_come_from_the_completed_response() -> None:
    call = function_call("c1", "f", '{"a": 1}')
    stream = [created(), item_added(call, 0), completed("r1", [call, message("hi", 1)])]
    assert translate(stream) == [FunctionCallArrived("c1", "f", '{"a": 1}'), TextArrived("hi"),
                                 RoundFinished("hi", "r1", usage=Usage(1, 2, 3))]


def test_text_not_streamed_is_emitted_when_its_message_is_done() -> None:
    stream = [created(), text_delta("Hel"), item_done(message("Hello"), 0),
              completed("r1", [message("Hello")], usage=None)]
    assert translate(stream) == [TextArrived("Hel"), TextArrived("lo"),
                                 RoundFinished("Hello", "r1")]


def test_a_refusal_is_text_the_user_sees() -> None:
    refusal = {"type": "response.refusal.delta", "sequence_number": 1, "content_index": 0,
               "delta": "I cannot help with that.", "item_id": "m", "output_index": 0}
    refused = {"type": "message", "role": "assistant", "id": "m",
               "content": [{"type": "refusal", "refusal": "I cannot help with that."}]}
    events = translate([created(), refusal, completed("r1", [refused])])
    assert events[0] == TextArrived("I cannot help with that.")
    assert isinstance(events[-1], RoundFinished)
    assert events[-1].output_text == "I cannot help with that."


def test_unknown_events_and_items_do_not_break_the_round() -> None:
    future_call = {"type": "code_interpreter_call", "id": "ci1", "status": "completed",
                   "output": {"stdout": "4"}}
    reasoning = {"type": "reasoning", "id": "rs1", "summary": []}
    stream = [created(), {"type": "response.something_new", "sequence_number": 3},
              item_done(reasoning, 0), item_done(future_call, 1), *text_round("ok")[1:]]
    events = translate(stream)
    [record] = [e.record for e in events if isinstance(e, ServerToolArrived)]
    assert (record.type, record.call_id, record.output) == ("code_interpreter_call", "ci1",
                                                            '{"stdout": "4"}')
    assert isinstance(events[-1], RoundFinished)


def test_response_failed_raises_with_the_servers_message() -> None:
    captured = captured_07("POST_v1_responses_stream_failed")
    with pytest.raises(ResponseFailedError) as caught:
        translate(captured)
    error = caught.value
    assert error.code == "server_error"
    assert error.response_id == captured[-1]["response"]["id"]
    assert "An unexpected error occurred while generating the response. (code server_error)" in str(
        error)


def test_response_incomplete_raises_with_the_reason() -> None:
    incomplete = {"type": "response.incomplete", "sequence_number": 5,
                  "response": response("r9", "incomplete",
                                       incomplete_details={"reason": "max_output_tokens"})}
    with pytest.raises(ResponseIncompleteError, match=r"r9 is incomplete: max_output_tokens") as caught:
        translate([created("r9"), text_delta("Partial"), incomplete])
    assert caught.value.reason == "max_output_tokens"


def test_a_stream_that_ends_before_completed_is_a_connection_error() -> None:
    with pytest.raises(APIConnectionError, match=r"ended before response\.completed"):
        translate([created(), text_delta("cut")])


def test_events_after_completed_are_ignored() -> None:
    events = translate([*text_round("ok"), text_delta("late")])
    assert [e for e in events if isinstance(e, TextArrived)] == [TextArrived("ok")]
