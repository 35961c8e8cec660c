"""Eight threads making small calls at once: the throughput of a shared client.

A ``Gang`` keeps its threads between samples (starting threads is not what is measured):
each sample releases all of them together, each makes ``n`` calls, and the sample is the
wall time until the last one is done, per call. With the GIL the threads take turns on one
core while nginx answers on the other, so this shows what a shared client costs in locks
and contention next to threads that share nothing.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["THREADS", "Gang"]

THREADS = 8


class Gang:
    """``calls[i]`` is thread i's call; ``seconds_per_call(n)`` times one sample."""

    def __init__(self, calls: Sequence[Callable[[], Any]]) -> None:
        self._calls = list(calls)
        self._start = threading.Barrier(len(calls) + 1)
        self._done = threading.Barrier(len(calls) + 1)
        self._n = 0
        self._stop = False
        self._errors: list[BaseException] = []
        self._threads = [threading.Thread(target=self._work, args=(call,), daemon=True,
                                          name=f"bench-{i}") for i, call in enumerate(calls)]
        for thread in self._threads:
            thread.start()

    def _work(self, call: Callable[[], Any]) -> None:
        while True:
            self._start.wait()
            if self._stop:
                return
            try:
                for _ in range(self._n):
                    call()
            except BaseException as exc:  # reported by seconds_per_call, on the main thread
                self._errors.append(exc)
            self._done.wait()

    def seconds_per_call(self, n: int) -> tuple[float, float]:
        """Wall time and the process's CPU time (all threads) per call."""
        self._n = n
        self._start.wait()
        started, cpu = time.perf_counter(), time.process_time()
        self._done.wait()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        if self._errors:
            raise RuntimeError(f"a benchmark thread failed: {self._errors[0]!r}") from self._errors[0]
        calls = n * len(self._calls)
        return elapsed / calls, cpu / calls

    def close(self) -> None:
        self._stop = True
        self._start.wait()
        for thread in self._threads:
            thread.join()
