"""``print_turn``: show a streamed turn as it happens, and return its ``TurnResult``.

::

    The weather in Paris? Let me check.
    -> get_weather(city="Paris", unit="c")
    <- get_weather: 18 degrees c and sunny in Paris
    It is 18 degrees and sunny in Paris.

Text is written as it arrives; each tool call gets a line with its arguments, then a line with
its output (``!! name failed: ...`` for an error); server tools (``[server] ...``) and MCP
approvals (``[approval] ...``) too. Long outputs are cut to ``max_output_chars``.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from llamastack.agents.events import (
    ApprovalDecided,
    ApprovalRequested,
    ServerToolCall,
    ServerToolCallRecord,
    TextDelta,
    ToolCallFinished,
    ToolCallRequested,
    TurnCompleted,
    TurnEvent,
    TurnResult,
)

__all__ = ["format_arguments", "print_turn"]


def print_turn(events: Iterable[TurnEvent], *, file: TextIO | None = None,
               max_output_chars: int = 500) -> TurnResult:
    """Print the events of a turn to ``file`` (default: stdout) and return its result.

    A ``TurnStream`` (or anything with ``close()``) is closed when printing stops, also on
    Ctrl-C; a turn that stops in the middle of a line of text gets its line ended, so what is
    printed next (an error message, a prompt) starts on a line of its own. Raises
    ``ValueError`` if the events end without ``TurnCompleted``.
    """
    out = file if file is not None else sys.stdout
    printer = _Printer(out, max_output_chars)
    try:
        for event in events:
            result = printer.show(event)
            if result is not None:
                return result
    finally:
        close = getattr(events, "close", None)
        if callable(close):
            close()
        with contextlib.suppress(OSError, ValueError):  # output gone: the first error matters
            printer.end_line()
    raise ValueError("the events ended without TurnCompleted (was the turn cut short?)")


def format_arguments(arguments: Mapping[str, Any]) -> str:
    """``city="Paris", unit="c"``: each value as JSON, so strings are quoted."""
    return ", ".join(f"{name}={json.dumps(value, ensure_ascii=False, default=str)}"
                     for name, value in arguments.items())


class _Printer:
    def __init__(self, out: TextIO, max_output_chars: int) -> None:
        self._out = out
        self._limit = max_output_chars
        self._mid_line = False  # text was written without a newline after it

    def show(self, event: TurnEvent) -> TurnResult | None:
        if isinstance(event, TextDelta):
            self._write(event.text)
            self._mid_line = not event.text.endswith("\n")
        elif isinstance(event, ToolCallRequested):
            self._line(f"-> {event.name}({format_arguments(event.arguments)})")
        elif isinstance(event, ToolCallFinished):
            record = event.record
            if record.is_error:
                self._line(f"!! {record.name} failed: {self._cut(record.output)}")
            else:
                self._line(f"<- {record.name}: {self._cut(record.output)}")
        elif isinstance(event, ServerToolCall):
            self._line(self._server_line(event.record))
        elif isinstance(event, ApprovalRequested):
            request = event.request
            self._line(f"[approval] {request.server_label}: {request.name}"
                       f"({format_arguments(request.arguments)}) asks for approval")
        elif isinstance(event, ApprovalDecided):
            decided = event.record
            verdict = "approved" if decided.approved else "denied"
            reason = f" ({decided.reason})" if decided.reason else ""
            self._line(f"[approval] {decided.request.name}: {verdict}{reason}")
        elif isinstance(event, TurnCompleted):
            self.end_line()
            self._out.flush()
            return event.result
        return None

    def _server_line(self, record: ServerToolCallRecord) -> str:
        where = f"{record.server_label}: " if record.server_label else ""
        call = f"[server] {where}{record.name}({format_arguments(record.arguments)})"
        if record.results and record.type == "file_search_call":
            return f"{call} -> {len(record.results)} result(s)"
        if record.output is not None:
            arrow = "!!" if record.is_error else "->"
            return f"{call} {arrow} {self._cut(record.output)}"
        return f"{call}{' failed' if record.is_error else ''}"

    def end_line(self) -> None:
        if self._mid_line:
            self._mid_line = False
            self._write("\n")

    def _cut(self, text: str) -> str:
        if len(text) > self._limit:
            return f"{text[:self._limit]}... ({len(text) - self._limit} more characters)"
        return text

    def _line(self, text: str) -> None:
        if self._mid_line:
            self._write("\n")
            self._mid_line = False
        self._write(text + "\n")

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()
