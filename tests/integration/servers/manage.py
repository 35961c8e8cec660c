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
import concurrent.futures
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
        raise RuntimeError(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{_tail(log_file)}")


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
                [py, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", tmp, "litellm"],
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


# ----------------------------------------------------------------------------- run configs

# Names the configs give to things; tests use them.
FAKE_OPENAI_PROVIDER = "fake-openai"  # 0.7 inference provider id
FAKE_VLLM_PROVIDER = "fake-vllm"  # 0.2 inference provider id
LLM_ID = "fake-llm"
EMBED_ID = "fake-embed"
EMBED_DIM = 16  # must equal fake_openai.EMBED_DIM
SHIELD_ID = "llama-guard"
CONNECTOR_ID = "fake-mcp"  # 0.7 connector to the fake backend's MCP endpoint


def config_07(state: Path, fake_base_url: str, port: int) -> dict[str, Any]:
    """``version: 2`` StackConfig of the 0.7 line: every API, offline providers only."""
    store = state / "store"

    def kv(namespace: str) -> dict[str, str]:
        return {"namespace": namespace, "backend": "kv_default"}

    def sql(table: str) -> dict[str, str]:
        # One sqlite backend (file) per SQL store: 0.7.3 shares one engine per backend and creates
        # only the tables registered before its first query, so with a single shared backend
        # the inference_store table is never created (GET /v1/chat/completions/{id} -> 500).
        return {"table_name": table, "backend": f"sql_{table}"}

    sql_tables = ("files_metadata", "responses", "inference_store", "openai_conversations")

    return {
        "version": 2,
        "distro_name": "llamastack-it-0.7",
        "apis": [
            "batches",
            "datasetio",
            "eval",
            "file_processors",
            "files",
            "inference",
            "responses",
            "safety",
            "scoring",
            "tool_runtime",
            "vector_io",
        ],
        "providers": {
            "inference": [
                {
                    "provider_id": FAKE_OPENAI_PROVIDER,
                    "provider_type": "remote::openai",
                    "config": {"base_url": fake_base_url, "api_key": "fake-key"},
                }
            ],
            "vector_io": [
                {
                    "provider_id": "faiss",
                    "provider_type": "inline::faiss",
                    "config": {"persistence": kv("vector_io::faiss")},
                }
            ],
            "files": [
                {
                    "provider_id": "localfs",
                    "provider_type": "inline::localfs",
                    "config": {"storage_dir": str(state / "files"), "metadata_store": sql("files_metadata")},
                }
            ],
            "file_processors": [{"provider_id": "pypdf", "provider_type": "inline::pypdf"}],
            "safety": [
                {
                    "provider_id": "llama-guard",
                    "provider_type": "inline::llama-guard",
                    "config": {"excluded_categories": []},
                }
            ],
            "responses": [
                {
                    "provider_id": "builtin",
                    "provider_type": "inline::builtin",
                    "config": {"persistence": {"agent_state": kv("agents"), "responses": sql("responses")}},
                }
            ],
            "eval": [
                {
                    "provider_id": "builtin",
                    "provider_type": "inline::builtin",
                    "config": {"kvstore": kv("eval")},
                }
            ],
            "datasetio": [
                {
                    "provider_id": "localfs",
                    "provider_type": "inline::localfs",
                    "config": {"kvstore": kv("datasetio::localfs")},
                }
            ],
            "scoring": [
                {"provider_id": "basic", "provider_type": "inline::basic"},
                {"provider_id": "llm-as-judge", "provider_type": "inline::llm-as-judge"},
            ],
            "tool_runtime": [{"provider_id": "file-search", "provider_type": "inline::file-search"}],
            "batches": [
                {
                    "provider_id": "reference",
                    "provider_type": "inline::reference",
                    "config": {"kvstore": kv("batches")},
                }
            ],
        },
        "storage": {
            "backends": {
                "kv_default": {"type": "kv_sqlite", "db_path": str(store / "kvstore.db")},
                **{
                    f"sql_{table}": {"type": "sql_sqlite", "db_path": str(store / f"{table}.db")}
                    for table in sql_tables
                },
            },
            "stores": {
                "metadata": kv("registry"),
                "inference": {**sql("inference_store"), "max_write_queue_size": 10000, "num_writers": 4},
                "conversations": sql("openai_conversations"),
                "prompts": kv("prompts"),
                "connectors": kv("connectors"),
            },
        },
        "registered_resources": {
            "models": [
                {
                    "model_id": EMBED_ID,
                    "provider_id": FAKE_OPENAI_PROVIDER,
                    "provider_model_id": EMBED_ID,
                    "model_type": "embedding",
                    "metadata": {"embedding_dimension": EMBED_DIM},
                }
            ],
            "shields": [
                {
                    "shield_id": SHIELD_ID,
                    "provider_id": "llama-guard",
                    "provider_shield_id": f"{FAKE_OPENAI_PROVIDER}/{LLM_ID}",
                }
            ],
            "vector_stores": [],
            "datasets": [],
            "scoring_fns": [],
            "benchmarks": [],
        },
        "server": {"host": "127.0.0.1", "port": port},
        "vector_stores": {
            "default_provider_id": "faiss",
            "default_embedding_model": {
                "provider_id": FAKE_OPENAI_PROVIDER,
                "model_id": EMBED_ID,
                "embedding_dimensions": EMBED_DIM,
            },
        },
        "safety": {"default_shield_id": SHIELD_ID},
        # The fake backend's MCP endpoint (fake_openai.py), so connectors list real tools.
        "connectors": [
            {
                "connector_id": CONNECTOR_ID,
                "connector_type": "mcp",
                "url": fake_base_url.rsplit("/v1", 1)[0] + "/mcp",
                "server_label": "fake",
            }
        ],
    }


def config_02(state: Path, fake_base_url: str, port: int) -> dict[str, Any]:
    """StackRunConfig of the 0.2 line: agents and their hard dependencies."""
    store = state / "store"

    def sqlite(name: str) -> dict[str, str]:
        return {"type": "sqlite", "db_path": str(store / name)}

    return {
        "version": 2,
        "image_name": "llamastack-it-0.2",
        "apis": ["agents", "inference", "safety", "tool_runtime", "vector_io"],
        "providers": {
            "inference": [
                {
                    "provider_id": FAKE_VLLM_PROVIDER,
                    "provider_type": "remote::vllm",
                    "config": {
                        "url": fake_base_url,
                        "max_tokens": 4096,
                        "api_token": "fake",
                        "tls_verify": False,
                    },
                }
            ],
            "vector_io": [
                {
                    "provider_id": "faiss",
                    "provider_type": "inline::faiss",
                    "config": {"kvstore": sqlite("faiss_store.db")},
                }
            ],
            "safety": [
                {
                    "provider_id": "llama-guard",
                    "provider_type": "inline::llama-guard",
                    "config": {"excluded_categories": []},
                }
            ],
            "agents": [
                {
                    "provider_id": "meta-reference",
                    "provider_type": "inline::meta-reference",
                    "config": {
                        "persistence_store": sqlite("agents_store.db"),
                        "responses_store": sqlite("responses_store.db"),
                    },
                }
            ],
            "tool_runtime": [
                {"provider_id": "model-context-protocol", "provider_type": "remote::model-context-protocol"}
            ],
        },
        "metadata_store": sqlite("registry.db"),
        "inference_store": sqlite("inference_store.db"),
        "models": [
            {
                "model_id": LLM_ID,
                "provider_id": FAKE_VLLM_PROVIDER,
                "provider_model_id": LLM_ID,
                "model_type": "llm",
                "metadata": {},
            },
            {
                "model_id": EMBED_ID,
                "provider_id": FAKE_VLLM_PROVIDER,
                "provider_model_id": EMBED_ID,
                "model_type": "embedding",
                "metadata": {"embedding_dimension": EMBED_DIM},
            },
        ],
        "shields": [],
        "vector_dbs": [],
        "datasets": [],
        "scoring_fns": [],
        "benchmarks": [],
        "tool_groups": [],
        "server": {"host": "127.0.0.1", "port": port},
    }


CONFIGS = {"0.7": config_07, "0.2": config_02}
VERSIONS = {"0.7": "0.7.3", "0.2": "0.2.24"}


def write_config(line: str, state: Path, fake_base_url: str, port: int) -> Path:
    """Write the run config as JSON text (YAML is a superset of JSON: no yaml module needed)."""
    path = state / "run.yaml"
    config = CONFIGS[line](state, fake_base_url, port)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


# ----------------------------------------------------------------------------- processes


class ProcessInfo(TypedDict):
    pid: int  # also the process group id (each child starts its own session)
    start_ticks: int  # /proc/<pid>/stat start time, guards against pid reuse
    port: int
    base_url: str
    log: str


class FakeInfo(ProcessInfo):
    journal: str


class ServerInfo(ProcessInfo):
    line: str
    version: str
    config: str
    seconds_to_healthy: float


class State(TypedDict):
    state_dir: str
    fake: FakeInfo | None
    servers: dict[str, ServerInfo]


# Popen objects of children this interpreter started, so stop() can reap them.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


def _proc_stat(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (index 0 is the state)."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()


def _start_ticks(pid: int) -> int:
    fields = _proc_stat(pid)
    return int(fields[19]) if fields else -1


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes in process group ``pgid``."""
    members: list[int] = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        fields = _proc_stat(int(entry))
        if fields and fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members


def _reap() -> None:
    for pid, proc in list(_CHILDREN.items()):
        if proc.poll() is not None:
            del _CHILDREN[pid]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    """GET without any proxy; returns (status, body); status 0 when nothing answers."""
    try:
        with _OPENER.open(url, timeout=timeout) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read()
    except (OSError, ValueError):
        return 0, b""


def _spawn(cmd: Sequence[str], *, cwd: Path, env: dict[str, str], log: Path) -> int:
    with open(log, "ab") as fh:
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    _CHILDREN[proc.pid] = proc
    return proc.pid


def _alive(pid: int) -> bool:
    proc = _CHILDREN.get(pid)
    if proc is not None:
        return proc.poll() is None
    fields = _proc_stat(pid)
    return fields is not None and fields[0] != "Z"


def _wait_healthy(pid: int, url: str, log: Path, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            raise RuntimeError(f"{what} exited during start-up; log {log}:\n{_tail(log)}")
        status, _ = http_get(url, timeout=1.0)
        if status == 200:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} not healthy after {timeout:.0f} s at {url}; log {log}:\n{_tail(log)}")


def _kill_group(pgid: int, start_ticks: int, grace: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after ``grace`` seconds."""
    leader = _proc_stat(pgid)
    if leader is not None and leader[0] != "Z" and _start_ticks(pgid) != start_ticks:
        return  # the pid now belongs to somebody else; its group is not ours
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if not _group_members(pgid):
            break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pgid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            _reap()
            if not _group_members(pgid):
                break
            time.sleep(0.05)
    _reap()
    proc = _CHILDREN.pop(pgid, None)
    if proc is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def server_env(line: str, state: Path) -> dict[str, str]:
    """Environment of a llama-stack server process (see REAL_SERVER.md)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYENV_VERSION")
    }
    vbin = venv_dir(line) / "bin"
    env["PATH"] = f"{vbin}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    env["VIRTUAL_ENV"] = str(venv_dir(line))
    config_dir = state / "config-dir"
    config_dir.mkdir(parents=True, exist_ok=True)
    env.update(
        {
            "LLAMA_STACK_CONFIG_DIR": str(config_dir),
            "LLAMA_STACK_LOG_FORMAT": "json",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "OTEL_SDK_DISABLED": "true",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "TIKTOKEN_CACHE_DIR": str(tiktoken_dir()),
            "SQLITE_STORE_DIR": str(state / "store"),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def _proc_info(pid: int, port: int, base_url: str, log: Path) -> ProcessInfo:
    return {"pid": pid, "start_ticks": _start_ticks(pid), "port": port, "base_url": base_url, "log": str(log)}


def start_fake(state_dir: Path, timeout: float = 15.0) -> FakeInfo:
    """Start the fake OpenAI backend (current interpreter, stdlib only)."""
    folder = state_dir / "fake"
    folder.mkdir(parents=True, exist_ok=True)
    port_file, log, journal = folder / "port", folder / "fake.log", folder / "journal.jsonl"
    port_file.unlink(missing_ok=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    pid = _spawn(
        [
            sys.executable,
            str(FAKE_SCRIPT),
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--journal",
            str(journal),
        ],
        cwd=folder,
        env=env,
        log=log,
    )
    deadline = time.monotonic() + timeout
    while not port_file.is_file():
        if not _alive(pid) or time.monotonic() > deadline:
            _kill_group(pid, _start_ticks(pid))
            raise RuntimeError(f"fake backend did not start; log {log}:\n{_tail(log)}")
        time.sleep(0.05)
    port = int(port_file.read_text())
    base_url = f"http://127.0.0.1:{port}/v1"
    _wait_healthy(pid, f"{base_url}/health", log, timeout, "fake backend")
    info = _proc_info(pid, port, base_url, log)
    return {**info, "journal": str(journal)}


def start_line(
    line: str, state_dir: Path, fake_base_url: str, timeout: float = HEALTH_TIMEOUT, attempts: int = 3
) -> ServerInfo:
    """Start one llama-stack server of ``line`` on a free port; wait until healthy."""
    state = state_dir / line
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    (state / "store").mkdir()
    (state / "files").mkdir()
    cwd = state / "cwd"  # 0.2 creates a folder named "None" in its working directory
    cwd.mkdir()
    llama = venv_dir(line) / "bin" / "llama"
    if not (venv_dir(line) / MARKER).is_file():
        raise RuntimeError(f"line {line} is not installed; run install first")
    env = server_env(line, state)
    log = state / "server.log"
    last_error: Exception | None = None
    for _ in range(attempts):
        port = _free_port()
        config = write_config(line, state, fake_base_url, port)
        started = time.monotonic()
        pid = _spawn(
            [str(llama), "stack", "run", str(config), "--port", str(port)], cwd=cwd, env=env, log=log
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(pid, f"{base_url}/v1/health", log, timeout, f"llama-stack {line}")
        except RuntimeError as exc:
            _kill_group(pid, _start_ticks(pid))
            last_error = exc
            if "address already in use" in str(exc).lower():
                continue  # lost the race for the free port: try another one
            raise
        info = _proc_info(pid, port, base_url, log)
        return {
            **info,
            "line": line,
            "version": VERSIONS[line],
            "config": str(config),
            "seconds_to_healthy": round(time.monotonic() - started, 2),
        }
    assert last_error is not None
    raise last_error


# ----------------------------------------------------------------------------- public API


def default_state_dir() -> Path:
    env = os.environ.get("LLAMASTACK_IT_STATE")
    return Path(env) if env else Path(tempfile.gettempdir()) / "llamastack-it-state"


def _state_file(state_dir: Path) -> Path:
    return state_dir / "state.json"


def _write_state(state: State) -> None:
    path = _state_file(Path(state["state_dir"]))
    tmp = path.with_name("state.json.tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    tmp.replace(path)


def read_state(state_dir: str | os.PathLike[str]) -> State | None:
    """The state written by :func:`start_servers`, or None when nothing is running there."""
    path = _state_file(Path(state_dir))
    if not path.is_file():
        return None
    data: State = json.loads(path.read_text())
    return data


def start_servers(
    lines: str | Sequence[str] = "all",
    state_dir: str | os.PathLike[str] | None = None,
    *,
    install_first: bool = True,
    timeout: float = HEALTH_TIMEOUT,
) -> State:
    """Start the fake backend and one llama-stack server per line; return the state.

    ``state["servers"]["0.7"]["base_url"]`` is e.g. ``http://127.0.0.1:40123`` (no ``/v1``).
    Anything already recorded in ``state_dir`` is stopped first. On failure everything
    started so far is stopped again and the error (with the log tail) is raised.
    """
    names = normalize_lines(lines)
    root = Path(state_dir) if state_dir is not None else default_state_dir()
    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    stop_servers(root)
    if install_first:
        install(names)
    state: State = {"state_dir": str(root), "fake": None, "servers": {}}
    try:
        fake = state["fake"] = start_fake(root)
        _write_state(state)
        # The lines start in parallel (each waits for its own health check).
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(names) or 1) as pool:
            futures = {name: pool.submit(start_line, name, root, fake["base_url"], timeout) for name in names}
        errors: list[BaseException] = []
        for name, future in futures.items():
            error = future.exception()
            if error is None:
                state["servers"][name] = future.result()
            else:
                errors.append(error)
        _write_state(state)
        if errors:
            raise errors[0]
    except BaseException:
        stop_servers(root)
        raise
    return state


def stop_servers(state_dir: str | os.PathLike[str] | None = None) -> list[int]:
    """Stop every process recorded in ``state_dir``; safe to call twice. Returns the pids."""
    root = Path(state_dir) if state_dir is not None else default_state_dir()
    state = read_state(root)
    if state is None:
        return []
    procs: list[ProcessInfo] = list(state["servers"].values())
    if state["fake"] is not None:
        procs.append(state["fake"])  # the backend last: servers may still talk to it
    for info in procs:
        _kill_group(info["pid"], info["start_ticks"])
    _state_file(root).unlink(missing_ok=True)
    return [info["pid"] for info in procs]


def status(state_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Liveness and health of whatever ``state_dir`` records."""
    root = Path(state_dir) if state_dir is not None else default_state_dir()
    state = read_state(root)
    if state is None:
        return {"state_dir": str(root), "running": False, "processes": {}}
    out: dict[str, Any] = {}
    named: list[tuple[str, ProcessInfo, str]] = []
    if state["fake"] is not None:
        named.append(("fake", state["fake"], state["fake"]["base_url"] + "/health"))
    for line, server in state["servers"].items():
        named.append((line, server, server["base_url"] + "/v1/health"))
    for name, info, health in named:
        alive = _alive(info["pid"]) and _start_ticks(info["pid"]) == info["start_ticks"]
        code, _ = http_get(health) if alive else (0, b"")
        out[name] = {"pid": info["pid"], "base_url": info["base_url"], "alive": alive, "healthy": code == 200}
    running = any(p["alive"] for p in out.values())
    return {"state_dir": str(root), "running": running, "processes": out}


@contextlib.contextmanager
def running_servers(
    lines: str | Sequence[str] = "all",
    state_dir: str | os.PathLike[str] | None = None,
    *,
    install_first: bool = True,
    timeout: float = HEALTH_TIMEOUT,
) -> Iterator[State]:
    """Context manager around :func:`start_servers` / :func:`stop_servers`.

    Without ``state_dir`` a temporary folder is used and removed afterwards.
    """
    temp = state_dir is None
    root = Path(tempfile.mkdtemp(prefix="llamastack-it-")) if temp else Path(str(state_dir))
    try:
        yield start_servers(lines, root, install_first=install_first, timeout=timeout)
    finally:
        stop_servers(root)
        if temp:
            shutil.rmtree(root, ignore_errors=True)


# ----------------------------------------------------------------------------- CLI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.servers.manage")
    parser.add_argument("command", choices=["install", "start", "stop", "status"])
    parser.add_argument("--line", default="all", help="0.7, 0.2 or all (default)")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help=f"where state, logs and stores live (default {default_state_dir()})",
    )
    parser.add_argument("--force", action="store_true", help="install: rebuild the venvs")
    parser.add_argument(
        "--timeout", type=float, default=HEALTH_TIMEOUT, help="start: seconds to wait for each /v1/health"
    )
    parser.add_argument("--json", action="store_true", help="start/status: print JSON")
    args = parser.parse_args(argv)
    if args.command == "install":
        started = time.monotonic()
        for line, path in install(args.line, force=args.force).items():
            print(f"{line}: {path}")
        print(f"install took {time.monotonic() - started:.1f} s")
        return 0
    if args.command == "start":
        try:
            state = start_servers(args.line, args.state_dir, timeout=args.timeout)
        except RuntimeError as exc:
            print(f"start failed: {exc}", file=sys.stderr)
            return 1
        if args.json:
            print(json.dumps(state, indent=2))
        else:
            if state["fake"] is not None:
                print(f"fake {state['fake']['base_url']} pid {state['fake']['pid']}")
            for line, info in state["servers"].items():
                print(
                    f"{line} {info['base_url']} pid {info['pid']} "
                    f"(healthy after {info['seconds_to_healthy']} s)"
                )
            print(f"state: {Path(state['state_dir']) / 'state.json'}")
        return 0
    if args.command == "stop":
        pids = stop_servers(args.state_dir)
        print(f"stopped {len(pids)} process group(s): {pids}" if pids else "nothing running")
        return 0
    report = status(args.state_dir)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, proc in report["processes"].items():
            print(
                f"{name} {proc['base_url']} pid {proc['pid']} alive={proc['alive']} healthy={proc['healthy']}"
            )
        if not report["processes"]:
            print("nothing running")
    return 0 if report["running"] or not report["processes"] else 1


if __name__ == "__main__":
    sys.exit(main())
