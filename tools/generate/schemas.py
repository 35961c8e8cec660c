"""The type and schema builder: OpenAPI schemas to type expressions and model definitions."""

from __future__ import annotations

import json
from typing import Any

from tools.generate.definitions import (
    ANY,
    NONE,
    STR,
    Definition,
    FieldDef,
    GeneratorError,
    SpecDef,
    T,
    optional,
    refs,
    strip_optional,
)
from tools.generate.descriptions import described, other_versions, property_description, split_summary
from tools.generate.errata import ERRATA_NULLABLE
from tools.generate.naming import (
    INLINE_NAMES,
    MODEL_RESERVED,
    RENAMES,
    SHARED_WITH_0_7,
    base_name,
    camel,
    python_name,
)

__all__ = [
    "Builder",
    "common_tag",
    "const_of",
    "dict_of",
    "is_nullable",
    "json_kind",
    "literal_of",
    "schema_kind",
    "structure",
    "union_key",
]


def structure(schema: Any) -> str:
    """A fingerprint of a schema without its prose, to recognise an inline copy of a named one."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items()
                    if k not in ("description", "title", "examples", "example", "deprecated")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        if isinstance(node, str):
            return base_name(node)
        return node

    return json.dumps(strip(schema), sort_keys=True)


class Builder:
    """Turns the schemas of the documents into definitions (and holds the specs built on them)."""

    def __init__(self, documents: dict[str, Any], described_by: dict[str, Any] | None = None) -> None:
        self.documents = documents  # the source lines' documents (SOURCE_LINES)
        # every line's documents, where a description the source document lacks is looked up
        self.described_by = described_by or documents
        self.defs: dict[str, Definition] = {}
        self.by_schema: dict[tuple[str, str], str] = {}  # (line, schema name) -> definition name
        self.by_structure: dict[tuple[str, str], str] = {}  # (line, fingerprint + title) -> inline model
        self.tagged_by_arms: dict[tuple[str, frozenset[str]], str] = {}
        self.specs: list[SpecDef] = []
        self._named_unions: dict[str, dict[tuple[str, frozenset[str]], str]] = {}
        self.tag_values: dict[tuple[str, str], set[str]] = {}  # (model, tag) -> values

    # schemas ------------------------------------------------------------------------------------

    def schema(self, line: str, name: str) -> dict[str, Any]:
        schemas: dict[str, dict[str, Any]] = self.documents[line]["components"]["schemas"]
        base = base_name(name)
        return schemas[base] if base in schemas else schemas[name]

    def resolve(self, line: str, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.schema(line, node["$ref"].rsplit("/", 1)[-1])
        return node

    def definition_for(self, line: str, schema_name: str) -> str:
        """The definition of a named schema, building it on first use."""
        schema_name = base_name(schema_name)
        key = (line, schema_name)
        if key in self.by_schema:
            return self.by_schema[key]
        if line == "0.2" and schema_name in SHARED_WITH_0_7:
            name = self.definition_for("0.7", schema_name)
            self.by_schema[key] = name
            return name
        name = RENAMES.get(key, schema_name)
        if name in self.defs or not name.isidentifier():
            raise GeneratorError(f"{line} schema {schema_name!r} needs an entry in RENAMES "
                                 f"({name!r} is taken or not an identifier)")
        self.by_schema[key] = name
        schema = self.schema(line, schema_name)
        self.build_named(line, name, schema)
        return name

    def build_named(self, line: str, name: str, schema: dict[str, Any]) -> None:
        kind = schema_kind(schema)
        doc, _ = split_summary(described(schema))
        if kind == "model":
            self.build_model(line, name, schema)
        elif kind == "enum":
            self.defs[name] = Definition(name, "enum", line, doc, type=literal_of(schema))
        elif "discriminator" in schema:
            t = self.tagged(line, schema, name, preferred=name)
            if t.name != name:  # the same union is known under another name
                self.defs[name] = Definition(name, "alias", line, doc, type=t, deps={t.name})
            else:
                self.defs[name].doc = doc
        else:
            placeholder = Definition(name, "alias", line, doc)
            self.defs[name] = placeholder
            key = "oneOf" if "oneOf" in schema else "anyOf"
            arms = [arm for arm in schema[key] if arm.get("type") != "null"]
            t = self.union(line, [self.type_of(line, arm, name) for arm in arms], name)
            if len(arms) < len(schema[key]):
                t = optional(t)
            placeholder.type = t
            placeholder.deps = refs(t)

    def unique(self, name: str) -> str:
        """A name for an inline definition that no definition or named schema has."""
        name = INLINE_NAMES.get(name, name)
        candidate, n = name, 1
        while candidate in self.defs or any(self.schema_exists(ln, candidate) for ln in self.documents):
            n += 1
            candidate = f"{name}{n}"
        return candidate

    def build_model(self, line: str, name: str, schema: dict[str, Any]) -> None:
        named = next((s for (ln, s), n in self.by_schema.items() if n == name and ln == line), None)
        schema_name = named or name
        # Where descriptions come from: this schema, else the same schema of the other lines
        # (newest first). An inline object has only its own.
        versions = [schema] if named is None else [schema, *other_versions(self.described_by, line, named)]
        summary, description = split_summary(next(filter(None, map(described, versions)), ""))
        definition = Definition(name, "model", line, summary, description=description)
        self.defs[name] = definition
        required = set(schema.get("required", []))
        taken: set[str] = set()
        for wire, prop in (schema.get("properties") or {}).items():
            context = name + camel(wire)
            t = self.type_of(line, prop, context)
            nullable = (schema_name, wire) in ERRATA_NULLABLE
            const = const_of(prop)
            attr = python_name(wire, MODEL_RESERVED | set(self.defs))
            if attr in taken:
                raise GeneratorError(f"{name}: two properties become {attr!r}")
            taken.add(attr)
            default = prop.get("default")
            if const is not None:
                fd = FieldDef(attr, wire, T("literal", values=(const,)), False, default=json.dumps(const))
            elif wire in required and not nullable and not is_nullable(prop) and t.kind not in ("optional",):
                fd = FieldDef(attr, wire, t, True)
            elif isinstance(default, list) and not default and strip_optional(t)[0].kind == "list":
                fd = FieldDef(attr, wire, t, False, factory="list")
            elif isinstance(default, dict) and not default and strip_optional(t)[0].kind == "dict":
                fd = FieldDef(attr, wire, t, False, factory="dict")
            else:
                fd = FieldDef(attr, wire, optional(t), False, default="None")
            fd.schema_default = default
            fd.doc = next(filter(None, (property_description(v, wire) for v in versions)), "")
            definition.fields.append(fd)
            definition.deps |= refs(fd.type)

    # types --------------------------------------------------------------------------------------

    def type_of(self, line: str, node: dict[str, Any], context: str) -> T:
        """The Python type of a schema node; inline objects and unions are named after context."""
        if "$ref" in node:
            target = node["$ref"].rsplit("/", 1)[-1]
            resolved = self.schema(line, target)
            if schema_kind(resolved) == "free":
                t = dict_of(self, line, resolved, context)
            else:
                t = T("ref", self.definition_for(line, target))
            return optional(t) if node.get("nullable") else t
        if "allOf" in node and len(node["allOf"]) == 1:
            return self.type_of(line, {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}},
                                context)
        for key in ("oneOf", "anyOf"):
            if key in node:
                arms = [arm for arm in node[key] if arm.get("type") != "null"]
                nullable = len(arms) < len(node[key]) or bool(node.get("nullable"))
                if "discriminator" in node:
                    t = self.tagged(line, node, context)
                else:
                    named = self.named_with_structure(line, structure({key: arms}), "union")
                    if named:  # an inline copy of a named union
                        t = T("ref", self.definition_for(line, named))
                    else:
                        t = self.union(line, [self.type_of(line, arm, context) for arm in arms], context)
                return optional(t) if nullable else t
        const = const_of(node)
        if const is not None:
            t = T("literal", values=(const,))
        elif "enum" in node:
            t = literal_of(node)
        else:
            kind = node.get("type")
            if isinstance(kind, list):
                kinds = [k for k in kind if k != "null"]
                t = self.type_of(line, {**node, "type": kinds[0] if len(kinds) == 1 else None}, context)
                return optional(t) if "null" in kind else t
            if kind == "string":
                t = T("binary") if node.get("format") == "binary" else STR
            elif kind == "integer":
                t = T("prim", "int")
            elif kind == "number":
                t = T("prim", "float")
            elif kind == "boolean":
                t = T("prim", "bool")
            elif kind == "null":
                t = NONE
            elif kind == "array":
                items = node.get("items") or {}
                t = T("list", args=(self.type_of(line, items, context) if items else ANY,))
            elif kind == "object" or "properties" in node:
                if node.get("properties"):
                    t = T("ref", self.inline_model(line, node, context))
                else:
                    t = dict_of(self, line, node, context)
            else:
                t = ANY
        return optional(t) if node.get("nullable") else t

    def inline_model(self, line: str, node: dict[str, Any], context: str) -> str:
        fp = structure(node)
        # Two inline objects of one shape but different titles (0.2's Attachment and Document)
        # stay two classes.
        known = self.by_structure.get((line, fp + str(node.get("title", ""))))
        if known:
            return known
        named = self.named_with_structure(line, fp)
        if named:
            return self.definition_for(line, named)
        title = node.get("title")
        name = title if isinstance(title, str) and title.isidentifier() and title[0].isupper() else context
        if name in self.defs or any(self.schema_exists(ln, name) for ln in self.documents):
            name = self.unique(context)
        self.by_structure[(line, fp + str(node.get("title", "")))] = name
        self.build_model(line, name, node)
        return name

    def schema_exists(self, line: str, name: str) -> bool:
        return name in self.documents[line]["components"]["schemas"]

    def named_with_structure(self, line: str, fp: str, kind: str = "model") -> str | None:
        for name, schema in self.documents[line]["components"]["schemas"].items():
            if schema_kind(schema) != kind or "discriminator" in schema:
                continue
            if kind == "union":
                key = "oneOf" if "oneOf" in schema else "anyOf"
                schema = {key: [arm for arm in schema[key] if arm.get("type") != "null"]}
            if structure(schema) == fp:
                return str(name)
        return None

    def tagged(self, line: str, node: dict[str, Any], context: str, preferred: str | None = None) -> T:
        tag = node["discriminator"]["propertyName"]
        if preferred is None:
            named = self.named_unions(line).get(union_key(node))
            if named:
                return T("ref", self.definition_for(line, named))
        mapping = node["discriminator"].get("mapping") or {}
        arms: list[str] = []
        for arm in node.get("oneOf") or node.get("anyOf") or []:
            t = self.type_of(line, arm, context)
            if t.kind != "ref" or self.defs[t.name].kind != "model":
                raise GeneratorError(f"{context}: discriminated union arm {arm} is not a model")
            if t.name not in arms:
                arms.append(t.name)
        values: dict[str, set[str]] = {arm: set() for arm in arms}
        for value, ref in mapping.items():
            target = self.definition_for(line, ref.rsplit("/", 1)[-1])
            values.setdefault(target, set()).add(value)
        for arm, tag_values in values.items():
            self.set_tag(arm, tag, tag_values)
        return T("ref", self.tagged_union(line, tag, arms, preferred or self.unique(context)))

    def named_unions(self, line: str) -> dict[tuple[str, frozenset[str]], str]:
        """The document's named discriminated unions by (tag, arm schema names)."""
        cache = self._named_unions.get(line)
        if cache is None:
            cache = {}
            for name, schema in self.documents[line]["components"]["schemas"].items():
                if "discriminator" in schema:
                    cache.setdefault(union_key(schema), name)
            self._named_unions[line] = cache
        return cache

    def set_tag(self, model: str, tag: str, values: set[str]) -> None:
        """Make the tag field of a union arm a Literal of the values that select it."""
        definition = self.defs[model]
        fd = next((f for f in definition.fields if f.wire == tag), None)
        if fd is None:
            raise GeneratorError(f"{model} has no tag field {tag!r}")
        base, _ = strip_optional(fd.type)
        known = set(base.values) if base.kind == "literal" else set()
        if values and not values <= known:
            if len(known) == 1:
                raise GeneratorError(f"{model}.{tag} is {known} but a union selects it by {values}")
            merged = self.tag_values.setdefault((model, tag), set()) | values
            self.tag_values[(model, tag)] = merged
            base = T("literal", values=tuple(sorted(merged)))
        if base.kind != "literal":
            raise GeneratorError(f"{model}.{tag}: a union tag needs constant values")
        # A tag is never null, and defaults to its only value (or the schema's default).
        default = base.values[0] if len(base.values) == 1 else fd.schema_default
        fd.type = base
        fd.required = default not in base.values
        fd.default = None if fd.required else json.dumps(default)

    def tagged_union(self, line: str, tag: str, arms: list[str], name: str) -> str:
        key = (tag, frozenset(arms))
        existing = self.tagged_by_arms.get(key)
        if existing:
            return existing
        self.tagged_by_arms[key] = name
        self.defs[name] = Definition(name, "tagged", line, tag=tag, arms=list(arms), deps=set(arms))
        return name

    def union(self, line: str, arms: list[T], context: str) -> T:
        """An untagged union: arms must take different JSON kinds; object arms that each carry a
        constant tag become a TaggedUnion, other overlaps are widened."""
        flat: list[T] = []
        for arm in arms:
            arm, _ = strip_optional(arm) if arm.kind == "optional" else (arm, False)
            if arm.kind == "union":
                flat.extend(arm.args)
            elif arm not in flat:
                flat.append(arm)
        if any(arm.kind == "any" for arm in flat):
            return ANY
        by_kind: dict[str, list[T]] = {}
        for arm in flat:
            by_kind.setdefault(json_kind(self, arm), []).append(arm)
        if {"array", "object"} <= set(by_kind) and len(by_kind) >= 4:
            return ANY  # "any JSON value", spelled out kind by kind
        result: list[T] = []
        for kind, group in by_kind.items():
            if len(group) == 1:
                result.append(group[0])
            elif kind == "string":
                if all(arm.kind == "literal" for arm in group):
                    result.append(T("literal", values=tuple(v for arm in group for v in arm.values)))
                else:
                    result.append(STR)
            elif kind == "number":
                result.extend(group)  # int | float: the decoder keeps JSON integers as int
            elif kind == "array":  # list[A] | list[B] is read as list[A | B]
                items = self.union(line, [arm.args[0] for arm in group], context)
                result.append(T("list", args=(items,)))
            elif kind == "object":
                result.append(self.object_arms(line, group, context))
            else:
                raise GeneratorError(f"{context}: cannot merge union arms {group}")
        if len(result) == 1:
            return result[0]
        return T("union", args=tuple(result))

    def object_arms(self, line: str, group: list[T], context: str) -> T:
        models: list[str] = []
        for arm in group:
            if arm.kind != "ref":
                return T("dict", args=(ANY,))
            definition = self.defs[arm.name]
            if definition.kind == "tagged":
                models.extend(a for a in definition.arms if a not in models)
            elif definition.kind == "model":
                if arm.name not in models:
                    models.append(arm.name)
            else:
                return T("dict", args=(ANY,))
        tag = common_tag(self, models)
        if tag is None:
            return T("dict", args=(ANY,))
        return T("ref", self.tagged_union(line, tag, models, self.unique(context)))


def schema_kind(schema: dict[str, Any]) -> str:
    if "oneOf" in schema or "anyOf" in schema:
        return "union"
    if "enum" in schema and schema.get("type", "string") == "string":
        return "enum"
    if schema.get("properties"):
        return "model"
    if schema.get("type") == "object" or "additionalProperties" in schema:
        return "free"
    return "other"


def const_of(node: dict[str, Any]) -> Any:
    if "const" in node:
        return node["const"]
    enum = node.get("enum")
    if isinstance(enum, list) and len(enum) == 1:
        return enum[0]
    return None


def union_key(node: dict[str, Any]) -> tuple[str, frozenset[str]]:
    arms = node.get("oneOf") or node.get("anyOf") or []
    names = {base_name(arm.get("$ref", "").rsplit("/", 1)[-1]) for arm in arms}
    return node["discriminator"]["propertyName"], frozenset(names)


def literal_of(node: dict[str, Any]) -> T:
    return T("literal", values=tuple(node["enum"]))


def is_nullable(node: dict[str, Any]) -> bool:
    if node.get("nullable"):
        return True
    for key in ("anyOf", "oneOf"):
        if any(arm.get("type") == "null" for arm in node.get(key, [])):
            return True
    kind = node.get("type")
    return isinstance(kind, list) and "null" in kind


def dict_of(builder: Builder, line: str, node: dict[str, Any], context: str) -> T:
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        return T("dict", args=(builder.type_of(line, extra, context),))
    return T("dict", args=(ANY,))


def json_kind(builder: Builder, t: T) -> str:
    if t.kind == "prim":
        return {"str": "string", "int": "number", "float": "number", "bool": "boolean"}[t.name]
    if t.kind == "literal":
        return "string" if isinstance(t.values[0], str) else "number"
    if t.kind == "list":
        return "array"
    if t.kind == "dict":
        return "object"
    if t.kind == "binary":
        return "string"
    if t.kind == "none":
        return "null"
    if t.kind == "ref":
        definition = builder.defs[t.name]
        if definition.kind in ("model", "tagged"):
            return "object"
        if definition.kind == "enum":
            return "string"
        if definition.type is None:
            raise GeneratorError(f"{t.name} refers to itself through a union")
        return json_kind(builder, definition.type)
    if t.kind == "union":
        return "mixed"
    return "any"


def common_tag(builder: Builder, models: list[str]) -> str | None:
    """A property every model declares as a distinct constant: the union's tag."""
    candidates: set[str] | None = None
    for model in models:
        consts = {f.wire for f in builder.defs[model].fields
                  if f.type.kind == "literal" and f.default is not None}
        candidates = consts if candidates is None else candidates & consts
    for tag in sorted(candidates or ()):
        seen: set[Any] = set()
        for model in models:
            fd = next(f for f in builder.defs[model].fields if f.wire == tag)
            if seen & set(fd.type.values):
                break
            seen |= set(fd.type.values)
        else:
            return tag
    return None
