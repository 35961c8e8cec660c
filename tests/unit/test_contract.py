"""Every spec class against the pinned OpenAPI documents of every server line in specs/.

Covered operations: every operation of the 0.7 document and the Agents operations (paths under
/v1/agents) of the 0.2 document; each spec is declared from that source document. Against it:
path parameters, query parameters and body properties match the spec's fields (required ones
without a default, optional ones defaulting to None; no ``stream`` field where the operation
streams), its response and stream chunk types have the schema's shape, it streams exactly when
the operation can answer text/event-stream, and it pages exactly when the operation takes
after/limit or start_index/limit.

Against every line's documents: the route a spec declares for each line in ``server_lines`` is
there with that method, and it is the route the matching rules prefer (no other prefix serves it
without the deprecated flag); every other line lacks the operation at any prefix (and POST for a
PUT); each request field is carried by exactly the lines whose operation knows it. Deviations are
only the documented errata (specs/README.md), which the generator keeps in tools/generate/errata.py.
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections import Counter
from typing import Any, Literal, Union, get_args, get_origin

import pytest

import llamastack.endpoints as endpoints
import llamastack.models as models
from llamastack.decoding import decoder_for
from llamastack.spec import (
    NEWEST_LINE,
    SERVER_LINES,
    CursorPaging,
    IndexPaging,
    Spec,
    plan_for,
    response_type_of,
    serves,
)
from tests.unit.fixtures import ROOT, builder, documents, generator
from tests.unit.shape_checker import NONE_TYPE, ShapeChecker, has_default, nullable, resolve

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
PREFIXES = ("/v1/openai/v1", "/v1alpha", "/v1beta", "/v1")  # longest first
SPECS: list[type[Spec[Any]]] = [getattr(endpoints, name) for name in endpoints.__all__]
# The document each spec is declared from.
SOURCE: dict[str, str] = {name: line for line, _method, _path, _group, name in generator().OPERATIONS}


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


def source_line(spec: type) -> str:
    return SOURCE[spec.__name__]


def test_every_covered_operation_is_declared(capsys: pytest.CaptureFixture[str]) -> None:
    operations = covered_operations()
    declared = set()
    for spec in SPECS:
        plan = plan_for(spec, source_line(spec))
        declared.add((source_line(spec), plan.method, plan.path))
    missing = sorted(set(operations) - declared)
    per_group = Counter(group_of(spec) for spec in SPECS)
    found = len(set(operations) & declared)
    with capsys.disabled():
        print(f"\n{found}/{len(operations)} declared: "
              + ", ".join(f"{group} {count}" for group, count in sorted(per_group.items())))
    assert not missing, f"operations without a spec: {missing}"
    assert len(operations) == 111
    assert found == len(SPECS) == 111, "one spec per operation"


def test_every_line_serves_what_its_documents_say(capsys: pytest.CaptureFixture[str]) -> None:
    summary = []
    for line in SERVER_LINES:
        served = [spec for spec in SPECS if serves(spec, line)]
        moved = [s for s in served if plan_for(s, line).path != s.path]
        by_post = [s for s in served if plan_for(s, line).method != s.method]
        same = len(served) - len(moved) - len(by_post)
        summary.append(f"{line}: {len(served)}/{len(SPECS)} served ({same} at the declared route, "
                       f"{len(moved)} at another path, {len(by_post)} by another method)")
    with capsys.disabled():
        print("\n" + "\n".join(summary))
    # SERVER_LINES.md §3.1: 76 + 12 Agents, 88 + 12, 97, 97, 98, 99; but 0.4.7 cannot serve the
    # 4 connector operations its document lists (no implementation: ROUTE_ERRATA).
    assert [len([s for s in SPECS if serves(s, line)]) for line in SERVER_LINES] == [
        88, 100, 93, 97, 98, 99]


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


def test_the_library_knows_the_lines_the_documents_are_pinned_for() -> None:
    assert tuple(generator().DOCUMENTS) == SERVER_LINES
    assert SERVER_LINES[-1] == NEWEST_LINE
    for spec in SPECS:
        assert spec.server_lines and spec.server_lines == tuple(
            line for line in SERVER_LINES if line in spec.server_lines), spec.__name__
        newest = spec.server_lines[-1]
        assert newest not in spec.routes, f"{spec.__name__}: method/path are the newest line's route"


# --- per spec, against its source document ------------------------------------------------------


def operation_of(spec: type, line: str) -> dict[str, Any] | None:
    """The line document's operation at the route the spec declares for that line."""
    plan = plan_for(spec, line)
    return find_operation(line, plan.method, plan.path)


def find_operation(line: str, method: str, path: str) -> dict[str, Any] | None:
    """The operation at (method, path), whatever the document names the path parameters."""
    shape = re.sub(r"\{[^}]*\}", "{}", path)
    for document_path, item in documents()[line]["paths"].items():
        if re.sub(r"\{[^}]*\}", "{}", document_path) == shape and method.lower() in item:
            return item[method.lower()]  # type: ignore[no-any-return]
    return None


def source_operation(spec: type) -> dict[str, Any]:
    op = operation_of(spec, source_line(spec))
    assert op is not None, f"{spec.__name__} is not in its {source_line(spec)} document"
    return op


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


def answers(op: dict[str, Any]) -> dict[str, Any]:
    """Media type -> schema of the operation's 2xx answers."""
    return {media: content.get("schema") for status, answer in op["responses"].items()
            if status.startswith("2") for media, content in (answer.get("content") or {}).items()}


IDS = [spec.__name__ for spec in SPECS]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_request_fields_match_the_operation(spec: type) -> None:
    line = source_line(spec)
    op = source_operation(spec)
    fields = fields_of(spec)
    expected: dict[str, tuple[str, bool]] = {}  # wire -> (location, required)
    for name in re.findall(r"\{(\w+)\}", spec.path):  # type: ignore[attr-defined]
        expected[name] = ("path", True)
    moved = generator().ERRATA_LOCATIONS  # where the real server reads a parameter instead
    for param in op.get("parameters", []):
        if param["in"] != "path":
            key = (line, spec.method, plan_for(spec, line).path, param["name"])  # type: ignore[attr-defined]
            expected[param["name"]] = (moved.get(key, param["in"]), bool(param.get("required")))
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
    if "text/event-stream" in answers(op):
        # Streaming is no field: client.stream sends "stream": true (specs/README.md).
        assert expected.pop("stream", None) is not None and "stream" not in fields, spec.__name__
    assert set(fields) == set(expected), f"{spec.__name__}: fields differ from the operation"
    for wire, (location, required) in expected.items():
        field, actual_location, _ = fields[wire]
        assert actual_location == location, f"{spec.__name__}.{wire}: {actual_location} != {location}"
        if required:
            assert not has_default(field), f"{spec.__name__}.{wire} is required: no default"
        else:
            assert has_default(field) and field.default is None, (
                f"{spec.__name__}.{wire} is optional: it must default to None (omitted)")


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_streaming_and_paging_match_the_operation(spec: type) -> None:
    op = source_operation(spec)
    assert (spec.stream_chunk is not None) == ("text/event-stream" in answers(op)), spec.__name__  # type: ignore[attr-defined]
    query = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
    paging = spec.paging  # type: ignore[attr-defined]
    if {"after", "limit"} <= query:
        assert isinstance(paging, CursorPaging), f"{spec.__name__} is a cursor list"
    elif {"start_index", "limit"} <= query:
        assert isinstance(paging, IndexPaging), f"{spec.__name__} is an index list"
    else:
        assert paging is None, f"{spec.__name__} does not page"


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_response_types_have_the_schema_shape(spec: type) -> None:
    line = source_line(spec)
    media = answers(source_operation(spec))
    response, chunk = media.get("application/json"), media.get("text/event-stream")
    declared = response_type_of(spec)
    override = generator().RESPONSE_OVERRIDES.get(spec.__name__)
    checker = ShapeChecker(line)
    if override is None:
        if response is None:
            assert declared in (None, NONE_TYPE), f"{spec.__name__}: the operation answers no body"
        else:
            checker.check(response, declared, spec.__name__)
    elif override == "Optional[Turn]":
        assert response is not None and get_args(declared) == (models.Turn, NONE_TYPE)
        checker.check(response, models.Turn, spec.__name__)
    else:
        assert declared is {"None": NONE_TYPE, "bytes": bytes}[override]
    if chunk is not None:
        checker.check(chunk, spec.stream_chunk, f"{spec.__name__} chunk")  # type: ignore[attr-defined]
    assert not checker.problems, "\n".join(checker.problems)


def test_errata_name_real_properties() -> None:
    schemas = [document["components"]["schemas"] for document in documents().values()]
    for schema, prop in generator().ERRATA_NULLABLE:
        assert any(prop in (s.get(schema, {}).get("properties") or {}) for s in schemas), (schema, prop)


# --- per spec and line, against every line's documents ------------------------------------------

SPEC_LINES = [(spec, line) for spec in SPECS for line in SERVER_LINES]
SPEC_LINE_IDS = [f"{spec.__name__}-{line}" for spec, line in SPEC_LINES]
MISSING = object()


def same_tail_routes(line: str, method: str, path: str) -> list[tuple[str, dict[str, Any]]]:
    """(path, operation) of ``method`` at the path's tail under any prefix, the path itself first."""
    tail = next((path[len(p):] for p in PREFIXES if path.startswith(p + "/")), path)
    out = []
    for candidate in [path] + [p + tail for p in reversed(PREFIXES) if p + tail != path]:
        op = find_operation(line, method, candidate)
        if op is not None:
            out.append((candidate, op))
    return out


@pytest.mark.parametrize(("spec", "line"), SPEC_LINES, ids=SPEC_LINE_IDS)
def test_each_line_serves_the_spec_where_it_declares(spec: type, line: str) -> None:
    name = spec.__name__
    erratum = generator().ROUTE_ERRATA.get((name, line), MISSING)
    candidates = same_tail_routes(line, spec.method, spec.path)  # type: ignore[attr-defined]
    if spec.method in ("PUT", "PATCH") and not candidates:  # type: ignore[attr-defined]
        candidates = same_tail_routes(line, "POST", spec.path)  # type: ignore[attr-defined]
    if not serves(spec, line):
        with pytest.raises(ValueError, match=f"{name} is not served by Llama Stack {line}"):
            plan_for(spec, line)
        assert erratum is None or not candidates, f"{name}: {line} serves it at {candidates[0][0]}"
        return
    plan = plan_for(spec, line)
    op = find_operation(line, plan.method, plan.path)
    if erratum is not MISSING:
        assert erratum == (plan.method, plan.path), f"{name} on {line}: not where ROUTE_ERRATA says"
        return  # a fact the documents do not show (some are in no document: Batches on 0.2/0.3)
    assert op is not None, f"{name}: {plan.method} {plan.path} is not in the {line} documents"
    assert plan.path in [path for path, _ in candidates], name
    # Preferred: a route that is not flagged deprecated, the spec's own path among them.
    current = [path for path, other in candidates if not other.get("deprecated")]
    if current:
        assert plan.path in current, f"{name} on {line}: {plan.path} is deprecated; {current[0]} is not"
    if spec.path in current:  # type: ignore[attr-defined]
        assert plan.path == spec.path, f"{name} on {line}: {plan.path} instead of its own path"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("spec", "line"), SPEC_LINES, ids=SPEC_LINE_IDS)
def test_each_line_carries_the_fields_its_operation_knows(spec: type, line: str) -> None:
    if not serves(spec, line):
        return
    plan = plan_for(spec, line)
    op = find_operation(line, plan.method, plan.path)
    known: set[str] | None = None  # None: no document has the route; its erratum vouches for all
    if op is not None:
        known = {p["name"] for p in op.get("parameters", []) if p["in"] != "path"}
        body = op.get("requestBody")
        if body:
            content = body["content"]
            media = "multipart/form-data" if "multipart/form-data" in content else "application/json"
            known |= set(resolve(content[media]["schema"], line)[1].get("properties") or {})
        known |= generator().CARRIED_UNDOCUMENTED.get((spec.__name__, line), set())
        known -= generator().BROKEN_ON_LINE.get((spec.__name__, line), set())
        path_params = re.findall(r"\{[^}]*\}", next(p for p, item in documents()[line]["paths"].items()
                                                     if item.get(plan.method.lower()) is op))
        assert len(path_params) == len(plan.path_fields), f"{spec.__name__}: path parameters on {line}"
    not_carried = {fp.wire for fp in plan.fields_not_carried}
    for fp in (*plan.query_fields, *plan.body_fields, *plan.header_fields, *plan.file_fields,
               *plan.json_fields):
        expected = known is not None and fp.wire not in known
        declared = "not carried" if fp.wire in not_carried else "carried"
        assert (fp.wire in not_carried) == expected, (
            f"{spec.__name__}.{fp.attr} on {line}: declared {declared}, the {line} operation "
            f"{'lacks' if expected else 'has'} it")


def test_route_errata_say_what_the_documents_do_not() -> None:
    gen = generator()
    for (name, line), route in gen.ROUTE_ERRATA.items():
        spec = getattr(endpoints, name)
        by_rules = gen.matched_by_rules(documents()[line], spec.method, spec.path, line)
        found = None if by_rules is None else (by_rules.method, by_rules.path)
        assert found != route, f"ROUTE_ERRATA[{name}, {line}] repeats what the rules find"
    for (name, line), wires in gen.CARRIED_UNDOCUMENTED.items():
        plan = plan_for(getattr(endpoints, name), line)
        op = find_operation(line, plan.method, plan.path)
        assert op is not None
        _, schema = resolve(op["requestBody"]["content"]["application/json"]["schema"], line)
        assert wires.isdisjoint(schema.get("properties") or {}), (name, line)
        assert wires <= {fp.wire for fp in plan.body_fields}, (name, line)
    for (name, line), wires in gen.BROKEN_ON_LINE.items():
        plan = plan_for(getattr(endpoints, name), line)
        op = find_operation(line, plan.method, plan.path)
        assert op is not None
        _, schema = resolve(op["requestBody"]["content"]["application/json"]["schema"], line)
        assert wires <= set(schema.get("properties") or {}), (name, line)  # documented there


def test_specs_readme_tables_are_current() -> None:
    gen = generator()
    readme = (ROOT / "specs" / "README.md").read_text(encoding="utf-8")
    current = gen.update_readme(readme, gen.readme_tables(documents(), builder().specs))
    assert readme == current, "run `python -m tools.generate`: the tables in specs/README.md are stale"


def test_shape_differences_find_what_servers_were_seen_to_do() -> None:
    gen = generator()
    specs = builder().specs
    found = {(d.spec, d.line, d.where, d.what) for d in gen.shape_differences(documents(), specs)}
    absent, required_here = "required by the spec; absent in the line's schema", "required by the line; "
    expected = [  # SERVER_LINES.md §4, and the 0.3.5-0.5.4 live runs
        *(("ResponseRetrieve", line, "OpenAIResponseObject.store", absent) for line in ("0.2", "0.3", "0.4")),
        ("ResponseCreate", "0.5", "OpenAIResponseObjectStreamResponseCreated.sequence_number", absent),
        ("VectorStoreSearch", "0.3", "VectorStoreSearchResponsePage.search_query",
         "the line may send string; the spec reads array"),
        *(("ShieldRun", line, "ShieldRun request.params", required_here + "the spec has no such field")
          for line in ("0.2", "0.3", "0.4")),
        ("DatasetRowAppend", "0.6", "DatasetRowAppend request.dataset_id",
         required_here + "the spec has no such field"),
        ("ModerationCreate", "0.3", "ModerationCreate request.model", required_here + "optional in the spec"),
        ("AgentCreate", "0.3", "ToolDef.parameters", "unknown to the line's schema (dropped or refused)"),
    ]
    assert [row for row in expected if row not in found] == []
    assert not any(d[1] == "0.7" or (d[0], d[1]) == ("ResponseRetrieve", "0.5") for d in found)


# --- everything builds ----------------------------------------------------------------------------


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_plan_and_decoders_build(spec: type) -> None:
    plan = plan_for(spec)
    assert plan.method == spec.method  # type: ignore[attr-defined]
    assert plan.decode_response is decoder_for(plan.response_type)
    if spec.stream_chunk is not None:  # type: ignore[attr-defined]
        assert plan.decode_chunk is decoder_for(spec.stream_chunk)  # type: ignore[attr-defined]
    # A summary line (the command line's one-line help), then the operation's description.
    lines = (spec.__doc__ or "").strip().splitlines()
    assert lines and lines[0].strip(), f"{spec.__name__} needs a docstring"
    assert len(lines) == 1 or not lines[1].strip(), f"{spec.__name__}: its summary must be one line"


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
    assert {s.__name__ for s in SPECS if s.server_lines == ("0.2", "0.3")} == {
        "AgentCreate", "AgentDelete", "AgentList", "AgentRetrieve", "SessionCreate", "SessionDelete",
        "SessionList", "SessionRetrieve", "StepRetrieve", "TurnCreate", "TurnResume", "TurnRetrieve"}
