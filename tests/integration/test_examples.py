"""Every script in examples/ runs against a real llama-stack server and says what it should.

The examples take the server from ``LLAMA_STACK_BASE_URL``, exactly as a user runs them; the
agent session example needs the 0.2 line, the agent tools example runs on every line,
everything else on 0.7.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import LINES, base_url_of
from tests.integration.servers import manage

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

# script -> (the lines it runs against, what its output must contain)
EXPECTED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "agent_tools.py": (LINES, (
        "tool: get_weather({'city': 'What is the weather in Paris?'}) -> 18 degrees c",
        "answer: Tool result: 18 degrees c and sunny in What is the weather in Paris?",
        "<- add: 2", "rounds: 2, tool calls: 2", "last answer: Echo: Thanks!")),
    "agent_session.py": (("0.2",), ("assistant: Echo: hello agent",
                                    "answered: Echo: hello agent")),
    "chat_completion.py": (("0.7",), ("answer: Echo: hello world",
                                      "streamed: Echo: stream this please")),
    "responses_conversation.py": (("0.7",), ("first answer: Echo: My name is Ada.",
                                             "second answer: Echo: What is my name?",
                                             "conversation items: 4")),
    "rag_file_search.py": (("0.7",), ("'Paris is the capital of France.",
                                      "file_search_call completed",
                                      "answer: Tool result: file_search tool found")),
    "file_upload.py": (("0.7",), ("  100%", "deleted: True")),
    "pagination.py": (("0.7",), ("found our files: ['page-0.txt', 'page-1.txt', 'page-2.txt']",
                                 "dataset rows: 8", "islice stops after 5 rows")),
    "error_handling.py": (("0.7",), ("NotFoundError 404: Model 'no-such-model' not found",
                                     "BadRequestError 400:", "wrong server line: not served by Llama "
                                     "Stack 0.7", "served by: 0.2, 0.3",
                                     "APIConnectionError:", "all errors handled")),
    "retries_timeouts.py": (("0.7",), ("retried: succeeded on attempt 3",
                                       "max_retries=1: gave up after 2 attempts",
                                       "timed out after", "real server: 2 models")),
    "custom_session.py": (("0.7",), ("[timing] GET /v1/models -> 200",
                                     "middleware saw the response: yes",
                                     "the proxy forwarded: ['GET http://127.0.0.1:")),
    "custom_spec.py": (("0.7",), ("OpenAPI 3.1.0", "-> llm model from fake-openai",
                                  "identifier            fake-openai/fake-llm")),
    "demo.py": (("0.7",), ("1. created conversation conv_",
                           "2. streaming a chat completion from fake-openai/fake-llm: "
                           "Echo: hello from the llamastack demo",
                           "3. uploaded demo-notes.txt as file-", "demo complete")),
    "cli_tour.sh": (("0.7",), ("Echo: hello cli", "Echo: hi from the shell",
                               "notes from the command line", "exit status 4", "exit status 3",
                               "tour complete")),
}


def test_every_example_is_tested() -> None:
    scripts = {p.name for p in EXAMPLES.iterdir() if p.suffix in (".py", ".sh")}
    assert scripts == set(EXPECTED)


@pytest.mark.parametrize(("script", "line"), [(script, line) for script in sorted(EXPECTED)
                                               for line in EXPECTED[script][0]])
def test_example_runs(script: str, line: str, servers: manage.State, tmp_path: Path) -> None:
    expected = EXPECTED[script][1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("LLAMA_STACK")}
    env.update(LLAMA_STACK_BASE_URL=base_url_of(servers, line),
               PYTHON=sys.executable, PYTHONPATH=str(ROOT), NO_PROXY="127.0.0.1,localhost")
    path = EXAMPLES / script
    command = ["bash", str(path)] if script.endswith(".sh") else [sys.executable, str(path)]
    result = subprocess.run(command, capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=180)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout}\n{result.stderr}"
    for text in expected:
        assert text in result.stdout, f"{script}: {text!r} not in\n{result.stdout}"
    assert "Traceback" not in result.stderr
