"""An Agent over Responses + Conversations, through the real engine, replaying 0.7.3 streams."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
import responses

from llamastack import APIConnectionError, APIStatusError, InternalServerError
from llamastack.agents import (
    Agent,
    ApprovalDecided,
    ResponseFailedError,
    ServerToolCall,
    TextDelta,
    ToolCallFinished,
    ToolCallRequested,
    ToolLoopLimitError,
    TurnCompleted,
    TurnStarted,
    UnsupportedFeatureError,
    Usage,
    partial_result,
    tool,
)
from llamastack.agents.agent import DEFAULT_DENIAL
from tests.unit.agents.streams import (
    FIXTURES,
    calls_round,
    captured_07,
    created,
    function_call,
    response,
    sse,
    text_delta,
    text_round,
)
from tests.unit.conftest import MakeClient, chunked
from tests.unit.specs_for_tests import BASE

RESPONSES = BASE + "/v1/responses"
CONVERSATIONS = BASE + "/v1/conversations"
CONVERSATION = captured_07("POST_v1_conversations")
CONV_ID = CONVERSATION["id"]
PARIS = "please use tool get_weather for Paris"
runs: list[str] = []


@tool
def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
    """Current weather in a city.

    Args:
        city: The city's name.
        unit: Temperature unit.
    """
    runs.append(city)
    return f"18 degrees {unit} and sunny in {city}"


def add_stream(mock: responses.RequestsMock, body: bytes | Any, status: int = 200) -> None:
    mock.post(RESPONSES, body=body, status=status, content_type="text/event-stream")


def captured_stream(name: str) -> bytes:
    return (FIXTURES / f"responses_0.7_{name}.sse").read_bytes()


def bodies(mock: responses.RequestsMock, url: str = RESPONSES) -> list[dict[str, Any]]:
    return [json.loads(call.request.body or "null") for call in mock.calls
            if call.request.url == url]


@pytest.fixture(autouse=True)
def clear_runs() -> None:
    runs.clear()


def make_agent(make_client: MakeClient, **kwargs: Any) -> Agent:
    kwargs.setdefault("tools", [get_weather])
    return Agent(make_client(), model="fake-openai/fake-llm", instructions="You are helpful.",
                 api="responses", **kwargs)


def test_a_turn_replays_the_captured_function_call_and_its_follow_up(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.post(CONVERSATIONS, json=CONVERSATION)
    add_stream(mock, captured_stream("function_call"))
    add_stream(mock, captured_stream("function_call_output"))
    agent = make_agent(make_client, temperature=0.2, max_output_tokens=256,
                       parallel_tool_calls=True, tool_choice="auto", guardrails=["llama-guard"],
                       metadata={"app": "test"}, text={"format": {"type": "text"}},
                       max_tool_calls=4)
    session_id = agent.create_session("weather-chat")
    events = list(agent.create_turn(messages=PARIS, session_id=session_id, stream=True))

    assert session_id == CONV_ID
    assert bodies(mock, CONVERSATIONS) == [{"metadata": {"name": "weather-chat"}}]
    first, second = bodies(mock)
    common = {"model": "fake-openai/fake-llm", "instructions": "You are helpful.",
              "conversation": CONV_ID, "stream": True, "temperature": 0.2,
              "max_output_tokens": 256, "parallel_tool_calls": True, "tool_choice": "auto",
              "guardrails": ["llama-guard"], "metadata": {"app": "test"},
              "text": {"format": {"type": "text"}}, "max_tool_calls": 4,
              "tools": [get_weather.definition()]}
    assert first == {**common, "input": PARIS}
    assert second == {**common, "input": [{
        "type": "function_call_output", "call_id": "call_fa069c637197255d",
        "output": f"18 degrees c and sunny in {PARIS}"}]}

    assert [type(e) for e in events[:3]] == [TurnStarted, ToolCallRequested, ToolCallFinished]
    assert events[1] == ToolCallRequested("call_fa069c637197255d", "get_weather", {"city": PARIS},
                                          json.dumps({"city": PARIS}))
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == (
        "Tool result: 18 degrees c and sunny")
    last = events[-1]
    assert isinstance(last, TurnCompleted)
    result = last.result
    assert result.output_text == "Tool result: 18 degrees c and sunny"
    assert result.response_ids == ("resp_cc08b83c-3c50-4e46-922a-068e380a180d",
                                   "resp_d15dc266-c900-4010-89c8-f5916b5d3e3c")
    assert result.usage == Usage(23, 14, 37)
    assert result.session_id == CONV_ID and result.rounds == 2 and result.turn_id is None
    assert runs == [PARIS]


def test_an_existing_conversation_is_attached_without_creating_one(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    add_stream(mock, sse(text_round("Hello again")))
    result = make_agent(make_client).create_turn(
        messages=[{"role": "user", "content": "hi"}], session_id="conv_elsewhere")
    assert result.output_text == "Hello again"
    [body] = bodies(mock)
    assert body["conversation"] == "conv_elsewhere"
    assert body["input"] == [{"role": "user", "content": "hi"}]


def test_an_approval_request_is_denied_by_default_with_the_reason_sent_back(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    add_stream(mock, captured_stream("mcp_approval_request"))
    add_stream(mock, sse(text_round("I was not allowed to add.", "r2")))
    mcp = {"type": "mcp", "server_label": "fake", "server_url": "http://127.0.0.1:1/mcp",
           "require_approval": "always"}
    agent = make_agent(make_client, tools=[mcp])
    events = list(agent.create_turn(messages="please use tool add", session_id=CONV_ID,
                                    stream=True))
    listed = [e.record for e in events if isinstance(e, ServerToolCall)]
    assert [r.type for r in listed] == ["mcp_list_tools"]
    [decided] = [e.record for e in events if isinstance(e, ApprovalDecided)]
    assert (decided.request.name, decided.approved, decided.reason) == ("add", False, DEFAULT_DENIAL)
    first, second = bodies(mock)
    assert first["tools"] == [mcp]
    request_id = "approval_2ee0363d-4427-4882-ad94-13a52354ee22"
    assert second["input"][1] == {"type": "mcp_approval_response", "approval_request_id": request_id,
                                  "approve": False, "reason": DEFAULT_DENIAL}


def test_an_approval_answer_follows_a_copy_of_its_request_so_the_server_finds_it(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    # With conversation= the server looks for the approved request among the new input
    # items only: without the copy, 0.3.5-0.7.3 asked again on every round (seen live).
    add_stream(mock, captured_stream("mcp_approval_request"))
    add_stream(mock, sse(text_round("Tool result: 2", "r2")))
    mcp = {"type": "mcp", "server_label": "fake", "server_url": "http://127.0.0.1:1/mcp",
           "require_approval": "always"}
    agent = make_agent(make_client, tools=[mcp], approve=lambda request: True)
    result = agent.create_turn(messages="please use tool add", session_id=CONV_ID)
    assert result.output_text == "Tool result: 2"
    request_id = "approval_2ee0363d-4427-4882-ad94-13a52354ee22"
    assert bodies(mock)[1]["input"] == [
        {"type": "mcp_approval_request", "id": request_id, "name": "add", "server_label": "fake",
         "arguments": '{"a": 1, "b": 1}'},
        {"type": "mcp_approval_response", "approval_request_id": request_id, "approve": True}]


def test_an_error_event_in_the_follow_up_raises_with_the_tool_records(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    add_stream(mock, captured_stream("function_call"))
    add_stream(mock, sse([created("r2"), text_delta("Tool"),
                          {"type": "error", "sequence_number": 3, "code": "server_error",
                           "message": "the model crashed"}]))
    with pytest.raises(APIStatusError, match="the model crashed") as caught:
        make_agent(make_client).create_turn(messages=PARIS, session_id=CONV_ID)
    result = partial_result(caught.value)
    assert result is not None
    assert [(r.name, r.is_error) for r in result.tool_calls] == [("get_weather", False)]
    assert result.response_ids == ("resp_cc08b83c-3c50-4e46-922a-068e380a180d",)
    assert runs == [PARIS]


def test_response_failed_raises_the_servers_message(mock: responses.RequestsMock,
                                                    make_client: MakeClient) -> None:
    events = captured_07("POST_v1_responses_stream_failed")
    add_stream(mock, sse(events))
    with pytest.raises(ResponseFailedError, match="An unexpected error occurred") as caught:
        make_agent(make_client).create_turn(messages="hello", session_id=CONV_ID)
    assert caught.value.code == "server_error"
    assert caught.value.spec is not None and type(caught.value.spec).__name__ == "ResponseCreate"


def test_a_failed_response_that_echoes_the_api_key_never_shows_it(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    secret = "sk-SECRET-0123456789abcdef"
    failed = {"type": "response.failed", "sequence_number": 2, "response": response(
        "r1", "failed", error={"code": "server_error", "message": f"key {secret} leaked"})}
    add_stream(mock, sse([created("r1"), failed]))
    agent = Agent(make_client(api_key=secret), model="fake-openai/fake-llm", api="responses")
    with pytest.raises(ResponseFailedError) as caught:
        agent.create_turn(messages="hello", session_id=CONV_ID)
    assert secret not in str(caught.value) and secret[:8] not in caught.value.message
    assert "key <redacted> leaked" in caught.value.message
    # The error says where it came from, as every error of the client does.
    assert (caught.value.method, caught.value.url, caught.value.status) == ("POST", RESPONSES, 200)


def test_a_stream_cut_after_tools_ran_raises_and_never_runs_them_again(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    add_stream(mock, captured_stream("function_call"))
    follow_up = captured_stream("function_call_output")
    body, raw = chunked(follow_up, fail_after=len(follow_up) // 2,
                        error=ConnectionResetError("reset by peer"))
    add_stream(mock, body)
    with pytest.raises(APIConnectionError) as caught:
        make_agent(make_client).create_turn(messages=PARIS, session_id=CONV_ID)
    result = partial_result(caught.value)
    assert result is not None and [r.call_id for r in result.tool_calls] == ["call_fa069c637197255d"]
    assert runs == [PARIS]
    assert len(mock.calls) == 2  # no retry after events arrived, nothing abandoned twice
    assert raw.closed


def test_a_follow_up_retried_until_retries_run_out_resends_the_same_outputs(
        mock: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]) -> None:
    add_stream(mock, captured_stream("function_call"))
    for _ in range(3):
        mock.post(RESPONSES, json={"detail": "overloaded"}, status=503)
    agent = Agent(make_client(max_retries=2), model="m", tools=[get_weather], api="responses")
    with pytest.raises(InternalServerError) as caught:
        agent.create_turn(messages=PARIS, session_id=CONV_ID)
    follow_ups = [call.request for call in mock.calls[1:]]
    assert len(follow_ups) == 3 and len(sleeps) == 2
    assert len({r.body for r in follow_ups}) == 1
    assert len({r.headers["Idempotency-Key"] for r in follow_ups}) == 1
    assert runs == [PARIS]  # the tool ran once; only the request was retried
    result = partial_result(caught.value)
    assert result is not None and result.tool_calls[0].output.startswith("18 degrees")


def test_the_round_limit_closes_the_unrun_calls_in_the_conversation(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    add_stream(mock, sse(calls_round(function_call("c1", "get_weather", '{"city": "A"}'))))
    add_stream(mock, sse(calls_round(function_call("c2", "get_weather", '{"city": "B"}'),
                                     rid="r2")))
    mock.post(f"{CONVERSATIONS}/{CONV_ID}/items", json={"object": "list", "data": [],
                                                        "has_more": False})
    with pytest.raises(ToolLoopLimitError) as caught:
        make_agent(make_client, max_rounds=2).create_turn(messages="x", session_id=CONV_ID)
    assert runs == ["A"]
    assert [r.call_id for r in caught.value.tool_calls] == ["c1"]
    [items] = bodies(mock, f"{CONVERSATIONS}/{CONV_ID}/items")
    assert items == {"items": [{"type": "function_call_output", "call_id": "c2",
                                "output": "Error: the tool was not run: max_rounds=2 was reached"}]}


def test_a_failure_to_close_the_calls_does_not_hide_the_limit_error(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    add_stream(mock, sse(calls_round(function_call("c1", "get_weather", '{"city": "A"}'))))
    mock.post(f"{CONVERSATIONS}/{CONV_ID}/items", json={"detail": "no"}, status=400)
    with pytest.raises(ToolLoopLimitError):
        make_agent(make_client, max_rounds=1).create_turn(messages="x", session_id=CONV_ID)


def test_breaking_out_while_text_streams_closes_the_http_stream(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    body, raw = chunked(sse(text_round("one two three")), piece=64)
    add_stream(mock, body)
    with make_agent(make_client).create_turn(messages="x", session_id=CONV_ID,
                                             stream=True) as turn:
        for event in turn:
            if isinstance(event, TextDelta):
                break
    assert raw.closed


def test_toolgroup_ids_are_refused_before_anything_is_sent(make_client: MakeClient) -> None:
    agent = make_agent(make_client, tools=["builtin::rag"])
    with pytest.raises(UnsupportedFeatureError, match="Agents API toolgroup"):
        agent.create_turn(messages="x", session_id=CONV_ID)


def test_function_tools_given_as_dicts_are_refused(make_client: MakeClient) -> None:
    agent = make_agent(make_client, tools=[{"type": "function", "name": "f"}])
    with pytest.raises(UnsupportedFeatureError, match="give the Python function"):
        agent.create_session("x")


def test_extra_headers_reach_every_request_of_the_agent(mock: responses.RequestsMock,
                                                        make_client: MakeClient) -> None:
    mock.post(CONVERSATIONS, json=CONVERSATION)
    add_stream(mock, sse(text_round("ok")))
    agent = make_agent(make_client, extra_headers={"X-LlamaStack-Provider-Data": '{"k": "v"}'})
    agent.create_turn(messages="x", session_id=agent.create_session("s"),
                      extra_headers={"X-Turn": "1"})
    conversation, turn = (call.request.headers for call in mock.calls)
    assert conversation["X-LlamaStack-Provider-Data"] == '{"k": "v"}'
    assert (turn["X-LlamaStack-Provider-Data"], turn["X-Turn"]) == ('{"k": "v"}', "1")
