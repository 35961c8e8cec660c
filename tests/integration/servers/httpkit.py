"""Plain-HTTP helpers of the smoke check and the per-line probe (stdlib only, loopback only).

``Run`` sends requests to one server line, routes each 0.7 path to the path that line really
serves (``route``), checks the status, and with ``capture`` stores each answer under
``captured/<line>/<name>.json`` (streams as the list of their ``data:`` payloads; a body that is
not JSON as a JSON string) and describes request and answer in ``index`` (-> captured/index.json).
"""

from __future__ import annotations

import json
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["CAPTURE_DIR", "Reply", "Run", "http", "multipart", "route"]

CAPTURE_DIR = Path(__file__).resolve().parent / "captured"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# OpenAI-compatible operations that 0.2 serves under /v1/openai/v1 (SERVER_LINES.md section 3.2).
_OPENAI_ON_02 = ("/v1/chat/completions", "/v1/completions", "/v1/embeddings", "/v1/moderations",
                 "/v1/files", "/v1/vector_stores", "/v1/responses", "/v1/batches")


def route(line: str, path: str) -> str:
    """The path ``line`` serves for the operation the 0.7 line serves at ``path``."""
    bare, _, query = path.partition("?")
    out = bare
    if line == "0.2":
        if bare.startswith(_OPENAI_ON_02):
            out = "/v1/openai" + bare
        elif bare.startswith(("/v1beta/datasets", "/v1beta/datasetio")):
            out = "/v1" + bare[len("/v1beta"):]
    elif line == "0.3" and bare.startswith("/v1/agents"):
        out = "/v1alpha" + bare[len("/v1"):]
    elif line in ("0.4", "0.5", "0.6") and bare.startswith("/v1beta/connectors"):
        out = "/v1alpha" + bare[len("/v1beta"):]
    return f"{out}?{query}" if query else out


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    def events(self) -> list[Any]:
        """``data:`` payloads of an SSE body (``[DONE]`` kept as the string)."""
        out: list[Any] = []
        for line in self.raw.decode().splitlines():
            if line.startswith("data:"):
                data = line[5:].strip()
                out.append(data if data == "[DONE]" else json.loads(data))
        return out

    def payload(self, stream: bool) -> Any:
        """What a capture stores: the event list, the JSON body, the text, or None (no body)."""
        if stream:
            return self.events()
        if not self.raw:
            return None
        try:
            return json.loads(self.raw)
        except ValueError:
            return self.raw.decode(errors="replace")


def http(
    method: str,
    url: str,
    body: Any = None,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Reply:
    """One request without any proxy (every server here is on 127.0.0.1); an HTTP error status is
    returned as a Reply, a connection that fails raises OSError."""
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Reply(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, dict(exc.headers.items()), exc.read())


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "llamastack-it-" + uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content, ctype) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Run:
    """Requests to one line's server; counts checks and records captures."""

    line: str
    base: str
    capture: bool
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    index: dict[str, Any] = field(default_factory=dict)

    @property
    def minor(self) -> int:
        return int(self.line.split(".")[1])

    def call(
        self,
        name: str | None,
        method: str,
        path: str,
        body: Any = None,
        *,
        expect: int | tuple[int, ...] | None = 200,
        stream: bool = False,
        routed: bool = True,
        form: dict[str, Any] | None = None,
        **kw: Any,
    ) -> Reply:
        """Send ``method path`` (a 0.7 path, routed to this line's unless ``routed=False``).

        ``expect`` is the status (or statuses) that passes; None accepts any (for recording what
        a line answers). ``form`` describes a multipart body for the index (``data`` carries it).
        """
        real = route(self.line, path) if routed else path
        reply = http(method, self.base + real, body, **kw)
        allowed = (expect,) if isinstance(expect, int) else expect
        if allowed is not None and reply.status not in allowed:
            raise AssertionError(f"{method} {real}: {reply.status} not in {allowed}: {reply.raw[:800]!r}")
        if name and self.capture:
            request: Any = {"json": body} if body is not None else ({"form": form} if form else None)
            self.save(name, method, real, request, reply, stream)
        return reply

    def save(self, name: str, method: str, path: str, request: Any, reply: Reply, stream: bool) -> None:
        folder = CAPTURE_DIR / self.line
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(reply.payload(stream), indent=2, ensure_ascii=False) + "\n"
        (folder / f"{name}.json").write_text(text)
        self.index[f"{self.line}/{name}.json"] = {
            "line": self.line,
            "method": method,
            "path": path,
            "request": request,
            "status": reply.status,
            "content_type": reply.headers.get("content-type", reply.headers.get("Content-Type")),
            "stream": stream,
        }

    def check(self, title: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            self.failed.append(title)
            print(f"FAIL {self.line} {title}\n{traceback.format_exc()}", flush=True)
        else:
            self.passed += 1
            print(f"ok   {self.line} {title}", flush=True)
