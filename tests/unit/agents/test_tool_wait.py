"""Waiting for a tool's result stays interruptible by Ctrl-C.

The kernel may deliver a process's SIGINT to any of its threads. When it picks a tool's
thread, Python only raises KeyboardInterrupt once the main thread runs Python code again; a
wait with no timeout sleeps through it until the tool ends.
"""

from __future__ import annotations

import signal
import threading
import time
from concurrent.futures import Future

import pytest

from llamastack.agents.agent import tool_outcome


def test_a_ctrl_c_delivered_to_a_tools_thread_interrupts_the_wait() -> None:
    release = threading.Event()
    future: Future[str] = Future()

    def tool() -> None:
        release.wait(20)
        future.set_result("done")

    worker = threading.Thread(target=tool, daemon=True)
    worker.start()
    assert worker.ident is not None
    interrupter = threading.Timer(0.2, signal.pthread_kill, (worker.ident, signal.SIGINT))
    interrupter.start()
    started = time.monotonic()
    try:
        with pytest.raises(KeyboardInterrupt):
            tool_outcome(future)
        assert time.monotonic() - started < 5  # not the 20 s the tool would take
    finally:
        release.set()
        interrupter.cancel()


def test_a_finished_tool_is_returned_at_once() -> None:
    future: Future[str] = Future()
    future.set_result("done")
    assert tool_outcome(future) == "done"
