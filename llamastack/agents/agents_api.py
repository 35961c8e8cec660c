"""The Agents API backend (Llama Stack 0.2; 0.3 serves it under ``/v1alpha``).

The server keeps an agent (model, instructions, client tool definitions, toolgroups), its
sessions and their turns. The agent is created at the first session or turn, never in a
constructor. A turn is a streamed ``TurnCreate``; when the model calls client tools the stream
ends with ``turn_awaiting_input`` and the answers go back with a streamed ``TurnResume`` of the
same turn id.

Client tools are declared twice in each definition: as 0.2's ``parameters`` list of ``{name,
parameter_type, description, required, default}`` and as the full JSON Schema in
``input_schema``, which is what 0.3 reads (0.3 drops ``parameters``, SERVER_LINES.md §5). The
list cannot say enums or item types (beyond 0.2.24's ``list[str]`` style, which its
``to_openai_param_type`` expands), so the allowed values are also written into the description,
and the arguments are always checked locally against the full schema.

What the Agents API has no way to say is refused with ``UnsupportedFeatureError`` when the
backend is made: MCP approvals, Responses-only parameters, Responses-style MCP tools, and on
0.2 a tool whose arguments nest deeper than 0.2.24's ``ToolCall`` holds (a value, a list of
values, or an object of values per argument): its server turns such a call into the text
``call_id='...' tool_name='...' arguments='...'`` (seen live), so it would never reach the tool.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

from llamastack.agents.agents_stream import AgentsStreamTranslator
from llamastack.agents.backend import Messages, RoundEvents
from llamastack.agents.errors import UnsupportedFeatureError
from llamastack.agents.model_events import Answers
from llamastack.agents.tools import FunctionTool
from llamastack.client import LlamaStackClient
from llamastack.endpoints.agents import AgentCreate, SessionCreate, TurnCreate, TurnResume
from llamastack.models.agents import (
    AgentConfig,
    AgentToolDef,
    AgentToolGroupWithArgs,
    ToolConfig,
    ToolParameter,
)
from llamastack.models.eval import SamplingParams, TopPSamplingStrategy

__all__ = ["AgentsApiBackend", "AgentsApiTurn", "agent_config", "client_tool_definition"]

_WHERE = "the Agents API (Llama Stack 0.2)"
_JSON_TYPES = {"string": "string", "integer": "integer", "number": "number",
               "boolean": "boolean", "array": "array", "object": "object", "null": "string"}
# 0.2.24's to_openai_param_type turns "list[str]" into {"type": "array", "items": {...}}.
_LIST_OF = {"string": "list[str]", "integer": "list[int]", "number": "list[float]",
            "boolean": "list[bool]"}
_RAG_TOOL = "builtin::rag/knowledge_search"


class AgentsApiBackend:
    def __init__(self, client: LlamaStackClient, *, model: str, instructions: str | None,
                 function_tools: Sequence[FunctionTool[..., Any]],
                 server_tools: Sequence[str | Mapping[str, Any]],
                 params: Mapping[str, Any], agent_id: str | None = None,
                 server_line: str | None = None) -> None:
        self._client = client
        self._config = agent_config(model, instructions, function_tools, server_tools, params,
                                    shallow_arguments=server_line == "0.2")
        self.client_tool_names = frozenset(t.name for t in function_tools)
        self._agent_id = agent_id
        self._lock = threading.Lock()

    @property
    def agent_id(self) -> str | None:
        """The server's agent, once created (or as given)."""
        return self._agent_id

    def ensure_agent(self, extra_headers: Mapping[str, str] | None = None) -> str:
        with self._lock:
            if self._agent_id is None:
                created = self._client.call(AgentCreate(agent_config=self._config),
                                            extra_headers=extra_headers)
                self._agent_id = created.agent_id
            return self._agent_id

    def create_session(self, name: str, extra_headers: Mapping[str, str] | None = None) -> str:
        spec = SessionCreate(agent_id=self.ensure_agent(extra_headers), session_name=name)
        return self._client.call(spec, extra_headers=extra_headers).session_id

    def start_turn(self, session_id: str, messages: Messages,
                   extra_headers: Mapping[str, str] | None = None) -> AgentsApiTurn:
        return AgentsApiTurn(self, session_id, _turn_messages(messages), extra_headers)


class AgentsApiTurn:
    def __init__(self, backend: AgentsApiBackend, session_id: str,
                 messages: list[dict[str, Any]], extra_headers: Mapping[str, str] | None) -> None:
        self._backend = backend
        self._session_id = session_id
        self._messages = messages
        self._headers = extra_headers
        self._turn_id: str | None = None
        self._answered: frozenset[str] = frozenset()

    def first_round(self) -> RoundEvents:
        spec = TurnCreate(agent_id=self._backend.ensure_agent(self._headers),
                          session_id=self._session_id, messages=self._messages)
        return self._round(spec)

    def next_round(self, answers: Answers) -> RoundEvents:
        if answers.approvals:
            raise UnsupportedFeatureError(f"MCP approvals are not part of {_WHERE}")
        if self._turn_id is None:
            raise RuntimeError("next_round() before the server named the turn")
        self._answered |= {answer.call_id for answer in answers.tool_outputs}
        spec = TurnResume(
            agent_id=self._backend.ensure_agent(self._headers), session_id=self._session_id,
            turn_id=self._turn_id,
            tool_responses=[{"call_id": a.call_id, "tool_name": a.name, "content": a.output}
                            for a in answers.tool_outputs])
        return self._round(spec)

    def abandon(self, answers: Answers) -> None:
        """Nothing to do: the Agents API cannot take tool responses without running the
        model again. The turn stays awaiting input on the server; the session's next turn is a
        new turn (0.2.24 accepts it)."""

    def _round(self, spec: TurnCreate | TurnResume) -> RoundEvents:
        with self._backend._client.stream(spec, extra_headers=self._headers) as stream:
            translator = AgentsStreamTranslator(self._answered, stream.context,
                                                client_tools=self._backend.client_tool_names)
            try:
                for chunk in stream:
                    yield from translator.feed(chunk)
                yield from translator.finish()
            finally:
                self._turn_id = translator.turn_id or self._turn_id


def agent_config(model: str, instructions: str | None,
                 function_tools: Sequence[FunctionTool[..., Any]],
                 server_tools: Sequence[str | Mapping[str, Any]],
                 params: Mapping[str, Any], *, shallow_arguments: bool = False) -> AgentConfig:
    """The ``AgentConfig`` of an agent, or ``UnsupportedFeatureError`` for what it cannot hold.
    ``shallow_arguments``: the server is 0.2, whose tool calls nest one level at most."""
    if shallow_arguments:
        for function in function_tools:
            _check_nesting(function)
    config = AgentConfig(model=model, instructions=instructions or "",
                         client_tools=[client_tool_definition(t) for t in function_tools] or None,
                         toolgroups=[_toolgroup(spec) for spec in server_tools] or None)
    sampling = SamplingParams()
    strategy = TopPSamplingStrategy()
    unsupported = []
    for name, value in params.items():
        if value is None:
            continue
        if name == "temperature":
            strategy.temperature = value
            sampling.strategy = strategy
        elif name == "top_p":
            if params.get("temperature") is None:
                raise UnsupportedFeatureError(
                    f"top_p on {_WHERE} needs temperature too: its top_p sampling strategy "
                    "requires one (0.2.24 answers 400 'temperature: Field required'); give "
                    "temperature=1.0 to sample as the Responses API does by default")
            strategy.top_p = value
            sampling.strategy = strategy
        elif name == "max_output_tokens":
            sampling.max_tokens = value
        elif name == "max_infer_iters":
            config.max_infer_iters = value
        elif name == "tool_choice" and isinstance(value, str):
            config.tool_config = ToolConfig(tool_choice=value)
        elif name == "guardrails" and all(isinstance(v, str) for v in value):
            # Responses guardrails check the input and the output: two shield lists here.
            config.input_shields = list(value)
            config.output_shields = list(value)
        else:
            unsupported.append(name)
    if unsupported:
        raise UnsupportedFeatureError(
            f"{', '.join(sorted(unsupported))} cannot be set on {_WHERE}; it takes temperature, "
            "top_p, max_output_tokens, max_infer_iters, tool_choice (a string) and guardrails "
            "(shield ids)")
    if sampling != SamplingParams():
        config.sampling_params = sampling
    return config


def client_tool_definition(function: FunctionTool[..., Any]) -> AgentToolDef:
    schema = function.parameters
    properties: Mapping[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    parameters = []
    for name, prop in properties.items():
        parameters.append(ToolParameter(
            name=name, parameter_type=_parameter_type(prop),
            description=_parameter_description(prop), required=name in required,
            default=prop.get("default")))
    return AgentToolDef(name=function.name, description=function.description,
                        parameters=parameters, model_extra={"input_schema": schema})


def _check_nesting(function: FunctionTool[..., Any]) -> None:
    """Refuse a tool whose arguments 0.2.24 cannot hold: each argument a value, a list of
    values or an object of values (``RecursiveType`` of its ``ToolCall``)."""
    for name, prop in function.parameters.get("properties", {}).items():
        if _depth(prop) > 1:
            raise UnsupportedFeatureError(
                f"parameter {name!r} of tool {function.name!r} nests lists or objects in lists "
                f"or objects, which {_WHERE} cannot carry: its tool calls hold a value, a list "
                "of values or an object of values per argument, and a deeper call reaches the "
                "agent as text. Flatten the parameter, or use Llama Stack 0.3 or later")


def _depth(schema: Mapping[str, Any]) -> int:
    """How deep lists and objects nest in values of ``schema`` (0: a plain value)."""
    arms = [arm for key in ("anyOf", "oneOf") for arm in schema.get(key, ())]
    if arms:
        return max(_depth(arm) for arm in arms)
    inner: list[Mapping[str, Any]] = []
    items = schema.get("items")
    if isinstance(items, Mapping):
        inner.append(items)
    inner.extend(item for item in schema.get("prefixItems", ()) if isinstance(item, Mapping))
    inner.extend(prop for prop in schema.get("properties", {}).values())
    extra = schema.get("additionalProperties")
    if isinstance(extra, Mapping):
        inner.append(extra)
    if schema.get("type") in ("array", "object") or inner:
        return 1 + max((_depth(item) for item in inner), default=0)
    return 0


def _main_schema(prop: Mapping[str, Any]) -> Mapping[str, Any]:
    """The non-null arm of ``X | None`` (the list form has no way to say "or null")."""
    arms = [arm for arm in prop.get("anyOf", ()) if arm.get("type") != "null"]
    return arms[0] if len(arms) == 1 else prop


def _parameter_type(prop: Mapping[str, Any]) -> str:
    main = _main_schema(prop)
    kind = main.get("type")
    if kind == "array" and isinstance(main.get("items"), Mapping):
        item_type = main["items"].get("type")
        if item_type in _LIST_OF:
            return _LIST_OF[item_type]
    if isinstance(kind, str):
        return _JSON_TYPES.get(kind, "string")
    return "string"  # an enum of mixed values or a union: the description says what fits


def _parameter_description(prop: Mapping[str, Any]) -> str:
    main = _main_schema(prop)
    text = str(prop.get("description") or main.get("description") or "")
    if "enum" in main:
        allowed = ", ".join(repr(value) for value in main["enum"])
        text = f"{text} One of: {allowed}.".strip()
    return text


def _toolgroup(spec: str | Mapping[str, Any]) -> str | AgentToolGroupWithArgs:
    if isinstance(spec, str):
        return spec  # a toolgroup id: "builtin::rag", "mcp::my-server"
    kind = spec.get("type")
    if kind is None and isinstance(spec.get("name"), str):
        extra = sorted(set(spec) - {"name", "args"})
        if extra:
            raise UnsupportedFeatureError(f"toolgroup {spec['name']!r}: unknown key(s) {extra}; "
                                          "a toolgroup with arguments is {'name': ..., 'args': {...}}")
        return AgentToolGroupWithArgs(name=spec["name"], args=dict(spec.get("args") or {}))
    if kind == "file_search":
        extra = sorted(set(spec) - {"type", "vector_store_ids", "max_num_results"})
        if extra:
            raise UnsupportedFeatureError(f"file_search option(s) {extra} have no equivalent on "
                                          f"{_WHERE}")
        args: dict[str, Any] = {"vector_db_ids": list(spec.get("vector_store_ids", ()))}
        if spec.get("max_num_results") is not None:
            args["query_config"] = {"max_chunks": spec["max_num_results"]}
        return AgentToolGroupWithArgs(name=_RAG_TOOL, args=args)
    if kind == "web_search":
        return "builtin::websearch"  # needs a web search provider configured on the server
    if kind == "mcp":
        approval = spec.get("require_approval")
        if approval is not None and approval != "never":
            # 0.2 has no approvals: its Responses API even ignores require_approval and calls
            # the tool (seen live on 0.2.24), so a tool meant to be asked about is refused.
            raise UnsupportedFeatureError(
                f"MCP tool {spec.get('server_label', '')!r} asks for approvals "
                f"(require_approval={approval!r}), which {_WHERE} cannot do: it would call the "
                "tool without asking. Approvals need Llama Stack 0.3 or later")
        raise UnsupportedFeatureError(
            f"MCP tools given as {{'type': 'mcp', ...}} need the Responses API (Llama Stack "
            f"0.3+); on {_WHERE} register an MCP toolgroup and give its id ('mcp::name')")
    if kind == "function":
        raise UnsupportedFeatureError(
            f"function tool {spec.get('name')!r} is given as a dict: the agent runs function "
            "tools itself, so give the Python function (or tool(fn))")
    raise UnsupportedFeatureError(f"server tool {dict(spec)!r} has no equivalent on {_WHERE}")


def _turn_messages(messages: Messages) -> list[dict[str, Any]]:
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    turn_messages = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise TypeError(f"messages[{index}] must be a dict, got {type(message).__name__}")
        role = message.get("role")
        if role not in ("user", "tool"):
            raise UnsupportedFeatureError(
                f"messages[{index}] has role {role!r}; {_WHERE} takes user and tool messages "
                "(the agent's instructions play the system role)")
        turn_messages.append({k: v for k, v in message.items() if k != "type"})
    if not turn_messages:
        raise ValueError("messages is empty: a turn needs at least one message")
    return turn_messages
