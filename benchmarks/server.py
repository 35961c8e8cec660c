"""A fast fixed-body HTTP server on 127.0.0.1: nginx, run as a child process.

A Python server would be the bottleneck of a client benchmark; nginx serves the bodies from
``fixtures`` with sendfile and keep-alive, so what is timed is the client. nginx comes from
Debian's packages: an ``nginx`` already on PATH is used as is; otherwise the ``nginx`` .deb is
fetched with ``apt-get download`` and unpacked (``dpkg-deb -x``) under
``~/.cache/llamastack-bench/`` — no service is installed or started on the machine — and, if
that is not possible, ``apt-get install -y nginx-light`` is tried as root. Each run gets its
own temporary prefix, configuration, logs and temp paths, and nginx runs in the foreground
(``daemon off``) so it is stopped with the run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from benchmarks.fixtures import AGENT_TOOL_SHORT_BODY, write_bodies

__all__ = ["CACHE_DIR", "find_nginx", "nginx_server"]

CACHE_DIR = Path(os.environ.get("LLAMASTACK_BENCH_CACHE", Path.home() / ".cache" / "llamastack-bench"))
_UNPACKED = CACHE_DIR / "nginx" / "usr" / "sbin" / "nginx"

_CONFIG = """\
worker_processes 1;
pid {prefix}/nginx.pid;
error_log stderr warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_timeout 300s;
    keepalive_requests 10000000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_max_body_size 300m;
    default_type application/json;
    # An agent turn's two Responses requests differ in what they carry, and nginx does not
    # read bodies: the first (the question) is short, the second (the tool's output) is not.
    map $content_length $responses_body {{
        "~^[0-9]{{1,{short_digits}}}$" /responses-tool.sse;
        default /responses-text.sse;
    }}
    server {{
        listen 127.0.0.1:{port};
        root {bodies};
        # The static module answers POST with 405; turn that into the file, sent as to a GET.
        error_page 405 =200 $uri;
        # What every line answers to discovery (GET /v1/version): a 0.7 server.
        location = /v1/version {{ try_files /version.json =404; }}
        location = /v1/conversations {{ try_files /conversation.json =404; }}
        location = /v1/models {{ try_files /models.json =404; }}
        location = /v1/chat/completions {{
            default_type text/event-stream;
            try_files /chat.sse =404;
        }}
        location = /v1/responses {{
            default_type text/event-stream;
            try_files $responses_body =404;
        }}
        # The 200 MB upload is read and thrown away; the answer is a fixed file object.
        location = /v1/files {{ try_files /file.json =404; }}
        # The scaling run: base URL http://.../scale/N serves the bodies of size N.
        location ~ ^/scale/[0-9]+/v1/version$ {{ try_files /version.json =404; }}
        location ~ ^/scale/([0-9]+)/v1/models$ {{ try_files /models-$1.json =404; }}
        location ~ ^/scale/([0-9]+)/v1/chat/completions$ {{
            default_type text/event-stream;
            try_files /chat-$1.sse =404;
        }}
        location ~ ^/(version|conversation|models|file)(-[0-9]+)?\\.json$ {{ internal; }}
        location ~ \\.sse$ {{ internal; default_type text/event-stream; }}
    }}
}}
"""


def _run_quiet(argv: list[str], cwd: Path | None = None) -> bool:
    try:
        done = subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              check=False, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _download_and_unpack() -> Path | None:
    """``apt-get download nginx`` + ``dpkg-deb -x`` into the cache: nothing is installed."""
    if shutil.which("apt-get") is None or shutil.which("dpkg-deb") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        fetched = _run_quiet(["apt-get", "download", "nginx"], cwd=Path(tmp))
        if not fetched and os.geteuid() == 0:
            _run_quiet(["apt-get", "update", "-qq"])
            fetched = _run_quiet(["apt-get", "download", "nginx"], cwd=Path(tmp))
        debs = sorted(Path(tmp).glob("nginx_*.deb"))
        if not fetched or not debs:
            return None
        target = CACHE_DIR / "nginx"
        target.mkdir(parents=True, exist_ok=True)
        if not _run_quiet(["dpkg-deb", "-x", str(debs[-1]), str(target)]):
            return None
    return _UNPACKED if _works(_UNPACKED) else None


def _works(binary: Path) -> bool:
    return binary.is_file() and _run_quiet([str(binary), "-v"])


def find_nginx(explicit: str | None = None) -> Path:
    """An nginx binary: ``explicit``, on PATH, in /usr/sbin, unpacked in the cache, or fetched."""
    candidates = [explicit, os.environ.get("LLAMASTACK_BENCH_NGINX"), shutil.which("nginx"),
                  "/usr/sbin/nginx", str(_UNPACKED)]
    for candidate in candidates:
        if candidate and _works(Path(candidate)):
            return Path(candidate)
    print("nginx not found: fetching Debian's nginx package into", CACHE_DIR, flush=True)
    unpacked = _download_and_unpack()
    if unpacked is not None:
        return unpacked
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("apt-get download failed: trying apt-get install -y nginx-light", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=False, env=env)
        for candidate in (shutil.which("nginx"), "/usr/sbin/nginx"):
            if candidate and _works(Path(candidate)):
                return Path(candidate)
    raise RuntimeError("nginx is not available: install Debian's nginx-light (apt-get install "
                       "nginx-light) or pass --nginx PATH")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with status {process.returncode} at start-up")
        try:
            with urllib.request.urlopen(url, timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nginx did not answer within 10 s")


@contextlib.contextmanager
def nginx_server(nginx: Path, scaling: bool = False) -> Iterator[str]:
    """Run nginx with the fixed bodies (``scaling``: also those of the scaling run); yields
    its base URL (http://127.0.0.1:PORT)."""
    with tempfile.TemporaryDirectory(prefix="llamastack-bench-") as tmp:
        prefix = Path(tmp)
        bodies = prefix / "bodies"
        write_bodies(bodies, scaling)
        # Run as root, nginx's worker drops to an unprivileged user: let it read and write.
        prefix.chmod(0o755)
        bodies.chmod(0o755)
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / name).mkdir(mode=0o777)
            (prefix / name).chmod(0o777)
        port = _free_port()
        config = prefix / "nginx.conf"
        config.write_text(_CONFIG.format(prefix=prefix, port=port, bodies=bodies,
                                          short_digits=len(str(AGENT_TOOL_SHORT_BODY - 1))))
        process = subprocess.Popen(
            [str(nginx), "-p", str(prefix), "-c", str(config), "-e", "stderr",
             "-g", "daemon off; master_process on;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        base_url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base_url + "/v1/models", process, time.monotonic() + 10)
            yield base_url
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGQUIT)  # graceful stop of master and worker
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
