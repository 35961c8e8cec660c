"""One client shared by 8 threads making 10,000 calls against a keep-alive server.

No call fails, no thread ever gets another thread's answer (each request carries a unique
id that the server echoes), and the process's sockets and file descriptors never exceed
the connection pool (10) plus a small constant, during the run and after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from llamastack import LlamaStackClient
from tests.reliability.specs import EchoRetrieve

THREADS = 8
CALLS = 10_000
POOL_SIZE = 10  # what the client's own session pools per host
SLACK = 3  # descriptors a thread or the runtime may open meanwhile (an import, a log file)
ECHO_SERVER = Path(__file__).with_name("echo_server.py")


@pytest.fixture(scope="module")
def echo_url() -> Iterator[str]:
    """The echo server, in its own process so this one holds only the client's sockets."""
    process = subprocess.Popen([sys.executable, str(ECHO_SERVER)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}"
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the server exits when its stdin closes
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - only if it hangs
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def open_descriptors() -> tuple[int, int]:
    """(all file descriptors, sockets) of this process, from /proc/self/fd."""
    total = sockets = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{name}")
        except OSError:
            continue  # the descriptor listdir itself used, already closed
        total += 1
        sockets += target.startswith("socket:")
    return total, sockets


class Peak:
    """Samples the descriptor counts in the background and keeps the maxima."""

    def __init__(self) -> None:
        self.total = self.sockets = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.005):
            total, sockets = open_descriptors()
            self.total, self.sockets = max(self.total, total), max(self.sockets, sockets)

    def __enter__(self) -> Peak:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()


def test_one_client_shared_by_8_threads_for_10000_calls(echo_url: str) -> None:
    base_total, base_sockets = open_descriptors()
    errors: list[BaseException] = []
    mixed_up: list[tuple[str, str]] = []
    done = [0] * THREADS
    start = threading.Barrier(THREADS)

    def worker(index: int, client: LlamaStackClient) -> None:
        start.wait()
        for call in range(CALLS // THREADS):
            request_id = f"w{index}-c{call}"
            try:
                echo = client.call(EchoRetrieve(request_id=request_id))
            except BaseException as exc:  # any failure is a failure of the test
                errors.append(exc)
                return
            if echo.id != request_id:
                mixed_up.append((request_id, echo.id))
            done[index] += 1

    started = time.monotonic()
    with LlamaStackClient(base_url=echo_url, timeout=10.0) as client, Peak() as peak:
        threads = [threading.Thread(target=worker, args=(i, client)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    elapsed = time.monotonic() - started
    after_total, after_sockets = open_descriptors()

    assert errors == [] and mixed_up == []
    assert sum(done) == CALLS, done
    assert peak.sockets - base_sockets <= POOL_SIZE, (base_sockets, peak.sockets)
    assert peak.total - base_total <= POOL_SIZE + SLACK, (base_total, peak.total)
    # Closing the client closes its pool: nothing is left behind.
    assert after_sockets <= base_sockets and after_total <= base_total + SLACK
    print(f"{CALLS} calls from {THREADS} threads in {elapsed:.1f} s; "
          f"peak sockets +{peak.sockets - base_sockets}, descriptors +{peak.total - base_total}")
