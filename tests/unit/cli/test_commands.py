"""The real ``python -m llamastack`` in a subprocess, against the tiny server."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import pty
import re
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

from llamastack import cli
from tests.unit.cli.support import ROOT, SECRET, MockServer, Reply, run_cli


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
    # The path value is one percent-encoded segment (the server sees it raw); --server-line
    # picks the line's route (0.2: /v1/agents, 0.3: /v1alpha/agents).
    server.route("POST", "/v1/agents/a%201/session", Reply(body={"session_id": "s1"}))
    result = run_cli("sessions", "create", "--agent-id", "a 1", "--session-name", "triage",
                     "--server-line", "0.2", env={"LLAMA_STACK_CLIENT_BASE_URL": server.url})
    assert result.code == 0, result.err
    assert result.json() == {"session_id": "s1"}
    seen = server.only()
    assert seen.json() == {"session_name": "triage"}


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
                       LLAMA_STACK_SERVER_LINE="0.7", PYTHONPATH=str(ROOT))
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


def test_python_dash_m_and_the_console_script_agree() -> None:
    module = run_cli("--version")
    assert module.code == 0 and module.out.startswith("llamastack ")
    script = Path(sys.executable).with_name("llamastack")
    if script.exists():  # installed into this environment (pip install -e .)
        proc = subprocess.run([str(script), "--version"], capture_output=True, text=True)
        assert proc.stdout == module.out


def test_the_package_keeps_the_public_names_of_the_module_it_replaced() -> None:
    import llamastack.__main__

    assert set(cli.__all__) == {
        "main", "command_name", "stream_text", "ProgressBar", "EXIT_OK", "EXIT_FAILURE",
        "EXIT_USAGE", "EXIT_CONNECTION", "EXIT_CLIENT_ERROR", "EXIT_SERVER_ERROR", "EXIT_DECODE",
        "EXIT_INTERRUPTED", "EXIT_BROKEN_PIPE"}
    assert all(hasattr(cli, name) for name in cli.__all__)
    assert llamastack.__main__.main is cli.main


def test_every_module_of_the_package_declares_its_public_names() -> None:
    for info in pkgutil.iter_modules(cli.__path__):
        module = importlib.import_module(f"llamastack.cli.{info.name}")
        assert isinstance(getattr(module, "__all__", None), list), info.name
        assert all(hasattr(module, name) for name in module.__all__), info.name
