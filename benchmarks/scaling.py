"""The scaling run: does the cost per item stay flat as bodies grow?

    python -m benchmarks.scaling BASE_URL [--quick]     (run.py starts it; prints JSON)

For model lists of 200 / 2,000 / 20,000 / 200,000 items and chat streams of 4,000 / 40,000
chunks (nginx serves ``/scale/N/...``), in a process of its own so the heap is the same on
every run: the whole call (llamastack, and the lean floor, interleaved; wall time) and, for
the lists, the two parts of it that grow with the body, ``json.loads`` and llamastack's
decoder alone (on the parsed body; the garbage collector as it is), in CPU time of the thread,
which other processes on the machine disturb far less. Every result is dropped before the
next call, as in a program that handles each list and moves on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fixtures import CHAT_REQUEST, SCALE_CHUNKS, SCALE_MODELS
from benchmarks.floor import FloorClient, timed

__all__ = ["main", "scale_models", "scale_stream"]


def _rounds(items: int, quick: bool) -> int:
    full = 5 if items >= 100_000 else 9 if items >= 10_000 else 21
    return max(3, full // 3) if quick else full


def _batch(items: int) -> int:
    return max(1, 4_000 // items)


def _timed(call: Callable[[], Any], batch: int) -> float:
    return timed(call, batch)[0]


def scale_models(base_url: str, count: int, quick: bool) -> dict[str, float]:
    """Median seconds of each measure for a ``count``-model list."""
    from llamastack import LlamaStackClient
    from llamastack.endpoints import ModelList
    from llamastack.spec import plan_for

    url = f"{base_url}/scale/{count}"
    client = LlamaStackClient(base_url=url)
    floor = FloorClient(url)
    decode = plan_for(ModelList).decode_response
    body = floor.send("GET", "/v1/models").raw.read()
    measures: dict[str, Callable[[], Any]] = {
        "lean": lambda: floor.json("GET", "/v1/models"),
        "llamastack": lambda: client.call(ModelList()),
    }
    for call in measures.values():
        call()  # warm-up; the client asks the line here, once
    times: dict[str, list[float]] = {name: [] for name in (*measures, "loads", "decode")}
    batch = _batch(count)
    for round_no in range(_rounds(count, quick)):
        names = list(measures)[round_no % 2:] + list(measures)[:round_no % 2]
        for name in names:
            times[name].append(_timed(measures[name], batch))
        # CPU time of this thread: what parsing and decoding cost, whoever else wants the core;
        # each decode right after its own parse, as in a call (a small body several times, so
        # a sample is well above the clock's grain).
        loads = decoding = 0.0
        for _ in range(batch):
            started = time.thread_time()
            payload = json.loads(body)
            parsed = time.thread_time()
            decoded = decode(payload)
            loads += parsed - started
            decoding += time.thread_time() - parsed
        times["loads"].append(loads / batch)
        times["decode"].append(decoding / batch)
        if len(decoded.data) != count:
            raise RuntimeError(f"decoded {len(decoded.data)} models, expected {count}")
        del payload, decoded
    client.close()
    floor.close()
    return {name: statistics.median(values) for name, values in times.items()}


def scale_stream(base_url: str, count: int, quick: bool) -> dict[str, float]:
    from llamastack import LlamaStackClient
    from llamastack.endpoints import ChatCompletionCreate

    url = f"{base_url}/scale/{count}"
    client = LlamaStackClient(base_url=url)
    floor = FloorClient(url)
    body = json.dumps({**CHAT_REQUEST, "stream": True}).encode()

    def ours() -> int:
        with client.stream(ChatCompletionCreate(**CHAT_REQUEST)) as chunks:
            return sum(1 for _ in chunks)

    def lean() -> int:
        return sum(1 for _ in floor.events("/v1/chat/completions", body))

    measures = {"lean": lean, "llamastack": ours}
    for call in measures.values():
        if call() != count:
            raise RuntimeError(f"expected {count} chunks")
    times: dict[str, list[float]] = {name: [] for name in measures}
    for round_no in range(_rounds(count * 5, quick)):
        names = list(measures)[round_no % 2:] + list(measures)[:round_no % 2]
        for name in names:
            times[name].append(_timed(measures[name], 1))
    client.close()
    floor.close()
    return {name: statistics.median(values) for name, values in times.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("base_url")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"models": {}, "chunks": {}}
    for count in SCALE_MODELS:
        result["models"][count] = scale_models(args.base_url, count, args.quick)
        print(f"  {count:,} models done", file=sys.stderr, flush=True)
    for count in SCALE_CHUNKS:
        result["chunks"][count] = scale_stream(args.base_url, count, args.quick)
        print(f"  {count:,} chunks done", file=sys.stderr, flush=True)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
