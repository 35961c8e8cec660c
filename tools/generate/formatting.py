"""Laying out generated code as ruff format would (line length 110), with isort's orders."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "LINE_LENGTH",
    "LIST_ITEM",
    "all_key",
    "annotated",
    "assignment",
    "bracketed",
    "class_docstring",
    "code_only",
    "collection",
    "docstring",
    "documented_fields",
    "dunder_all",
    "fill",
    "first_party_imports",
    "fits",
    "header",
    "import_key",
    "import_lines",
    "module_text",
    "outer_bracket",
    "split_top",
    "typing_used",
    "wrap_expression",
]


LINE_LENGTH = 110
# A line that starts a list item in a description: "- x", "* x", "1. x", ":name: x".
LIST_ITEM = re.compile(r"^(?:[-*]\s|\d+\.\s|:[\w ]+:)")


def split_top(text: str) -> list[str]:
    """Split at the commas that are not inside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "[" or char == "(":
            depth += 1
        elif char == "]" or char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def fits(text: str) -> bool:
    return len(text) <= LINE_LENGTH


def bracketed(head: str, items: list[str], tail: str, indent: str) -> list[str]:
    """``head`` + items + ``tail`` as ruff format lays it out: one line, else the items on one
    indented line, else one item per line with a trailing comma."""
    one = f"{indent}{head}{', '.join(items)}{tail}"
    if fits(one):
        return [one]
    inner = indent + "    "
    joined = inner + ", ".join(items)
    if fits(joined) and not any("\n" in i for i in items):
        return [f"{indent}{head}", joined, f"{indent}{tail.lstrip()}" if tail.strip() else indent + tail]
    lines = [f"{indent}{head}"]
    for item in items:
        lines.extend(wrap_expression(item + ",", inner))
    lines.append(f"{indent}{tail.lstrip()}")
    return lines


def collection(head: str, items: list[str], close: str, indent: str) -> list[str]:
    """A dict/list/tuple literal after ``head`` (which ends with its opening bracket), as ruff
    format lays out collections: one line, else one item per line with a trailing comma (a lone
    item goes on its own line without one)."""
    one = f"{head}{', '.join(items)}{close}"
    if fits(one):
        return [one]
    inner = indent + "    "
    if len(items) == 1:
        return [head, inner + items[0], indent + close]
    return [head, *(f"{inner}{item}," for item in items), indent + close]


def wrap_expression(text: str, indent: str) -> list[str]:
    """One expression at ``indent``, split at its last top-level bracket if it is too long."""
    if fits(indent + text):
        return [indent + text]
    trailer = ""
    body = text
    if body.endswith(","):
        body, trailer = body[:-1], ","
    open_at = outer_bracket(body)
    if open_at is None:
        return [indent + text]
    head, inside, close = body[: open_at + 1], body[open_at + 1 : -1], body[-1]
    return bracketed(head, split_top(inside), close + trailer, indent)


def outer_bracket(text: str) -> int | None:
    """The index of the bracket that opens the last top-level group ending the text."""
    if not text or text[-1] not in "])":
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in "])":
            depth += 1
        elif text[i] in "[(":
            depth -= 1
            if depth == 0:
                return i
    return None


def assignment(target: str, value: str, indent: str) -> list[str]:
    """``target = value`` (or ``name: T = value``), split like ruff format when too long."""
    line = f"{indent}{target} = {value}"
    if fits(line):
        return [line]
    open_at = outer_bracket(value)
    if open_at is not None:
        head = f"{target} = {value[: open_at + 1]}"
        items = split_top(value[open_at + 1 : -1])
        if fits(indent + head):
            return bracketed(head, items, value[-1], indent)
    return [line]


def annotated(name: str, annotation: str, value: str | None, indent: str) -> list[str]:
    if value is None:
        line = f"{indent}{name}: {annotation}"
        if fits(line):
            return [line]
        open_at = outer_bracket(annotation)
        assert open_at is not None
        return bracketed(f"{name}: {annotation[: open_at + 1]}", split_top(annotation[open_at + 1 : -1]),
                         annotation[-1], indent)
    line = f"{indent}{name}: {annotation} = {value}"
    if fits(line):
        return [line]
    if fits(f"{indent}{name}: {annotation} = {value[: (outer_bracket(value) or 0) + 1]}"):
        return assignment(f"{name}: {annotation}", value, indent)
    open_at = outer_bracket(annotation)
    assert open_at is not None
    lines = bracketed(f"{name}: {annotation[: open_at + 1]}", split_top(annotation[open_at + 1 : -1]),
                      annotation[-1], indent)
    last = lines.pop()
    lines.extend(assignment(last.strip(), value, indent))
    return lines


def docstring(text: str, indent: str) -> list[str]:
    """``text`` as a triple-quoted string at ``indent``: on one line if it fits, else wrapped,
    the closing quotes on a line of their own (as ruff format writes docstrings). Paragraphs are
    separated by a blank line in ``text``; its list items (one per line) wrap under their text."""
    text = text.replace("\\", "\\\\").replace('"""', "'''")
    # ruff format's rule too: a closing quote right after a quote would end the string early.
    one = f'{indent}"""{text}{" " if text.endswith(chr(34)) else ""}"""'
    if "\n" not in text and fits(one):
        return [one]
    lines: list[str] = []
    for paragraph in ('"""' + text).split("\n\n"):
        if lines:
            lines.append("")
        for item in paragraph.split("\n"):
            hanging = "  " if LIST_ITEM.match(item.removeprefix('"""')) else ""
            # 3 short of the line length: ruff format would join a lone line with the quotes
            lines.extend(fill(item, indent, indent + hanging, LINE_LENGTH - 3))
    lines.append(indent + '"""')
    return lines


def class_docstring(doc: str, description: str) -> list[str]:
    """A generated class's docstring: its summary, then its description as a paragraph."""
    return docstring("\n\n".join(filter(None, (doc, description))), "    ")


def documented_fields(fields: Iterable[tuple[list[str], str]]) -> list[str]:
    """A class body's fields, each its declaration's lines then its attribute docstring (what
    editors show on hover), if it has one; a blank line between fields when any has one."""
    fields = list(fields)
    documented = any(doc for _, doc in fields)
    lines: list[str] = []
    for i, (declaration, doc) in enumerate(fields):
        if documented and i:
            lines.append("")
        lines.extend(declaration)
        if doc:
            lines.extend(docstring(doc, "    "))
    return lines


def fill(text: str, first_indent: str = "", indent: str = "", width: int = LINE_LENGTH) -> list[str]:
    """Words filled into lines of ``width``; a word longer than a line gets a line of its own."""
    words = text.split(" ")
    lines: list[str] = []
    current = first_indent + words[0]
    for word in words[1:]:
        if len(current) + 1 + len(word) > width:
            lines.append(current)
            current = indent + word
        else:
            current += " " + word
    lines.append(current)
    return lines


def import_lines(module: str, names: Iterable[str], indent: str = "") -> list[str]:
    ordered = sorted(set(names), key=import_key)
    head = f"{indent}from {module} import "
    line = head + ", ".join(ordered)
    if fits(line):
        return [line]
    return [head + "("] + [f"{indent}    {name}," for name in ordered] + [f"{indent})"]


def all_key(name: str) -> tuple[int, str]:
    # isort's order-by-type (also RUF022's order for __all__): CONSTANTS, Classes, the rest.
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def import_key(name: str) -> tuple[int, str, str]:
    # Within an import statement, isort compares names case-insensitively.
    return (all_key(name)[0], name.lower(), name)


def dunder_all(names: Iterable[str]) -> list[str]:
    ordered = sorted(set(names), key=all_key)
    return ["__all__ = ["] + [f'    "{name}",' for name in ordered] + ["]"]


def header(title: str, source: str) -> list[str]:
    note = (f"Generated by `python -m tools.generate` from {source}; edit the generator (tools/generate), "
            "not this file.")
    return [f'"""{title}', "", *fill(note), '"""', ""]


def module_text(title: str, source: str, import_blocks: Iterable[dict[str, set[str]]],
                names: Iterable[str], body: list[str]) -> str:
    """A generated module: its docstring (``header``), its import blocks (isort's sections,
    each followed by a blank line), ``__all__`` of ``names``, then ``body``."""
    lines = header(title, source)
    for block in import_blocks:
        lines += first_party_imports(block)
        lines.append("")
    lines += dunder_all(names)
    lines += body
    return "\n".join(lines) + "\n"


def typing_used(text: str) -> set[str]:
    return {name for name in ("Any", "Literal", "Optional", "Union") if re.search(rf"\b{name}\b", text)}


def first_party_imports(imports: dict[str, set[str]], indent: str = "") -> list[str]:
    lines: list[str] = []
    for module in sorted(imports):
        lines += import_lines(module, imports[module], indent)
    return lines


def code_only(text: str) -> str:
    """Generated code without its docstrings and comments (which may mention any name)."""
    text = re.sub(r'""".*?"""', "", text, flags=re.S)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
