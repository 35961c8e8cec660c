"""Building everything: one spec per operation, and each definition placed in its group module."""

from __future__ import annotations

import copy
import re
from typing import Any

from tools.generate.catalog import COMMON_THRESHOLD, GROUPS, OPERATIONS
from tools.generate.definitions import (
    NONE,
    GeneratorError,
    SpecDef,
    SpecField,
    T,
    optional,
    refs,
    strip_optional,
)
from tools.generate.descriptions import (
    describe_from_other_lines,
    described,
    parameter_description,
    summary_and_description,
)
from tools.generate.documents import SOURCE_LINES
from tools.generate.errata import ERRATA_LOCATIONS, RESPONSE_OVERRIDES, STREAM_ONLY
from tools.generate.lines import assign_lines, operation_indexes
from tools.generate.naming import SPEC_RESERVED, camel, python_name
from tools.generate.schemas import Builder, is_nullable
from tools.generate.type_text import render

__all__ = [
    "add_operation",
    "build",
    "place",
    "responses",
]


def build(documents: dict[str, Any]) -> Builder:
    """Every spec and model, from the documents of every line (load_documents)."""
    builder = Builder(copy.deepcopy({line: documents[line] for line in SOURCE_LINES}), documents)
    names = [op[4] for op in OPERATIONS]
    if len(set(names)) != len(names):
        raise GeneratorError("two operations share a spec name")
    for line, method, path, group, name in sorted(OPERATIONS, key=lambda op: op[0] != "0.7"):
        add_operation(builder, line, method, path, group, name)
    indexes = operation_indexes(documents)
    for spec in builder.specs:
        assign_lines(documents, indexes, spec)
        describe_from_other_lines(documents, spec)
    clash = set(names) & set(builder.defs)
    if clash:
        raise GeneratorError(f"spec and model names clash: {sorted(clash)} (add RENAMES)")
    place(builder)
    return builder


def place(builder: Builder) -> None:
    """Each definition goes to the module of the groups that use it (see GROUPS)."""
    users: dict[str, set[str]] = {name: set() for name in builder.defs}

    def visit(name: str, group: str) -> None:
        if group in users[name]:
            return
        users[name].add(group)
        for dep in sorted(builder.defs[name].deps):
            visit(dep, group)

    for spec in builder.specs:
        for dep in sorted(spec.deps):
            visit(dep, spec.group)
    rank = {group: i for i, group in enumerate(GROUPS)}
    for name, groups in users.items():
        if not groups:  # built on the way, then merged into a larger union
            del builder.defs[name]
            continue
        if len(groups) >= COMMON_THRESHOLD:
            builder.defs[name].module = "common"
        else:
            builder.defs[name].module = min(groups, key=rank.__getitem__)
    # A definition used by something in common must be in common too.
    changed = True
    while changed:
        changed = False
        for definition in builder.defs.values():
            if definition.module == "common":
                for dep in definition.deps:
                    if builder.defs[dep].module != "common":
                        builder.defs[dep].module = "common"
                        changed = True
    for definition in builder.defs.values():
        for dep in definition.deps:
            if rank[builder.defs[dep].module] > rank[definition.module]:
                raise GeneratorError(f"{definition.name} ({definition.module}) needs {dep} "
                                     f"({builder.defs[dep].module}): reorder GROUPS")


def add_operation(builder: Builder, line: str, method: str, path: str, group: str, name: str) -> None:
    """Declare the spec of one operation of the ``line`` document."""
    document = builder.documents[line]
    try:
        op = document["paths"][path][method.lower()]
    except KeyError:
        raise GeneratorError(f"{method} {path} is not in the {line} document") from None
    path_names = re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", path)
    fields: list[SpecField] = []
    deps: set[str] = set()
    taken = set()

    def add(wire: str, t: T, location: str, required: bool, doc: str) -> None:
        attr = python_name(wire, SPEC_RESERVED)
        if attr in taken:
            raise GeneratorError(f"{name}: two fields become {attr!r}")
        taken.add(attr)
        deps.update(refs(t))
        rendered = render(builder, t, request=True)
        if not required:
            rendered = render(builder, optional(t), request=True)
        fields.append(SpecField(attr, wire, rendered, location, required, doc=doc))

    path_params = {p["name"]: p for p in op.get("parameters", []) if p.get("in") == "path"}
    for param_name in path_names:
        doc = parameter_description(path_params.get(param_name, {}))
        fields.append(SpecField(param_name, param_name, "str", "path", True, doc=doc))
        taken.add(param_name)
    params = {p["name"]: p for p in op.get("parameters", []) if p.get("in") != "path"}
    for param in params.values():
        if param["in"] not in ("query", "header"):
            raise GeneratorError(f"{name}: parameter location {param['in']!r}")
        t = builder.type_of(line, param.get("schema", {}), name + camel(param["name"]))
        location = ERRATA_LOCATIONS.get((line, method, path, param["name"]), param["in"])
        add(param["name"], t, location, bool(param.get("required")), parameter_description(param))
    body = op.get("requestBody")
    if body:
        content = body["content"]
        media = "multipart/form-data" if "multipart/form-data" in content else "application/json"
        schema = builder.resolve(line, content[media]["schema"])
        required = set(schema.get("required", []))
        for wire, prop in (schema.get("properties") or {}).items():
            t = builder.type_of(line, prop, name + camel(wire))
            base, _ = strip_optional(t)
            if base.kind == "binary":
                add(wire, base, "file", wire in required, described(prop))
                continue
            add(wire, t, "body", wire in required and not is_nullable(prop), described(prop))
    response_type, chunk = responses(builder, line, op, name)
    if chunk is not None:
        # Streaming is not a field users set: client.stream(spec) sends "stream": true, and
        # client.call leaves it out, so the server answers with one JSON document.
        fields = [f for f in fields if not (f.wire == "stream" and f.location == "body")]
    deps.update(refs(response_type))
    response = RESPONSE_OVERRIDES.get(name) or render(builder, response_type)
    chunk_text = None
    if chunk is not None:
        deps.update(refs(chunk))
        chunk_text = render(builder, chunk)
    query = {f.wire for f in fields if f.location == "query"}
    paging = None
    if {"after", "limit"} <= query:
        paging = "CursorPaging()"
    elif {"start_index", "limit"} <= query:
        paging = "IndexPaging()"
    doc, description = summary_and_description(op.get("summary"), op.get("description"))
    doc = doc or name + "."
    if op.get("deprecated"):
        doc = doc[:-1] + " (deprecated upstream)."
    builder.specs.append(SpecDef(name, group, line, method, path, doc, fields, response, chunk_text, paging,
                                 name in STREAM_ONLY, deps, description=description))


def responses(builder: Builder, line: str, op: dict[str, Any], name: str) -> tuple[T, T | None]:
    response: T = NONE
    chunk: T | None = None
    for status, answer in op.get("responses", {}).items():
        if not status.startswith("2"):
            continue
        for media, content in (answer.get("content") or {}).items():
            schema = content.get("schema", {})
            if media == "text/event-stream":
                chunk = builder.type_of(line, schema, name + "Chunk")
            elif media == "application/json":
                response = builder.type_of(line, schema, name + "Response")
    return response, chunk
