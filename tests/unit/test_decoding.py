"""Decoding responses into the declared types, seen through client.call."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
import responses
from dataclasses_json import DataClassJsonMixin

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

    import llamastack.collector
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

    # decoding's one import of the package is the collector pacing (no imports of its own)
    assert {name for name in imported(llamastack.decoding)
            if name.startswith("llamastack")} == {"llamastack.collector"}
    assert not {name for name in imported(llamastack.collector) if name.startswith("llamastack")}
    assert "llamastack.decoding" in imported(llamastack.models.base)


# --- the compiled decoders' fast paths ----------------------------------------------------


@dataclass(kw_only=True)
class Pair(Model):
    a: int
    b: str = "b"


def test_a_long_list_decodes_like_a_short_one_and_names_the_failing_element() -> None:
    """Past 64 elements a list decodes in slices (collector.py); the result and the index in
    an error are the same as for one comprehension."""
    decode = decoder_for(list[Pair])
    values = [{"a": i, "b": str(i)} for i in range(1000)]
    assert decode(values) == [Pair(a=i, b=str(i)) for i in range(1000)]
    values[700] = {"a": "seven hundred"}
    with pytest.raises(DecodeError) as caught:
        decode(values)
    assert str(caught.value) == "[700].a: expected integer, got string"


def test_decoding_a_long_list_collects_only_the_young_generation() -> None:
    """The decoder's own allocations never set off a collection of the older generations
    (which walk the whole heap): between slices it collects generation 0 itself."""
    import gc

    decode = decoder_for(list[Pair])
    values = [{"a": i} for i in range(20_000)]
    collected: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            collected.append(info["generation"])

    gc.collect()  # a count of 0: the decode alone decides what is collected
    gc.callbacks.append(record)
    try:
        decoded = decode(values)
    finally:
        gc.callbacks.remove(record)
    assert len(decoded) == 20_000
    assert collected and set(collected) == {0}


def test_the_young_generation_is_left_alone_when_the_collector_is_off() -> None:
    """collector.collect_young_if_due collects generation 0 once it is past half its
    threshold, and never while the program has the collector disabled."""
    import gc

    from llamastack.collector import collect_young_if_due

    half = gc.get_threshold()[0] // 2
    gc.disable()
    try:
        gc.collect()
        keep: list[list[int]] = [[] for _ in range(half + 10)]  # no collection: disabled
        assert gc.get_count()[0] > half
        collect_young_if_due()
        assert gc.get_count()[0] > half  # left alone
        gc.enable()
        collect_young_if_due()
        assert gc.get_count()[0] < half
    finally:
        gc.enable()
    assert len(keep) == half + 10


@dataclass(kw_only=True)
class Trimmed(Model):
    """Normalises a field in __setattr__, as __init__ (and so from_dict) would apply it."""

    name: str

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value.strip() if name == "name" else value)


@dataclass(frozen=True)
class Frozen(DataClassJsonMixin):
    name: str
    size: int = 0


def test_fields_are_set_as_the_dataclass_init_sets_them() -> None:
    """A class's own __setattr__ runs (as in __init__); a frozen dataclass is still filled."""
    assert decoder_for(Trimmed)({"name": "  x  "}) == Trimmed.from_dict({"name": "  x  "})
    assert decoder_for(Trimmed)({"name": "  x  "}).name == "x"
    frozen = decoder_for(Frozen)({"name": "f", "size": 2})
    assert frozen == Frozen.from_dict({"name": "f", "size": 2})
    with pytest.raises(dataclasses.FrozenInstanceError):
        frozen.name = "g"


def test_unknown_keys_are_found_whichever_declared_keys_are_missing() -> None:
    """The decoder compares the number of keys with the declared keys it found: an unknown
    key in place of a missing optional one is still kept."""
    assert decoder_for(Pair)({"a": 1, "c": 3}).model_extra == {"c": 3}
    assert decoder_for(Pair)({"a": 1, "b": "x"}).model_extra == {}
    assert decoder_for(Pair)({"a": 1, "b": "x", "model_extra": {"d": 4}}).model_extra == {"d": 4}


@pytest.mark.parametrize("text", ['{"a": 1}', ' {"a": 1}', '{"a": 1} ', '{"a": [1]}\r\n',
                                  '[1, 2.5, "x\\u00e9", null, true]', '"s"', "3", "NaN"])
def test_parse_json_gives_what_json_loads_gives(text: str) -> None:
    from llamastack.decoding import parse_json

    assert repr(parse_json(text)) == repr(json.loads(text))
    assert repr(parse_json(text.encode())) == repr(json.loads(text.encode()))


@pytest.mark.parametrize("text", ['{"a": 1} x', "", " ", "{", '{"a": 1}{}', "[" * 100_000])
def test_parse_json_refuses_what_json_loads_refuses(text: str) -> None:
    from llamastack.decoding import parse_json

    with pytest.raises(ValueError):
        parse_json(text)
