"""Every spec class against the pinned OpenAPI documents in specs/.

Covered operations: every operation of the 0.7 document and the Agents operations (paths under
/v1/agents) of the 0.2 document. For each spec: its (method, path) exists in the document of
each server line it names, path parameters, query parameters and body properties match its
fields (required ones without a default, optional ones defaulting to None), its response and
stream chunk types have the schema's shape, it streams exactly when the operation can answer
text/event-stream, and it pages exactly when the operation takes after/limit or
start_index/limit. Deviations are only the documented errata (specs/README.md), which the
generator keeps in its ERRATA_NULLABLE and RESPONSE_OVERRIDES tables.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections import Counter
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

import pytest

import llamastack.endpoints as endpoints
import llamastack.models as models
from llamastack.decoding import decoder_for
from llamastack.models.base import tagged_union_for
from llamastack.spec import CursorPaging, IndexPaging, Spec, plan_for, response_type_of
from tests.unit.fixtures import documents, generator

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
SPECS: list[type[Spec[Any]]] = [getattr(endpoints, name) for name in endpoints.__all__]
NONE_TYPE = type(None)


def covered_operations() -> dict[tuple[str, str, str], dict[str, Any]]:
    """(line, METHOD, path) -> operation, for the 111 operations the library must declare."""
    out = {}
    for line in generator().SOURCE_LINES:
        for path, item in documents()[line]["paths"].items():
            if line == "0.2" and not path.startswith("/v1/agents"):
                continue
            for method, op in item.items():
                if method in HTTP_METHODS:
                    out[(line, method.upper(), path)] = op
    return out


def group_of(spec: type) -> str:
    return spec.__module__.rsplit(".", 1)[-1]


def test_every_covered_operation_is_declared(capsys: pytest.CaptureFixture[str]) -> None:
    operations = covered_operations()
    declared = {(line, spec.method, spec.path) for spec in SPECS for line in spec.server_lines}
    missing = sorted(set(operations) - declared)
    per_group = Counter(group_of(spec) for spec in SPECS)
    found = len(set(operations) & declared)
    with capsys.disabled():
        print(f"\n{found}/{len(operations)} declared: "
              + ", ".join(f"{group} {count}" for group, count in sorted(per_group.items())))
    assert not missing, f"operations without a spec: {missing}"
    assert len(operations) == 111
    assert found == len(SPECS) == 111, "one spec per operation"


def test_specs_are_unique_per_operation() -> None:
    keys = Counter((spec.method, spec.path, spec.server_lines) for spec in SPECS)
    assert [key for key, count in keys.items() if count > 1] == []


def test_spec_and_model_exports_are_complete() -> None:
    assert len(endpoints.__all__) == len(set(endpoints.__all__)) == len(SPECS)
    assert set(dir(endpoints)) >= set(endpoints.__all__)
    for name in models.__all__:
        assert getattr(models, name) is not None
    with pytest.raises(AttributeError):
        endpoints.NoSuchSpec  # noqa: B018


# --- per spec -----------------------------------------------------------------------------------


def operation_of(spec: type, line: str) -> dict[str, Any]:
    op = documents()[line]["paths"].get(spec.path, {}).get(spec.method.lower())  # type: ignore[attr-defined]
    assert op is not None, f"{spec.__name__}: {spec.method} {spec.path} is not in the {line} document"  # type: ignore[attr-defined]
    return op  # type: ignore[no-any-return]


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


def fields_of(spec: type) -> dict[str, tuple[dataclasses.Field[Any], str, str]]:
    """wire name -> (field, location, attribute), as the request plan sees them."""
    plan = plan_for(spec)
    out: dict[str, tuple[dataclasses.Field[Any], str, str]] = {}
    for group in (plan.path_fields, plan.query_fields, plan.body_fields, plan.header_fields,
                  plan.file_fields, plan.json_fields):
        for fp in group:
            field = next(f for f in dataclasses.fields(spec) if f.name == fp.attr)
            out[fp.wire] = (field, fp.location, fp.attr)
    return out


def has_default(field: dataclasses.Field[Any]) -> bool:
    return field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING


def spec_lines(spec: type) -> list[tuple[type, str]]:
    return [(spec, line) for line in spec.server_lines]  # type: ignore[attr-defined]


SPEC_LINES = [pair for spec in SPECS for pair in spec_lines(spec)]
IDS = [f"{spec.__name__}-{line}" for spec, line in SPEC_LINES]


@pytest.mark.parametrize(("spec", "line"), SPEC_LINES, ids=IDS)
def test_request_fields_match_the_operation(spec: type, line: str) -> None:
    op = operation_of(spec, line)
    fields = fields_of(spec)
    expected: dict[str, tuple[str, bool]] = {}  # wire -> (location, required)
    for name in re.findall(r"\{(\w+)\}", spec.path):  # type: ignore[attr-defined]
        expected[name] = ("path", True)
    moved = generator().ERRATA_LOCATIONS  # where the real server reads a parameter instead
    for param in op.get("parameters", []):
        if param["in"] != "path":
            key = (line, spec.method, spec.path, param["name"])  # type: ignore[attr-defined]
            expected[param["name"]] = (moved.get(key, param["in"]), bool(param.get("required")))
        else:
            assert param["name"] in expected, f"path parameter {param['name']} not in the template"
    body = op.get("requestBody")
    if body:
        multipart = "multipart/form-data" in body["content"]
        media = "multipart/form-data" if multipart else "application/json"
        _, schema = resolve(body["content"][media]["schema"], line)
        required_props = set(schema.get("required", []))
        for wire, prop in (schema.get("properties") or {}).items():
            _, resolved = resolve(prop, line)
            arms = [resolve(a, line)[1] for a in (resolved.get("anyOf") or [resolved])]
            binary = any(arm.get("format") == "binary" for arm in arms)
            expected[wire] = ("file" if binary else "body", wire in required_props and not nullable(prop))
    assert set(fields) == set(expected), f"{spec.__name__}: fields differ from the operation"
    for wire, (location, required) in expected.items():
        field, actual_location, _ = fields[wire]
        assert actual_location == location, f"{spec.__name__}.{wire}: {actual_location} != {location}"
        if required:
            assert not has_default(field), f"{spec.__name__}.{wire} is required: no default"
        else:
            assert has_default(field) and field.default is None, (
                f"{spec.__name__}.{wire} is optional: it must default to None (omitted)")


@pytest.mark.parametrize(("spec", "line"), SPEC_LINES, ids=IDS)
def test_streaming_and_paging_match_the_operation(spec: type, line: str) -> None:
    op = operation_of(spec, line)
    media = {media for status, answer in op["responses"].items() if status.startswith("2")
             for media in (answer.get("content") or {})}
    assert (spec.stream_chunk is not None) == ("text/event-stream" in media), spec.__name__  # type: ignore[attr-defined]
    query = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
    paging = spec.paging  # type: ignore[attr-defined]
    if {"after", "limit"} <= query:
        assert isinstance(paging, CursorPaging), f"{spec.__name__} is a cursor list"
    elif {"start_index", "limit"} <= query:
        assert isinstance(paging, IndexPaging), f"{spec.__name__} is an index list"
    else:
        assert paging is None, f"{spec.__name__} does not page"


@pytest.mark.parametrize(("spec", "line"), SPEC_LINES, ids=IDS)
def test_response_types_have_the_schema_shape(spec: type, line: str) -> None:
    op = operation_of(spec, line)
    response: Any = None
    chunk: Any = None
    for status, answer in op["responses"].items():
        if status.startswith("2"):
            for media, content in (answer.get("content") or {}).items():
                if media == "application/json":
                    response = content["schema"]
                elif media == "text/event-stream":
                    chunk = content["schema"]
    declared = response_type_of(spec)
    override = generator().RESPONSE_OVERRIDES.get(spec.__name__)
    checker = ShapeChecker(line)
    if override is None:
        if response is None:
            assert declared in (None, NONE_TYPE), f"{spec.__name__}: the operation answers no body"
        else:
            checker.check(response, declared, spec.__name__)
    elif override == "Optional[Turn]":
        assert get_args(declared) == (models.Turn, NONE_TYPE)
        checker.check(response, models.Turn, spec.__name__)
    else:
        assert declared is {"None": NONE_TYPE, "bytes": bytes}[override]
    if chunk is not None:
        checker.check(chunk, spec.stream_chunk, f"{spec.__name__} chunk")  # type: ignore[attr-defined]
    assert not checker.problems, "\n".join(checker.problems)


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


def test_errata_name_real_properties() -> None:
    schemas = [document["components"]["schemas"] for document in documents().values()]
    for schema, prop in generator().ERRATA_NULLABLE:
        assert any(prop in (s.get(schema, {}).get("properties") or {}) for s in schemas), (schema, prop)


# --- everything builds ----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=[s.__name__ for s in SPECS])
def test_plan_and_decoders_build(spec: type) -> None:
    plan = plan_for(spec)
    assert plan.method == spec.method  # type: ignore[attr-defined]
    assert plan.decode_response is decoder_for(plan.response_type)
    if spec.stream_chunk is not None:  # type: ignore[attr-defined]
        assert plan.decode_chunk is decoder_for(spec.stream_chunk)  # type: ignore[attr-defined]
    doc = spec.__doc__ or ""
    assert doc.strip() and "\n" not in doc.strip(), f"{spec.__name__} needs a one-line docstring"


def test_every_model_and_union_has_a_decoder() -> None:
    for name in models.__all__:
        value = getattr(models, name)
        model = isinstance(value, type) and dataclasses.is_dataclass(value)
        if (model and value.__module__ != "llamastack.models.base") or get_origin(value) in (
                Union, types.UnionType, Literal):
            decoder_for(value)


def test_agent_turns_only_stream() -> None:
    assert endpoints.TurnCreate.stream_only and endpoints.TurnResume.stream_only
    assert [s.__name__ for s in SPECS if s.stream_only] == ["TurnCreate", "TurnResume"]
    assert {s.__name__ for s in SPECS if s.server_lines == ("0.2",)} == {
        "AgentCreate", "AgentDelete", "AgentList", "AgentRetrieve", "SessionCreate", "SessionDelete",
        "SessionList", "SessionRetrieve", "StepRetrieve", "TurnCreate", "TurnResume", "TurnRetrieve"}
