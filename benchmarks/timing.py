"""Interleaved timing: every round runs each job once per implementation, in a rotating order.

Drift (CPU frequency, caches, the other core's load, another process's burst) then spreads
evenly over the implementations, and each figure is the median over rounds of the time per
call. Ratios of medians from one such run are far steadier than the absolute times.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["Measure", "Samples", "interleave"]

# measure(job, batch) -> (wall, CPU) seconds per call over ``batch`` back-to-back calls; the
# CPU time is the measuring process's, so it leaves out the server and the other processes.
Measure = Callable[[str, int], tuple[float, float]]


@dataclass
class Samples:
    per_call: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    cpu_per_call: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def add(self, impl: str, job: str, seconds: tuple[float, float]) -> None:
        self.per_call.setdefault((impl, job), []).append(seconds[0])
        self.cpu_per_call.setdefault((impl, job), []).append(seconds[1])

    def median(self, impl: str, job: str) -> float | None:
        """Median wall time per call; None when ``impl`` did not time ``job``."""
        return _median(self.per_call.get((impl, job)))

    def cpu(self, impl: str, job: str) -> float | None:
        """Median CPU time per call of the measuring process; None as for :meth:`median`."""
        return _median(self.cpu_per_call.get((impl, job)))

    def spread(self, impl: str, job: str) -> float | None:
        """The interquartile range over the median: how noisy this figure was."""
        values = self.per_call.get((impl, job))
        if not values or len(values) < 4:
            return None
        low, _, high = statistics.quantiles(values, n=4)
        return (high - low) / statistics.median(values)


def _median(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def interleave(jobs: list[str], batch: Mapping[str, int],
               measurers: Mapping[str, Mapping[str, Measure]], rounds: int,
               progress: Callable[[int], None] | None = None) -> Samples:
    """``measurers[impl][job]``: each implementation times the jobs it has."""
    names = list(measurers)
    samples = Samples()
    for round_no in range(rounds):
        shift = round_no % len(names)
        order = names[shift:] + names[:shift]
        for job in jobs:
            for name in order:
                measure = measurers[name].get(job)
                if measure is not None:
                    samples.add(name, job, measure(job, batch[job]))
        if progress is not None:
            progress(round_no + 1)
    return samples
