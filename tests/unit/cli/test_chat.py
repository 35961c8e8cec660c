"""``llamastack chat``: one-shot and session modes, tools files, failures and exit statuses.

The tiny server plays a 0.7 server (Responses + Conversations) with scripted streams; the
client is pinned to 0.7 (tests/unit/conftest.py), so no version query is made.
"""

from __future__ import annotations

import builtins
import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llamastack import cli
from llamastack.agents import ApprovalDecision, ApprovalRequest
from llamastack.cli import chat
from tests.unit.agents.streams import (
    calls_round,
    created,
    function_call,
    response,
    text_delta,
    text_round,
)
from tests.unit.cli.support import ROOT, MockServer, Reply, Seen, call

CONVERSATION = {"id": "conv_1", "object": "conversation", "created_at": 1, "metadata": {}}
MODEL = "fake-openai/fake-llm"
TOOLS_FILE = '''
from typing import Literal

from llamastack.agents import tool


@tool
def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
    """Current weather in a city.

    Args:
        city: The city's name.
        unit: Temperature unit.
    """
    if city == "Atlantis":
        raise KeyboardInterrupt  # stands for Ctrl-C while the tool runs
    return f"18 degrees {unit} and sunny in {city}"


def helper(x: int) -> int:
    """A plain function: not offered to the model."""
    return x
'''


@pytest.fixture(autouse=True)
def no_model_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(chat.MODEL_ENV, raising=False)


@pytest.fixture(autouse=True)
def no_tools_modules_left() -> Iterator[None]:
    """Loading a tools file adds it (and its folder) to sys.modules and sys.path: undone."""
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        if name.startswith("llamastack_chat_tools_") or name == "helpers":
            del sys.modules[name]


@pytest.fixture
def tools_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_tools.py"
    path.write_text(TOOLS_FILE)
    return path


def model(server: MockServer, answers: dict[str, list[dict[str, Any]]] | None = None) -> None:
    """A conversation, and a model that answers a prompt with the events scripted for it in
    ``answers`` (else ``Echo: <prompt>``) and tool outputs with ``Tool result: <outputs>``."""
    server.route("POST", "/v1/conversations", Reply(body=CONVERSATION))
    server.route("POST", "/v1/conversations/conv_1/items",
                 Reply(body={"object": "list", "data": [], "has_more": False}))

    def respond(seen: Seen) -> Reply:
        given = seen.json()["input"]
        if isinstance(given, str):
            return Reply(events=(answers or {}).get(given, text_round(f"Echo: {given}")))
        outputs = "; ".join(item["output"] for item in given
                            if item["type"] == "function_call_output")
        return Reply(events=text_round(f"Tool result: {outputs}", "r2"))

    server.route("POST", "/v1/responses", respond)


def weather_call(city: str, call_id: str = "c1") -> list[dict[str, Any]]:
    return calls_round(function_call(call_id, "get_weather", json.dumps({"city": city})))


def response_bodies(server: MockServer) -> list[dict[str, Any]]:
    return [seen.json() for seen in server.seen if seen.path == "/v1/responses"]


def scripted_input(monkeypatch: pytest.MonkeyPatch, lines: list[str | type[BaseException]],
                   *, terminal: bool) -> list[str]:
    """input() answers ``lines`` in turn (an exception class is raised); returns the prompts."""
    prompts: list[str] = []
    pending = iter(lines)

    def fake_input(prompt: str = "") -> str:
        prompts.append(prompt)
        item = next(pending, EOFError)
        if isinstance(item, type):
            raise item
        return item

    monkeypatch.setattr(builtins, "input", fake_input)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: terminal)
    return prompts


# --- one prompt -----------------------------------------------------------------------------

def test_one_prompt_prints_the_tool_call_and_the_answer(
        server: MockServer, tools_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model(server, {"Weather in Paris?": weather_call("Paris")})
    result = call(capsys, "chat", "--model", MODEL, "--tools", str(tools_file),
                  "--instructions", "Be brief.", "Weather in Paris?")
    assert result.code == 0, result.err
    assert result.out == ('-> get_weather(city="Paris")\n'
                          "<- get_weather: 18 degrees c and sunny in Paris\n"
                          "Tool result: 18 degrees c and sunny in Paris\n")
    first, second = response_bodies(server)
    assert (first["model"], first["instructions"], first["conversation"]) == (
        MODEL, "Be brief.", "conv_1")
    assert [t["name"] for t in first["tools"]] == ["get_weather"]  # helper() is not a tool
    assert second["input"] == [{"type": "function_call_output", "call_id": "c1",
                                "output": "18 degrees c and sunny in Paris"}]


def test_output_json_prints_the_turn_result(server: MockServer, tools_file: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    model(server, {"Weather in Rome?": weather_call("Rome")})
    result = call(capsys, "chat", "--model", MODEL, "--tools", str(tools_file), "--output",
                  "json", "Weather in Rome?")
    assert result.code == 0, result.err
    turn = json.loads(result.out)
    assert turn["output_text"] == "Tool result: 18 degrees c and sunny in Rome"
    assert turn["tool_calls"] == [{"call_id": "c1", "name": "get_weather",
                                   "arguments": {"city": "Rome"},
                                   "output": "18 degrees c and sunny in Rome", "is_error": False}]
    assert (turn["session_id"], turn["rounds"], turn["response_ids"]) == ("conv_1", 2, ["r1", "r2"])
    assert turn["usage"] == {"input_tokens": 2, "output_tokens": 4, "total_tokens": 6}


def test_the_model_may_come_from_the_environment(server: MockServer, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(chat.MODEL_ENV, "env-model")
    model(server)
    result = call(capsys, "chat", "hello")
    assert (result.code, result.out) == (0, "Echo: hello\n")
    assert response_bodies(server)[0]["model"] == "env-model"


def test_the_model_loops_past_max_rounds_exits_5(server: MockServer, tools_file: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    model(server, {"loop": weather_call("Oslo")})
    result = call(capsys, "chat", "--model", MODEL, "--tools", str(tools_file), "--max-rounds",
                  "1", "loop")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert "still asked for get_weather after 1 round(s)" in result.err


def test_a_failed_response_exits_5_after_the_text(server: MockServer,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    failed = {"type": "response.failed", "sequence_number": 2, "response": response(
        "r1", "failed", error={"code": "server_error", "message": "it broke"})}
    model(server, {"hi": [created("r1"), text_delta("Ec"), failed]})
    result = call(capsys, "chat", "--model", MODEL, "hi")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert result.out == "Ec\n"  # the line is ended before the error
    assert "it broke" in result.err


def test_an_incomplete_response_exits_5(server: MockServer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    incomplete = {"type": "response.incomplete", "sequence_number": 2, "response": response(
        "r1", "incomplete", incomplete_details={"reason": "max_output_tokens"})}
    model(server, {"hi": [created("r1"), text_delta("Ec"), incomplete]})
    result = call(capsys, "chat", "--model", MODEL, "hi")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert "r1 is incomplete: max_output_tokens" in result.err


@pytest.mark.parametrize(("args", "words"), [
    (("hi",), "required: --model (or $LLAMA_STACK_MODEL)"),
    (("--model", MODEL, "--output", "table", "hi"), "no tables"),
    (("--model", MODEL, "  "), "PROMPT is empty"),
    (("--model", MODEL, "--tools", "no/such/file.py", "hi"), "no such file"),
])
def test_usage_errors_exit_2_before_anything_is_sent(
        server: MockServer, capsys: pytest.CaptureFixture[str], args: tuple[str, ...],
        words: str) -> None:
    result = call(capsys, "chat", *args)
    assert result.code == cli.EXIT_USAGE
    assert words in result.err
    assert server.seen == []


@pytest.mark.parametrize(("source", "words"), [
    ("x = 1\n", "no tools in it; decorate functions with @tool"),
    ("from llamastack.agents import tool\n\n@tool\ndef f(x) -> str:\n    return ''\n",
     "parameter 'x' of tool 'f' has no type hint"),
    ("raise RuntimeError('broken file')\n", "running it failed: RuntimeError: broken file"),
    ("TOOLS = 'get_weather'\n", "TOOLS must be a list, got str"),
    ("TOOLS = [42]\n", "tools[0] is a int"),
    ("def f(x: int) -> int:\n    return x\n\nTOOLS = [f, f]\n", "two tools are named 'f'"),
])
def test_a_tools_file_that_cannot_be_used_exits_2(
        server: MockServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str,
        words: str) -> None:
    path = tmp_path / "tools.py"
    path.write_text(source)
    result = call(capsys, "chat", "--model", MODEL, "--tools", str(path), "hi")
    assert result.code == cli.EXIT_USAGE, result.err
    assert words in result.err
    assert server.seen == []


def test_a_tools_list_is_taken_as_is(server: MockServer, tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "helpers.py").write_text("def double(x: int) -> int:\n    return 2 * x\n")
    path = tmp_path / "tools.py"
    path.write_text(textwrap.dedent('''
        from helpers import double  # the file's folder is importable, as for a script

        TOOLS = [double, {"type": "file_search", "vector_store_ids": ["vs_1"]}]
    '''))
    model(server)
    result = call(capsys, "chat", "--model", MODEL, "--tools", str(path), "hi")
    assert result.code == 0, result.err
    [body] = response_bodies(server)
    assert [t.get("name", t["type"]) for t in body["tools"]] == ["double", "file_search"]


def test_an_mcp_tool_asking_for_approval_on_02_exits_2_before_the_agent_is_made(
        server: MockServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tools.py"
    path.write_text('TOOLS = [{"type": "mcp", "server_label": "gh", "server_url": '
                    '"http://127.0.0.1:1/mcp", "require_approval": "always"}]\n')
    result = call(capsys, "chat", "--server-line", "0.2", "--model", MODEL, "--tools", str(path),
                  "hi")
    assert result.code == cli.EXIT_USAGE
    assert "asks for approvals" in result.err and "0.3 or later" in result.err
    assert server.seen == []


# --- a session ------------------------------------------------------------------------------

def test_lines_from_a_pipe_are_turns_of_one_session(
        server: MockServer, tools_file: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    model(server, {"Weather in Paris?": weather_call("Paris")})
    prompts = scripted_input(monkeypatch, ["hello", "", "Weather in Paris?"], terminal=False)
    result = call(capsys, "chat", "--model", MODEL, "--tools", str(tools_file))
    assert result.code == 0, result.err
    assert result.out == ("Echo: hello\n" '-> get_weather(city="Paris")\n'
                          "<- get_weather: 18 degrees c and sunny in Paris\n"
                          "Tool result: 18 degrees c and sunny in Paris\n")
    assert prompts == ["", "", "", ""]  # no prompt is shown to a pipe
    assert [seen.path for seen in server.seen].count("/v1/conversations") == 1
    assert {body["conversation"] for body in response_bodies(server)} == {"conv_1"}
    assert result.err == ""


def test_from_a_pipe_the_first_failure_ends_the_session_with_its_status(
        server: MockServer, tools_file: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    model(server, {"loop": weather_call("Oslo")})
    scripted_input(monkeypatch, ["loop", "never sent"], terminal=False)
    result = call(capsys, "chat", "--model", MODEL, "--tools", str(tools_file), "--max-rounds", "1")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert [body["input"] for body in response_bodies(server)] == ["loop"]


def test_on_a_terminal_a_failed_turn_is_reported_and_the_session_goes_on(
        server: MockServer, tools_file: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    model(server, {"loop": weather_call("Oslo")})
    prompts = scripted_input(monkeypatch, ["loop", "hello"], terminal=True)
    result = call(capsys, "chat", "--model", MODEL, "--tools", str(tools_file), "--max-rounds", "1")
    assert result.code == 0  # Ctrl-D (EOF) ends the session
    assert "still asked for get_weather" in result.err
    assert result.out.endswith("Echo: hello\n")
    assert prompts == [chat.PROMPT] * 3
    assert "chat with fake-openai/fake-llm on Llama Stack 0.7 (session conv_1; tools: " \
           "get_weather)" in result.err


def test_ctrl_c_interrupts_the_turn_and_a_second_one_exits_130(
        server: MockServer, tools_file: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    model(server, {"Weather in Atlantis?": weather_call("Atlantis")})
    scripted_input(monkeypatch, ["Weather in Atlantis?", "hello", KeyboardInterrupt,
                                 KeyboardInterrupt, "never sent"], terminal=True)
    result = call(capsys, "chat", "--model", MODEL, "--tools", str(tools_file))
    assert result.code == cli.EXIT_INTERRUPTED
    assert "(interrupted; Ctrl-C again or Ctrl-D to leave)" in result.err
    assert "(Ctrl-C again or Ctrl-D to leave)" in result.err
    assert result.out.endswith("Echo: hello\n")  # the session went on after the interruption
    # The interrupted call was answered in the conversation, so the session stays usable.
    [closed] = [seen.json() for seen in server.seen if seen.path.endswith("/items")]
    assert closed["items"][0]["call_id"] == "c1"
    assert [body["input"] for body in response_bodies(server)] == ["Weather in Atlantis?", "hello"]


def test_ctrl_c_then_a_prompt_needs_two_more_to_exit(
        server: MockServer, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    model(server)
    scripted_input(monkeypatch, [KeyboardInterrupt, "hello", KeyboardInterrupt], terminal=True)
    result = call(capsys, "chat", "--model", MODEL)
    assert result.code == 0  # a prompt in between: the second Ctrl-C only warned, then EOF
    assert result.out == "Echo: hello\n"


# --- approvals and the parser ---------------------------------------------------------------

REQUEST = ApprovalRequest("approval_1", "add", {"a": 1}, "fake")


def test_approvals_are_asked_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    prompts = scripted_input(monkeypatch, ["y"], terminal=True)
    assert chat._ask_on_the_terminal(REQUEST) is True
    assert prompts == ["\nallow fake: add(a=1)? [y/N] "]
    scripted_input(monkeypatch, [""], terminal=True)
    assert chat._ask_on_the_terminal(REQUEST) is False


def test_without_a_terminal_approvals_are_denied(monkeypatch: pytest.MonkeyPatch) -> None:
    scripted_input(monkeypatch, [], terminal=False)
    assert chat._ask_on_the_terminal(REQUEST) == ApprovalDecision(
        False, "denied: no terminal to ask on")


def test_chat_is_listed_and_has_its_help(capsys: pytest.CaptureFixture[str]) -> None:
    listed = call(capsys, "--help")
    assert "    chat    " in listed.out and chat.CHAT_SUMMARY in listed.out
    own = call(capsys, "chat", "--help")
    for words in ("--model MODEL", "--tools FILE", "--max-rounds N", "PROMPT", "LLAMA_STACK_MODEL"):
        assert words in own.out


def test_an_application_cli_of_its_own_specs_has_no_chat(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.unit.cli.support import SPECS

    result = call(capsys, "--help", specs=SPECS)
    assert "\n    chat " not in result.out


def test_the_command_line_imports_the_agents_only_for_chat() -> None:
    code = ("import sys\nfrom llamastack.cli.parser import build_parser\n"
            "from llamastack.cli.naming import endpoint_registry\n"
            "build_parser(['chat', '--help'], endpoint_registry())\n"
            "print('llamastack.agents' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True).stdout
    assert out.strip() == "False"




def test_max_rounds_below_one_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    result = call(capsys, "chat", "--model", MODEL, "--max-rounds", "0", "hi")
    assert result.code == cli.EXIT_USAGE and "must be >= 1, got '0'" in result.err
