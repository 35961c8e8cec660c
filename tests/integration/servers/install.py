"""Install the llama-stack server lines into cached Python 3.12 venvs (stdlib only).

One venv per line under ``~/.cache/llamastack-it`` (or ``$LLAMASTACK_IT_CACHE``), named after
the exact server version (``venv-0.4.7``), reused while its marker holds the sha256 of the
requirement list plus the Python version. Lines install in parallel, each under its own file lock,
so concurrent test sessions on one machine share the cache safely.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ALL_LINES",
    "LINES",
    "ServerLine",
    "cache_root",
    "find_python312",
    "install",
    "install_each",
    "install_line",
    "install_tiktoken",
    "normalize_lines",
    "tiktoken_dir",
    "venv_dir",
]


@dataclass(frozen=True)
class ServerLine:
    """One supported llama-stack release line and everything needed to install it."""

    name: str  # "0.4": what tests and the CLI call it
    version: str  # "0.4.7": the release installed, reported by GET /v1/version
    requirements: tuple[str, ...]


# Extra packages the inline providers import but llama-stack does not depend on (REAL_SERVER.md):
# faiss (vector_io), chardet + pypdf (file parsing for vector stores and pypdf), pandas (datasetio,
# localfs), tqdm (faiss), and mcp < 2 (2.x renamed McpError, which every line imports).
_PROVIDER_EXTRAS = ("mcp<2", "faiss-cpu", "chardet", "pypdf", "pandas", "tqdm")


def _line(name: str, version: str, *extra: str, api_pin: bool = True) -> ServerLine:
    # llama-stack 0.4-0.7 depend on an *unpinned* llama-stack-api; without the pin pip takes the
    # newest one, which lacks names older cores import (SERVER_LINES.md section 7).
    pinned = (f"llama-stack-api=={version}",) if api_pin else ()
    return ServerLine(name, version, (f"llama-stack=={version}", *pinned, *_PROVIDER_EXTRAS, *extra))


LINES: dict[str, ServerLine] = {
    line.name: line
    for line in (
        _line("0.7", "0.7.3"),
        _line("0.6", "0.6.1"),
        _line("0.5", "0.5.4"),
        _line("0.4", "0.4.7"),
        _line("0.3", "0.3.5", api_pin=False),  # the API models still live inside llama-stack
        # 0.2 imports litellm at start-up, and its sql stores need sqlalchemy with greenlet.
        _line("0.2", "0.2.24", "litellm", "sqlalchemy", "greenlet", "aiosqlite", api_pin=False),
    )
}
ALL_LINES: tuple[str, ...] = tuple(LINES)  # newest first

# tiktoken's cache file name for cl100k_base is sha1(url); the same file ships inside litellm.
TIKTOKEN_FILE = "9b5ad71b2ce5302211f9c61530b329a4922fc6a4"
TIKTOKEN_SHA256 = "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7"
TIKTOKEN_MEMBER = f"litellm/litellm_core_utils/tokenizers/{TIKTOKEN_FILE}"

MARKER = ".llamastack-it-ok"


def cache_root() -> Path:
    """Folder that keeps venvs and the tiktoken file between runs on one machine."""
    env = os.environ.get("LLAMASTACK_IT_CACHE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "llamastack-it"


def venv_dir(line: str) -> Path:
    """The venv of a line, named after its exact version (``venv-0.4.7``)."""
    return cache_root() / f"venv-{LINES[line].version}"


def tiktoken_dir() -> Path:
    return cache_root() / "tiktoken"


def normalize_lines(lines: str | Sequence[str]) -> tuple[str, ...]:
    """``"all"``, ``"0.4"``, ``"0.2,0.5"`` or a sequence of those -> known line names, no repeats."""
    items = [lines] if isinstance(lines, str) else list(lines)
    out: list[str] = []
    for item in items:
        for part in (p.strip() for p in item.split(",")):
            names = ALL_LINES if part == "all" else (part,)
            for name in names:
                if name not in LINES:
                    raise ValueError(f"unknown server line {name!r}; known: {', '.join(ALL_LINES)}, all")
                if name not in out:
                    out.append(name)
    if not out:
        raise ValueError(f"no server line given; known: {', '.join(ALL_LINES)}, all")
    return tuple(out)


def log(msg: str) -> None:
    print(f"[llamastack-it] {msg}", file=sys.stderr, flush=True)


def find_python312() -> str:
    """Path of a Python 3.12 interpreter (``$LLAMASTACK_IT_PYTHON``, pyenv, then PATH)."""
    env = os.environ.get("LLAMASTACK_IT_PYTHON")
    if env:
        return env
    roots: list[str] = []
    if os.environ.get("PYENV_ROOT"):
        roots.append(os.environ["PYENV_ROOT"])
    pyenv = shutil.which("pyenv")
    if pyenv:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=True, timeout=30)
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
        [python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout.strip()
    payload = json.dumps({"requirements": LINES[line].requirements, "python": version})
    return hashlib.sha256(payload.encode()).hexdigest()


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def run_logged(cmd: Sequence[str], *, log_file: Path, env: dict[str, str] | None = None) -> None:
    with open(log_file, "a") as out:
        out.write(f"$ {' '.join(cmd)}\n")
        out.flush()
        proc = subprocess.run(list(cmd), stdout=out, stderr=subprocess.STDOUT, check=False, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{tail(log_file)}")


def tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


UV_REQUIREMENT = "uv==0.13.9"


def uv_path() -> Path:
    """The ``uv`` binary, installed with pip into a small cached venv on first use.

    uv installs a line in seconds where pip takes minutes (it downloads in parallel, resolves
    once and hard-links files from its cache, so the six venvs share one copy of numpy, pandas,
    faiss...). It resolves the same versions pip does (checked on 0.4.7: identical freeze).
    """
    tool = cache_root() / "uv-tool"
    binary = tool / "bin" / "uv"
    marker = tool / MARKER
    with file_lock(cache_root() / "uv-tool.lock"):
        if marker.is_file() and marker.read_text().strip() == UV_REQUIREMENT and binary.is_file():
            return binary
        if tool.exists():
            shutil.rmtree(tool)
        tool.parent.mkdir(parents=True, exist_ok=True)
        log_file = cache_root() / "install-uv.log"
        log_file.write_text("")
        run_logged([find_python312(), "-m", "venv", str(tool)], log_file=log_file)
        run_logged(
            [str(tool / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
             UV_REQUIREMENT],
            log_file=log_file,
        )
        marker.write_text(UV_REQUIREMENT + "\n")
    return binary


def uv_env() -> dict[str, str]:
    # uv's cache sits beside the venvs: on one file system, so installs hard-link from it.
    return dict(os.environ, UV_CACHE_DIR=str(cache_root() / "uv-cache"), UV_NO_PROGRESS="1")


def install_line(line: str, *, force: bool = False) -> Path:
    """Create (or reuse) the cached venv of one server line; return its folder."""
    python = find_python312()
    wanted = requirements_hash(line, python)
    target = venv_dir(line)
    marker = target / MARKER
    with file_lock(cache_root() / f"{target.name}.lock"):
        if not force and marker.is_file() and marker.read_text().strip() == wanted:
            return target
        uv = uv_path()
        log(f"installing llama-stack {LINES[line].version} into {target} (python {python})")
        started = time.monotonic()
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        log_file = target.parent / f"install-{LINES[line].version}.log"
        log_file.write_text("")
        env = uv_env()
        run_logged([str(uv), "venv", "--python", python, str(target)], log_file=log_file, env=env)
        vpy = str(target / "bin" / "python")
        # No byte-compiling (uv's default): the server compiles the modules it imports on its
        # first start, a fraction of the ~350-600 MB installed.
        run_logged([str(uv), "pip", "install", "--python", vpy, *LINES[line].requirements],
                   log_file=log_file, env=env)
        run_logged([str(uv), "pip", "freeze", "--python", vpy], log_file=log_file, env=env)
        marker.write_text(wanted + "\n")
        log(f"installed line {line} in {time.monotonic() - started:.1f} s")
    return target


def install_tiktoken(python: str | None = None) -> Path:
    """Put tiktoken's cl100k_base file into the cache folder; it ships inside litellm.

    Taken from the 0.2 venv's litellm when that is installed, else from a downloaded wheel.
    """
    folder = tiktoken_dir()
    target = folder / TIKTOKEN_FILE
    with file_lock(cache_root() / "tiktoken.lock"):
        if target.is_file() and _sha256(target) == TIKTOKEN_SHA256:
            return folder
        folder.mkdir(parents=True, exist_ok=True)
        site_packages = cache_root() / "venv-*" / "lib" / "python3.*" / "site-packages"
        installed = (Path(p).read_bytes() for p in sorted(glob.glob(str(site_packages / TIKTOKEN_MEMBER))))
        data = next((d for d in installed if hashlib.sha256(d).hexdigest() == TIKTOKEN_SHA256), None)
        if data is None:
            data = _tiktoken_from_wheel(python or find_python312())
        if hashlib.sha256(data).hexdigest() != TIKTOKEN_SHA256:
            raise RuntimeError("cl100k_base from litellm has an unexpected sha256")
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    return folder


def _tiktoken_from_wheel(python: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="llamastack-it-litellm-") as tmp:
        log_file = Path(tmp) / "download.log"
        run_logged(
            [python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", tmp, "litellm"],
            log_file=log_file,
        )
        wheels = sorted(Path(tmp).glob("litellm-*.whl"))
        if not wheels:
            raise RuntimeError(f"pip download litellm gave no wheel\n{tail(log_file)}")
        with zipfile.ZipFile(wheels[-1]) as zf:
            return zf.read(TIKTOKEN_MEMBER)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install_each(lines: str | Sequence[str] = "all", *, force: bool = False) -> dict[str, Path | Exception]:
    """Install every requested line (cached; in parallel) and the tiktoken file.

    Returns, per line, its venv folder or the error that stopped its install: one line failing
    does not stop the others. A failure to get uv or the tiktoken file is raised.
    """
    names = normalize_lines(lines)
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(names)) as pool:
        futures = {name: pool.submit(install_line, name, force=force) for name in names}
        concurrent.futures.wait(futures.values())
    install_tiktoken()
    out: dict[str, Path | Exception] = {}
    for name, future in futures.items():
        error = future.exception()
        out[name] = future.result() if error is None else Exception(str(error))
    return out


def install(lines: str | Sequence[str] = "all", *, force: bool = False) -> dict[str, Path]:
    """Like :func:`install_each`, but raise (naming every failed line) unless all installed."""
    results = install_each(lines, force=force)
    errors = {name: r for name, r in results.items() if isinstance(r, Exception)}
    if errors:
        message = "; ".join(f"line {name}: {error}" for name, error in errors.items())
        raise RuntimeError(f"install failed: {message}")
    return {name: r for name, r in results.items() if isinstance(r, Path)}
