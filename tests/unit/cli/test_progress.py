"""The upload progress bar."""

from __future__ import annotations

import io

from llamastack import cli


def test_the_progress_bar_shows_bytes_percent_rate_and_eta() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = cli.ProgressBar(out, "f.bin", width=10, clock=lambda: now[0])
    bar(1024, 4 * 1024 * 1024)  # the first call starts the clock
    now[0] = 1.0
    bar(1024 * 1024, 4 * 1024 * 1024)
    now[0] = 1.05
    bar(2 * 1024 * 1024, 4 * 1024 * 1024)  # within the redraw interval: skipped
    now[0] = 4.0
    bar(4 * 1024 * 1024, 4 * 1024 * 1024)
    bar.finish()
    frames = out.getvalue().split("\r")[1:]
    # The rate counts the bytes sent since the first call: 1023 KiB in the first second.
    assert frames[1] == "f.bin [##--------]  25.0%  1.0 MiB / 4.0 MiB  1023.0 KiB/s  ETA 0:03"
    assert frames[2].startswith(
        "f.bin [##########] 100.0%  4.0 MiB / 4.0 MiB  1023.8 KiB/s  ETA 0:00")
    assert len(frames) == 3 and out.getvalue().endswith("\n")


def test_the_progress_bar_restarts_its_clock_when_a_retry_rewinds() -> None:
    now = [0.0]
    out = io.StringIO()
    bar = cli.ProgressBar(out, "f", clock=lambda: now[0], interval=0)
    bar(50, 100)
    now[0] = 10.0
    bar(10, 100)  # a retry started over
    now[0] = 11.0
    bar(20, 100)
    assert out.getvalue().split("\r")[-1].split("  ")[2] == "20 B / 100 B"
    assert "10 B/s" in out.getvalue().split("\r")[-1]
