"""Emitting ``llamastack/endpoints/<group>.py``: one spec dataclass per operation."""

from __future__ import annotations

import json
import re

from tools.generate.catalog import ALSO_SERVED_BY_0_2, GROUP_TITLES
from tools.generate.documents import sources
from tools.generate.emit_models import names_in
from tools.generate.formatting import (
    annotated,
    code_only,
    docstring,
    dunder_all,
    first_party_imports,
    header,
    typing_used,
)
from tools.generate.schemas import Builder

__all__ = [
    "endpoint_module",
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
        body += docstring(spec.doc, "    ")
        body.append("")
        body.append(f'    method: ClassVar[str] = "{spec.method}"')
        body.extend(annotated("path", "ClassVar[str]", json.dumps(spec.path), "    "))
        if spec.stream_only:
            body.append("    stream_only: ClassVar[bool] = True")
        if spec.paging:
            body.append(f"    paging: ClassVar[Paging | None] = {spec.paging}")
        if spec.name in ALSO_SERVED_BY_0_2:
            body.append('    server_lines: ClassVar[tuple[str, ...]] = ("0.7", "0.2")')
        elif spec.line != "0.7":
            body.append(f'    server_lines: ClassVar[tuple[str, ...]] = ("{spec.line}",)')
        if spec.fields:
            body.append("")
        ordered = [f for f in spec.fields if f.location == "path"] + [
            f for f in spec.fields if f.location != "path" and f.required] + [
            f for f in spec.fields if f.location != "path" and not f.required]
        default_location = "query" if spec.method in ("GET", "DELETE") else "body"
        for sf in ordered:
            value: str | None = None if sf.required else "None"
            args = [] if sf.attr == sf.wire else [f'name="{sf.wire}"']
            if sf.location == "file":
                value = f"file_field({', '.join(args + ([] if sf.required else ['required=False']))})"
            elif sf.location == "json":
                value = f"json_body_field({'required=True' if sf.required else ''})"
            elif sf.location == "header":
                value = f'header_field("{sf.wire}"' + (", required=True)" if sf.required else ")")
            elif sf.location in ("query", "body") and (sf.location != default_location or args):
                value = f"{sf.location}_field({', '.join(args + (['required=True'] if sf.required else []))})"
            body.extend(annotated(sf.attr, sf.type, value, "    "))
    text = code_only("\n".join(body))
    imports: dict[str, set[str]] = {}
    for name in names_in(builder, text):
        imports.setdefault(f"llamastack.models.{builder.defs[name].module}", set()).add(name)
    helpers = ("CursorPaging", "IndexPaging", "Paging", "Spec", "StreamingSpec", "body_field", "file_field",
               "header_field", "json_body_field", "query_field")
    imports["llamastack.spec"] = {name for name in helpers if re.search(rf"\b{name}\b", text)}
    if "FileInput" in text:
        imports["llamastack.multipart"] = {"FileInput"}
    lines = header(f"Endpoints of the {GROUP_TITLES[group]} API.", sources({s.line for s in specs}))
    lines += ["from __future__ import annotations", ""]
    stdlib = {"dataclasses": {"dataclass"}, "typing": typing_used(text) | {"ClassVar"}}
    if re.search(r"\bSequence\[", text):
        stdlib["collections.abc"] = {"Sequence"}
    lines += first_party_imports(stdlib)
    lines.append("")
    lines += first_party_imports(imports)
    lines.append("")
    lines += dunder_all(s.name for s in specs)
    lines += body
    return "\n".join(lines) + "\n"
