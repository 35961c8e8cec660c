"""Install, start and stop real llama-stack servers of every line for the integration tests.

Stdlib only. Usable as a module (pytest fixtures) and as a CLI::

    python -m tests.integration.servers.manage install --line all
    python -m tests.integration.servers.manage start --line all --state-dir /tmp/ls-it
    python -m tests.integration.servers.manage start --line 0.2,0.5 --state-dir /tmp/ls-it
    python -m tests.integration.servers.manage status --state-dir /tmp/ls-it
    python -m tests.integration.servers.manage stop --state-dir /tmp/ls-it

Lines: 0.7 (0.7.3), 0.6 (0.6.1), 0.5 (0.5.4), 0.4 (0.4.7), 0.3 (0.3.5), 0.2 (0.2.24). Installing
is in ``install.py``, the run configs in ``configs.py``; facts behind every step are in
``REAL_SERVER.md``, ``SERVER_LINES.md`` (shared notes) and in ``README.md`` here.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypedDict

from .configs import CONFIGS, CONNECTOR_ID, EMBED, LLM
from .install import (
    ALL_LINES,
    LINES,
    MARKER,
    install,
    install_each,
    normalize_lines,
    tail,
    tiktoken_dir,
    venv_dir,
)
from .processes import alive, free_port, http_get, kill_group, kill_groups, spawn, start_ticks, wait_healthy

__all__ = [
    "ALL_LINES",
    "CONNECTOR_ID",
    "EMBED",
    "LLM",
    "VERSIONS",
    "FakeInfo",
    "ServerInfo",
    "State",
    "default_state_dir",
    "install",
    "main",
    "normalize_lines",
    "read_state",
    "running_servers",
    "start_servers",
    "status",
    "stop_servers",
    "write_config",
]

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[2]
FAKE_MODULE = "tests.integration.servers.fake_openai"
HEALTH_TIMEOUT = 90.0  # six lines starting at once on two cores: 0.2 alone needs ~10 s
VERSIONS: dict[str, str] = {name: line.version for name, line in LINES.items()}


def write_config(line: str, state: Path, fake_base_url: str, port: int) -> Path:
    """Write the run config as JSON text (YAML is a superset of JSON: no yaml module needed)."""
    path = state / "run.yaml"
    config = CONFIGS[line](state, fake_base_url, port)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


# ----------------------------------------------------------------------------- processes


class ProcessInfo(TypedDict):
    pid: int  # also the process group id (each child starts its own session)
    start_ticks: int  # /proc/<pid>/stat start time, guards against pid reuse
    port: int
    base_url: str
    log: str


class FakeInfo(ProcessInfo):
    journal: str


class ServerInfo(ProcessInfo):
    line: str
    version: str
    config: str
    seconds_to_healthy: float


class State(TypedDict):
    state_dir: str
    fake: FakeInfo | None
    servers: dict[str, ServerInfo]  # the lines that are up
    failed: dict[str, str]  # line -> why it is not up (only with keep_going)
    seconds_to_start: float  # install check + fake + all lines healthy


def server_env(line: str, state: Path) -> dict[str, str]:
    """Environment of a llama-stack server process (see REAL_SERVER.md)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYENV_VERSION")
    }
    vbin = venv_dir(line) / "bin"
    env["PATH"] = f"{vbin}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["VIRTUAL_ENV"] = str(venv_dir(line))
    config_dir = state / "config-dir"
    config_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "LLAMA_STACK_CONFIG_DIR": str(config_dir),
            "LLAMA_STACK_LOG_FORMAT": "json",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "OTEL_SDK_DISABLED": "true",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "TIKTOKEN_CACHE_DIR": str(tiktoken_dir()),
            "SQLITE_STORE_DIR": str(state / "store"),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
            # site/sitecustomize.py: plain instead of rich tracebacks in the logs of 0.2-0.6.
            "PYTHONPATH": str(HERE / "site"),
        }
    )
    return env


def _proc_info(pid: int, port: int, base_url: str, log: Path) -> ProcessInfo:
    return {"pid": pid, "start_ticks": start_ticks(pid), "port": port, "base_url": base_url, "log": str(log)}


def start_fake(state_dir: Path, timeout: float = 15.0) -> FakeInfo:
    """Start the fake OpenAI backend (current interpreter, stdlib only)."""
    folder = state_dir / "fake"
    folder.mkdir(parents=True, exist_ok=True)
    port_file, log, journal = folder / "port", folder / "fake.log", folder / "journal.jsonl"
    port_file.unlink(missing_ok=True)
    # Run as a module of this repository (it imports its sibling modules), from any cwd.
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPATH=str(REPO_ROOT))
    pid = spawn(
        [
            sys.executable,
            "-m",
            FAKE_MODULE,
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--journal",
            str(journal),
        ],
        cwd=folder,
        env=env,
        log=log,
    )
    deadline = time.monotonic() + timeout
    while not port_file.is_file():
        if not alive(pid) or time.monotonic() > deadline:
            kill_group(pid, start_ticks(pid))
            raise RuntimeError(f"fake backend did not start; log {log}:\n{tail(log)}")
        time.sleep(0.05)
    port = int(port_file.read_text())
    base_url = f"http://127.0.0.1:{port}/v1"
    wait_healthy(pid, f"{base_url}/health", log, timeout, "fake backend")
    info = _proc_info(pid, port, base_url, log)
    return {**info, "journal": str(journal)}


def start_line(
    line: str, state_dir: Path, fake_base_url: str, timeout: float = HEALTH_TIMEOUT, attempts: int = 3
) -> ServerInfo:
    """Start one llama-stack server of ``line`` on a free port; wait until healthy."""
    state = state_dir / line
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    (state / "store").mkdir()
    (state / "files").mkdir()
    cwd = state / "cwd"  # 0.2 creates a folder named "None" in its working directory
    cwd.mkdir()
    llama = venv_dir(line) / "bin" / "llama"
    if not (venv_dir(line) / MARKER).is_file():
        raise RuntimeError(f"line {line} is not installed; run install first")
    env = server_env(line, state)
    log = state / "server.log"
    last_error: Exception | None = None
    for _ in range(attempts):
        port = free_port()
        config = write_config(line, state, fake_base_url, port)
        started = time.monotonic()
        pid = spawn(
            [str(llama), "stack", "run", str(config), "--port", str(port)], cwd=cwd, env=env, log=log
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(pid, f"{base_url}/v1/health", log, timeout, f"llama-stack {line}")
        except RuntimeError as exc:
            kill_group(pid, start_ticks(pid))
            last_error = exc
            if "address already in use" in str(exc).lower():
                continue  # lost the race for the free port: try another one
            raise
        info = _proc_info(pid, port, base_url, log)
        return {
            **info,
            "line": line,
            "version": VERSIONS[line],
            "config": str(config),
            "seconds_to_healthy": round(time.monotonic() - started, 2),
        }
    assert last_error is not None
    raise last_error


# ----------------------------------------------------------------------------- public API


def default_state_dir() -> Path:
    env = os.environ.get("LLAMASTACK_IT_STATE")
    return Path(env) if env else Path(tempfile.gettempdir()) / "llamastack-it-state"


def _state_file(state_dir: Path) -> Path:
    return state_dir / "state.json"


def _write_state(state: State) -> None:
    path = _state_file(Path(state["state_dir"]))
    tmp = path.with_name("state.json.tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(path)


def read_state(state_dir: str | os.PathLike[str]) -> State | None:
    """The state written by :func:`start_servers`, or None when nothing is running there."""
    path = _state_file(Path(state_dir))
    if not path.is_file():
        return None
    data: State = json.loads(path.read_text())
    return data


def start_servers(
    lines: str | Sequence[str] = "all",
    state_dir: str | os.PathLike[str] | None = None,
    *,
    install_first: bool = True,
    timeout: float = HEALTH_TIMEOUT,
    keep_going: bool = False,
) -> State:
    """Start the fake backend and one llama-stack server per line; return the state.

    ``state["servers"]["0.7"]["base_url"]`` is e.g. ``http://127.0.0.1:40123`` (no ``/v1``).
    Anything already recorded in ``state_dir`` is stopped first. The lines install and start in
    parallel. When a line fails to install or start, everything is stopped and the error (with
    the log tail) is raised; with ``keep_going`` the other lines stay up and the failure is
    recorded in ``state["failed"][line]`` instead (the fake backend failing always raises).
    """
    names = normalize_lines(lines)
    root = Path(state_dir) if state_dir is not None else default_state_dir()
    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    stop_servers(root)
    began = time.monotonic()
    state: State = {"state_dir": str(root), "fake": None, "servers": {}, "failed": {},
                    "seconds_to_start": 0.0}
    try:
        if install_first:
            for name, result in install_each(names).items():
                if isinstance(result, Exception):
                    state["failed"][name] = f"install failed: {result}"
        fake = state["fake"] = start_fake(root)
        _write_state(state)
        starting = [name for name in names if name not in state["failed"]]
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(starting) or 1) as pool:
            futures = {
                name: pool.submit(start_line, name, root, fake["base_url"], timeout) for name in starting
            }
        for name, future in futures.items():
            error = future.exception()
            if error is None:
                state["servers"][name] = future.result()
            else:
                state["failed"][name] = str(error)
        state["seconds_to_start"] = round(time.monotonic() - began, 2)
        _write_state(state)
        if state["failed"] and not keep_going:
            raise RuntimeError("; ".join(f"line {name}: {why}" for name, why in state["failed"].items()))
    except BaseException:
        stop_servers(root)
        raise
    return state


def stop_servers(state_dir: str | os.PathLike[str] | None = None) -> list[int]:
    """Stop every process recorded in ``state_dir``; safe to call twice. Returns the pids."""
    root = Path(state_dir) if state_dir is not None else default_state_dir()
    state = read_state(root)
    if state is None:
        return []
    servers: list[ProcessInfo] = list(state["servers"].values())
    fake: list[ProcessInfo] = [state["fake"]] if state["fake"] is not None else []
    # All servers together, then the backend: servers may still talk to it while they stop.
    for procs in (servers, fake):
        kill_groups([(info["pid"], info["start_ticks"]) for info in procs])
    _state_file(root).unlink(missing_ok=True)
    return [info["pid"] for info in [*servers, *fake]]


def status(state_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Liveness and health of whatever ``state_dir`` records."""
    root = Path(state_dir) if state_dir is not None else default_state_dir()
    state = read_state(root)
    if state is None:
        return {"state_dir": str(root), "running": False, "processes": {}}
    out: dict[str, Any] = {}
    named: list[tuple[str, ProcessInfo, str]] = []
    if state["fake"] is not None:
        named.append(("fake", state["fake"], state["fake"]["base_url"] + "/health"))
    for line, server in state["servers"].items():
        named.append((line, server, server["base_url"] + "/v1/health"))
    for name, info, health in named:
        up = alive(info["pid"]) and start_ticks(info["pid"]) == info["start_ticks"]
        code, _ = http_get(health) if up else (0, b"")
        out[name] = {"pid": info["pid"], "base_url": info["base_url"], "alive": up, "healthy": code == 200}
    running = any(p["alive"] for p in out.values())
    return {"state_dir": str(root), "running": running, "processes": out}


@contextlib.contextmanager
def running_servers(
    lines: str | Sequence[str] = "all",
    state_dir: str | os.PathLike[str] | None = None,
    *,
    install_first: bool = True,
    timeout: float = HEALTH_TIMEOUT,
    keep_going: bool = False,
) -> Iterator[State]:
    """Context manager around :func:`start_servers` / :func:`stop_servers`.

    Without ``state_dir`` a temporary folder is used and removed afterwards.
    """
    temp = state_dir is None
    root = Path(tempfile.mkdtemp(prefix="llamastack-it-")) if temp else Path(str(state_dir))
    try:
        yield start_servers(lines, root, install_first=install_first, timeout=timeout, keep_going=keep_going)
    finally:
        stop_servers(root)
        if temp:
            shutil.rmtree(root, ignore_errors=True)


# ----------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.servers.manage")
    parser.add_argument("command", choices=["install", "start", "stop", "status"])
    parser.add_argument(
        "--line",
        default="all",
        help=f"a line ({', '.join(ALL_LINES)}), a comma-separated list, or all (default)",
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help=f"where state, logs and stores live (default {default_state_dir()})",
    )
    parser.add_argument("--force", action="store_true", help="install: rebuild the venvs")
    parser.add_argument(
        "--timeout", type=float, default=HEALTH_TIMEOUT, help="start: seconds to wait for each /v1/health"
    )
    parser.add_argument("--json", action="store_true", help="start/status: print JSON")
    args = parser.parse_args(argv)
    try:
        lines = normalize_lines(args.line)
    except ValueError as exc:
        parser.error(str(exc))
    if args.command == "install":
        started = time.monotonic()
        try:
            paths = install(lines, force=args.force)
        except RuntimeError as exc:
            print(exc, file=sys.stderr)
            return 1
        for line, path in paths.items():
            print(f"{line} ({VERSIONS[line]}): {path}")
        print(f"install took {time.monotonic() - started:.1f} s")
        return 0
    if args.command == "start":
        try:
            state = start_servers(lines, args.state_dir, timeout=args.timeout)
        except RuntimeError as exc:
            print(f"start failed: {exc}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(state, indent=2))
        else:
            if state["fake"] is not None:
                print(f"fake {state['fake']['base_url']} pid {state['fake']['pid']}")
            for line, info in state["servers"].items():
                print(
                    f"{line} {info['base_url']} pid {info['pid']} "
                    f"(healthy after {info['seconds_to_healthy']} s)"
                )
            where = Path(state["state_dir"]) / "state.json"
            print(f"all up after {state['seconds_to_start']} s; state: {where}")
        return 0
    if args.command == "stop":
        pids = stop_servers(args.state_dir)
        print(f"stopped {len(pids)} process group(s): {pids}" if pids else "nothing running")
        return 0
    report = status(args.state_dir)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, proc in report["processes"].items():
            print(
                f"{name} {proc['base_url']} pid {proc['pid']} alive={proc['alive']} healthy={proc['healthy']}"
            )
        if not report["processes"]:
            print("nothing running")
    return 0 if report["running"] or not report["processes"] else 1


if __name__ == "__main__":
    sys.exit(main())
