"""A programmable HTTP/1.1 server on loopback for fault tests (stdlib only; TLS optional).

Each test scripts what the server does for each request it receives, in order: answer
normally, send raw bytes, stall, cut the connection cleanly or with a TCP reset. The server
records every connection and request, so a test can assert how many attempts the client
made and what reached the wire (the raw request target and headers)::

    server.script(respond(503), respond(503), json_response({"id": "t1", "name": "n"}))
    client.call(ThingRetrieve(thing_id="t1"))
    assert len(server.requests) == 3

Stalls wait on the server's stop event, so stopping the server releases them at once and a
test never waits for a stall to end.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

__all__ = [
    "Action",
    "Conn",
    "FaultServer",
    "RecordedRequest",
    "free_port",
    "json_response",
    "raw",
    "respond",
    "sse_response",
]

_REASONS = {200: "OK", 201: "Created", 302: "Found", 307: "Temporary Redirect",
            400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

# Long enough to outlast any client timeout a test sets; the stop event ends it early.
FOREVER = 30.0


def free_port(host: str = "127.0.0.1") -> int:
    """A port with nothing listening on it (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class RecordedRequest:
    """One request as it arrived: the raw request target (path and query, still encoded)."""

    method: str
    target: str
    headers: dict[str, str]  # lower-cased names
    body: bytes
    connection: int  # which connection (0-based) carried it


class Conn:
    """What an action gets: the client's socket and ways to misbehave on it."""

    def __init__(self, sock: socket.socket, stopping: threading.Event) -> None:
        self.sock = sock
        self._stopping = stopping

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def stall(self, seconds: float = FOREVER) -> None:
        """Send nothing for ``seconds`` (or until the server stops)."""
        self._stopping.wait(seconds)

    def reset(self) -> None:
        """Abort the connection with a TCP RST instead of a FIN."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


# An action answers one request. It returns True to keep the connection open for the next
# request (keep-alive); anything else closes it.
Action = Callable[[Conn, RecordedRequest], "bool | None"]


def _head(status: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def respond(status: int = 200, body: bytes | str = b"", headers: Mapping[str, str] | None = None,
            *, keep_alive: bool = False) -> Action:
    """A complete, well-formed answer with a Content-Length."""
    payload = body.encode() if isinstance(body, str) else body
    all_headers = {"Date": formatdate(usegmt=True), "Content-Length": str(len(payload)),
                   "Connection": "keep-alive" if keep_alive else "close", **(headers or {})}

    def action(conn: Conn, request: RecordedRequest) -> bool:
        conn.send(_head(status, all_headers) + payload)
        return keep_alive

    return action


def json_response(value: Any, status: int = 200, headers: Mapping[str, str] | None = None,
                  *, keep_alive: bool = False) -> Action:
    return respond(status, json.dumps(value), {"Content-Type": "application/json", **(headers or {})},
                   keep_alive=keep_alive)


def raw(data: bytes, *, then: str = "close", stall: float = FOREVER) -> Action:
    """Send ``data`` as is, then ``close`` (FIN), ``reset`` (RST) or ``stall``."""

    def action(conn: Conn, request: RecordedRequest) -> None:
        if data:
            conn.send(data)
        if then == "reset":
            conn.reset()
        elif then == "stall":
            conn.stall(stall)

    return action


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def sse_response(events: Iterable[bytes], *, chunked: bool = True, end: str = "finish",
                 headers: Mapping[str, str] | None = None) -> Action:
    """A 200 ``text/event-stream`` body sent piece by piece, as Llama Stack does.

    ``chunked``: Transfer-Encoding chunked (one HTTP chunk per piece); otherwise no length
    and ``Connection: close``, the body ending when the connection closes. ``end``:
    ``finish`` (terminating chunk, then close), ``close`` (FIN without a terminating chunk),
    ``reset`` (RST) or ``stall`` (keep the connection open and silent).
    """
    head = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Connection": "close",
            **({"Transfer-Encoding": "chunked"} if chunked else {}), **(headers or {})}

    def action(conn: Conn, request: RecordedRequest) -> None:
        conn.send(_head(200, head))
        for piece in events:
            conn.send(_chunk(piece) if chunked else piece)
        if end == "finish":
            if chunked:
                conn.send(b"0\r\n\r\n")
        elif end == "reset":
            conn.reset()
        elif end == "stall":
            conn.stall()

    return action


def _no_script(conn: Conn, request: RecordedRequest) -> None:
    respond(599, "fault server: no action scripted for this request")(conn, request)


@dataclass
class _State:
    actions: list[Action] = field(default_factory=list)
    requests: list[RecordedRequest] = field(default_factory=list)
    connections: int = 0


class FaultServer:
    """Listens on ``host`` (loopback) at a free port; one thread per connection."""

    def __init__(self, host: str = "127.0.0.1", *, tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.tls = tls
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._state = _State()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept_loop, name="faultserver-accept",
                                          daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._state.requests)

    @property
    def connections(self) -> int:
        with self._lock:
            return self._state.connections

    def script(self, *actions: Action) -> None:
        """What to do for the next requests, in order (appended to anything still pending)."""
        with self._lock:
            self._state.actions.extend(actions)

    def start(self) -> FaultServer:
        self._acceptor.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._acceptor.join(5)
        self._listener.close()
        with self._lock:
            sockets = list(self._open)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                index = self._state.connections
                self._state.connections += 1
                self._open.add(sock)
            thread = threading.Thread(target=self._serve, args=(sock, index),
                                      name=f"faultserver-conn-{index}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, sock: socket.socket, index: int) -> None:
        sock.settimeout(FOREVER)
        try:
            if self.tls is not None:
                plain, sock = sock, self.tls.wrap_socket(sock, server_side=True)
                with self._lock:
                    self._open.discard(plain)
                    self._open.add(sock)
            conn = Conn(sock, self._stopping)
            for request in _read_requests(sock, index):
                with self._lock:
                    self._state.requests.append(request)
                    action = self._state.actions.pop(0) if self._state.actions else _no_script
                if action(conn, request) is not True or self._stopping.is_set():
                    break
        except OSError:
            pass  # the client went away or refused the certificate, or the action reset
        finally:
            with self._lock:
                self._open.discard(sock)
            with contextlib.suppress(OSError):
                sock.close()


def _read_requests(sock: socket.socket, index: int) -> Iterator[RecordedRequest]:
    buffer = b""
    while True:
        while b"\r\n\r\n" not in buffer:
            data = sock.recv(65536)
            if not data:
                return
            buffer += data
        head, buffer = buffer.split(b"\r\n\r\n", 1)
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, _version = request_line.split(" ", 2)
        headers: dict[str, str] = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(buffer) < length:
            data = sock.recv(65536)
            if not data:
                return
            buffer += data
        body, buffer = buffer[:length], buffer[length:]
        yield RecordedRequest(method, target, headers, body, index)
