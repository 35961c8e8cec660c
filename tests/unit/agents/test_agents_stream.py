"""AgentsStreamTranslator: the 0.2.24 turn transcripts and the shapes around them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from llamastack import APIConnectionError
from llamastack.agents import ResponseIncompleteError
from llamastack.agents.agents_stream import AgentsStreamTranslator, content_text
from llamastack.agents.model_events import (
    FunctionCallArrived,
    ModelEvent,
    RoundFinished,
    ServerToolArrived,
    TextArrived,
)
from tests.unit.agents.streams import fixture_events, turn_chunks

TOOL_TURN = "648d719e-1716-42a2-a94a-b522f82b3f7c"


def translate(events: list[dict[str, Any]], answered: frozenset[str] = frozenset(),
              *, finish: bool = True) -> tuple[list[ModelEvent], AgentsStreamTranslator]:
    translator = AgentsStreamTranslator(answered)
    out: list[ModelEvent] = []
    for chunk in turn_chunks(events):
        out.extend(translator.feed(chunk))
    if finish:
        out.extend(translator.finish())
    return out, translator


def payload(event_type: str, **fields: Any) -> dict[str, Any]:
    return {"event": {"payload": {"event_type": event_type, **fields}}}


def turn(turn_id: str, content: str = "", tool_calls: list[dict[str, Any]] | None = None
         ) -> dict[str, Any]:
    return {"turn_id": turn_id, "session_id": "s", "input_messages": [], "steps": [],
            "started_at": "t", "output_message": {"role": "assistant", "content": content,
                                                  "stop_reason": "end_of_turn",
                                                  "tool_calls": tool_calls or []}}


def test_captured_text_turn() -> None:
    events, translator = translate(fixture_events("agents_0.2_turn_stream"))
    assert events == [TextArrived("Echo: "), TextArrived("hello "), TextArrived("agent"),
                      RoundFinished("Echo: hello agent",
                                    turn_id="f801e004-29a0-4e09-843d-59ecd4f308c1")]
    assert translator.turn_id == "f801e004-29a0-4e09-843d-59ecd4f308c1"


def test_captured_tool_turn_ends_awaiting_the_client_call() -> None:
    events, _ = translate(fixture_events("agents_0.2_turn_stream_tool"))
    assert events == [FunctionCallArrived("call_t-000008", "get_weather",
                                          '{"city": "please use tool for Paris"}'),
                      RoundFinished("", turn_id=TOOL_TURN)]


def test_captured_resume_skips_the_echo_of_the_answered_call() -> None:
    events, _ = translate(fixture_events("agents_0.2_turn_resume"),
                          answered=frozenset({"call_t-000008"}))
    assert events == [TextArrived("Tool "), TextArrived("result: "), TextArrived("sunny, "),
                      TextArrived("21C"), RoundFinished("Tool result: sunny, 21C",
                                                        turn_id=TOOL_TURN)]


def tool_step(name: str, arguments: dict[str, Any], content: list[dict[str, Any]],
              metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    step = {"turn_id": "t", "step_id": "st1", "step_type": "tool_execution",
            "tool_calls": [{"call_id": "k1", "tool_name": name, "arguments": arguments}],
            "tool_responses": [{"call_id": "k1", "tool_name": name, "content": content,
                                "metadata": metadata}]}
    return [payload("step_complete", step_type="tool_execution", step_id="st1",
                    step_details=step),
            payload("turn_complete", turn=turn("t", "done"))]


def test_a_server_tool_step_is_a_server_tool_call() -> None:
    events, _ = translate(tool_step("get_weather", {"city": "Lima"},
                                    [{"type": "text", "text": "Sunny "},
                                     {"type": "text", "text": "in Lima"}]))
    [server] = [e.record for e in events if isinstance(e, ServerToolArrived)]
    assert (server.type, server.call_id, server.name, dict(server.arguments), server.output) == (
        "tool_execution", "k1", "get_weather", {"city": "Lima"}, "Sunny in Lima")


def test_knowledge_search_is_reported_as_a_file_search_call_with_its_hits() -> None:
    # The metadata 0.2.24's builtin::rag answered for a vector store file (seen live).
    metadata = {"document_ids": ["file-1"], "chunks": ["Paris is the capital of France."],
                "scores": [1.1], "vector_db_ids": ["vs_1"]}
    events, _ = translate(tool_step("knowledge_search", {"query": "capital of France"},
                                    [{"type": "text", "text": "found 1 chunk"}], metadata))
    [server] = [e.record for e in events if isinstance(e, ServerToolArrived)]
    assert (server.type, server.name, dict(server.arguments), server.output, server.status) == (
        "file_search_call", "file_search", {"queries": ["capital of France"]}, "found 1 chunk",
        "completed")
    assert server.results == ({"file_id": "file-1", "text": "Paris is the capital of France.",
                               "score": 1.1},)


def test_the_servers_max_infer_iters_with_server_calls_unrun_is_an_incomplete_response() -> None:
    captured = Path(__file__).resolve().parents[2] / "integration" / "servers" / "captured"
    events = json.loads((captured / "0.2" / "POST_v1_agents_turn_stream_mcp_endless.json").read_text())
    translator = AgentsStreamTranslator(client_tools=frozenset({"lookup"}))
    with pytest.raises(ResponseIncompleteError, match="max_infer_iters with get_weather not run") as raised:
        for chunk in turn_chunks(events):
            translator.feed(chunk)
    assert raised.value.reason == "max_infer_iters"


def test_awaited_calls_of_client_tools_are_client_calls() -> None:
    translator = AgentsStreamTranslator(client_tools=frozenset({"get_weather"}))
    out: list[ModelEvent] = []
    for chunk in turn_chunks(fixture_events("agents_0.2_turn_stream_tool")):
        out.extend(translator.feed(chunk))
    assert [type(e) for e in out] == [FunctionCallArrived, RoundFinished]


def test_a_shield_violation_is_reported_as_a_failed_server_call() -> None:
    step = {"turn_id": "t", "step_id": "sh", "step_type": "shield_call",
            "violation": {"violation_level": "error", "user_message": "I can't answer that."}}
    events, _ = translate([payload("step_complete", step_type="shield_call", step_id="sh",
                                   step_details=step),
                           payload("turn_complete", turn=turn("t", "I can't answer that."))])
    [server] = [e.record for e in events if isinstance(e, ServerToolArrived)]
    assert (server.type, server.output, server.is_error) == ("shield_call",
                                                             "I can't answer that.", True)


def test_text_of_a_step_that_did_not_stream_is_emitted_when_it_completes() -> None:
    step = {"turn_id": "t", "step_id": "i1", "step_type": "inference",
            "model_response": {"role": "assistant", "content": "Hello there",
                               "stop_reason": "end_of_turn"}}
    events, _ = translate([
        payload("step_progress", step_type="inference", step_id="i1",
                delta={"type": "text", "text": "Hello"}),
        payload("step_complete", step_type="inference", step_id="i1", step_details=step),
        payload("turn_complete", turn=turn("t", "Hello there"))])
    assert events[:2] == [TextArrived("Hello"), TextArrived(" there")]


def test_arguments_as_a_string_are_kept_as_sent() -> None:
    # 0.3 sends ToolCall.arguments as a JSON string and no arguments_json.
    calls: list[dict[str, Any]] = [{"call_id": "c1", "tool_name": "f", "arguments": '{"a": 1}'}]
    events, _ = translate([payload("turn_start", turn_id="t"),
                           payload("turn_awaiting_input", turn=turn("t", "", calls))])
    assert events[0] == FunctionCallArrived("c1", "f", '{"a": 1}')
    calls = [{"call_id": "c2", "tool_name": "f", "arguments": {"a": 2}}]
    events, _ = translate([payload("turn_awaiting_input", turn=turn("t", "", calls))])
    assert json.loads(events[0].arguments) == {"a": 2}  # type: ignore[union-attr]


def test_a_stream_cut_before_the_turn_ends_is_a_connection_error() -> None:
    with pytest.raises(APIConnectionError, match="ended before turn_complete"):
        translate(fixture_events("agents_0.2_turn_stream")[:3])


def test_unknown_payloads_are_ignored() -> None:
    events, _ = translate([payload("step_start", step_type="inference", step_id="x"),
                           payload("something_new", value=1),
                           payload("turn_complete", turn=turn("t", "ok"))])
    assert events == [RoundFinished("ok", turn_id="t")]


def test_content_text_reads_every_content_shape() -> None:
    assert content_text(None) == ""
    assert content_text("a") == "a"
    assert content_text({"type": "text", "text": "b"}) == "b"
    assert content_text(["a", {"type": "text", "text": "b"}]) == "ab"
