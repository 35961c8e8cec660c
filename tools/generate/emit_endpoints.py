"""Emitting ``llamastack/endpoints/<group>.py``: one spec dataclass per operation."""

from __future__ import annotations

import json
import re

from tools.generate.catalog import GROUP_TITLES
from tools.generate.definitions import SpecField, ordered_fields
from tools.generate.documents import sources
from tools.generate.emit_models import model_imports, names_in
from tools.generate.emit_routes import field_lines_arguments, line_class_vars
from tools.generate.formatting import (
    annotated,
    class_docstring,
    code_only,
    documented_fields,
    module_text,
    typing_used,
)
from tools.generate.schemas import Builder

__all__ = [
    "endpoint_module",
    "field_value",
]


def endpoint_module(builder: Builder, group: str) -> str:
    specs = [s for s in builder.specs if s.group == group]
    body: list[str] = []
    for spec in specs:
        body += ["", "", "@dataclass(frozen=True, kw_only=True)"]
        if spec.chunk:
            body.append(f"class {spec.name}(StreamingSpec[{spec.response}, {spec.chunk}]):")
        else:
            body.append(f"class {spec.name}(Spec[{spec.response}]):")
        body += class_docstring(spec.doc, spec.description)
        body.append("")
        body.append(f'    method: ClassVar[str] = "{spec.method}"')
        body.extend(annotated("path", "ClassVar[str]", json.dumps(spec.path), "    "))
        body.extend(line_class_vars(spec, "    "))
        if spec.stream_only:
            body.append("    stream_only: ClassVar[bool] = True")
        if spec.paging:
            body.append(f"    paging: ClassVar[Paging | None] = {spec.paging}")
        if spec.fields:
            body.append("")
        ordered = ordered_fields(spec)
        default_location = "query" if spec.method in ("GET", "DELETE") else "body"
        body += documented_fields(
            (annotated(sf.attr, sf.type, field_value(sf, default_location), "    "), sf.doc)
            for sf in ordered)
    text = code_only("\n".join(body))
    imports = model_imports(builder, names_in(builder, text))
    helpers = ("CursorPaging", "IndexPaging", "Paging", "Route", "Spec", "StreamingSpec", "body_field",
               "file_field", "header_field", "json_body_field", "query_field")
    imports["llamastack.spec"] = {name for name in helpers if re.search(rf"\b{name}\b", text)}
    if "FileInput" in text:
        imports["llamastack.multipart"] = {"FileInput"}
    source = sources({s.line for s in specs}) + " (the routes of every server line from all of specs/)"
    stdlib = {"dataclasses": {"dataclass"}, "typing": typing_used(text) | {"ClassVar"}}
    abc = {name for name in ("Mapping", "Sequence") if re.search(rf"\b{name}\[", text)}
    if abc:
        stdlib["collections.abc"] = abc
    return module_text(f"Endpoints of the {GROUP_TITLES[group]} API.", source,
                       ({"__future__": {"annotations"}}, stdlib, imports), (s.name for s in specs), body)


def field_value(spec_field: SpecField, default_location: str) -> str | None:
    """What a spec field is assigned: nothing (required), None, or the helper that declares its
    location, wire name or lines."""
    if spec_field.location == "path":
        return None
    required = ["required=True"] if spec_field.required else []
    named = [] if spec_field.attr == spec_field.wire else [f'name="{spec_field.wire}"']
    lines = field_lines_arguments(spec_field)
    if spec_field.location == "file":
        return f"file_field({', '.join(named + ([] if spec_field.required else ['required=False']) + lines)})"
    if spec_field.location == "json":
        return f"json_body_field({', '.join(required + lines)})"
    if spec_field.location == "header":
        return f"header_field({', '.join([json.dumps(spec_field.wire), *required, *lines])})"
    if spec_field.location != default_location or named or lines:
        return f"{spec_field.location}_field({', '.join(named + required + lines)})"
    return None if spec_field.required else "None"
