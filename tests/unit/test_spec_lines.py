"""Server-line declarations on specs (``server_lines``, ``routes``, a field helper's
``server_lines=``) and the per-line request plan, ``plan_for(spec_class, line)``."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
import responses

import llamastack
import llamastack.endpoints as endpoints
from llamastack import LlamaStackClient, NotFoundError
from llamastack.encoding import build_request
from llamastack.spec import (
    NEWEST_LINE,
    SERVER_LINES,
    Route,
    Spec,
    body_field,
    file_field,
    header_field,
    plan_for,
    query_field,
    serves,
)
from tests.unit.specs_for_tests import BASE


@dataclass(frozen=True, kw_only=True)
class GadgetUpdate(Spec[dict[str, Any]]):
    """A spec declared for three lines, served elsewhere by two of them."""

    method: ClassVar[str] = "PUT"
    path: ClassVar[str] = "/v1/gadgets/{gadget_id}"
    server_lines: ClassVar[tuple[str, ...]] = ("0.3", "0.4", "0.7")
    routes: ClassVar[dict[str, Route]] = {
        "0.3": Route("POST", "/v1/openai/v1/gadgets/{gadget_id}"),
        "0.4": Route("POST", "/v1/gadgets/{gadget_id}"),
    }

    gadget_id: str
    name: str
    color: str | None = body_field(server_lines=("0.4", "0.7"))
    shine: bool | None = body_field(name="shiny", server_lines=("0.7",))


@dataclass(frozen=True, kw_only=True)
class GadgetList(Spec[dict[str, Any]]):
    """A spec written by hand that declares no lines."""

    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/gadgets"

    limit: int | None = None


def test_the_lines_are_known_oldest_first() -> None:
    assert SERVER_LINES == ("0.2", "0.3", "0.4", "0.5", "0.6", "0.7")
    assert NEWEST_LINE == "0.7"
    assert llamastack.Route is Route
    assert Route("GET", "/v1/x") == Route("GET", "/v1/x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        Route("GET", "/v1/x").path = "/v1/y"  # type: ignore[misc]


def test_without_a_line_the_plan_is_the_declared_route() -> None:
    plan = plan_for(GadgetUpdate)
    assert (plan.method, plan.path, plan.server_line, plan.fields_not_carried) == (
        "PUT", "/v1/gadgets/{gadget_id}", None, ())


def test_a_line_takes_its_route_and_the_fields_it_cannot_carry() -> None:
    on_03, on_04, on_07 = (plan_for(GadgetUpdate, line) for line in ("0.3", "0.4", "0.7"))
    assert (on_03.method, on_03.path, on_03.server_line) == (
        "POST", "/v1/openai/v1/gadgets/{gadget_id}", "0.3")
    assert [(fp.attr, fp.wire) for fp in on_03.fields_not_carried] == [("color", "color"), ("shine", "shiny")]
    assert (on_04.method, on_04.path) == ("POST", "/v1/gadgets/{gadget_id}")
    assert [fp.attr for fp in on_04.fields_not_carried] == ["shine"]
    assert (on_07.method, on_07.path, on_07.fields_not_carried) == ("PUT", "/v1/gadgets/{gadget_id}", ())
    assert [fp.attr for fp in on_03.path_fields] == ["gadget_id"]
    assert {fp.attr: fp.server_lines for fp in on_03.body_fields} == {
        "name": None, "color": ("0.4", "0.7"), "shine": ("0.7",)}


def test_plans_are_cached_per_class_and_line() -> None:
    assert plan_for(GadgetUpdate, "0.3") is plan_for(GadgetUpdate, "0.3")
    assert plan_for(GadgetUpdate, "0.3") is not plan_for(GadgetUpdate, "0.4")
    assert plan_for(GadgetUpdate) is plan_for(GadgetUpdate) is not plan_for(GadgetUpdate, "0.7")


def test_a_line_that_does_not_serve_the_spec_is_refused_with_the_lines_that_do() -> None:
    assert not serves(GadgetUpdate, "0.5") and serves(GadgetUpdate, "0.4")
    with pytest.raises(ValueError, match=r"GadgetUpdate is not served by Llama Stack 0\.5 "
                                         r"\(served by 0\.3, 0\.4, 0\.7\)"):
        plan_for(GadgetUpdate, "0.5")
    with pytest.raises(ValueError, match=r"unknown server line '0\.8'; known: 0\.2, 0\.3"):
        plan_for(GadgetUpdate, "0.8")


def test_a_spec_without_declared_lines_is_sent_as_declared_to_any_line() -> None:
    assert GadgetList.server_lines is None and dict(GadgetList.routes) == {}
    for line in SERVER_LINES:
        plan = plan_for(GadgetList, line)
        assert serves(GadgetList, line)
        assert (plan.method, plan.path, plan.server_line, plan.fields_not_carried) == (
            "GET", "/v1/gadgets", line, ())


def test_the_field_helpers_take_the_lines_that_carry_the_field() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Everything(Spec[None]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/everything"
        server_lines: ClassVar[tuple[str, ...]] = ("0.6", "0.7")

        q: int | None = query_field(server_lines=("0.7",))
        h: str | None = header_field("X-H", server_lines=("0.7",))
        f: Any = file_field(required=False, server_lines=("0.7",))
        b: str | None = body_field(server_lines=("0.6", "0.7"))

    plan = plan_for(Everything, "0.6")
    assert [(fp.attr, fp.location) for fp in plan.fields_not_carried] == [
        ("q", "query"), ("h", "header"), ("f", "file")]
    assert [(fp.attr, fp.location) for fp in plan.all_fields] == [
        ("q", "query"), ("b", "body"), ("h", "header"), ("f", "file")]


@pytest.mark.parametrize(("declaration", "problem"), [
    ({"server_lines": ("0.7", "1.0")}, r"X\.server_lines must be a tuple of 0\.2, .*'1\.0'"),
    ({"server_lines": ["0.7"]}, r"X\.server_lines must be a tuple"),
    ({"server_lines": ("0.7",), "routes": {"0.3": Route("GET", "/v1/x")}},
     r"X\.routes: '0\.3': .* must be a Route of a line that serves it"),
    ({"routes": {"0.3": ("GET", "/v1/x")}}, r"X\.routes: '0\.3'.*must be a Route"),
    ({"routes": {"0.3": Route("GET", "/v1/x/{other}")}},
     r"X\.routes\['0\.3'\]: '/v1/x/\{other\}' must start with / and name the parameters of '/v1/x'"),
])
def test_malformed_line_declarations_are_refused(declaration: dict[str, Any], problem: str) -> None:
    namespace = {"method": "GET", "path": "/v1/x", "__annotations__": {}, **declaration}
    spec_class: type = dataclass(frozen=True, kw_only=True)(type("X", (Spec,), namespace))
    with pytest.raises(TypeError, match=problem):
        plan_for(spec_class)


def test_a_field_declared_for_an_unknown_line_is_refused() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Odd(Spec[None]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/odd"

        x: str | None = body_field(server_lines=("7.0",))

    with pytest.raises(TypeError, match=r"Odd\.x: server_lines must be a tuple of lines that serve Odd "
                                        r"\(0\.2, .*'7\.0'"):
        plan_for(Odd)


def test_a_field_declared_for_a_line_that_does_not_serve_its_spec_is_refused() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Narrow(Spec[None]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/narrow"
        server_lines: ClassVar[tuple[str, ...]] = ("0.6", "0.7")

        x: str | None = body_field(server_lines=("0.5", "0.7"))

    with pytest.raises(TypeError, match=r"Narrow\.x: server_lines must be a tuple of lines that serve "
                                        r"Narrow \(0\.6, 0\.7\), not \('0\.5', '0\.7'\)"):
        plan_for(Narrow)


# --- the generated specs ----------------------------------------------------------------------


def test_responses_new_in_07_are_not_carried_by_05_and_reach_02_under_openai_v1() -> None:
    spec_class = endpoints.ResponseCreate
    on_05 = plan_for(spec_class, "0.5")
    assert (on_05.method, on_05.path) == ("POST", "/v1/responses")
    # 0.5's CreateResponseRequest has extra="forbid": these nine answer 400 (SERVER_LINES.md §4);
    # and 0.5.4 swaps max_output_tokens and reasoning, failing the response (BROKEN_ON_LINE).
    assert sorted(fp.wire for fp in on_05.fields_not_carried) == [
        "background", "frequency_penalty", "max_output_tokens", "presence_penalty",
        "prompt_cache_key", "reasoning", "service_tier", "stream_options", "top_logprobs", "top_p",
        "truncation"]
    on_02 = plan_for(spec_class, "0.2")
    assert on_02.path == "/v1/openai/v1/responses" and len(on_02.fields_not_carried) == 19
    assert len(plan_for(spec_class, "0.4").fields_not_carried) == 13
    assert plan_for(spec_class, "0.7").fields_not_carried == ()


def test_a_per_line_plan_builds_that_lines_request() -> None:
    spec = endpoints.ResponseCreate(model="m", input="hi", store=False)
    request = build_request(plan_for(endpoints.ResponseCreate, "0.2"), spec, base_url=BASE, headers={})
    assert (request.method, request.url) == ("POST", f"{BASE}/v1/openai/v1/responses")
    assert json.loads(request.body) == {"model": "m", "input": "hi", "store": False}  # type: ignore[arg-type]
    update = endpoints.PromptUpdate(prompt_id="p 1", prompt="x", version=2)
    request = build_request(plan_for(endpoints.PromptUpdate, "0.4"), update, base_url=BASE, headers={})
    assert (request.method, request.url) == ("POST", f"{BASE}/v1/prompts/p%201")


@pytest.mark.parametrize(("spec_class", "line", "route"), [
    (endpoints.SessionCreate, "0.2", ("POST", "/v1/agents/{agent_id}/session")),
    (endpoints.SessionCreate, "0.3", ("POST", "/v1alpha/agents/{agent_id}/session")),
    (endpoints.ModelList, "0.3", ("GET", "/v1/models")),
    (endpoints.ModelList, "0.4", ("GET", "/v1/models")),
    (endpoints.ConnectorList, "0.6", ("GET", "/v1alpha/connectors")),
    (endpoints.DatasetRowList, "0.2", ("GET", "/v1/datasetio/iterrows/{dataset_id}")),
    (endpoints.RerankCreate, "0.2", ("POST", "/v1/inference/rerank")),
    (endpoints.BatchCreate, "0.3", ("POST", "/v1/batches")),
])
def test_generated_specs_route_per_line(spec_class: type, line: str, route: tuple[str, str]) -> None:
    plan = plan_for(spec_class, line)
    assert (plan.method, plan.path) == route


def test_generated_specs_not_served_by_a_line_say_so() -> None:
    assert endpoints.SessionCreate.server_lines == ("0.2", "0.3")
    assert endpoints.ConversationCreate.server_lines == ("0.3", "0.4", "0.5", "0.6", "0.7")
    with pytest.raises(ValueError, match=r"ConversationCreate is not served by Llama Stack 0\.2"):
        plan_for(endpoints.ConversationCreate, "0.2")


def test_a_404_for_a_spec_without_lines_names_only_the_route(mock: responses.RequestsMock,
                                                             client: LlamaStackClient) -> None:
    mock.get(f"{BASE}/v1/gadgets", json={"detail": "Not Found"}, status=404)
    with pytest.raises(NotFoundError) as raised:
        client.call(GadgetList(), max_retries=0)
    # Without declared lines the hint names no line that serves it, only the one assumed.
    assert str(raised.value).endswith("-> 404: Not Found: this server has no such route (the client "
                                      "takes this server for 0.7; if that is wrong, pass server_line=)")
