"""The four endpoints the benchmark calls: the library's own, or stand-ins declared here.

``resolve_specs`` takes each of ``ConversationCreate``, ``ModelList``, ``ChatCompletionCreate``
and ``FileCreate`` from ``llamastack.endpoints`` when the library has it and it decodes the
fixed bodies; otherwise it uses the equivalent declaration below (shapes from the 0.7 line's
OpenAPI document), and says which one it used.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from llamastack import FileInput, Model, Spec, StreamingSpec, file_field

__all__ = [
    "ChatCompletion",
    "ChatCompletionChunk",
    "ChatCompletionCreate",
    "Conversation",
    "ConversationCreate",
    "FileCreate",
    "FileObject",
    "ModelList",
    "ModelListResponse",
    "OpenAIModel",
    "resolve_specs",
]


@dataclass(kw_only=True)
class Conversation(Model):
    id: str
    created_at: int
    object: Literal["conversation"] = "conversation"
    metadata: dict[str, str] | None = None
    items: list[dict[str, Any]] | None = None


@dataclass(frozen=True, kw_only=True)
class ConversationCreate(Spec[Conversation]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/conversations"
    items: list[dict[str, Any]] | None = None
    metadata: dict[str, str] | None = None


@dataclass(kw_only=True)
class OpenAIModel(Model):
    id: str
    created: int
    owned_by: str
    object: Literal["model"] = "model"
    custom_metadata: dict[str, Any] | None = None


@dataclass(kw_only=True)
class ModelListResponse(Model):
    data: list[OpenAIModel]


@dataclass(frozen=True, kw_only=True)
class ModelList(Spec[ModelListResponse]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/models"


@dataclass(kw_only=True)
class ToolCallFunction(Model):
    name: str | None = None
    arguments: str | None = None


@dataclass(kw_only=True)
class ToolCall(Model):
    index: int | None = None
    id: str | None = None
    type: Literal["function"] = "function"
    function: ToolCallFunction | None = None


@dataclass(kw_only=True)
class ChoiceDelta(Model):
    content: str | None = None
    refusal: str | None = None
    role: Literal["developer", "system", "user", "assistant", "tool"] | None = None
    tool_calls: list[ToolCall] | None = None
    reasoning_content: str | None = None


@dataclass(kw_only=True)
class ChunkChoice(Model):
    delta: ChoiceDelta
    index: int
    finish_reason: Literal["stop", "length", "tool_calls", "content_filter", "function_call"] | None = None
    logprobs: dict[str, Any] | None = None


@dataclass(kw_only=True)
class Usage(Model):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    total_tokens: int = 0
    prompt_tokens_details: dict[str, Any] | None = None
    completion_tokens_details: dict[str, Any] | None = None


@dataclass(kw_only=True)
class ChatCompletionChunk(Model):
    id: str
    choices: list[ChunkChoice]
    created: int
    model: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    service_tier: str | None = None
    system_fingerprint: str | None = None
    usage: Usage | None = None


@dataclass(kw_only=True)
class ChatCompletion(Model):
    id: str
    choices: list[dict[str, Any]]
    created: int
    model: str
    object: Literal["chat.completion"] = "chat.completion"
    usage: Usage | None = None


@dataclass(frozen=True, kw_only=True)
class ChatCompletionCreate(StreamingSpec[ChatCompletion, ChatCompletionChunk]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/chat/completions"
    model: str
    messages: list[dict[str, Any]]
    stream: bool | None = None
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(kw_only=True)
class FileObject(Model):
    id: str
    bytes: int
    created_at: int
    filename: str
    purpose: str
    object: Literal["file"] = "file"
    expires_at: int | None = None


@dataclass(frozen=True, kw_only=True)
class FileCreate(Spec[FileObject]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/files"
    file: FileInput = file_field()
    purpose: str
    expires_after: dict[str, Any] | None = None


STAND_INS: dict[str, type[Any]] = {
    "ConversationCreate": ConversationCreate,
    "ModelList": ModelList,
    "ChatCompletionCreate": ChatCompletionCreate,
    "FileCreate": FileCreate,
}


def resolve_specs() -> tuple[dict[str, type[Any]], dict[str, str]]:
    """Name -> spec class, and name -> where it came from ("llamastack.endpoints" or why not)."""
    chosen: dict[str, type[Any]] = {}
    source: dict[str, str] = {}
    for name, stand_in in STAND_INS.items():
        try:
            endpoints = importlib.import_module("llamastack.endpoints")
            own = getattr(endpoints, name, None)  # endpoint modules may load lazily, here
        except Exception as exc:  # a half-generated package must not stop the benchmark
            own, why = None, f"llamastack.endpoints failed to import: {type(exc).__name__}: {exc}"
        else:
            why = "not in llamastack.endpoints yet"
        if own is not None:
            chosen[name], source[name] = own, "llamastack.endpoints"
        else:
            chosen[name], source[name] = stand_in, f"benchmarks.specs ({why})"
    return chosen, source


def use_stand_in(name: str, chosen: dict[str, type[Any]], source: dict[str, str], why: str) -> None:
    """Fall back to the stand-in for ``name`` (the library's own did not fit the fixture)."""
    chosen[name] = STAND_INS[name]
    source[name] = f"benchmarks.specs ({why})"
