"""Walking an OpenAPI schema and a Python type side by side (for tests/unit/test_contract.py)."""

from __future__ import annotations

import dataclasses
import re
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from llamastack.decoding import decoder_for
from llamastack.models.base import tagged_union_for
from tests.unit.fixtures import documents, generator

__all__ = ["NONE_TYPE", "ShapeChecker", "has_default", "nullable", "resolve"]

NONE_TYPE = type(None)


def resolve(node: dict[str, Any], line: str) -> tuple[str | None, dict[str, Any]]:
    name = None
    while "$ref" in node:
        name = re.sub(r"-(Input|Output)$", "", node["$ref"].rsplit("/", 1)[-1])
        schemas = documents()[line]["components"]["schemas"]
        node = schemas.get(name) or schemas[node["$ref"].rsplit("/", 1)[-1]]
    return name, node


def nullable(node: dict[str, Any]) -> bool:
    arms = node.get("anyOf") or node.get("oneOf") or []
    return bool(node.get("nullable")) or any(arm.get("type") == "null" for arm in arms)


def has_default(field: dataclasses.Field[Any]) -> bool:
    return field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING


class ShapeChecker:
    """Walks a schema and a Python type side by side."""

    def __init__(self, line: str) -> None:
        self.line = line
        self.seen: set[tuple[str, Any]] = set()
        self.problems: list[str] = []
        self.errata = generator().ERRATA_NULLABLE

    def fail(self, where: str, problem: str) -> None:
        self.problems.append(f"{where}: {problem}")

    def check(self, node: dict[str, Any], tp: Any, where: str) -> None:
        name, node = resolve(node, self.line)
        tp = strip_none(tp)
        if tp is Any:
            return
        arms = [a for a in node.get("oneOf") or node.get("anyOf") or [] if a.get("type") != "null"]
        if "discriminator" in node:
            self.check_tagged(node, tp, where)
        elif len(arms) == 1:
            self.check(arms[0], tp, where)
        elif arms:
            self.check_untagged(arms, tp, where)
        elif node.get("properties"):
            self.check_model(name, node, tp, where)
        elif "enum" in node or "const" in node:
            if not (get_origin(tp) is Literal or tp is str):
                self.fail(where, f"an enum should be a Literal or str, not {tp!r}")
        else:
            self.check_plain(node, tp, where)

    def check_plain(self, node: dict[str, Any], tp: Any, where: str) -> None:
        kind = node.get("type")
        allowed = {"string": (str, bytes), "integer": (int,), "number": (float,), "boolean": (bool,),
                   "null": (NONE_TYPE,)}
        if kind in allowed:
            if tp not in allowed[kind] and not (kind == "number" and set(get_args(tp)) == {int, float}):
                self.fail(where, f"{kind} declared as {tp!r}")
        elif kind == "array":
            if get_origin(tp) is not list:
                self.fail(where, f"an array declared as {tp!r}")
            elif node.get("items"):
                self.check(node["items"], get_args(tp)[0], where + "[]")
        elif (kind == "object" or not kind) and not (
                get_origin(tp) is dict or tp is dict or dataclasses.is_dataclass(tp)):
            self.fail(where, f"a free-form object declared as {tp!r}")

    def check_untagged(self, arms: list[dict[str, Any]], tp: Any, where: str) -> None:
        if tagged_union_for(tp) is not None or dataclasses.is_dataclass(tp) or get_origin(tp) is dict:
            return  # object arms merged into one TaggedUnion (by a common constant) or a dict
        if get_origin(tp) not in (Union, types.UnionType, Literal, list) and tp is not str:
            self.fail(where, f"a union declared as {tp!r}")
        decoder_for(tp)  # arms of one JSON kind would have been refused here

    def check_tagged(self, node: dict[str, Any], tp: Any, where: str) -> None:
        tagged = tagged_union_for(tp)
        if tagged is None:
            self.fail(where, f"a discriminated union declared as {tp!r}, not a TaggedUnion")
            return
        if tagged.tag != node["discriminator"]["propertyName"]:
            self.fail(where, f"tagged by {tagged.tag!r}, the schema by {node['discriminator']}")
        mapping = node["discriminator"].get("mapping") or {}
        for value, ref in mapping.items():
            arm = tagged.arms.get(value)
            if arm is None:
                self.fail(where, f"tag {value!r} has no arm")
            else:
                self.check({"$ref": ref}, arm, f"{where}<{value}>")

    def check_model(self, name: str | None, node: dict[str, Any], tp: Any, where: str) -> None:
        if not (isinstance(tp, type) and dataclasses.is_dataclass(tp)):
            if not (get_origin(tp) is dict or tp is dict):
                self.fail(where, f"an object with properties declared as {tp!r}")
            return
        key = (name or repr(sorted(node["properties"])), tp)
        if key in self.seen:
            return
        self.seen.add(key)
        where = f"{where}:{tp.__name__}"
        hints = get_type_hints(tp)
        wire = {}
        for field in dataclasses.fields(tp):
            if field.name != "model_extra":
                override = field.metadata.get("dataclasses_json", {}).get("letter_case")
                wire[override(field.name) if override else field.name] = field
        properties = node["properties"]
        if set(wire) != set(properties):
            self.fail(where, f"fields {sorted(set(wire) ^ set(properties))} differ from the schema")
        home = "0.2" if tp.__module__.endswith(".agents") else "0.7"
        must = {prop for prop in node.get("required", [])
                if prop in properties and not nullable(properties[prop])
                and (name, prop) not in self.errata and not is_const(properties[prop])}
        required = {w for w, f in wire.items() if not has_default(f)}
        if home == self.line:
            if required != must:
                self.fail(where, f"required {sorted(required)}, schema {sorted(must)}")
            for prop in must & set(wire):
                if accepts_none(hints[wire[prop].name]):
                    self.fail(f"{where}.{prop}", "required and not nullable, but declared Optional")
        elif not required <= must:  # a 0.7 model shared with 0.2 may be more lenient, never stricter
            self.fail(where, f"requires {sorted(required - must)} which the {self.line} schema does not")
        for prop, sub in properties.items():
            if prop in wire:
                self.check(sub, hints[wire[prop].name], f"{where}.{prop}")


def is_const(node: dict[str, Any]) -> bool:
    return "const" in node or len(node.get("enum") or []) == 1


def strip_none(tp: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        rest = tuple(a for a in get_args(tp) if a is not NONE_TYPE)
        if len(rest) == 1:
            return rest[0]
        if len(rest) < len(get_args(tp)):
            return Union[rest]
    return tp


def accepts_none(tp: Any) -> bool:
    return tp is Any or (get_origin(tp) in (Union, types.UnionType) and NONE_TYPE in get_args(tp))
