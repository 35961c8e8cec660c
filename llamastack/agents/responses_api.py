"""The Responses + Conversations backend (Llama Stack 0.3 and later).

A session is a conversation (``ConversationCreate``; any existing conversation id attaches). A
round is one streamed ``ResponseCreate`` with ``conversation=`` the session, the instructions and
every tool re-sent (the server keeps the history, not the configuration). Later rounds send
only ``function_call_output`` and ``mcp_approval_response`` items, each approval response
after a copy of its request (see ``answer_items``). ``abandon`` writes the answers with
``ConversationItemCreate``, which adds them without asking the model for another response
(accepted by 0.7.3, seen live), so a stopped turn leaves no call unanswered.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from typing import Any

from llamastack.agents.backend import Messages, RoundEvents
from llamastack.agents.errors import UnsupportedFeatureError
from llamastack.agents.model_events import Answers
from llamastack.agents.responses_stream import ResponsesStreamTranslator
from llamastack.agents.tools import FunctionTool
from llamastack.client import LlamaStackClient
from llamastack.endpoints.conversations import ConversationCreate, ConversationItemCreate
from llamastack.endpoints.responses import ResponseCreate

__all__ = ["MANAGED_PARAMETERS", "RESPONSE_PARAMETERS", "ResponsesBackend", "ResponsesTurn",
           "answer_items"]

# ResponseCreate fields the agent sets itself; the rest pass through from Agent(**params).
MANAGED_PARAMETERS = frozenset({"input", "model", "instructions", "tools", "conversation",
                                "previous_response_id", "stream", "background"})
RESPONSE_PARAMETERS = frozenset(
    f.name for f in dataclasses.fields(ResponseCreate)) - MANAGED_PARAMETERS


class ResponsesBackend:
    def __init__(self, client: LlamaStackClient, *, model: str, instructions: str | None,
                 function_tools: Sequence[FunctionTool[..., Any]],
                 server_tools: Sequence[str | Mapping[str, Any]],
                 params: Mapping[str, Any]) -> None:
        self._client = client
        self._model = model
        self._instructions = instructions
        self._tools = [t.definition() for t in function_tools] + [
            _server_tool(spec) for spec in server_tools]
        unknown = sorted(set(params) - RESPONSE_PARAMETERS)
        if unknown:
            raise UnsupportedFeatureError(f"the Responses API takes no parameter(s) {unknown}")
        self._params = dict(params)

    def create_session(self, name: str, extra_headers: Mapping[str, str] | None = None) -> str:
        spec = ConversationCreate(metadata={"name": name}) if name else ConversationCreate()
        return self._client.call(spec, extra_headers=extra_headers).id

    def start_turn(self, session_id: str, messages: Messages,
                   extra_headers: Mapping[str, str] | None = None) -> ResponsesTurn:
        return ResponsesTurn(self, session_id, _input_items(messages), extra_headers)

    def request(self, session_id: str, input: str | list[dict[str, Any]]) -> ResponseCreate:
        return ResponseCreate(model=self._model, input=input, conversation=session_id,
                              instructions=self._instructions, tools=self._tools or None,
                              **self._params)


class ResponsesTurn:
    def __init__(self, backend: ResponsesBackend, session_id: str,
                 messages: str | list[dict[str, Any]],
                 extra_headers: Mapping[str, str] | None) -> None:
        self._backend = backend
        self._session_id = session_id
        self._messages = messages
        self._headers = extra_headers

    def first_round(self) -> RoundEvents:
        return self._round(self._messages)

    def next_round(self, answers: Answers) -> RoundEvents:
        return self._round(answer_items(answers))

    def abandon(self, answers: Answers) -> None:
        if answers:
            self._backend._client.call(
                ConversationItemCreate(conversation_id=self._session_id,
                                       items=answer_items(answers, repeat_requests=False)),
                extra_headers=self._headers)

    def _round(self, input: str | list[dict[str, Any]]) -> RoundEvents:
        spec = self._backend.request(self._session_id, input)
        with self._backend._client.stream(spec, extra_headers=self._headers) as stream:
            translator = ResponsesStreamTranslator(stream.context)
            for chunk in stream:
                yield from translator.feed(chunk)
        yield from translator.finish()


def answer_items(answers: Answers, *, repeat_requests: bool = True) -> list[dict[str, Any]]:
    """The Responses input items that carry the answers.

    Each ``mcp_approval_response`` follows a copy of the ``mcp_approval_request`` it answers
    (``repeat_requests``): llama-stack 0.3-0.7 look for the request of an approval among the
    *input items of the same request* only (``ChatCompletionContext`` in 0.7.3), and a
    request with ``conversation=`` carries just the new items, so without the copy the server
    never finds what was approved and asks again on every round (seen live on 0.3.5 to
    0.7.3). The conversation keeps one item per id, so the copy is not stored twice.
    """
    items: list[dict[str, Any]] = [
        {"type": "function_call_output", "call_id": out.call_id, "output": out.output}
        for out in answers.tool_outputs]
    for approval in answers.approvals:
        request = approval.request
        if repeat_requests and request is not None:
            items.append({"type": "mcp_approval_request", "id": request.request_id,
                          "name": request.name, "server_label": request.server_label,
                          "arguments": request.raw_arguments or json.dumps(dict(request.arguments))})
        item: dict[str, Any] = {"type": "mcp_approval_response",
                                "approval_request_id": approval.request_id,
                                "approve": approval.approve}
        if approval.reason:
            item["reason"] = approval.reason
        items.append(item)
    return items


def _input_items(messages: Messages) -> str | list[dict[str, Any]]:
    if isinstance(messages, str):
        return messages
    items = []
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            raise TypeError(f"messages[{index}] must be a dict (a Responses input item), "
                            f"got {type(message).__name__}")
        items.append(dict(message))
    if not items:
        raise ValueError("messages is empty: a turn needs at least one message")
    return items


def _server_tool(spec: str | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(spec, str):
        raise UnsupportedFeatureError(
            f"tool {spec!r} is an Agents API toolgroup (Llama Stack 0.2); the Responses API "
            "takes server tools as dicts such as {'type': 'file_search', 'vector_store_ids': [...]}")
    kind = spec.get("type")
    if kind == "function":
        raise UnsupportedFeatureError(
            f"function tool {spec.get('name')!r} is given as a dict: the agent runs function "
            "tools itself, so give the Python function (or tool(fn))")
    if not isinstance(kind, str):
        raise UnsupportedFeatureError(
            f"server tool {dict(spec)!r} has no 'type'; the Responses API takes file_search, "
            "mcp and web_search tools")
    return dict(spec)
