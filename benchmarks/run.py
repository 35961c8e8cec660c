"""Benchmark llamastack against the floor (plain requests + json.loads) and the official SDK.

    python benchmarks/run.py            # the full run (about a minute)
    python benchmarks/run.py --quick    # a rough look (about half a minute)

Starts nginx on 127.0.0.1 serving fixed bodies (``benchmarks/server.py``), then times, in one
run and interleaved round-robin, the same jobs for each client: a small POST (conversation
create), GET + decode of a 2,000-model list, and consuming a 4,000-chunk chat completion
stream. Each figure is the median over rounds of the time per call. The official
``llama-stack-client`` 0.7.5 needs Python >= 3.12: it is installed into a cached venv under
``~/.cache/llamastack-bench/`` and driven as a subprocess worker (``sdk_worker.py``), which
also measures the floor under its own interpreter so its ratio compares like with like.
Then import time (fresh processes) and the peak memory growth of a 200 MB upload.
Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.fixtures import CHAT_REQUEST, MODEL_COUNT, STREAM_CHUNKS  # noqa: E402
from benchmarks.floor import floor_jobs, timed  # noqa: E402
from benchmarks.server import CACHE_DIR, find_nginx, nginx_server  # noqa: E402

SDK_REQUIREMENT = "llama-stack-client==0.7.5"
SDK_VENV = CACHE_DIR / "sdk-venv"
UPLOAD_BYTES = 200 * 1024 * 1024

# job -> (label, target ratio to the floor, the official SDK's ratio as the issue measured it)
JOBS: dict[str, tuple[str, float, float]] = {
    "post": ("small POST (conversation create)", 1.10, 1.30),
    "list": (f"GET + decode {MODEL_COUNT:,}-model list", 4.0, 18.0),
    "stream": (f"consume {STREAM_CHUNKS:,}-chunk chat stream", 3.0, 10.0),
}
# Calls per timed sample: enough that one sample is well above the timer's noise.
BATCH = {"post": 20, "list": 2, "stream": 1}


# --- the implementations ------------------------------------------------------------------


def llamastack_jobs(base_url: str, notes: list[str]) -> tuple[dict[str, Callable[[], Any]],
                                                              Callable[[], None]]:
    from benchmarks.specs import resolve_specs, use_stand_in
    from llamastack import LlamaStackClient

    specs, source = resolve_specs()
    client = LlamaStackClient(base_url=base_url)

    def make() -> dict[str, Callable[[], Any]]:
        conversation_create = specs["ConversationCreate"]
        model_list = specs["ModelList"]
        chat_create = specs["ChatCompletionCreate"]

        def post() -> Any:
            return client.call(conversation_create())

        def list_models() -> Any:
            return client.call(model_list())

        def stream() -> Any:
            count = 0
            with client.stream(chat_create(**CHAT_REQUEST)) as chunks:
                for _ in chunks:
                    count += 1
            return count

        return {"post": post, "list": list_models, "stream": stream}

    jobs = make()
    for job, name in (("post", "ConversationCreate"), ("list", "ModelList"),
                      ("stream", "ChatCompletionCreate")):
        try:
            jobs[job]()
        except Exception as exc:
            if source[name] != "llamastack.endpoints":
                raise
            use_stand_in(name, specs, source, f"the library's {name} failed on the fixture: {exc}")
            jobs = make()
            jobs[job]()
    notes.extend(f"{name}: {where}" for name, where in source.items())
    return jobs, client.close


@dataclass
class Worker:
    """The official SDK (and its interpreter's floor), in a subprocess driven line by line."""

    process: subprocess.Popen[str]
    version: str
    python: str

    def measure(self, impl: str, job: str, n: int) -> float:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"impl": impl, "job": job, "n": n}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        return float(answer["seconds"])

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _python312() -> str | None:
    candidates = [shutil.which(name) for name in ("python3.13", "python3.12")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += [str(p) for p in sorted(pyenv_root.glob("versions/3.1[2-9]*/bin/python"))]
    for candidate in candidates:
        if not candidate:
            continue
        try:
            out = subprocess.run([candidate, "-c", "import sys; print(sys.version_info >= (3, 12))"],
                                 capture_output=True, text=True, timeout=30, check=False)
        except OSError:
            continue
        if out.stdout.strip() == "True":
            return candidate
    return None


def sdk_python(install: bool) -> tuple[str | None, str]:
    """The venv interpreter with the official SDK, creating it if needed; or None and why."""
    python = SDK_VENV / "bin" / "python"
    check = [str(python), "-c", "import llama_stack_client, requests; print(llama_stack_client.__version__)"]
    if python.exists():
        done = subprocess.run(check, capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip() == SDK_REQUIREMENT.split("==")[1]:
            return str(python), ""
    if not install:
        return None, "not installed (run without --no-sdk-install to install it)"
    base = _python312()
    if base is None:
        return None, "no Python >= 3.12 found (the official SDK needs one)"
    print(f"installing {SDK_REQUIREMENT} into {SDK_VENV} (once) ...", flush=True)
    shutil.rmtree(SDK_VENV, ignore_errors=True)
    steps = [[base, "-m", "venv", str(SDK_VENV)],
             [str(python), "-m", "pip", "install", "-q", SDK_REQUIREMENT, "requests"]]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["?"]
            return None, f"could not install {SDK_REQUIREMENT}: {tail[0]}"
    return str(python), ""


def start_worker(python: str, base_url: str) -> tuple[Worker | None, str]:
    process = subprocess.Popen([python, str(ROOT / "benchmarks" / "sdk_worker.py"), base_url],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    hello = json.loads(process.stdout.readline() or '{"error": "the worker died"}')
    if "error" in hello:
        process.wait()
        return None, str(hello["error"])
    return Worker(process, hello["version"], hello["python"]), ""


# --- timing -------------------------------------------------------------------------------


@dataclass
class Samples:
    per_call: dict[tuple[str, str], list[float]] = field(default_factory=dict)

    def add(self, impl: str, job: str, seconds: float) -> None:
        self.per_call.setdefault((impl, job), []).append(seconds)

    def median(self, impl: str, job: str) -> float | None:
        values = self.per_call.get((impl, job))
        return statistics.median(values) if values else None


def interleave(jobs: list[str], local: dict[str, dict[str, Callable[[], Any]]],
               worker: Worker | None, rounds: int) -> Samples:
    """Round-robin: every round runs each job once per implementation, in a rotating order,
    so drift (CPU frequency, caches, the other core's load) spreads evenly over them."""
    def local_measurer(calls: dict[str, Callable[[], Any]]) -> Callable[[str, int], float]:
        return lambda job, n: timed(calls[job], n)

    measurers = {name: local_measurer(calls) for name, calls in local.items()}
    if worker is not None:
        measurers["sdk"] = lambda job, n: worker.measure("sdk", job, n)
        measurers["floor-sdk"] = lambda job, n: worker.measure("floor", job, n)
    names = list(measurers)
    samples = Samples()
    for round_no in range(rounds):
        order = names[round_no % len(names):] + names[:round_no % len(names)]
        for job in jobs:
            for name in order:
                samples.add(name, job, measurers[name](job, BATCH[job]))
        if (round_no + 1) % 10 == 0:
            print(f"  round {round_no + 1}/{rounds}", flush=True)
    return samples


# --- import time --------------------------------------------------------------------------

_TIME_IMPORT = """\
import time
t = time.perf_counter()
{body}
print(time.perf_counter() - t)
"""

_IMPORT_BODIES = {
    "import llamastack": "import llamastack",
    # Until llamastack.endpoints has them, the stand-ins of benchmarks/specs.py count instead.
    "import llamastack + the 4 benchmarked endpoints": (
        "import llamastack\n"
        "try:\n"
        "    from llamastack.endpoints import ConversationCreate, ModelList, ChatCompletionCreate,"
        " FileCreate\n"
        "except ImportError:\n"
        "    import benchmarks.specs"),
    "import llamastack + every endpoint": (
        "import llamastack, llamastack.endpoints as e\n"
        "[getattr(e, n) for n in getattr(e, '__all__', ())]"),
}


# The official SDK loads its resources lazily, as client attributes: touch them all.
_SDK_EVERY_RESOURCE = """\
import llama_stack_client
client = llama_stack_client.LlamaStackClient(base_url="http://127.0.0.1:9")
for name in dir(client):
    if not name.startswith("_"):
        try:
            getattr(client, name)
        except Exception:
            pass"""


def _import_seconds(python: str, body: str, repeat: int) -> tuple[float, float] | None:
    """(median, min) seconds of ``body`` in fresh interpreters; None if it fails."""
    times = []
    for _ in range(repeat):
        done = subprocess.run([python, "-c", _TIME_IMPORT.format(body=body)], capture_output=True,
                              text=True, cwd=ROOT, check=False,
                              env={**os.environ, "PYTHONPATH": str(ROOT),
                                   "PYTHONDONTWRITEBYTECODE": ""})
        if done.returncode != 0:
            return None
        times.append(float(done.stdout.strip().splitlines()[-1]))
    return statistics.median(times), min(times)


def importtime_summary(top: int = 8) -> list[tuple[str, float]]:
    """``python -X importtime``: milliseconds spent importing each top-level package's own
    modules (self times summed by package), largest first."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", _IMPORT_BODIES[
        "import llamastack + the 4 benchmarked endpoints"]], capture_output=True, text=True,
        cwd=ROOT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    totals: dict[str, float] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", line)
        if match:
            name = match.group(2).split(".")[0]
            totals[name] = totals.get(name, 0.0) + int(match.group(1)) / 1000
    return sorted(totals.items(), key=lambda item: -item[1])[:top]


# --- upload memory ------------------------------------------------------------------------


@contextlib.contextmanager
def sparse_file(size: int) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="llamastack-bench-upload-") as tmp:
        path = Path(tmp) / "upload.bin"
        with open(path, "wb") as handle:
            handle.truncate(size)  # sparse: no disk blocks, reads give zeros
        yield path


def upload_memory(python: str, impl: str, base_url: str, path: Path,
                  trace: bool) -> dict[str, Any] | None:
    argv = [python, "-m", "benchmarks.upload_memory", impl, base_url, str(path)]
    done = subprocess.run(argv + (["--tracemalloc"] if trace else []), capture_output=True,
                          text=True, cwd=ROOT, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)})
    if done.returncode != 0:
        print(f"  upload with {impl} failed: {done.stderr.strip().splitlines()[-1:]}", flush=True)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# --- output -------------------------------------------------------------------------------


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.3f} ms"


def _ratio(value: float | None, floor: float | None) -> str:
    return "—" if value is None or not floor else f"{value / floor:.2f}x"


def print_table(rows: list[list[str]], out: IO[str] = sys.stdout) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(),
              file=out)
        if index == 0:
            print("  ".join("-" * width for width in widths), file=out)


def profile_job(calls: dict[str, Callable[[], Any]], job: str, repeat: int) -> None:
    calls[job]()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeat):
        calls[job]()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and repeats")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 40, quick 8)")
    parser.add_argument("--jobs", default="post,list,stream", help="comma-separated subset")
    parser.add_argument("--no-sdk", action="store_true", help="skip the official SDK")
    parser.add_argument("--no-sdk-install", action="store_true",
                        help="use the official SDK only if its venv already exists")
    parser.add_argument("--no-import", action="store_true", help="skip the import-time part")
    parser.add_argument("--no-upload", action="store_true", help="skip the upload-memory part")
    parser.add_argument("--nginx", help="path of the nginx binary to use")
    parser.add_argument("--profile", choices=sorted(JOBS),
                        help="only cProfile llamastack on this job and print the top functions")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    rounds = args.rounds or (8 if args.quick else 40)
    jobs = [job for job in args.jobs.split(",") if job]
    unknown = set(jobs) - set(JOBS)
    if unknown:
        parser.error(f"unknown jobs {sorted(unknown)}; known: {sorted(JOBS)}")

    started = time.monotonic()
    notes: list[str] = []
    sdk, why_no_sdk = (None, "skipped (--no-sdk)") if args.no_sdk else sdk_python(
        not args.no_sdk_install)
    nginx = find_nginx(args.nginx)
    report: dict[str, Any] = {"python": sys.version.split()[0], "jobs": {}}
    with nginx_server(nginx) as base_url:
        print(f"nginx {nginx} serving on {base_url}", flush=True)
        ours, close_ours = llamastack_jobs(base_url, notes)
        if args.profile:
            profile_job(ours, args.profile, {"post": 2000, "list": 50, "stream": 10}[args.profile])
            close_ours()
            return 0
        floor, close_floor = floor_jobs(base_url)
        worker: Worker | None = None
        if sdk is not None:
            worker, why_no_sdk = start_worker(sdk, base_url)
        if worker is None:
            print(f"official SDK: {why_no_sdk}; going on without it", flush=True)
        for calls in (floor, ours):
            for call in calls.values():
                call()  # warm-up: imports, connection, decoder plans
        print(f"timing {', '.join(jobs)}: {rounds} interleaved rounds", flush=True)
        samples = interleave(jobs, {"floor": floor, "llamastack": ours}, worker, rounds)

        uploads: dict[str, dict[str, Any]] = {}
        if not args.no_upload:
            print("measuring upload memory (200 MB) ...", flush=True)
            with sparse_file(UPLOAD_BYTES) as path:
                impls = [("llamastack", sys.executable)] + ([("sdk", sdk)] if worker and sdk else [])
                for impl, python in impls:
                    rss = upload_memory(python, impl, base_url, path, trace=False)
                    traced = upload_memory(python, impl, base_url, path, trace=True)
                    if rss is not None:
                        uploads[impl] = {**rss, **(traced or {})}
        if worker is not None:
            worker.close()
        close_ours()
        close_floor()

    imports: dict[str, tuple[float, float] | None] = {}
    summary: list[tuple[str, float]] = []
    if not args.no_import:
        print("measuring import time (fresh processes) ...", flush=True)
        repeat = 3 if args.quick else 9
        for label, body in _IMPORT_BODIES.items():
            imports[label] = _import_seconds(sys.executable, body, repeat)
        if worker is not None and sdk is not None:
            imports["official SDK: import llama_stack_client"] = _import_seconds(
                sdk, "import llama_stack_client", repeat)
            imports["official SDK: import + every resource"] = _import_seconds(
                sdk, _SDK_EVERY_RESOURCE, repeat)
        summary = importtime_summary()

    print()
    print(f"llamastack on Python {report['python']}; medians of {rounds} rounds per call; "
          f"ratio = median / floor's median")
    header = ["job", "floor", "llamastack", "ratio", "target"]
    if worker is not None:
        header += ["official SDK", "SDK ratio", "SDK ratio (issue)"]
    rows = [header]
    for job in jobs:
        label, target, issue_sdk = JOBS[job]
        floor_s = samples.median("floor", job)
        ours_s = samples.median("llamastack", job)
        row = [label, _ms(floor_s), _ms(ours_s), _ratio(ours_s, floor_s), f"<= {target:.2f}x"]
        entry: dict[str, Any] = {"floor_s": floor_s, "llamastack_s": ours_s, "target": target}
        if worker is not None:
            sdk_s = samples.median("sdk", job)
            sdk_floor = samples.median("floor-sdk", job)
            row += [_ms(sdk_s), _ratio(sdk_s, sdk_floor), f"{issue_sdk:.2f}x"]
            entry.update(sdk_s=sdk_s, sdk_floor_s=sdk_floor)
        report["jobs"][job] = entry
        rows.append(row)
    print_table(rows)
    if worker is not None:
        print(f"(official SDK {worker.version} on Python {worker.python}; its ratio is to the floor "
              "measured in that interpreter: "
              + ", ".join(f"{job} {_ms(samples.median('floor-sdk', job))}" for job in jobs) + ")")
    else:
        print(f"(official SDK: {why_no_sdk})")
    for note in notes:
        print(f"spec {note}")

    if imports:
        print()
        rows = [["import (fresh processes)", "median", "min"]]
        rows += [[label, _ms(times[0] if times else None), _ms(times[1] if times else None)]
                 for label, times in imports.items()]
        for what, ours_label, sdk_label in (
                ("the endpoints used", "import llamastack + the 4 benchmarked endpoints",
                 "official SDK: import llama_stack_client"),
                ("everything", "import llamastack + every endpoint",
                 "official SDK: import + every resource")):
            ours_import, sdk_import = imports.get(ours_label), imports.get(sdk_label)
            if sdk_import and ours_import:
                rows.append([f"llamastack / official SDK, {what} (target <= 0.50)",
                             f"{ours_import[0] / sdk_import[0]:.2f}x",
                             f"{ours_import[1] / sdk_import[1]:.2f}x"])
        print_table(rows)
        print("python -X importtime, own ms by top-level package: "
              + ", ".join(f"{name} {ms:.1f}" for name, ms in summary))
        report["import_s"] = imports
        report["importtime_ms"] = dict(summary)

    if uploads:
        print()
        rows = [["upload 200 MB", "peak RSS growth (VmHWM)", "ru_maxrss growth", "tracemalloc peak",
                 "time", "target"]]
        for impl, result in uploads.items():
            growth = result.get("peak_growth_mb")
            traced = result.get("tracemalloc_peak_mb")
            rows.append([impl if impl == "llamastack" else "official SDK",
                         "—" if growth is None else f"{growth:.2f} MB",
                         f"{result['maxrss_growth_mb']:.2f} MB",
                         "—" if traced is None else f"{traced:.2f} MB",
                         f"{result['seconds']:.2f} s",
                         "< 30 MB" if impl == "llamastack" else ""])
        print_table(rows)
        report["upload"] = uploads

    print(f"\ntotal {time.monotonic() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
