"""Child processes of the test servers: spawn in their own session, wait for health, and stop
a whole process group, guarded against pid reuse by the /proc start time (stdlib only, Linux)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Collection, Sequence
from pathlib import Path

from .httpkit import http
from .install import tail

__all__ = [
    "alive",
    "free_port",
    "http_get",
    "kill_group",
    "kill_groups",
    "spawn",
    "start_ticks",
    "wait_healthy",
]

# Popen objects of children this interpreter started, so stop() can reap them.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (index 0 is the state)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def start_ticks(pid: int) -> int:
    fields = proc_stat(pid)
    return int(fields[19]) if fields else -1


def live_groups(pgids: Collection[int]) -> set[int]:
    """Those of the process groups ``pgids`` that still have a live (non-zombie) member."""
    live: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = proc_stat(int(entry))
        if fields and fields[0] != "Z" and int(fields[2]) in pgids:
            live.add(int(fields[2]))
    return live


def reap() -> None:
    for pid, proc in list(_CHILDREN.items()):
        if proc.poll() is not None:
            del _CHILDREN[pid]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """GET without any proxy; returns (status, body); status 0 when nothing answers."""
    try:
        reply = http("GET", url, timeout=timeout)
    except (OSError, ValueError):
        return 0, b""
    return reply.status, reply.raw


def spawn(cmd: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path) -> int:
    with open(log, "ab") as fh:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc.pid


def alive(pid: int) -> bool:
    proc = _CHILDREN.get(pid)
    if proc is not None:
        return proc.poll() is None
    fields = proc_stat(pid)
    return fields is not None and fields[0] != "Z"


def wait_healthy(pid: int, url: str, log: Path, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid):
            raise RuntimeError(f"{what} exited during start-up; log {log}:\n{tail(log)}")
        status, _ = http_get(url, timeout=1.0)
        if status == 200:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} not healthy after {timeout:.0f} s at {url}; log {log}:\n{tail(log)}")


def kill_group(pgid: int, recorded_ticks: int, grace: float = 10.0) -> None:
    """Stop one process group, as :func:`kill_groups` does."""
    kill_groups([(pgid, recorded_ticks)], grace)


def kill_groups(groups: Sequence[tuple[int, int]], grace: float = 10.0) -> None:
    """SIGTERM every process group, then SIGKILL what is left after ``grace`` seconds.

    ``groups`` holds ``(pgid, recorded_ticks)`` pairs. The groups get each signal together and
    are waited for together, so stopping six servers takes as long as the slowest one. Nothing is
    sent to a group whose leader's /proc start time differs from ``recorded_ticks``.
    """
    ours = [pgid for pgid, recorded_ticks in groups if _leader_matches(pgid, recorded_ticks)]
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        left = live_groups(ours)
        if not left:
            break
        for pgid in left:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            reap()
            if not live_groups(ours):
                break
            time.sleep(0.05)
    reap()
    for pgid in ours:
        proc = _CHILDREN.pop(pgid, None)
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


def _leader_matches(pgid: int, recorded_ticks: int) -> bool:
    """False when the pid now belongs to somebody else, so its group is not ours (a leader that
    is gone or a zombie still leaves its group ours: its children may live on)."""
    leader = proc_stat(pgid)
    return leader is None or leader[0] == "Z" or start_ticks(pgid) == recorded_ticks
