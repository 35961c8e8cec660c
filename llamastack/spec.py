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

Server lines (``SERVER_LINES``: 0.2 ... 0.7) serve one operation at different routes and with
different fields. A spec declares them: ``method``/``path`` are the route of the newest line
that serves it, ``routes`` the lines that serve it elsewhere, ``server_lines`` every line that
serves it, and a field helper's ``server_lines=`` the lines that carry that field::

    class ResponseCreate(StreamingSpec[OpenAIResponseObject, OpenAIResponseObjectStream]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/responses"
        server_lines: ClassVar[tuple[str, ...]] = ("0.2", "0.3", "0.4", "0.5", "0.6", "0.7")
        routes: ClassVar[Mapping[str, Route]] = {"0.2": Route("POST", "/v1/openai/v1/responses")}
        ...
        top_p: Optional[float] = body_field(server_lines=("0.6", "0.7"))

``plan_for(cls, line)`` is the request plan of one line: its route, and the fields it cannot
carry.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar, Generic, Literal, NamedTuple, TypeVar, get_args, get_origin

from llamastack.decoding import Decoder, decoder_for
from llamastack.spec_check import check_fields

__all__ = [
    "NEWEST_LINE",
    "SERVER_LINES",
    "CursorPaging",
    "FieldPlan",
    "IndexPaging",
    "Paging",
    "RequestPlan",
    "Route",
    "Spec",
    "StreamingSpec",
    "body_field",
    "file_field",
    "header_field",
    "json_body_field",
    "plan_for",
    "query_field",
    "serves",
]

R = TypeVar("R")

Location = Literal["path", "query", "body", "header", "file", "json"]

# The Llama Stack server lines (major.minor) this library knows, oldest first; the documents of
# each are pinned in specs/ (specs/README.md says which releases each stands for).
SERVER_LINES = ("0.2", "0.3", "0.4", "0.5", "0.6", "0.7")
NEWEST_LINE = SERVER_LINES[-1]

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


@dataclass(frozen=True)
class Route:
    """Where one server line serves a spec: ``Route("POST", "/v1/openai/v1/responses")``."""

    method: str
    path: str


class Spec(Generic[R]):
    """Base of every endpoint declaration; ``R`` is the decoded response type.

    Subclasses set ``method`` and ``path``; optionally ``paging`` (for ``client.paginate``),
    ``server_lines`` (every Llama Stack line that serves it; None, the default: not declared,
    so it is sent as declared to any line), ``routes`` (the lines that serve it at another
    route than ``method``/``path``, which are the newest line's) and ``stream_only`` (servers
    answer only when streamed: ``client.call`` explains that when the server refuses).
    Streaming endpoints subclass ``StreamingSpec[R, C]`` instead, which sets ``stream_chunk``.
    """

    method: ClassVar[str]
    path: ClassVar[str]
    stream_chunk: ClassVar[Any] = None
    paging: ClassVar[Paging | None] = None
    server_lines: ClassVar[tuple[str, ...] | None] = None
    routes: ClassVar[Mapping[str, Route]] = MappingProxyType({})
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
           default_factory: Any = dataclasses.MISSING, required: bool = False,
           server_lines: tuple[str, ...] | None = None) -> Any:
    metadata = {_META_KEY: {"location": location, "name": name, "server_lines": server_lines}}
    if required:
        return dataclasses.field(metadata=metadata)
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


# Each helper's ``server_lines`` names the lines that carry the field, where that is fewer than
# the lines serving the spec (a field new in 0.7 that older servers reject or silently drop);
# None: every line that serves the spec.


def query_field(*, name: str | None = None, default: Any = None, required: bool = False,
                server_lines: tuple[str, ...] | None = None) -> Any:
    """A field sent in the query string (under ``name`` if the wire name differs)."""
    return _field("query", name=name, default=default, required=required, server_lines=server_lines)


def body_field(*, name: str | None = None, default: Any = None, required: bool = False,
               server_lines: tuple[str, ...] | None = None) -> Any:
    """A field sent in the JSON body (under ``name`` if the wire name differs)."""
    return _field("body", name=name, default=default, required=required, server_lines=server_lines)


def header_field(name: str, *, default: Any = None, required: bool = False,
                 server_lines: tuple[str, ...] | None = None) -> Any:
    """A field sent as the HTTP header ``name``."""
    return _field("header", name=name, default=default, required=required, server_lines=server_lines)


def json_body_field(*, required: bool = False, server_lines: tuple[str, ...] | None = None) -> Any:
    """A field whose value is the whole JSON body (e.g. a bare array), not one property of it."""
    return _field("json", required=required, server_lines=server_lines)


def file_field(*, name: str | None = None, required: bool = True,
               server_lines: tuple[str, ...] | None = None) -> Any:
    """A file part of a multipart/form-data body; the spec's other body fields become
    form fields."""
    return _field("file", name=name, required=required, server_lines=server_lines)


# The plans are NamedTuples rather than frozen dataclasses: read-only all the same, and a
# fifth of the cost to define (a frozen dataclass is about 1 ms of import time each).


class FieldPlan(NamedTuple):
    attr: str
    wire: str
    location: Location
    server_lines: tuple[str, ...] | None = None  # the lines that carry it; None: every serving line


class RequestPlan(NamedTuple):
    """Everything about a spec class that does not change from call to call, on one server line
    (``server_line``; None: the declared ``method``/``path``, no line known)."""

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
    server_line: str | None = None
    # The fields this line cannot carry (it would reject or silently drop them): a call that sets
    # one must be refused before sending, naming the field and the line.
    fields_not_carried: tuple[FieldPlan, ...] = ()

    @property
    def sends_json_body(self) -> bool:
        return self.method not in ("GET", "DELETE", "HEAD") and not self.file_fields

    @property
    def all_fields(self) -> tuple[FieldPlan, ...]:
        """Every field of the spec, wherever it goes."""
        return (self.path_fields + self.query_fields + self.body_fields + self.header_fields
                + self.file_fields + self.json_fields)


_PATH_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_plans: dict[tuple[type, str | None], RequestPlan] = {}
_lock = threading.Lock()


def plan_for(spec_class: type, line: str | None = None) -> RequestPlan:
    """The request plan of a spec class on server ``line`` (one of ``SERVER_LINES``), built on
    first use and cached. Without a line: the declared ``method`` and ``path``, as always.

    Raises ``ValueError`` for an unknown line or one the spec declares it is not served by
    (check ``serves`` first), ``TypeError`` for a malformed spec class.
    """
    key = (spec_class, line)
    plan = _plans.get(key)
    if plan is None:
        with _lock:
            plan = _plans.get(key) or _build_plan(spec_class, line)
            _plans[key] = plan
    return plan


def serves(spec_class: type, line: str) -> bool:
    """Whether server ``line`` serves the spec: it is one of its ``server_lines``, or the spec
    does not declare them (then it is sent as declared to any line)."""
    lines = getattr(spec_class, "server_lines", None)
    return lines is None or line in lines


def _route(spec_class: type, line: str | None) -> tuple[str, str]:
    """The method and path of the spec on ``line``, after checking its line declarations."""
    name = spec_class.__name__
    method = getattr(spec_class, "method", None)
    path = getattr(spec_class, "path", None)
    if not isinstance(method, str) or not isinstance(path, str) or not path.startswith("/"):
        raise TypeError(f"{name} must declare method and path ClassVars (path starting with /)")
    lines = getattr(spec_class, "server_lines", None)
    routes = getattr(spec_class, "routes", None) or {}
    if lines is not None and (not isinstance(lines, tuple) or not set(lines) <= set(SERVER_LINES)):
        raise TypeError(f"{name}.server_lines must be a tuple of {', '.join(SERVER_LINES)}, "
                        f"not {lines!r}")
    for route_line, route in routes.items():
        if route_line not in (SERVER_LINES if lines is None else lines) or not isinstance(route, Route):
            raise TypeError(f"{name}.routes: {route_line!r}: {route!r} must be a Route of a line "
                            f"that serves it")
        if not route.path.startswith("/") or (
                sorted(_PATH_PARAM.findall(route.path)) != sorted(_PATH_PARAM.findall(path))):
            raise TypeError(f"{name}.routes[{route_line!r}]: {route.path!r} must start with / and "
                            f"name the parameters of {path!r}")
    if line is None:
        return method, path
    if line not in SERVER_LINES:
        raise ValueError(f"unknown server line {line!r}; known: {', '.join(SERVER_LINES)}")
    if not serves(spec_class, line):
        raise ValueError(f"{name} is not served by Llama Stack {line} "
                         f"(served by {', '.join(lines or ())})")
    route = routes.get(line)
    return (route.method, route.path) if route is not None else (method, path)


def _build_plan(spec_class: type, line: str | None = None) -> RequestPlan:
    name = spec_class.__name__
    if not dataclasses.is_dataclass(spec_class):
        raise TypeError(f"{name} must be a dataclass (@dataclass(frozen=True, kw_only=True))")
    method, path = _route(spec_class, line)
    method = method.upper()
    path_names = _PATH_PARAM.findall(path)
    fields = {f.name: f for f in dataclasses.fields(spec_class)}
    for param in path_names:
        if param not in fields:
            raise TypeError(f"{name}: path parameter {{{param}}} has no field")
    by_location: dict[str, list[FieldPlan]] = {loc: [] for loc in get_args(Location)}
    not_carried: list[FieldPlan] = []
    default_location: Location = "query" if method in ("GET", "DELETE", "HEAD") else "body"
    for field in fields.values():
        meta = field.metadata.get(_META_KEY, {})
        location: Location = meta.get("location") or (
            "path" if field.name in path_names else default_location)
        lines = meta.get("server_lines")
        serving = getattr(spec_class, "server_lines", None) or SERVER_LINES
        if lines is not None and (not isinstance(lines, tuple) or not set(lines) <= set(serving)):
            raise TypeError(f"{name}.{field.name}: server_lines must be a tuple of lines that serve "
                            f"{name} ({', '.join(serving)}), not {lines!r}")
        plan = FieldPlan(field.name, meta.get("name") or field.name, location, lines)
        by_location[location].append(plan)
        if line is not None and lines is not None and line not in lines:
            not_carried.append(plan)
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
        server_line=line,
        fields_not_carried=tuple(not_carried),
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
