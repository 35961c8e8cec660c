"""A small deterministic fake of an OpenAI-compatible inference server (stdlib only).

llama-stack talks to it as its model backend (``remote::openai`` on 0.3-0.7, ``remote::vllm`` on
0.2). Every answer is a pure function of the request (``fake_model.py`` is the "model" and
documents the prompt language), so integration tests can assert on exact text. The exact answers
are listed in README.md::

    python -m tests.integration.servers.fake_openai --port 0 --port-file /tmp/fake.port

Endpoints: ``GET /v1/models``, ``GET /health``, ``GET /v1/health``,
``POST /v1/chat/completions``, ``POST /v1/completions``, ``POST /v1/embeddings``, and a
minimal MCP server (``fake_mcp.py``; streamable HTTP, JSON answers, no session) at ``POST /mcp``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .fake_mcp import mcp_result
from .fake_model import (
    EMBED_DIM,
    chat_decision,
    completion_text,
    content_text,
    count_tokens,
    embed,
    embed_base64,
    last_text,
    split_words,
)

__all__ = [
    "EMBED_DIM",
    "EMBED_ID",
    "ERROR_TRIGGER",
    "LLM_ID",
    "MIDSTREAM_TRIGGER",
    "FakeServer",
    "embed",
    "embed_base64",
    "main",
    "serve",
]

LLM_ID = "fake-llm"
EMBED_ID = "fake-embed"
CREATED = 1700000000  # of the models; completions carry the current time (stores sort by it)
OWNER = "fake-openai"

# Words that steer the HTTP layer (the model's own triggers are in fake_model.py).
ERROR_TRIGGER = "error-trigger"  # HTTP 500 before any answer
MIDSTREAM_TRIGGER = "midstream-trigger"  # a stream that sends two chunks, then an error event

JSON = dict[str, Any]

# Response ids must be unique (llama-stack stores chat completions by id); everything else
# in a response is a pure function of the request.
_ids = itertools.count(1)
_ids_lock = threading.Lock()


def next_id(prefix: str) -> str:
    with _ids_lock:
        return f"{prefix}-fake-{next(_ids):06d}"


# ----------------------------------------------------------------------------- payloads


def models_payload() -> JSON:
    return {
        "object": "list",
        "data": [
            {"id": LLM_ID, "object": "model", "created": CREATED, "owned_by": OWNER},
            {"id": EMBED_ID, "object": "model", "created": CREATED, "owned_by": OWNER},
        ],
    }


def usage(prompt: str, completion: str) -> JSON:
    p, c = count_tokens(prompt), count_tokens(completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}


def chat_response(body: JSON) -> JSON:
    decision = chat_decision(body)
    model = str(body.get("model") or LLM_ID)
    prompt = "\n".join(content_text(m.get("content")) for m in body.get("messages") or [])
    cid = next_id("chatcmpl")
    message: JSON = {"role": "assistant"}
    if "tool_calls" in decision:
        calls = decision["tool_calls"]
        message["content"] = None
        message["tool_calls"] = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in calls
        ]
        finish, answer = "tool_calls", " ".join(c["arguments"] for c in calls)
    else:
        message["content"] = decision["content"]
        finish, answer = "stop", decision["content"]
    return {
        "id": cid,
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": usage(prompt, answer),
    }


def chat_chunks(body: JSON) -> Iterable[JSON]:
    full = chat_response(body)
    base = {
        "id": full["id"],
        "object": "chat.completion.chunk",
        "created": full["created"],
        "model": full["model"],
    }
    choice = full["choices"][0]
    message = choice["message"]

    def chunk(delta: JSON, finish: str | None = None) -> JSON:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}

    if message.get("tool_calls"):
        # Each call streams as OpenAI does: id and name (arguments ""), then the arguments.
        for index, tc in enumerate(message["tool_calls"]):
            head: JSON = {"role": "assistant", "content": None} if index == 0 else {}
            yield chunk({
                **head,
                "tool_calls": [{
                    "index": index,
                    "id": tc["id"],
                    "type": "function",
                    "function": {"name": tc["function"]["name"], "arguments": ""},
                }],
            })
            arguments = tc["function"]["arguments"]
            yield chunk({"tool_calls": [{"index": index, "function": {"arguments": arguments}}]})
    else:
        yield chunk({"role": "assistant", "content": ""})
        for piece in split_words(message["content"]):
            yield chunk({"content": piece})
    yield chunk({}, choice["finish_reason"])
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        yield {**base, "choices": [], "usage": full["usage"]}


def completion_prompt(body: JSON) -> str:
    prompt = body.get("prompt")
    if isinstance(prompt, list):
        return " ".join(p if isinstance(p, str) else json.dumps(p) for p in prompt)
    return "" if prompt is None else str(prompt)


def completion_response(body: JSON) -> JSON:
    prompt = completion_prompt(body)
    text = completion_text(prompt)
    return {
        "id": next_id("cmpl"),
        "object": "text_completion",
        "created": int(time.time()),
        "model": str(body.get("model") or LLM_ID),
        "choices": [{"index": 0, "text": text, "finish_reason": "stop", "logprobs": None}],
        "usage": usage(prompt, text),
    }


def completion_chunks(body: JSON) -> Iterable[JSON]:
    full = completion_response(body)
    base = {k: full[k] for k in ("id", "object", "created", "model")}
    pieces = split_words(full["choices"][0]["text"])
    for i, piece in enumerate(pieces):
        finish = "stop" if i == len(pieces) - 1 else None
        yield {**base, "choices": [{"index": 0, "text": piece, "finish_reason": finish, "logprobs": None}]}
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        yield {**base, "choices": [], "usage": full["usage"]}


def embeddings_response(body: JSON) -> JSON:
    raw = body.get("input")
    items: list[Any] = raw if isinstance(raw, list) else [raw]
    if items and all(isinstance(x, int) for x in items):
        items = [items]  # one pre-tokenized input
    texts = [x if isinstance(x, str) else json.dumps(x) for x in items]
    dim = body.get("dimensions")
    dim = dim if isinstance(dim, int) and dim > 0 else EMBED_DIM
    b64 = body.get("encoding_format") == "base64"
    data: list[JSON] = []
    for i, text in enumerate(texts):
        vec = embed(text, dim)
        data.append({"object": "embedding", "index": i, "embedding": embed_base64(vec) if b64 else vec})
    tokens = sum(count_tokens(t) for t in texts)
    return {
        "object": "list",
        "data": data,
        "model": str(body.get("model") or EMBED_ID),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def error_body(message: str, kind: str = "invalid_request_error", code: str | None = None) -> JSON:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


# ----------------------------------------------------------------------------- HTTP


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], journal: Path | None) -> None:
        super().__init__(address, Handler)
        self.journal = journal
        self.journal_lock = threading.Lock()

    def record(self, entry: JSON) -> None:
        if self.journal is None:
            return
        line = json.dumps(entry, sort_keys=True) + "\n"
        with self.journal_lock, open(self.journal, "a") as fh:
            fh.write(line)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeServer
    quiet = True

    def log_message(self, format: str, *args: Any) -> None:
        if not self.quiet:
            super().log_message(format, *args)

    # -- plumbing

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_stream(self, events: Iterable[JSON], fail_after: int | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        for sent, event in enumerate(events):
            if fail_after is not None and sent >= fail_after:
                error = error_body("fake mid-stream error", "server_error")
                self.wfile.write(f"data: {json.dumps(error)}\n\n".encode())
                self.wfile.flush()
                return
            self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    # -- routes

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        self.server.record({"method": "GET", "path": path})
        if path in ("/health", "/v1/health"):
            self._send_json(200, {"status": "ok"})
        elif path == "/v1/models":
            self._send_json(200, models_payload())
        elif path.startswith("/v1/models/"):
            wanted = path[len("/v1/models/") :]
            match = [m for m in models_payload()["data"] if m["id"] == wanted]
            if match:
                self._send_json(200, match[0])
            else:
                self._send_json(404, error_body(f"model {wanted} not found", code="model_not_found"))
        elif path == "/mcp":  # no server-initiated stream (the MCP spec allows 405 here)
            self._send_json(405, error_body("no SSE stream; POST JSON-RPC messages"))
        else:
            self._send_json(404, error_body(f"unknown route GET {path}"))

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        raw = self._read_body()
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._send_json(400, error_body("request body is not JSON"))
            return
        if not isinstance(body, dict):
            self._send_json(400, error_body("request body must be a JSON object"))
            return
        if path == "/mcp":
            self._mcp(body)
            return
        self.server.record({"method": "POST", "path": path, "body": body})
        routes = {
            "/v1/chat/completions": (chat_response, chat_chunks),
            "/v1/completions": (completion_response, completion_chunks),
        }
        if path in routes:
            text = self._prompt_text(body)
            if ERROR_TRIGGER in text:
                # x-should-retry (OpenAI's own header): the openai SDK inside llama-stack would
                # otherwise retry twice with back-off, tripling the calls and the wait.
                error = error_body("fake backend error", "server_error")
                self._send_json(500, error, {"x-should-retry": "false"})
                return
            make, stream = routes[path]
            if body.get("stream"):
                self._send_stream(stream(body), fail_after=2 if MIDSTREAM_TRIGGER in text else None)
            else:
                self._send_json(200, make(body))
        elif path == "/v1/embeddings":
            self._send_json(200, embeddings_response(body))
        else:
            self._send_json(404, error_body(f"unknown route POST {path}"))

    def _mcp(self, message: JSON) -> None:
        # The journal also records the Authorization header llama-stack forwards.
        self.server.record({"method": "POST", "path": "/mcp", "body": message,
                            "authorization": self.headers.get("Authorization")})
        if "id" not in message:  # a notification (e.g. notifications/initialized)
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        result = mcp_result(str(message.get("method")), message.get("params") or {})
        if result is None:
            reply = {"jsonrpc": "2.0", "id": message["id"],
                     "error": {"code": -32601, "message": f"Method not found: {message.get('method')}"}}
        else:
            reply = {"jsonrpc": "2.0", "id": message["id"], "result": result}
        self._send_json(200, reply)

    @staticmethod
    def _prompt_text(body: JSON) -> str:
        messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
        return last_text(messages, "user") if messages else completion_prompt(body)


def serve(port: int = 0, host: str = "127.0.0.1", journal: Path | None = None) -> FakeServer:
    """Create (not start) a server; call ``serve_forever`` on it, e.g. in a thread."""
    return FakeServer((host, port), journal)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port-file", type=Path, help="write the bound port here")
    parser.add_argument("--journal", type=Path, help="append one JSON line per request here")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    Handler.quiet = not args.verbose
    server = serve(args.port, args.host, args.journal)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file.with_name(args.port_file.name + ".tmp")
        tmp.write_text(f"{port}\n")
        tmp.replace(args.port_file)
    print(f"fake-openai listening on http://{args.host}:{port}/v1", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
