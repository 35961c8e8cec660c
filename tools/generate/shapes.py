"""Shape differences: where a line serves a spec's route with other request or response shapes.

For every spec and every other line that serves it, the spec's own operation (in its source
document) is walked side by side with the line's operation:

- request: what the spec sends against what the line reads. A field the line requires that the
  spec lacks or leaves optional, a field read from another place, a JSON kind the line does not
  accept, union variants and enum values the line does not know. (Fields the line does not know
  at all are not listed here: the spec declares them per field, ``server_lines=``.)
- response: what the line answers against what the spec decodes. A property the spec requires
  that the line may leave out or send as null, a JSON kind the spec cannot decode, a stream the
  line's document does not declare. New properties, variants and enum values are not listed:
  decoding keeps unknown fields and tolerates unknown variants and values.

Each difference is reported once per place (a schema and property path of the source document),
with the lines and specs it affects, so the adapters of each line can be written from the list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tools.generate.definitions import SpecDef
from tools.generate.documents import request_body_schema
from tools.generate.errata import DOCUMENT_ONLY_REQUIREMENTS, ERRATA_NULLABLE, RESPONSE_OVERRIDES
from tools.generate.lines import SERVER_LINES
from tools.generate.naming import base_name
from tools.generate.schemas import is_nullable

__all__ = [
    "Difference",
    "differences",
    "shape_table",
]

_KINDS = ("object", "array", "string", "integer", "number", "boolean")


@dataclass(frozen=True)
class Difference:
    side: str  # "request" or "response"
    where: str  # a schema (and property) path of the spec's source document
    what: str  # the difference, the same words on every line it applies to
    line: str
    spec: str


@dataclass
class _Walk:
    """One walk of a spec's schema (``src``) against a line's (``dst``)."""

    documents: dict[str, Any]
    spec: SpecDef
    line: str
    found: list[Difference] = field(default_factory=list)
    seen: set[tuple[str, str, str]] = field(default_factory=set)

    def add(self, side: str, where: str, what: str) -> None:
        self.found.append(Difference(side, where, what, self.line, self.spec.name))

    def resolve(self, line: str, node: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        name = None
        schemas = self.documents[line]["components"]["schemas"]
        while "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            node = schemas[name]
        return (base_name(name) if name else None), node

    # --- comparing two schema nodes -----------------------------------------------------------

    def compare(self, side: str, src: dict[str, Any], dst: dict[str, Any], where: str) -> None:
        src_name, src = self.resolve(self.spec.line, src)
        dst_name, dst = self.resolve(self.line, dst)
        where = src_name or where
        if src_name and dst_name and dst_name != src_name:
            where = f"{src_name} (line: {dst_name})"  # another schema takes its place on that line
        key = (side, where, repr(sorted(dst)) if dst_name is None else dst_name)
        if key in self.seen:
            return
        self.seen.add(key)
        src_kinds, dst_kinds = kinds(self, self.spec.line, src), kinds(self, self.line, dst)
        if src_kinds and dst_kinds:
            # request: every kind the spec may send must be read; response: every kind the line
            # may send must be decoded (an integer is a number).
            sent, read = (src_kinds, dst_kinds) if side == "request" else (dst_kinds, src_kinds)
            missing = {k for k in sent - read if not (k == "integer" and "number" in read)}
            if missing:
                sender, reader = ("spec", "line") if side == "request" else ("line", "spec")
                self.add(side, where, f"the {sender} may send {' or '.join(sorted(sent))}; the {reader} "
                                      f"reads {' or '.join(sorted(read))}")
                return
        tag = discriminator(src)
        if tag is not None:
            self.compare_tagged(side, src, dst, tag, where)
        elif arms(src) or arms(dst):
            self.compare_arms(side, src, dst, where)
        elif "object" in src_kinds and (src.get("properties") or dst.get("properties")):
            self.compare_objects(side, src, dst, where)
        elif "array" in src_kinds and isinstance(src.get("items"), dict) and isinstance(dst.get("items"),
                                                                                        dict):
            self.compare(side, src["items"], dst["items"], where + "[]")
        elif side == "request" and "enum" in src and "enum" in dst:
            unknown = [v for v in src["enum"] if v not in dst["enum"]]
            if unknown:
                self.add(side, where, "values the line does not accept: " + ", ".join(map(str, unknown)))

    def compare_objects(self, side: str, src: dict[str, Any], dst: dict[str, Any], where: str) -> None:
        src_props, dst_props = src.get("properties") or {}, dst.get("properties") or {}
        src_required, dst_required = required(src), required(dst)
        schema = re.sub(r" \(line: [^)]*\)", "", where).split(".")[0].split("[")[0]
        if side == "response":
            for prop, node in src_props.items():
                if prop not in src_required or is_nullable(node) or (schema, prop) in ERRATA_NULLABLE:
                    continue
                if prop not in dst_props:
                    self.add(side, f"{where}.{prop}", "required by the spec; absent in the line's schema")
                elif prop not in dst_required or is_nullable(dst_props[prop]):
                    self.add(side, f"{where}.{prop}", "required by the spec; optional or null in the line's "
                                                      "schema")
        else:
            for prop, node in dst_props.items():
                if prop not in dst_required or is_nullable(node) or (f"{where}.{prop}", self.line) in (
                        DOCUMENT_ONLY_REQUIREMENTS):
                    continue
                if prop not in src_props:
                    self.add(side, f"{where}.{prop}", "required by the line; the spec has no such property")
                elif (not (prop in src_required or always_sent(src_props[prop]))
                      or is_nullable(src_props[prop])):
                    self.add(side, f"{where}.{prop}", "required by the line; optional in the spec")
            if dst_props:
                for prop in sorted(src_props.keys() - dst_props.keys()):
                    self.add(side, f"{where}.{prop}", "unknown to the line's schema (dropped or refused)")
        for prop in sorted(src_props.keys() & dst_props.keys()):
            self.compare(side, src_props[prop], dst_props[prop], f"{where}.{prop}")

    def compare_tagged(self, side: str, src: dict[str, Any], dst: dict[str, Any], tag: str,
                       where: str) -> None:
        src_arms, dst_arms = tag_map(self, self.spec.line, src, tag), tag_map(self, self.line, dst, tag)
        if side == "request":
            unknown = sorted(set(src_arms) - set(dst_arms))
            if dst_arms and unknown:
                self.add(side, where, f"{tag} values the line does not know: {', '.join(unknown)}")
        for value in sorted(src_arms.keys() & dst_arms.keys()):
            self.compare(side, src_arms[value], dst_arms[value], f"{where}<{value}>")

    def compare_arms(self, side: str, src: dict[str, Any], dst: dict[str, Any], where: str) -> None:
        """Untagged unions: arms of the same schema name, else the only arm of a JSON kind."""
        src_arms, dst_arms = arms(src) or [src], arms(dst) or [dst]
        for arm in src_arms:
            name = ref_name(arm)
            twin = next((other for other in dst_arms if name and ref_name(other) == name), None)
            if twin is None:
                arm_kinds = kinds(self, self.spec.line, arm)
                same_kind = [o for o in dst_arms if kinds(self, self.line, o) == arm_kinds]
                src_same = [o for o in src_arms if kinds(self, self.spec.line, o) == arm_kinds]
                twin = same_kind[0] if len(same_kind) == 1 and len(src_same) == 1 else None
            if twin is not None:
                self.compare(side, arm, twin, where)

    # --- operations -------------------------------------------------------------------------

    def request(self, src_op: dict[str, Any], dst_op: dict[str, Any]) -> None:
        name = f"{self.spec.name} request"
        src_fields = fields(self, self.spec.line, src_op)
        dst_fields = fields(self, self.line, dst_op)
        for wire, (location, is_required, node) in dst_fields.items():
            is_required = is_required and (f"{name}.{wire}", self.line) not in DOCUMENT_ONLY_REQUIREMENTS
            mine = src_fields.get(wire)
            if mine is None:
                if is_required:
                    self.add("request", f"{name}.{wire}", "required by the line; the spec has no such field")
                continue
            if mine[0] != location:
                self.add("request", f"{name}.{wire}", f"sent in the {mine[0]}; the line reads it from the "
                                                       f"{location}")
            if is_required and not mine[1]:
                self.add("request", f"{name}.{wire}", "required by the line; optional in the spec")
            self.compare("request", mine[2], node, f"{name}.{wire}")

    def response(self, src_op: dict[str, Any], dst_op: dict[str, Any]) -> None:
        src_answers, dst_answers = answers(src_op), answers(dst_op)
        if self.spec.name not in RESPONSE_OVERRIDES and "application/json" in src_answers:
            if "application/json" not in dst_answers:
                self.add("response", f"{self.spec.name} response", "the line's document declares no JSON "
                                                                   "answer")
            else:
                self.compare("response", src_answers["application/json"], dst_answers["application/json"],
                             f"{self.spec.name} response")
        if "text/event-stream" in src_answers:
            if "text/event-stream" not in dst_answers:
                self.add("response", f"{self.spec.name} stream", "the line's document declares no event "
                                                                 "stream")
            else:
                self.compare("response", src_answers["text/event-stream"], dst_answers["text/event-stream"],
                             f"{self.spec.name} stream")


def differences(documents: dict[str, Any], specs: list[SpecDef]) -> list[Difference]:
    """Every shape difference of every spec on every other line that serves it."""
    out: list[Difference] = []
    for spec in specs:
        own = spec.routes[spec.line]
        assert own.operation is not None, spec.name
        for line, route in spec.routes.items():
            if line == spec.line or route.operation is None:
                continue
            walk = _Walk(documents, spec, line)
            walk.request(own.operation, route.operation)
            walk.response(own.operation, route.operation)
            out.extend(walk.found)
    return out


def shape_table(found: list[Difference]) -> list[str]:
    """Markdown rows: one per place and difference, with the lines and specs it affects."""
    grouped: dict[tuple[str, str, str], dict[str, set[str]]] = {}
    for diff in found:
        grouped.setdefault((diff.side, diff.where, diff.what), {}).setdefault(diff.line, set()).add(diff.spec)
    rows = ["| Side | Where (0.7 or 0.2 schema path) | Difference | Lines | Specs |", "|---|---|---|---|---|"]
    for (side, where, what), by_line in sorted(grouped.items()):
        lines = sorted(by_line, key=SERVER_LINES.index)
        specs = sorted({spec for names in by_line.values() for spec in names})
        rows.append(f"| {side} | `{where}` | {what} | {', '.join(lines)} | {', '.join(specs)} |")
    return rows


# --- reading schema nodes ---------------------------------------------------------------------


def kinds(walk: _Walk, line: str, node: dict[str, Any]) -> set[str]:
    """The JSON kinds a node allows (null aside); empty: any."""
    _, node = walk.resolve(line, node)
    if arms(node):
        out: set[str] = set()
        for arm in arms(node):
            arm_kinds = kinds(walk, line, arm)
            if not arm_kinds and arm.get("type") != "null":
                return set()
            out |= arm_kinds
        return out
    kind = node.get("type")
    if isinstance(kind, list):
        return {k for k in kind if k in _KINDS}
    if kind in _KINDS:
        return {kind}
    if "properties" in node or "additionalProperties" in node:
        return {"object"}
    if "enum" in node or "const" in node:
        values = node.get("enum") or [node.get("const")]
        return {{str: "string", bool: "boolean", int: "integer", float: "number"}.get(type(v), "string")
                for v in values}
    return set()


def arms(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [arm for arm in node.get("oneOf") or node.get("anyOf") or [] if arm.get("type") != "null"]


def ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return base_name(ref.rsplit("/", 1)[-1]) if ref else None


def discriminator(node: dict[str, Any]) -> str | None:
    found = node.get("discriminator", {}).get("propertyName")
    return found if isinstance(found, str) else None


def tag_map(walk: _Walk, line: str, node: dict[str, Any], tag: str) -> dict[str, dict[str, Any]]:
    """Tag value -> arm: from the discriminator's mapping, else from each arm's constant tag."""
    mapping = node.get("discriminator", {}).get("mapping") or {}
    out = {str(value): {"$ref": ref} for value, ref in mapping.items()}
    for arm in arms(node):
        _, resolved = walk.resolve(line, arm)
        prop = (resolved.get("properties") or {}).get(tag, {})
        for value in prop.get("enum") or ([prop["const"]] if "const" in prop else []):
            out.setdefault(str(value), arm)
    return out


def always_sent(node: dict[str, Any]) -> bool:
    """Whether the spec's models send a property even when the caller leaves it unset: a
    constant (a union tag) or an empty list/object default (the generated default_factory)."""
    return "const" in node or len(node.get("enum") or []) == 1 or node.get("default") in ([], {})


def required(node: dict[str, Any]) -> set[str]:
    return set(node.get("required") or [])


def fields(walk: _Walk, line: str, op: dict[str, Any]) -> dict[str, tuple[str, bool, dict[str, Any]]]:
    """wire name -> (location, required, schema) of an operation's query/header parameters and
    body properties."""
    out = {p["name"]: (p["in"], bool(p.get("required")), p.get("schema") or {})
           for p in op.get("parameters", []) if p.get("in") != "path"}
    body = request_body_schema(walk.documents[line], op)
    if body is not None:
        for prop, node in (body.get("properties") or {}).items():
            out[prop] = ("body", prop in required(body) and not is_nullable(node), node)
    return out


def answers(op: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Media type -> schema of an operation's 2xx answers."""
    out: dict[str, dict[str, Any]] = {}
    for status, answer in op.get("responses", {}).items():
        if status.startswith("2"):
            for media, content in (answer.get("content") or {}).items():
                out.setdefault(media, content.get("schema") or {})
    return out

