"""Helpers shared by the integration test modules (no fixtures: those live in conftest.py)."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from llamastack.errors import APIStatusError
from tests.integration.servers import manage

__all__ = ["eventually", "fake_journal", "start_of_a_new_second"]

T = TypeVar("T")


def eventually(
    fetch: Callable[[], T],
    until: Callable[[T], bool] = lambda _: True,
    *,
    retry_on: tuple[type[APIStatusError], ...] = (),
    timeout: float = 5.0,
    interval: float = 0.02,
) -> T:
    """``fetch()`` again until ``until(result)`` holds, for what the server does in the
    background (stored chat completions, file batches, background responses).

    An error in ``retry_on`` counts as "not yet"; after ``timeout`` seconds the last error is
    raised, or an AssertionError showing the last result.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = fetch()
        except retry_on:
            if time.monotonic() > deadline:
                raise
        else:
            if until(result):
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"still not there after {timeout} s: {result!r}")
        time.sleep(interval)


def start_of_a_new_second() -> None:
    """Sleep until the wall clock enters a new second (< 1 s).

    The 0.7.3 list cursors of files, chat completions and responses are a ``created_at`` in
    whole seconds: a page ends at an item, and the next page starts after that item's *second*,
    so items created in the same second as the cursor item are skipped. Tests that page through
    items they made create them in distinct seconds (servers on 127.0.0.1 share this clock).
    """
    now = time.time()
    time.sleep(math.floor(now) + 1 - now + 0.01)


def fake_journal(servers: manage.State, mentioning: str = "") -> list[dict[str, Any]]:
    """What llama-stack sent to the fake backend, one request per journal line; with
    ``mentioning``, only the requests whose line contains that text."""
    fake = servers["fake"]
    assert fake is not None
    lines = Path(fake["journal"]).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip() and mentioning in line]
