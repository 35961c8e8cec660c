"""A failed connection says what happened in plain words, whatever requests and urllib3 wrapped.

Before: every failure read ``connection failed sending the request: HTTPConnectionPool(host=...,
port=...): Max retries exceeded with url: ... (Caused by NewConnectionError(...))``, even with
retries off (the adapter's own retries are always 0; the client's are counted in retry.py).
Each case here is a real failure on 127.0.0.1 (or a socket call patched to fail as the network
would, so no lookup or packet leaves the machine); the original exception stays ``__cause__``.
"""

from __future__ import annotations

import errno
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from llamastack import APIConnectionError, APIConnectionTimeoutError, LlamaStackClient, RetryPolicy
from tests.reliability.faultserver import FaultServer, free_port, raw, sse_response
from tests.reliability.specs import ThingRetrieve, ThingStream

URLLIB3_WORDING = ("Max retries exceeded", "HTTPConnectionPool", "Caused by", "NewConnectionError")


def failure(base_url: str, *, stream: bool = False, timeout: float = 5.0) -> APIConnectionError:
    """The error of one attempt (no retries) at ThingRetrieve, or at reading ThingStream."""
    with LlamaStackClient(base_url=base_url, max_retries=0, timeout=timeout,
                          retry_policy=RetryPolicy(sleep=lambda _: None)) as client, \
            pytest.raises(APIConnectionError) as caught:
        if stream:
            list(client.stream(ThingStream(name="p")))
        else:
            client.call(ThingRetrieve(thing_id="t1"))
    error = caught.value
    assert error.__cause__ is not None  # the transport's own exception, for tracebacks
    for words in URLLIB3_WORDING:
        assert words not in str(error)
    return error


def message(error: APIConnectionError) -> str:
    return error.message


@pytest.fixture
def port() -> int:
    return free_port()


def test_a_refused_connection_says_refused_by_host_and_port(port: int) -> None:
    error = failure(f"http://127.0.0.1:{port}")
    assert message(error) == f"connection refused by 127.0.0.1:{port} (is a server listening there?)"
    assert str(error) == f"ThingRetrieve GET http://127.0.0.1:{port}/v1/things/t1: {message(error)}"
    assert not isinstance(error, APIConnectionTimeoutError)
    assert isinstance(error.__cause__, requests.exceptions.ConnectionError)


def test_a_host_that_does_not_resolve_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_such_host(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    error = failure("http://llama.invalid:8321")
    assert message(error) == "could not resolve host 'llama.invalid' (Name or service not known)"
    assert not isinstance(error, APIConnectionTimeoutError)


@pytest.fixture
def connect_fails(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[BaseException]]:
    """Every socket connect raises the error the test puts in the list."""
    raised: list[BaseException] = []

    def connect(self: socket.socket, address: Any) -> None:
        raise raised[0]

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield raised


def test_an_unreachable_network_names_the_host_and_the_reason(
        connect_fails: list[BaseException]) -> None:
    connect_fails.append(OSError(errno.ENETUNREACH, "Network is unreachable"))
    error = failure("http://127.0.0.1:8321")
    assert message(error) == "could not connect to 127.0.0.1:8321: Network is unreachable"
    assert not isinstance(error, APIConnectionTimeoutError)


def test_a_connect_timeout_is_a_timeout_connecting(connect_fails: list[BaseException]) -> None:
    connect_fails.append(TimeoutError("timed out"))
    error = failure("http://127.0.0.1:8321")
    assert isinstance(error, APIConnectionTimeoutError)
    assert message(error) == "timed out connecting to 127.0.0.1:8321"


def test_a_silent_server_is_a_timeout_waiting_for_the_answer(server: FaultServer) -> None:
    server.script(raw(b"", then="stall"))
    error = failure(server.url, timeout=0.2)
    assert isinstance(error, APIConnectionTimeoutError)
    assert message(error) == f"timed out waiting for the answer from 127.0.0.1:{server.port}"


def test_a_connection_closed_before_the_answer_says_so(server: FaultServer) -> None:
    server.script(raw(b"", then="close"))
    error = failure(server.url)
    assert message(error) == f"127.0.0.1:{server.port} closed the connection without answering"


def test_a_reset_says_whether_the_answer_had_begun(server: FaultServer) -> None:
    server.script(raw(b"", then="reset"))
    before = failure(server.url)
    assert message(before) == f"connection reset by 127.0.0.1:{server.port} before answering"
    server.script(raw(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100\r\n\r\n{", then="reset"))
    during = failure(server.url)
    assert message(during) == f"connection reset by 127.0.0.1:{server.port} while reading the answer"


def test_a_body_cut_short_says_how_much_arrived(server: FaultServer) -> None:
    server.script(raw(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 100\r\n\r\n{\"id\": ", then="close"))
    error = failure(server.url)
    assert message(error) == (f"the answer from 127.0.0.1:{server.port} was cut short: "
                              "7 bytes read, 93 more expected")


def test_a_stream_reset_says_it_happened_while_reading_the_stream(server: FaultServer) -> None:
    server.script(sse_response([b'data: {"index": 0, "delta": "a"}\n\n'], end="reset"))
    error = failure(server.url, stream=True)
    assert message(error) == f"connection reset by 127.0.0.1:{server.port} while reading the stream"


def test_an_answer_that_is_not_http_says_so(server: FaultServer) -> None:
    server.script(raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n", then="close"))
    error = failure(server.url)
    assert message(error) == (f"127.0.0.1:{server.port} answered with something that is not "
                              "HTTP: SSH-2.0-OpenSSH_9.6")


@pytest.fixture
def plain_http_listener() -> Iterator[int]:
    """A port that answers every connection at once with plain HTTP (no TLS), then closes."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    listener.close()
    thread.join(5)


def test_tls_with_a_server_that_does_not_speak_it_says_tls_failed(plain_http_listener: int) -> None:
    error = failure(f"https://127.0.0.1:{plain_http_listener}")
    assert message(error).startswith(f"TLS with 127.0.0.1:{plain_http_listener} failed: ")
    assert "_ssl.c" not in message(error) and "[SSL" not in message(error)
