"""``llamastack.agents`` against the real servers of every line: the same code, the same turns.

Every test runs on 0.2.24 ... 0.7.3 (``line_server``) with a client that discovers its line;
the agent speaks Responses + Conversations on 0.3+ and the Agents API on 0.2. The model is the
fake backend (tests/integration/servers/README.md): it calls the tools named in the user's
text (``name({...})`` with exactly those arguments), answers ``Tool result: <outputs>`` once
they came back, else ``Echo: <text>``. What the model received is read from the fake's
journal, which is how history and parameters are checked.
"""

from __future__ import annotations

import io
import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pytest

from llamastack import LlamaStackClient, NotServedError
from llamastack.agents import (
    Agent,
    ResponseIncompleteError,
    TextDelta,
    ToolCallFinished,
    ToolCallRequested,
    ToolLoopLimitError,
    TurnCompleted,
    TurnStarted,
    UnsupportedFeatureError,
    print_turn,
    tool,
)
from llamastack.endpoints import ConversationCreate, FileCreate, VectorStoreCreate
from llamastack.executor import CallNext, PreparedRequest, Response
from tests.integration.conftest import MODEL, LineServer
from tests.integration.servers import manage

pytestmark = pytest.mark.integration

WEATHER_QUESTION = "What is the weather in Paris?"
INSTRUCTIONS = "You are a helpful assistant."


@tool
def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
    """Current weather in a city.

    Args:
        city: The city's name.
        unit: Temperature unit.
    """
    return f"18 degrees {unit} and sunny in {city}"


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


@tool
def boom(reason: str) -> str:
    """Always fails.

    Args:
        reason: Why.
    """
    raise RuntimeError("kaboom")


@pytest.fixture
def line_client(line_server: LineServer) -> Iterator[LlamaStackClient]:
    """A client of one line that discovers the line itself (nothing pinned)."""
    with LlamaStackClient(base_url=line_server.base_url, timeout=30.0) as client:
        yield client


def new_agent(client: LlamaStackClient, **kwargs: Any) -> Agent:
    kwargs.setdefault("tools", [get_weather, add])
    return Agent(client, model=MODEL, instructions=INSTRUCTIONS, **kwargs)


def fake_backend(servers: manage.State) -> manage.FakeInfo:
    fake = servers["fake"]
    assert fake is not None, "the fake backend is not running"
    return fake


def mcp_url(servers: manage.State) -> str:
    return fake_backend(servers)["base_url"].removesuffix("/v1") + "/mcp"


def model_requests(servers: manage.State, last_user_text: str) -> list[dict[str, Any]]:
    """The chat completion requests the fake received whose last user message is this text."""
    found = []
    for line in Path(fake_backend(servers)["journal"]).read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        body = entry.get("body")
        if not entry["path"].endswith("/chat/completions") or not isinstance(body, dict):
            continue
        users = [m for m in body.get("messages", []) if m.get("role") == "user"]
        if users and last_user_text in json.dumps(users[-1].get("content")):
            found.append(body)
    return found


class Recorder:
    """Client middleware noting every request (method and path)."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def __call__(self, request: PreparedRequest, call_next: CallNext) -> Response:
        self.sent.append(f"{request.method} {request.url}")
        return call_next(request)


# --- function tools -----------------------------------------------------------------------

def test_python_tools_give_the_same_turn_on_every_line(line_server: LineServer,
                                                       line_client: LlamaStackClient) -> None:
    agent = new_agent(line_client)
    session_id = agent.create_session("weather-chat")
    result = agent.create_turn(messages=WEATHER_QUESTION, session_id=session_id)

    assert line_client.server_line == line_server.line
    answer = f"18 degrees c and sunny in {WEATHER_QUESTION}"
    assert result.output_text == f"Tool result: {answer}"
    # The optional unit is left to its default: the fake fills required parameters only.
    assert [(c.name, dict(c.arguments), c.output, c.is_error) for c in result.tool_calls] == [
        ("get_weather", {"city": WEATHER_QUESTION}, answer, False)]
    assert (result.session_id, result.rounds, result.server_tool_calls) == (session_id, 2, ())
    if line_server.line == "0.2":  # the Agents API: one server turn, no usage
        assert agent.agent_id and result.turn_id and result.response_ids == ()
        assert result.usage is None
    else:
        assert agent.agent_id is None and result.turn_id is None
        assert len(result.response_ids) == 2 and result.usage is not None
        assert result.usage.total_tokens > 0


def test_two_turns_in_one_session_keep_the_history(line_client: LlamaStackClient,
                                                   servers: manage.State) -> None:
    agent = new_agent(line_client)
    session_id = agent.create_session()
    first, second = f"remember {uuid.uuid4().hex}", f"and now {uuid.uuid4().hex}"
    assert agent.create_turn(messages=first, session_id=session_id).output_text == f"Echo: {first}"
    assert agent.create_turn(messages=second, session_id=session_id).output_text == (
        f"Echo: {second}")
    [seen] = model_requests(servers, second)
    history = json.dumps(seen["messages"])
    assert first in history and f"Echo: {first}" in history  # the first turn, both sides


def test_several_calls_in_one_round_run_at_once_and_are_answered_in_order(
        line_client: LlamaStackClient) -> None:
    both_running = threading.Barrier(2, timeout=20)

    @tool
    def lookup(query: str) -> str:
        """Look something up.

        Args:
            query: What to look for.
        """
        both_running.wait()  # passes only when the two calls of the round run together
        return f"found {query}"

    agent = new_agent(line_client, tools=[lookup])
    result = agent.create_turn(messages='lookup({"query": "a"}) then lookup({"query": "b"})',
                               session_id=agent.create_session())
    assert [(c.name, dict(c.arguments), c.output, c.is_error) for c in result.tool_calls] == [
        ("lookup", {"query": "a"}, "found a", False), ("lookup", {"query": "b"}, "found b", False)]
    assert len({c.call_id for c in result.tool_calls}) == 2
    assert result.output_text == "Tool result: found a; found b"


def test_a_tool_that_raises_is_an_error_output_and_the_turn_goes_on(
        line_client: LlamaStackClient) -> None:
    agent = new_agent(line_client, tools=[boom, add])
    result = agent.create_turn(messages="boom and add", session_id=agent.create_session())
    failed, added = result.tool_calls
    error = "Error: tool 'boom' raised RuntimeError: kaboom"
    assert (failed.name, failed.output, failed.is_error) == ("boom", error, True)
    assert isinstance(failed.error, RuntimeError)
    assert (added.name, added.output, added.is_error) == ("add", "2", False)
    assert result.output_text == f"Tool result: {error}; 2"


def test_a_function_without_a_docstring_is_a_tool_on_every_line(
        line_client: LlamaStackClient) -> None:
    # 0.3-0.5 failed the response when the tool came without a description.
    def lookup(query: str) -> str:
        return f"found {query}"

    agent = new_agent(line_client, tools=[lookup])  # a plain function, not decorated
    result = agent.create_turn(messages="lookup it", session_id=agent.create_session())
    assert result.output_text == "Tool result: found lookup it"


@dataclass
class Point:
    x: int
    y: int


@tool
def plot(point: Point, tags: list[str]) -> str:
    """Plot a point.

    Args:
        point: Where.
        tags: Labels.
    """
    return f"({point.x}, {point.y}) {' '.join(tags)}"


@tool
def plot_all(points: list[Point]) -> str:
    """Plot points.

    Args:
        points: Where.
    """
    return f"{len(points)} points"


def test_structured_arguments_reach_the_function_as_declared(line_server: LineServer,
                                                             line_client: LlamaStackClient) -> None:
    agent = new_agent(line_client, tools=[plot])  # a dataclass and a list: one level deep
    result = agent.create_turn(messages='plot({"point": {"x": 1, "y": 2}, "tags": ["a", "b"]})',
                               session_id=agent.create_session())
    assert result.output_text == "Tool result: (1, 2) a b"
    if line_server.line == "0.2":
        # A list of objects is deeper than 0.2 holds (its server turns the call into text):
        # refused before the agent is created.
        with pytest.raises(UnsupportedFeatureError, match="parameter 'points' of tool 'plot_all'"):
            new_agent(line_client, tools=[plot_all]).create_session()
        return
    agent = new_agent(line_client, tools=[plot_all])
    result = agent.create_turn(messages='plot_all({"points": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]})',
                               session_id=agent.create_session())
    assert result.output_text == "Tool result: 2 points"


def test_max_rounds_raises_and_the_session_stays_usable(line_client: LlamaStackClient) -> None:
    agent = new_agent(line_client, max_rounds=2)
    session_id = agent.create_session()
    with pytest.raises(ToolLoopLimitError) as raised:
        agent.create_turn(messages="endless-tools add", session_id=session_id)
    assert raised.value.requested == ("add",)  # the last round's call, not run
    assert [(c.name, c.output) for c in raised.value.tool_calls] == [("add", "2")]
    assert raised.value.partial_result.rounds == 2
    after = agent.create_turn(messages="hello after the limit", session_id=session_id)
    assert after.output_text == "Echo: hello after the limit"


def test_an_existing_session_is_attached(line_server: LineServer, line_client: LlamaStackClient,
                                         servers: manage.State) -> None:
    maker = new_agent(line_client)
    session_id = maker.create_session("made elsewhere")
    first, second = f"remember {uuid.uuid4().hex}", f"attached {uuid.uuid4().hex}"
    maker.create_turn(messages=first, session_id=session_id)
    # Another Agent object (another process, in real life) takes the session over; on the
    # Agents API a session belongs to its agent, which is reused by id.
    other = new_agent(line_client, agent_id=maker.agent_id)
    assert other.create_turn(messages=second, session_id=session_id).output_text == (
        f"Echo: {second}")
    [seen] = model_requests(servers, second)
    assert first in json.dumps(seen["messages"])
    if line_server.line != "0.2":  # a conversation made without any agent works as well
        conversation = line_client.call(ConversationCreate())
        result = new_agent(line_client).create_turn(messages="hi", session_id=conversation.id)
        assert result.output_text == "Echo: hi"


def test_the_agents_api_on_03_gives_the_same_turn(server_03: str) -> None:
    with LlamaStackClient(base_url=server_03, timeout=30.0) as client:
        agent = new_agent(client, api="agents")  # 0.3 serves it at /v1alpha/agents too
        result = agent.create_turn(messages=WEATHER_QUESTION, session_id=agent.create_session())
    assert agent.agent_id and result.turn_id
    assert result.output_text == f"Tool result: 18 degrees c and sunny in {WEATHER_QUESTION}"
    assert [dict(c.arguments) for c in result.tool_calls] == [{"city": WEATHER_QUESTION}]


# --- events and the printer ---------------------------------------------------------------

def test_streamed_events_and_print_turn_are_the_same_on_every_line(
        line_client: LlamaStackClient) -> None:
    agent = new_agent(line_client)
    session_id = agent.create_session()
    text = "get_weather for Oslo"
    with agent.create_turn(messages=text, session_id=session_id, stream=True) as turn:
        events = list(turn)
    kinds = [type(e) for e in events]
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or k is not kinds[i - 1]]
    assert collapsed == [TurnStarted, ToolCallRequested, ToolCallFinished, TextDelta,
                         TurnCompleted]
    requested, finished, completed = events[1], events[2], events[-1]
    assert isinstance(requested, ToolCallRequested) and isinstance(finished, ToolCallFinished)
    assert isinstance(completed, TurnCompleted)
    assert (requested.name, dict(requested.arguments)) == ("get_weather", {"city": text})
    assert finished.record.call_id == requested.call_id
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == (
        completed.result.output_text)
    assert turn.result == completed.result

    out = io.StringIO()
    result = print_turn(agent.create_turn(messages="add please", session_id=session_id,
                                          stream=True), file=out)
    assert out.getvalue() == "-> add(a=1, b=1)\n<- add: 2\nTool result: 2\n"
    assert result.output_text == "Tool result: 2"


# --- server tools -------------------------------------------------------------------------

def test_file_search_through_a_vector_store(line_client: LlamaStackClient) -> None:
    paris = "Paris is the capital of France."
    uploaded = line_client.call(FileCreate(file=("paris.txt", paris.encode()), purpose="assistants"))
    store = line_client.call(VectorStoreCreate(name=f"agents-{uuid.uuid4().hex[:8]}",
                                               file_ids=[uploaded.id]))
    # On 0.2 the agent gives the Agents API builtin::rag with the store as its vector db.
    agent = new_agent(line_client, tools=[{"type": "file_search", "vector_store_ids": [store.id]}])
    question = "file_search: capital of France"
    result = agent.create_turn(messages=question, session_id=agent.create_session())
    [call] = result.server_tool_calls
    assert (call.type, call.name, dict(call.arguments), call.is_error) == (
        "file_search_call", "file_search", {"queries": [question]}, False)
    assert [(hit["file_id"], hit["text"]) for hit in call.results] == [(uploaded.id, paris)]
    assert result.output_text.startswith("Tool result: ") and paris in result.output_text
    assert result.tool_calls == ()


def test_mcp_tools_run_on_the_server(line_server: LineServer, line_client: LlamaStackClient,
                                     servers: manage.State) -> None:
    # 0.3+ take the MCP server as a Responses tool; 0.2 has it as the toolgroup mcp::fake.
    mcp: Any = ("mcp::fake" if line_server.line == "0.2" else
                {"type": "mcp", "server_label": "fake", "server_url": mcp_url(servers)})
    agent = new_agent(line_client, tools=[mcp])
    result = agent.create_turn(messages='get_weather({"city": "Paris"})',
                               session_id=agent.create_session())
    assert result.output_text == "Tool result: Sunny in Paris"
    calls = [(c.name, dict(c.arguments), c.output) for c in result.server_tool_calls
             if c.name == "get_weather"]
    assert calls == [("get_weather", {"city": "Paris"}, "Sunny in Paris")]
    expected = "tool_execution" if line_server.line == "0.2" else "mcp_call"
    assert [c.type for c in result.server_tool_calls if c.name == "get_weather"] == [expected]
    assert result.tool_calls == ()


def test_a_server_tool_loop_past_the_servers_limit_is_an_incomplete_response(
        line_server: LineServer, line_client: LlamaStackClient, servers: manage.State) -> None:
    mcp: Any = ("mcp::fake" if line_server.line == "0.2" else
                {"type": "mcp", "server_label": "fake", "server_url": mcp_url(servers)})
    agent = new_agent(line_client, tools=[mcp], max_infer_iters=2)
    session_id = agent.create_session()
    with pytest.raises(ResponseIncompleteError):
        agent.create_turn(messages='endless-tools get_weather({"city": "Lima"})',
                          session_id=session_id)
    after = agent.create_turn(messages="hello after", session_id=session_id)
    assert after.output_text == "Echo: hello after"


@pytest.mark.parametrize("decision", ["approve", "deny", "no callback"])
def test_mcp_approvals(line_server: LineServer, servers: manage.State, decision: str) -> None:
    recorder = Recorder()
    mcp = {"type": "mcp", "server_label": "fake", "server_url": mcp_url(servers),
           "require_approval": "always"}
    asked: list[str] = []

    def approve(request: Any) -> bool:
        asked.append(request.name)
        return decision == "approve"

    with LlamaStackClient(base_url=line_server.base_url, timeout=30.0,
                          middleware=[recorder]) as client:
        agent = new_agent(client, tools=[mcp],
                          approve=None if decision == "no callback" else approve)
        if line_server.line == "0.2":
            # 0.2 would call the tool without asking: refused before anything but the
            # version query is sent.
            with pytest.raises(UnsupportedFeatureError, match="approvals"):
                agent.create_session()
            assert [sent.split("?")[0] for sent in recorder.sent] == [
                f"GET {line_server.base_url}/v1/version"]
            return
        session_id = agent.create_session()
        result = agent.create_turn(messages='get_weather({"city": "Paris"})',
                                   session_id=session_id)
        [approval] = result.approvals
        assert (approval.request.name, dict(approval.request.arguments)) == (
            "get_weather", {"city": "Paris"})
        calls = [(c.type, c.output) for c in result.server_tool_calls if c.type == "mcp_call"]
        if decision == "approve":
            assert (approval.approved, asked) == (True, ["get_weather"])
            assert result.output_text == "Tool result: Sunny in Paris"
            assert calls == [("mcp_call", "Sunny in Paris")]
        else:
            # Denied: the server asks the model again without saying so and drops the repeated
            # call, so the turn ends without a message (captured/README.md).
            assert approval.approved is False and approval.reason
            assert (result.output_text, calls) == ("", [])
        assert result.rounds == 2
        after = agent.create_turn(messages="hello after", session_id=session_id)
        assert after.output_text == "Echo: hello after"


# --- response parameters ------------------------------------------------------------------

def test_temperature_reaches_the_model_on_every_line(line_client: LlamaStackClient,
                                                     servers: manage.State) -> None:
    agent = new_agent(line_client, temperature=0.25)
    text = f"warm {uuid.uuid4().hex}"
    agent.create_turn(messages=text, session_id=agent.create_session())
    [seen] = model_requests(servers, text)
    assert seen["temperature"] == 0.25


def test_max_output_tokens_reaches_the_model_or_is_not_served(
        line_server: LineServer, line_client: LlamaStackClient, servers: manage.State) -> None:
    agent = new_agent(line_client, max_output_tokens=50)
    session_id = agent.create_session()
    text = f"short {uuid.uuid4().hex}"
    if line_server.line in ("0.3", "0.4", "0.5"):
        # 0.3 and 0.4 have no such field; 0.5.4 fails every response that sets it.
        with pytest.raises(NotServedError, match="max_output_tokens"):
            agent.create_turn(messages=text, session_id=session_id)
        assert model_requests(servers, text) == []
        return
    agent.create_turn(messages=text, session_id=session_id)
    [seen] = model_requests(servers, text)
    # The Agents API (0.2) sends its sampling max_tokens; the Responses API max_completion_tokens.
    assert seen.get("max_tokens" if line_server.line == "0.2" else "max_completion_tokens") == 50
