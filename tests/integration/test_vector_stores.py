"""Vector stores, their files, file batches and search against the real 0.7.3 server.

Embeddings come from the fake backend's bag of words, so a query ranks the chunk that shares
its words first (tests/integration/servers/README.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from llamastack import BadRequestError, LlamaStackClient
from llamastack.endpoints import (
    FileCreate,
    FileDelete,
    VectorStoreCreate,
    VectorStoreDelete,
    VectorStoreFileBatchCancel,
    VectorStoreFileBatchCreate,
    VectorStoreFileBatchFileList,
    VectorStoreFileBatchRetrieve,
    VectorStoreFileContentRetrieve,
    VectorStoreFileCreate,
    VectorStoreFileDelete,
    VectorStoreFileList,
    VectorStoreFileRetrieve,
    VectorStoreFileUpdate,
    VectorStoreList,
    VectorStoreRetrieve,
    VectorStoreSearch,
    VectorStoreUpdate,
)
from llamastack.models import VectorStoreChunkingStrategyStatic, VectorStoreObject
from tests.integration.conftest import EMBEDDING_MODEL
from tests.integration.support import eventually

FRANCE = b"Paris is the capital of France."
GERMANY = b"Berlin is the capital of Germany."
EMBEDDING = {"embedding_model": EMBEDDING_MODEL, "embedding_dimension": 16}


class Cleanup:
    """Deletes what a test made (stores first, then files), whatever the test did to them."""

    def __init__(self, client: LlamaStackClient) -> None:
        self.client = client
        self.stores: list[str] = []
        self.files: list[str] = []

    def file(self, name: str, content: bytes) -> str:
        made = self.client.call(FileCreate(file=(name, content), purpose="assistants"))
        self.files.append(made.id)
        return made.id

    def store(self, name: str, file_ids: list[str] | None = None,
              metadata: dict[str, Any] | None = None) -> VectorStoreObject:
        # The embedding model is a llama-stack extra of the OpenAI request body.
        made = self.client.call(VectorStoreCreate(name=name, file_ids=file_ids, metadata=metadata),
                                extra_body=EMBEDDING)
        self.stores.append(made.id)
        return made

    def run(self) -> None:
        for store_id in self.stores:
            with contextlib.suppress(BadRequestError):  # already deleted by the test
                self.client.call(VectorStoreDelete(vector_store_id=store_id))
        for file_id in self.files:
            self.client.call(FileDelete(file_id=file_id))


@pytest.fixture
def made(client: LlamaStackClient) -> Iterator[Cleanup]:
    cleanup = Cleanup(client)
    yield cleanup
    cleanup.run()


@pytest.fixture(scope="module")
def capitals(server_07: str) -> Iterator[tuple[str, str, str]]:
    """(store id, France file id, Germany file id): a store made from two files."""
    with LlamaStackClient(base_url=server_07, timeout=30.0) as client:
        cleanup = Cleanup(client)
        france, germany = cleanup.file("france.txt", FRANCE), cleanup.file("germany.txt", GERMANY)
        store = cleanup.store(name="capitals", file_ids=[france, germany])
        yield store.id, france, germany
        cleanup.run()


def test_create_with_the_embedding_model_and_files(client: LlamaStackClient, made: Cleanup) -> None:
    france = made.file("france.txt", FRANCE)

    store = made.store(name="docs", file_ids=[france], metadata={"team": "search"})

    assert store.id.startswith("vs_") and store.object == "vector_store"
    assert (store.name, store.status) == ("docs", "completed")
    assert (store.file_counts.completed, store.file_counts.total, store.file_counts.failed) == (1, 1, 0)
    assert store.metadata == {"team": "search", "provider_id": "faiss", "provider_vector_store_id": store.id,
                              "embedding_model": EMBEDDING_MODEL,
                              "embedding_dimension": "16"}  # a string on 0.7.3
    fetched = client.call(VectorStoreRetrieve(vector_store_id=store.id))
    assert (fetched.id, fetched.name, fetched.metadata, fetched.file_counts) == (
        store.id, "docs", store.metadata, store.file_counts)


def test_without_an_embedding_model_the_default_is_used(client: LlamaStackClient, made: Cleanup) -> None:
    store = client.call(VectorStoreCreate(name="default embedding"))
    made.stores.append(store.id)

    assert store.metadata is not None
    assert (store.metadata["embedding_model"], store.metadata["embedding_dimension"]) == (
        EMBEDDING_MODEL, "16")
    assert store.file_counts.total == 0


def test_update_name_and_metadata(client: LlamaStackClient, made: Cleanup) -> None:
    store = made.store(name="before")

    renamed = client.call(VectorStoreUpdate(vector_store_id=store.id, name="after"))
    assert (renamed.name, renamed.metadata) == ("after", store.metadata)

    # 0.7.3 replaces the whole metadata, its own provider and embedding keys included.
    updated = client.call(VectorStoreUpdate(vector_store_id=store.id, metadata={"team": "b"}))
    assert (updated.name, updated.metadata) == ("after", {"team": "b"})
    assert client.call(VectorStoreRetrieve(vector_store_id=store.id)).metadata == {"team": "b"}


def test_list_and_paginate(client: LlamaStackClient, made: Cleanup) -> None:
    ids = [made.store(name=f"listed {n}").id for n in range(3)]

    page = client.call(VectorStoreList(limit=2))
    assert page.object == "list" and len(page.data) == 2 and page.has_more
    assert (page.first_id, page.last_id) == (page.data[0].id, page.data[1].id)

    # This cursor is an id (an index into the sorted list), so every store shows up once.
    paged = [store.id for store in client.paginate(VectorStoreList(limit=1))]
    assert len(paged) == len(set(paged)) and set(ids) <= set(paged)
    first_hundred = [store.id for store in client.call(VectorStoreList(limit=100)).data]
    assert paged[:100] == first_hundred


def test_delete_then_retrieve_is_a_bad_request(client: LlamaStackClient, made: Cleanup) -> None:
    store = made.store(name="short lived")

    deleted = client.call(VectorStoreDelete(vector_store_id=store.id))

    assert (deleted.id, deleted.object, deleted.deleted) == (store.id, "vector_store.deleted", True)
    with pytest.raises(BadRequestError, match=store.id):  # not found is a 400 for vector stores
        client.call(VectorStoreRetrieve(vector_store_id=store.id))


def test_search_ranks_the_matching_file_first(client: LlamaStackClient,
                                              capitals: tuple[str, str, str]) -> None:
    store_id, france, germany = capitals

    page = client.call(VectorStoreSearch(vector_store_id=store_id, query="capital of France"))

    assert page.object == "vector_store.search_results.page"
    assert page.search_query == ["capital of France"] and page.has_more is False
    assert [hit.file_id for hit in page.data] == [france, germany]
    best = page.data[0]
    assert best.filename == "france.txt" and best.score > page.data[1].score
    assert [content.text for content in best.content] == [FRANCE.decode()]
    assert best.attributes is not None and best.attributes["file_id"] == france

    [only] = client.call(VectorStoreSearch(vector_store_id=store_id, query="Berlin Germany",
                                           max_num_results=1)).data
    assert only.file_id == germany


def test_files_attach_list_retrieve_content_update_delete(client: LlamaStackClient, made: Cleanup) -> None:
    store = made.store(name="files")
    file_id = made.file("germany.txt", GERMANY)

    attached = client.call(VectorStoreFileCreate(vector_store_id=store.id, file_id=file_id,
                                                 attributes={"lang": "en"}))
    assert (attached.id, attached.vector_store_id, attached.object) == (
        file_id, store.id, "vector_store.file")
    assert attached.attributes == {"lang": "en"}
    assert attached.status == "completed" and attached.last_error is None

    listed = client.call(VectorStoreFileList(vector_store_id=store.id, filter="completed"))
    assert [f.id for f in listed.data] == [file_id] and not listed.has_more
    fetched = client.call(VectorStoreFileRetrieve(vector_store_id=store.id, file_id=file_id))
    assert (fetched.id, fetched.status, fetched.attributes) == (file_id, "completed", {"lang": "en"})

    content = client.call(VectorStoreFileContentRetrieve(vector_store_id=store.id, file_id=file_id))
    assert content.object == "vector_store.file_content.page"
    assert [part.text for part in content.data] == [GERMANY.decode()]

    updated = client.call(VectorStoreFileUpdate(vector_store_id=store.id, file_id=file_id,
                                                attributes={"lang": "de", "year": 2024}))
    assert updated.attributes == {"lang": "de", "year": 2024}
    assert client.call(VectorStoreRetrieve(vector_store_id=store.id)).file_counts.completed == 1

    deleted = client.call(VectorStoreFileDelete(vector_store_id=store.id, file_id=file_id))
    assert (deleted.id, deleted.object, deleted.deleted) == (file_id, "vector_store.file.deleted", True)
    assert client.call(VectorStoreFileList(vector_store_id=store.id)).data == []


def test_files_with_a_static_chunking_strategy_paginate(client: LlamaStackClient, made: Cleanup) -> None:
    store = made.store(name="chunked")
    strategy = VectorStoreChunkingStrategyStatic.from_dict(
        {"static": {"max_chunk_size_tokens": 100, "chunk_overlap_tokens": 10}})
    ids = [made.file(f"f{n}.txt", f"file number {n}".encode()) for n in range(3)]
    for file_id in ids:
        attached = client.call(VectorStoreFileCreate(vector_store_id=store.id, file_id=file_id,
                                                     chunking_strategy=strategy))
        assert attached.chunking_strategy == strategy

    paged = [f.id for f in client.paginate(VectorStoreFileList(vector_store_id=store.id, limit=1))]

    assert sorted(paged) == sorted(ids)


def test_file_batch_create_retrieve_and_list_files(client: LlamaStackClient, made: Cleanup) -> None:
    store = made.store(name="batch")
    ids = [made.file(f"batch{n}.txt", f"batch file {n}".encode()) for n in range(2)]

    batch = client.call(VectorStoreFileBatchCreate(vector_store_id=store.id, file_ids=ids,
                                                   attributes={"source": "batch"}))
    assert batch.id.startswith("batch_") and batch.vector_store_id == store.id
    assert batch.object == "vector_store.file_batch" and batch.file_counts.total == 2

    done = eventually(lambda: client.call(VectorStoreFileBatchRetrieve(vector_store_id=store.id,
                                                                       batch_id=batch.id)),
                      lambda b: b.status != "in_progress")
    assert (done.id, done.status, done.file_counts.completed) == (batch.id, "completed", 2)

    files = client.call(VectorStoreFileBatchFileList(vector_store_id=store.id, batch_id=batch.id))
    assert sorted(f.id for f in files.data) == sorted(ids)
    assert {(f.status, f.vector_store_id) for f in files.data} == {("completed", store.id)}
    paged = client.paginate(VectorStoreFileBatchFileList(vector_store_id=store.id, batch_id=batch.id,
                                                         limit=1))
    assert sorted(f.id for f in paged) == sorted(ids)

    with pytest.raises(BadRequestError, match=f"Cannot cancel batch {batch.id} with status completed"):
        client.call(VectorStoreFileBatchCancel(vector_store_id=store.id, batch_id=batch.id))


def test_file_batch_cancel_while_in_progress(client: LlamaStackClient, made: Cleanup) -> None:
    store = made.store(name="cancelled batch")
    ids = [made.file(f"cancel{n}.txt", f"cancel file {n}".encode()) for n in range(3)]

    # Each file takes ~0.1 s to chunk and embed; the cancel arrives long before the third.
    batch = client.call(VectorStoreFileBatchCreate(vector_store_id=store.id, file_ids=ids))
    cancelled = client.call(VectorStoreFileBatchCancel(vector_store_id=store.id, batch_id=batch.id))

    assert (cancelled.id, cancelled.status) == (batch.id, "cancelled")
    fetched = client.call(VectorStoreFileBatchRetrieve(vector_store_id=store.id, batch_id=batch.id))
    assert fetched.status == "cancelled"
