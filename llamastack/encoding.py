"""Pure request building: path quoting, query/body/header building, merging of extras.

Nothing here does I/O; ``build_request`` turns a spec plus options into an ``HttpRequest``
that the executor sends.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from llamastack.multipart import MultipartBody, file_part
from llamastack.spec import FieldPlan, RequestPlan

__all__ = [
    "HttpRequest",
    "build_request",
    "check_header_value",
    "dumps",
    "jsonable",
    "normalize_base_url",
    "query_string",
    "quote_path_value",
]


@dataclass
class HttpRequest:
    """One request, fully built: what the executor sends (and what middleware may alter)."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | MultipartBody | None = None


def normalize_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; refuses anything that is not http(s)://host."""
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str, not {type(base_url).__name__}")
    try:
        parts = urlsplit(base_url.strip())
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError as exc:
        raise ValueError(f"invalid base_url {base_url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"invalid base_url {base_url!r}: expected http:// or https:// followed by a host, "
            "e.g. http://localhost:8321")
    if parts.query or parts.fragment:
        raise ValueError(f"invalid base_url {base_url!r}: it must not have a query or fragment")
    # urlsplit silently drops tabs and newlines (bpo-43882) and keeps spaces in the host,
    # so such a URL passed the checks above and failed later, as a retried DNS error.
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in base_url.strip()):
        raise ValueError(f"invalid base_url {base_url!r}: it must not contain spaces or "
                         "control characters")
    return base_url.strip().rstrip("/")


def quote_path_value(field: str, value: Any) -> str:
    """One path parameter as exactly one percent-encoded segment (``/`` becomes ``%2F``)."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"path parameter {field!r} must be a str or int, not {type(value).__name__}")
    text = str(value)
    if text in ("", ".", ".."):
        raise ValueError(f"path parameter {field!r} must not be {text!r}: "
                         "it would address a different URL")
    return quote(text, safe="")


# RFC 9110 5.1: a field name is a token. requests refuses a value with leading whitespace and
# http.client sends values as latin-1 (anything else raises deep in the send); checking here
# makes a bad header a ValueError naming it (never its value, which may be a secret) before
# anything is sent, instead of a retried "connection" error or a raw UnicodeEncodeError.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def check_header_value(name: str, value: str) -> str:
    if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
        raise ValueError(f"invalid header name {name!r}")
    if "\r" in value or "\n" in value:
        raise ValueError(f"header {name!r} contains a CR or LF character, which is not allowed")
    if "\0" in value or value[:1].isspace():
        raise ValueError(f"header {name!r} must not contain NUL or start with whitespace")
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(f"header {name!r} has characters HTTP headers cannot carry "
                         "(only latin-1); encode the value first") from None
    return value


def _query_value(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    if dataclasses.is_dataclass(value) or isinstance(value, Mapping):
        return dumps_text(jsonable(value))
    raise TypeError(f"query parameter {name!r} cannot be a {type(value).__name__}")


def query_string(params: Mapping[str, Any]) -> str:
    """``a=1&b=x&b=y``: lists repeat the key, booleans are ``true``/``false``."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((name, _query_value(name, item)) for item in value)
        else:
            pairs.append((name, _query_value(name, value)))
    return urlencode(pairs, quote_via=quote)


# One encoder for every body: json.dumps with options makes a new JSONEncoder per call.
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def dumps_text(value: Any) -> str:
    try:
        return _encode(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"request body is not JSON-serialisable: {exc}") from None


def dumps(value: Any) -> bytes:
    return dumps_text(value).encode("utf-8")


# --- dataclass values to JSON -------------------------------------------------------------

_wire_names: dict[type, tuple[tuple[str, str], ...]] = {}
_wire_lock = threading.Lock()


def _fields_of(cls: type) -> tuple[tuple[str, str], ...]:
    names = _wire_names.get(cls)
    if names is None:
        with _wire_lock:
            # Only letter_case is read (a field's over its class's, as dataclasses-json merges
            # them): the models' config would load dataclasses-json for its other key.
            config: Mapping[str, Any] = getattr(cls, "dataclass_json_config", None) or {}
            pairs = []
            for field in dataclasses.fields(cls):
                letter_case = field.metadata.get("dataclasses_json", {}).get(
                    "letter_case", config.get("letter_case"))
                pairs.append((field.name, letter_case(field.name) if letter_case else field.name))
            names = _wire_names[cls] = tuple(pairs)
    return names


def jsonable(value: Any) -> Any:
    """Request values to JSON: dataclasses become objects (None fields omitted, unknown
    ``model_extra`` fields kept), mappings and sequences are walked, the rest is left as is."""
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} cannot be sent as JSON")
        return value
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        for attr, wire in _fields_of(type(value)):
            item = getattr(value, attr)
            if attr == "model_extra" and isinstance(item, dict):
                out.update((key, jsonable(extra)) for key, extra in item.items())
            elif item is not None:
                out[wire] = jsonable(item)
        return out
    return value


# --- the request -------------------------------------------------------------------------


def _values(spec: object, fields: Iterable[FieldPlan]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fp in fields:
        value = getattr(spec, fp.attr)
        if value is not None:
            out[fp.wire] = value
    return out


def build_path(plan: RequestPlan, spec: object) -> str:
    path = plan.path
    for fp in plan.path_fields:
        path = path.replace("{" + fp.attr + "}", quote_path_value(fp.attr, getattr(spec, fp.attr)))
    return path


def build_request(
    plan: RequestPlan,
    spec: object,
    *,
    base_url: str,
    headers: Mapping[str, str],
    default_query: Mapping[str, Any] | None = None,
    extra_headers: Mapping[str, str | None] | None = None,
    extra_query: Mapping[str, Any] | None = None,
    extra_body: Mapping[str, Any] | None = None,
    stream: bool = False,
    adapt: Callable[[dict[str, Any], dict[str, Any]], None] | None = None,
) -> HttpRequest:
    """The request for ``spec``. Precedence, lowest first: client defaults, the spec's own
    values, then the per-call extras (an extra header set to None removes that header).

    ``adapt(query, body)`` may reshape the spec's own query and body values, as JSON, for the
    server's line (``llamastack.lines.adapters``); the extras are merged after it, as given.
    """
    url = base_url + build_path(plan, spec)
    query = _values(spec, plan.query_fields)
    fields = _values(spec, plan.body_fields)
    if adapt is not None:
        query, fields = jsonable(query), jsonable(fields)
        adapt(query, fields)
    if default_query or extra_query:
        query = {**(default_query or {}), **query, **(extra_query or {})}
    if query:
        url += "?" + query_string(query)

    merged_headers = dict(headers)
    if plan.header_fields:
        merge_headers(merged_headers, _values(spec, plan.header_fields))
    if extra_headers:
        merge_headers(merged_headers, extra_headers)

    body: bytes | MultipartBody | None = None
    if plan.json_fields:
        return _whole_body_request(plan, spec, url, merged_headers, extra_body)
    if stream:
        fields["stream"] = True
    if extra_body:
        fields.update(extra_body)
    if plan.file_fields:
        files = [file_part(fp.wire, getattr(spec, fp.attr)) for fp in plan.file_fields
                 if getattr(spec, fp.attr) is not None]
        body = MultipartBody(fields={k: jsonable(v) for k, v in fields.items()}, files=files)
        merged_headers["Content-Type"] = body.content_type
    elif fields or plan.sends_json_body:
        if plan.method in ("GET", "DELETE", "HEAD") and not fields:
            body = None
        else:
            body = dumps(jsonable(fields))
            merged_headers["Content-Type"] = "application/json"
    return HttpRequest(plan.method, url, merged_headers, body)


def _whole_body_request(plan: RequestPlan, spec: object, url: str, headers: dict[str, str],
                        extra_body: Mapping[str, Any] | None) -> HttpRequest:
    """A spec whose one json_body_field is the whole JSON body (0.2's bare-array bodies)."""
    (field,) = plan.json_fields
    value = getattr(spec, field.attr)
    if extra_body:
        if value is not None and not isinstance(value, Mapping):
            raise TypeError(f"{type(spec).__name__}.{field.attr} is the whole request body; "
                            "extra_body cannot be merged into it")
        value = {**(value or {}), **extra_body}
    if value is None:
        return HttpRequest(plan.method, url, headers, None)
    headers["Content-Type"] = "application/json"
    return HttpRequest(plan.method, url, headers, dumps(jsonable(value)))


def _header_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return dumps_text(jsonable(value))


def merge_headers(target: dict[str, str], extra: Mapping[str, Any]) -> None:
    """Overlay ``extra`` on ``target`` case-insensitively; None removes a header."""
    lowered = {name.lower(): name for name in target}
    for name, value in extra.items():
        existing = lowered.pop(name.lower(), None)
        if existing is not None:
            del target[existing]
        if value is not None:
            target[name] = check_header_value(name, _header_text(value))
            lowered[name.lower()] = name
