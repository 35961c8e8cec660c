"""The fixed bodies the benchmark server sends, shaped like a real Llama Stack 0.7 server's.

Shapes follow what a 0.7.3 server serves (``../shared/upstream-specs/``,
``llama-stack-0.7.3-served-openapi.json``): ``GET /v1/models`` answers ``{"data": [OpenAIModel]}``
with the Llama Stack facts (``model_type``, ``provider_id``, ``provider_resource_id``, metadata)
inside ``custom_metadata``; a chat completion stream is ``data: {chunk}`` lines, one
``chat.completion.chunk`` per event, with no ``[DONE]`` (the stream ends when the body ends).
Everything is deterministic so every run serves the same bytes.

Importable under any Python >= 3.10 with the standard library only: the official-SDK worker
(a 3.12 interpreter without llamastack) reads ``JOBS`` from here too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = [
    "CHAT_REQUEST",
    "CONVERSATION",
    "FILE_OBJECT",
    "JOBS",
    "MODEL_COUNT",
    "STREAM_CHUNKS",
    "chat_chunks",
    "model_list",
    "write_bodies",
]

MODEL_COUNT = 2_000
STREAM_CHUNKS = 4_000
CREATED = 1_751_234_567

CONVERSATION: dict[str, Any] = {
    "id": "conv_4f2b6a0c9d8e7f1a2b3c4d5e6f708192a3b4c5d6e7f80912",
    "object": "conversation",
    "created_at": 1,
    "metadata": {},
}

FILE_OBJECT: dict[str, Any] = {
    "object": "file",
    "id": "file-5d2c3b4a1f0e9d8c7b6a5f4e3d2c1b0a",
    "bytes": 200 * 1024 * 1024,
    "created_at": CREATED,
    "expires_at": CREATED + 86_400,
    "filename": "upload.bin",
    "purpose": "assistants",
}

# What every client sends for the streamed chat completion (the body is not looked at).
CHAT_REQUEST: dict[str, Any] = {
    "model": "fake-openai/fake-llm",
    "messages": [{"role": "user", "content": "Tell me a long story."}],
}

# Job name -> (method, path): the same routes for every client.
JOBS: dict[str, tuple[str, str]] = {
    "post": ("POST", "/v1/conversations"),
    "list": ("GET", "/v1/models"),
    "stream": ("POST", "/v1/chat/completions"),
    "upload": ("POST", "/v1/files"),
}

_PROVIDERS = ("fake-openai", "ollama", "vllm-inference", "sentence-transformers")


def model_list(count: int = MODEL_COUNT) -> dict[str, Any]:
    """``{"data": [...]}`` of ``count`` models, a mix of llm and embedding models."""
    data = []
    for i in range(count):
        provider = _PROVIDERS[i % len(_PROVIDERS)]
        embedding = i % 5 == 4
        resource = f"{'embed' if embedding else 'llm'}-model-{i:04d}"
        custom: dict[str, Any] = {
            "model_type": "embedding" if embedding else "llm",
            "provider_id": provider,
            "provider_resource_id": resource,
        }
        if embedding:
            custom["embedding_dimension"] = 384 + (i % 3) * 384
            custom["context_length"] = 512
        data.append({
            "id": f"{provider}/{resource}",
            "object": "model",
            "created": CREATED + i,
            "owned_by": "llama_stack",
            "custom_metadata": custom,
        })
    return {"data": data}


_WORDS = ("The", " quick", " brown", " fox", " jumps", " over", " the", " lazy", " dog", ",",
          " and", " then", " it", " naps", " in", " the", " sun", ".", "\n", " Meanwhile")


def chat_chunks(count: int = STREAM_CHUNKS) -> list[dict[str, Any]]:
    """``count`` chat.completion.chunk objects as a Llama Stack 0.7 server streams them:
    the role first, one token per chunk, the finish reason and usage last."""
    chunks = []
    for i in range(count):
        last = i == count - 1
        delta: dict[str, Any] = {
            "content": None if last else _WORDS[i % len(_WORDS)],
            "refusal": None,
            "role": "assistant" if i == 0 else None,
            "tool_calls": None,
            "reasoning_content": None,
        }
        chunks.append({
            "id": "chatcmpl-9f1c2d3e4b5a69788796a5b4c3d2e1f0",
            "choices": [{
                "delta": delta,
                "finish_reason": "stop" if last else None,
                "index": 0,
                "logprobs": None,
            }],
            "object": "chat.completion.chunk",
            "created": CREATED,
            "model": "fake-openai/fake-llm",
            "service_tier": None,
            "system_fingerprint": None,
            "usage": {"prompt_tokens": 12, "completion_tokens": count - 1,
                      "total_tokens": count + 11} if last else None,
        })
    return chunks


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def write_bodies(directory: Path) -> dict[str, Path]:
    """Write each fixed body into ``directory``; returns name -> file."""
    directory.mkdir(parents=True, exist_ok=True)
    bodies = {
        "conversation.json": _dumps(CONVERSATION),
        "file.json": _dumps(FILE_OBJECT),
        "models.json": _dumps(model_list()),
        "chat.sse": b"".join(b"data: " + _dumps(chunk) + b"\n\n" for chunk in chat_chunks()),
    }
    paths = {}
    for name, body in bodies.items():
        path = directory / name
        path.write_bytes(body)
        paths[name] = path
    return paths
