"""Fixtures of the engine tests: a strict HTTP mock, a client that never really sleeps, and an
environment cleared of every variable the client reads."""

from __future__ import annotations

import io
import itertools
import os
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
import responses
from hypothesis import settings

from llamastack import LlamaStackClient, RetryPolicy
from tests.unit.specs_for_tests import BASE

# Property tests (tests/unit/test_decoding_equivalence.py) run as many examples as the loaded
# profile says: "ci" keeps the unit suite well under a minute; HYPOTHESIS_PROFILE=deep runs
# 40 times as many (several minutes), for a change to the decoders or the generator.
# (pytest --hypothesis-profile=deep works too.)
settings.register_profile("ci", max_examples=50, deadline=None)
settings.register_profile("deep", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

CLIENT_ENV = (
    "LLAMA_STACK_BASE_URL",
    "LLAMA_STACK_CLIENT_BASE_URL",
    "LLAMA_STACK_API_KEY",
    "LLAMA_STACK_CLIENT_API_KEY",
    "LLAMA_STACK_LOG",
    "DEBUG",
    "LLAMA_STACK_SERVER_LINE",
)

MakeClient = Callable[..., LlamaStackClient]


def send_kwargs(mock: responses.RequestsMock) -> list[dict[str, Any]]:
    """The keyword arguments of each send (timeout, proxies, stream, ...), in order."""
    return [getattr(call.request, "req_kwargs") for call in mock.calls]  # noqa: B009 - set by responses


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests reach 127.0.0.1 at most: resolving any other host fails loudly."""
    resolve = socket.getaddrinfo

    def local_only(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in ("127.0.0.1", "localhost", b"127.0.0.1", b"localhost"):
            raise socket.gaierror(f"unit tests must not reach the network (tried {host!r})")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in CLIENT_ENV:
        monkeypatch.delenv(name, raising=False)
    # The mocks and scripted servers answer in the newest line's shapes and routes: clients
    # are pinned to it, so no test depends on line discovery but the tests of discovery itself
    # (tests/unit/test_server_lines.py), which clear this.
    monkeypatch.setenv("LLAMA_STACK_SERVER_LINE", "0.7")


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    """Strict: every registered response must be requested, every request must match."""
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the retry loop asked for, in order (nothing really sleeps)."""
    return []


@pytest.fixture
def policy(sleeps: list[float]) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, jitter=lambda: 0.0)


@pytest.fixture
def make_client(policy: RetryPolicy, mock: responses.RequestsMock) -> Iterator[MakeClient]:
    """Clients on BASE with the recording retry policy; all closed after the test. The mock
    is always active with them, so no test can reach the network by accident."""
    made: list[LlamaStackClient] = []

    def make(base_url: str | None = BASE, **kwargs: Any) -> LlamaStackClient:
        kwargs.setdefault("retry_policy", policy)
        client = LlamaStackClient(base_url, **kwargs)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> LlamaStackClient:
    return make_client()


class ChunkedBody(io.RawIOBase):
    """A response body delivered in pieces of given sizes, optionally failing after them.

    Wrapped in ``io.BufferedReader`` and handed to ``responses`` as the body, it behaves like
    a socket: each ``read1`` returns at most one piece. After ``sizes`` run out, each read
    returns whatever is asked for.
    """

    def __init__(self, data: bytes, sizes: Iterable[int] = (), fail_after: int | None = None,
                 error: BaseException | None = None) -> None:
        super().__init__()
        self._data = data
        self._pos = 0
        self._sizes = iter(sizes)
        self._fail_after = fail_after
        self._error = error
        self.reads = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self.reads += 1
        if self._fail_after is not None and self._pos >= self._fail_after:
            assert self._error is not None
            raise self._error
        end = len(self._data) if self._fail_after is None else min(len(self._data),
                                                                   self._fail_after)
        size = min(len(buffer), next(self._sizes, len(buffer)))
        piece = self._data[self._pos:min(self._pos + size, end)]
        buffer[:len(piece)] = piece
        self._pos += len(piece)
        return len(piece)


class PieceReader(io.BufferedReader):
    """``read(n)`` returns one piece, as a socket does (urllib3 1.x reads with ``read``, 2.x
    with ``read1``); a plain BufferedReader would wait for ``n`` bytes."""

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return super().read(size)
        return self.read1(size)


def chunked(data: bytes, *, sizes: Iterable[int] = (), piece: int | None = None,
            fail_after: int | None = None, error: BaseException | None = None
            ) -> tuple[io.BufferedReader, ChunkedBody]:
    """A body for ``responses`` (the reader) and the raw stream to inspect afterwards
    (``.closed`` tells whether the client closed the connection)."""
    if piece is not None:
        sizes = itertools.repeat(piece)
    raw = ChunkedBody(data, sizes, fail_after, error)
    return PieceReader(raw, buffer_size=8), raw
