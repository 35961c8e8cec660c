"""An upload progress line for a terminal: bytes, percent, rate and ETA.

The command line draws it on stderr when stderr is a terminal; in Python it is the
``on_upload_progress`` callback of ``client.call`` (see examples/demo.py).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import IO

__all__ = ["ProgressBar"]


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"  # pragma: no cover - the loop returns


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """An upload progress line on a terminal: bytes, percent, rate and ETA.

    Pass it as ``on_upload_progress`` to ``client.call``; call ``finish()`` afterwards. It
    redraws at most every ``interval`` seconds (and always for the last byte).
    """

    def __init__(self, out: IO[str], label: str = "upload", *, width: int = 24,
                 interval: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.label = label
        self.width = width
        self.interval = interval
        self.clock = clock
        self.started: float | None = None
        self.start_sent = 0
        self.last_sent = 0
        self.last_draw = -math.inf
        self.drawn = False
        self.line_length = 0

    def __call__(self, sent: int, total: int) -> None:
        now = self.clock()
        if self.started is None or sent < self.last_sent:
            self.started = now  # a retry rewinds the body: measure the rate afresh
            self.start_sent = sent
        self.last_sent = sent
        if sent < total and now - self.last_draw < self.interval:
            return
        self.last_draw = now
        self.out.write("\r" + self.render(sent, total, sent - self.start_sent, now - self.started))
        self.out.flush()
        self.drawn = True

    def render(self, sent: int, total: int, measured: int, elapsed: float) -> str:
        """One frame: ``measured`` bytes went out in the last ``elapsed`` seconds."""
        fraction = sent / total if total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        rate = measured / elapsed if elapsed > 0 else 0.0
        eta = _duration((total - sent) / rate) if rate > 0 and sent < total else (
            "0:00" if sent >= total else "--:--")
        line = (f"{self.label} [{bar}] {fraction * 100:5.1f}%  {_size(sent)} / {_size(total)}"
                f"  {_size(rate)}/s  ETA {eta}")
        padded = line.ljust(self.line_length)
        self.line_length = len(line)
        return padded

    def finish(self) -> None:
        if self.drawn:
            self.out.write("\n")
            self.out.flush()
            self.drawn = False
