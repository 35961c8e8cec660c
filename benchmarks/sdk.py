"""The official SDK (``llama-stack-client``): its cached venv, and the worker that drives it.

The SDK needs Python >= 3.12: a venv with it is made once, with the first such interpreter
found (PATH, then pyenv), under ``~/.cache/llamastack-bench/sdk-venv``. Its per-call timings
come from ``sdk_worker.py``, a subprocess driven line by line so its calls interleave with the
in-process ones; the same worker times the floors under its own interpreter.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from benchmarks.server import CACHE_DIR

__all__ = ["SDK_REQUIREMENT", "SDK_VENV", "Worker", "sdk_cli", "sdk_python", "start_worker"]

ROOT = Path(__file__).resolve().parent.parent
SDK_REQUIREMENT = "llama-stack-client==0.7.5"
SDK_VENV = CACHE_DIR / "sdk-venv"


@dataclass
class Worker:
    """The official SDK (and its interpreter's floors), in a subprocess driven line by line."""

    process: subprocess.Popen[str]
    version: str
    python: str

    def measure(self, impl: str, job: str, n: int) -> tuple[float, float]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"impl": impl, "job": job, "n": n}) + "\n")
        self.process.stdin.flush()
        answer = json.loads(self.process.stdout.readline())
        return float(answer["seconds"]), float(answer["cpu"])

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


def sdk_cli(python: str) -> Path | None:
    """The SDK's ``llama-stack-client`` command, next to its interpreter."""
    command = Path(python).parent / "llama-stack-client"
    return command if command.exists() else None


def start_worker(python: str, base_url: str) -> tuple[Worker | None, str]:
    process = subprocess.Popen([python, str(ROOT / "benchmarks" / "sdk_worker.py"), base_url],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    hello = json.loads(process.stdout.readline() or '{"error": "the worker died"}')
    if "error" in hello:
        process.wait()
        return None, str(hello["error"])
    return Worker(process, hello["version"], hello["python"]), ""
