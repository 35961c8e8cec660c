"""The Responses API against the real 0.7.3 server (inference through the fake backend)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from llamastack import ConflictError, LlamaStackClient, NotFoundError
from llamastack.endpoints import (
    ConversationCreate,
    ConversationDelete,
    ConversationItemList,
    FileCreate,
    FileDelete,
    ResponseCancel,
    ResponseCreate,
    ResponseDelete,
    ResponseInputItemList,
    ResponseList,
    ResponseRetrieve,
    VectorStoreCreate,
    VectorStoreDelete,
)
from llamastack.models import (
    OpenAIResponseAnnotationFileCitation,
    OpenAIResponseInputFunctionToolCallOutput,
    OpenAIResponseInputToolFunction,
    OpenAIResponseMessage,
    OpenAIResponseObject,
    OpenAIResponseObjectStreamResponseCompleted,
    OpenAIResponseObjectStreamResponseCreated,
    OpenAIResponseObjectStreamResponseFunctionCallArgumentsDone,
    OpenAIResponseObjectStreamResponseOutputTextDelta,
    OpenAIResponseOutputMessageContentOutputText,
    OpenAIResponseOutputMessageFileSearchToolCall,
    OpenAIResponseOutputMessageFunctionToolCall,
)
from tests.integration.conftest import MODEL
from tests.integration.support import eventually

WEATHER = OpenAIResponseInputToolFunction(
    name="get_weather", description="The weather in a city",
    parameters={"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]})
QUESTION = "What is the weather in Paris?"
TEXT_EVENTS = [
    "response.created", "response.in_progress", "response.output_item.added",
    "response.content_part.added", "response.output_text.delta", "response.output_text.delta",
    "response.output_text.delta", "response.content_part.done", "response.output_item.done",
    "response.completed",
]


def output_text(response: OpenAIResponseObject) -> str:
    """The text of the response's (last) assistant message."""
    messages = [item for item in response.output if isinstance(item, OpenAIResponseMessage)]
    assert messages, f"no message in {response.output!r}"
    content = messages[-1].content
    assert isinstance(content, list)
    return "".join(part.text for part in content
                   if isinstance(part, OpenAIResponseOutputMessageContentOutputText))


def test_plain_response(client: LlamaStackClient) -> None:
    response = client.call(ResponseCreate(model=MODEL, input="hello world", metadata={"run": "plain"}))

    assert response.id.startswith("resp_") and response.object == "response"
    assert (response.status, response.model, response.store) == ("completed", MODEL, True)
    assert response.metadata == {"run": "plain"}
    [message] = response.output
    assert isinstance(message, OpenAIResponseMessage) and message.role == "assistant"
    assert message.status == "completed"
    assert output_text(response) == "Echo: hello world"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (
        2, 3, 5)


def test_instructions_are_kept_on_the_response(client: LlamaStackClient) -> None:
    response = client.call(ResponseCreate(model=MODEL, input="hello there", instructions="be brief"))

    assert response.instructions == "be brief"
    assert output_text(response) == "Echo: hello there"


def test_streamed_response_events_in_order(client: LlamaStackClient) -> None:
    with client.stream(ResponseCreate(model=MODEL, input="hello stream")) as stream:
        events = list(stream)

    assert [event.type for event in events] == TEXT_EVENTS
    assert [event.sequence_number for event in events] == list(range(len(events)))
    created, completed = events[0], events[-1]
    assert isinstance(created, OpenAIResponseObjectStreamResponseCreated)
    assert created.response.status == "in_progress" and created.response.output == []
    deltas = [e.delta for e in events if isinstance(e, OpenAIResponseObjectStreamResponseOutputTextDelta)]
    assert deltas == ["Echo:", " hello", " stream"]
    assert isinstance(completed, OpenAIResponseObjectStreamResponseCompleted)
    assert completed.response.id == created.response.id
    assert completed.response.status == "completed"
    assert output_text(completed.response) == "Echo: hello stream"
    assert client.call(ResponseRetrieve(response_id=created.response.id)) == completed.response


def test_response_in_a_conversation_adds_both_turns(client: LlamaStackClient) -> None:
    conversation = client.call(ConversationCreate(metadata={"topic": "responses"}))
    try:
        first = client.call(ResponseCreate(model=MODEL, input="first turn", conversation=conversation.id))
        second = client.call(ResponseCreate(model=MODEL, input="second turn",
                                            conversation=conversation.id))

        assert (output_text(first), output_text(second)) == ("Echo: first turn", "Echo: second turn")
        # The second turn was sent with the first one's history.
        assert first.usage is not None and second.usage is not None
        assert second.usage.input_tokens == first.usage.input_tokens + 3 + 2
        items = list(client.paginate(ConversationItemList(conversation_id=conversation.id)))
        # Items are ordered by a created_at in whole seconds only: compare them unordered.
        texts = sorted((item.role, message_text(item)) for item in items)
        assert texts == [("assistant", "Echo: first turn"), ("assistant", "Echo: second turn"),
                         ("user", "first turn"), ("user", "second turn")]
    finally:
        client.call(ConversationDelete(conversation_id=conversation.id))


def message_text(item: Any) -> str:
    assert isinstance(item, OpenAIResponseMessage)
    if isinstance(item.content, str):
        return item.content
    return "".join(getattr(part, "text", "") for part in item.content)


def test_function_call_and_its_output(client: LlamaStackClient) -> None:
    call_response = client.call(ResponseCreate(model=MODEL, input=QUESTION, tools=[WEATHER]))

    [call] = call_response.output
    assert isinstance(call, OpenAIResponseOutputMessageFunctionToolCall)
    assert call.name == "get_weather" and call.status == "completed"
    assert re.fullmatch(r"call_[0-9a-f]{16}", call.call_id)
    assert json.loads(call.arguments) == {"city": QUESTION}
    assert call_response.tools == [WEATHER]

    answer = client.call(ResponseCreate(
        model=MODEL, tools=[WEATHER], previous_response_id=call_response.id,
        input=[OpenAIResponseInputFunctionToolCallOutput(call_id=call.call_id, output="sunny")]))

    assert output_text(answer) == "Tool result: sunny"


def test_streamed_function_call(client: LlamaStackClient) -> None:
    with client.stream(ResponseCreate(model=MODEL, input=QUESTION, tools=[WEATHER])) as stream:
        events = list(stream)

    assert [event.type for event in events] == [
        "response.created", "response.in_progress", "response.output_item.added",
        "response.function_call_arguments.delta", "response.function_call_arguments.done",
        "response.output_item.done", "response.completed"]
    done, completed = events[4], events[-1]
    assert isinstance(done, OpenAIResponseObjectStreamResponseFunctionCallArgumentsDone)
    assert json.loads(done.arguments) == {"city": QUESTION}
    assert isinstance(completed, OpenAIResponseObjectStreamResponseCompleted)
    [call] = completed.response.output
    assert isinstance(call, OpenAIResponseOutputMessageFunctionToolCall) and call.arguments == done.arguments


@pytest.fixture(scope="module")
def france_store(server_07: str) -> Iterator[tuple[str, str]]:
    """(vector store id, file id) of a store holding "Paris is the capital of France."."""
    with LlamaStackClient(base_url=server_07, timeout=30.0) as c:
        document = c.call(FileCreate(file=("france.txt", b"Paris is the capital of France."),
                                     purpose="assistants"))
        store = c.call(VectorStoreCreate(name="france", file_ids=[document.id]))
        assert store.file_counts.completed == 1
        yield store.id, document.id
        c.call(VectorStoreDelete(vector_store_id=store.id))
        c.call(FileDelete(file_id=document.id))


def test_file_search_over_a_vector_store(client: LlamaStackClient, france_store: tuple[str, str]) -> None:
    store_id, file_id = france_store
    # The fake calls the tool its input names; the tool's results come back as the answer.
    response = client.call(ResponseCreate(
        model=MODEL, input="file_search: capital of France",
        tools=[{"type": "file_search", "vector_store_ids": [store_id]}],
        include=["file_search_call.results"]))

    search, message = response.output
    assert isinstance(search, OpenAIResponseOutputMessageFileSearchToolCall)
    assert search.status == "completed" and search.queries == ["file_search: capital of France"]
    assert search.results is not None
    [hit] = search.results
    assert (hit.file_id, hit.text) == (file_id, "Paris is the capital of France.")
    assert hit.attributes["filename"] == "france.txt" and hit.score > 0
    text = output_text(response)
    assert text.startswith("Tool result: file_search tool found 1 chunks:")
    assert "Paris is the capital of France." in text
    assert isinstance(message, OpenAIResponseMessage) and isinstance(message.content, list)
    part = message.content[0]
    assert isinstance(part, OpenAIResponseOutputMessageContentOutputText)
    assert part.annotations is not None
    [citation] = part.annotations
    assert isinstance(citation, OpenAIResponseAnnotationFileCitation)
    assert (citation.file_id, citation.filename) == (file_id, "france.txt")


def test_streamed_file_search(client: LlamaStackClient, france_store: tuple[str, str]) -> None:
    store_id, _ = france_store
    spec = ResponseCreate(model=MODEL, input="file_search: capital of France",
                          tools=[{"type": "file_search", "vector_store_ids": [store_id]}])
    with client.stream(spec) as stream:
        types = [event.type for event in stream]

    searching = ["response.file_search_call.in_progress", "response.file_search_call.searching",
                 "response.file_search_call.completed"]
    assert [t for t in types if t.startswith("response.file_search_call.")] == searching
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] == "response.completed"


def test_retrieve_list_and_delete(client: LlamaStackClient) -> None:
    made = client.call(ResponseCreate(model=MODEL, input="keep me"))

    assert client.call(ResponseRetrieve(response_id=made.id)) == made
    # Newest first, but only by a created_at in whole seconds: look past same-second siblings.
    listed = client.call(ResponseList(model=MODEL, order="desc", limit=100))
    assert made.id in [r.id for r in listed.data]
    [entry] = [r for r in listed.data if r.id == made.id]
    assert entry.output == made.output
    assert [message_text(item) for item in entry.input] == ["keep me"]

    deleted = client.call(ResponseDelete(response_id=made.id))
    assert (deleted.id, deleted.object, deleted.deleted) == (made.id, "response", True)
    with pytest.raises(NotFoundError, match=f"Response '{made.id}' not found"):
        client.call(ResponseRetrieve(response_id=made.id))


def test_paginate_responses_follows_the_servers_cursor(client: LlamaStackClient) -> None:
    for n in range(3):
        client.call(ResponseCreate(model=MODEL, input=f"page item {n}"))
    spec = ResponseList(model=MODEL, order="asc", limit=2)

    walked: list[str] = []
    page_count = 0
    while True:
        page = client.call(spec)
        page_count += 1
        walked += [r.id for r in page.data]
        if not page.has_more:
            break
        spec = dataclasses.replace(spec, after=page.last_id)

    assert page_count >= 2
    assert [r.id for r in client.paginate(ResponseList(model=MODEL, order="asc", limit=2))] == walked


def test_input_items_list_and_paginate(client: LlamaStackClient) -> None:
    inputs = [OpenAIResponseMessage(id=f"msg_in_{n}", role="user", content=f"input {n}") for n in range(5)]
    response = client.call(ResponseCreate(model=MODEL, input=inputs))
    assert output_text(response) == "Echo: input 4"

    newest_first = client.call(ResponseInputItemList(response_id=response.id))
    assert [item.id for item in newest_first.data] == [f"msg_in_{n}" for n in (4, 3, 2, 1, 0)]
    assert newest_first.object == "list"

    page = client.call(ResponseInputItemList(response_id=response.id, order="asc", after="msg_in_1", limit=2))
    assert [(item.id, message_text(item)) for item in page.data] == [("msg_in_2", "input 2"),
                                                                      ("msg_in_3", "input 3")]

    # 0.7.3 answers input items with `data` only (no has_more, no cursor ids): one page is all.
    paged = list(client.paginate(ResponseInputItemList(response_id=response.id, order="asc")))
    assert [item.id for item in paged] == [f"msg_in_{n}" for n in range(5)]
    assert paged == [*reversed(newest_first.data)]


def test_a_background_response_completes_and_then_cannot_be_cancelled(client: LlamaStackClient) -> None:
    queued = client.call(ResponseCreate(model=MODEL, input="in the background", background=True))
    assert queued.background is True and queued.status in ("queued", "in_progress", "completed")

    done = eventually(lambda: client.call(ResponseRetrieve(response_id=queued.id)),
                      lambda r: r.status == "completed")
    assert output_text(done) == "Echo: in the background"

    with pytest.raises(ConflictError) as caught:  # 409 is retried by default: not here
        client.call(ResponseCancel(response_id=queued.id), max_retries=0)
    # 0.7.3 words the refusal two ways, depending on whether its background worker has
    # rewritten the stored response yet (the rewrite drops the background flag).
    assert caught.value.message in (
        f"Cannot cancel response '{queued.id}' with status 'completed'",
        f"Cannot cancel response '{queued.id}': only background responses can be cancelled")


def test_cancel_refuses_a_foreground_response(client: LlamaStackClient) -> None:
    response = client.call(ResponseCreate(model=MODEL, input="foreground"))

    with pytest.raises(ConflictError, match="only background responses can be cancelled"):
        client.call(ResponseCancel(response_id=response.id), max_retries=0)
