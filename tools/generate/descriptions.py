"""The documents' descriptions as the generated code and api.md carry them.

A description becomes plain paragraphs: the document's indentation and line breaks inside a
paragraph go (the text is wrapped again where it is written), list items (``- item``, ``* item``,
``:name: text``) stay one per line. Nothing else is changed, so a field's docstring says exactly
what the document says (``tests/unit/test_docs.py`` compares them word for word).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from tools.generate.definitions import SpecDef
from tools.generate.documents import request_body_schema
from tools.generate.formatting import LIST_ITEM
from tools.generate.naming import base_name

__all__ = [
    "describe_from_other_lines",
    "described",
    "normalize",
    "operation_field_description",
    "other_versions",
    "parameter_description",
    "property_description",
    "split_summary",
    "summary_and_description",
]

def normalize(text: str | None) -> str:
    """Paragraphs separated by a blank line; inside one, its list items one per line."""
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for raw in inspect.cleandoc(text or "").splitlines():
        line = " ".join(raw.split())
        if not line:
            if current:
                paragraphs.append(current)
                current = []
        elif current and not LIST_ITEM.match(line):
            current[-1] += " " + line
        else:
            current.append(line)
    if current:
        paragraphs.append(current)
    return "\n\n".join("\n".join(items) for items in paragraphs)


def described(node: dict[str, Any]) -> str:
    """The normalized description of a schema node, "" if it has none."""
    text = node.get("description")
    return normalize(text) if isinstance(text, str) else ""


def property_description(schema: dict[str, Any], wire: str) -> str:
    return described((schema.get("properties") or {}).get(wire) or {})


def parameter_description(parameter: dict[str, Any]) -> str:
    """An operation parameter's description; some documents put it on the parameter's schema."""
    return described(parameter) or described(parameter.get("schema") or {})


def _sentence(text: str) -> str:
    """``text`` as a summary: capitalized, ending with a full stop."""
    if not text.endswith((".", "!", "?")):
        text += "."
    return text[0].upper() + text[1:]


def split_summary(text: str) -> tuple[str, str]:
    """(the first sentence as a summary line, the rest) of a normalized description."""
    if not text:
        return "", ""
    first, _, others = text.partition("\n")
    match = re.match(r"(.+?[.!?])(?:\s+|$)(.*)", first)
    sentence, remainder = (match.group(1), match.group(2)) if match else (first, "")
    rest = (remainder + ("\n" if remainder and not others.startswith("\n") else "") + others).strip()
    return _sentence(sentence), rest


def summary_and_description(summary: str | None, description: str | None) -> tuple[str, str]:
    """An operation's docstring parts: its summary, and what its description adds to it (the
    description often repeats the summary first, or is the same sentence)."""
    full = normalize(description)
    if not summary:
        return split_summary(full)
    head = normalize(summary)
    stem = head.rstrip(".")
    # the description's first sentence is the summary: leave it out
    if re.match(re.escape(stem) + r"(\.\s|\.?$|\.?\n)", full, re.IGNORECASE):
        full = full[len(stem):].lstrip(".").strip()
    return _sentence(head), full


def other_versions(documents: dict[str, Any], line: str, schema_name: str) -> list[dict[str, Any]]:
    """The schema ``schema_name`` in every other line's documents, newest line first: where a
    description the source document lacks is looked up. The 0.4 and later documents, which
    pydantic writes, describe far fewer properties than 0.2 and 0.3 did (0.7's
    ``OpenAIResponseObject`` describes none of its 32, 0.3's all of its 16)."""
    base = base_name(schema_name)
    found = []
    for other in reversed(list(documents)):
        schemas = documents[other]["components"]["schemas"]
        schema = schemas.get(base) or schemas.get(schema_name)
        if other != line and schema is not None:
            found.append(schema)
    return found


def operation_field_description(document: dict[str, Any], operation: dict[str, Any], wire: str) -> str:
    """A request field's description in one document's operation: the parameter or body
    property of that wire name."""
    for parameter in operation.get("parameters", []):
        if parameter.get("name") == wire:
            return parameter_description(parameter)
    body = request_body_schema(document, operation)
    return "" if body is None else property_description(body, wire)


def describe_from_other_lines(documents: dict[str, Any], spec: SpecDef) -> None:
    """Give a field its source document left undescribed the description of the newest other
    line whose operation describes it (after ``lines.assign_lines``: the routes are known)."""
    for spec_field in spec.fields:
        for line in reversed(list(spec.routes)):
            operation = spec.routes[line].operation
            if spec_field.doc or line == spec.line or operation is None:
                continue
            spec_field.doc = operation_field_description(documents[line], operation, spec_field.wire)
