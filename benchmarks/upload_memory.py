"""Peak memory growth of one file upload, measured in a fresh process.

    python -m benchmarks.upload_memory llamastack|sdk BASE_URL FILE [--tracemalloc]

Prints one JSON object. The client is created and warmed up with a small upload first (so
imports, the connection and the code paths are in place), then the resident set is taken as
the baseline, the kernel's peak-RSS mark is reset (``/proc/self/clear_refs`` = 5) and FILE is
uploaded; the growth is ``VmHWM - baseline``. ``ru_maxrss`` before and after is reported as a
second opinion (it cannot be reset, so it only shows growth above the earlier peak). With
``--tracemalloc`` the peak of Python allocations during the upload is reported instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MB = 1024 * 1024


# --- run.py's side ------------------------------------------------------------------------


@contextlib.contextmanager
def sparse_file(size: int) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="llamastack-bench-upload-") as tmp:
        path = Path(tmp) / "upload.bin"
        with open(path, "wb") as handle:
            handle.truncate(size)  # sparse: no disk blocks, reads give zeros
        yield path


def measure_upload(python: str, impl: str, base_url: str, path: Path,
                   trace: bool) -> dict[str, Any] | None:
    """This module's measurement in a fresh ``python`` process (None if it failed)."""
    argv = [python, "-m", "benchmarks.upload_memory", impl, base_url, str(path)]
    done = subprocess.run(argv + (["--tracemalloc"] if trace else []), capture_output=True,
                          text=True, cwd=ROOT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        print(f"  upload with {impl} failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- the measuring process ----------------------------------------------------------------


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _uploader(impl: str, base_url: str) -> Callable[[Path], Any]:
    if impl == "llamastack":
        from benchmarks.specs import resolve_specs
        from llamastack import LlamaStackClient

        file_create = resolve_specs()[0]["FileCreate"]
        client = LlamaStackClient(base_url=base_url, max_retries=0)
        return lambda path: client.call(file_create(file=path, purpose="assistants"))
    if impl == "sdk":
        import importlib

        sdk = importlib.import_module("llama_stack_client").LlamaStackClient(
            base_url=base_url, max_retries=0)
        return lambda path: sdk.files.create(file=path, purpose="assistants")
    raise SystemExit(f"unknown implementation {impl!r}")


def main() -> None:
    impl, base_url, file_name = sys.argv[1:4]
    trace = "--tracemalloc" in sys.argv[4:]
    upload = _uploader(impl, base_url)
    with tempfile.TemporaryDirectory() as tmp:
        small = Path(tmp) / "warm-up.bin"
        small.write_bytes(b"x" * 1024)
        upload(small)
    size = Path(file_name).stat().st_size
    if trace:
        import tracemalloc

        tracemalloc.start()
        upload(Path(file_name))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(json.dumps({"impl": impl, "bytes": size, "tracemalloc_peak_mb": peak / MB}))
        return
    baseline_kb = _status_kb("VmRSS")
    maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reset = _reset_peak()
    started = time.perf_counter()
    answer = upload(Path(file_name))
    seconds = time.perf_counter() - started
    peak_kb = _status_kb("VmHWM")
    maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({
        "impl": impl,
        "bytes": size,
        "baseline_rss_mb": baseline_kb / 1024,
        "peak_growth_mb": (peak_kb - baseline_kb) / 1024 if reset else None,
        "maxrss_growth_mb": (maxrss_after - maxrss_before) / 1024,
        "seconds": seconds,
        "answer_bytes": getattr(answer, "bytes", None),
    }))


if __name__ == "__main__":
    main()
