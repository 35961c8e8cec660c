"""A small deterministic fake of an OpenAI-compatible inference server (stdlib only).

llama-stack talks to it as its model backend (``remote::openai`` on the 0.7 line,
``remote::vllm`` on the 0.2 line). Every answer is a pure function of the request, so
integration tests can assert on exact text. The exact answers are listed in README.md::

    python tests/integration/servers/fake_openai.py --port 0 --port-file /tmp/fake.port

Endpoints: ``GET /v1/models``, ``GET /health``, ``GET /v1/health``,
``POST /v1/chat/completions``, ``POST /v1/completions``, ``POST /v1/embeddings``, and a
minimal MCP server (streamable HTTP, JSON answers, no session) at ``POST /mcp``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import itertools
import json
import math
import re
import struct
import sys
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

LLM_ID = "fake-llm"
EMBED_ID = "fake-embed"
EMBED_DIM = 16
CREATED = 1700000000  # of the models; completions carry the current time (stores sort by it)
OWNER = "fake-openai"

# Words that steer the fake (see README.md).
UNSAFE_TRIGGER = "unsafe-trigger"
ERROR_TRIGGER = "error-trigger"  # HTTP 500 before any answer
MIDSTREAM_TRIGGER = "midstream-trigger"  # a stream that sends one chunk, then an error event
TOOL_TRIGGER = "weather"
GUARD_MARKER = "Check if there is unsafe content"

JSON = dict[str, Any]

# Response ids must be unique (llama-stack stores chat completions by id); everything else
# in a response is a pure function of the request.
_ids = itertools.count(1)
_ids_lock = threading.Lock()


def next_id(prefix: str) -> str:
    with _ids_lock:
        return f"{prefix}-fake-{next(_ids):06d}"


# ----------------------------------------------------------------------------- pure helpers


def content_text(content: Any) -> str:
    """Text of an OpenAI message ``content`` (a string or a list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return " ".join(parts)
    return str(content)


def last_text(messages: list[JSON], role: str) -> str:
    for msg in reversed(messages):
        if msg.get("role") == role:
            return content_text(msg.get("content"))
    return ""


def count_tokens(text: str) -> int:
    return len(text.split())


def short_hash(*parts: str, n: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:n]


def guard_answer(prompt: str) -> str:
    """What the fake answers to a Llama Guard prompt."""
    return "unsafe\nS1" if UNSAFE_TRIGGER in prompt else "safe"


def tool_arguments(tool: JSON, user_text: str) -> JSON:
    """Deterministic arguments for a function tool, from its JSON schema."""
    fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
    params = fn.get("parameters") if isinstance(fn, dict) else None
    props = params.get("properties") if isinstance(params, dict) else None
    args: JSON = {}
    if not isinstance(props, dict):
        return args
    for name, schema in props.items():
        kind = schema.get("type") if isinstance(schema, dict) else None
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "string")
        if kind == "integer":
            args[name] = 1
        elif kind == "number":
            args[name] = 1.5
        elif kind == "boolean":
            args[name] = True
        elif kind == "array":
            args[name] = [user_text]
        elif kind == "object":
            args[name] = {}
        else:
            args[name] = user_text
    return args


def tool_name(tool: JSON) -> str:
    fn = tool.get("function")
    if isinstance(fn, dict) and isinstance(fn.get("name"), str):
        return str(fn["name"])
    return str(tool.get("name", "tool"))


def pick_tool(tools: list[JSON], user_text: str) -> JSON | None:
    """The tool the fake calls: one named in the text, else the first if the text says weather."""
    lowered = user_text.lower()
    for tool in tools:
        if tool_name(tool).lower() in lowered:
            return tool
    if TOOL_TRIGGER in lowered and tools:
        return tools[0]
    return None


def chat_decision(body: JSON) -> JSON:
    """Decide the assistant turn: ``{"content": str}`` or ``{"tool_call": {...}}``."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    all_text = "\n".join(content_text(m.get("content")) for m in messages)
    if GUARD_MARKER in all_text:
        return {"content": guard_answer(all_text)}
    if messages and messages[-1].get("role") == "tool":
        return {"content": f"Tool result: {content_text(messages[-1].get('content'))}"}
    user = last_text(messages, "user")
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    if tools and body.get("tool_choice") != "none":
        tool = pick_tool(tools, user)
        if tool is not None:
            args = json.dumps(tool_arguments(tool, user))
            name = tool_name(tool)
            call_id = "call_" + short_hash(name, args, str(len(messages)))
            return {"tool_call": {"id": call_id, "name": name, "arguments": args}}
    return {"content": f"Echo: {user}"}


def split_words(text: str) -> list[str]:
    """Split into stream pieces whose concatenation is ``text`` (word plus leading space)."""
    pieces = re.findall(r"\s*\S+|\s+$", text)
    return pieces or [text]


def embed(text: str, dim: int = EMBED_DIM) -> list[float]:
    """Bag-of-words hashed embedding, L2-normalized, with float32-exact values.

    Texts sharing words get similar vectors, so vector search ranks sensibly.
    """
    vec = [0.0] * dim
    words = re.findall(r"[a-z0-9]+", text.lower())
    for word in words:
        digest = hashlib.sha256(word.encode()).digest()
        index = int.from_bytes(digest[:4], "little") % dim
        sign = 1.0 if digest[4] & 1 else -1.0
        vec[index] += sign
    if not any(vec):
        vec[0] = 1.0
    norm = math.sqrt(sum(v * v for v in vec))
    values = [v / norm for v in vec]
    return list(struct.unpack(f"<{dim}f", struct.pack(f"<{dim}f", *values)))


def embed_base64(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")


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
    if "tool_call" in decision:
        tc = decision["tool_call"]
        message["content"] = None
        message["tool_calls"] = [
            {
                "id": tc["id"],
                "type": "function",
                "function": {"name": tc["name"], "arguments": tc["arguments"]},
            }
        ]
        finish, answer = "tool_calls", tc["arguments"]
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
        tc = message["tool_calls"][0]
        yield chunk(
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "index": 0,
                        "id": tc["id"],
                        "type": "function",
                        "function": {"name": tc["function"]["name"], "arguments": ""},
                    }
                ],
            }
        )
        yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": tc["function"]["arguments"]}}]})
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


def completion_text(prompt: str) -> str:
    if GUARD_MARKER in prompt:
        return guard_answer(prompt)
    return f"Echo: {prompt}"


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


# ----------------------------------------------------------------------------- MCP

# The 0.7 server registers this as its connector "fake-mcp" (manage.py).
MCP_SERVER_INFO = {"name": "fake-mcp", "version": "1.0.0"}
MCP_INSTRUCTIONS = "Deterministic tools for the llamastack integration tests."
MCP_PROTOCOL_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
MCP_TOOLS = [
    {
        "name": "get_weather",
        "description": "Weather for a city",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
    {
        "name": "add",
        "description": "Add two integers",
        "inputSchema": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
]


def mcp_result(method: str, params: JSON) -> JSON | None:
    """The JSON-RPC ``result`` for an MCP request, or None for an unknown method."""
    if method == "initialize":
        asked = params.get("protocolVersion")
        version = asked if asked in MCP_PROTOCOL_VERSIONS else MCP_PROTOCOL_VERSIONS[-1]
        return {
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": MCP_SERVER_INFO,
            "instructions": MCP_INSTRUCTIONS,
        }
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": MCP_TOOLS}
    if method == "tools/call":
        name, args = params.get("name"), params.get("arguments") or {}
        if name == "add":
            text = str(int(args.get("a", 0)) + int(args.get("b", 0)))
        elif name == "get_weather":
            text = f"Sunny in {args.get('city', '?')}"
        else:
            return {"content": [{"type": "text", "text": f"unknown tool {name}"}], "isError": True}
        return {"content": [{"type": "text", "text": text}], "isError": False}
    return None


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

    def _send_json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
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
                self._send_json(500, error_body("fake backend error", "server_error"))
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
