"""Fixtures for the integration suite: real llama-stack servers of every line on 127.0.0.1.

The servers (0.7.3, 0.6.1, 0.5.4, 0.4.7, 0.3.5 and 0.2.24, plus the fake inference backend) are
installed if needed, started once per test session in parallel, and stopped at its end. Every
test under tests/integration gets the ``integration`` marker. A line that cannot be installed or
started makes the tests that need it fail with the server's log; the other lines stay usable,
and nothing is skipped.

The model ids are the same on every line, so cross-line tests use one set of constants.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import pytest

from llamastack import LlamaStackClient
from tests.integration.servers import manage

MODEL = manage.LLM  # "fake-openai/fake-llm" on every line
EMBEDDING_MODEL = manage.EMBED  # "fake-openai/fake-embed" on every line
LINES: tuple[str, ...] = manage.ALL_LINES  # newest first: "0.7", "0.6", ..., "0.2"


class LineServer(NamedTuple):
    """One running server of a line, as the cross-line fixture ``line_server`` yields it."""

    line: str  # "0.4"
    base_url: str  # "http://127.0.0.1:<port>" (no /v1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[manage.State]:
    """Every line, started once; a line that failed is in ``state["failed"]`` with its log."""
    with manage.running_servers("all", tmp_path_factory.mktemp("llama-stack"), keep_going=True) as state:
        yield state


def base_url_of(servers: manage.State, line: str) -> str:
    """Base URL of a line's server; fails the calling test (never skips) when it is not up."""
    if line in servers["failed"]:
        pytest.fail(f"llama-stack {manage.VERSIONS[line]} is not running: {servers['failed'][line]}")
    return servers["servers"][line]["base_url"]


@pytest.fixture(scope="session")
def server_07(servers: manage.State) -> str:
    """Base URL of the real 0.7.3 server."""
    return base_url_of(servers, "0.7")


@pytest.fixture(scope="session")
def server_03(servers: manage.State) -> str:
    """Base URL of the real 0.3.5 server (Agents API at /v1alpha/agents)."""
    return base_url_of(servers, "0.3")


@pytest.fixture(scope="session")
def server_02(servers: manage.State) -> str:
    """Base URL of the real 0.2.24 server (the Agents API at /v1/agents)."""
    return base_url_of(servers, "0.2")


@pytest.fixture(params=LINES, ids=list(LINES))
def line_server(request: pytest.FixtureRequest, servers: manage.State) -> LineServer:
    """Each line in turn, for tests that run the same code against every server line."""
    line: str = request.param
    return LineServer(line, base_url_of(servers, line))


@pytest.fixture
def client(server_07: str) -> Iterator[LlamaStackClient]:
    """A client of the 0.7 server, with a short timeout so a hang fails fast."""
    with LlamaStackClient(base_url=server_07, timeout=30.0) as c:
        yield c


@pytest.fixture
def client_02(server_02: str) -> Iterator[LlamaStackClient]:
    with LlamaStackClient(base_url=server_02, timeout=30.0) as c:
        yield c
