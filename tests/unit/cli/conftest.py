"""Fixtures of the command line tests: a fixed help width and the tiny server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.unit.cli.support import MockServer


@pytest.fixture(autouse=True)
def wide_help(monkeypatch: pytest.MonkeyPatch) -> None:
    """argparse wraps help to $COLUMNS; a fixed width keeps the assertions about lines stable."""
    monkeypatch.setenv("COLUMNS", "160")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[MockServer]:
    mock = MockServer()
    mock.thread.start()
    monkeypatch.setenv("LLAMA_STACK_BASE_URL", mock.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield mock
    mock.httpd.shutdown()
    mock.httpd.server_close()
