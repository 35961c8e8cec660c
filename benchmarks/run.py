"""Benchmark llamastack against the leanest requests code, idiomatic requests code and the
official SDK.

    python benchmarks/run.py            # the full run (about three minutes)
    python benchmarks/run.py --quick    # a rough look (about a minute)

Starts nginx on 127.0.0.1 serving fixed bodies (``server.py``, ``fixtures.py``), then:

- per call, interleaved round-robin in one process: a small POST, GET + decode of a 2,000-model
  list, consuming a 4,000-chunk chat stream, an agent turn with one tool round; and eight
  threads making small calls at once. Each figure is the median over rounds of the time per
  call; the ratios are to the lean floor (``floor.py``), measured in the same rounds;
- the official ``llama-stack-client`` 0.7.5 (Python >= 3.12, a cached venv driven as a
  subprocess worker, ``sdk.py``), its ratio to the lean floor under its own interpreter;
- whole processes (``processes.py``): a script's cold start and ``llamastack models list``
  against ``llama-stack-client models list``; then import time alone;
- the scaling run (``scaling.py``, its own process): lists of 200 to 200,000 models and
  streams of 4,000 and 40,000 chunks;
- the peak memory growth of a 200 MB upload (``upload_memory.py``).

Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.agent_turn import floor_turn, llamastack_turn  # noqa: E402
from benchmarks.fixtures import (  # noqa: E402
    CHAT_REQUEST,
    MODEL_COUNT,
    STREAM_CHUNKS,
)
from benchmarks.floor import FloorClient, idiomatic_jobs, lean_jobs, timed  # noqa: E402
from benchmarks.processes import (  # noqa: E402
    COLD_START_SCRIPTS,
    IMPORT_BODIES,
    SDK_EVERY_RESOURCE,
    Command,
    cli_command,
    import_seconds,
    importtime_summary,
    time_processes,
    uses_checkout,
)
from benchmarks.sdk import Worker, sdk_cli, sdk_python, start_worker  # noqa: E402
from benchmarks.server import find_nginx, nginx_server  # noqa: E402
from benchmarks.threads import THREADS, Gang  # noqa: E402
from benchmarks.timing import Measure, Samples, interleave  # noqa: E402

UPLOAD_BYTES = 200 * 1024 * 1024

# job -> (label, target ratio to the lean floor)
JOBS: dict[str, tuple[str, float]] = {
    "post": ("small POST (ConversationCreate)", 1.05),
    "list": (f"GET + decode {MODEL_COUNT:,} models (ModelList)", 1.5),
    "stream": (f"consume a {STREAM_CHUNKS:,}-chunk chat stream", 1.5),
}
THREADS_TARGET = 0.9  # calls per second, shared client / own lean sessions
AGENT_TARGET_MS = 2.0  # client-side overhead of a turn with one tool round
COLD_START_TARGET = 1.25
CLI_TARGET = 0.15
SCALING_TARGET = 1.3
# Calls per timed sample: enough that one sample is well above the timer's noise.
BATCH = {"post": 20, "list": 2, "stream": 1, "threads": 6, "agent": 2}
ALL_JOBS = "post,list,stream,threads,agent"


# --- the in-process implementations -------------------------------------------------------


def llamastack_jobs(base_url: str, notes: list[str]) -> tuple[dict[str, Callable[[], Any]],
                                                              Any]:
    """The jobs with llamastack, and the client. The client is not pinned to a line: it asks
    the server once (GET /v1/version, answered as a 0.7.3 server does) at its first call, in
    the warm-up before anything is timed, as any long-lived client does."""
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
    notes.extend(f"{name}: {where}" for name, where in source.items()
                 if where != "llamastack.endpoints")
    notes.append(f"llamastack's client found the server's line once, before timing: "
                 f"{client.server_line}")
    return jobs, client


def _timed_job(call: Callable[[], Any], job: str, n: int) -> tuple[float, float]:
    return timed(call, n)


def _per_call(calls: dict[str, Callable[[], Any]]) -> dict[str, Measure]:
    return {job: functools.partial(_timed_job, call) for job, call in calls.items()}


def _gang_job(gang: Gang, job: str, n: int) -> tuple[float, float]:
    return gang.seconds_per_call(n)


def _worker_job(worker: Worker, impl: str, job: str, n: int) -> tuple[float, float]:
    return worker.measure(impl, job, n)


# --- output -------------------------------------------------------------------------------


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.3f} ms"


def _ratio(value: float | None, floor: float | None) -> str:
    return "—" if value is None or not floor else f"{value / floor:.2f}x"


def _noise(samples: Samples, impl: str, job: str) -> str:
    spread = samples.spread(impl, job)
    return "" if spread is None else f" ±{spread * 50:.0f}%"


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


def report_calls(jobs: list[str], samples: Samples, worker: Worker | None, why_no_sdk: str,
                 rounds: int, report: dict[str, Any]) -> None:
    print()
    print(f"Per call: medians of {rounds} interleaved rounds (± half the interquartile range); "
          "ratios to the lean floor's median; 'CPU' compares this process's CPU time per call "
          "(the client's own work, which other processes on the machine disturb far less)")
    header = ["job", "lean floor", "idiomatic", "llamastack", "vs lean", "target", "vs idiomatic",
              "CPU vs lean"]
    if worker is not None:
        header += ["official SDK", "SDK vs lean"]
    rows = [header]
    for job in [job for job in jobs if job in JOBS]:
        label, target = JOBS[job]
        lean = samples.median("lean", job)
        idiomatic = samples.median("idiomatic", job)
        ours = samples.median("llamastack", job)
        row = [label, _ms(lean) + _noise(samples, "lean", job),
               _ms(idiomatic) + _noise(samples, "idiomatic", job),
               _ms(ours) + _noise(samples, "llamastack", job), _ratio(ours, lean),
               f"<= {target:.2f}x", _ratio(ours, idiomatic),
               _ratio(samples.cpu("llamastack", job), samples.cpu("lean", job))]
        entry: dict[str, Any] = {"lean_s": lean, "idiomatic_s": idiomatic, "llamastack_s": ours,
                                 "target": target, "lean_cpu_s": samples.cpu("lean", job),
                                 "idiomatic_cpu_s": samples.cpu("idiomatic", job),
                                 "llamastack_cpu_s": samples.cpu("llamastack", job)}
        if worker is not None:
            sdk = samples.median("sdk", job)
            sdk_lean = samples.median("sdk-lean", job)
            row += [_ms(sdk), _ratio(sdk, sdk_lean)]
            entry.update(sdk_s=sdk, sdk_lean_s=sdk_lean,
                         sdk_idiomatic_s=samples.median("sdk-idiomatic", job))
        report["jobs"][job] = entry
        rows.append(row)
    print_table(rows)
    if worker is not None:
        print(f"(official SDK {worker.version} on Python {worker.python}; its ratio is to the lean "
              "floor measured in that interpreter: "
              + ", ".join(f"{job} {_ms(samples.median('sdk-lean', job))}" for job in jobs
                          if job in JOBS) + ")")
    else:
        print(f"(official SDK: {why_no_sdk})")

    if "threads" in jobs:
        lean, ours = samples.median("lean", "threads"), samples.median("llamastack", "threads")
        print()
        lean_cpu, ours_cpu = samples.cpu("lean", "threads"), samples.cpu("llamastack", "threads")
        rows = [["8 threads, small POSTs", "calls/s", "per call", "CPU per call"],
                [f"lean floor: {THREADS} threads, a session each",
                 f"{1 / lean:,.0f}" if lean else "—", _ms(lean) + _noise(samples, "lean", "threads"),
                 _ms(lean_cpu)],
                [f"llamastack: {THREADS} threads sharing one client",
                 f"{1 / ours:,.0f}" if ours else "—",
                 _ms(ours) + _noise(samples, "llamastack", "threads"), _ms(ours_cpu)]]
        if lean and ours and lean_cpu and ours_cpu:
            rows.append([f"llamastack / lean, calls per second (target >= {THREADS_TARGET:.2f}x)",
                         f"{lean / ours:.2f}x", "", f"{lean_cpu / ours_cpu:.2f}x"])
        print_table(rows)
        report["jobs"]["threads"] = {"lean_s": lean, "llamastack_s": ours, "lean_cpu_s": lean_cpu,
                                     "llamastack_cpu_s": ours_cpu,
                                     "target_calls_ratio": THREADS_TARGET}

    if "agent" in jobs:
        lean, ours = samples.median("lean", "agent"), samples.median("llamastack", "agent")
        print()
        lean_cpu, ours_cpu = samples.cpu("lean", "agent"), samples.cpu("llamastack", "agent")
        rows = [["agent turn, one client tool round (2 streamed responses)", "per turn", "CPU"],
                ["lean floor: the same exchanges with requests + json.loads",
                 _ms(lean) + _noise(samples, "lean", "agent"), _ms(lean_cpu)],
                ["llamastack.agents.Agent.create_turn",
                 _ms(ours) + _noise(samples, "llamastack", "agent"), _ms(ours_cpu)]]
        if lean and ours and lean_cpu and ours_cpu:
            rows.append([f"client-side overhead beyond the floor (target <= {AGENT_TARGET_MS:.1f} ms "
                         "per round)", _ms(ours - lean), _ms(ours_cpu - lean_cpu)])
        print_table(rows)
        report["jobs"]["agent"] = {"lean_s": lean, "llamastack_s": ours, "lean_cpu_s": lean_cpu,
                                   "llamastack_cpu_s": ours_cpu,
                                   "target_overhead_ms": AGENT_TARGET_MS}


def report_processes(cold: dict[str, list[float]], cli: dict[str, list[float]],
                     summary: tuple[float, list[tuple[str, float]]] | None,
                     floor_summary: tuple[float, list[tuple[str, float]]] | None,
                     report: dict[str, Any]) -> None:
    def median(name: str, times: dict[str, list[float]]) -> float | None:
        values = times.get(name)
        return statistics.median_high(values) if values else None  # always a measured run

    if cold:
        print()
        print(f"A script's cold start: a fresh process imports, makes one ModelList call (2,000 "
              f"models) and exits; medians of {len(next(iter(cold.values())))} interleaved runs")
        floor = median("requests", cold)
        rows = [["script", "median", "vs requests", "target"]]
        for name, label in (("requests", "plain requests + json.loads (the floor)"),
                            ("llamastack", "llamastack (asks the line: + GET /v1/version)"),
                            ("llamastack, line pinned", "llamastack, server_line='0.7'")):
            value = median(name, cold)
            rows.append([label, _ms(value), _ratio(value, floor),
                         f"<= {COLD_START_TARGET:.2f}x" if name == "llamastack" else ""])
        if "sdk" in cold:
            sdk_floor = median("sdk-requests", cold)
            rows.append(["plain requests under the SDK's Python", _ms(sdk_floor), "", ""])
            rows.append(["official SDK", _ms(median("sdk", cold)),
                         _ratio(median("sdk", cold), sdk_floor) + " (its Python's requests)", ""])
        print_table(rows)
        if summary is not None and floor_summary is not None:
            print(f"python -X importtime: the llamastack script's imports {summary[0]:.0f} ms, "
                  f"the requests script's {floor_summary[0]:.0f} ms; own ms by package: "
                  + ", ".join(f"{name} {ms:.1f}" for name, ms in summary[1]))
        report["cold_start_s"] = {name: median(name, cold) for name in cold}
    if cli:
        print()
        ours, sdk = median("llamastack", cli), median("sdk", cli)
        rows = [["command line, 2,000 models (stdout to /dev/null)", "median", "ratio", "target"],
                ["llamastack models list", _ms(ours), "", ""],
                ["llama-stack-client models list", _ms(sdk), "", ""]]
        if ours and sdk:
            rows.append(["llamastack / llama-stack-client", "", f"{ours / sdk:.2f}x",
                         f"<= {CLI_TARGET:.2f}x"])
        print_table(rows)
        report["cli_s"] = {"llamastack": ours, "sdk": sdk}


def report_scaling(scaling: dict[str, Any], report: dict[str, Any]) -> None:
    print()
    print("Scaling (own process): microseconds per item; 'x 200' = per-item cost over the "
          f"smallest size's (target <= {SCALING_TARGET:.2f}x for llamastack's decoder)")
    models = {int(count): figures for count, figures in scaling["models"].items()}
    base = models[min(models)]
    rows = [["models", "lean call", "llamastack call", "vs lean", "json.loads", "decoder",
             "decoder x 200"]]
    for count, figures in sorted(models.items()):
        def per(name: str, count: int = count, figures: dict[str, float] = figures) -> float:
            return figures[name] / count * 1e6
        rows.append([f"{count:,}", f"{per('lean'):.2f} us", f"{per('llamastack'):.2f} us",
                     f"{figures['llamastack'] / figures['lean']:.2f}x", f"{per('loads'):.2f} us",
                     f"{per('decode'):.2f} us",
                     f"{(figures['decode'] / count) / (base['decode'] / min(models)):.2f}x"])
    print_table(rows)
    chunks = {int(count): figures for count, figures in scaling["chunks"].items()}
    first = min(chunks)
    rows = [["stream chunks", "lean", "llamastack", "vs lean", f"llamastack x {first:,}"]]
    for count, figures in sorted(chunks.items()):
        rows.append([f"{count:,}", f"{figures['lean'] / count * 1e6:.2f} us",
                     f"{figures['llamastack'] / count * 1e6:.2f} us",
                     f"{figures['llamastack'] / figures['lean']:.2f}x",
                     f"{(figures['llamastack'] / count) / (chunks[first]['llamastack'] / first):.2f}x"])
    print_table(rows)
    report["scaling"] = scaling


# --- main ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and repeats")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 40, quick 8)")
    parser.add_argument("--jobs", default=ALL_JOBS, help=f"comma-separated subset of {ALL_JOBS}")
    parser.add_argument("--no-sdk", action="store_true", help="skip the official SDK")
    parser.add_argument("--no-sdk-install", action="store_true",
                        help="use the official SDK only if its venv already exists")
    parser.add_argument("--no-processes", action="store_true",
                        help="skip cold start, command line and import time")
    parser.add_argument("--no-import", action="store_true", help="skip import time alone")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling run")
    parser.add_argument("--no-upload", action="store_true", help="skip the upload-memory part")
    parser.add_argument("--nginx", help="path of the nginx binary to use")
    parser.add_argument("--profile", choices=sorted(JOBS),
                        help="only cProfile llamastack on this job and print the top functions")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    rounds = args.rounds or (8 if args.quick else 40)
    jobs = [job for job in args.jobs.split(",") if job]
    unknown = set(jobs) - set(ALL_JOBS.split(","))
    if unknown:
        parser.error(f"unknown jobs {sorted(unknown)}; known: {ALL_JOBS}")

    started = time.monotonic()
    notes: list[str] = []
    sdk, why_no_sdk = (None, "skipped (--no-sdk)") if args.no_sdk else sdk_python(
        not args.no_sdk_install)
    nginx = find_nginx(args.nginx)
    report: dict[str, Any] = {"python": sys.version.split()[0], "jobs": {}}
    cold: dict[str, list[float]] = {}
    cli: dict[str, list[float]] = {}
    summaries: tuple[Any, Any] = (None, None)
    uploads: dict[str, dict[str, Any]] = {}
    with nginx_server(nginx, scaling=not args.no_scaling and not args.profile) as base_url:
        print(f"nginx {nginx} serving on {base_url}", flush=True)
        ours, client = llamastack_jobs(base_url, notes)
        if args.profile:
            profile_job(ours, args.profile, {"post": 2000, "list": 50, "stream": 10}[args.profile])
            client.close()
            return 0
        lean, close_lean = lean_jobs(base_url)
        idiomatic, close_idiomatic = idiomatic_jobs(base_url)
        measurers: dict[str, dict[str, Measure]] = {
            "lean": _per_call(lean), "idiomatic": _per_call(idiomatic), "llamastack": _per_call(ours)}
        closers: list[Callable[[], None]] = [close_lean, close_idiomatic, client.close]
        if "threads" in jobs:
            from llamastack import LlamaStackClient
            from llamastack.endpoints import ConversationCreate

            shared = LlamaStackClient(base_url=base_url)
            floors = [FloorClient(base_url) for _ in range(THREADS)]
            gangs = {
                "lean": Gang([functools.partial(floor.json, "POST", "/v1/conversations", b"{}")
                              for floor in floors]),
                "llamastack": Gang([lambda: shared.call(ConversationCreate())] * THREADS),
            }
            for name, gang in gangs.items():
                gang.seconds_per_call(2)  # warm-up: connections, the shared client's line
                measurers[name]["threads"] = functools.partial(_gang_job, gang)
                closers.append(gang.close)
            closers += [shared.close, *(floor.close for floor in floors)]
        if "agent" in jobs:
            floor_client = FloorClient(base_url)
            turns = {"lean": floor_turn(floor_client), "llamastack": llamastack_turn(client)}
            for name, turn in turns.items():
                turn()
                measurers[name]["agent"] = functools.partial(_timed_job, turn)
            closers.append(floor_client.close)
        worker: Worker | None = None
        if sdk is not None:
            worker, why_no_sdk = start_worker(sdk, base_url)
        if worker is None:
            print(f"official SDK: {why_no_sdk}; going on without it", flush=True)
        else:
            for impl in ("sdk", "lean", "idiomatic"):
                measurers["sdk" if impl == "sdk" else f"sdk-{impl}"] = {
                    job: functools.partial(_worker_job, worker, impl) for job in JOBS}
        for calls in (lean, idiomatic):
            for call in calls.values():
                call()  # warm-up: imports, connections
        print(f"timing {', '.join(jobs)}: {rounds} interleaved rounds", flush=True)
        samples = interleave(jobs, BATCH, measurers, rounds,
                             lambda done: print(f"  round {done}/{rounds}", flush=True)
                             if done % 10 == 0 else None)
        if worker is not None:
            worker.close()
        for close in closers:
            close()

        if not args.no_processes:
            process_rounds = 5 if args.quick else 15
            print(f"timing whole processes: cold start ({process_rounds} rounds), command line "
                  f"({max(3, process_rounds // 3)} rounds) ...", flush=True)
            commands = [Command(name, [sys.executable, "-c", COLD_START_SCRIPTS[name], "{url}"])
                        for name in ("requests", "llamastack", "llamastack, line pinned")]
            if sdk is not None and worker is not None:
                commands += [
                    Command("sdk-requests", [sdk, "-c", COLD_START_SCRIPTS["requests"], "{url}"]),
                    Command("sdk", [sdk, "-c", COLD_START_SCRIPTS["sdk"], "{url}"])]
            if uses_checkout():
                notes.append("llamastack is not installed in this interpreter: the processes "
                             "import it from the checkout (PYTHONPATH); pip install -e . to "
                             "time it as a user's script imports it")
            cold = time_processes(commands, base_url, process_rounds)
            summaries = (importtime_summary(sys.executable, COLD_START_SCRIPTS["llamastack"],
                                            base_url),
                         importtime_summary(sys.executable, COLD_START_SCRIPTS["requests"],
                                            base_url))
            sdk_command = sdk_cli(sdk) if sdk is not None and worker is not None else None
            if sdk_command is not None:
                cli = time_processes(
                    [Command("llamastack", [*cli_command(sys.executable), "--base-url", "{url}",
                                            "models", "list"]),
                     Command("sdk", [str(sdk_command), "--endpoint", "{url}", "models", "list"])],
                    base_url, max(3, process_rounds // 3))

        scaling: dict[str, Any] | None = None
        if not args.no_scaling:
            print("the scaling run (its own process) ...", flush=True)
            done = subprocess.run([sys.executable, "-m", "benchmarks.scaling", base_url]
                                  + (["--quick"] if args.quick else []),
                                  cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
            scaling = json.loads(done.stdout)

        if not args.no_upload:
            from benchmarks.upload_memory import measure_upload, sparse_file

            print("measuring upload memory (200 MB) ...", flush=True)
            with sparse_file(UPLOAD_BYTES) as path:
                impls = [("llamastack", sys.executable)] + ([("sdk", sdk)] if worker and sdk else [])
                for impl, python in impls:
                    rss = measure_upload(python, impl, base_url, path, trace=False)
                    traced = measure_upload(python, impl, base_url, path, trace=True)
                    if rss is not None:
                        uploads[impl] = {**rss, **(traced or {})}

    imports: dict[str, tuple[float, float] | None] = {}
    if not args.no_processes and not args.no_import:
        print("measuring import time (fresh processes) ...", flush=True)
        repeat = 3 if args.quick else 9
        for label, body in IMPORT_BODIES.items():
            imports[label] = import_seconds(sys.executable, body, repeat)
        if worker is not None and sdk is not None:
            imports["official SDK: import llama_stack_client"] = import_seconds(
                sdk, "import llama_stack_client", repeat)
            imports["official SDK: import + every resource"] = import_seconds(
                sdk, SDK_EVERY_RESOURCE, repeat)

    print(f"\nllamastack on Python {report['python']}")
    report_calls(jobs, samples, worker, why_no_sdk, rounds, report)
    for note in notes:
        print(f"note: {note}")
    report_processes(cold, cli, *summaries, report)
    if scaling is not None:
        report_scaling(scaling, report)
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
                rows.append([f"llamastack / official SDK, {what}",
                             f"{ours_import[0] / sdk_import[0]:.2f}x",
                             f"{ours_import[1] / sdk_import[1]:.2f}x"])
        print_table(rows)
        report["import_s"] = imports
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
