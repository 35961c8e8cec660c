"""End-to-end smoke check of the real servers of every line, and capture of their real answers
(stdlib only).

    python -m tests.integration.servers.smoke                    # start all lines, probe, stop
    python -m tests.integration.servers.smoke --line 0.3,0.7     # only these lines
    python -m tests.integration.servers.smoke --capture          # also rewrite captured/
    python -m tests.integration.servers.smoke --state-dir D --reuse   # servers already started in D

Each check talks plain HTTP to 127.0.0.1 (no client library), so it verifies the servers and
the fake backend, not the client: ``probe.py`` (every API, each line at the path it serves) and
``probe_agents.py`` (the Agents API of 0.2 and 0.3). ``--capture`` stores each answer under
``captured/<line>/<name>.json`` (streams as a JSON list of their ``data:`` payloads) and
describes request and answer in ``captured/index.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import manage
from .httpkit import CAPTURE_DIR, Run
from .probe import probe_line
from .probe_agents import probe_agents

__all__ = ["main", "openapi_operations", "run_checks"]

# Operations in GET /openapi.json with the configs of configs.py (they depend on the config's apis).
OPENAPI_OPERATIONS = {"0.7": 99}


def openapi_operations(run: Run) -> int:
    doc = run.call(None, "GET", "/openapi.json", routed=False).json
    verbs = {"get", "post", "put", "patch", "delete"}
    return sum(1 for item in doc["paths"].values() for verb in item if verb in verbs)


def run_line(line: str, base_url: str, fake_base_url: str, capture: bool) -> Run:
    run = Run(line=line, base=base_url, capture=capture)

    def openapi() -> None:
        count = openapi_operations(run)
        print(f"     {line}: GET /openapi.json lists {count} operations", flush=True)
        if line in OPENAPI_OPERATIONS:
            assert count == OPENAPI_OPERATIONS[line], count

    run.check("openapi", openapi)
    probe_line(run, fake_base_url)
    probe_agents(run)
    return run


def run_checks(state: manage.State, capture: bool) -> tuple[int, list[str], dict[str, Any]]:
    passed, failed, index = 0, [], {}
    fake = state["fake"]
    assert fake is not None
    for line, info in state["servers"].items():
        run = run_line(line, info["base_url"], fake["base_url"], capture)
        passed += run.passed
        failed += [f"{line}: {t}" for t in run.failed]
        index.update(run.index)
    failed += [f"{line}: not running: {why}" for line, why in state["failed"].items()]
    return passed, failed, index


@contextlib.contextmanager
def _servers(args: argparse.Namespace) -> Iterator[manage.State]:
    if args.reuse:
        state = manage.read_state(args.state_dir or manage.default_state_dir())
        if state is None:
            raise SystemExit(f"nothing running in {args.state_dir}")
        lines = manage.normalize_lines(args.line)
        state["servers"] = {k: v for k, v in state["servers"].items() if k in lines}
        yield state
        return
    with manage.running_servers(args.line, args.state_dir, keep_going=True) as state:
        yield state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.servers.smoke")
    parser.add_argument("--line", default="all", help="a line, a comma-separated list, or all (default)")
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="use servers already started in --state-dir")
    parser.add_argument("--capture", action="store_true", help="rewrite captured/*.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with _servers(args) as state:
        print(f"servers ready after {time.monotonic() - started:.1f} s", flush=True)
        passed, failed, index = run_checks(state, args.capture)
        if args.capture:
            path = CAPTURE_DIR / "index.json"
            old = json.loads(path.read_text()) if path.is_file() else {}
            old.update(index)
            path.write_text(json.dumps(dict(sorted(old.items())), indent=2, ensure_ascii=False) + "\n")
        print(f"smoke: {passed} passed, {len(failed)} failed in {time.monotonic() - started:.1f} s")
        for title in failed:
            print(f"  failed: {title}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
