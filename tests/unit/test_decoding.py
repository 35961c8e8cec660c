"""Decoding responses into the declared types, seen through client.call."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
import responses

from llamastack import LlamaStackClient, Model, ResponseDecodeError, Spec, UnknownVariant
from llamastack.decoding import DecodeError, decoder_for
from tests.unit.specs_for_tests import (
    BASE,
    Event,
    EventList,
    ImagePart,
    Options,
    TextPart,
    Thing,
    ThingDelete,
    ThingList,
    ThingPage,
    ThingRetrieve,
)

URL = BASE + "/v1/things/t1"


def test_unknown_fields_are_kept_in_model_extra(mock: responses.RequestsMock,
                                                client: LlamaStackClient) -> None:
    body = {"id": "t1", "name": "one", "created_at": 1700000000, "owner": {"team": "infra"},
            "options": {"temperature": 0.2, "seed": 7}}
    mock.get(URL, json=body)
    thing = client.call(ThingRetrieve(thing_id="t1"))
    assert thing.model_extra == {"created_at": 1700000000, "owner": {"team": "infra"}}
    assert thing.options is not None
    assert thing.options.model_extra == {"seed": 7}


def test_to_dict_writes_unknown_fields_back(mock: responses.RequestsMock,
                                            client: LlamaStackClient) -> None:
    body = {"id": "t1", "name": "one", "created_at": 1700000000,
            "options": {"temperature": 0.2, "tags": None, "seed": 7}}
    mock.get(URL, json=body)
    thing = client.call(ThingRetrieve(thing_id="t1"))
    assert thing.to_dict() == body
    assert json.loads(thing.to_json()) == body
    assert Thing.from_dict(thing.to_dict()) == thing


def test_unknown_fields_do_not_take_part_in_equality(mock: responses.RequestsMock,
                                                     client: LlamaStackClient) -> None:
    mock.get(URL, json={"id": "t1", "name": "one", "new_field": True})
    assert client.call(ThingRetrieve(thing_id="t1")) == Thing(id="t1", name="one")


def test_missing_optional_fields_take_their_defaults(mock: responses.RequestsMock,
                                                     client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": []})
    assert client.call(ThingList()) == ThingPage(data=[], first_id=None, last_id=None,
                                                 has_more=False)


def test_null_for_an_optional_field_is_none(mock: responses.RequestsMock,
                                            client: LlamaStackClient) -> None:
    mock.get(URL, json={"id": "t1", "name": "one", "options": None})
    assert client.call(ThingRetrieve(thing_id="t1")).options is None


def test_null_for_a_required_field_is_a_decode_error(mock: responses.RequestsMock,
                                                     client: LlamaStackClient) -> None:
    mock.get(URL, json={"id": "t1", "name": None})
    with pytest.raises(ResponseDecodeError, match="name: expected string, got null"):
        client.call(ThingRetrieve(thing_id="t1"))


def test_an_integer_in_a_float_field_becomes_a_float(mock: responses.RequestsMock,
                                                     client: LlamaStackClient) -> None:
    mock.get(URL, json={"id": "t1", "name": "one", "options": {"temperature": 1}})
    options = client.call(ThingRetrieve(thing_id="t1")).options
    assert options == Options(temperature=1.0)
    assert options is not None and isinstance(options.temperature, float)


def test_a_wrong_kind_deep_inside_names_the_path(mock: responses.RequestsMock,
                                                 client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": [
        {"id": "a", "name": "x"}, {"id": "b", "name": "y", "options": {"tags": ["ok", 3]}}]})
    with pytest.raises(ResponseDecodeError,
                       match=r"data\[1\]\.options\.tags\[1\]: expected string, got integer"):
        client.call(ThingList())


def test_a_boolean_is_not_taken_for_a_number(mock: responses.RequestsMock,
                                             client: LlamaStackClient) -> None:
    mock.get(URL, json={"id": "t1", "name": "one", "options": {"temperature": True}})
    with pytest.raises(ResponseDecodeError, match="temperature"):
        client.call(ThingRetrieve(thing_id="t1"))


def test_an_object_where_a_list_is_declared(mock: responses.RequestsMock,
                                            client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": {"id": "a"}})
    with pytest.raises(ResponseDecodeError, match="data: expected array, got object"):
        client.call(ThingList())


def test_a_top_level_list_response(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/events", json=[
        {"kind": "created", "content": "plain text"},
        {"kind": "deleted", "content": [{"type": "text", "text": "hi"},
                                        {"type": "image_url", "url": "u"}]},
    ])
    first, second = client.call(EventList())
    assert first == Event(kind="created", content="plain text")
    assert second.content == [TextPart(text="hi"), ImagePart(type="image_url", url="u")]


def test_tagged_union_members_are_chosen_by_tag(mock: responses.RequestsMock,
                                               client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/events", json=[{"kind": "created", "content": "c", "parts": [
        {"type": "image", "url": "a"}, {"type": "text", "text": "b"}]}])
    (event,) = client.call(EventList())
    assert event.parts == [ImagePart(url="a"), TextPart(text="b")]


def test_an_unknown_union_member_does_not_crash(mock: responses.RequestsMock,
                                                client: LlamaStackClient) -> None:
    unknown = {"type": "audio", "data": "...", "format": "wav"}
    mock.get(BASE + "/v1/events", json=[{"kind": "created", "content": "c", "parts": [unknown]}])
    (event,) = client.call(EventList())
    (part,) = event.parts
    assert isinstance(part, UnknownVariant)
    assert part.model_extra == unknown


def test_an_unknown_literal_value_is_kept(mock: responses.RequestsMock,
                                          client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/events", json=[{"kind": "archived", "content": "c"}])
    (event,) = client.call(EventList())
    assert str(event.kind) == "archived"


def test_a_union_of_kinds_refuses_a_kind_it_does_not_take(mock: responses.RequestsMock,
                                                          client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/events", json=[{"kind": "created", "content": 42}])
    with pytest.raises(ResponseDecodeError, match=r"\[0\]\.content: expected"):
        client.call(EventList())


def test_a_dict_response_is_returned_as_is(mock: responses.RequestsMock,
                                           client: LlamaStackClient) -> None:
    @dataclass(frozen=True, kw_only=True)
    class Health(Spec[dict[str, Any]]):
        method: ClassVar[str] = "GET"
        path: ClassVar[str] = "/v1/health"

    mock.get(BASE + "/v1/health", json={"status": "OK", "nested": {"x": [1]}})
    assert client.call(Health()) == {"status": "OK", "nested": {"x": [1]}}


@pytest.mark.parametrize("body", [b"", b"null"])
def test_a_none_response_accepts_an_empty_body_or_null(body: bytes, mock: responses.RequestsMock,
                                                       client: LlamaStackClient) -> None:
    mock.delete(URL, body=body, status=200, content_type="application/json")
    assert client.call(ThingDelete(thing_id="t1")) is None


def test_null_where_an_object_is_declared_is_a_decode_error(mock: responses.RequestsMock,
                                                            client: LlamaStackClient) -> None:
    mock.get(URL, body="null", content_type="application/json")
    with pytest.raises(ResponseDecodeError, match="expected object for Thing, got null"):
        client.call(ThingRetrieve(thing_id="t1"))


def test_a_big_list_decodes(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    items = [{"id": f"t{n}", "name": f"n{n}", "extra": n} for n in range(5000)]
    mock.get(BASE + "/v1/things", json={"data": items, "has_more": False})
    page = client.call(ThingList())
    assert len(page.data) == 5000
    assert page.data[4999].model_extra == {"extra": 4999}


@dataclass(kw_only=True)
class Inner(Model):
    a: int


@dataclass(kw_only=True)
class Outer(Model):
    m: dict[str, Inner]


def test_a_decode_error_inside_a_dict_value_names_its_key() -> None:
    """The comprehension's key was invisible to the error handler: m[''].a, not m['k2'].a."""
    with pytest.raises(DecodeError) as caught:
        decoder_for(Outer)({"m": {"k1": {"a": 1}, "k2": {"a": "x"}}})
    assert caught.value.where == "m['k2'].a"
    assert str(caught.value) == "m['k2'].a: expected integer, got string"


def test_decoding_and_the_models_do_not_import_each_other() -> None:
    """The tagged-union registry has one home (decoding); the model layer declares into it.
    Function-level imports count too: a cycle hidden in a function is still a cycle."""
    import ast
    import inspect

    import llamastack.decoding
    import llamastack.models.base

    def imported(module: object) -> set[str]:
        tree = ast.parse(inspect.getsource(module))  # type: ignore[arg-type]
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
        return names

    assert not {name for name in imported(llamastack.decoding) if name.startswith("llamastack")}
    assert "llamastack.decoding" in imported(llamastack.models.base)
