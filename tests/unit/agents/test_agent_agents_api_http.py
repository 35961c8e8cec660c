"""An Agent over the 0.2 Agents API, through the real engine, replaying 0.2.24 transcripts."""

from __future__ import annotations

import json
from typing import Any, Literal

import pytest
import responses

from llamastack import InternalServerError
from llamastack.agents import (
    Agent,
    ResponseIncompleteError,
    TextDelta,
    ToolCallFinished,
    ToolCallRequested,
    TurnCompleted,
    TurnStarted,
    UnsupportedFeatureError,
    partial_result,
    tool,
)
from llamastack.agents.agents_api import AgentsApiBackend, client_tool_definition
from llamastack.encoding import jsonable
from tests.unit.agents.streams import CAPTURED_07, FIXTURES, sse
from tests.unit.conftest import MakeClient
from tests.unit.specs_for_tests import BASE

AGENT_ID = "ed618e59-e89f-4c55-8518-5087bae58856"
SESSION_ID = "c84e8569-da0f-4e23-a27f-df4c5afb054b"
TURN_ID = "648d719e-1716-42a2-a94a-b522f82b3f7c"
AGENTS = BASE + "/v1/agents"
SESSION = f"{AGENTS}/{AGENT_ID}/session"
TURN = f"{SESSION}/{SESSION_ID}/turn"
RESUME = f"{TURN}/{TURN_ID}/resume"
CAPTURED_02 = CAPTURED_07.parent / "0.2"
runs: list[str] = []


@tool
def get_weather(city: str, unit: Literal["c", "f"] = "c", days: list[int] | None = None) -> str:
    """Current weather in a city.

    Args:
        city: The city's name.
        unit: Temperature unit.
        days: Days ahead.
    """
    runs.append(city)
    return "sunny, 21C"


def transcript(name: str) -> bytes:
    return (FIXTURES / f"agents_0.2_{name}.sse").read_bytes()


def body_of(mock: responses.RequestsMock, url: str) -> list[dict[str, Any]]:
    return [json.loads(c.request.body or "null") for c in mock.calls if c.request.url == url]


@pytest.fixture(autouse=True)
def clear_runs() -> None:
    runs.clear()


def make_agent(make_client: MakeClient, **kwargs: Any) -> Agent:
    kwargs.setdefault("tools", [get_weather])
    return Agent(make_client(server_line="0.2"), model="fake-vllm/fake-llm", instructions="Be brief.",
                 api="agents", **kwargs)


def test_a_tool_turn_creates_the_agent_once_and_resumes_with_the_tool_response(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.post(AGENTS, json={"agent_id": AGENT_ID})
    mock.post(SESSION, json={"session_id": SESSION_ID})
    mock.post(TURN, body=transcript("turn_stream_tool"), content_type="text/event-stream")
    mock.post(RESUME, body=transcript("turn_resume"), content_type="text/event-stream")
    agent = make_agent(make_client, temperature=0.3, max_output_tokens=64, tool_choice="auto",
                       max_infer_iters=5, guardrails=["llama-guard"],
                       tools=[get_weather, {"type": "file_search", "vector_store_ids": ["vs_1"],
                                            "max_num_results": 3}])
    assert agent.agent_id is None  # nothing was sent yet
    session_id = agent.create_session("weather-chat")
    events = list(agent.create_turn(messages="please use tool for Paris", session_id=session_id,
                                    stream=True))
    assert agent.agent_id == AGENT_ID

    [create] = body_of(mock, AGENTS)
    config = create["agent_config"]
    assert config["model"] == "fake-vllm/fake-llm" and config["instructions"] == "Be brief."
    assert config["client_tools"] == [jsonable(client_tool_definition(get_weather))]
    assert config["client_tools"][0]["input_schema"] == get_weather.parameters
    assert config["toolgroups"] == [{"name": "builtin::rag/knowledge_search",
                                     "args": {"vector_db_ids": ["vs_1"],
                                              "query_config": {"max_chunks": 3}}}]
    assert config["sampling_params"] == {"strategy": {"type": "top_p", "temperature": 0.3},
                                         "max_tokens": 64}
    assert config["tool_config"] == {"tool_choice": "auto"}
    assert config["max_infer_iters"] == 5
    assert config["input_shields"] == config["output_shields"] == ["llama-guard"]
    assert body_of(mock, SESSION) == [{"session_name": "weather-chat"}]
    assert body_of(mock, TURN) == [{"messages": [{"role": "user",
                                                  "content": "please use tool for Paris"}],
                                    "stream": True}]
    assert body_of(mock, RESUME) == [{"tool_responses": [{
        "call_id": "call_t-000008", "tool_name": "get_weather", "content": "sunny, 21C"}],
        "stream": True}]

    assert [type(e) for e in events[:3]] == [TurnStarted, ToolCallRequested, ToolCallFinished]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Tool result: sunny, 21C"
    last = events[-1]
    assert isinstance(last, TurnCompleted)
    result = last.result
    assert (result.output_text, result.turn_id, result.rounds, result.response_ids) == (
        "Tool result: sunny, 21C", TURN_ID, 2, ())
    assert result.server_tool_calls == ()  # the server's echo of our answer is not a server tool
    assert runs == ["please use tool for Paris"]


def test_the_agent_is_created_once_for_every_session(mock: responses.RequestsMock,
                                                     make_client: MakeClient) -> None:
    mock.post(AGENTS, json={"agent_id": AGENT_ID})
    mock.post(SESSION, json={"session_id": "s1"})
    mock.post(SESSION, json={"session_id": "s2"})
    agent = make_agent(make_client)
    assert [agent.create_session("a"), agent.create_session("b")] == ["s1", "s2"]
    assert len(body_of(mock, AGENTS)) == 1


def test_an_agent_made_elsewhere_is_reused(mock: responses.RequestsMock,
                                           make_client: MakeClient) -> None:
    mock.post(f"{AGENTS}/existing/session", json={"session_id": "s1"})
    assert make_agent(make_client, agent_id="existing").create_session("a") == "s1"


def test_an_error_inside_the_turn_stream_raises_the_servers_error(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    events = json.loads((CAPTURED_02 / "POST_v1_agents_turn_stream_error.json").read_text())
    mock.post(AGENTS, json={"agent_id": AGENT_ID})
    mock.post(TURN, body=sse(events), content_type="text/event-stream")
    with pytest.raises(InternalServerError, match="Internal server error") as caught:
        make_agent(make_client).create_turn(messages="hello", session_id=SESSION_ID)
    result = partial_result(caught.value)
    assert result is not None and result.rounds == 1 and result.tool_calls == ()


def test_the_servers_max_infer_iters_error_says_where_it_came_from(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    events = json.loads((CAPTURED_02 / "POST_v1_agents_turn_stream_mcp_endless.json").read_text())
    mock.post(AGENTS, json={"agent_id": AGENT_ID})
    mock.post(TURN, body=sse(events), content_type="text/event-stream")
    with pytest.raises(ResponseIncompleteError, match="max_infer_iters") as caught:
        make_agent(make_client, tools=[]).create_turn(messages="hello", session_id=SESSION_ID)
    assert (caught.value.method, caught.value.url, caught.value.status) == ("POST", TURN, 200)


@pytest.mark.parametrize(("kwargs", "words"), [
    ({"parallel_tool_calls": True}, "parallel_tool_calls cannot be set on the Agents API"),
    ({"tools": [{"type": "mcp", "server_label": "x", "server_url": "http://h"}]},
     "register an MCP toolgroup"),
    ({"tools": [{"type": "file_search", "vector_store_ids": ["v"], "filters": {}}]},
     r"file_search option\(s\) \['filters'\]"),
    ({"tools": [{"name": "builtin::rag", "argz": {}}]}, r"unknown key\(s\) \['argz'\]"),
    ({"approve": lambda request: True}, "approve= answers MCP approval requests"),
    # 0.2 would call the tool without asking: a tool meant to be asked about is refused.
    ({"tools": [{"type": "mcp", "server_label": "gh", "server_url": "http://h",
                 "require_approval": "always"}]},
     r"MCP tool 'gh' asks for approvals \(require_approval='always'\).*Llama Stack 0.3 or later"),
    # 0.2.24 answers 400 "temperature: Field required" to a top_p strategy without one.
    ({"top_p": 0.9}, "top_p on the Agents API .* needs temperature too"),
])
def test_what_the_agents_api_cannot_do_is_refused_before_anything_is_sent(
        make_client: MakeClient, kwargs: dict[str, Any], words: str) -> None:
    with pytest.raises(UnsupportedFeatureError, match=words):
        make_agent(make_client, **kwargs).create_session("x")


def test_only_user_and_tool_messages_go_to_a_turn(mock: responses.RequestsMock,
                                                  make_client: MakeClient) -> None:
    agent = make_agent(make_client, agent_id=AGENT_ID)
    with pytest.raises(UnsupportedFeatureError, match="role 'system'"):
        agent.create_turn(messages=[{"role": "system", "content": "x"}], session_id=SESSION_ID)


def test_client_tools_in_the_0_2_list_form_keep_what_the_list_can_say() -> None:
    definition = jsonable(client_tool_definition(get_weather))
    assert definition["name"] == "get_weather"
    assert definition["description"] == "Current weather in a city."
    assert definition["parameters"] == [
        {"name": "city", "parameter_type": "string", "description": "The city's name.",
         "required": True},
        {"name": "unit", "parameter_type": "string",
         "description": "Temperature unit. One of: 'c', 'f'.", "required": False, "default": "c"},
        # 0.2.24's to_openai_param_type expands "list[int]" to an array of integers.
        {"name": "days", "parameter_type": "list[int]", "description": "Days ahead.",
         "required": False},
    ]


@tool
def plot_all(points: list[dict[str, int]]) -> str:
    """Plot points.

    Args:
        points: The points.
    """
    return str(len(points))


def test_arguments_nested_deeper_than_02_holds_are_refused_on_02_only(
        make_client: MakeClient) -> None:
    # 0.2.24's ToolCall holds a value, a list of values or an object of values per argument;
    # its server turned a list of objects into the text "call_id='...' tool_name=..." (live).
    with pytest.raises(UnsupportedFeatureError, match="parameter 'points' of tool 'plot_all' nests"):
        make_agent(make_client, tools=[plot_all]).create_session("x")
    # 0.3 (its Agents API at /v1alpha) takes the arguments as JSON text: any depth.
    on_03 = Agent(make_client(server_line="0.3"), model="m", api="agents", tools=[plot_all])
    assert isinstance(on_03._backend(), AgentsApiBackend)
