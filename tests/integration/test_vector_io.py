"""Vector IO (insert and query embedded chunks) against the real 0.7.3 server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llamastack import BadRequestError, LlamaStackClient
from llamastack.endpoints import (
    EmbeddingCreate,
    VectorIOInsert,
    VectorIOQuery,
    VectorStoreCreate,
    VectorStoreDelete,
)
from llamastack.models import ChunkMetadata, EmbeddedChunk, TextContentItem
from tests.integration.conftest import EMBEDDING_MODEL
from tests.integration.servers import fake_openai

SENTENCES = {
    "rome": "Rome is the capital of Italy",
    "madrid": "Madrid is the capital of Spain",
    "tokyo": "Tokyo is a very large city",
}


def chunk(client: LlamaStackClient, chunk_id: str, text: str) -> EmbeddedChunk:
    [data] = client.call(EmbeddingCreate(model=EMBEDDING_MODEL, input=text)).data
    assert isinstance(data.embedding, list)
    return EmbeddedChunk(
        content=text, chunk_id=chunk_id, metadata={"document_id": f"doc-{chunk_id}", "city": chunk_id},
        chunk_metadata=ChunkMetadata(chunk_id=chunk_id, document_id=f"doc-{chunk_id}", source="tests"),
        embedding=data.embedding, embedding_model=EMBEDDING_MODEL, embedding_dimension=16)


@pytest.fixture
def store_id(client: LlamaStackClient) -> Iterator[str]:
    store = client.call(VectorStoreCreate(name="vector io"))
    yield store.id
    client.call(VectorStoreDelete(vector_store_id=store.id))


def test_insert_then_query_ranks_by_shared_words(client: LlamaStackClient, store_id: str) -> None:
    chunks = [chunk(client, key, text) for key, text in SENTENCES.items()]

    assert client.call(VectorIOInsert(vector_store_id=store_id, chunks=chunks)) is None

    result = client.call(VectorIOQuery(vector_store_id=store_id, query="capital of Italy"))
    assert result.chunks[0].chunk_id == "rome"
    assert len(result.scores) == len(result.chunks) and result.scores == sorted(result.scores, reverse=True)
    best = result.chunks[0]
    assert best.content == SENTENCES["rome"]
    assert best.metadata == {"document_id": "doc-rome", "city": "rome"}
    assert best.chunk_metadata.document_id == "doc-rome" and best.chunk_metadata.source == "tests"
    assert best.embedding == fake_openai.embed(SENTENCES["rome"])
    assert (best.embedding_model, best.embedding_dimension) == (EMBEDDING_MODEL, 16)


def test_query_params_limit_the_chunks(client: LlamaStackClient, store_id: str) -> None:
    client.call(VectorIOInsert(vector_store_id=store_id,
                               chunks=[chunk(client, key, text) for key, text in SENTENCES.items()]))

    result = client.call(VectorIOQuery(vector_store_id=store_id, query="capital of Spain",
                                       params={"max_chunks": 1}))

    assert [c.chunk_id for c in result.chunks] == ["madrid"] and len(result.scores) == 1


def test_query_with_a_content_item(client: LlamaStackClient, store_id: str) -> None:
    client.call(VectorIOInsert(vector_store_id=store_id, chunks=[chunk(client, "tokyo", SENTENCES["tokyo"])]))

    result = client.call(VectorIOQuery(vector_store_id=store_id, query=TextContentItem(text="large city")))

    assert [c.chunk_id for c in result.chunks] == ["tokyo"]


def test_a_chunk_without_chunk_metadata_is_refused(client: LlamaStackClient, store_id: str) -> None:
    bare = {"content": "no metadata", "chunk_id": "bare", "embedding": fake_openai.embed("no metadata"),
            "embedding_model": EMBEDDING_MODEL, "embedding_dimension": 16}

    with pytest.raises(BadRequestError, match="chunk_metadata"):
        client.call(VectorIOInsert(vector_store_id=store_id, chunks=[bare]))
