"""The real servers themselves, over raw HTTP (urllib, no llamastack): every line is up, reports
its exact version, and exposes the same model ids, so cross-line tests can share one set of ids."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import EMBEDDING_MODEL, LINES, MODEL, LineServer
from tests.integration.servers import manage
from tests.integration.servers.httpkit import http


def get_json(url: str) -> Any:
    reply = http("GET", url, timeout=30)  # no proxy: the servers are on 127.0.0.1
    assert reply.status == 200, (url, reply.status)
    return reply.json


def model_ids(base_url: str, line: str) -> list[str]:
    """The model ids a line lists; 0.2/0.3 answer Llama Stack ``Model``s (``identifier``) at
    /v1/models, 0.4+ OpenAI models (``id``)."""
    data = get_json(f"{base_url}/v1/models")["data"]
    key = "identifier" if line in ("0.2", "0.3") else "id"
    return sorted(str(model[key]) for model in data)


def test_every_line_is_started(servers: manage.State) -> None:
    assert servers["failed"] == {}
    assert sorted(servers["servers"]) == sorted(LINES) == ["0.2", "0.3", "0.4", "0.5", "0.6", "0.7"]


def test_each_line_is_healthy(line_server: LineServer) -> None:
    assert get_json(f"{line_server.base_url}/v1/health") == {"status": "OK"}


def test_each_line_reports_its_exact_version(line_server: LineServer) -> None:
    expected = {"0.7": "0.7.3", "0.6": "0.6.1", "0.5": "0.5.4", "0.4": "0.4.7", "0.3": "0.3.5",
                "0.2": "0.2.24"}
    assert get_json(f"{line_server.base_url}/v1/version") == {"version": expected[line_server.line]}


def test_each_line_lists_exactly_the_shared_model_ids(line_server: LineServer) -> None:
    assert model_ids(line_server.base_url, line_server.line) == sorted([MODEL, EMBEDDING_MODEL])


def test_the_model_ids_are_the_same_on_every_line(servers: manage.State) -> None:
    ids = {line: model_ids(info["base_url"], line) for line, info in servers["servers"].items()}
    assert len(ids) == len(LINES)
    assert {tuple(v) for v in ids.values()} == {tuple(sorted([MODEL, EMBEDDING_MODEL]))}, ids


@pytest.mark.parametrize("model", [MODEL, EMBEDDING_MODEL])
def test_each_line_retrieves_each_model_by_its_shared_id(line_server: LineServer, model: str) -> None:
    body = get_json(f"{line_server.base_url}/v1/models/{model}")
    assert body["identifier"] == model  # GET /v1/models/{id} is a Llama Stack Model on every line
