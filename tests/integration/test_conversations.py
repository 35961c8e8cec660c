"""Conversations and their items against the real 0.7.3 server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from llamastack import BadRequestError, LlamaStackClient, NotFoundError
from llamastack.endpoints import (
    ConversationCreate,
    ConversationDelete,
    ConversationItemCreate,
    ConversationItemDelete,
    ConversationItemList,
    ConversationItemRetrieve,
    ConversationRetrieve,
    ConversationUpdate,
)
from llamastack.models import Conversation, OpenAIResponseMessage


@pytest.fixture
def conversation(client: LlamaStackClient) -> Iterator[Conversation]:
    made = client.call(ConversationCreate(metadata={"owner": "tests"}))
    yield made
    with contextlib.suppress(NotFoundError):  # unless the test deleted it
        client.call(ConversationDelete(conversation_id=made.id))


def user(text: str) -> OpenAIResponseMessage:
    return OpenAIResponseMessage(role="user", content=text)


def test_create_with_items_and_retrieve(client: LlamaStackClient) -> None:
    made = client.call(ConversationCreate(metadata={"k": "v"}, items=[user("first"), user("second")]))
    try:
        assert made.id.startswith("conv_") and made.object == "conversation"
        assert made.metadata == {"k": "v"}

        fetched = client.call(ConversationRetrieve(conversation_id=made.id))
        assert (fetched.id, fetched.created_at, fetched.metadata) == (made.id, made.created_at, {"k": "v"})
        items = client.call(ConversationItemList(conversation_id=made.id)).data
        assert sorted(item.content for item in items if isinstance(item, OpenAIResponseMessage)) == [
            "first", "second"]
    finally:
        client.call(ConversationDelete(conversation_id=made.id))


def test_update_replaces_the_metadata(client: LlamaStackClient, conversation: Conversation) -> None:
    updated = client.call(ConversationUpdate(conversation_id=conversation.id,
                                             metadata={"owner": "someone else", "n": "1"}))

    assert updated.id == conversation.id
    assert updated.metadata == {"owner": "someone else", "n": "1"}
    assert client.call(ConversationRetrieve(conversation_id=conversation.id)).metadata == updated.metadata


def test_delete_then_retrieve_is_not_found(client: LlamaStackClient) -> None:
    made = client.call(ConversationCreate())

    deleted = client.call(ConversationDelete(conversation_id=made.id))

    assert (deleted.id, deleted.object, deleted.deleted) == (made.id, "conversation.deleted", True)
    with pytest.raises(NotFoundError, match=f"Conversation '{made.id}' not found"):
        client.call(ConversationRetrieve(conversation_id=made.id))


def test_a_malformed_id_is_a_bad_request(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError):
        client.call(ConversationRetrieve(conversation_id="not-a-conversation"))


def test_items_create_retrieve_and_delete(client: LlamaStackClient, conversation: Conversation) -> None:
    created = client.call(ConversationItemCreate(conversation_id=conversation.id,
                                                 items=[user("alpha"), user("beta")]))

    assert created.object == "list" and not created.has_more
    alpha, beta = created.data
    assert isinstance(alpha, OpenAIResponseMessage) and isinstance(beta, OpenAIResponseMessage)
    assert (alpha.content, beta.content) == ("alpha", "beta")
    assert alpha.id is not None and alpha.id.startswith("msg_") and alpha.id != beta.id
    assert (created.first_id, created.last_id) == (alpha.id, beta.id)

    assert client.call(ConversationItemRetrieve(conversation_id=conversation.id, item_id=alpha.id)) == alpha

    deleted = client.call(ConversationItemDelete(conversation_id=conversation.id, item_id=alpha.id))
    assert (deleted.id, deleted.object, deleted.deleted) == (alpha.id, "conversation.item.deleted", True)
    remaining = client.call(ConversationItemList(conversation_id=conversation.id)).data
    assert remaining == [beta]
    with pytest.raises(NotFoundError, match=f"Conversation item '{alpha.id}' not found"):
        client.call(ConversationItemRetrieve(conversation_id=conversation.id, item_id=alpha.id))


def test_items_list_and_paginate(client: LlamaStackClient, conversation: Conversation) -> None:
    created = client.call(ConversationItemCreate(conversation_id=conversation.id,
                                                 items=[user(f"item {n}") for n in range(5)]))

    everything = client.call(ConversationItemList(conversation_id=conversation.id, order="asc"))
    assert {item.id for item in everything.data} == {item.id for item in created.data}
    assert not everything.has_more

    page = client.call(ConversationItemList(conversation_id=conversation.id, order="asc", limit=2))
    assert len(page.data) == 2 and (page.first_id, page.last_id) == (page.data[0].id, page.data[1].id)

    paged = list(client.paginate(ConversationItemList(conversation_id=conversation.id, order="asc")))
    assert paged == everything.data


def test_the_0_7_3_server_does_not_page_items(client: LlamaStackClient, conversation: Conversation) -> None:
    # Observed on 0.7.3 (llama_stack/core/conversations/conversations.py): has_more is always
    # false and `after` is ignored, so a list is one page of at most `limit` items.
    client.call(ConversationItemCreate(conversation_id=conversation.id,
                                       items=[user(f"item {n}") for n in range(3)]))

    first = client.call(ConversationItemList(conversation_id=conversation.id, limit=2))
    again = client.call(ConversationItemList(conversation_id=conversation.id, limit=2, after=first.last_id))

    assert len(first.data) == 2 and first.has_more is False
    assert again.data == first.data
    assert len(list(client.paginate(ConversationItemList(conversation_id=conversation.id, limit=2)))) == 2
