"""The ``llamastack`` command line, run for real against a small HTTP server on 127.0.0.1.

``responses`` cannot mock another process, so a stdlib HTTP server started per test plays the
Llama Stack server. The subprocess tests run ``python -m llamastack``; the many small cases
call ``main()`` in-process against the same server, which is faster and exercises the same
code.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import pty
import re
import select
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit

import pytest

import llamastack.endpoints as endpoints
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
from llamastack.spec import plan_for

ROOT = Path(__file__).resolve().parents[2]
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
    environment.update(NO_PROXY="127.0.0.1,localhost", PYTHONPATH=str(ROOT))
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


# --- specs of the tests' own (the command line works for any spec) --------------------------------


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


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("class_name", "resource", "verb"), [
    ("SessionCreate", "sessions", "create"),
    ("ModelList", "models", "list"),
    ("ChatCompletionCreate", "chat-completions", "create"),
    ("VectorStoreFileBatchCancel", "vector-store-file-batches", "cancel"),
    ("BatchList", "batches", "list"),
    ("VectorIOInsert", "vector-io", "insert"),
    ("ScoringScoreBatch", "scoring", "score-batch"),
    ("PromptSetDefaultVersion", "prompts", "set-default-version"),
    ("EvalRowsEvaluate", "eval-rows", "evaluate"),
    ("SafetyRunShield", "safety", "run-shield"),
    ("FileContentRetrieve", "file-content", "retrieve"),
])
def test_a_class_name_gives_resource_and_verb(class_name: str, resource: str, verb: str) -> None:
    assert cli.command_name(class_name) == (resource, verb)


def test_server_wide_singletons_stay_singular(capsys: pytest.CaptureFixture[str]) -> None:
    result = call(capsys, "--help")
    assert re.search(r"^\s+version\s+retrieve$", result.out, re.M)
    assert re.search(r"^\s+health\s+retrieve$", result.out, re.M)
    assert re.search(r"^\s+prompt-versions\s+list$", result.out, re.M)


def endpoint_commands() -> dict[str, tuple[str, str]]:
    """Spec class name -> (resource, verb), as the top-level help and parser see them."""
    out: dict[str, tuple[str, str]] = {}
    for resource, verbs in cli._endpoint_registry().items():
        for verb, entry in verbs.items():
            out[entry.class_name] = (resource, verb)
    return out


def test_every_exported_spec_is_a_command_with_a_unique_name() -> None:
    commands = endpoint_commands()
    assert sorted(commands) == sorted(endpoints.__all__)
    assert len(set(commands.values())) == len(commands)
    for name in endpoints.__all__:
        spec_class = getattr(endpoints, name)
        assert isinstance(spec_class, type) and issubclass(spec_class, Spec), name
        # The derived verb, not the fallback for a clash (the whole class name).
        assert commands[name][1] == cli.command_name(name)[1], name


def required_flags(error: str) -> set[str]:
    match = re.search(r"the following arguments are required: (.*)$", error, re.M)
    return set(match.group(1).split(", ")) if match else set()


@pytest.mark.parametrize("name", sorted(endpoints.__all__))
def test_every_endpoint_command_has_help_and_the_spec_s_required_options(
        name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    resource, verb = endpoint_commands()[name]
    spec_class = getattr(endpoints, name)
    fields = [f for f in dataclasses.fields(spec_class) if f.init]
    streams = plan_for(spec_class).decode_chunk is not None

    helped = call(capsys, resource, verb, "--help")
    assert helped.code == 0, helped.err
    assert f"{plan_for(spec_class).method} {plan_for(spec_class).path}" in helped.out
    for f in fields:
        if streams and f.name == "stream":
            assert "--stream" in helped.out
            continue
        assert "--" + f.name.replace("_", "-") in helped.out, f.name

    required = {f.name for f in fields if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING}
    if "messages" in required:  # --message is the shortcut, so argparse cannot demand --messages
        required.discard("messages")
        assert "required unless --message is given" in " ".join(helped.out.split())
    # Without any option: argparse names exactly the required options; a command without
    # any sends its request (here to a port nobody listens on: exit 3).
    monkeypatch.setenv("LLAMA_STACK_BASE_URL", closed_port_url())
    bare = call(capsys, resource, verb, "--max-retries", "0")
    if required:
        assert bare.code == cli.EXIT_USAGE, bare.err
        assert required_flags(bare.err) == {"--" + n.replace("_", "-") for n in required}
    else:
        assert bare.code in (cli.EXIT_CONNECTION, cli.EXIT_USAGE), bare.err
        assert "are required" not in bare.err


def test_a_file_command_has_an_upload_alias_taking_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    result = call(capsys, "files", "upload", "--help")
    assert result.code == 0
    assert re.search(r"usage: llamastack files upload .*PATH", result.out, re.S)
    assert "--purpose" in result.out


def test_top_level_help_imports_no_endpoint_module() -> None:
    # What keeps `llamastack --help` fast: only names are needed, no spec module is imported.
    code = ("import sys, io, contextlib\n"
            "from llamastack.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['--help']) == 0\n"
            "print(sorted(m for m in sys.modules if m.startswith(('llamastack.endpoints.', "
            "'llamastack.models.')) and not m.endswith('.base')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_a_command_imports_only_its_own_group() -> None:
    code = ("import sys, io, contextlib\n"
            "from llamastack.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['sessions', 'create', '--help']) == 0\n"
            "print(sorted(m for m in sys.modules if m.startswith('llamastack.endpoints.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "['llamastack.endpoints.agents']"


# --- the real command, in a subprocess ------------------------------------------------------------


def test_models_list_prints_the_decoded_answer_as_json(server: MockServer) -> None:
    server.route("GET", "/v1/models", Reply(body={"data": [
        {"id": "fake/llm", "object": "model", "created": 1, "owned_by": "me", "extra": "kept"}]}))
    result = run_cli("models", "list", env={"LLAMA_STACK_BASE_URL": server.url})
    assert result.code == 0, result.err
    assert result.json() == {"data": [{"id": "fake/llm", "object": "model", "created": 1,
                                        "owned_by": "me", "extra": "kept"}]}
    assert server.only().method == "GET"
    assert result.err == ""


def test_sessions_create_sends_path_and_body_from_options(server: MockServer) -> None:
    # The path value is one percent-encoded segment (the server sees it raw).
    server.route("POST", "/v1alpha/agents/a%201/session", Reply(body={"session_id": "s1"}))
    result = run_cli("sessions", "create", "--agent-id", "a 1", "--session-name", "triage",
                     env={"LLAMA_STACK_CLIENT_BASE_URL": server.url})
    assert result.code == 0, result.err
    assert result.json() == {"session_id": "s1"}
    seen = server.only()
    assert seen.json() == {"session_name": "triage"}


def test_global_options_come_before_or_after_the_command(server: MockServer) -> None:
    server.route("GET", "/v1/version", Reply(body={"version": "0.7.3"}))
    before = run_cli("--base-url", server.url, "--output", "table", "version", "retrieve")
    after = run_cli("version", "retrieve", "--output", "table", "--base-url", server.url)
    assert before.code == after.code == 0, before.err + after.err
    assert before.out == after.out == "KEY      VALUE\nversion  0.7.3\n"


def test_a_streamed_chat_completion_prints_tokens_as_they_arrive(server: MockServer) -> None:
    def chunk(text: str | None, finish: str | None = None) -> dict[str, Any]:
        return {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
                "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": finish}]}

    server.route("POST", "/v1/chat/completions", Reply(events=[
        chunk(""), chunk("Echo:"), chunk(" hello"), chunk(None, "stop")]))
    result = run_cli("chat-completions", "create", "--model", "m", "--message", "user:hello",
                     "--stream", "--base-url", server.url)
    assert result.code == 0, result.err
    assert result.out == "Echo: hello\n"
    body = server.only().json()
    assert body == {"model": "m", "messages": [{"role": "user", "content": "hello"}],
                    "stream": True}
    assert server.only().headers["Accept"] == "text/event-stream"


def test_an_upload_shows_progress_on_a_terminal(server: MockServer, tmp_path: Path) -> None:
    server.route("POST", "/v1/files", Reply(body={
        "object": "file", "id": "file-1", "bytes": 300_000, "created_at": 1,
        "filename": "data.bin", "purpose": "assistants"}))
    path = tmp_path / "data.bin"
    path.write_bytes(os.urandom(300_000))
    master, slave = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_STACK")}
    environment.update(NO_PROXY="127.0.0.1", LLAMA_STACK_BASE_URL=server.url,
                       PYTHONPATH=str(ROOT))
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llamastack", "files", "upload", str(path), "--purpose",
             "assistants"], stdout=subprocess.PIPE, stderr=slave, env=environment, cwd=ROOT)
        os.close(slave)
        terminal = b""
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            try:
                piece = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not piece:
                break
            terminal += piece
        out, _ = proc.communicate(timeout=30)
    finally:
        os.close(master)
    assert proc.returncode == 0, terminal
    assert json.loads(out)["id"] == "file-1"
    shown = terminal.decode()
    assert "data.bin [" in shown
    # The whole multipart body is counted: the file plus its part headers.
    assert re.search(r"100\.0%  (293\.\d KiB) / \1", shown)
    assert re.search(r"/s  ETA \d+:\d\d", shown)
    assert b'name="purpose"\r\n\r\nassistants' in server.only().body


def test_an_upload_is_quiet_when_stderr_is_piped(server: MockServer, tmp_path: Path) -> None:
    server.route("POST", "/v1/files", Reply(body={
        "object": "file", "id": "file-1", "bytes": 5, "created_at": 1, "filename": "a.txt",
        "purpose": "assistants"}))
    path = tmp_path / "a.txt"
    path.write_text("hello")
    result = run_cli("files", "upload", str(path), "--purpose", "assistants",
                     env={"LLAMA_STACK_BASE_URL": server.url})
    assert result.code == 0
    assert result.err == ""
    assert b'filename="a.txt"' in server.only().body


@pytest.mark.parametrize(("reply", "code", "message"), [
    (Reply(404, {"detail": "Model 'x' not found"}), cli.EXIT_CLIENT_ERROR, "Model 'x' not found"),
    (Reply(400, {"error": {"message": "bad model"}}), cli.EXIT_CLIENT_ERROR, "-> 400: bad model"),
    (Reply(503, {"error": {"message": "overloaded"}}), cli.EXIT_SERVER_ERROR, "-> 503: overloaded"),
    (Reply(200, b"<html>", {"Content-Type": "text/html"}), cli.EXIT_DECODE, "not JSON"),
])
def test_errors_print_the_server_message_and_exit_by_class(
        server: MockServer, reply: Reply, code: int, message: str) -> None:
    server.route("GET", "/v1/models/x", reply)
    result = run_cli("models", "retrieve", "--model-id", "x", "--max-retries", "0",
                     env={"LLAMA_STACK_BASE_URL": server.url})
    assert result.code == code
    assert result.out == ""
    assert result.err.startswith("llamastack: error: ModelRetrieve GET ")
    assert message in result.err
    assert "Traceback" not in result.err


def test_a_refused_connection_exits_3() -> None:
    result = run_cli("models", "list", "--max-retries", "0", "--base-url", closed_port_url())
    assert result.code == cli.EXIT_CONNECTION
    assert "connection" in result.err.lower()
    assert "Traceback" not in result.err


def test_a_timeout_exits_3(server: MockServer) -> None:
    gate = threading.Event()

    def slow(_seen: Seen) -> Reply:
        gate.wait(5)
        return Reply(body={"data": []})

    server.route("GET", "/v1/models", slow)
    try:
        result = run_cli("models", "list", "--timeout", "0.3", "--max-retries", "0",
                         env={"LLAMA_STACK_BASE_URL": server.url})
    finally:
        gate.set()
    assert result.code == cli.EXIT_CONNECTION
    assert "timed out" in result.err.lower() or "timeout" in result.err.lower()


def test_usage_errors_exit_2() -> None:
    assert run_cli("models", "list", "--output", "yaml").code == cli.EXIT_USAGE
    assert run_cli("no-such-resource", "list").code == cli.EXIT_USAGE
    assert run_cli("models").code == cli.EXIT_USAGE
    bad_json = run_cli("agents", "create", "--agent-config", "{not json")
    assert bad_json.code == cli.EXIT_USAGE
    assert "--agent-config" in bad_json.err and "not valid JSON" in bad_json.err


def test_the_api_key_is_sent_but_never_printed(server: MockServer) -> None:
    server.route("GET", "/v1/models", Reply(401, {"error": {"message": f"bad key {SECRET}"}}))
    for args, env in [
        (("models", "list"), {"LLAMA_STACK_API_KEY": SECRET}),
        (("--api-key", SECRET, "models", "list"), {}),
        (("models", "list", "--api-key", SECRET), {}),
    ]:
        result = run_cli(*args, "--max-retries", "0",
                         env={"LLAMA_STACK_BASE_URL": server.url, **env})
        assert result.code == cli.EXIT_CLIENT_ERROR
        assert "bad key" in result.err
        assert SECRET not in result.err + result.out
    assert all(seen.headers["Authorization"] == f"Bearer {SECRET}" for seen in server.seen)
    helped = run_cli("--help", env={"LLAMA_STACK_API_KEY": SECRET})
    assert SECRET not in helped.out


def test_retries_follow_max_retries(server: MockServer) -> None:
    server.route("GET", "/v1/models", Reply(503, {"error": {"message": "busy"}},
                                            {"Retry-After": "0"}))
    result = run_cli("models", "list", "--max-retries", "2", env={"LLAMA_STACK_BASE_URL": server.url})
    assert result.code == cli.EXIT_SERVER_ERROR
    assert len(server.seen) == 3


def test_python_dash_m_and_the_console_script_agree() -> None:
    module = run_cli("--version")
    assert module.code == 0 and module.out.startswith("llamastack ")
    script = Path(sys.executable).with_name("llamastack")
    if script.exists():  # installed into this environment (pip install -e .)
        proc = subprocess.run([str(script), "--version"], capture_output=True, text=True)
        assert proc.stdout == module.out


# --- options from field types (in-process) -------------------------------------------------------


def test_fields_become_typed_options(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadgets/s1", Reply(body={"id": "g1", "name": "n"}))
    result = gadget_call(
        capsys, "gadgets", "create", "--shelf-id", "s1", "--name", "n", "--size", "3",
        "--ratio", "0.5", "--fragile", "--color", "red", "--tags", "a", "--tags", "b",
        "--spec", '{"k": [1, 2]}', "--label", "one", "--no-dry-run", "--trace", "t-1")
    assert result.code == 0, result.err
    seen = server.only()
    assert seen.json() == {"name": "n", "size": 3, "ratio": 0.5, "fragile": True, "color": "red",
                           "tags": ["a", "b"], "spec": {"k": [1, 2]}, "label": "one", "count": 3}
    assert seen.query == {"dry_run": ["false"]}
    assert seen.headers["X-Trace"] == "t-1"


def test_unset_optional_fields_are_omitted(server: MockServer,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadgets/s1", Reply(body={"id": "g1", "name": "n"}))
    assert gadget_call(capsys, "gadgets", "create", "--shelf-id", "s1", "--name", "n").code == 0
    assert server.only().json() == {"name": "n", "count": 3}
    assert server.only().query == {}


def test_list_and_union_fields_take_json_too(server: MockServer, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadgets/s1", Reply(body={"id": "g1", "name": "n"}))
    spec_file = tmp_path / "spec.json"
    spec_file.write_text('{"from": "file"}')
    result = gadget_call(capsys, "gadgets", "create", "--shelf-id", "s1", "--name", "n",
                         "--tags", '["x", "y"]', "--label", '["l1", "l2"]',
                         "--spec", f"@{spec_file}")
    assert result.code == 0, result.err
    assert server.only().json() == {"name": "n", "tags": ["x", "y"], "label": ["l1", "l2"],
                                    "spec": {"from": "file"}, "count": 3}


def test_json_from_stdin(server: MockServer, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("POST", "/v1/gadgets/s1", Reply(body={"id": "g1", "name": "n"}))
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"piped": true}'))
    result = gadget_call(capsys, "gadgets", "create", "--shelf-id", "s1", "--name", "n",
                         "--spec", "@-")
    assert result.code == 0, result.err
    assert server.only().json()["spec"] == {"piped": True}


@pytest.mark.parametrize(("args", "complaint"), [
    (("--size", "three"), "--size: expected an integer"),
    (("--ratio", "nan"), "--ratio: expected a finite number"),
    (("--color", "blue"), "--color: choose from red, green"),
    (("--spec", "@/no/such/file.json"), "cannot read '/no/such/file.json'"),
    (("--spec", "[1,"), "--spec is not valid JSON"),
    (("--shelf-id", ""), "shelf_id"),  # an empty path segment is refused before sending
])
def test_bad_values_are_usage_errors(server: MockServer, capsys: pytest.CaptureFixture[str],
                                     args: tuple[str, ...], complaint: str) -> None:
    base = {"--shelf-id": "s1", "--name": "n"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = gadget_call(capsys, "gadgets", "create", *[x for kv in base.items() for x in kv])
    assert result.code == cli.EXIT_USAGE
    assert complaint in result.err
    assert server.seen == []


def test_help_shows_docstring_field_docs_defaults_and_route(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = gadget_call(capsys, "gadgets", "create", "--help")
    assert result.code == 0
    assert "Create a gadget." in result.out
    assert "Longer description that only the command's own help shows." in result.out
    assert "POST /v1/gadgets/{shelf_id}" in result.out
    assert re.search(r"--count N\s+how many to make; integer; default: 3", result.out)
    assert re.search(r"--fragile, --no-fragile", result.out)
    assert re.search(r"--trace TRACE\s+sent in the header", result.out)
    assert "usage: llamastack gadgets create [-h] --shelf-id SHELF_ID --name NAME" in result.out
    overview = gadget_call(capsys, "gadgets", "--help").out
    assert re.search(r"create\s+Create a gadget\.$", overview, re.M)


# --- messages, streaming -------------------------------------------------------------------------


def test_message_shortcut_builds_messages(server: MockServer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-chat", Reply(body={"id": "d", "text": "ok"}))
    result = gadget_call(capsys, "gadget-chats", "create", "--model", "m",
                         "--message", "system:be brief", "--message", "hello: there",
                         "--message", "assistant:hi")
    assert result.code == 0, result.err
    assert server.only().json()["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hello: there"},  # not a role: all of it is the content
        {"role": "assistant", "content": "hi"}]


def test_messages_are_required_one_way_or_the_other(server: MockServer,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    missing = gadget_call(capsys, "gadget-chats", "create", "--model", "m")
    assert missing.code == cli.EXIT_USAGE and "--messages (or --message)" in missing.err
    both = gadget_call(capsys, "gadget-chats", "create", "--model", "m", "--message", "a",
                       "--messages", '[{"role": "user", "content": "b"}]')
    assert both.code == cli.EXIT_USAGE and "not both" in both.err
    assert server.seen == []


def test_stream_prints_known_text_and_other_events_as_json_lines(
        server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-chat", Reply(events=[
        {"type": "response.created", "response": {"id": "r"}},
        {"type": "response.output_text.delta", "delta": "Hel"},
        {"type": "response.output_text.delta", "delta": "lo"},
        {"unknown": "event"},
        {"type": "response.output_text.delta", "delta": "!"},
        {"type": "response.completed", "response": {"id": "r"}},
    ]))
    result = gadget_call(capsys, "gadget-chats", "create", "--model", "m", "--message", "x",
                         "--stream")
    assert result.code == 0, result.err
    assert result.out == 'Hello\n{"unknown": "event"}\n!\n'
    assert server.only().json()["stream"] is True


def test_stream_with_output_json_prints_every_event(server: MockServer,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    events = [{"type": "response.output_text.delta", "delta": "a"}, {"type": "response.completed"}]
    server.route("POST", "/v1/gadget-chat", Reply(events=events))
    result = gadget_call(capsys, "--output", "json", "gadget-chats", "create", "--model", "m",
                         "--message", "x", "--stream")
    assert [json.loads(line) for line in result.out.splitlines()] == events


def test_an_error_inside_a_stream_exits_5_after_the_text(server: MockServer,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-chat", Reply(events=[
        {"type": "response.output_text.delta", "delta": "partial"},
        {"error": {"message": "backend died"}}]))
    result = gadget_call(capsys, "gadget-chats", "create", "--model", "m", "--message", "x",
                         "--stream")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert result.out == "partial\n"
    assert "backend died" in result.err


def test_a_failed_response_stream_exits_5(server: MockServer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-chat", Reply(events=[
        {"type": "response.output_text.delta", "delta": "Ec"},
        {"type": "response.failed", "response": {"error": {"message": "it broke"}}}]))
    result = gadget_call(capsys, "gadget-chats", "create", "--model", "m", "--message", "x",
                         "--stream")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert result.out == "Ec\n"
    assert "the response failed: it broke" in result.err


def test_a_stream_only_spec_streams_without_asking(server: MockServer,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-turn", Reply(events=[
        {"event": {"payload": {"event_type": "step_start"}}},
        {"event": {"payload": {"event_type": "step_progress",
                               "delta": {"type": "text", "text": "Echo: hi"}}}},
        {"event": {"payload": {"event_type": "turn_complete", "turn": {}}}}]))
    result = gadget_call(capsys, "gadget-turns", "create", "--message", "hi")
    assert result.code == 0, result.err
    assert result.out == "Echo: hi\n"
    assert "--no-stream" in gadget_call(capsys, "gadget-turns", "create", "--help").out


def test_a_501_for_a_stream_only_call_suggests_streaming(
        server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-turn", Reply(501, {"detail": "Not implemented"}))
    result = gadget_call(capsys, "gadget-turns", "create", "--message", "hi", "--no-stream",
                         "--max-retries", "0")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert "leave out --no-stream" in result.err


@pytest.mark.parametrize(("event", "text"), [
    ({"object": "chat.completion.chunk", "choices": [{"delta": {"content": "hi"}}]}, "hi"),
    ({"object": "chat.completion.chunk", "choices": [{"delta": {"tool_calls": []}}]}, ""),
    ({"object": "text_completion", "choices": [{"text": "done"}]}, "done"),
    ({"type": "response.output_text.delta", "delta": "d"}, "d"),
    ({"type": "response.in_progress", "response": {}}, ""),
    ({"event": {"payload": {"event_type": "step_progress", "delta": {"type": "text",
                                                                       "text": "t"}}}}, "t"),
    ({"event": {"payload": {"event_type": "step_progress", "delta": {"type": "tool_call"}}}}, ""),
    ({"something": "else"}, None),
    ([1, 2], None),
])
def test_stream_text_knows_each_stream_kind(event: Any, text: str | None) -> None:
    assert cli.stream_text(event) == text


# --- output, paging, other answers ---------------------------------------------------------------


def test_all_follows_cursor_pages_into_one_json_array(server: MockServer,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    def pages(seen: Seen) -> Reply:
        if "after" not in seen.query:
            return Reply(body={"data": [{"id": "g1", "name": "a"}], "has_more": True,
                               "last_id": "g1"})
        return Reply(body={"data": [{"id": "g2", "name": "b"}], "has_more": False,
                           "last_id": "g2"})

    server.route("GET", "/v1/gadgets", pages)
    result = gadget_call(capsys, "gadgets", "list", "--all", "--limit", "1")
    assert result.code == 0, result.err
    assert result.json() == [{"id": "g1", "name": "a"}, {"id": "g2", "name": "b"}]
    assert [s.query for s in server.seen] == [{"limit": ["1"]}, {"after": ["g1"], "limit": ["1"]}]
    table = gadget_call(capsys, "--output", "table", "gadgets", "list", "--all")
    assert table.out == "ID  NAME\ng1  a\ng2  b\n"


def test_all_follows_index_pages(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    def rows(seen: Seen) -> Reply:
        start = int(seen.query.get("start_index", ["0"])[0])
        data = [{"n": i} for i in range(start, min(start + 2, 5))]
        return Reply(body={"data": data, "has_more": start + 2 < 5})

    server.route("GET", "/v1/gadget-rows", rows)
    result = gadget_call(capsys, "gadget-rows", "list", "--all")
    assert result.json() == [{"n": i} for i in range(5)]
    empty = gadget_call(capsys, "gadget-rows", "list", "--all", "--start-index", "9")
    assert empty.json() == []


def test_all_is_offered_only_by_paginated_lists(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--all" in gadget_call(capsys, "gadgets", "list", "--help").out
    assert "--all" not in gadget_call(capsys, "gadgets", "create", "--help").out
    assert "--stream" not in gadget_call(capsys, "gadgets", "list", "--help").out


def test_table_output(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/v1/gadgets", Reply(body={"data": [
        {"id": "g1", "name": "a", "size": 3, "nested": {"x": 1}},
        {"id": "g2", "name": "b" * 80}], "has_more": False}))
    result = gadget_call(capsys, "gadgets", "list", "--output", "table")
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "SIZE"]
    assert lines[1].split() == ["g1", "a", "3"]
    assert lines[2].startswith("g2  " + "b" * 47 + "…")
    server.route("POST", "/v1/gadgets/s", Reply(body={"id": "g1", "name": "a"}))
    single = gadget_call(capsys, "gadgets", "create", "--shelf-id", "s", "--name", "a",
                         "--output", "table")
    assert single.out == "KEY   VALUE\nid    g1\nname  a\n"


def test_a_delete_without_body_prints_nothing(server: MockServer,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    server.route("DELETE", "/v1/gadgets/g1", Reply(204))
    result = gadget_call(capsys, "gadgets", "delete", "--gadget-id", "g1")
    assert (result.code, result.out, result.err) == (0, "", "")


def test_text_answers_print_as_they_are(server: MockServer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/v1/gadget-manuals/m1/content", Reply(body="line one\nline two"))
    result = gadget_call(capsys, "gadget-manual-content", "retrieve", "--manual-id", "m1")
    assert result.out == "line one\nline two\n"


def test_file_content_is_written_byte_for_byte(server: MockServer) -> None:
    content = bytes(range(256)) * 4
    server.route("GET", "/v1/files/file-1/content",
                 Reply(body=content, headers={"Content-Type": "application/octet-stream"}))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_STACK")}
    environment.update(LLAMA_STACK_BASE_URL=server.url, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "llamastack", "file-content", "retrieve",
                           "--file-id", "file-1"], capture_output=True, env=environment, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == content


def test_file_fields_take_a_path_and_missing_files_are_usage_errors(
        server: MockServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-manuals", Reply(body={"id": "m1", "name": "x"}))
    path = tmp_path / "manual.txt"
    path.write_text("read me")
    created = gadget_call(capsys, "gadget-manuals", "create", "--file", str(path),
                          "--purpose", "docs")
    assert created.code == 0, created.err
    assert b"read me" in server.only().body
    uploaded = gadget_call(capsys, "gadget-manuals", "upload", str(path), "--purpose", "docs")
    assert uploaded.code == 0, uploaded.err
    missing = gadget_call(capsys, "gadget-manuals", "upload", str(tmp_path / "nope"),
                          "--purpose", "docs")
    assert missing.code == cli.EXIT_USAGE and "no such file" in missing.err
    assert len(server.seen) == 2


def test_fields_named_like_the_command_s_flags_get_a_suffix(
        server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/awkward", Reply(body={}))
    result = gadget_call(capsys, "--timeout", "30", "gadget-awkwards", "create", "--all-field",
                         "--help-field", "h", "--message-field", "m", "--timeout", "2.5")
    assert result.code == 0, result.err
    # --timeout after the command is the spec's field; before it, the client's option.
    assert server.only().json() == {"all": True, "help": "h", "message": "m", "timeout": 2.5}


def test_bad_client_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert gadget_call(capsys, "--timeout", "0", "gadgets", "list").code == cli.EXIT_USAGE
    assert gadget_call(capsys, "--max-retries", "-1", "gadgets", "list").code == cli.EXIT_USAGE
    result = gadget_call(capsys, "--base-url", "ftp://x", "gadgets", "list")
    assert result.code == cli.EXIT_USAGE and result.err.startswith("llamastack: error:")


# --- the progress bar ----------------------------------------------------------------------------


def test_the_progress_bar_shows_bytes_percent_rate_and_eta() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = cli.ProgressBar(out, "f.bin", width=10, clock=lambda: now[0])
    bar(1024, 4 * 1024 * 1024)  # the first call starts the clock
    now[0] = 1.0
    bar(1024 * 1024, 4 * 1024 * 1024)
    now[0] = 1.05
    bar(2 * 1024 * 1024, 4 * 1024 * 1024)  # within the redraw interval: skipped
    now[0] = 4.0
    bar(4 * 1024 * 1024, 4 * 1024 * 1024)
    bar.finish()
    frames = out.getvalue().split("\r")[1:]
    # The rate counts the bytes sent since the first call: 1023 KiB in the first second.
    assert frames[1] == "f.bin [##--------]  25.0%  1.0 MiB / 4.0 MiB  1023.0 KiB/s  ETA 0:03"
    assert frames[2].startswith(
        "f.bin [##########] 100.0%  4.0 MiB / 4.0 MiB  1023.8 KiB/s  ETA 0:00")
    assert len(frames) == 3 and out.getvalue().endswith("\n")


def test_the_progress_bar_restarts_its_clock_when_a_retry_rewinds() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = cli.ProgressBar(out, "f", clock=lambda: now[0], interval=0)
    bar(50, 100)
    now[0] = 10.0
    bar(10, 100)  # a retry started over
    now[0] = 11.0
    bar(20, 100)
    assert out.getvalue().split("\r")[-1].split("  ")[2] == "20 B / 100 B"
    assert "10 B/s" in out.getvalue().split("\r")[-1]
