"""Batches on the real 0.7 server (``inline::reference``): an uploaded JSONL file of chat
completion requests, run against the fake backend."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from llamastack import BadRequestError, ConflictError, LlamaStackClient, NotFoundError
from llamastack.endpoints import (
    BatchCancel,
    BatchCreate,
    BatchList,
    BatchRetrieve,
    FileContentRetrieve,
    FileCreate,
)
from llamastack.models import Batch, BatchError, BatchRequestCounts
from tests.integration.conftest import MODEL

FINAL = ("completed", "failed", "cancelled", "expired")


def request_line(custom_id: str, text: str) -> str:
    return json.dumps({"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
                       "body": {"model": MODEL, "messages": [{"role": "user", "content": text}]}})


def upload(client: LlamaStackClient, lines: list[str]) -> str:
    content = ("\n".join(lines) + "\n").encode()
    uploaded = client.call(FileCreate(file=("requests.jsonl", content), purpose="batch"))
    assert uploaded.bytes == len(content)
    return uploaded.id


def wait_for(client: LlamaStackClient, batch_id: str, done: Callable[[Batch], bool]) -> Batch:
    deadline = time.monotonic() + 20
    while True:
        batch = client.call(BatchRetrieve(batch_id=batch_id))
        if done(batch):
            return batch
        assert time.monotonic() < deadline, f"batch still {batch.status}: {batch}"
        time.sleep(0.05)


def create(client: LlamaStackClient, file_id: str, **extra: Any) -> Batch:
    return client.call(BatchCreate(input_file_id=file_id, endpoint="/v1/chat/completions",
                                   completion_window="24h", **extra))


def test_create_run_and_read_the_output(client: LlamaStackClient) -> None:
    file_id = upload(client, [request_line("r0", "hello zero"), request_line("r1", "error-trigger")])
    batch = create(client, file_id, metadata={"suite": "it"})
    assert batch.id.startswith("batch_")
    assert (batch.status, batch.endpoint, batch.input_file_id, batch.completion_window,
            batch.metadata) == ("validating", "/v1/chat/completions", file_id, "24h", {"suite": "it"})

    done = wait_for(client, batch.id, lambda b: b.status in FINAL)
    assert done.status == "completed"
    assert done.request_counts == BatchRequestCounts(completed=1, failed=1, total=2)
    assert done.completed_at is not None and done.completed_at >= done.created_at
    assert done.output_file_id is not None and done.error_file_id is not None

    [output] = client.call(FileContentRetrieve(file_id=done.output_file_id)).splitlines()
    result = json.loads(output)
    assert result["custom_id"] == "r0" and result["response"]["status_code"] == 200
    answer = json.loads(result["response"]["body"])
    assert answer["choices"][0]["message"]["content"] == "Echo: hello zero"
    [error] = client.call(FileContentRetrieve(file_id=done.error_file_id)).splitlines()
    assert json.loads(error)["custom_id"] == "r1"
    assert json.loads(error)["error"] == {"type": "request_failed",
                                          "message": "Error code: 500 - fake backend error"}


def test_an_unknown_input_file_fails_the_batch(client: LlamaStackClient) -> None:
    batch = create(client, "file-it-missing")
    failed = wait_for(client, batch.id, lambda b: b.status in FINAL)
    assert failed.status == "failed" and failed.failed_at is not None
    assert failed.errors is not None
    assert failed.errors.data == [BatchError(code="invalid_request", line=None,
                                             message="Cannot find file file-it-missing.",
                                             param="input_file_id")]


def test_cancel_a_running_batch(client: LlamaStackClient) -> None:
    file_id = upload(client, [request_line(f"r{i}", f"hello {i}") for i in range(50)])
    batch = create(client, file_id)
    cancelling = client.call(BatchCancel(batch_id=batch.id))
    assert cancelling.id == batch.id
    assert cancelling.status in ("cancelling", "cancelled")
    assert cancelling.cancelling_at is not None
    cancelled = wait_for(client, batch.id, lambda b: b.status == "cancelled")
    assert cancelled.cancelled_at is not None
    # Cancelling again gives the batch back unchanged.
    assert client.call(BatchCancel(batch_id=batch.id)).status == "cancelled"


def test_cancelling_a_completed_batch_is_a_409(client: LlamaStackClient) -> None:
    batch = create(client, upload(client, [request_line("r0", "hi")]))
    wait_for(client, batch.id, lambda b: b.status == "completed")
    with pytest.raises(ConflictError) as info:
        client.call(BatchCancel(batch_id=batch.id), max_retries=0)  # 409 is retryable
    assert info.value.message == f"Cannot cancel batch '{batch.id}' with status 'completed'"


def test_the_idempotency_key_returns_the_same_batch(client: LlamaStackClient) -> None:
    file_id = upload(client, [request_line("r0", "hi")])
    key = f"it-{uuid.uuid4().hex}"
    first = create(client, file_id, idempotency_key=key)
    again = create(client, file_id, idempotency_key=key)
    assert again.id == first.id


def test_list_and_paginate(server_07: str, client: LlamaStackClient) -> None:
    file_id = upload(client, [request_line("r0", "hi")])
    ids = [create(client, file_id).id for _ in range(3)]
    page = client.call(BatchList(limit=2))
    assert page.object == "list" and len(page.data) == 2 and page.has_more is True
    assert (page.first_id, page.last_id) == (page.data[0].id, page.data[1].id)

    urls: list[str] = []

    def record(request: requests.PreparedRequest, call_next: Any) -> requests.Response:
        urls.append(request.url or "")
        response: requests.Response = call_next(request)
        return response

    with LlamaStackClient(base_url=server_07, middleware=[record], timeout=30.0) as paging:
        walked = [batch.id for batch in paging.paginate(BatchList(limit=1))]
    assert set(ids) <= set(walked)
    assert len(walked) == len(set(walked))  # every batch once
    pages = [url for url in urls if "/v1/batches" in url]  # (the client also asks the version)
    assert len(pages) == len(walked)  # one per page of 1; the last says has_more false
    assert pages[1].endswith(f"?after={walked[0]}&limit=1")


def test_unknown_batch_and_bad_endpoint(client: LlamaStackClient) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.call(BatchRetrieve(batch_id="batch_it_missing"))
    assert missing.value.message == ("Batch 'batch_it_missing' not found. Use "
                                     "'client.batches.list()' to list available batches.")
    with pytest.raises(BadRequestError) as bad:
        client.call(BatchCreate(input_file_id="file-x", endpoint="/v1/nope", completion_window="24h"))
    assert bad.value.message == (
        "Invalid endpoint: /v1/nope. Supported values: /v1/chat/completions, /v1/completions, "
        "/v1/embeddings. Code: invalid_value. Param: endpoint")
