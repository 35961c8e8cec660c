"""Emitting a spec's per-line route data: its ``server_lines`` and ``routes`` ClassVars, and the
``server_lines=`` of each field that fewer lines carry than serve the spec."""

from __future__ import annotations

import json
from collections.abc import Iterable

from tools.generate.definitions import SpecDef, SpecField
from tools.generate.formatting import annotated, collection

__all__ = [
    "field_lines_arguments",
    "line_class_vars",
    "tuple_text",
]


def tuple_text(items: Iterable[str]) -> str:
    """``("0.6", "0.7")``; one item keeps its comma: ``("0.7",)``."""
    parts = [json.dumps(item) for item in items]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def line_class_vars(spec: SpecDef, indent: str) -> list[str]:
    """Every line that serves the spec, and the routes of those that serve it elsewhere than
    ``method``/``path`` (which are the newest line's)."""
    lines = annotated("server_lines", "ClassVar[tuple[str, ...]]", tuple_text(spec.lines), indent)
    elsewhere = [f'"{line}": Route("{route.method}", {json.dumps(route.path)})'
                 for line, route in spec.routes.items()
                 if (route.method, route.path) != (spec.method, spec.path)]
    if elsewhere:
        lines += collection(f"{indent}routes: ClassVar[Mapping[str, Route]] = {{", elsewhere, "}", indent)
    return lines


def field_lines_arguments(spec_field: SpecField) -> list[str]:
    """The field helper's ``server_lines=`` argument, when fewer lines carry the field."""
    return [] if spec_field.lines is None else [f"server_lines={tuple_text(spec_field.lines)}"]
