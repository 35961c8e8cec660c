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

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "AGENT_INSTRUCTIONS",
    "AGENT_MODEL",
    "AGENT_QUESTION",
    "AGENT_TOOL_SHORT_BODY",
    "CHAT_REQUEST",
    "CONVERSATION",
    "FILE_OBJECT",
    "JOBS",
    "MODEL_COUNT",
    "SCALE_CHUNKS",
    "SCALE_MODELS",
    "STREAM_CHUNKS",
    "VERSION",
    "WEATHER_REPORT",
    "chat_chunks",
    "model_list",
    "responses_text_stream",
    "responses_tool_stream",
    "write_bodies",
]

MODEL_COUNT = 2_000
STREAM_CHUNKS = 4_000
# The scaling run: the same bodies at ten and a hundred times the size (and a tenth).
SCALE_MODELS = (200, 2_000, 20_000, 200_000)
SCALE_CHUNKS = (4_000, 40_000)
CREATED = 1_751_234_567

# GET /v1/version, as a 0.7.3 server answers it (the client's line discovery asks it once).
VERSION: dict[str, Any] = {"version": "0.7.3"}

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


# --- the agent turn: two Responses streams ------------------------------------------------
#
# One turn with one client tool round is two streamed ``POST /v1/responses``: the first answers
# with a function call, the second (which carries the tool's output) with text. nginx cannot
# read a request body, so it tells them apart by their size (``server.py``): the first is
# under AGENT_TOOL_SHORT_BODY bytes, the second, carrying WEATHER_REPORT, is over it. The
# shapes are a 0.7.3 server's (tests/integration/servers/captured/0.7/POST_v1_responses_*).

AGENT_MODEL = "fake-openai/fake-llm"
AGENT_QUESTION = "What is the weather in Paris?"
AGENT_INSTRUCTIONS = "Answer in one sentence."
AGENT_TOOL_SHORT_BODY = 1_000
_CALL_ARGUMENTS = json.dumps({"city": "Paris"})
# What the tool returns: an hourly forecast, as a weather API would give it (about 1.3 kB).
WEATHER_REPORT = json.dumps({
    "city": "Paris",
    "hourly": [{"hour": hour, "temperature_c": 14 + hour % 7, "wind_kmh": 8 + hour % 5,
                "sky": "clear" if hour % 3 else "cloudy"} for hour in range(16)],
})
_ANSWER = ("It is 18 degrees and mostly clear in Paris today, with a light wind from the west "
           "and a few clouds in the evening.")
_WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                   "required": ["city"]},
    "strict": None,
}


def _response(response_id: str, status: str, output: list[Any], usage: Any) -> dict[str, Any]:
    return {
        "background": False, "created_at": CREATED, "completed_at": CREATED if usage else None,
        "error": None, "frequency_penalty": 0.0, "id": response_id, "incomplete_details": None,
        "model": AGENT_MODEL, "object": "response", "output": output,
        "parallel_tool_calls": True, "previous_response_id": None, "prompt_cache_key": None,
        "prompt": None, "status": status, "temperature": 1.0,
        "text": {"format": {"type": "text"}}, "top_p": 1.0, "top_logprobs": 0,
        "tools": [_WEATHER_TOOL], "tool_choice": "auto", "truncation": "disabled",
        "usage": usage, "instructions": AGENT_INSTRUCTIONS, "max_tool_calls": None,
        "reasoning": None, "max_output_tokens": None, "safety_identifier": None,
        "service_tier": "default", "metadata": None, "presence_penalty": 0.0, "store": True,
    }


def _numbered(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**event, "sequence_number": number} for number, event in enumerate(events)]


def _usage(output_tokens: int) -> dict[str, Any]:
    return {"input_tokens": 40, "output_tokens": output_tokens,
            "total_tokens": 40 + output_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens_details": {"reasoning_tokens": 0}}


def responses_tool_stream() -> list[dict[str, Any]]:
    """The first round: the model calls ``get_weather(city="Paris")``."""
    rid = "resp_a4af35dd-f3a7-4bd1-999e-c7100276adbb"
    item_id = "fc_66ebc795-c8c9-4e79-9a1a-f1bcbf580189"
    call = {"call_id": "call_328d4d3c032bd162", "name": "get_weather", "arguments": "",
            "type": "function_call", "id": item_id, "status": "in_progress"}
    done = {**call, "arguments": _CALL_ARGUMENTS, "status": "completed"}
    return _numbered([
        {"response": _response(rid, "in_progress", [], None), "type": "response.created"},
        {"response": _response(rid, "in_progress", [], None), "type": "response.in_progress"},
        {"response_id": rid, "item": call, "output_index": 0,
         "type": "response.output_item.added"},
        {"delta": _CALL_ARGUMENTS, "item_id": item_id, "output_index": 0,
         "type": "response.function_call_arguments.delta"},
        {"arguments": _CALL_ARGUMENTS, "item_id": item_id, "output_index": 0,
         "type": "response.function_call_arguments.done"},
        {"response_id": rid, "item": done, "output_index": 0, "type": "response.output_item.done"},
        {"response": _response(rid, "completed", [done], _usage(8)), "type": "response.completed"},
    ])


def responses_text_stream() -> list[dict[str, Any]]:
    """The second round: the answer, one token per ``output_text.delta``."""
    rid = "resp_33e66640-5190-4da0-8c57-53f95354b454"
    item_id = "msg_ec4ada81-9403-4fae-bc3a-e9874b7ffa29"
    tokens = [word if i == 0 else " " + word for i, word in enumerate(_ANSWER.split(" "))]
    text = "".join(tokens)
    part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
    message = {"content": [], "role": "assistant", "type": "message", "id": item_id,
               "status": "in_progress"}
    done = {**message, "content": [{**part, "text": text}], "status": "completed"}
    return _numbered([
        {"response": _response(rid, "in_progress", [], None), "type": "response.created"},
        {"response": _response(rid, "in_progress", [], None), "type": "response.in_progress"},
        {"response_id": rid, "item": message, "output_index": 0,
         "type": "response.output_item.added"},
        {"content_index": 0, "response_id": rid, "item_id": item_id, "output_index": 0,
         "part": part, "type": "response.content_part.added"},
        *({"content_index": 0, "delta": token, "item_id": item_id, "logprobs": [],
           "output_index": 0, "type": "response.output_text.delta"} for token in tokens),
        {"content_index": 0, "response_id": rid, "item_id": item_id, "output_index": 0,
         "part": {**part, "text": text}, "type": "response.content_part.done"},
        {"response_id": rid, "item": done, "output_index": 0, "type": "response.output_item.done"},
        {"response": _response(rid, "completed", [done], _usage(len(tokens))),
         "type": "response.completed"},
    ])


def _sse(events: list[dict[str, Any]]) -> bytes:
    return b"".join(b"data: " + _dumps(event) + b"\n\n" for event in events)


def _dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _models_body(count: int) -> bytes:
    return _dumps(model_list(count))


def _chat_body(count: int) -> bytes:
    return _sse(chat_chunks(count))


def write_bodies(directory: Path, scaling: bool = False) -> dict[str, Path]:
    """Write each fixed body into ``directory`` (with ``scaling``, also the bodies of every
    size of the scaling run: ``models-N.json``, ``chat-N.sse``); returns name -> file."""
    directory.mkdir(parents=True, exist_ok=True)
    bodies: dict[str, Callable[[], bytes]] = {
        "version.json": lambda: _dumps(VERSION),
        "conversation.json": lambda: _dumps(CONVERSATION),
        "file.json": lambda: _dumps(FILE_OBJECT),
        "models.json": lambda: _dumps(model_list()),
        "chat.sse": lambda: _sse(chat_chunks()),
        "responses-tool.sse": lambda: _sse(responses_tool_stream()),
        "responses-text.sse": lambda: _sse(responses_text_stream()),
    }
    if scaling:
        for count in SCALE_MODELS:
            bodies[f"models-{count}.json"] = functools.partial(_models_body, count)
        for count in SCALE_CHUNKS:
            bodies[f"chat-{count}.sse"] = functools.partial(_chat_body, count)
    paths = {}
    for name, body in bodies.items():
        path = directory / name
        path.write_bytes(body())
        paths[name] = path
    return paths
