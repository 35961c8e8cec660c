"""Fixtures: a scripted fault server on 127.0.0.1, a second one standing in for another host,
and a retry policy that records its waits instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from llamastack import RetryPolicy
from tests.reliability.faultserver import FaultServer

# Everything the client reads from the environment; cleared so the machine running the tests
# cannot change what they see (LLAMA_STACK_LOG would add a stderr handler, for one).
CLIENT_ENV = ("LLAMA_STACK_BASE_URL", "LLAMA_STACK_CLIENT_BASE_URL", "LLAMA_STACK_API_KEY",
              "LLAMA_STACK_CLIENT_API_KEY", "LLAMA_STACK_LOG", "DEBUG",
              "LLAMA_STACK_SERVER_LINE")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CLIENT_ENV:
        monkeypatch.delenv(name, raising=False)
    # The mocks and scripted servers answer in the newest line's shapes and routes: clients
    # are pinned to it, so no test depends on line discovery but the tests of discovery itself
    # (tests/unit/test_server_lines.py), which clear this.
    monkeypatch.setenv("LLAMA_STACK_SERVER_LINE", "0.7")


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer("127.0.0.1") as fault_server:
        yield fault_server


@pytest.fixture
def other_host() -> Iterator[FaultServer]:
    """Another host: 127.0.0.2 (all of 127.0.0.0/8 is loopback on Linux)."""
    try:
        listener = FaultServer("127.0.0.2")
    except OSError:  # pragma: no cover - systems where only 127.0.0.1 is configured
        listener = FaultServer("127.0.0.1")
    with listener:
        yield listener


class SleepRecorder:
    """Stands in for time.sleep: records each requested wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def policy(sleeps: SleepRecorder) -> RetryPolicy:
    """No jitter (backoff is exactly 0.5, 1, 2 ... s) and no real sleeping."""
    return RetryPolicy(sleep=sleeps, jitter=lambda: 0.0)
