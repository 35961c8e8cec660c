"""The ``llamastack`` command line against real llama-stack servers (0.7.3 and 0.2.24).

Each test runs ``python -m llamastack`` in a subprocess, as a user would. The answers are the
fake backend's (tests/integration/servers/README.md): a chat says ``Echo: <text>``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import llamastack.endpoints as endpoints
from llamastack import cli
from llamastack.cli.naming import endpoint_registry
from llamastack.spec import plan_for
from tests.integration.conftest import MODEL

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]


def environment(base_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_STACK")}
    env.update(LLAMA_STACK_BASE_URL=base_url, PYTHONPATH=str(ROOT))
    return env


@dataclasses.dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run(base_url: str, *args: str) -> Result:
    proc = subprocess.run([sys.executable, "-m", "llamastack", *args], capture_output=True,
                          text=True, env=environment(base_url), cwd=ROOT, timeout=120)
    return Result(proc.returncode, proc.stdout, proc.stderr)


def ok(base_url: str, *args: str) -> Result:
    result = run(base_url, *args)
    assert result.code == 0, f"llamastack {' '.join(args)} -> {result.code}\n{result.err}"
    return result


def get_commands_without_required_fields() -> list[tuple[str, str]]:
    """Every GET command of the 0.7 line that needs no option: each must just work."""
    out = []
    for resource, verbs in endpoint_registry().items():
        for verb, entry in verbs.items():
            spec_class = getattr(endpoints, entry.class_name)
            fields = dataclasses.fields(spec_class)
            if (plan_for(spec_class).method == "GET" and "0.7" in spec_class.server_lines
                    and all(f.default is not dataclasses.MISSING
                            or f.default_factory is not dataclasses.MISSING for f in fields)):
                out.append((resource, verb))
    return out


@pytest.mark.parametrize(("resource", "verb"), get_commands_without_required_fields(),
                         ids=lambda value: str(value))
def test_every_get_command_without_options_works(server_07: str, resource: str, verb: str) -> None:
    result = ok(server_07, resource, verb)
    json.loads(result.out)  # decoded into the declared type and printed back as JSON
    table = ok(server_07, resource, verb, "--output", "table")
    assert table.out.strip()


def test_models_list(server_07: str) -> None:
    ids = [model["id"] for model in ok(server_07, "models", "list").json()["data"]]
    assert MODEL in ids
    table = ok(server_07, "--output", "table", "models", "list").out.splitlines()
    assert table[0].split()[0] == "ID"
    assert any(line.startswith(MODEL + " ") for line in table)


def test_chat_completion_plain_and_streamed(server_07: str) -> None:
    plain = ok(server_07, "chat-completions", "create", "--model", MODEL,
               "--message", "user:hello world").json()
    assert plain["choices"][0]["message"]["content"] == "Echo: hello world"
    assert plain["usage"]["total_tokens"] == 5
    streamed = ok(server_07, "chat-completions", "create", "--model", MODEL,
                  "--message", "system:be brief", "--message", "hello stream", "--stream")
    assert streamed.out == "Echo: hello stream\n"
    events = ok(server_07, "--output", "json", "chat-completions", "create", "--model", MODEL,
                "--message", "json lines", "--stream").out.splitlines()
    assert all(json.loads(line)["object"] == "chat.completion.chunk" for line in events)


def test_completion_streams_its_text(server_07: str) -> None:
    result = ok(server_07, "completions", "create", "--model", MODEL, "--prompt", "say this",
                "--stream")
    assert result.out == "Echo: say this\n"


def test_responses_with_a_conversation(server_07: str) -> None:
    conversation = ok(server_07, "conversations", "create", "--metadata", '{"topic": "cli"}').json()
    assert conversation["metadata"] == {"topic": "cli"}
    streamed = ok(server_07, "responses", "create", "--model", MODEL, "--input", "hi there",
                  "--conversation", conversation["id"], "--stream")
    assert streamed.out == "Echo: hi there\n"
    items = ok(server_07, "conversation-items", "list", "--conversation-id", conversation["id"],
               "--all").json()
    assert {item["role"] for item in items} == {"user", "assistant"}
    deleted = ok(server_07, "conversations", "delete", "--conversation-id", conversation["id"])
    assert deleted.json()["deleted"] is True


def test_a_failing_response_stream_exits_5(server_07: str) -> None:
    result = run(server_07, "responses", "create", "--model", MODEL, "--input",
                 "midstream-trigger", "--stream")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert "the response failed" in result.err


def upload_on_a_terminal(base_url: str, path: Path) -> tuple[int, str, bytes]:
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llamastack", "files", "upload", str(path), "--purpose",
             "assistants"], stdout=subprocess.PIPE, stderr=slave, env=environment(base_url),
            cwd=ROOT)
        os.close(slave)
        shown = b""
        while select.select([master], [], [], 60)[0]:
            try:
                piece = os.read(master, 4096)
            except OSError:
                break
            if not piece:
                break
            shown += piece
        out, _ = proc.communicate(timeout=60)
    finally:
        os.close(master)
    return proc.returncode, out.decode(), shown


def test_files_upload_list_content_delete(server_07: str, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"Llama Stack notes from the command line.\n" * 50_000)
    code, out, shown = upload_on_a_terminal(server_07, path)
    assert code == 0, shown
    uploaded = json.loads(out)
    assert uploaded["bytes"] == path.stat().st_size and uploaded["filename"] == "notes.txt"
    assert b"notes.txt [" in shown and b"100.0%" in shown and b"ETA" in shown

    piped = ok(server_07, "files", "upload", str(path), "--purpose", "assistants")
    assert piped.err == ""  # no progress bar when stderr is not a terminal
    second = piped.json()["id"]

    listed = [f["id"] for f in ok(server_07, "files", "list", "--all", "--limit", "2").json()]
    assert second in listed
    content = subprocess.run([sys.executable, "-m", "llamastack", "file-content", "retrieve",
                              "--file-id", uploaded["id"]], capture_output=True,
                             env=environment(server_07), cwd=ROOT, check=True).stdout
    assert content == path.read_bytes()
    for file_id in (uploaded["id"], second):
        assert ok(server_07, "files", "delete", "--file-id", file_id).json()["deleted"] is True


def test_vector_store_search(server_07: str, tmp_path: Path) -> None:
    path = tmp_path / "paris.txt"
    path.write_text("Paris is the capital of France.")
    file_id = ok(server_07, "files", "upload", str(path), "--purpose", "assistants").json()["id"]
    store = ok(server_07, "vector-stores", "create", "--name", "cli", "--file-ids", file_id).json()
    hits = ok(server_07, "vector-stores", "search", "--vector-store-id", store["id"], "--query",
              "capital of France").json()["data"]
    assert hits[0]["content"][0]["text"] == "Paris is the capital of France."
    ok(server_07, "vector-stores", "delete", "--vector-store-id", store["id"])
    ok(server_07, "files", "delete", "--file-id", file_id)


def test_errors_and_exit_statuses(server_07: str) -> None:
    missing = run(server_07, "models", "retrieve", "--model-id", "no-such-model")
    assert missing.code == cli.EXIT_CLIENT_ERROR
    assert "Model 'no-such-model' not found" in missing.err and missing.out == ""
    bad_id = run(server_07, "files", "retrieve", "--file-id", "not-a-file")
    assert bad_id.code == cli.EXIT_CLIENT_ERROR and "-> 400" in bad_id.err
    wrong_line = run(server_07, "agents", "list")  # the Agents API is 0.2 and 0.3 only
    assert wrong_line.code == cli.EXIT_USAGE
    assert "not served by Llama Stack 0.7, the server's line (it is by 0.2, 0.3)" in wrong_line.err
    backend = run(server_07, "chat-completions", "create", "--model", MODEL, "--message",
                  "error-trigger", "--max-retries", "0")
    assert backend.code == cli.EXIT_SERVER_ERROR and "fake backend error" in backend.err
    usage = run(server_07, "chat-completions", "create", "--model", MODEL)
    assert usage.code == cli.EXIT_USAGE
    carried = run(server_07, "models", "retrieve", "--model-id", "..")
    assert carried.code == cli.EXIT_USAGE and "must not be '..'" in carried.err
    for failed in (missing, bad_id, wrong_line, backend, carried):
        assert failed.err.count("\n") == 1 and "internal error" not in failed.err


def test_debug_adds_the_traceback_and_keeps_the_message_last(server_07: str) -> None:
    result = run(server_07, "--debug", "models", "retrieve", "--model-id", "no-such-model")
    assert result.code == cli.EXIT_CLIENT_ERROR
    assert result.err.startswith("Traceback (most recent call last):")
    assert "llamastack.errors.NotFoundError" in result.err
    assert result.err.splitlines()[-1].startswith("llamastack: error: ModelRetrieve GET ")


def test_agent_session_and_streamed_turn(server_02: str) -> None:
    agent = ok(server_02, "agents", "create", "--agent-config",
               json.dumps({"model": MODEL, "instructions": "be brief"})).json()["agent_id"]
    session = ok(server_02, "sessions", "create", "--agent-id", agent, "--session-name",
                 "triage").json()["session_id"]
    # Turns only stream on 0.2: the command streams without being asked.
    turn = ok(server_02, "turns", "create", "--agent-id", agent, "--session-id", session,
              "--message", "user:hello agent")
    assert turn.out == "Echo: hello agent\n"
    refused = run(server_02, "turns", "create", "--agent-id", agent, "--session-id", session,
                  "--message", "hello", "--no-stream", "--max-retries", "0")
    assert refused.code == cli.EXIT_SERVER_ERROR and "501" in refused.err
    sessions = ok(server_02, "sessions", "list", "--agent-id", agent, "--all", "--output", "table")
    assert session in sessions.out
    ok(server_02, "agents", "delete", "--agent-id", agent)
