"""The Agent shell with a scripted backend: tools run concurrently, answers in call order,
approvals, limits, interrupts, early exits, and the partial result on every error."""

from __future__ import annotations

import threading
from collections.abc import Generator, Mapping
from typing import Any

import pytest

from llamastack import APIConnectionError, LlamaStackClient
from llamastack.agents import (
    Agent,
    ApprovalDecided,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalRequested,
    ServerToolCall,
    ServerToolCallRecord,
    TextDelta,
    ToolCallFinished,
    ToolCallRequested,
    ToolLoopLimitError,
    TurnCompleted,
    TurnEvent,
    TurnResult,
    TurnStarted,
    TurnStream,
    UnsupportedFeatureError,
    api_for_server_line,
    partial_result,
    tool,
)
from llamastack.agents.agent import DEFAULT_DENIAL
from llamastack.agents.agents_api import AgentsApiBackend
from llamastack.agents.backend import Messages
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
from llamastack.agents.responses_api import ResponsesBackend

Script = list[ModelEvent | BaseException]


class ScriptedBackend:
    """A backend whose rounds are scripted; records what the shell sends and abandons."""

    def __init__(self, *rounds: Script) -> None:
        self.rounds = list(rounds)
        self.sent: list[Answers] = []
        self.abandoned: list[Answers] = []
        self.closed_rounds = 0
        self.messages: Messages | None = None
        self.headers: Mapping[str, str] | None = None

    def create_session(self, name: str, extra_headers: Mapping[str, str] | None = None) -> str:
        self.headers = extra_headers
        return f"session-{name}"

    def start_turn(self, session_id: str, messages: Messages,
                   extra_headers: Mapping[str, str] | None = None) -> ScriptedBackend:
        self.messages, self.headers = messages, extra_headers
        return self

    def first_round(self) -> Generator[ModelEvent, None, None]:
        return self._round()

    def next_round(self, answers: Answers) -> Generator[ModelEvent, None, None]:
        self.sent.append(answers)
        return self._round()

    def abandon(self, answers: Answers) -> None:
        self.abandoned.append(answers)

    def _round(self) -> Generator[ModelEvent, None, None]:
        script = self.rounds.pop(0)
        try:
            for item in script:
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.closed_rounds += 1


def call(call_id: str, name: str, arguments: str = "{}") -> FunctionCallArrived:
    return FunctionCallArrived(call_id, name, arguments)


def done(text: str = "") -> RoundFinished:
    return RoundFinished(text, response_id=f"resp-{text or 'calls'}")


def final(events: list[TurnEvent]) -> TurnResult:
    """The result the events end with (they must end with TurnCompleted)."""
    last = events[-1]
    assert isinstance(last, TurnCompleted), last
    return last.result


def make_agent(backend: ScriptedBackend, *tools: Any, **kwargs: Any) -> Agent:
    client = LlamaStackClient("http://127.0.0.1:9")
    return Agent(client, model="m", instructions="Be brief.", tools=list(tools), api=backend,
                 **kwargs)


@tool
def echo(text: str) -> str:
    """Echo."""
    return text


def test_a_turn_returns_the_result_and_streams_typed_events() -> None:
    backend = ScriptedBackend([call("c1", "echo", '{"text": "hi"}'), done()],
                              [TextArrived("said "), TextArrived("hi"), done("said hi")])
    agent = make_agent(backend, echo)
    events = list(agent.create_turn(messages="say hi", session_id="s1", stream=True))
    assert [type(e) for e in events] == [TurnStarted, ToolCallRequested, ToolCallFinished,
                                         TextDelta, TextDelta, TurnCompleted]
    result = final(events)
    assert isinstance(result, TurnResult)
    assert result.output_text == "said hi"
    assert [(r.name, r.output) for r in result.tool_calls] == [("echo", "hi")]
    assert backend.sent == [Answers((ToolAnswer("c1", "echo", "hi"),))]
    assert backend.messages == "say hi"


def test_stream_false_returns_the_turn_result() -> None:
    backend = ScriptedBackend([TextArrived("ok"), done("ok")])
    result = make_agent(backend).create_turn(messages=[{"role": "user", "content": "x"}],
                                             session_id="s1")
    assert isinstance(result, TurnResult) and result.output_text == "ok"
    assert backend.closed_rounds == 1


def test_calls_of_one_round_run_concurrently() -> None:
    # Each call waits until all three are running: run one after the other, they would
    # break the barrier (after its timeout) and report errors instead.
    barrier = threading.Barrier(3, timeout=10)
    threads: set[str] = set()

    @tool
    def meet(n: int) -> int:
        """Wait for the others."""
        barrier.wait()
        threads.add(threading.current_thread().name)
        return n * 10

    backend = ScriptedBackend([call("a", "meet", '{"n": 1}'), call("b", "meet", '{"n": 2}'),
                               call("c", "meet", '{"n": 3}'), done()], [done("all met")])
    result = make_agent(backend, meet).create_turn(messages="go", session_id="s1")
    assert [(r.call_id, r.output, r.is_error) for r in result.tool_calls] == [
        ("a", "10", False), ("b", "20", False), ("c", "30", False)]
    assert len(threads) == 3


def test_tools_run_in_daemon_threads_so_one_left_running_never_blocks_the_exit() -> None:
    # A ThreadPoolExecutor's workers are joined at interpreter exit: after Ctrl-C during a
    # slow tool, `llamastack chat` could not exit until the tool returned.
    daemons: list[bool] = []

    @tool
    def where() -> str:
        """Notes its thread."""
        daemons.append(threading.current_thread().daemon)
        return "ok"

    backend = ScriptedBackend([call("a", "where"), call("b", "where"), done()], [done("x")])
    make_agent(backend, where).create_turn(messages="go", session_id="s")
    assert daemons == [True, True]


def test_answers_follow_call_order_whatever_order_the_tools_finish_in() -> None:
    first_may_finish = threading.Event()

    @tool
    def slow() -> str:
        """Finishes last."""
        assert first_may_finish.wait(10)
        return "slow"

    @tool
    def fast() -> str:
        """Finishes first."""
        first_may_finish.set()
        return "fast"

    backend = ScriptedBackend([call("1", "slow"), call("2", "fast"), done()], [done("x")])
    events = list(make_agent(backend, slow, fast).create_turn(messages="go", session_id="s",
                                                              stream=True))
    finished = [e.record.call_id for e in events if isinstance(e, ToolCallFinished)]
    assert finished == ["1", "2"]
    assert [a.call_id for a in backend.sent[0].tool_outputs] == ["1", "2"]


def test_a_tool_that_raises_is_reported_to_the_model_and_the_turn_goes_on() -> None:
    @tool
    def broken(city: str) -> str:
        """Fails."""
        raise ConnectionError(f"{city} weather service is down")

    backend = ScriptedBackend([call("c1", "broken", '{"city": "Oslo"}'), call("c2", "nope"),
                               done()], [done("sorry")])
    result = make_agent(backend, broken).create_turn(messages="go", session_id="s")
    bad, unknown = result.tool_calls
    assert bad.is_error and isinstance(bad.error, ConnectionError)
    assert bad.output == "Error: tool 'broken' raised ConnectionError: Oslo weather service is down"
    assert unknown.is_error and unknown.output.startswith("Error: there is no tool named 'nope'")
    assert [a.is_error for a in backend.sent[0].tool_outputs] == [True, True]
    assert result.output_text == "sorry"


def test_the_loop_stops_at_max_rounds_and_closes_the_unrun_calls() -> None:
    ran: list[int] = []

    @tool
    def again(n: int) -> int:
        """Asked again and again."""
        ran.append(n)
        return n

    rounds: list[Script] = [[call(f"c{n}", "again", f'{{"n": {n}}}'), done()] for n in range(3)]
    backend = ScriptedBackend(*rounds)
    agent = make_agent(backend, again, max_rounds=3)
    with pytest.raises(ToolLoopLimitError) as caught:
        agent.create_turn(messages="loop", session_id="s")
    error = caught.value
    assert ran == [0, 1]
    assert [r.call_id for r in error.tool_calls] == ["c0", "c1"]
    assert partial_result(error) is error.partial_result
    assert error.partial_result.rounds == 3
    assert backend.abandoned == [Answers((ToolAnswer(
        "c2", "again", "Error: the tool was not run: max_rounds=3 was reached", True),))]


def test_server_tool_calls_are_events_and_on_the_result() -> None:
    record = ServerToolCallRecord("mcp_call", "m1", "add", {"a": 1}, "2", server_label="calc")
    backend = ScriptedBackend([ServerToolArrived(record), TextArrived("2"), done("2")])
    events = list(make_agent(backend).create_turn(messages="add", session_id="s", stream=True))
    assert ServerToolCall(record) in events
    assert final(events).server_tool_calls == (record,)


REQUEST = ApprovalRequest("ap1", "delete_repo", {"name": "x"}, "github", '{"name": "x"}')


@pytest.mark.parametrize(("approve", "expected"), [
    (None, ApprovalAnswer("ap1", False, DEFAULT_DENIAL)),
    (lambda request: True, ApprovalAnswer("ap1", True, None)),
    (lambda request: False, ApprovalAnswer("ap1", False, "denied by the approve= callback")),
    (lambda request: ApprovalDecision(False, "too risky"), ApprovalAnswer("ap1", False, "too risky")),
])
def test_approval_requests_go_to_the_callback_and_default_to_a_denial(approve: Any,
                                                                      expected: ApprovalAnswer) -> None:
    backend = ScriptedBackend([ApprovalArrived(REQUEST), done()], [done("ok")])
    events = list(make_agent(backend, approve=approve).create_turn(
        messages="go", session_id="s", stream=True))
    assert ApprovalRequested(REQUEST) in events
    [decided] = [e for e in events if isinstance(e, ApprovalDecided)]
    assert (decided.record.approved, decided.record.reason) == (expected.approve, expected.reason)
    assert backend.sent == [Answers((), (expected,))]
    assert final(events).approvals == (decided.record,)


def test_the_callback_sees_the_request() -> None:
    seen: list[ApprovalRequest] = []
    backend = ScriptedBackend([ApprovalArrived(REQUEST), done()], [done("ok")])
    def approve(request: ApprovalRequest) -> bool:
        seen.append(request)
        return True

    make_agent(backend, approve=approve).create_turn(messages="go", session_id="s")
    assert seen == [REQUEST]


def test_an_approve_callback_that_raises_ends_the_turn_and_denies_on_the_server() -> None:
    def approve(request: ApprovalRequest) -> bool:
        raise RuntimeError("approval service down")

    backend = ScriptedBackend([ApprovalArrived(REQUEST), call("c1", "echo", '{"text": "x"}'),
                               done()])
    with pytest.raises(RuntimeError, match="approval service down") as caught:
        make_agent(backend, echo, approve=approve).create_turn(messages="go", session_id="s")
    assert backend.abandoned == [Answers(
        (ToolAnswer("c1", "echo", "Error: the tool was not run: the turn was interrupted", True),),
        (ApprovalAnswer("ap1", False, "not decided: the turn was interrupted"),))]
    assert partial_result(caught.value) is not None


def test_an_approve_callback_returning_something_else_is_a_type_error() -> None:
    backend = ScriptedBackend([ApprovalArrived(REQUEST), done()])
    with pytest.raises(TypeError, match="must return a bool or an ApprovalDecision"):
        make_agent(backend, approve=lambda r: "yes").create_turn(messages="go", session_id="s")


def test_a_keyboard_interrupt_in_a_tool_closes_the_calls_and_propagates() -> None:
    @tool
    def interrupted() -> str:
        """The user pressed Ctrl-C."""
        raise KeyboardInterrupt

    backend = ScriptedBackend([call("c1", "echo", '{"text": "kept"}'), call("c2", "interrupted"),
                               done()])
    with pytest.raises(KeyboardInterrupt) as caught:
        make_agent(backend, echo, interrupted).create_turn(messages="go", session_id="s")
    assert backend.abandoned == [Answers((
        ToolAnswer("c1", "echo", "kept"),
        ToolAnswer("c2", "interrupted", "Error: the tool was not run: the turn was interrupted",
                   True)))]
    result = partial_result(caught.value)
    assert result is not None and [r.call_id for r in result.tool_calls] == ["c1"]


def test_a_failure_after_tools_ran_carries_their_records_and_runs_nothing_twice() -> None:
    ran: list[str] = []

    @tool
    def once(key: str) -> str:
        """Side effect."""
        ran.append(key)
        return key

    cut = APIConnectionError("the connection was cut")
    backend = ScriptedBackend([call("c1", "once", '{"key": "k"}'), done()],
                              [TextArrived("partial"), cut])
    with pytest.raises(APIConnectionError) as caught:
        make_agent(backend, once).create_turn(messages="go", session_id="s")
    assert caught.value is cut
    result = partial_result(cut)
    assert result is not None
    assert [(r.call_id, r.output) for r in result.tool_calls] == [("c1", "k")]
    assert ran == ["k"]
    assert backend.abandoned == []  # the answers were sent: nothing is written twice
    assert backend.closed_rounds == 2


def test_leaving_a_streamed_turn_early_closes_the_round_and_the_unanswered_calls() -> None:
    backend = ScriptedBackend([call("c1", "echo", '{"text": "x"}'), done()])
    with make_agent(backend, echo).create_turn(messages="go", session_id="s", stream=True) as turn:
        for event in turn:
            if isinstance(event, ToolCallFinished):
                break
    assert backend.closed_rounds == 1
    assert backend.abandoned == [Answers((ToolAnswer("c1", "echo", "x"),))]
    assert turn.result is None


def test_leaving_while_text_streams_closes_the_round_and_abandons_nothing() -> None:
    backend = ScriptedBackend([TextArrived("a"), TextArrived("b"), done("ab")])
    turn = make_agent(backend).create_turn(messages="go", session_id="s", stream=True)
    assert isinstance(turn, TurnStream)
    assert next(turn) == TurnStarted("s") and next(turn) == TextDelta("a")
    turn.close()
    assert backend.closed_rounds == 1 and backend.abandoned == []


def test_a_turn_sends_nothing_until_it_is_iterated() -> None:
    backend = ScriptedBackend([done("x")])
    turn = make_agent(backend).create_turn(messages="go", session_id="s", stream=True)
    assert backend.messages is None
    list(turn)
    assert backend.messages == "go" and turn.result is not None


def test_extra_headers_of_agent_and_turn_are_merged() -> None:
    backend = ScriptedBackend([done("x")])
    agent = make_agent(backend, extra_headers={"X-A": "1", "X-B": "1"})
    agent.create_turn(messages="go", session_id="s", extra_headers={"X-B": "2"})
    assert backend.headers == {"X-A": "1", "X-B": "2"}


def test_plain_functions_in_tools_become_tools() -> None:
    def shout(text: str) -> str:
        """Shout."""
        return text.upper()

    backend = ScriptedBackend([call("c1", "shout", '{"text": "hi"}'), done()], [done("HI")])
    agent = make_agent(backend, shout, {"type": "file_search", "vector_store_ids": ["vs"]})
    assert list(agent.function_tools) == ["shout"]
    assert agent.server_tools == ({"type": "file_search", "vector_store_ids": ["vs"]},)
    result = agent.create_turn(messages="go", session_id="s")
    assert result.tool_calls[0].output == "HI"


def test_create_session_goes_to_the_backend_with_the_agents_headers() -> None:
    backend = ScriptedBackend()
    agent = make_agent(backend, extra_headers={"X-LlamaStack-Provider-Data": "{}"})
    assert agent.create_session("triage") == "session-triage"
    assert backend.headers == {"X-LlamaStack-Provider-Data": "{}"}


# --- configuration errors ------------------------------------------------------------------


def test_bad_configuration_is_refused_when_the_agent_is_made() -> None:
    backend = ScriptedBackend()
    with pytest.raises(ValueError, match="two tools are named 'echo'"):
        make_agent(backend, echo, tool(echo.fn))
    with pytest.raises(TypeError, match=r"unknown parameter\(s\) \['temprature'\]"):
        make_agent(backend, temprature=0.5)
    with pytest.raises(TypeError, match=r"sets \['conversation'\] itself"):
        make_agent(backend, conversation="c")
    with pytest.raises(ValueError, match="max_rounds"):
        make_agent(backend, max_rounds=0)
    with pytest.raises(TypeError, match="tools\\[0\\] is a int"):
        make_agent(backend, 3)
    with pytest.raises(ValueError, match="api must be"):
        Agent(LlamaStackClient("http://127.0.0.1:9"), model="m", api="chat")  # type: ignore[arg-type]


def test_tool_choice_without_tools_is_refused_on_every_line() -> None:
    # llama-stack 0.4-0.6 answer 500 to a response with tool_choice and no tools (seen live).
    with pytest.raises(ValueError, match="tool_choice='required' needs tools"):
        make_agent(ScriptedBackend(), tool_choice="required")
    assert make_agent(ScriptedBackend(), echo, tool_choice="required").params == {
        "tool_choice": "required"}


def test_bad_turn_arguments_are_refused() -> None:
    agent = make_agent(ScriptedBackend())
    with pytest.raises(ValueError, match="session_id"):
        agent.create_turn(messages="x", session_id="")
    with pytest.raises(TypeError, match="not one dict"):
        agent.create_turn(messages={"role": "user", "content": "x"}, session_id="s")  # type: ignore[call-overload]


@pytest.mark.parametrize(("line", "backend"), [("0.2", AgentsApiBackend), ("0.3", ResponsesBackend),
                                               ("0.7", ResponsesBackend)])
def test_a_pinned_server_line_chooses_the_backend(line: str, backend: type) -> None:
    agent = Agent(LlamaStackClient("http://127.0.0.1:9", server_line=line), model="m")
    assert isinstance(agent._backend(), backend)


def test_the_server_line_chooses_the_backend_once() -> None:
    class LineClient(LlamaStackClient):
        asked = 0

        @property
        def server_line(self) -> str:
            LineClient.asked += 1
            return "0.2"

    agent = Agent(LineClient("http://127.0.0.1:9"), model="m")
    assert LineClient.asked == 0  # nothing happens in the constructor
    backend = agent._backend()
    assert isinstance(backend, AgentsApiBackend) and agent._backend() is backend
    assert LineClient.asked == 1


@pytest.mark.parametrize(("line", "api"), [("0.2", "agents"), ("0.3", "responses"),
                                           ("0.7", "responses"), ("1.0", "responses")])
def test_api_for_server_line(line: str, api: str) -> None:
    assert api_for_server_line(line) == api


def test_api_for_server_line_refuses_what_it_cannot_serve() -> None:
    with pytest.raises(UnsupportedFeatureError):
        api_for_server_line("0.1")
    with pytest.raises(ValueError, match="not a server line"):
        api_for_server_line("latest")
