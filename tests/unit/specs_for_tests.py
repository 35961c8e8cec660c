"""Small specs and models declared for the engine tests.

They exercise every engine feature (path/query/body/header/file fields, streaming, both
paging styles, ``stream_only``) without depending on the generated endpoint modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Union

from llamastack import (
    CursorPaging,
    FileInput,
    IndexPaging,
    Model,
    Spec,
    StreamingSpec,
    TaggedUnion,
    body_field,
    file_field,
    header_field,
    query_field,
)
from llamastack.models.base import union_field

__all__ = [
    "BASE",
    "ChatCreate",
    "Chunk",
    "Completion",
    "EchoPath",
    "Event",
    "EventList",
    "ImagePart",
    "Options",
    "Part",
    "Row",
    "RowList",
    "RowPage",
    "TextPart",
    "Thing",
    "ThingCreate",
    "ThingDelete",
    "ThingList",
    "ThingPage",
    "ThingRetrieve",
    "TurnCreate",
    "Upload",
    "UploadCreate",
]

BASE = "http://test.invalid"


# --- models --------------------------------------------------------------------------------


@dataclass(kw_only=True)
class Options(Model):
    temperature: float | None = None
    tags: list[str] | None = None


@dataclass(kw_only=True)
class Thing(Model):
    id: str
    name: str
    options: Options | None = None


@dataclass(kw_only=True)
class ThingPage(Model):
    data: list[Thing]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


@dataclass(kw_only=True)
class Row(Model):
    id: str


@dataclass(kw_only=True)
class RowPage(Model):
    data: list[dict[str, Any]]
    has_more: bool = False


@dataclass(kw_only=True)
class Completion(Model):
    id: str
    text: str


@dataclass(kw_only=True)
class Chunk(Model):
    id: str
    delta: str


@dataclass(kw_only=True)
class Upload(Model):
    id: str
    filename: str
    bytes: int


@dataclass(kw_only=True)
class TextPart(Model):
    type: Literal["text"] = "text"
    text: str


@dataclass(kw_only=True)
class ImagePart(Model):
    type: Literal["image", "image_url"] = "image"
    url: str


Part = Union[TextPart, ImagePart]
PARTS = TaggedUnion(Part, tag="type")


@dataclass(kw_only=True)
class Event(Model):
    kind: Literal["created", "deleted"]
    content: str | list[Part] = union_field(Union[str, list[Part]])
    parts: list[Part] = union_field(list[Part], default_factory=list)
    score: float | None = None


# --- specs ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ThingRetrieve(Spec[Thing]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/things/{thing_id}"
    thing_id: str


@dataclass(frozen=True, kw_only=True)
class ThingCreate(Spec[Thing]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/things"
    name: str
    options: Options | dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    dry_run: bool | None = query_field()
    trace: str | None = header_field("X-Trace")
    display_name: str | None = body_field(name="displayName")


@dataclass(frozen=True, kw_only=True)
class ThingDelete(Spec[None]):
    method: ClassVar[str] = "DELETE"
    path: ClassVar[str] = "/v1/things/{thing_id}"
    thing_id: str


@dataclass(frozen=True, kw_only=True)
class ThingList(Spec[ThingPage]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/things"
    paging: ClassVar[CursorPaging] = CursorPaging()
    after: str | None = None
    limit: int | None = None
    order: str | None = None


@dataclass(frozen=True, kw_only=True)
class RowList(Spec[RowPage]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/datasetio/iterrows/{dataset_id}"
    paging: ClassVar[IndexPaging] = IndexPaging()
    dataset_id: str
    start_index: int | None = None
    limit: int | None = None


@dataclass(frozen=True, kw_only=True)
class ChatCreate(StreamingSpec[Completion, Chunk]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/chat/completions"
    model: str
    prompt: str
    stream: bool | None = None


@dataclass(frozen=True, kw_only=True)
class TurnCreate(StreamingSpec[Completion, Chunk]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/agents/{agent_id}/session/{session_id}/turn"
    server_lines: ClassVar[tuple[str, ...]] = ("0.2",)
    stream_only: ClassVar[bool] = True
    agent_id: str
    session_id: str
    messages: list[dict[str, Any]] = field(default_factory=list)
    stream: bool | None = None


@dataclass(frozen=True, kw_only=True)
class UploadCreate(Spec[Upload]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/files"
    file: FileInput = file_field()
    purpose: str


@dataclass(frozen=True, kw_only=True)
class EchoPath(Spec[dict[str, Any]]):
    """Two path parameters, to see each encoded as exactly one segment."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/echo/{first}/{second}"
    server_lines: ClassVar[tuple[str, ...]] = ("0.7", "0.2")
    first: str
    second: str = "x"


@dataclass(frozen=True, kw_only=True)
class EventList(Spec[list[Event]]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/events"
