"""The Agents API on the real 0.2.24 server: agents, sessions, streamed turns, client tools
with resume, steps, and the 501 of a non-streaming turn. The model is the fake backend behind
``remote::vllm``: it answers ``Echo: <text>`` and calls a tool when asked about the weather."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from llamastack import BadRequestError, InternalServerError, LlamaStackClient
from llamastack.endpoints import (
    AgentCreate,
    AgentDelete,
    AgentList,
    AgentRetrieve,
    SessionCreate,
    SessionDelete,
    SessionList,
    SessionRetrieve,
    StepRetrieve,
    TurnCreate,
    TurnResume,
    TurnRetrieve,
)
from llamastack.models import (
    AgentConfig,
    AgentStepResponse,
    AgentToolDef,
    AgentTurnResponseStepCompletePayload,
    AgentTurnResponseStepProgressPayload,
    AgentTurnResponseStepStartPayload,
    AgentTurnResponseStreamChunk,
    AgentTurnResponseTurnAwaitingInputPayload,
    AgentTurnResponseTurnCompletePayload,
    CompletionMessage,
    InferenceStep,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolExecutionStep,
    ToolParameter,
    ToolResponse,
    Turn,
    UserMessage,
)
from tests.integration.conftest import MODEL

INSTRUCTIONS = "You are a test agent."
WEATHER_TOOL = AgentToolDef(
    name="get_weather", description="Weather for a city",
    # 0.2 lists parameters; a JSON schema object here is a 400 (list_type).
    parameters=[ToolParameter(name="city", parameter_type="string", description="City",
                              required=True)])
WEATHER_QUESTION = "What is the weather in Paris?"


def new_agent(client: LlamaStackClient, **config: Any) -> str:
    name = f"it-agent-{uuid.uuid4().hex[:8]}"
    created = client.call(AgentCreate(agent_config=AgentConfig(
        model=MODEL, instructions=INSTRUCTIONS, name=name, **config)))
    return created.agent_id


def payloads(chunks: list[AgentTurnResponseStreamChunk]) -> list[Any]:
    return [chunk.event.payload for chunk in chunks]


@dataclass
class Conversation:
    agent_id: str
    session_id: str


@dataclass
class FinishedTurn(Conversation):
    chunks: list[AgentTurnResponseStreamChunk]
    turn: Turn


@pytest.fixture(scope="module")
def client_module(server_02: str) -> Iterator[LlamaStackClient]:
    with LlamaStackClient(base_url=server_02, timeout=30.0) as client:
        yield client


@pytest.fixture(scope="module")
def hello_turn(client_module: LlamaStackClient) -> FinishedTurn:
    """One streamed turn ("hello agent"), shared by the turn, step and session tests."""
    agent_id = new_agent(client_module)
    session_id = client_module.call(SessionCreate(agent_id=agent_id, session_name="hello")).session_id
    chunks = list(client_module.stream(TurnCreate(
        agent_id=agent_id, session_id=session_id,
        messages=[UserMessage(content="hello agent")])))
    final = chunks[-1].event.payload
    assert isinstance(final, AgentTurnResponseTurnCompletePayload), final
    return FinishedTurn(agent_id, session_id, chunks, final.turn)


# --- agents ------------------------------------------------------------------------------------


def test_create_and_retrieve_an_agent(client_02: LlamaStackClient) -> None:
    agent_id = new_agent(client_02, max_infer_iters=3)
    agent = client_02.call(AgentRetrieve(agent_id=agent_id))
    assert agent.agent_id == agent_id
    config = agent.agent_config
    assert (config.model, config.instructions, config.max_infer_iters) == (MODEL, INSTRUCTIONS, 3)
    assert config.name is not None and config.name.startswith("it-agent-")
    # What the server fills in: greedy sampling, automatic tool choice, no tools or shields.
    assert config.sampling_params is not None
    assert config.sampling_params.strategy is not None
    assert config.sampling_params.strategy.type == "greedy"
    assert config.tool_config is not None and config.tool_config.tool_choice == "auto"
    assert (config.toolgroups, config.client_tools, config.input_shields) == ([], [], [])
    assert agent.created_at[:2] == "20" and agent.created_at.endswith("Z")


def test_create_from_a_plain_dict(client_02: LlamaStackClient) -> None:
    created = client_02.call(AgentCreate(agent_config={"model": MODEL, "instructions": "plain"}))
    assert client_02.call(AgentRetrieve(agent_id=created.agent_id)).agent_config.instructions == "plain"


def test_list_agents_by_index_paging(client_02: LlamaStackClient) -> None:
    mine = {new_agent(client_02) for _ in range(3)}
    page = client_02.call(AgentList(start_index=0, limit=2))
    assert len(page.data) == 2 and page.has_more is True
    assert page.url == "/v1/agents"
    walked = [agent["agent_id"] for agent in client_02.paginate(AgentList(limit=2))]
    assert mine <= set(walked)
    assert len(walked) == len(set(walked))
    every = client_02.call(AgentList()).data  # no limit: one page with all of them
    assert [agent["agent_id"] for agent in every] == walked


def test_delete_an_agent(client_02: LlamaStackClient) -> None:
    agent_id = new_agent(client_02)
    assert client_02.call(AgentDelete(agent_id=agent_id)) is None  # 204
    with pytest.raises(BadRequestError) as info:  # 0.2 answers 400 for unknown ids
        client_02.call(AgentRetrieve(agent_id=agent_id))
    assert info.value.message == f"Invalid value: Could not find agent info for {agent_id}"
    assert info.value.body == {"detail": info.value.message}
    with pytest.raises(BadRequestError):
        client_02.call(AgentDelete(agent_id=agent_id))


# --- sessions ----------------------------------------------------------------------------------


def test_create_retrieve_list_and_delete_sessions(client_02: LlamaStackClient) -> None:
    agent_id = new_agent(client_02)
    first = client_02.call(SessionCreate(agent_id=agent_id, session_name="triage"))
    second = client_02.call(SessionCreate(agent_id=agent_id, session_name="follow-up"))
    session = client_02.call(SessionRetrieve(agent_id=agent_id, session_id=first.session_id))
    assert (session.session_id, session.session_name, session.turns) == (
        first.session_id, "triage", [])
    assert session.started_at.endswith("Z")

    listed = client_02.call(SessionList(agent_id=agent_id))
    assert {s["session_id"]: s["session_name"] for s in listed.data} == {
        first.session_id: "triage", second.session_id: "follow-up"}
    assert listed.has_more is False
    one = client_02.call(SessionList(agent_id=agent_id, start_index=1, limit=1))
    assert (len(one.data), one.has_more) == (1, False)
    assert len(list(client_02.paginate(SessionList(agent_id=agent_id, limit=1)))) == 2

    assert client_02.call(SessionDelete(agent_id=agent_id, session_id=first.session_id)) is None
    with pytest.raises(BadRequestError) as info:
        client_02.call(SessionRetrieve(agent_id=agent_id, session_id=first.session_id))
    assert info.value.message.startswith(f"Invalid value: Session '{first.session_id}' not found")
    assert [s["session_id"] for s in client_02.call(SessionList(agent_id=agent_id)).data] == [
        second.session_id]


def test_a_session_of_an_unknown_agent_is_a_400(client_02: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client_02.call(SessionCreate(agent_id="no-such-agent", session_name="x"))
    assert info.value.message == "Invalid value: Could not find agent info for no-such-agent"


# --- streamed turns ------------------------------------------------------------------------------


def test_a_streamed_turn_decodes_each_event_by_type(hello_turn: FinishedTurn) -> None:
    events = payloads(hello_turn.chunks)
    # No turn_start on 0.2.24, although the schema has one.
    assert [e.event_type for e in events] == [
        "step_start", "step_progress", "step_progress", "step_progress", "step_complete",
        "turn_complete"]
    start, *progress, complete, done = events
    assert isinstance(start, AgentTurnResponseStepStartPayload)
    assert start.step_type == "inference"
    assert all(isinstance(e, AgentTurnResponseStepProgressPayload) for e in progress)
    assert [e.delta for e in progress] == [TextDelta(text="Echo:"), TextDelta(text=" hello"),
                                           TextDelta(text=" agent")]
    assert {e.step_id for e in (start, *progress, complete)} == {start.step_id}
    assert isinstance(complete, AgentTurnResponseStepCompletePayload)
    assert isinstance(complete.step_details, InferenceStep)
    assert complete.step_details.model_response == CompletionMessage(
        content="Echo: hello agent", stop_reason="end_of_turn", tool_calls=[])
    assert isinstance(done, AgentTurnResponseTurnCompletePayload)
    assert done.turn.steps == [complete.step_details]


def test_the_finished_turn(hello_turn: FinishedTurn) -> None:
    turn = hello_turn.turn
    assert turn.session_id == hello_turn.session_id
    assert turn.input_messages == [UserMessage(content="hello agent")]
    assert turn.output_message.content == "Echo: hello agent"
    assert turn.completed_at is not None and turn.completed_at >= turn.started_at


def test_retrieve_the_turn_and_its_step(client_02: LlamaStackClient,
                                        hello_turn: FinishedTurn) -> None:
    agent, session = hello_turn.agent_id, hello_turn.session_id
    turn_id = hello_turn.turn.turn_id
    turn = client_02.call(TurnRetrieve(agent_id=agent, session_id=session, turn_id=turn_id))
    assert turn == hello_turn.turn
    [step] = hello_turn.turn.steps
    assert client_02.call(StepRetrieve(agent_id=agent, session_id=session, turn_id=turn_id,
                                       step_id=step.step_id)) == AgentStepResponse(step=step)


def test_the_session_holds_the_turn(client_02: LlamaStackClient, hello_turn: FinishedTurn) -> None:
    session = client_02.call(SessionRetrieve(agent_id=hello_turn.agent_id,
                                             session_id=hello_turn.session_id))
    assert session.turns == [hello_turn.turn]
    # The list shows sessions without their turns.
    [listed] = client_02.call(SessionList(agent_id=hello_turn.agent_id)).data
    assert listed["turns"] == []


def test_turn_ids_filter_the_session_turns(client_02: LlamaStackClient,
                                           hello_turn: FinishedTurn) -> None:
    session = client_02.call(SessionRetrieve(agent_id=hello_turn.agent_id,
                                             session_id=hello_turn.session_id,
                                             turn_ids=["no-such-turn"]))
    assert session.turns == []
    # 0.2.24 reads turn_ids as the whole JSON body of the GET (specs/README.md, errata).
    kept = client_02.call(SessionRetrieve(agent_id=hello_turn.agent_id,
                                          session_id=hello_turn.session_id,
                                          turn_ids=[hello_turn.turn.turn_id]))
    assert kept.turns == [hello_turn.turn]


def test_unknown_turn_is_null_and_unknown_step_is_a_400(client_02: LlamaStackClient,
                                                        hello_turn: FinishedTurn) -> None:
    agent, session = hello_turn.agent_id, hello_turn.session_id
    # 0.2.24 answers 200 with the body null for a turn it does not know (errata 5).
    assert client_02.call(TurnRetrieve(agent_id=agent, session_id=session,
                                       turn_id="no-such-turn")) is None
    with pytest.raises(BadRequestError) as info:
        client_02.call(StepRetrieve(agent_id=agent, session_id=session,
                                    turn_id=hello_turn.turn.turn_id, step_id="no-such-step"))
    assert info.value.message == "Invalid value: Provided step_id no-such-step could not be found"


def test_a_non_streaming_turn_is_a_501_that_says_to_stream(client_02: LlamaStackClient,
                                                            hello_turn: FinishedTurn) -> None:
    agent, session = hello_turn.agent_id, hello_turn.session_id
    with pytest.raises(InternalServerError) as info:
        client_02.call(TurnCreate(agent_id=agent, session_id=session,
                                  messages=[UserMessage(content="x")]))
    assert info.value.status == 501
    assert info.value.body == {
        "detail": "Not implemented: Non-streaming agent turns not yet implemented"}
    assert info.value.message == (
        "Not implemented: Non-streaming agent turns not yet implemented "
        "(TurnCreate only streams on this server: use client.stream(spec))")
    with pytest.raises(InternalServerError) as info:
        client_02.call(TurnResume(agent_id=agent, session_id=session,
                                  turn_id=hello_turn.turn.turn_id, tool_responses=[]))
    assert info.value.status == 501
    assert "TurnResume only streams on this server: use client.stream(spec)" in info.value.message


# --- client tools and resume -------------------------------------------------------------------


def test_a_client_tool_turn_awaits_input_then_resumes(client_02: LlamaStackClient) -> None:
    agent = new_agent(client_02, client_tools=[WEATHER_TOOL])
    session = client_02.call(SessionCreate(agent_id=agent, session_name="tools")).session_id

    events = payloads(list(client_02.stream(TurnCreate(
        agent_id=agent, session_id=session, messages=[UserMessage(content=WEATHER_QUESTION)]))))
    assert [e.event_type for e in events] == [
        "step_start", "step_progress", "step_complete", "turn_awaiting_input"]
    call = ToolCall(call_id=events[1].delta.tool_call.call_id, tool_name="get_weather",
                    arguments={"city": WEATHER_QUESTION},
                    arguments_json=f'{{"city": "{WEATHER_QUESTION}"}}')
    assert call.call_id.startswith("call_")
    assert events[1].delta == ToolCallDelta(tool_call=call, parse_status="succeeded")
    awaiting = events[-1]
    assert isinstance(awaiting, AgentTurnResponseTurnAwaitingInputPayload)
    assert awaiting.turn.output_message.tool_calls == [call]
    turn_id = awaiting.turn.turn_id

    resumed = payloads(list(client_02.stream(TurnResume(
        agent_id=agent, session_id=session, turn_id=turn_id,
        tool_responses=[ToolResponse(call_id=call.call_id, tool_name="get_weather",
                                     content="sunny")]))))
    assert [e.event_type for e in resumed] == [
        "step_complete", "step_start", "step_progress", "step_progress", "step_progress",
        "step_progress", "step_complete", "turn_complete"]
    text = "".join(e.delta.text for e in resumed if e.event_type == "step_progress")
    assert text == "Tool result: sunny"
    final = resumed[-1]
    assert isinstance(final, AgentTurnResponseTurnCompletePayload)
    assert final.turn.turn_id == turn_id
    assert final.turn.output_message.content == "Tool result: sunny"
    inference, execution, answer = final.turn.steps
    assert isinstance(inference, InferenceStep) and isinstance(answer, InferenceStep)
    assert isinstance(execution, ToolExecutionStep)
    assert execution.tool_calls == [call]
    assert execution.tool_responses == [ToolResponse(call_id=call.call_id, tool_name="get_weather",
                                                     content="sunny")]

    assert client_02.call(TurnRetrieve(agent_id=agent, session_id=session,
                                       turn_id=turn_id)) == final.turn
    step = client_02.call(StepRetrieve(agent_id=agent, session_id=session, turn_id=turn_id,
                                       step_id=answer.step_id)).step
    assert isinstance(step, InferenceStep)
    assert step.model_response.content == "Tool result: sunny"
