"""Spec and model classes for the reliability tests, declared here so the tests do not depend
on the generated endpoint modules. They use every field location the engine knows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal, Union

from llamastack import Model, Spec, StreamingSpec, TaggedUnion, file_field, header_field, query_field

__all__ = [
    "Echo",
    "EchoRetrieve",
    "Empty",
    "FileInfo",
    "FileUpload",
    "Item",
    "ItemList",
    "ItemListRetrieve",
    "Shape",
    "ShapeCircle",
    "ShapeSquare",
    "Thing",
    "ThingChunk",
    "ThingCreate",
    "ThingRetrieve",
    "ThingStream",
    "ThingTraced",
    "Tree",
]


@dataclass(kw_only=True)
class Thing(Model):
    id: str
    name: str
    size: int | None = None
    tags: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class ShapeCircle(Model):
    kind: Literal["circle"]
    radius: float


@dataclass(kw_only=True)
class ShapeSquare(Model):
    kind: Literal["square"]
    side: float
    label: str | None = None


Shape = Union[ShapeCircle, ShapeSquare]
SHAPE = TaggedUnion(Shape, tag="kind")


@dataclass(kw_only=True)
class ThingChunk(Model):
    """One streamed event: a delta of text, and the shapes seen so far."""

    index: int
    delta: str
    shapes: list[Shape] = field(default_factory=list)
    meta: dict[str, int] | None = None


@dataclass(kw_only=True)
class Item(Model):
    id: str
    text: str


@dataclass(kw_only=True)
class ItemList(Model):
    data: list[Item]
    has_more: bool = False


@dataclass(kw_only=True)
class FileInfo(Model):
    id: str
    bytes: int


@dataclass(kw_only=True)
class Tree(Model):
    """A recursive model (the generated ones have a few: nested schemas, filters)."""

    name: str
    children: list[Tree] = field(default_factory=list)
    attributes: dict[str, Tree] | None = None


@dataclass(kw_only=True)
class Empty(Model):
    """No declared fields at all: everything lands in model_extra."""


@dataclass(kw_only=True)
class Echo(Model):
    id: str
    n: int


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
    size: int | None = None


@dataclass(frozen=True, kw_only=True)
class ThingTraced(Spec[Thing]):
    """A path parameter, a query field and a header field."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/things/{thing_id}/parts/{part}"
    thing_id: str
    part: str
    view: str | None = query_field()
    trace: str | None = header_field("X-Trace")


@dataclass(frozen=True, kw_only=True)
class ThingStream(StreamingSpec[Thing, ThingChunk]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/things/stream"
    name: str
    stream: bool | None = None


@dataclass(frozen=True, kw_only=True)
class ItemListRetrieve(Spec[ItemList]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/items"
    limit: int | None = None


@dataclass(frozen=True, kw_only=True)
class FileUpload(Spec[FileInfo]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/files"
    file: object = file_field()
    purpose: str = "assistants"


@dataclass(frozen=True, kw_only=True)
class EchoRetrieve(Spec[Echo]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/echo/{request_id}"
    request_id: str
