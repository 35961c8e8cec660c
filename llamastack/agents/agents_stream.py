"""Agents API (Llama Stack 0.2) turn chunks to ``ModelEvent``s (pure).

One round is one streamed ``TurnCreate`` or ``TurnResume``. Text comes from ``step_progress``
text deltas (or, if a step streamed none, from its ``step_complete``). The server runs its own
tools (0.2 built-ins such as ``builtin::rag/knowledge_search``, MCP toolgroups) and reports them
as ``tool_execution`` steps: those become ``ServerToolArrived``, except the step the server
writes for the client calls this turn already answered (a resumed stream starts with it, see
/work/shared/transcripts/turn_resume.sse). ``turn_awaiting_input`` carries the client calls
(its ``output_message`` holds only those, agent_instance.py in 0.2.24) and ends the round;
``turn_complete`` ends the turn. A stream that ends before either raises
``APIConnectionError``; ``{"error": ...}`` chunks are raised by the client's stream.

Two server behaviours are made to look like the Responses API's:

- ``builtin::rag``'s ``knowledge_search`` (what a ``file_search`` tool becomes on 0.2) is
  reported as a ``file_search_call`` with the query and the hits (file id, text, score) from
  the tool response's metadata;
- when the server stops its own loop at the agent's ``max_infer_iters`` while the model still
  calls server tools, 0.2.24 ends the turn ``turn_awaiting_input`` with those calls unrun
  (captured ``POST_v1_agents_turn_stream_mcp_endless``): that is ``ResponseIncompleteError``
  (reason ``max_infer_iters``), as 0.3+ end such a response ``incomplete``, not a request
  for client tools.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from llamastack.agents.errors import ResponseIncompleteError
from llamastack.agents.events import ServerToolCallRecord
from llamastack.agents.model_events import (
    FunctionCallArrived,
    ModelEvent,
    RoundFinished,
    ServerToolArrived,
    TextArrived,
)
from llamastack.agents.tools import parse_arguments
from llamastack.errors import APIConnectionError
from llamastack.models.agents import (
    AgentTurnResponseStepCompletePayload,
    AgentTurnResponseStepProgressPayload,
    AgentTurnResponseStreamChunk,
    AgentTurnResponseTurnAwaitingInputPayload,
    AgentTurnResponseTurnCompletePayload,
    AgentTurnResponseTurnStartPayload,
    InferenceStep,
    MemoryRetrievalStep,
    ShieldCallStep,
    TextDelta,
    ToolCall,
    ToolExecutionStep,
    ToolResponse,
    Turn,
)

__all__ = ["AgentsStreamTranslator", "content_text", "tool_call_arguments"]

log = logging.getLogger("llamastack.agents")


# What builtin::rag's search tool is called on 0.2 (and in toolgroup ids).
KNOWLEDGE_SEARCH = "knowledge_search"


class AgentsStreamTranslator:
    """Feed the chunks of one turn stream; ``answered`` are the call ids this turn answered,
    ``client_tools`` the names of the agent's client tools (None: every call the turn awaits
    input for is taken for a client call)."""

    def __init__(self, answered: frozenset[str] = frozenset(),
                 context: Mapping[str, Any] | None = None, *,
                 client_tools: frozenset[str] | None = None) -> None:
        self._answered = answered
        self._client_tools = client_tools
        self._context = dict(context or {})
        self._streamed: dict[str, list[str]] = {}  # step id -> the pieces of text streamed
        self.turn_id: str | None = None
        self._finished = False

    def feed(self, chunk: object) -> list[ModelEvent]:
        if self._finished or not isinstance(chunk, AgentTurnResponseStreamChunk):
            return []
        payload = chunk.event.payload
        if isinstance(payload, AgentTurnResponseStepProgressPayload):
            if isinstance(payload.delta, TextDelta) and payload.delta.text:
                self._streamed.setdefault(payload.step_id, []).append(payload.delta.text)
                return [TextArrived(payload.delta.text)]
            return []  # tool call deltas: the calls come whole with turn_awaiting_input
        if isinstance(payload, AgentTurnResponseStepCompletePayload):
            return self._step_complete(payload.step_id, payload.step_details)
        if isinstance(payload, AgentTurnResponseTurnStartPayload):
            self.turn_id = payload.turn_id
            return []
        if isinstance(payload, AgentTurnResponseTurnAwaitingInputPayload):
            return self._turn_ended(payload.turn, awaiting=True)
        if isinstance(payload, AgentTurnResponseTurnCompletePayload):
            return self._turn_ended(payload.turn, awaiting=False)
        return []  # step_start, and event types this library does not know

    def finish(self) -> list[ModelEvent]:
        if not self._finished:
            raise APIConnectionError("the turn stream ended before turn_complete or "
                                     "turn_awaiting_input (the connection was closed early)",
                                     **self._context)
        return []

    def _step_complete(self, step_id: str, step: object) -> list[ModelEvent]:
        if isinstance(step, InferenceStep):
            text = content_text(step.model_response.content)
            streamed = "".join(self._streamed.get(step_id, ()))
            if text.startswith(streamed) and len(text) > len(streamed):
                self._streamed[step_id] = [text]
                return [TextArrived(text[len(streamed):])]
            return []
        if isinstance(step, ToolExecutionStep):
            responses = {response.call_id: response for response in step.tool_responses}
            events: list[ModelEvent] = []
            for call in step.tool_calls:
                if call.call_id in self._answered:
                    continue  # the server's echo of an answer this client sent
                events.append(ServerToolArrived(
                    _tool_execution_record(call, responses.get(call.call_id), step)))
            return events
        if isinstance(step, MemoryRetrievalStep):
            return [ServerToolArrived(ServerToolCallRecord(
                type="memory_retrieval", call_id=step.step_id, name="memory_retrieval",
                arguments={"vector_db_ids": step.vector_db_ids},
                output=content_text(step.inserted_context), raw=step))]
        if isinstance(step, ShieldCallStep) and step.violation is not None:
            violation = step.violation
            return [ServerToolArrived(ServerToolCallRecord(
                type="shield_call", call_id=step.step_id, name="shield",
                output=violation.user_message or str(violation.violation_level),
                is_error=True, raw=step))]
        return []

    def _turn_ended(self, turn: Turn, *, awaiting: bool) -> list[ModelEvent]:
        self._finished = True
        self.turn_id = turn.turn_id
        message = turn.output_message
        events: list[ModelEvent] = []
        if awaiting:
            calls = list(message.tool_calls or ())
            unrun = [c.tool_name for c in calls
                     if self._client_tools is not None and c.tool_name not in self._client_tools]
            if unrun:
                raise ResponseIncompleteError(
                    f"turn {turn.turn_id} stopped at the agent's max_infer_iters with "
                    f"{', '.join(unrun)} not run (the server's limit of model calls per turn)",
                    reason="max_infer_iters", body=turn.to_dict(), **self._context)
            for call in calls:
                events.append(FunctionCallArrived(call.call_id, call.tool_name,
                                                  tool_call_arguments(call)))
        events.append(RoundFinished(output_text=content_text(message.content),
                                    turn_id=turn.turn_id))
        return events


def _tool_execution_record(call: ToolCall, response: ToolResponse | None,
                           step: ToolExecutionStep) -> ServerToolCallRecord:
    output = content_text(response.content) if response is not None else None
    arguments = _arguments_dict(call)
    if call.tool_name == KNOWLEDGE_SEARCH:
        query = arguments.get("query")
        return ServerToolCallRecord(
            type="file_search_call", call_id=call.call_id, name="file_search",
            arguments={"queries": [query] if isinstance(query, str) else []}, output=output,
            results=_search_hits(response.metadata if response is not None else None),
            status="completed" if response is not None else None, raw=step)
    return ServerToolCallRecord(type="tool_execution", call_id=call.call_id,
                                name=call.tool_name, arguments=arguments, output=output, raw=step)


def _search_hits(metadata: Mapping[str, Any] | None) -> tuple[Mapping[str, Any], ...]:
    """0.2.24's knowledge_search metadata (``document_ids``, ``chunks``, ``scores``: parallel
    lists; the document id is the file id for vector store files) as Responses-style hits."""
    if not metadata:
        return ()
    ids, chunks, scores = (metadata.get(key) for key in ("document_ids", "chunks", "scores"))
    if not (isinstance(ids, list) and isinstance(chunks, list)):
        return ()
    scores = scores if isinstance(scores, list) and len(scores) == len(ids) else [None] * len(ids)
    return tuple({"file_id": doc, "text": text, "score": score}
                 for doc, text, score in zip(ids, chunks, scores, strict=False))


def tool_call_arguments(call: ToolCall) -> str:
    """The arguments as JSON text: ``arguments_json`` (0.2), else the string (0.3) or dict."""
    if isinstance(call.arguments_json, str):
        return call.arguments_json
    if isinstance(call.arguments, str):
        return call.arguments
    return json.dumps(call.arguments)


def _arguments_dict(call: ToolCall) -> dict[str, Any]:
    raw = call.arguments if isinstance(call.arguments, dict) else tool_call_arguments(call)
    arguments, _ = parse_arguments(raw)
    return arguments


def content_text(content: Any) -> str:
    """The text of Agents API content: a string, a text item, or a list of items."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(content_text(item) for item in content)
    text = getattr(content, "text", None)
    if isinstance(text, str):
        return text
    if isinstance(content, Mapping) and isinstance(content.get("text"), str):
        return str(content["text"])
    log.debug("no text in Agents API content of type %s", type(content).__name__)
    return ""
