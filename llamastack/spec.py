"""Spec base classes, field-location helpers, and the cached per-class request plan.

A spec is a frozen, keyword-only dataclass that declares one endpoint::

    @dataclass(frozen=True, kw_only=True)
    class SessionCreate(Spec[AgentSessionCreateResponse]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/agents/{agent_id}/session"
        agent_id: str
        session_name: str

Names in the path template are path parameters; for GET and DELETE the other fields go to
the query string, otherwise to the JSON body. ``query_field``, ``header_field``,
``body_field`` and ``file_field`` declare the exceptions. A value of ``None`` is omitted.
The response type is the generic argument, so ``client.call(spec)`` is typed by it.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Literal, TypeVar, get_args, get_origin

from llamastack.decoding import Decoder, decoder_for
from llamastack.spec_check import check_fields

__all__ = [
    "SERVER_LINES",
    "CursorPaging",
    "IndexPaging",
    "Paging",
    "RequestPlan",
    "Spec",
    "StreamingSpec",
    "body_field",
    "file_field",
    "header_field",
    "json_body_field",
    "plan_for",
    "query_field",
]

R = TypeVar("R")

Location = Literal["path", "query", "body", "header", "file", "json"]

# The server lines this library knows; a spec lists the ones that serve it.
SERVER_LINES = ("0.7", "0.2")

_META_KEY = "llamastack"


@dataclass(frozen=True)
class CursorPaging:
    """OpenAI-style lists: ``after`` = the page's ``last_id`` while ``has_more``."""

    items: str = "data"
    cursor_param: str = "after"
    next_cursor: str = "last_id"
    has_more: str = "has_more"


@dataclass(frozen=True)
class IndexPaging:
    """Index lists: ``start_index`` advances by the number of items while ``has_more``."""

    items: str = "data"
    start_param: str = "start_index"
    has_more: str = "has_more"


Paging = CursorPaging | IndexPaging


class Spec(Generic[R]):
    """Base of every endpoint declaration; ``R`` is the decoded response type.

    Subclasses set ``method`` and ``path``; optionally ``paging`` (for ``client.paginate``),
    ``server_lines`` (which Llama Stack lines serve it) and ``stream_only`` (servers answer
    only when streamed: ``client.call`` explains that when the server refuses).
    Streaming endpoints subclass ``StreamingSpec[R, C]`` instead, which sets ``stream_chunk``.
    """

    method: ClassVar[str]
    path: ClassVar[str]
    stream_chunk: ClassVar[Any] = None
    paging: ClassVar[Paging | None] = None
    server_lines: ClassVar[tuple[str, ...]] = ("0.7",)
    stream_only: ClassVar[bool] = False

    def __post_init__(self) -> None:
        # Every field against its declared type, by a checker compiled once per class
        # (spec_check.py): a wrong kind is a TypeError naming the field, here, not a request
        # the server refuses later. A subclass defining __post_init__ calls super() for it.
        check_fields(self)


C = TypeVar("C")


class StreamingSpec(Spec[R], Generic[R, C]):
    """A spec whose endpoint can also answer with server-sent events of type ``C``.

    ``class ChatCompletionCreate(StreamingSpec[ChatCompletion, ChatCompletionChunk])``: the
    chunk type is the second generic argument, so ``client.stream(spec)`` is a
    ``Stream[ChatCompletionChunk]`` for mypy too, and ``stream_chunk`` is set from it.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "stream_chunk" not in cls.__dict__:
            for base in cls.__dict__.get("__orig_bases__", ()):
                if get_origin(base) is StreamingSpec:
                    chunk = get_args(base)[1]
                    if not isinstance(chunk, TypeVar):
                        cls.stream_chunk = chunk


def _field(location: Location, *, name: str | None = None, default: Any = None,
           default_factory: Any = dataclasses.MISSING, required: bool = False) -> Any:
    metadata = {_META_KEY: {"location": location, "name": name}}
    if required:
        return dataclasses.field(metadata=metadata)
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def query_field(*, name: str | None = None, default: Any = None, required: bool = False) -> Any:
    """A field sent in the query string (under ``name`` if the wire name differs)."""
    return _field("query", name=name, default=default, required=required)


def body_field(*, name: str | None = None, default: Any = None, required: bool = False) -> Any:
    """A field sent in the JSON body (under ``name`` if the wire name differs)."""
    return _field("body", name=name, default=default, required=required)


def header_field(name: str, *, default: Any = None, required: bool = False) -> Any:
    """A field sent as the HTTP header ``name``."""
    return _field("header", name=name, default=default, required=required)


def json_body_field(*, required: bool = False) -> Any:
    """A field whose value is the whole JSON body (e.g. a bare array), not one property of it."""
    return _field("json", required=required)


def file_field(*, name: str | None = None, required: bool = True) -> Any:
    """A file part of a multipart/form-data body; the spec's other body fields become
    form fields."""
    return _field("file", name=name, required=required)


@dataclass(frozen=True)
class FieldPlan:
    attr: str
    wire: str
    location: Location


@dataclass(frozen=True)
class RequestPlan:
    """Everything about a spec class that does not change from call to call."""

    spec_class: type
    method: str
    path: str
    path_fields: tuple[FieldPlan, ...]
    query_fields: tuple[FieldPlan, ...]
    body_fields: tuple[FieldPlan, ...]
    header_fields: tuple[FieldPlan, ...]
    file_fields: tuple[FieldPlan, ...]
    json_fields: tuple[FieldPlan, ...]
    response_type: Any
    decode_response: Decoder
    decode_chunk: Decoder | None
    paging: Paging | None
    has_stream_field: bool

    @property
    def sends_json_body(self) -> bool:
        return self.method not in ("GET", "DELETE", "HEAD") and not self.file_fields


_PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_plans: dict[type, RequestPlan] = {}
_lock = threading.Lock()


def plan_for(spec_class: type) -> RequestPlan:
    """The request plan of a spec class, built on first use and cached."""
    plan = _plans.get(spec_class)
    if plan is None:
        with _lock:
            plan = _plans.get(spec_class) or _build_plan(spec_class)
            _plans[spec_class] = plan
    return plan


def _build_plan(spec_class: type) -> RequestPlan:
    name = spec_class.__name__
    if not dataclasses.is_dataclass(spec_class):
        raise TypeError(f"{name} must be a dataclass (@dataclass(frozen=True, kw_only=True))")
    method = getattr(spec_class, "method", None)
    path = getattr(spec_class, "path", None)
    if not isinstance(method, str) or not isinstance(path, str) or not path.startswith("/"):
        raise TypeError(f"{name} must declare method and path ClassVars (path starting with /)")
    method = method.upper()
    path_names = _PATH_PARAM.findall(path)
    fields = {f.name: f for f in dataclasses.fields(spec_class)}
    for param in path_names:
        if param not in fields:
            raise TypeError(f"{name}: path parameter {{{param}}} has no field")
    by_location: dict[str, list[FieldPlan]] = {loc: [] for loc in get_args(Location)}
    default_location: Location = "query" if method in ("GET", "DELETE", "HEAD") else "body"
    for field in fields.values():
        meta = field.metadata.get(_META_KEY, {})
        location: Location = meta.get("location") or (
            "path" if field.name in path_names else default_location)
        by_location[location].append(FieldPlan(field.name, meta.get("name") or field.name, location))
    if by_location["json"] and (len(by_location["json"]) > 1 or by_location["body"]
                                or by_location["file"]):
        raise TypeError(f"{name}: a json_body_field is the whole body; it cannot share it")
    response_type = response_type_of(spec_class)
    chunk_type = getattr(spec_class, "stream_chunk", None)
    return RequestPlan(
        spec_class=spec_class,
        method=method,
        path=path,
        path_fields=tuple(by_location["path"]),
        query_fields=tuple(by_location["query"]),
        body_fields=tuple(by_location["body"]),
        header_fields=tuple(by_location["header"]),
        file_fields=tuple(by_location["file"]),
        json_fields=tuple(by_location["json"]),
        response_type=response_type,
        decode_response=decoder_for(response_type),
        decode_chunk=decoder_for(chunk_type) if chunk_type is not None else None,
        paging=getattr(spec_class, "paging", None),
        has_stream_field="stream" in fields,
    )


def response_type_of(spec_class: type) -> Any:
    """The ``R`` of ``Spec[R]`` in the class's bases (searching the MRO)."""
    for klass in spec_class.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            origin = get_origin(base)
            if isinstance(origin, type) and issubclass(origin, Spec):
                response_type = get_args(base)[0]
                if isinstance(response_type, TypeVar):
                    break
                return response_type
    raise TypeError(f"{spec_class.__name__} must subclass Spec[ResponseType]")
