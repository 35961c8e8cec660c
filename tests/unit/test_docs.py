"""The server's descriptions reach the user: every field a pinned document describes carries
the description as its attribute docstring, an editor (Jedi) shows it on hover, and api.md
covers every spec with its routes, fields and command.

The expected descriptions are read here from the documents themselves, not from what the
generator kept, so a regeneration that drops or misplaces one fails: a field takes its source
document's description (0.7's, or 0.2's for the Agents specs), else the newest other line's
description of the same schema property or operation field (specs/README.md, "Descriptions").
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import re
from pathlib import Path
from typing import Any, cast

import jedi  # type: ignore[import-untyped]  # no type information shipped

import llamastack
import llamastack.endpoints as endpoints
import llamastack.models as models
from llamastack.cli.naming import endpoint_registry
from llamastack.spec import Spec, plan_for
from tests.unit.fixtures import ROOT, builder, documents, generator

PACKAGE = Path(llamastack.__file__).resolve().parent
SPECS: list[type[Spec[Any]]] = [getattr(endpoints, name) for name in endpoints.__all__]
BASE_FIELDS = {field.name for field in dataclasses.fields(llamastack.Model)}  # model_extra


# --- reading the docstrings as an editor does ---------------------------------------------------


@functools.cache
def module_docstrings(path: Path) -> dict[str, dict[str, str]]:
    """Class -> field -> attribute docstring of a module, by Jedi's rule (``parser_utils.
    find_statement_documentation``): a string statement right after the field's statement."""
    out: dict[str, dict[str, str]] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef):
            docs = out.setdefault(node.name, {})
            for statement, following in zip(node.body, node.body[1:], strict=False):
                if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                        and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                        and isinstance(following.value.value, str)):
                    docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return out


def docstrings_of(cls: type) -> dict[str, str]:
    module = cls.__module__.rsplit(".", 1)[-1]
    folder = cls.__module__.split(".")[1]
    return module_docstrings(PACKAGE / folder / f"{module}.py").get(cls.__name__, {})


def same_text(docstring: str, description: str) -> bool:
    """Equal but for the wrapping (the generator wraps long text, the documents break lines
    anywhere) and the one change a docstring needs (three double quotes inside)."""
    return " ".join(docstring.split()) == " ".join(description.replace('"""', "'''").split())


# --- the descriptions, from the documents --------------------------------------------------------


def described(node: dict[str, Any] | None) -> str:
    text = (node or {}).get("description")
    return text.strip() if isinstance(text, str) else ""


def request_description(document: dict[str, Any], operation: dict[str, Any], wire: str) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["name"] == wire:
            return described(parameter) or described(parameter.get("schema"))
    content = (operation.get("requestBody") or {}).get("content") or {}
    for media in ("multipart/form-data", "application/json"):
        if media in content:
            schema = content[media]["schema"]
            while "$ref" in schema:
                schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
            return described((schema.get("properties") or {}).get(wire))
    return ""


@functools.cache
def operations(line: str) -> dict[tuple[str, str], dict[str, Any]]:
    """(METHOD, path with unnamed parameters) -> operation, of one line's documents."""
    return {(method.upper(), re.sub(r"\{[^}]*\}", "{}", path)): op
            for path, item in documents()[line]["paths"].items()
            for method, op in item.items() if isinstance(op, dict)}


def expected_spec_descriptions(spec: type) -> dict[str, str]:
    """Field -> the description the documents give it ("" if none does)."""
    line, method, path = next((ln, m, p) for ln, m, p, _g, name in generator().OPERATIONS
                              if name == spec.__name__)
    plan = plan_for(spec)
    wires = {fp.attr: fp.wire for fp in (*plan.path_fields, *plan.query_fields, *plan.body_fields,
                                         *plan.header_fields, *plan.file_fields, *plan.json_fields)}
    sources = [(line, documents()[line]["paths"][path][method.lower()])]
    for other in reversed(spec.server_lines):  # type: ignore[attr-defined]
        route = plan_for(spec, other)
        op = operations(other).get((route.method, re.sub(r"\{[^}]*\}", "{}", route.path)))
        if other != line and op is not None:
            sources.append((other, op))
    return {attr: next((text for ln, op in sources
                        if (text := request_description(documents()[ln], op, wire))), "")
            for attr, wire in wires.items()}


def model_sources() -> dict[str, list[dict[str, Any]]]:
    """Model name -> the schemas its descriptions come from, in order: for a named schema, its
    source document's, then every other line's of that name (newest first); for an inline
    object, the object itself."""
    built = builder()
    lines = list(documents())
    out: dict[str, list[dict[str, Any]]] = {}
    for (line, schema_name), model in built.by_schema.items():
        if model in out or model not in built.defs or built.defs[model].line != line:
            continue  # merged into a union, or a 0.2 name of a 0.7 model (SHARED_WITH_0_7)
        base = re.sub(r"-(Input|Output)$", "", schema_name)
        order = [line] + [other for other in reversed(lines) if other != line]
        out[model] = [schemas[base] for other in order
                      if base in (schemas := documents()[other]["components"]["schemas"])]
    structure = generator().schemas.structure

    def walk(line: str, node: Any) -> None:
        if isinstance(node, dict):
            if node.get("properties") and "$ref" not in node:
                model = built.by_structure.get((line, structure(node) + str(node.get("title", ""))))
                if model is not None and model not in out:
                    out[model] = [node]
            for value in node.values():
                walk(line, value)
        elif isinstance(node, list):
            for value in node:
                walk(line, value)

    for line in generator().SOURCE_LINES:
        walk(line, documents()[line]["components"]["schemas"])
        walk(line, documents()[line]["paths"])
    return out


def wire_name(field: dataclasses.Field[Any]) -> str:
    letter_case = field.metadata.get("dataclasses_json", {}).get("letter_case")
    return letter_case(field.name) if letter_case is not None else field.name


# --- the tests -----------------------------------------------------------------------------------


def test_every_spec_field_carries_the_documents_description() -> None:
    problems, described_fields, fields = [], 0, 0
    for spec in SPECS:
        docs = docstrings_of(spec)
        for attr, expected in expected_spec_descriptions(spec).items():
            fields += 1
            described_fields += bool(expected)
            if not same_text(docs.get(attr, ""), expected):
                problems.append(f"{spec.__name__}.{attr}: {docs.get(attr)!r}, documents: {expected!r}")
    assert not problems, "\n".join(problems)
    # The counts specs/README.md states (a newly pinned document changes them): every request
    # field of every spec is described by some document.
    assert (described_fields, fields) == (315, 315)


def test_every_model_field_carries_the_documents_description() -> None:
    sources = model_sources()
    problems, checked_models, described_fields, fields = [], 0, 0, 0
    for name in models.__all__:
        cls = getattr(models, name)
        if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)) or name not in sources:
            continue
        checked_models += 1
        docs = docstrings_of(cls)
        for field in dataclasses.fields(cls):
            if field.name in BASE_FIELDS:
                continue
            wire = wire_name(field)
            expected = next((text for schema in sources[name]
                             if (text := described((schema.get("properties") or {}).get(wire)))), "")
            fields += 1
            described_fields += bool(expected)
            if not same_text(docs.get(field.name, ""), expected):
                problems.append(f"{name}.{field.name}: {docs.get(field.name)!r}, documents: {expected!r}")
    assert not problems, "\n".join(problems)
    all_models = [n for n in models.__all__ if dataclasses.is_dataclass(getattr(models, n))
                  and getattr(models, n).__module__ != "llamastack.models.base"]
    assert checked_models == len(all_models), sorted(set(all_models) - set(sources))
    assert (described_fields, fields) == (795, 1013)  # as specs/README.md states


def test_hovering_a_field_in_an_editor_shows_the_servers_description() -> None:
    schemas = {line: documents()[line]["components"]["schemas"] for line in ("0.7", "0.3", "0.2")}
    code = "\n".join([
        "from llamastack.endpoints import ChatCompletionCreate, SessionCreate",
        "from llamastack.models import OpenAIChatCompletion, OpenAIResponseObject, Turn",
        'spec = ChatCompletionCreate(model="m", messages=[])',
        "spec.temperature",
        'SessionCreate(agent_id="a", session_name="s").session_name',
        "def answers(completion: OpenAIChatCompletion, response: OpenAIResponseObject, turn: Turn):",
        "    completion.choices",
        "    response.output",
        "    turn.output_message",
    ])
    script = jedi.Script(code, path=str(ROOT / "hover_example.py"),
                         environment=jedi.InterpreterEnvironment())

    def hover(line: int, name: str) -> str:
        text = code.splitlines()[line - 1]
        names = script.help(line, text.rindex(name) + 1)
        assert names, f"Jedi found nothing for {name!r}"
        return str(names[0].docstring())

    chat_request = schemas["0.7"]["OpenAIChatCompletionRequestWithExtraBody"]["properties"]
    assert hover(4, "temperature") == chat_request["temperature"]["description"] == (
        "The temperature to use.")
    session_request = documents()["0.2"]["paths"]["/v1/agents/{agent_id}/session"]["post"]
    session_schema = session_request["requestBody"]["content"]["application/json"]["schema"]
    session_properties = schemas["0.2"][session_schema["$ref"].rsplit("/", 1)[-1]]["properties"]
    assert hover(5, "session_name") == session_properties["session_name"]["description"]
    assert hover(7, "choices") == schemas["0.7"]["OpenAIChatCompletion"]["properties"]["choices"][
        "description"]
    # 0.7 describes none of OpenAIResponseObject's properties; 0.3 describes them.
    assert "description" not in schemas["0.7"]["OpenAIResponseObject"]["properties"]["output"]
    assert hover(8, "output") == schemas["0.3"]["OpenAIResponseObject"]["properties"]["output"][
        "description"]
    assert hover(9, "output_message") == schemas["0.2"]["Turn"]["properties"]["output_message"][
        "description"]
    # The spec class: the operation's summary, then its description.
    class_doc = hover(3, "ChatCompletionCreate")
    operation = documents()["0.7"]["paths"]["/v1/chat/completions"]["post"]
    assert operation["summary"] in class_doc and operation["description"] in class_doc


def test_api_md_covers_every_spec_with_its_routes_fields_and_command() -> None:
    text = (ROOT / "api.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"^### (\w+)\n(.*?)(?=^##)", text, re.M | re.S))
    commands = {entry.class_name: f"llamastack {entry.resource} {entry.verb}"
                for verbs in endpoint_registry().values() for entry in verbs.values()}
    assert set(sections) == {spec.__name__ for spec in SPECS}
    for spec in SPECS:
        section = sections[spec.__name__]
        assert f"- **CLI**: `{commands[spec.__name__]}`\n" in section, spec.__name__
        for line in spec.server_lines or ():
            route = plan_for(spec, line)
            assert f"`{route.method} {route.path}`" in section, (spec.__name__, line)
        for field in dataclasses.fields(cast(Any, spec)):
            assert f"| `{field.name}` |" in section, (spec.__name__, field.name)
    anchors = {generator().emit_api.anchor(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
    for link in re.findall(r"\]\(#([\w-]+)\)", text):  # every link of the contents lands
        assert link in anchors, link
