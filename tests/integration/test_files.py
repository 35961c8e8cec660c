"""Files against the real 0.7.3 server: upload (bytes, path, open file), list, paginate,
retrieve, content and delete."""

from __future__ import annotations

import itertools
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from llamastack import LlamaStackClient, NotFoundError
from llamastack.endpoints import FileContentRetrieve, FileCreate, FileDelete, FileList, FileRetrieve
from llamastack.executor import CallNext, PreparedRequest, Response
from llamastack.models import OpenAIFileObject
from tests.integration.support import start_of_a_new_second


def upload(client: LlamaStackClient, name: str, content: bytes) -> OpenAIFileObject:
    return client.call(FileCreate(file=(name, content), purpose="assistants"))


def test_upload_bytes_then_retrieve_content_and_delete(client: LlamaStackClient) -> None:
    content = b"Paris is the capital of France.\n"
    made = client.call(FileCreate(file=("capitals.txt", content), purpose="assistants"))

    assert made.id.startswith("file-") and made.object == "file"
    assert (made.filename, made.bytes, made.purpose) == ("capitals.txt", len(content), "assistants")
    assert made.expires_at is not None and made.expires_at > made.created_at

    assert client.call(FileRetrieve(file_id=made.id)) == made
    assert client.call(FileContentRetrieve(file_id=made.id)) == content

    deleted = client.call(FileDelete(file_id=made.id))
    assert (deleted.id, deleted.object, deleted.deleted) == (made.id, "file", True)
    with pytest.raises(NotFoundError):
        client.call(FileRetrieve(file_id=made.id))
    with pytest.raises(NotFoundError):
        client.call(FileContentRetrieve(file_id=made.id))


def test_upload_a_path_and_an_open_file(client: LlamaStackClient, tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_bytes(b"# Notes\n\nBerlin is the capital of Germany.\n")

    from_path = client.call(FileCreate(file=path, purpose="assistants"))
    with path.open("rb") as handle:
        from_handle = client.call(FileCreate(file=handle, purpose="batch"))

    assert (from_path.filename, from_path.bytes) == ("notes.md", path.stat().st_size)
    assert (from_handle.filename, from_handle.bytes, from_handle.purpose) == (
        "notes.md", path.stat().st_size, "batch")
    assert from_path.id != from_handle.id
    for made in (from_path, from_handle):
        assert client.call(FileContentRetrieve(file_id=made.id)) == path.read_bytes()
        client.call(FileDelete(file_id=made.id))


def test_binary_content_round_trips(client: LlamaStackClient) -> None:
    content = bytes(range(256)) * 4
    made = client.call(FileCreate(file=("blob.bin", content, "application/octet-stream"), purpose="batch"))

    assert made.bytes == 1024
    assert client.call(FileContentRetrieve(file_id=made.id)) == content
    client.call(FileDelete(file_id=made.id))


def test_list_filters_by_purpose(client: LlamaStackClient) -> None:
    batch = client.call(FileCreate(file=("input.jsonl", b"{}\n"), purpose="batch"))
    assistants = upload(client, "doc.txt", b"words")

    batch_ids = {f.id for f in client.paginate(FileList(purpose="batch"))}
    listed = client.call(FileList(order="desc", limit=100))

    assert batch.id in batch_ids and assistants.id not in batch_ids
    assert {batch.id, assistants.id} <= {f.id for f in listed.data}
    assert listed.object == "list" and listed.first_id == listed.data[0].id
    assert all(f.purpose == "batch" for f in client.paginate(FileList(purpose="batch")))
    for made in (batch, assistants):
        client.call(FileDelete(file_id=made.id))


def test_paginate_walks_several_pages(server_07: str) -> None:
    requests_sent: list[str] = []

    def count(request: PreparedRequest, call_next: CallNext) -> Response:
        requests_sent.append(request.path_url)
        return call_next(request)

    with LlamaStackClient(base_url=server_07, timeout=30.0, middleware=[count]) as client:
        groups: list[set[str]] = []
        for n in range(3):  # each pair in a second of its own: see start_of_a_new_second
            start_of_a_new_second()
            groups.append({upload(client, f"page-{n}-{k}.txt", b"x" * (n + 1)).id for k in range(2)})
        requests_sent.clear()

        newest = list(itertools.islice(client.paginate(FileList(order="desc", limit=2)), 6))

        assert [set(f.id for f in newest[i:i + 2]) for i in (0, 2, 4)] == groups[::-1]
        assert len(requests_sent) == 3  # pages are fetched lazily: three pages of two
        cursors = [parse_qs(urlsplit(url).query).get("after") for url in requests_sent]
        assert cursors == [None, [newest[1].id], [newest[3].id]]
        for made in newest:
            client.call(FileDelete(file_id=made.id))
        remaining = {f.id for f in client.paginate(FileList(limit=50))}
        assert remaining.isdisjoint(f.id for f in newest)
