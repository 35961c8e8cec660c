"""Chat completions against the real 0.7.3 server (inference through the fake backend).

The fake answers ``Echo: <last user text>``, calls a tool when the text says ``weather``, and
answers ``Tool result: <content>`` after a tool message (tests/integration/servers/README.md).
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

import pytest

from llamastack import BadRequestError, LlamaStackClient
from llamastack.endpoints import ChatCompletionCreate, ChatCompletionList, ChatCompletionRetrieve
from llamastack.models import (
    ChatCompletionMessageToolCall,
    OpenAIAssistantMessageParam,
    OpenAIChatCompletionChunk,
    OpenAIChatCompletionContentPartParam,
    OpenAIChatCompletionContentPartTextParam,
    OpenAIChatCompletionToolCallFunction,
    OpenAICompletionWithInputMessages,
    OpenAISystemMessageParam,
    OpenAIToolMessageParam,
    OpenAIUserMessageParam,
)
from tests.integration.conftest import MODEL
from tests.integration.support import eventually

WEATHER_TOOL: dict[str, Any] = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {"type": "object", "required": ["city"],
                       "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}},
    },
}
QUESTION = "What is the weather in Paris?"


def ask(text: str, **kwargs: Any) -> ChatCompletionCreate:
    return ChatCompletionCreate(model=MODEL, messages=[OpenAIUserMessageParam(content=text)], **kwargs)


def test_plain_completion_echoes_with_usage(client: LlamaStackClient) -> None:
    completion = client.call(ask("hello world"))

    assert completion.id.startswith("chatcmpl-fake-")
    assert completion.object == "chat.completion" and completion.model == MODEL
    [choice] = completion.choices
    assert (choice.index, choice.finish_reason) == (0, "stop")
    assert choice.message.role == "assistant"
    assert choice.message.content == "Echo: hello world"
    assert choice.message.tool_calls is None
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens,
            completion.usage.total_tokens) == (2, 3, 5)


def test_system_message_and_text_parts_reach_the_model(client: LlamaStackClient) -> None:
    parts: list[OpenAIChatCompletionContentPartParam] = [
        OpenAIChatCompletionContentPartTextParam(text="hello"),
        OpenAIChatCompletionContentPartTextParam(text="parts")]
    completion = client.call(ChatCompletionCreate(model=MODEL, messages=[
        OpenAISystemMessageParam(content="be brief"), OpenAIUserMessageParam(content=parts)]))

    assert completion.choices[0].message.content == "Echo: hello parts"
    assert completion.usage is not None and completion.usage.prompt_tokens == 4  # be brief hello parts


def test_streamed_completion_arrives_word_by_word(client: LlamaStackClient) -> None:
    with client.stream(ask("hello world", stream_options={"include_usage": True})) as stream:
        chunks: list[OpenAIChatCompletionChunk] = list(stream)

    assert all(isinstance(chunk, OpenAIChatCompletionChunk) for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == 1
    assert {chunk.model for chunk in chunks} == {MODEL}
    *with_choices, usage_chunk = chunks
    deltas = [chunk.choices[0].delta for chunk in with_choices]
    assert deltas[0].role == "assistant" and deltas[0].content == ""
    assert [d.content for d in deltas[1:-1]] == ["Echo:", " hello", " world"]
    assert [chunk.choices[0].finish_reason for chunk in with_choices] == [None] * 4 + ["stop"]
    assert usage_chunk.choices == [] and usage_chunk.usage is not None
    assert usage_chunk.usage.total_tokens == 5


def test_tool_call_then_tool_result(client: LlamaStackClient) -> None:
    first = client.call(ask(QUESTION, tools=[WEATHER_TOOL]))

    [choice] = first.choices
    assert choice.finish_reason == "tool_calls" and choice.message.content is None
    assert choice.message.tool_calls is not None
    [call] = choice.message.tool_calls
    assert isinstance(call, ChatCompletionMessageToolCall)
    assert re.fullmatch(r"call_[0-9a-f]{16}", call.id)
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": QUESTION}  # days is optional: left out

    answer = client.call(ChatCompletionCreate(model=MODEL, tools=[WEATHER_TOOL], messages=[
        OpenAIUserMessageParam(content=QUESTION),
        OpenAIAssistantMessageParam(tool_calls=[ChatCompletionMessageToolCall(
            id=call.id, function=OpenAIChatCompletionToolCallFunction(
                name="get_weather", arguments=call.function.arguments))]),
        OpenAIToolMessageParam(tool_call_id=call.id, content="sunny"),
    ]))

    assert answer.choices[0].finish_reason == "stop"
    assert answer.choices[0].message.content == "Tool result: sunny"


def test_tool_choice_none_answers_in_text(client: LlamaStackClient) -> None:
    completion = client.call(ask(QUESTION, tools=[WEATHER_TOOL], tool_choice="none"))

    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].message.content == f"Echo: {QUESTION}"


def test_streamed_tool_call_is_assembled_from_its_deltas(client: LlamaStackClient) -> None:
    with client.stream(ask(QUESTION, tools=[WEATHER_TOOL])) as stream:
        chunks = list(stream)

    calls = [call for chunk in chunks for call in chunk.choices[0].delta.tool_calls or []]
    assert [call.index for call in calls] == [0, 0]
    head, rest = calls
    assert head.id is not None and re.fullmatch(r"call_[0-9a-f]{16}", head.id)
    assert head.function is not None and head.function.name == "get_weather"
    assert rest.id is None and rest.function is not None and rest.function.name is None
    arguments = "".join(call.function.arguments or "" for call in calls if call.function)
    assert json.loads(arguments) == {"city": QUESTION}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


@pytest.fixture(scope="module")
def stored(server_07: str) -> list[str]:
    """Ids of three completions made here; the server stores them in the background."""
    with LlamaStackClient(base_url=server_07, timeout=30.0) as c:
        return [c.call(ask(f"stored number {n}")).id for n in range(3)]


def test_a_stored_completion_is_retrieved_with_its_input(client: LlamaStackClient,
                                                         stored: list[str]) -> None:
    # Stored by a fire-and-forget task: 400 "not found" for a moment after the create.
    completion = eventually(lambda: client.call(ChatCompletionRetrieve(completion_id=stored[0])),
                            retry_on=(BadRequestError,))

    assert completion.id == stored[0] and completion.model == MODEL
    assert completion.choices[0].message.content == "Echo: stored number 0"
    [message] = completion.input_messages
    assert isinstance(message, OpenAIUserMessageParam) and message.content == "stored number 0"


def test_stored_completions_are_listed_newest_first(client: LlamaStackClient, stored: list[str]) -> None:
    def listed() -> list[OpenAICompletionWithInputMessages]:
        return client.call(ChatCompletionList(model=MODEL, order="desc", limit=100)).data

    completions = eventually(listed, lambda data: set(stored) <= {c.id for c in data})

    assert {c.model for c in completions} == {MODEL}
    created = [c.created for c in completions]
    assert created == sorted(created, reverse=True)
    mine = {c.id: c for c in completions if c.id in stored}
    assert [mine[i].choices[0].message.content for i in stored] == [
        f"Echo: stored number {n}" for n in range(3)]

    page = client.call(ChatCompletionList(model=MODEL, order="desc", limit=2))
    assert len(page.data) == 2 and page.has_more
    assert (page.first_id, page.last_id) == (page.data[0].id, page.data[1].id)


def test_paginate_follows_the_servers_cursor(client: LlamaStackClient, stored: list[str]) -> None:
    eventually(lambda: client.call(ChatCompletionRetrieve(completion_id=stored[-1])),
               retry_on=(BadRequestError,))
    spec = ChatCompletionList(model=MODEL, order="asc", limit=2)

    walked = walk_pages(client, spec)
    paged = [c.id for c in client.paginate(spec)]

    assert len(walked) >= 2
    assert paged == [i for page in walked for i in page]
    assert len(set(paged)) == len(paged)


def walk_pages(client: LlamaStackClient, spec: ChatCompletionList) -> list[list[str]]:
    """The ids page by page, following after=last_id by hand while has_more."""
    pages: list[list[str]] = []
    while True:
        page = client.call(spec)
        pages.append([c.id for c in page.data])
        if not page.has_more:
            return pages
        spec = dataclasses.replace(spec, after=page.last_id)
