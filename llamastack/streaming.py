"""Server-sent events: a pure incremental decoder plus a typed iterator.

The decoder follows the WHATWG event-stream rules (lines end in CRLF, LF or CR; ``data``
lines of one event are joined with LF; a blank line dispatches; ``:`` starts a comment) and
is fed bytes in whatever pieces the network delivers. Llama Stack sends ``data: {...}``
lines only, ends a stream by closing the connection (no ``[DONE]``), and reports a failure
after the stream began as ``data: {"error": {...}}`` inside HTTP 200; the Responses API
sends ``{"type": "error", ...}`` events. Both raise here, as does an ``event: error`` frame
and a connection cut in the middle of an event.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

from llamastack.decoding import DecodeError, Decoder, parse_json
from llamastack.errors import (
    APIConnectionError,
    APIStatusError,
    ResponseDecodeError,
    error_message_from_body,
    status_error_class,
)

__all__ = ["SSEDecoder", "ServerSentEvent", "Stream", "stream_error"]

C = TypeVar("C")


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None


class SSEDecoder:
    """Bytes in, events out. ``feed`` as data arrives, ``finish`` at the end of the body.

    Llama Stack frames every event as one ``data: {...}`` line and a blank line, ending lines
    in LF. Until a CR appears, the buffer is split into frames at ``\\n\\n`` (a search in C)
    and a frame that is one ``data:`` line is an event without a per-line look; any other
    frame goes through the line-by-line rules. From the first CR on, every line does.
    """

    def __init__(self) -> None:
        self._frame: list[bytes] = []  # pieces of one unfinished frame (LF-only streams)
        self._lines = False  # a CR was seen: line by line from here on
        self._pending = b""
        self._held: list[bytes] = []  # pieces of one unfinished line, joined when it ends
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None
        self._started = False  # any field seen since the last dispatch

    def feed(self, chunk: bytes) -> list[ServerSentEvent]:
        return self._feed(chunk, True)

    def feed_data(self, chunk: bytes) -> list[str | ServerSentEvent]:
        """As ``feed``, but an event with no name (no ``event:`` field) comes as its data
        alone, a ``str``: what ``Stream`` reads of nearly every event."""
        return self._feed(chunk, False)

    def _feed(self, chunk: bytes, typed: bool) -> list[Any]:
        if self._lines:
            return self._feed_lines(chunk)
        if b"\r" in chunk:
            # Complete frames are all handled: the line rules start from a clean state.
            self._lines = True
            pending = b"".join((*self._frame, chunk))
            self._frame = []
            return self._feed_lines(pending)
        frame = self._frame
        if b"\n\n" not in chunk and not (
                chunk[:1] == b"\n" and frame and frame[-1][-1:] == b"\n"):
            # No frame ends in this piece: hold it (one huge event costs linear time).
            if chunk:
                frame.append(chunk)
            return []
        if frame:
            frame.append(chunk)
            chunk = b"".join(frame)
        frames = chunk.split(b"\n\n")
        last = frames.pop()
        self._frame = [last] if last else []
        events: list[Any] = []
        for text in frames:
            if text[:5] == b"data:" and b"\n" not in text:
                # One data line: the event. The data after "data:" and one optional space.
                data = (text[6:] if text[5:6] == b" " else text[5:]).decode("utf-8", "replace")
                events.append(ServerSentEvent(data, None, self._id) if typed else data)
            elif text:
                for line in text.split(b"\n"):
                    if line:
                        self._field(line)
                if self._started and (event := self._dispatch()) is not None:
                    events.append(event)
        return events

    def _feed_lines(self, chunk: bytes) -> list[ServerSentEvent]:
        if b"\n" not in chunk and b"\r" not in chunk and not self._pending.endswith(b"\r"):
            # No line ends in this piece: hold it and join the line once it ends, so one huge
            # event costs linear time, not a copy of everything received so far per read.
            if chunk:
                self._held.append(chunk)
            return []
        if self._held:
            buffer = b"".join((self._pending, *self._held, chunk))
            self._held = []
        else:
            buffer = self._pending + chunk if self._pending else chunk
        if b"\r" in buffer:
            # A CR at the very end may be the first half of a CRLF: wait for the next byte.
            keep_cr = buffer.endswith(b"\r")
            if keep_cr:
                buffer = buffer[:-1]
            buffer = buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            if keep_cr:
                buffer += b"\r"
        lines = buffer.split(b"\n")
        self._pending = lines.pop()
        events: list[ServerSentEvent] = []
        for line in lines:
            if line:
                self._field(line)
            elif self._started and (event := self._dispatch()) is not None:
                events.append(event)
        return events

    def finish(self) -> list[ServerSentEvent]:
        """End of the body. A trailing line without its blank line is still a complete event
        only if it ended in a newline; bytes after the last newline mean the body was cut."""
        events: list[ServerSentEvent] = []
        if self._frame:  # an unfinished frame: the line rules tell an event from a cut
            events += self._feed_lines(b"".join(self._frame))
            self._frame = []
        # A CR held back in case an LF followed ends its line: nothing follows it now.
        if self._pending.endswith(b"\r"):
            events += self._feed_lines(b"\n")
        pending = b"".join((self._pending, *self._held))
        self._pending = b""
        self._held = []
        if pending:
            raise ValueError(f"stream ended inside an event (after {pending[:80]!r})")
        if self._started and (event := self._dispatch()) is not None:
            events.append(event)
        return events

    def _field(self, line: bytes) -> None:
        text = line.decode("utf-8", errors="replace")
        if text[0] == ":":
            return
        name, sep, value = text.partition(":")
        if sep and value[:1] == " ":
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._id = value
        elif name == "retry":
            if value.isdigit():
                self._retry = int(value)
        else:
            return  # unknown fields are ignored, as the standard says
        self._started = True

    def _dispatch(self) -> ServerSentEvent | None:
        # WHATWG: a frame without data lines ("event: ping", "retry: 3000") dispatches nothing.
        event = (ServerSentEvent("\n".join(self._data), self._event, self._id, self._retry)
                 if self._data else None)
        self._data = []
        self._event = None
        self._retry = None
        self._started = False
        return event


_LEADING_STATUS = re.compile(r"^\s*(\d{3})\b")


def stream_error(payload: Any, context: Mapping[str, Any]) -> APIStatusError:
    """The exception for an error reported inside a stream.

    Its class comes from the status the payload names (``"code": "404"`` on 0.7, a message
    starting ``"400: ..."`` on 0.2); without one it is a plain APIStatusError.
    """
    error = payload.get("error", payload) if isinstance(payload, dict) else payload
    message = error_message_from_body(error)
    status: int | None = None
    if isinstance(error, dict):
        # 0.6+ say "code": "500", 0.5 "status_code": 500 (captured/README.md, "Errors").
        code = error.get("code", error.get("status", error.get("status_code")))
        if isinstance(code, int) or (isinstance(code, str) and code.isdigit()):
            status = int(code)
        if error.get("code") and not status:
            message = f"{message} (code {error['code']})"
    if status is None:
        match = _LEADING_STATUS.match(message)
        status = int(match.group(1)) if match else None
    base = {**context, "body": payload}
    http_status = base.pop("status", None)
    if status is not None and 100 <= status <= 599:
        return status_error_class(status)(f"error inside the stream: {message}", status=status,
                                          **base)
    return APIStatusError(f"error inside the stream: {message}", status=http_status, **base)


def _is_error_payload(payload: dict[str, Any]) -> bool:
    return payload.get("error") not in (None, "", {}) or payload.get("type") == "error"


class Stream(Generic[C]):
    """Typed chunks of one streamed call; an iterator and a context manager.

    The connection is closed when the stream ends, on ``break`` out of a ``with`` block,
    on an error, or on ``close()``.
    """

    def __init__(self, body: Iterator[bytes], decode_chunk: Decoder,
                 context: Mapping[str, Any], close: Callable[[], None]) -> None:
        self._body = body
        self._decode = decode_chunk
        self._context = context
        self._close = close
        self._events: Generator[C, None, None] = self._iterate()
        self._next: Iterator[C] = self._events
        self.response = context.get("response")

    @property
    def context(self) -> Mapping[str, Any]:
        """What an error about this stream carries: the spec, method, url, status, headers,
        response, and the client's redaction of secrets (``APIError``'s keywords)."""
        return self._context

    def __iter__(self) -> Iterator[C]:
        return self

    def __next__(self) -> C:
        return next(self._next)

    def prepend(self, first: C) -> Stream[C]:
        """Put back an event already taken (the client peeks at the first one)."""
        self._next = itertools.chain((first,), self._events)
        return self

    def __enter__(self) -> Stream[C]:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._events.close()
        self._next = self._events  # drop an event peeked but not yet taken
        self._close()

    def _iterate(self) -> Generator[C, None, None]:
        decoder = SSEDecoder()
        chunk_of = self._chunk
        try:
            for piece in self._body:
                for event in decoder.feed_data(piece):
                    if isinstance(event, str):  # an event with no name: its data
                        if event == "[DONE]":
                            return
                        yield chunk_of(event, None)
                    else:
                        if event.data == "[DONE]":
                            return
                        yield chunk_of(event.data, event.event)
            try:
                last = decoder.finish()
            except ValueError as exc:
                raise APIConnectionError(str(exc), **self._context) from exc
            for final in last:
                if final.data == "[DONE]":
                    return
                yield chunk_of(final.data, final.event)
        finally:
            self._close()

    def _chunk(self, data: str, name: str | None) -> C:
        try:
            payload = parse_json(data)
        except ValueError as exc:
            if name == "error":
                raise stream_error(data, self._context) from None
            raise ResponseDecodeError(f"stream event is not JSON ({exc}): {data[:200]!r}",
                                      **self._context) from exc
        if name == "error" or (payload.__class__ is dict and _is_error_payload(payload)):
            raise stream_error(payload, self._context)
        try:
            return self._decode(payload)  # type: ignore[no-any-return]
        except DecodeError as exc:
            raise ResponseDecodeError(f"stream event does not fit: {exc}",
                                      **{**self._context, "body": payload}) from exc
