"""The official SDK's side of the benchmark, run in its own interpreter (it needs Python >= 3.12).

``run.py`` starts this file with the cached venv's python and drives it over stdin/stdout,
one JSON object per line, so the official SDK's calls are interleaved round by round with the
in-process ones. It measures the official ``llama_stack_client`` and, for a fair ratio, the
floors (``benchmarks.floor``: lean and idiomatic) under the same interpreter.

Protocol: the worker prints ``{"ready": true, "version": ...}`` (or ``{"error": ...}``), then
answers each ``{"impl": "sdk"|"lean"|"idiomatic", "job": NAME, "n": N}`` with
``{"seconds": per_call, "cpu": per_call}`` (wall and this process's CPU time);
an empty line or end of input stops it.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fixtures import CHAT_REQUEST
from benchmarks.floor import idiomatic_jobs, lean_jobs, timed


def sdk_jobs(base_url: str) -> tuple[dict[str, Callable[[], Any]], Callable[[], None]]:
    sdk = importlib.import_module("llama_stack_client")  # not installed where mypy runs
    client = sdk.LlamaStackClient(base_url=base_url)

    def post() -> Any:
        return client.conversations.create()

    def list_models() -> Any:
        return client.models.list()

    def stream() -> Any:
        count = 0
        with client.chat.completions.create(stream=True, **CHAT_REQUEST) as chunks:
            for _ in chunks:
                count += 1
        return count

    return {"post": post, "list": list_models, "stream": stream}, client.close


def main() -> None:
    base_url = sys.argv[1]
    try:
        llama_stack_client = importlib.import_module("llama_stack_client")
        # The SDK calls logging.basicConfig(level=INFO) on import (lib/tools/mcp_oauth.py), so
        # by default every request prints an httpx INFO line: not what is being compared here.
        logging.getLogger().setLevel(logging.WARNING)
        impls = {"sdk": sdk_jobs(base_url)[0], "lean": lean_jobs(base_url)[0],
                 "idiomatic": idiomatic_jobs(base_url)[0]}
        # A wrong fixture shape would only show as an error later: check every job once.
        for jobs in impls.values():
            for call in jobs.values():
                call()
    except Exception as exc:  # reported to run.py, which goes on without the SDK
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}), flush=True)
        return
    print(json.dumps({"ready": True, "version": llama_stack_client.__version__,
                      "python": sys.version.split()[0]}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            break
        command = json.loads(line)
        seconds, cpu = timed(impls[command["impl"]][command["job"]], command["n"])
        print(json.dumps({"seconds": seconds, "cpu": cpu}), flush=True)


if __name__ == "__main__":
    main()
