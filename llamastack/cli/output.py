"""Printing answers: JSON (the default), tables, bytes as they are, and streamed text.

Decoded answers are printed as JSON data: the declared fields in order (``None`` left out),
then the fields the server sent beyond the declaration, so nothing the server said is lost.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any

from llamastack.encoding import _fields_of, jsonable

__all__ = ["StreamPrinter", "format_table", "print_all", "print_result", "stream_text",
           "to_plain"]


def to_plain(value: Any) -> Any:
    """A decoded value as JSON data: the declared fields in order (None left out), then the
    fields the server sent beyond the declaration."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        extra: Any = None
        for attr, wire in _fields_of(type(value)):
            item = getattr(value, attr)
            if attr == "model_extra":
                extra = item
            elif item is not None:
                out[wire] = to_plain(item)
        if isinstance(extra, dict):
            out.update((str(key), to_plain(item)) for key, item in extra.items())
        return out
    if isinstance(value, Mapping):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    return jsonable(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (set, frozenset)):
        return list(value)
    return str(value)


def _dumps(value: Any, indent: int | None = 2) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False, default=_json_default)


# --- tables --------------------------------------------------------------------------------

_CELL_WIDTH = 48
_MAX_COLUMNS = 8
# The envelope of a page of items: a "table" of a page shows its items.
_PAGE_KEYS = frozenset({"data", "object", "first_id", "last_id", "has_more", "url",
                        "next_page_token"})


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else _dumps(value, None)
    text = " ".join(text.split())
    return text if len(text) <= _CELL_WIDTH else text[:_CELL_WIDTH - 1] + "…"


def _rows_of(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        data = value.get("data")
        if isinstance(data, list) and set(value) <= _PAGE_KEYS:
            return data
    return None


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) if rows else len(header[i])
              for i in range(len(header))]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    return "\n".join(lines)


def format_table(value: Any) -> str:
    """A list (or a page's ``data``) as columns; one object as KEY VALUE lines."""
    rows = _rows_of(value)
    if rows is not None:
        if not rows:
            return "(no items)"
        if not all(isinstance(row, dict) for row in rows):
            return "\n".join(_cell(row) for row in rows)
        columns: list[str] = []
        for row in rows:
            for key, item in row.items():
                if key not in columns and not isinstance(item, (dict, list)):
                    columns.append(key)
        columns = columns[:_MAX_COLUMNS] or list(rows[0])[:_MAX_COLUMNS]
        return _table([[_cell(row.get(column)) for column in columns] for row in rows], columns)
    if isinstance(value, dict):
        return _table([[str(key), _cell(item)] for key, item in value.items()], ["key", "value"])
    return _cell(value)


# --- whole answers -------------------------------------------------------------------------


def print_result(result: Any, output: str | None, out: IO[str]) -> None:
    if result is None:
        return  # e.g. a delete answered 204: nothing to show, the exit status says it worked
    if isinstance(result, str):  # text answers as they are
        out.write(result if result.endswith("\n") or not result else result + "\n")
        return
    if isinstance(result, (bytes, bytearray)):  # file contents, byte for byte
        out.flush()
        binary = getattr(out, "buffer", None)
        if binary is None:
            out.write(bytes(result).decode("utf-8", errors="replace"))
        else:
            binary.write(result)
            binary.flush()
        return
    plain = to_plain(result)
    out.write((format_table(plain) if output == "table" else _dumps(plain)) + "\n")


def print_all(items: Iterator[Any], output: str | None, out: IO[str]) -> None:
    """Every item of every page: a table, or a JSON array written item by item so a long
    listing shows up as it is fetched."""
    if output == "table":
        out.write(format_table([to_plain(item) for item in items]) + "\n")
        return
    first = True
    for item in items:
        out.write("[\n" if first else ",\n")
        first = False
        out.write("\n".join("  " + line for line in _dumps(to_plain(item)).splitlines()))
        out.flush()
    out.write("[]\n" if first else "\n]\n")


# --- streams -------------------------------------------------------------------------------


def stream_text(event: Any) -> str | None:
    """The text an event of a known stream carries ("" for its events without text), or None
    for an event of a kind this function does not know (printed as a JSON line instead).

    Known: chat completion chunks (``choices[].delta.content``), completion chunks
    (``choices[].text``), Responses events (``response.output_text.delta``), and agent turn
    chunks (``event.payload.delta`` of type text).
    """
    if not isinstance(event, dict):
        return None
    choices = event.get("choices")
    if isinstance(choices, list) and (event.get("object") in (
            "chat.completion.chunk", "text_completion") or choices):
        texts: list[str] = []
        for choice in choices:
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                texts.append(delta["content"])
            elif isinstance(choice.get("text"), str):
                texts.append(choice["text"])
        return "".join(texts)
    kind = event.get("type")
    if isinstance(kind, str) and kind.startswith("response."):
        if kind == "response.output_text.delta":
            delta = event.get("delta")
            return delta if isinstance(delta, str) else ""
        return ""
    inner = event.get("event")
    payload = inner.get("payload") if isinstance(inner, dict) else None
    if isinstance(payload, dict) and "event_type" in payload:
        delta = payload.get("delta")
        if isinstance(delta, dict) and delta.get("type") == "text":
            text = delta.get("text")
            return text if isinstance(text, str) else ""
        return ""
    return None


def _stream_failure(event: Any) -> str | None:
    """The message of a Responses ``response.failed`` event (the server's way to end a stream
    that failed after it began, instead of an error event)."""
    if not isinstance(event, dict) or event.get("type") != "response.failed":
        return None
    response = event.get("response")
    error = response.get("error") if isinstance(response, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return f"the response failed: {message or 'no reason given'}"


class StreamPrinter:
    """Prints each event as it arrives: its text, or a JSON line (every event with
    ``as_json``). ``failure`` is set when the stream said it failed."""

    def __init__(self, out: IO[str], as_json: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.mid_line = False
        self.failure: str | None = None

    def __call__(self, event: Any) -> None:
        plain = to_plain(event)
        self.failure = self.failure or _stream_failure(plain)
        text = None if self.as_json else stream_text(plain)
        if text is None:
            if self.mid_line:
                self.out.write("\n")
                self.mid_line = False
            self.out.write(_dumps(plain, None) + "\n")
        elif text:
            self.out.write(text)
            self.mid_line = not text.endswith("\n")
        self.out.flush()

    def finish(self) -> None:
        if self.mid_line:
            self.out.write("\n")
            self.mid_line = False
        self.out.flush()
