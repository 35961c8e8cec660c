"""Request encoding through the client: path segments, query strings, headers, bodies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
import requests
import responses
from responses import matchers

from llamastack import LlamaStackClient, Spec
from llamastack.encoding import quote_path_value
from tests.unit.conftest import MakeClient
from tests.unit.specs_for_tests import (
    BASE,
    EchoPath,
    RowList,
    ThingCreate,
    ThingList,
    ThingRetrieve,
)


def sent(mock: responses.RequestsMock) -> requests.PreparedRequest:
    request = mock.calls[-1].request
    assert isinstance(request, requests.PreparedRequest)
    return request


# --- path parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "segment"), [
    ("plain-id_1.2~", "plain-id_1.2~"),
    ("fake-openai/fake-llm", "fake-openai%2Ffake-llm"),
    ("a?b", "a%3Fb"),
    ("a#b", "a%23b"),
    ("100%", "100%25"),
    ("%2F", "%252F"),
    ("../admin", "..%2Fadmin"),
    ("a..b", "a..b"),
    ("...", "..."),
    ("with space", "with%20space"),
    ("plus+sign", "plus%2Bsign"),
    ("amp&eq=semi;", "amp%26eq%3Dsemi%3B"),
    ("caf\u00e9", "caf%C3%A9"),
    ("\u65e5\u672c", "%E6%97%A5%E6%9C%AC"),
    ("tab\there", "tab%09here"),
])
def test_path_values_are_encoded_as_one_segment(value: str, segment: str,
                                                mock: responses.RequestsMock,
                                                client: LlamaStackClient) -> None:
    mock.get(BASE + f"/v1/echo/{segment}/x", json={})
    client.call(EchoPath(first=value))
    assert sent(mock).path_url == f"/v1/echo/{segment}/x"


def test_every_path_parameter_is_encoded(mock: responses.RequestsMock,
                                         client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/echo/a%2Fb/c%3Fd", json={"ok": True})
    assert client.call(EchoPath(first="a/b", second="c?d")) == {"ok": True}
    assert sent(mock).path_url == "/v1/echo/a%2Fb/c%3Fd"


@dataclass(frozen=True, kw_only=True)
class ItemRetrieve(Spec[dict[str, Any]]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/items/{item_id}"
    item_id: int


def test_integer_path_values_are_accepted(mock: responses.RequestsMock,
                                          client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/items/42", json={})
    client.call(ItemRetrieve(item_id=42))


def test_an_integer_for_a_str_path_field_is_refused_at_construction() -> None:
    with pytest.raises(TypeError, match=r"^EchoPath.first must be str, not int$"):
        EchoPath(first=42)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_empty_dot_and_dotdot_path_values_are_rejected_naming_the_field(
        value: str, mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    with pytest.raises(ValueError, match=r"path parameter 'second'"):
        client.call(EchoPath(first="ok", second=value))
    assert len(mock.calls) == 0


@pytest.mark.parametrize("value", [None, True, 1.5, b"bytes", ["a"]])
def test_path_values_of_other_types_are_rejected(value: Any) -> None:
    # At construction, by the declared type; and by the quoting itself, for a spec whose
    # annotation cannot be checked (Any, or a name that does not resolve).
    with pytest.raises(TypeError, match=r"^ThingRetrieve.thing_id must be str, not "):
        ThingRetrieve(thing_id=value)
    with pytest.raises(TypeError, match=r"path parameter 'thing_id' must be a str or int"):
        quote_path_value("thing_id", value)


def test_path_values_never_reach_another_route_through_stream_or_raw(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    with pytest.raises(ValueError, match="thing_id"):
        client.raw(ThingRetrieve(thing_id=".."))
    with pytest.raises(ValueError, match="thing_id"):
        client.with_response(ThingRetrieve(thing_id=""))


# --- query strings -------------------------------------------------------------------------


def test_get_fields_go_to_the_query_and_none_is_omitted(mock: responses.RequestsMock,
                                                        client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": []},
             match=[matchers.query_string_matcher("limit=10&order=desc")])
    client.call(ThingList(limit=10, order="desc"))
    assert sent(mock).body is None
    assert "Content-Type" not in sent(mock).headers


def test_no_query_means_no_question_mark(mock: responses.RequestsMock,
                                         client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": []})
    client.call(ThingList())
    assert sent(mock).url == BASE + "/v1/things"


def test_query_values_are_percent_encoded(mock: responses.RequestsMock,
                                          client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": []})
    client.call(ThingList(after="a b&c=d/e?\u00e9#"))
    assert sent(mock).url == BASE + "/v1/things?after=a%20b%26c%3Dd%2Fe%3F%C3%A9%23"


def test_query_lists_repeat_booleans_are_lowercase_and_mappings_are_json(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": []})
    client.call(ThingList(), extra_query={"tag": ["a", "b"], "flag": False, "on": True,
                                          "filter": {"k": "v"}, "n": 1.5, "none": None})
    assert sent(mock).url == (BASE + "/v1/things?tag=a&tag=b&flag=false&on=true"
                              "&filter=%7B%22k%22%3A%22v%22%7D&n=1.5")


def test_query_values_of_other_types_are_refused(client: LlamaStackClient) -> None:
    with pytest.raises(TypeError, match="query parameter 'when'"):
        client.call(ThingList(), extra_query={"when": object()})


def test_query_field_of_a_post_spec(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/things", json={"id": "t", "name": "n"}, match=[
        matchers.query_string_matcher("dry_run=false"),
        matchers.json_params_matcher({"name": "n"}),
    ])
    client.call(ThingCreate(name="n", dry_run=False))


def test_index_paging_fields_with_a_path_parameter(mock: responses.RequestsMock,
                                                   client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/datasetio/iterrows/ds%201", json={"data": []},
             match=[matchers.query_string_matcher("start_index=0&limit=2")])
    client.call(RowList(dataset_id="ds 1", start_index=0, limit=2))


# --- headers -------------------------------------------------------------------------------


def test_header_fields_are_sent_as_headers_not_body(mock: responses.RequestsMock,
                                                    client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/things", json={"id": "t", "name": "n"}, match=[
        matchers.header_matcher({"X-Trace": "abc"}),
        matchers.json_params_matcher({"name": "n"}),
    ])
    client.call(ThingCreate(name="n", trace="abc"))


@pytest.mark.parametrize("value", ["a\r\nX-Injected: 1", "a\nb", "a\rb"])
def test_cr_or_lf_in_a_spec_header_is_rejected(value: str, mock: responses.RequestsMock,
                                               client: LlamaStackClient) -> None:
    with pytest.raises(ValueError, match="'X-Trace' contains a CR or LF"):
        client.call(ThingCreate(name="n", trace=value))
    assert len(mock.calls) == 0


def test_cr_or_lf_in_extra_or_default_headers_is_rejected(client: LlamaStackClient) -> None:
    with pytest.raises(ValueError, match="'X-Extra' contains a CR or LF"):
        client.call(ThingList(), extra_headers={"X-Extra": "v\r\n"})
    with pytest.raises(ValueError, match="'X-Default' contains a CR or LF"):
        LlamaStackClient(BASE, default_headers={"X-Default": "v\nw"})


@pytest.mark.parametrize("name", ["", "X Space", "X:Colon", "X\r\nY", "\u00c4rger", "X\0"])
def test_invalid_header_names_are_rejected(name: str, mock: responses.RequestsMock,
                                           client: LlamaStackClient) -> None:
    with pytest.raises(ValueError, match="invalid header name"):
        client.call(ThingList(), extra_headers={name: "v"})
    assert len(mock.calls) == 0


@pytest.mark.parametrize("value", [" leading-space", "\tleading-tab", "nul\0byte",
                                   "\u65e5\u672c"])
def test_header_values_http_cannot_carry_are_rejected_before_sending(
        value: str, mock: responses.RequestsMock, make_client: MakeClient,
        sleeps: list[float]) -> None:
    with pytest.raises(ValueError, match="'X-Value'") as info:
        make_client().call(ThingList(), extra_headers={"X-Value": value})
    assert value not in str(info.value)
    assert len(mock.calls) == 0
    assert sleeps == []


def test_latin1_header_values_are_sent(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": []})
    client.call(ThingList(), extra_headers={"X-Name": "Jos\u00e9", "X-Empty": ""})
    assert sent(mock).headers["X-Name"] == "Jos\u00e9"


def test_non_string_header_values_are_rendered(mock: responses.RequestsMock,
                                               client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": []}, match=[matchers.header_matcher(
        {"X-Int": "3", "X-Bool": "true", "X-Obj": '{"a":1}'})])
    client.call(ThingList(), extra_headers={"X-Int": 3, "X-Bool": True,  # type: ignore[dict-item]
                                            "X-Obj": {"a": 1}})  # type: ignore[dict-item]


# --- bodies --------------------------------------------------------------------------------


def test_post_fields_go_to_a_compact_utf8_json_body(mock: responses.RequestsMock,
                                                    client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/things", json={"id": "t", "name": "n"},
              match=[matchers.header_matcher({"Content-Type": "application/json"})])
    client.call(ThingCreate(name="caf\u00e9", display_name="D"))
    assert sent(mock).body == '{"name":"café","displayName":"D"}'.encode()


def test_a_post_without_fields_still_sends_an_empty_object(mock: responses.RequestsMock,
                                                           client: LlamaStackClient) -> None:
    @dataclass(frozen=True, kw_only=True)
    class Ping(Spec[dict[str, Any]]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/ping"
        note: str | None = None

    mock.post(BASE + "/v1/ping", json={}, match=[matchers.json_params_matcher({})])
    client.call(Ping())


# --- spec declarations ---------------------------------------------------------------------


def test_a_spec_whose_path_names_a_missing_field_is_refused(client: LlamaStackClient) -> None:
    @dataclass(frozen=True, kw_only=True)
    class Broken(Spec[dict[str, Any]]):
        method: ClassVar[str] = "GET"
        path: ClassVar[str] = "/v1/things/{missing}"

    with pytest.raises(TypeError, match=r"path parameter \{missing\} has no field"):
        client.call(Broken())


def test_a_spec_that_is_not_a_dataclass_is_refused(client: LlamaStackClient) -> None:
    class NotADataclass(Spec[dict[str, Any]]):
        method: ClassVar[str] = "GET"
        path: ClassVar[str] = "/v1/x"

    with pytest.raises(TypeError, match="must be a dataclass"):
        client.call(NotADataclass())


def test_specs_are_frozen() -> None:
    spec = ThingRetrieve(thing_id="t")
    with pytest.raises(AttributeError):
        spec.thing_id = "u"  # type: ignore[misc]
