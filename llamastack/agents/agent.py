"""``Agent``: the shell that drives the turn loop, runs the tools, and talks to the server.

The loop (``loop.py``) decides; a backend (``responses_api.py`` / ``agents_api.py``) sends; this
module runs the tools (several calls of one round at once, each in a thread), asks ``approve=``
about MCP calls, and turns it all into events or a ``TurnResult``.

When a turn stops early, what the model asked for in its last round and was never answered is
answered on the server where the API allows it (Responses: ``ConversationItemCreate`` with the
outputs of the calls that ran and an error for the others), so the conversation stays usable:

- ``ToolLoopLimitError`` (max_rounds): the last round's calls are not run, and closed so;
- an exception from ``approve=``, a ``KeyboardInterrupt`` while tools run, or leaving a streamed
  turn early (``break``, ``close()``) after calls were requested: closed the same way. Tools
  already running cannot be stopped: they finish in the background (in daemon threads, so
  they do not keep the program from exiting);
- a request that fails after tools ran (retries exhausted, a stream cut): the answers were
  already sent (or may have been), so nothing is written twice; the error carries the turn
  so far as ``partial_result`` and no tool ever runs again for those calls.

On the Agents API nothing can be written without running the model, so there the turn stays
awaiting input on the server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from concurrent.futures import Future, wait
from types import TracebackType
from typing import Any, Literal, TypeVar, Union, overload

from llamastack.agents.agents_api import AgentsApiBackend
from llamastack.agents.backend import Backend, BackendTurn, Messages
from llamastack.agents.errors import UnsupportedFeatureError, attach_partial_result
from llamastack.agents.events import (
    ApprovalDecision,
    ApprovalRequest,
    TurnCompleted,
    TurnEvent,
    TurnResult,
)
from llamastack.agents.loop import (
    DecideApprovals,
    Finish,
    RunTools,
    SendAnswers,
    StopAtLimit,
    ToolInvocation,
    TurnLoop,
    check_max_rounds,
)
from llamastack.agents.model_events import Answers
from llamastack.agents.responses_api import MANAGED_PARAMETERS, RESPONSE_PARAMETERS, ResponsesBackend
from llamastack.agents.tools import FunctionTool, ToolOutcome, tool
from llamastack.client import LlamaStackClient

__all__ = ["Agent", "ApproveCallback", "TurnStream", "api_for_server_line"]

log = logging.getLogger("llamastack.agents")

ApproveCallback = Callable[[ApprovalRequest], Union[bool, ApprovalDecision]]
Api = Literal["responses", "agents"]
DEFAULT_DENIAL = "denied: no approve= callback was given to the Agent"

# Threads per round at most; more calls in one round queue for a free thread.
MAX_TOOL_THREADS = 16
_WAKE_SECONDS = 0.1  # how soon a Ctrl-C another thread took ends the wait for tools
T = TypeVar("T")


def api_for_server_line(line: str) -> Api:
    """Which API family an agent uses on a server line: "0.2" has the Agents API and no
    Conversations; "0.3" and later have Responses + Conversations (0.3 has both)."""
    try:
        major, minor = (int(part) for part in line.split(".")[:2])
    except ValueError:
        raise ValueError(f"not a server line: {line!r} (expected 'major.minor', e.g. '0.7')") from None
    if (major, minor) < (0, 2):
        raise UnsupportedFeatureError(f"Llama Stack {line} predates the agent APIs this library "
                                      "speaks (0.2 and later)")
    return "agents" if (major, minor) == (0, 2) else "responses"


class Agent:
    """A model with instructions and tools, run turn by turn in sessions.

    ``tools``: Python functions (plain or ``@tool``), server tools as the Responses API takes
    them (``{"type": "file_search", "vector_store_ids": [...]}``, ``{"type": "mcp", ...}``,
    ``{"type": "web_search"}``) and, on the 0.2 Agents API, toolgroup ids (``"builtin::rag"``).
    ``approve``: called for each MCP approval request; return True, False or an
    ``ApprovalDecision`` with a reason (None denies every request, saying so). Other keyword
    arguments are Responses parameters (``temperature``, ``max_output_tokens``, ``tool_choice``,
    ``parallel_tool_calls``, ``guardrails``...), sent with every request of every turn.
    ``api`` picks the API family ("responses" or "agents"), or is a ``Backend`` object (another
    API family, or a scripted one in tests); by default the client's server line decides, on
    first use. ``agent_id`` (Agents API only) reuses an agent made elsewhere.

    Making an Agent sends nothing; the first ``create_session`` or ``create_turn`` does.
    One Agent may be used from several threads at once.
    """

    def __init__(self, client: LlamaStackClient, *, model: str, instructions: str | None = None,
                 tools: Iterable[Callable[..., Any] | Mapping[str, Any] | str] = (),
                 max_rounds: int = 10, approve: ApproveCallback | None = None,
                 api: Api | Backend | None = None, agent_id: str | None = None,
                 extra_headers: Mapping[str, str] | None = None, **params: Any) -> None:
        check_max_rounds(max_rounds)
        if isinstance(api, str) and api not in ("responses", "agents"):
            raise ValueError(f"api must be 'responses', 'agents', a Backend or None, got {api!r}")
        managed = sorted(set(params) & MANAGED_PARAMETERS)
        if managed:
            raise TypeError(f"Agent() sets {managed} itself; they cannot be given")
        unknown = sorted(set(params) - RESPONSE_PARAMETERS - {"max_infer_iters"})
        if unknown:
            raise TypeError(f"Agent() got unknown parameter(s) {unknown}; Responses parameters "
                            f"are {sorted(RESPONSE_PARAMETERS)}")
        self.client = client
        self.model = model
        self.instructions = instructions
        self.max_rounds = max_rounds
        self.approve = approve
        self.params = {name: value for name, value in params.items() if value is not None}
        self._api: Api | None = api if isinstance(api, str) else None
        self._agent_id = agent_id
        self._headers = dict(extra_headers or {})
        functions, server_tools = _split_tools(tools)
        if self.params.get("tool_choice") is not None and not (functions or server_tools):
            # Meaningless without tools, and llama-stack 0.4-0.6 fail such a response with
            # a 500 (TypeError in create_response, seen live): refused on every line alike.
            raise ValueError(f"tool_choice={self.params['tool_choice']!r} needs tools; this "
                             "Agent has none")
        #: The Python tools by name, and the server tools as given.
        self.function_tools: dict[str, FunctionTool[..., Any]] = functions
        self.server_tools: tuple[str | Mapping[str, Any], ...] = tuple(server_tools)
        self._backend_instance: Backend | None = None if isinstance(api, str) else api
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Agent(model={self.model!r}, function_tools={list(self.function_tools)!r})"

    # --- the API --------------------------------------------------------------------------

    def create_session(self, name: str = "") -> str:
        """A new session (a conversation on 0.3+, an agent session on 0.2); its id."""
        return self._backend().create_session(name, self._headers or None)

    @overload
    def create_turn(self, messages: Messages, *, session_id: str,
                    stream: Literal[False] = False,
                    extra_headers: Mapping[str, str] | None = None) -> TurnResult: ...

    @overload
    def create_turn(self, messages: Messages, *, session_id: str, stream: Literal[True],
                    extra_headers: Mapping[str, str] | None = None) -> TurnStream: ...

    def create_turn(self, messages: Messages, *, session_id: str, stream: bool = False,
                    extra_headers: Mapping[str, str] | None = None) -> TurnResult | TurnStream:
        """Run one turn: ``messages`` is a string (one user message) or a list of message
        dicts. ``stream=True`` returns the events as they happen (a ``TurnStream``, also a
        context manager); otherwise the finished ``TurnResult``."""
        if not isinstance(session_id, str) or not session_id:
            raise ValueError("session_id must be a session or conversation id "
                             "(agent.create_session() makes one)")
        if not isinstance(messages, str) and isinstance(messages, Mapping):
            raise TypeError("messages must be a string or a list of message dicts, not one dict")
        headers = {**self._headers, **(extra_headers or {})}
        turn = TurnStream(self._events(messages, session_id, headers))
        if stream:
            return turn
        with turn:
            for _ in turn:
                pass
        assert turn.result is not None  # the events always end with TurnCompleted or raise
        return turn.result

    @property
    def agent_id(self) -> str | None:
        """The server's agent on the Agents API once created (None on the Responses API)."""
        backend = self._backend_instance
        return backend.agent_id if isinstance(backend, AgentsApiBackend) else self._agent_id

    # --- the shell ------------------------------------------------------------------------

    def _backend(self) -> Backend:
        with self._lock:
            if self._backend_instance is None:
                # The Agents API backend needs the line too: 0.2 holds shallower arguments.
                line = None if self._api == "responses" else self.client.server_line
                api = self._api if self._api is not None else api_for_server_line(str(line))
                self._backend_instance = self._make_backend(api, line)
            return self._backend_instance

    def _make_backend(self, api: Api, line: str | None) -> Backend:
        functions = list(self.function_tools.values())
        if api == "agents":
            backend = AgentsApiBackend(self.client, model=self.model,
                                       instructions=self.instructions, function_tools=functions,
                                       server_tools=self.server_tools, params=self.params,
                                       agent_id=self._agent_id, server_line=line)
            if self.approve is not None:
                # 0.2 runs MCP tools (toolgroups) without asking: a callback that would never
                # be called must not look like it guards them.
                raise UnsupportedFeatureError("approve= answers MCP approval requests, which the "
                                              "Agents API (Llama Stack 0.2) does not make")
            return backend
        return ResponsesBackend(self.client, model=self.model, instructions=self.instructions,
                                function_tools=functions, server_tools=self.server_tools,
                                params=self.params)

    def _events(self, messages: Messages, session_id: str,
                headers: Mapping[str, str]) -> Generator[TurnEvent, None, None]:
        loop = TurnLoop(session_id=session_id, tools=self.function_tools,
                        max_rounds=self.max_rounds)
        turn = self._backend().start_turn(session_id, messages, headers or None)
        yield from loop.start()
        rounds = turn.first_round()
        try:
            while True:
                loop.begin_round()
                try:
                    for model_event in rounds:
                        yield from loop.feed(model_event)
                finally:
                    rounds.close()  # closes the HTTP stream when we leave early
                answers = yield from self._answer(loop, turn)
                if answers is None:
                    return
                rounds = turn.next_round(answers)
        except BaseException as exc:
            _close_unanswered(turn, loop.unanswered())
            attach_partial_result(exc, loop.result())
            raise

    def _answer(self, loop: TurnLoop, turn: BackendTurn
                ) -> Generator[TurnEvent, None, Answers | None]:
        """Work through the loop's actions after a round: the answers to send, or None when
        the turn is complete (its TurnCompleted already yielded)."""
        while True:
            action = loop.next_action()
            if isinstance(action, Finish):
                yield TurnCompleted(action.result)
                return None
            if isinstance(action, StopAtLimit):
                _close_unanswered(turn, action.answers)
                raise action.error
            if isinstance(action, DecideApprovals):
                for request in action.requests:
                    yield from loop.approval_decided(request.request_id, self._decide(request))
            elif isinstance(action, RunTools):
                yield from _run_tools(loop, action.calls)
            elif isinstance(action, SendAnswers):
                return action.answers

    def _decide(self, request: ApprovalRequest) -> ApprovalDecision:
        if self.approve is None:
            return ApprovalDecision(False, DEFAULT_DENIAL)
        answer = self.approve(request)
        if isinstance(answer, ApprovalDecision):
            return answer
        if isinstance(answer, bool):
            return ApprovalDecision(answer, None if answer else "denied by the approve= callback")
        raise TypeError(f"approve= must return a bool or an ApprovalDecision, got "
                        f"{type(answer).__name__}")


def _run_tools(loop: TurnLoop, calls: tuple[ToolInvocation, ...]
               ) -> Generator[TurnEvent, None, None]:
    """Run every call of the round at once; report them in call order as each is done."""
    slots = threading.BoundedSemaphore(MAX_TOOL_THREADS)
    futures = [_start(call, slots) for call in calls]
    try:
        for call, future in zip(calls, futures, strict=True):
            yield from loop.tool_finished(call.call_id, tool_outcome(future))
    finally:
        # Normally every call is done; after an interrupt, running tools cannot be stopped:
        # what has not started never will, the rest finishes on its own.
        for future in futures:
            future.cancel()


def tool_outcome(future: Future[T]) -> T:
    """``future.result()``, waking every 0.1 s. The kernel may deliver a Ctrl-C (SIGINT) to a
    tool's thread instead of the main one; Python then raises KeyboardInterrupt only once the
    main thread runs again, and a wait without a timeout would sleep through it until the
    tool ends."""
    while not future.done():
        wait((future,), timeout=_WAKE_SECONDS)
    return future.result()


def _start(call: ToolInvocation, slots: threading.BoundedSemaphore) -> Future[ToolOutcome]:
    """The call in a daemon thread of its own (at most MAX_TOOL_THREADS of a round run at
    once). Daemon, unlike a ThreadPoolExecutor's workers, which the interpreter joins at exit:
    a tool left running by Ctrl-C must not keep the program from exiting."""
    future: Future[ToolOutcome] = Future()

    def work() -> None:
        with slots:
            if not future.set_running_or_notify_cancel():
                return  # cancelled before it started
            try:
                future.set_result(call.run())
            except BaseException as exc:  # KeyboardInterrupt, SystemExit: the caller's to see
                future.set_exception(exc)

    threading.Thread(target=work, name=f"llamastack-tool-{call.name}-{call.call_id}",
                     daemon=True).start()
    return future


def _close_unanswered(turn: BackendTurn, answers: Answers) -> None:
    if not answers:
        return
    try:
        turn.abandon(answers)
    except Exception:  # the turn's own error is the one the caller needs to see
        log.warning("could not record the unanswered tool calls on the server", exc_info=True)


class TurnStream(Iterator[TurnEvent]):
    """The events of one turn as they happen; ``result`` once ``TurnCompleted`` went by.

    A context manager: leaving the ``with`` block (or ``close()``) stops the turn and closes
    its HTTP stream.
    """

    def __init__(self, events: Generator[TurnEvent, None, None]) -> None:
        self._events = events
        self.result: TurnResult | None = None

    def __iter__(self) -> TurnStream:
        return self

    def __next__(self) -> TurnEvent:
        event = next(self._events)
        if isinstance(event, TurnCompleted):
            self.result = event.result
        return event

    def close(self) -> None:
        self._events.close()

    def __enter__(self) -> TurnStream:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _split_tools(tools: Iterable[Callable[..., Any] | Mapping[str, Any] | str]
                 ) -> tuple[dict[str, FunctionTool[..., Any]], list[str | Mapping[str, Any]]]:
    functions: dict[str, FunctionTool[..., Any]] = {}
    server: list[str | Mapping[str, Any]] = []
    if isinstance(tools, (str, Mapping)) or callable(tools):
        raise TypeError("tools must be a list of tools")
    for index, item in enumerate(tools):
        if isinstance(item, (str, Mapping)):
            server.append(item)
            continue
        if not callable(item):
            raise TypeError(f"tools[{index}] is a {type(item).__name__}: give a function, a "
                            "server tool dict or a toolgroup id")
        function = item if isinstance(item, FunctionTool) else tool(item)
        if function.name in functions:
            raise ValueError(f"two tools are named {function.name!r}; rename one with "
                             "tool(fn, name=...)")
        functions[function.name] = function
    return functions, server
