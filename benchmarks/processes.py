"""Whole processes: a script's cold start, the command line, and import time.

Each is timed from spawn to exit (``subprocess.run``), in fresh interpreters with the
bytecode caches already written (one untimed run first), interleaved round-robin like the
in-process jobs. The scripts run in an empty temporary directory, so ``llamastack`` is
imported as a user's script imports it (the installed package), not from the checkout.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "COLD_START_SCRIPTS",
    "IMPORT_BODIES",
    "SDK_EVERY_RESOURCE",
    "Command",
    "cli_command",
    "import_seconds",
    "importtime_summary",
    "time_processes",
    "uses_checkout",
]

ROOT = Path(__file__).resolve().parent.parent

# A script as a user writes it: import, one ModelList call, exit. The requests one is its
# floor; the official SDK's runs under the SDK's interpreter, with the requests script run by
# that interpreter as its floor.
COLD_START_SCRIPTS: Mapping[str, str] = {
    "requests": (
        "import json, sys\n"
        "import requests\n"
        "answer = requests.get(sys.argv[1] + '/v1/models', timeout=60)\n"
        "answer.raise_for_status()\n"
        "models = json.loads(answer.content)['data']\n"),
    # Asks the server's line first (GET /v1/version), as every unpinned client does once.
    "llamastack": (
        "import sys\n"
        "from llamastack import LlamaStackClient\n"
        "from llamastack.endpoints import ModelList\n"
        "models = LlamaStackClient(base_url=sys.argv[1]).call(ModelList()).data\n"),
    "llamastack, line pinned": (
        "import sys\n"
        "from llamastack import LlamaStackClient\n"
        "from llamastack.endpoints import ModelList\n"
        "models = LlamaStackClient(base_url=sys.argv[1], server_line='0.7').call(ModelList()).data\n"),
    "sdk": (
        "import sys\n"
        "from llama_stack_client import LlamaStackClient\n"
        "models = LlamaStackClient(base_url=sys.argv[1]).models.list()\n"),
}


@dataclass(frozen=True)
class Command:
    """One process to time: its argv, where ``{url}`` stands for the server's base URL."""

    name: str
    argv: Sequence[str]


def _clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.upper().endswith("_PROXY") and not key.startswith("LLAMA_STACK")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)  # the installed package, as a user's script sees it
    if not _installed(sys.executable, env):
        # Not installed into this interpreter (pip install -e .): the checkout, then.
        env["PYTHONPATH"] = str(ROOT)
    return env


_installed_cache: dict[str, bool] = {}


def _installed(python: str, env: Mapping[str, str]) -> bool:
    """Whether ``python`` imports llamastack from outside the checkout."""
    if python not in _installed_cache:
        with tempfile.TemporaryDirectory(prefix="llamastack-bench-proc-") as cwd:
            done = subprocess.run([python, "-c", "import llamastack"], cwd=cwd, env=dict(env),
                                  capture_output=True, check=False)
        _installed_cache[python] = done.returncode == 0
    return _installed_cache[python]


def uses_checkout() -> bool:
    """True when the processes import llamastack from the checkout (it is not installed)."""
    return "PYTHONPATH" in _clean_env()


def cli_command(python: str) -> list[str]:
    """The ``llamastack`` command installed next to ``python`` (else ``python -m llamastack``)."""
    command = Path(python).parent / "llamastack"
    return [str(command)] if command.exists() else [python, "-m", "llamastack"]


def time_processes(commands: Sequence[Command], base_url: str, rounds: int
                   ) -> dict[str, list[float]]:
    """Seconds from spawn to exit of each command, ``rounds`` times, interleaved."""
    env = _clean_env()
    times: dict[str, list[float]] = {command.name: [] for command in commands}
    with tempfile.TemporaryDirectory(prefix="llamastack-bench-proc-") as cwd:
        for round_no in range(rounds + 1):  # round 0 warms the bytecode caches, untimed
            shift = round_no % len(commands)
            for command in [*commands[shift:], *commands[:shift]]:
                started = time.perf_counter()
                argv = [arg.replace("{url}", base_url) for arg in command.argv]
                done = subprocess.run(argv, cwd=cwd, env=env,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True, check=False)
                elapsed = time.perf_counter() - started
                if done.returncode != 0:
                    tail = done.stderr.strip().splitlines()[-1:] or ["?"]
                    raise RuntimeError(f"{command.name} failed ({done.returncode}): {tail[0]}")
                if round_no:
                    times[command.name].append(elapsed)
    return times


def importtime_summary(python: str, script: str, base_url: str, top: int = 8
                       ) -> tuple[float, list[tuple[str, float]]]:
    """``python -X importtime`` on a script: the total ms of its imports, and the ms spent
    in each top-level package's own modules (self times summed by package), largest first."""
    with tempfile.TemporaryDirectory(prefix="llamastack-bench-proc-") as cwd:
        done = subprocess.run([python, "-X", "importtime", "-c", script, base_url],
                              capture_output=True, text=True, cwd=cwd, check=False, env=_clean_env())
    totals: dict[str, float] = {}
    total = 0.0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            name = match.group(4).split(".")[0]
            totals[name] = totals.get(name, 0.0) + int(match.group(1)) / 1000
            if len(match.group(3)) == 1:  # a top-level import of the script (or of site)
                total += int(match.group(2)) / 1000
    return total, sorted(totals.items(), key=lambda item: -item[1])[:top]


# --- import time alone --------------------------------------------------------------------

_TIME_IMPORT = """\
import time
t = time.perf_counter()
{body}
print(time.perf_counter() - t)
"""

IMPORT_BODIES: Mapping[str, str] = {
    "import llamastack": "import llamastack",
    "import llamastack + the 4 benchmarked endpoints": (
        "import llamastack\n"
        "from llamastack.endpoints import ConversationCreate, ModelList, ChatCompletionCreate,"
        " FileCreate"),
    "import llamastack + every endpoint": (
        "import llamastack, llamastack.endpoints as e\n"
        "[getattr(e, n) for n in getattr(e, '__all__', ())]"),
}

# The official SDK loads its resources lazily, as client attributes: touch them all.
SDK_EVERY_RESOURCE = """\
import llama_stack_client
client = llama_stack_client.LlamaStackClient(base_url="http://127.0.0.1:9")
for name in dir(client):
    if not name.startswith("_"):
        try:
            getattr(client, name)
        except Exception:
            pass"""


def import_seconds(python: str, body: str, repeat: int) -> tuple[float, float] | None:
    """(median, min) seconds of ``body`` in fresh interpreters; None if it fails."""
    times = []
    with tempfile.TemporaryDirectory(prefix="llamastack-bench-proc-") as cwd:
        for _ in range(repeat):
            done = subprocess.run([python, "-c", _TIME_IMPORT.format(body=body)],
                                  capture_output=True, text=True, cwd=cwd, check=False,
                                  env=_clean_env())
            if done.returncode != 0:
                return None
            times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times), min(times)


if __name__ == "__main__":  # python -m benchmarks.processes BASE_URL: the import summary
    print(importtime_summary(sys.executable, COLD_START_SCRIPTS["llamastack"], sys.argv[1]))
