"""What the command line tests share: a tiny HTTP server, ways to run the command, and specs
of the tests' own (the command line works for any spec).

``responses`` cannot mock another process, so a stdlib HTTP server started per test plays the
Llama Stack server. The subprocess tests run ``python -m llamastack``; the many small cases
call ``main()`` in-process against the same server, which is faster and exercises the same
code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit

import pytest

from llamastack import (
    CursorPaging,
    FileInput,
    IndexPaging,
    Model,
    Spec,
    StreamingSpec,
    cli,
    file_field,
    header_field,
    query_field,
)
from llamastack.cli.naming import endpoint_registry

__all__ = [
    "ROOT", "SECRET", "SPECS", "MockServer", "Reply", "Result", "Seen", "call", "closed_port_url",
    "endpoint_commands", "gadget_call", "run_cli",
]

ROOT = Path(__file__).resolve().parents[3]
SECRET = "sk-test-0123456789abcdef"


# --- a tiny server ------------------------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON unless bytes
    headers: dict[str, str] = field(default_factory=dict)
    events: Sequence[Any] | None = None  # server-sent events (JSON each), then the connection closes


Route = Callable[[Seen], Reply]


class MockServer:
    """Routes by (method, path); every request is recorded. Unknown routes answer the router's
    404 ``{"detail": "Not Found"}`` like a real server."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.seen: list[Seen] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, parts.path, parse_qs(parts.query),
                            {k: v for k, v in self.headers.items()}, body)
                server.seen.append(seen)
                route = server.routes.get((self.command, parts.path))
                reply = route(seen) if route else Reply(404, {"detail": "Not Found"})
                if reply.events is not None:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    for event in reply.events:
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                        self.wfile.flush()
                    self.close_connection = True
                    return
                payload = reply.body if isinstance(reply.body, bytes) else (
                    b"" if reply.body is None and reply.status == 204
                    else json.dumps(reply.body).encode())
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.headers.pop(
                    "Content-Type", "application/json"))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)

    def route(self, method: str, path: str, reply: Reply | Route) -> None:
        self.routes[(method, path)] = reply if callable(reply) else (lambda _seen: reply)

    def only(self) -> Seen:
        assert len(self.seen) == 1, self.seen
        return self.seen[0]


def closed_port_url() -> str:
    """A 127.0.0.1 URL nobody listens on (connection refused at once)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- running the command -------------------------------------------------------------------------


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            timeout: float = 60) -> Result:
    """``python -m llamastack ARGS`` in a subprocess (stdout and stderr are pipes)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_STACK")}
    # The mock servers answer as the newest line (no GET /v1/version): pinned to it.
    environment.update(NO_PROXY="127.0.0.1,localhost", PYTHONPATH=str(ROOT),
                       LLAMA_STACK_SERVER_LINE="0.7")
    environment.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "llamastack", *args], capture_output=True,
                          text=True, env=environment, input=stdin, timeout=timeout, cwd=ROOT)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def call(capsys: pytest.CaptureFixture[str], *args: str,
         specs: Sequence[type] | None = None) -> Result:
    """``main(args)`` in this process."""
    code = cli.main(list(args), specs=specs)
    captured = capsys.readouterr()
    return Result(code, captured.out, captured.err)


# --- specs of the tests' own ---------------------------------------------------------------------


@dataclass(kw_only=True)
class Gadget(Model):
    id: str
    name: str
    size: int | None = None


@dataclass(kw_only=True)
class GadgetPage(Model):
    data: list[Gadget]
    has_more: bool = False
    last_id: str | None = None


@dataclass(kw_only=True)
class Delta(Model):
    id: str
    text: str


@dataclass(frozen=True, kw_only=True)
class GadgetCreate(Spec[Gadget]):
    """Create a gadget.

    Longer description that only the command's own help shows.
    """

    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/gadgets/{shelf_id}"
    shelf_id: str
    name: str
    size: int | None = None
    ratio: float | None = None
    fragile: bool | None = None
    color: Literal["red", "green"] | None = None
    tags: list[str] | None = None
    spec: dict[str, Any] | None = None
    label: str | list[str] | None = None
    dry_run: bool | None = query_field()
    trace: str | None = header_field("X-Trace")
    count: int = field(default=3, metadata={"doc": "how many to make"})


@dataclass(frozen=True, kw_only=True)
class GadgetList(Spec[GadgetPage]):
    """List gadgets."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/gadgets"
    paging: ClassVar[CursorPaging] = CursorPaging()
    after: str | None = None
    limit: int | None = None


@dataclass(frozen=True, kw_only=True)
class GadgetRowList(Spec[dict[str, Any]]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/gadget-rows"
    paging: ClassVar[IndexPaging] = IndexPaging()
    start_index: int | None = None
    limit: int | None = None


@dataclass(frozen=True, kw_only=True)
class GadgetAwkwardCreate(Spec[dict[str, Any]]):
    """Fields named like the command line's own flags."""

    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/awkward"
    all: bool | None = None
    help: str | None = None
    message: str | None = None
    timeout: float | None = None


@dataclass(frozen=True, kw_only=True)
class GadgetDelete(Spec[None]):
    method: ClassVar[str] = "DELETE"
    path: ClassVar[str] = "/v1/gadgets/{gadget_id}"
    gadget_id: str


@dataclass(frozen=True, kw_only=True)
class GadgetChatCreate(StreamingSpec[Delta, dict[str, Any]]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/gadget-chat"
    model: str
    messages: list[dict[str, Any]]
    stream: bool | None = None


@dataclass(frozen=True, kw_only=True)
class GadgetTurnCreate(StreamingSpec[Delta, dict[str, Any]]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/gadget-turn"
    stream_only: ClassVar[bool] = True
    messages: list[dict[str, Any]] = field(default_factory=list)
    stream: bool | None = None


@dataclass(frozen=True, kw_only=True)
class GadgetManualCreate(Spec[Gadget]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/gadget-manuals"
    file: FileInput = file_field()
    purpose: str


@dataclass(frozen=True, kw_only=True)
class GadgetManualContentRetrieve(Spec[str]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/gadget-manuals/{manual_id}/content"
    manual_id: str


@dataclass(frozen=True, kw_only=True)
class GadgetBlobRetrieve(Spec[bytes]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/gadget-blobs/{blob_id}"
    blob_id: str


SPECS: list[type] = [
    GadgetAwkwardCreate, GadgetCreate, GadgetList, GadgetRowList, GadgetDelete, GadgetChatCreate,
    GadgetTurnCreate, GadgetManualCreate, GadgetManualContentRetrieve, GadgetBlobRetrieve,
]


def gadget_call(capsys: pytest.CaptureFixture[str], *args: str) -> Result:
    return call(capsys, *args, specs=SPECS)


def endpoint_commands() -> dict[str, tuple[str, str]]:
    """Spec class name -> (resource, verb), as the top-level help and parser see them."""
    out: dict[str, tuple[str, str]] = {}
    for resource, verbs in endpoint_registry().items():
        for verb, entry in verbs.items():
            out[entry.class_name] = (resource, verb)
    return out
