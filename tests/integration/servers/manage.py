"""Install, start and stop real llama-stack servers for the integration tests.

Stdlib only. Usable as a module (pytest fixtures) and as a CLI::

    python -m tests.integration.servers.manage install --line all
    python -m tests.integration.servers.manage start --line all --state-dir /tmp/ls-it
    python -m tests.integration.servers.manage status --state-dir /tmp/ls-it
    python -m tests.integration.servers.manage stop --state-dir /tmp/ls-it

Facts behind every step are in ``REAL_SERVER.md`` (shared notes) and in ``README.md`` here.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

HERE = Path(__file__).resolve().parent
FAKE_SCRIPT = HERE / "fake_openai.py"

# ----------------------------------------------------------------------------- server lines


@dataclass(frozen=True)
class ServerLine:
    """One supported llama-stack release line and everything needed to install it."""

    name: str
    requirements: tuple[str, ...]


LINES: dict[str, ServerLine] = {
    "0.7": ServerLine(
        name="0.7",
        requirements=(
            "llama-stack==0.7.3",
            "mcp<2",
            "chardet",
            "pypdf",
            "faiss-cpu",
            "tqdm",
            "pandas",
        ),
    ),
    "0.2": ServerLine(
        name="0.2",
        requirements=(
            "llama-stack==0.2.24",
            "litellm",
            "faiss-cpu",
            "mcp<2",
            "sqlalchemy",
            "greenlet",
        ),
    ),
}
ALL_LINES: tuple[str, ...] = ("0.7", "0.2")

# tiktoken's cache file name for cl100k_base is sha1(url); the same file ships inside litellm.
TIKTOKEN_FILE = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
TIKTOKEN_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
TIKTOKEN_MEMBER = f"litellm/litellm_core_utils/tokenizers/{TIKTOKEN_FILE}"

MARKER = ".llamastack-it-ok"
HEALTH_TIMEOUT = 60.0


def cache_root() -> Path:
    """Folder that keeps venvs and the tiktoken file between runs on one machine."""
    env = os.environ.get("LLAMASTACK_IT_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "llamastack-it"


def venv_dir(line: str) -> Path:
    return cache_root() / f"venv-{line}"


def tiktoken_dir() -> Path:
    return cache_root() / "tiktoken"


def normalize_lines(lines: str | Sequence[str]) -> tuple[str, ...]:
    """Turn ``"all"``, ``"0.7"`` or a sequence of names into a tuple of known line names."""
    items = [lines] if isinstance(lines, str) else list(lines)
    out: list[str] = []
    for item in items:
        names = ALL_LINES if item == "all" else (item,)
        for name in names:
            if name not in LINES:
                raise ValueError(f"unknown server line {name!r}; known: {', '.join(ALL_LINES)}")
            if name not in out:
                out.append(name)
    return tuple(out)


def _log(msg: str) -> None:
    print(f"[llamastack-it] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- install


def find_python312() -> str:
    """Path of a Python 3.12 interpreter (pyenv first, then PATH)."""
    env = os.environ.get("LLAMASTACK_IT_PYTHON")
    if env:
        return env
    roots: list[str] = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, check=True, timeout=30
            )
            roots.append(out.stdout.strip())
    roots.append(str(Path.home() / ".pyenv"))
    for root in roots:
        found = sorted(glob.glob(os.path.join(root, "versions", "3.12.*", "bin", "python3.12")))
        if found:
            return found[-1]
    which = shutil.which("python3.12")
    if which:
        return which
    raise RuntimeError("no Python 3.12 found (pyenv versions/3.12.*, PATH, $LLAMASTACK_IT_PYTHON)")


def requirements_hash(line: str, python: str) -> str:
    version = subprocess.run(
        [python, "-c", "import sys; print(sys.version)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    payload = json.dumps({"requirements": LINES[line].requirements, "python": version})
    return hashlib.sha256(payload.encode()).hexdigest()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _run(cmd: Sequence[str], *, log_file: Path) -> None:
    with open(log_file, "a") as log:
        log.write(f"$ {' '.join(cmd)}\n")
        log.flush()
        proc = subprocess.run(list(cmd), stdout=log, stderr=subprocess.STDOUT, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"command failed ({proc.returncode}): {' '.join(cmd)}\n{_tail(log_file)}"
        )


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


def install_line(line: str, *, force: bool = False) -> Path:
    """Create (or reuse) the cached venv of one server line; return its folder."""
    python = find_python312()
    wanted = requirements_hash(line, python)
    target = venv_dir(line)
    marker = target / MARKER
    with _file_lock(cache_root() / f"venv-{line}.lock"):
        if not force and marker.is_file() and marker.read_text().strip() == wanted:
            return target
        _log(f"installing llama-stack line {line} into {target} (python {python})")
        started = time.monotonic()
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        log_file = target.parent / f"install-{line}.log"
        log_file.write_text("")
        _run([python, "-m", "venv", str(target)], log_file=log_file)
        vpy = str(target / "bin" / "python")
        _run([vpy, "-m", "pip", "install", "--upgrade", "pip"], log_file=log_file)
        _run([vpy, "-m", "pip", "install", *LINES[line].requirements], log_file=log_file)
        _run([vpy, "-m", "pip", "freeze"], log_file=log_file)
        marker.write_text(wanted + "\n")
        _log(f"installed line {line} in {time.monotonic() - started:.0f} s")
    return target


def install_tiktoken(python: str | None = None) -> Path:
    """Put tiktoken's cl100k_base file (taken from the litellm wheel) into the cache folder."""
    folder = tiktoken_dir()
    target = folder / TIKTOKEN_FILE
    with _file_lock(cache_root() / "tiktoken.lock"):
        if target.is_file() and _sha256(target) == TIKTOKEN_SHA256:
            return folder
        folder.mkdir(parents=True, exist_ok=True)
        py = python or find_python312()
        with tempfile.TemporaryDirectory(prefix="llamastack-it-litellm-") as tmp:
            log_file = Path(tmp) / "download.log"
            _run(
                [py, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", tmp,
                 "litellm"],
                log_file=log_file,
            )
            wheels = sorted(Path(tmp).glob("litellm-*.whl"))
            if not wheels:
                raise RuntimeError(f"pip download litellm gave no wheel\n{_tail(log_file)}")
            with zipfile.ZipFile(wheels[-1]) as zf:
                data = zf.read(TIKTOKEN_MEMBER)
        if hashlib.sha256(data).hexdigest() != TIKTOKEN_SHA256:
            raise RuntimeError("cl100k_base from the litellm wheel has an unexpected sha256")
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    return folder


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install(lines: str | Sequence[str] = "all", *, force: bool = False) -> dict[str, Path]:
    """Install every requested line (cached) and the tiktoken file; return the venv folders."""
    out = {line: install_line(line, force=force) for line in normalize_lines(lines)}
    install_tiktoken(str(next(iter(out.values())) / "bin" / "python") if out else None)
    return out


# ----------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.servers.manage")
    parser.add_argument("command", choices=["install", "start", "stop", "status"])
    parser.add_argument("--line", default="all", help="0.7, 0.2 or all (default)")
    parser.add_argument("--force", action="store_true", help="install: rebuild the venvs")
    args = parser.parse_args(argv)
    if args.command == "install":
        for line, path in install(args.line, force=args.force).items():
            print(f"{line}: {path}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
