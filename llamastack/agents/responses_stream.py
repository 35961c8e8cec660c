"""Responses API stream events to ``ModelEvent``s (pure).

Robust to what real servers send, which the official SDK's synthesizer is not
(../shared/PEER_AGENT_HELPERS.md §3.2):

- nothing depends on ``response.in_progress`` (0.2.24's Responses stream has none);
- function calls are keyed by ``output_index`` and emitted whole at ``output_item.done`` with
  their complete arguments (from the item, else ``function_call_arguments.done``, else the
  deltas); every call of a response is kept, and ``response.completed`` fills in any item whose
  ``output_item.done`` never came;
- llama-stack 0.7.3 also sends ``function_call_arguments.delta/done`` for MCP and file search
  items (seen live), so arguments alone never make a client call: the item's type does;
- server tool items (file_search_call, mcp_call, mcp_list_tools, web_search_call, and unknown
  ``*_call`` items) become ``ServerToolArrived``; ``mcp_approval_request`` ``ApprovalArrived``;
- text arrives from ``output_text.delta`` (and ``refusal.delta``: a guardrail's refusal is what
  the user gets); a message whose text was not streamed is emitted when its item is done;
- ``response.failed`` / ``response.incomplete`` raise ``ResponseFailedError`` /
  ``ResponseIncompleteError`` with the server's message; an ``{"type": "error"}`` event is
  raised by the client's stream itself; a stream that ends before ``response.completed``
  raises ``APIConnectionError``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from llamastack.agents.errors import ResponseFailedError, ResponseIncompleteError
from llamastack.agents.events import ApprovalRequest, ServerToolCallRecord, Usage
from llamastack.agents.model_events import (
    ApprovalArrived,
    FunctionCallArrived,
    ModelEvent,
    RoundFinished,
    ServerToolArrived,
    TextArrived,
)
from llamastack.agents.tools import parse_arguments
from llamastack.errors import APIConnectionError
from llamastack.models.base import UnknownVariant
from llamastack.models.responses import (
    OpenAIResponseMCPApprovalRequest,
    OpenAIResponseMessage,
    OpenAIResponseObject,
    OpenAIResponseObjectStreamResponseCompleted,
    OpenAIResponseObjectStreamResponseCreated,
    OpenAIResponseObjectStreamResponseFailed,
    OpenAIResponseObjectStreamResponseFunctionCallArgumentsDelta,
    OpenAIResponseObjectStreamResponseFunctionCallArgumentsDone,
    OpenAIResponseObjectStreamResponseIncomplete,
    OpenAIResponseObjectStreamResponseInProgress,
    OpenAIResponseObjectStreamResponseOutputItemDone,
    OpenAIResponseObjectStreamResponseOutputTextDelta,
    OpenAIResponseObjectStreamResponseRefusalDelta,
    OpenAIResponseOutputMessageFileSearchToolCall,
    OpenAIResponseOutputMessageFunctionToolCall,
    OpenAIResponseOutputMessageMCPCall,
    OpenAIResponseOutputMessageMCPListTools,
    OpenAIResponseOutputMessageWebSearchToolCall,
)

__all__ = ["ResponsesStreamTranslator", "message_text", "server_tool_record"]

log = logging.getLogger("llamastack.agents")


class ResponsesStreamTranslator:
    """Feed the decoded chunks of one ``ResponseCreate`` stream; ``finish()`` at its end."""

    def __init__(self, context: Mapping[str, Any] | None = None) -> None:
        self._context = dict(context or {})  # Stream.context, for the errors raised here
        self._response_id: str | None = None
        self._arguments: dict[int, list[str]] = {}
        self._arguments_done: dict[int, str] = {}
        self._text: dict[int, list[str]] = {}  # output index -> the pieces of its text
        self._emitted: set[str] = set()
        self._finished = False

    def feed(self, chunk: object) -> list[ModelEvent]:
        if self._finished:
            return []
        if isinstance(chunk, (OpenAIResponseObjectStreamResponseCreated,
                              OpenAIResponseObjectStreamResponseInProgress)):
            self._response_id = chunk.response.id
        elif isinstance(chunk, (OpenAIResponseObjectStreamResponseOutputTextDelta,
                                OpenAIResponseObjectStreamResponseRefusalDelta)):
            self._text.setdefault(chunk.output_index, []).append(chunk.delta)
            return [TextArrived(chunk.delta)]
        elif isinstance(chunk, OpenAIResponseObjectStreamResponseFunctionCallArgumentsDelta):
            self._arguments.setdefault(chunk.output_index, []).append(chunk.delta)
        elif isinstance(chunk, OpenAIResponseObjectStreamResponseFunctionCallArgumentsDone):
            self._arguments_done[chunk.output_index] = chunk.arguments
        elif isinstance(chunk, OpenAIResponseObjectStreamResponseOutputItemDone):
            return self._item_done(chunk.output_index, chunk.item)
        elif isinstance(chunk, OpenAIResponseObjectStreamResponseCompleted):
            return self._completed(chunk.response)
        elif isinstance(chunk, OpenAIResponseObjectStreamResponseFailed):
            raise self._failed(chunk.response)
        elif isinstance(chunk, OpenAIResponseObjectStreamResponseIncomplete):
            raise self._incomplete(chunk.response)
        elif isinstance(chunk, UnknownVariant):
            log.debug("ignoring an unknown Responses stream event: %r", chunk.model_extra.get("type"))
        return []

    def finish(self) -> list[ModelEvent]:
        if not self._finished:
            raise APIConnectionError("the response stream ended before response.completed "
                                     "(the connection was closed early)", **self._context)
        return []

    # --- items ----------------------------------------------------------------------------

    def _item_done(self, index: int, item: object) -> list[ModelEvent]:
        if isinstance(item, OpenAIResponseOutputMessageFunctionToolCall):
            if item.call_id in self._emitted:
                return []
            self._emitted.add(item.call_id)
            arguments = (item.arguments or self._arguments_done.get(index)
                         or "".join(self._arguments.get(index, ())))
            return [FunctionCallArrived(item.call_id, item.name, arguments)]
        if isinstance(item, OpenAIResponseMCPApprovalRequest):
            if item.id in self._emitted:
                return []
            self._emitted.add(item.id)
            parsed, _ = parse_arguments(item.arguments)
            return [ApprovalArrived(ApprovalRequest(item.id, item.name, parsed,
                                                    item.server_label, item.arguments))]
        if isinstance(item, OpenAIResponseMessage):
            text = message_text(item)
            streamed = "".join(self._text.get(index, ()))
            self._text[index] = [text]
            if text.startswith(streamed) and len(text) > len(streamed):
                return [TextArrived(text[len(streamed):])]  # text the stream did not carry
            return []
        record = server_tool_record(item)
        if record is None or record.call_id in self._emitted:
            return []
        self._emitted.add(record.call_id)
        return [ServerToolArrived(record)]

    def _completed(self, response: OpenAIResponseObject) -> list[ModelEvent]:
        events: list[ModelEvent] = []
        for index, item in enumerate(response.output):  # items whose output_item.done was lost
            events.extend(self._item_done(index, item))
        self._finished = True
        texts = [message_text(item) for item in response.output
                 if isinstance(item, OpenAIResponseMessage)]
        if not texts:  # the response lists no message: the text as it was streamed
            texts = ["".join(pieces) for pieces in self._text.values()]
        usage = response.usage
        events.append(RoundFinished(
            output_text="".join(texts),
            response_id=response.id or self._response_id,
            usage=Usage(usage.input_tokens, usage.output_tokens, usage.total_tokens)
            if usage is not None else None))
        return events

    def _failed(self, response: OpenAIResponseObject) -> ResponseFailedError:
        error = response.error
        message = error.message if error is not None else "(the server gave no reason)"
        code = error.code if error is not None else None
        suffix = f" (code {code})" if code else ""
        return ResponseFailedError(f"response {response.id} failed: {message}{suffix}",
                                   code=code, response_id=response.id,
                                   body=response.to_dict(), **self._context)

    def _incomplete(self, response: OpenAIResponseObject) -> ResponseIncompleteError:
        details = response.incomplete_details
        reason = details.reason if details is not None else None
        return ResponseIncompleteError(
            f"response {response.id} is incomplete: {reason or 'the server gave no reason'}",
            reason=reason, response_id=response.id, body=response.to_dict(), **self._context)


def message_text(message: OpenAIResponseMessage) -> str:
    """The text of an assistant message (its output_text and refusal parts)."""
    if isinstance(message.content, str):
        return message.content
    parts: list[str] = []
    for part in message.content:
        text = getattr(part, "text", None)
        if text is None:
            text = getattr(part, "refusal", None)
        if isinstance(text, str):
            parts.append(text)
    return "".join(parts)


def server_tool_record(item: object) -> ServerToolCallRecord | None:
    """A server-side tool item as a record (None for items that are not tool calls)."""
    if isinstance(item, OpenAIResponseOutputMessageFileSearchToolCall):
        return ServerToolCallRecord(
            type="file_search_call", call_id=item.id, name="file_search",
            arguments={"queries": list(item.queries)}, is_error=item.status == "failed",
            results=tuple(result.to_dict() for result in item.results or ()),
            status=item.status, raw=item)
    if isinstance(item, OpenAIResponseOutputMessageMCPCall):
        arguments, _ = parse_arguments(item.arguments)
        return ServerToolCallRecord(
            type="mcp_call", call_id=item.id, name=item.name, arguments=arguments,
            output=item.error if item.error is not None else item.output,
            is_error=item.error is not None, server_label=item.server_label, raw=item)
    if isinstance(item, OpenAIResponseOutputMessageMCPListTools):
        return ServerToolCallRecord(
            type="mcp_list_tools", call_id=item.id, name="list_tools",
            output=", ".join(listed.name for listed in item.tools),
            results=tuple(listed.to_dict() for listed in item.tools),
            server_label=item.server_label, raw=item)
    if isinstance(item, OpenAIResponseOutputMessageWebSearchToolCall):
        return ServerToolCallRecord(type="web_search_call", call_id=item.id, name="web_search",
                                    is_error=item.status == "failed", status=item.status, raw=item)
    if isinstance(item, UnknownVariant):
        extra = item.model_extra
        kind = extra.get("type")
        if isinstance(kind, str) and kind.endswith("_call"):  # a server tool this library predates
            return _unknown_call(kind, extra, item)
        log.debug("ignoring a response output item of type %r", kind)
    return None


def _unknown_call(kind: str, extra: Mapping[str, Any], item: object) -> ServerToolCallRecord:
    raw_arguments = extra.get("arguments")
    arguments = (parse_arguments(raw_arguments)[0] if isinstance(raw_arguments, (str, Mapping))
                 else {})
    output = extra.get("output")
    status = extra.get("status")
    label = extra.get("server_label")
    return ServerToolCallRecord(
        type=kind, call_id=str(extra.get("id", "")), name=str(extra.get("name", kind)),
        arguments=arguments,
        output=output if isinstance(output, str) or output is None else json.dumps(output),
        is_error=extra.get("error") is not None or status == "failed",
        server_label=label if isinstance(label, str) else None,
        status=status if isinstance(status, str) else None, raw=item)
