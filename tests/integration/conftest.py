"""Fixtures for the integration suite: real llama-stack servers on 127.0.0.1.

The servers (0.7.3 and 0.2.24, plus the fake inference backend) are installed if needed,
started once per test session, and stopped at its end. Every test under tests/integration
gets the ``integration`` marker. A server that cannot be installed or started makes the
tests that need it fail with the server's log; nothing is skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llamastack import LlamaStackClient
from tests.integration.servers import manage

MODEL_07 = "fake-openai/fake-llm"
EMBEDDING_MODEL_07 = "fake-openai/fake-embed"
MODEL_02 = "fake-vllm/fake-llm"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[manage.State]:
    with manage.running_servers("all", tmp_path_factory.mktemp("llama-stack")) as state:
        yield state


@pytest.fixture(scope="session")
def server_07(servers: manage.State) -> str:
    """Base URL of the real 0.7.3 server."""
    return servers["servers"]["0.7"]["base_url"]


@pytest.fixture(scope="session")
def server_02(servers: manage.State) -> str:
    """Base URL of the real 0.2.24 server (the Agents API)."""
    return servers["servers"]["0.2"]["base_url"]


@pytest.fixture
def client(server_07: str) -> Iterator[LlamaStackClient]:
    """A client of the 0.7 server, with a short timeout so a hang fails fast."""
    with LlamaStackClient(base_url=server_07, timeout=30.0) as c:
        yield c


@pytest.fixture
def client_02(server_02: str) -> Iterator[LlamaStackClient]:
    with LlamaStackClient(base_url=server_02, timeout=30.0) as c:
        yield c
