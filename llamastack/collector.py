"""Keeping the garbage collector's young generation collected while a long list is decoded.

CPython's cyclic collector runs when allocations outnumber deallocations by the first
threshold (700): it collects the youngest generation, every tenth time the middle one as
well, and, once the objects that survived into the oldest generation since its last full
collection outnumber a quarter of it, everything. Decoding 200,000 models allocates 200,000
objects that all survive, so the oldest generation grows as they are made and the collector
walks the whole heap (the parsed JSON included) two or three times during one decode: the
cost per model grew fourfold from 2,000 to 200,000 models.

Between slices of a long list the decoder collects the youngest generation itself
(``gc.collect(0)``) once it is past half its threshold, so the automatic collection, the
one that goes on to the older generations, is not set off by the decoder's own allocations.
What this changes for the rest of the program is only when the older generations are next
examined: young garbage of every thread is still collected, as often as before; nothing is
disabled and no threshold is changed (``gc.isenabled()``, ``gc.get_threshold()`` and
another thread's ``gc.disable()`` are as they were); when the collector is disabled or its
first threshold is 0, nothing is collected here either. The survivors wait in the middle
generation; if the list is dropped before the next automatic collection (a program that
handles a list and moves on), the collector never walks them at all.

Builds whose collector has no cheap young collection (free-threaded CPython collects
everything on any ``gc.collect``; other implementations) are left alone.
"""

from __future__ import annotations

import gc
import sys

__all__ = ["SLICE", "collect_young_if_due"]

# Elements decoded between two looks at the collector's count: a look costs about 0.1 us,
# and 64 elements of up to 5 allocations each stay under half of the default threshold.
SLICE = 64


def _has_cheap_young_collection() -> bool:
    if sys.implementation.name != "cpython" or not hasattr(gc, "get_count"):
        return False
    abiflags = getattr(sys, "abiflags", None)
    if abiflags is not None:  # POSIX: "t" marks a free-threaded build (PEP 703)
        return "t" not in abiflags
    import sysconfig  # Windows: the build's configuration says it (a millisecond to load)

    return not sysconfig.get_config_var("Py_GIL_DISABLED")


_ACTIVE = _has_cheap_young_collection()


def collect_young_if_due() -> None:
    """Collect generation 0 if it is past half its threshold (the collector would soon)."""
    if _ACTIVE:
        threshold = gc.get_threshold()[0]
        if threshold and gc.get_count()[0] > threshold // 2 and gc.isenabled():
            gc.collect(0)
