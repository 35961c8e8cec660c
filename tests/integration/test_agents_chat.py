"""``llamastack chat`` driven through a pseudo-terminal against the real servers of every line.

The command runs as a user runs it: ``python -m llamastack chat`` with stdin, stdout and
stderr on a pty that is its controlling terminal, so it sees a terminal (prompt, line
editing), Ctrl-D is typed as ``^D`` and Ctrl-C as ``^C`` (the terminal sends SIGINT). The
model is the fake backend (tests/integration/servers/README.md).
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from llamastack import cli
from llamastack.cli.chat import PROMPT
from tests.integration.conftest import MODEL, LineServer
from tests.integration.servers import manage

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
TOOLS = '''
import time
from typing import Literal

from llamastack.agents import tool


@tool
def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
    """Current weather in a city.

    Args:
        city: The city's name.
        unit: Temperature unit.
    """
    return f"18 degrees {unit} and sunny in {city}"


@tool
def slow(seconds: int) -> str:
    """Takes its time.

    Args:
        seconds: How long.
    """
    time.sleep(seconds)
    return "done"
'''
# Runs after start_new_session's setsid(): takes the pty (fd 0) as the controlling terminal,
# so ^C typed on it is SIGINT for the command, then becomes the command.
CONTROLLING_TERMINAL = ("import fcntl, os, sys, termios; fcntl.ioctl(0, termios.TIOCSCTTY, 0); "
                        "os.execv(sys.executable, [sys.executable, '-m', 'llamastack', "
                        "*sys.argv[1:]])")


class Terminal:
    """``llamastack ARGS`` on a pseudo-terminal: what it shows, what is typed."""

    def __init__(self, base_url: str, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_STACK")}
        env.update(LLAMA_STACK_BASE_URL=base_url, PYTHONPATH=str(ROOT), TERM="dumb",
                   NO_PROXY="127.0.0.1,localhost")
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-c", CONTROLLING_TERMINAL, *args], stdin=slave, stdout=slave,
            stderr=slave, env=env, cwd=ROOT, start_new_session=True)
        os.close(slave)
        self.screen = ""
        self._seen = 0  # how much of the screen the last expect() consumed

    def expect(self, text: str, timeout: float = 60) -> str:
        """Read until ``text`` shows after what was expected before; returns what came."""
        deadline = time.monotonic() + timeout
        while text not in self.screen[self._seen:]:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(left):
                raise AssertionError(f"{text!r} never showed; the screen:\n{self.screen}")
        end = self.screen.index(text, self._seen) + len(text)
        shown, self._seen = self.screen[self._seen:end], end
        return shown

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def exit_code(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        try:
            code = self.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(
                f"still running after {timeout} s; the screen:\n{self.screen}") from None
        while self._read(0.1):
            pass
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)

    def _read(self, timeout: float) -> bool:
        if not select.select([self.master], [], [], timeout)[0]:
            return False
        try:
            piece = os.read(self.master, 65536)
        except OSError:  # EIO: the command exited and closed the terminal
            return False
        self.screen += piece.decode(errors="replace").replace("\r\n", "\n")
        return bool(piece)


@pytest.fixture
def tools_file(tmp_path: Path) -> Path:
    path = tmp_path / "my_tools.py"
    path.write_text(TOOLS)
    return path


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


def chat(terminals: list[Terminal], base_url: str, *args: str) -> Terminal:
    terminal = Terminal(base_url, "chat", "--model", MODEL, *args)
    terminals.append(terminal)
    return terminal


def model_requests(servers: manage.State, last_user_text: str) -> list[str]:
    fake = servers["fake"]
    assert fake is not None
    found = []
    for line in Path(fake["journal"]).read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        body = entry.get("body")
        if entry["path"].endswith("/chat/completions") and isinstance(body, dict):
            messages = json.dumps(body.get("messages"))
            users = [m for m in body.get("messages", []) if m.get("role") == "user"]
            if users and last_user_text in json.dumps(users[-1].get("content")):
                found.append(messages)
    return found


def test_one_prompt_prints_the_tool_call_and_the_answer(
        line_server: LineServer, tools_file: Path, terminals: list[Terminal]) -> None:
    question = "What is the weather in Paris?"
    terminal = chat(terminals, line_server.base_url, "--tools", str(tools_file), question)
    assert terminal.exit_code() == 0, terminal.screen
    answer = f"18 degrees c and sunny in {question}"
    assert terminal.screen == (f'-> get_weather(city="{question}")\n'
                               f"<- get_weather: {answer}\n"
                               f"Tool result: {answer}\n")


def test_a_session_on_a_terminal_keeps_the_history_until_ctrl_d(
        line_server: LineServer, tools_file: Path, terminals: list[Terminal],
        servers: manage.State) -> None:
    terminal = chat(terminals, line_server.base_url, "--tools", str(tools_file))
    banner = terminal.expect(PROMPT)
    assert f"on Llama Stack {line_server.line} (session " in banner
    assert "tools: get_weather, slow)" in banner

    tag = uuid.uuid4().hex[:8]  # the fake's journal is shared by every line's server
    first, second = f"hello {tag}", f"get_weather Rome {tag}"
    terminal.type(first + "\r")
    terminal.expect(f"Echo: {first}\n")
    terminal.expect(PROMPT)
    terminal.type(second + "\r")
    shown = terminal.expect(PROMPT)
    answer = f"18 degrees c and sunny in {second}"
    assert f'-> get_weather(city="{second}")\n<- get_weather: {answer}\n' \
           f"Tool result: {answer}\n" in shown
    terminal.type("\x04")  # Ctrl-D on the empty line: the end of the session
    assert terminal.exit_code() == 0, terminal.screen
    # One session: the model saw the first exchange with the second prompt.
    seen = model_requests(servers, second)
    assert seen and all(first in messages and f"Echo: {first}" in messages for messages in seen)


@pytest.mark.parametrize("line", ["0.7", "0.2"])
def test_ctrl_c_interrupts_a_turn_and_a_second_one_exits_130(
        line: str, servers: manage.State, tools_file: Path, terminals: list[Terminal]) -> None:
    base_url = servers["servers"][line]["base_url"]
    terminal = chat(terminals, base_url, "--tools", str(tools_file))
    terminal.expect(PROMPT)
    terminal.type('slow({"seconds": 120})\r')
    terminal.expect("-> slow(seconds=120)\n")
    terminal.type("\x03")  # Ctrl-C while the tool runs
    terminal.expect("(interrupted; Ctrl-C again or Ctrl-D to leave)")
    terminal.expect(PROMPT)
    terminal.type("still here\r")  # the session goes on
    terminal.expect("Echo: still here\n")
    terminal.expect(PROMPT)
    # As a person would: not within microseconds of the prompt. CPython's readline shows the
    # prompt, then waits in select(); a SIGINT in between is noted but does not wake select(),
    # so it would take effect at the next key only (a race in CPython, not in the command).
    time.sleep(0.5)
    terminal.type("\x03")
    terminal.expect("(Ctrl-C again or Ctrl-D to leave)")
    terminal.expect(PROMPT)
    time.sleep(0.5)
    started = time.monotonic()
    terminal.type("\x03")
    # The interrupted tool still sleeps: it must not keep the command from exiting.
    assert terminal.exit_code(timeout=30) == cli.EXIT_INTERRUPTED, terminal.screen
    assert time.monotonic() - started < 30
