"""Docstrings to descriptions: the text a model reads about a tool and each of its parameters.

Three styles are read, whichever the docstring uses (the first section found decides):

- Google: an ``Args:`` (``Arguments:``, ``Parameters:``, ``Attributes:``...) section with
  ``name: text`` or ``name (type): text`` entries, continued on more-indented lines;
- NumPy: a ``Parameters`` heading underlined with dashes, ``name : type`` lines with the text
  indented below;
- reST / Sphinx: ``:param name: text`` (or ``:param type name: text``) fields.

The description is everything before the first section or field, paragraphs kept; a parameter's
text keeps all its lines (the official SDK kept only the first one).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

__all__ = ["Docstring", "parse_docstring"]

# Google-style headings whose entries describe parameters (or a class's attributes).
_GOOGLE_PARAM_SECTIONS = frozenset({
    "args", "arguments", "parameters", "params", "keyword args", "keyword arguments",
    "other parameters", "attributes",
})
# Headings that end a parameter section (or the description) in Google style.
_GOOGLE_OTHER_SECTIONS = frozenset({
    "returns", "return", "yields", "yield", "raises", "raise", "examples", "example", "note",
    "notes", "warning", "warnings", "see also", "todo", "references", "methods",
})
_NUMPY_PARAM_SECTIONS = frozenset({"parameters", "other parameters", "attributes"})

_GOOGLE_HEADING = re.compile(r"^([A-Za-z][A-Za-z ]*):\s*$")
_GOOGLE_ENTRY = re.compile(r"^\*{0,2}([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(.*?\))?\s*:(.*)$")
_NUMPY_UNDERLINE = re.compile(r"^-{3,}\s*$")
_NUMPY_ENTRY = re.compile(r"^\*{0,2}([A-Za-z_][A-Za-z0-9_]*(?:\s*,\s*\*{0,2}[A-Za-z_][A-Za-z0-9_]*)*)"
                          r"\s*(?::.*)?$")
_REST_FIELD = re.compile(r"^:([A-Za-z]+)((?:\s+[^:]+)?)\s*:(.*)$")


@dataclass(frozen=True)
class Docstring:
    """What a docstring says: the description and the text of each documented parameter."""

    description: str = ""
    params: dict[str, str] = field(default_factory=dict)


def parse_docstring(doc: str | None) -> Docstring:
    """Read ``doc`` (as written, any indentation) in whichever style it uses."""
    if not doc or not doc.strip():
        return Docstring()
    lines = inspect.cleandoc(doc).splitlines()
    start, style = _first_section(lines)
    description = _paragraphs(lines[:start], keep_lines=True)
    if style == "google":
        params = _google_params(lines[start:])
    elif style == "numpy":
        params = _numpy_params(lines[start:])
    elif style == "rest":
        params = _rest_params(lines[start:])
    else:
        params = {}
    return Docstring(description, params)


def _first_section(lines: list[str]) -> tuple[int, str | None]:
    """Where the description ends, and the style of what follows."""
    for index, line in enumerate(lines):
        if _REST_FIELD.match(line):
            return index, "rest"
        heading = _GOOGLE_HEADING.match(line)
        if heading:
            name = heading.group(1).strip().lower()
            if name in _GOOGLE_PARAM_SECTIONS or name in _GOOGLE_OTHER_SECTIONS:
                return index, "google"
        if index + 1 < len(lines) and line.strip() and _NUMPY_UNDERLINE.match(lines[index + 1]):
            return index, "numpy"
    return len(lines), None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _paragraphs(lines: list[str], *, keep_lines: bool = False) -> str:
    """Dedented text. ``keep_lines`` keeps line breaks (a description); otherwise the lines
    of a paragraph are joined with spaces (a parameter's text) and paragraphs with a newline."""
    text = inspect.cleandoc("\n".join(lines)) if lines else ""
    if keep_lines:
        return text.strip()
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n".join(" ".join(part.split()) for part in paragraphs if part.strip())


def _google_params(lines: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    in_params = False
    current: str | None = None
    body: list[str] = []
    entry_indent: int | None = None

    def flush() -> None:
        if current is not None:
            params[current] = _paragraphs(body)

    for line in lines:
        heading = _GOOGLE_HEADING.match(line)
        if heading and _indent(line) == 0:
            flush()
            current, body, entry_indent = None, [], None
            in_params = heading.group(1).strip().lower() in _GOOGLE_PARAM_SECTIONS
            continue
        if not in_params:
            continue
        if not line.strip():
            body.append("")
            continue
        indent = _indent(line)
        if entry_indent is None:
            entry_indent = indent
        if indent <= entry_indent:
            entry = _GOOGLE_ENTRY.match(line.strip())
            if entry is None:  # text at the entries' level that is not an entry ends them
                flush()
                current, body, in_params = None, [], False
                continue
            flush()
            current, body = entry.group(1), [entry.group(2).strip()]
        elif current is not None:
            body.append(line.strip())
    flush()
    return params


def _numpy_params(lines: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    names: list[str] = []
    body: list[str] = []
    in_params = False

    def flush() -> None:
        for name in names:
            params[name] = _paragraphs(body)

    index = 0
    while index < len(lines):
        line = lines[index]
        if (index + 1 < len(lines) and line.strip() and _indent(line) == 0
                and _NUMPY_UNDERLINE.match(lines[index + 1])):
            flush()
            names, body = [], []
            in_params = line.strip().lower() in _NUMPY_PARAM_SECTIONS
            index += 2
            continue
        if in_params:
            if line.strip() and _indent(line) == 0:
                entry = _NUMPY_ENTRY.match(line.strip())
                flush()
                body = []
                names = ([name.strip().lstrip("*") for name in entry.group(1).split(",")]
                         if entry else [])
            elif names:
                body.append(line.strip())
        index += 1
    flush()
    return params


def _rest_params(lines: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    current: str | None = None
    body: list[str] = []

    def flush() -> None:
        if current is not None:
            params[current] = _paragraphs(body)

    for line in lines:
        match = _REST_FIELD.match(line)
        if match:
            flush()
            current, body = None, []
            kind, argument, text = match.group(1), match.group(2).split(), match.group(3)
            if kind in ("param", "parameter", "arg", "argument", "key", "keyword") and argument:
                current, body = argument[-1].lstrip("*"), [text.strip()]
        elif current is not None:
            body.append(line.strip())
    flush()
    return params
