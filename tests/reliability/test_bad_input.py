"""Bad input, from the server and from the caller.

From the server: any JSON decoded into any response type gives a value of that type or a
DecodeError (``decoder_for``) / ResponseDecodeError (through the client), never another
exception, for every Model subclass in llamastack/models/ (discovered when the tests are
collected, so newly generated models are covered without editing this file) and for the
test types in specs.py.

From the caller: path values are encoded as one segment whatever they contain, empty and dot
segments and CR/LF in headers are refused before anything is sent, an invalid base URL is
refused with a message that says what is expected, an upload from a missing path fails
before any request, and a spec missing a required field cannot be constructed.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import importlib
import json
import pkgutil
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal, Union, get_args, get_origin, get_type_hints
from urllib.parse import unquote, urlsplit

import pytest
import requests
import responses
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import llamastack.models
from llamastack import (
    APIError,
    LlamaStackClient,
    Model,
    ResponseDecodeError,
    RetryPolicy,
    Spec,
)
from llamastack.decoding import DecodeError, decoder_for
from tests.reliability.faultserver import FaultServer, json_response, respond
from tests.reliability.specs import (
    Echo,
    Empty,
    FileInfo,
    FileUpload,
    Item,
    ItemList,
    ShapeCircle,
    ShapeSquare,
    Thing,
    ThingChunk,
    ThingCreate,
    ThingRetrieve,
    ThingTraced,
    Tree,
)

# --- every model there is ------------------------------------------------------------------


def _import_model_modules() -> dict[str, str]:
    """Import every module under llamastack/models/; the ones that fail, with the error."""
    failures: dict[str, str] = {}
    for info in pkgutil.walk_packages(llamastack.models.__path__, "llamastack.models."):
        try:
            importlib.import_module(info.name)
        except Exception as exc:  # reported by test_every_model_module_imports
            failures[info.name] = f"{type(exc).__name__}: {exc}"
    return failures


def _subclasses(cls: type) -> Iterator[type]:
    sub: type
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


IMPORT_FAILURES = _import_model_modules()
LIBRARY_MODELS = sorted({cls for cls in _subclasses(Model)
                         if cls.__module__.startswith("llamastack.models")},
                        key=lambda cls: (cls.__module__, cls.__qualname__))
OWN_MODELS: list[type] = [Thing, ThingChunk, ShapeCircle, ShapeSquare, Item, ItemList, FileInfo,
                          Echo, Tree, Empty]
ALL_MODELS = LIBRARY_MODELS + OWN_MODELS


def _model_id(cls: type) -> str:
    return f"{cls.__module__.rsplit('.', 1)[-1]}.{cls.__qualname__}"


def test_every_model_module_imports() -> None:
    assert IMPORT_FAILURES == {}


def test_the_library_models_were_found() -> None:
    assert any(cls.__name__ == "UnknownVariant" for cls in LIBRARY_MODELS)


# --- JSON shaped like a type, and not ------------------------------------------------------

ANY_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                max_size=3),
    max_leaves=6)
EXTRA_KEYS = st.sampled_from(["model_extra", "type", "id", "data", "object"]) | st.text(max_size=6)
MAX_DEPTH = 3
_strategies: dict[tuple[Any, int], st.SearchStrategy[Any]] = {}


def shaped(tp: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Mostly JSON that fits ``tp``, at every level sometimes any JSON at all, so decoding
    gets deep into the type before (maybe) meeting something that does not fit."""
    key = (tp, depth)
    if key not in _strategies:
        if depth >= MAX_DEPTH:
            _strategies[key] = ANY_JSON
        else:
            fitting = _fitting(tp, depth)
            _strategies[key] = st.integers(0, 7).flatmap(
                lambda n: ANY_JSON if n == 0 else fitting)
    return _strategies[key]


def _wire_key(cls: type, field: dataclasses.Field[Any]) -> str:
    config = dict(getattr(cls, "dataclass_json_config", None) or {})
    override = {**config, **field.metadata.get("dataclasses_json", {})}
    letter_case = override.get("letter_case")
    return letter_case(field.name) if letter_case else field.name


def _fitting(tp: Any, depth: int) -> st.SearchStrategy[Any]:
    origin = get_origin(tp)
    if tp is type(None) or tp is None:
        return st.none()
    if tp is bool:
        return st.booleans()
    if tp is int:
        return st.integers()
    if tp is float:
        return st.floats() | st.integers()
    if tp is str:
        return st.text(max_size=12)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from([member.value for member in tp])
    if origin is Literal:
        return st.sampled_from(get_args(tp))
    if origin is list:
        (item,) = get_args(tp) or (Any,)
        return st.lists(shaped(item, depth + 1), max_size=2)
    if origin is dict:
        _, value = get_args(tp) or (str, Any)
        return st.dictionaries(st.text(max_size=6), shaped(value, depth + 1), max_size=2)
    if origin is Union or origin is types.UnionType:
        return st.one_of([shaped(arm, depth) for arm in get_args(tp)])
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _fitting_object(tp, depth)
    return ANY_JSON  # Any, object, and anything JSON cannot express


def _fitting_object(cls: type, depth: int) -> st.SearchStrategy[dict[str, Any]]:
    hints = get_type_hints(cls)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field in dataclasses.fields(cls):
        if not field.init or field.name == "model_extra":
            continue
        has_default = (field.default is not dataclasses.MISSING
                       or field.default_factory is not dataclasses.MISSING)
        (optional if has_default else required)[_wire_key(cls, field)] = shaped(
            hints[field.name], depth + 1)
    complete = st.fixed_dictionaries(required, optional=optional)
    some_missing = st.fixed_dictionaries({}, optional={**required, **optional})
    extra = st.dictionaries(EXTRA_KEYS, ANY_JSON, max_size=2)
    return st.tuples(st.integers(0, 7).flatmap(lambda n: some_missing if n == 0 else complete),
                     extra).map(lambda pair: {**pair[1], **pair[0]})


# --- decoding never raises anything but DecodeError ----------------------------------------

# Over hundreds of models each run is kept short; no shrinking, so a failure is reported at
# once (with the example as generated) instead of minutes later.
PROPERTY = settings(max_examples=10, deadline=None, database=None,
                    phases=[Phase.explicit, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@functools.cache
def _probe_spec(model: type) -> Spec[Any]:
    """GET /v1/probe, declared to answer ``model``."""
    spec_class = types.new_class(f"{model.__name__}Probe", (Spec[model],), {},  # type: ignore[valid-type]
                                 lambda ns: ns.update(method="GET", path="/v1/probe"))
    spec_type: Any = dataclasses.dataclass(frozen=True, kw_only=True)(spec_class)
    spec: Spec[Any] = spec_type()
    return spec


@pytest.fixture(scope="module")
def probe_client() -> Iterator[LlamaStackClient]:
    with LlamaStackClient(base_url="http://probe.invalid", max_retries=0) as client:
        yield client


def call_with_body(client: LlamaStackClient, spec: Spec[Any], body: bytes | str) -> Any:
    with responses.RequestsMock() as mock:
        mock.get("http://probe.invalid/v1/probe", body=body, content_type="application/json")
        return client.call(spec)


@pytest.mark.parametrize("model", ALL_MODELS, ids=_model_id)
@PROPERTY
@given(data=st.data())
def test_any_json_is_the_model_or_a_decode_error(
        model: type, data: st.DataObject, probe_client: LlamaStackClient) -> None:
    """decoder_for: the model or DecodeError; the client: the model or ResponseDecodeError,
    and the two agree."""
    value = data.draw(shaped(model), label="json")
    try:
        decoded = decoder_for(model)(value)
    except DecodeError:
        fits = False
    else:
        assert isinstance(decoded, model)
        fits = True
    spec = _probe_spec(model)
    try:
        result = call_with_body(probe_client, spec, json.dumps(value))
    except ResponseDecodeError as exc:
        assert not fits
        assert exc.status == 200 and exc.spec is spec
        assert json.dumps(exc.body) == json.dumps(value)  # (NaN != NaN, so compare as JSON)
        return
    assert fits and isinstance(result, model)


@pytest.mark.parametrize("model", OWN_MODELS, ids=_model_id)
@PROPERTY
@given(body=st.binary(max_size=40) | st.text(max_size=40))
def test_any_body_is_the_model_or_a_response_decode_error(
        model: type, body: bytes | str, probe_client: LlamaStackClient) -> None:
    try:
        result = call_with_body(probe_client, _probe_spec(model), body)
    except ResponseDecodeError as exc:
        assert exc.status == 200
        return
    assert isinstance(result, model)


def test_a_model_with_no_declared_fields_decodes_into_model_extra() -> None:
    assert decoder_for(Empty)({"anything": [1, 2]}).model_extra == {"anything": [1, 2]}
    assert decoder_for(llamastack.models.base.UnknownVariant)({"type": "new"}).model_extra == {
        "type": "new"}


def _nested_tree(depth: int, leaf: Any) -> dict[str, Any]:
    tree: dict[str, Any] = {"name": leaf}
    for _ in range(depth):
        tree = {"name": "n", "children": [{"name": "sibling"}, tree]}
    return tree


def test_a_bad_value_deep_in_a_recursive_model_fails_fast() -> None:
    started = time.monotonic()
    with pytest.raises(DecodeError) as caught:
        decoder_for(Tree)(_nested_tree(22, leaf=7))
    assert time.monotonic() - started < 1.0  # finding the failing index took 2**depth decodes: ~25 s
    assert str(caught.value).startswith("children[1].children[1].")
    assert str(caught.value).endswith("name: expected string, got integer")


def _deep_tree(depth: int) -> dict[str, Any]:
    tree: dict[str, Any] = {"name": "leaf"}
    for _ in range(depth):
        tree = {"name": "n", "children": [tree]}
    return tree


# How deep a tree each layer takes depends on the interpreter (measured at the top of a
# script): json.loads about 496 levels of these trees on 3.10/3.11, 748 on 3.12, 4,998 on
# 3.13; the decoder about 199 on 3.10/3.11, 332 on 3.12/3.13 (3.12's frames are lighter).
# 600 levels are too deep for the decoder everywhere; 100 decode everywhere.
TOO_DEEP = 600


def _depth(tree: Tree) -> int:
    depth = 0
    while tree.children:
        tree, depth = tree.children[0], depth + 1
    return depth


@pytest.mark.parametrize("depth", [TOO_DEEP, 5000])
def test_a_recursive_model_nested_too_deeply_is_a_decode_error(depth: int) -> None:
    started = time.monotonic()
    with pytest.raises(DecodeError, match="nested too deeply to decode"):
        decoder_for(Tree)(_deep_tree(depth))
    assert time.monotonic() - started < 2.0


def test_a_recursive_answer_nested_too_deeply_is_a_response_decode_error(
        server: FaultServer) -> None:
    # 3.10/3.11's json.loads refuses it; on 3.12+ it parses and the decoder refuses it.
    # Written out by hand: json.dumps on 3.10/3.11 cannot encode it either.
    body = '{"name": "n", "children": [' * TOO_DEEP + '{"name": "leaf"}' + "]}" * TOO_DEEP
    server.script(respond(200, body, {"Content-Type": "application/json"}))
    with LlamaStackClient(base_url=server.url, max_retries=0) as client, \
            pytest.raises(ResponseDecodeError, match=r"nested too deeply to (parse|decode)"):
        client.call(_probe_spec(Tree))


def test_a_recursive_answer_the_stack_allows_decodes_whole(
        server: FaultServer) -> None:
    server.script(json_response(_deep_tree(100)))
    with LlamaStackClient(base_url=server.url, max_retries=0) as client:
        assert _depth(client.call(_probe_spec(Tree))) == 100


# --- path values ---------------------------------------------------------------------------


class Captured:
    """Middleware that records the prepared request and answers without any network."""

    def __init__(self, answer: Any = None) -> None:
        self.urls: list[str] = []
        self.headers: list[dict[str, str]] = []
        self.answer = json.dumps(answer or {"id": "t1", "name": "n"}).encode()

    def __call__(self, request: requests.PreparedRequest, call_next: Any) -> requests.Response:
        assert request.url is not None
        self.urls.append(request.url)
        self.headers.append(dict(request.headers))
        response = requests.Response()
        response.status_code = 200
        response._content = self.answer
        response.headers["Content-Type"] = "application/json"
        response.request = request
        return response


def captured_client(capture: Captured) -> LlamaStackClient:
    return LlamaStackClient(base_url="http://127.0.0.1:9/base", middleware=[capture],
                            max_retries=0)


PATH_VALUES = st.text(min_size=1).filter(lambda text: text not in (".", ".."))


@settings(max_examples=300, deadline=None, database=None)
@given(thing_id=PATH_VALUES, part=PATH_VALUES)
def test_any_path_value_is_sent_as_exactly_one_segment(thing_id: str, part: str) -> None:
    capture = Captured()
    with captured_client(capture) as client:
        client.call(ThingTraced(thing_id=thing_id, part=part))
    url = urlsplit(capture.urls[0])
    assert url.query == "" and url.fragment == ""
    segments = url.path.split("/")
    assert segments[:4] == ["", "base", "v1", "things"] and segments[5] == "parts"
    assert len(segments) == 7
    assert unquote(segments[4]) == thing_id and unquote(segments[6]) == part


TRICKY = "a/b?c=d#e%2F ..é 空\t"


def test_path_value_with_reserved_characters_on_the_wire(server: FaultServer) -> None:
    server.script(json_response({"id": "t1", "name": "n"}), json_response({"id": "t1", "name": "n"}))
    with LlamaStackClient(base_url=server.url, max_retries=0) as client:
        client.call(ThingTraced(thing_id=TRICKY, part="../../admin", view="a&b=c\r\nX: y"))
        client.call(ThingRetrieve(thing_id="%2e%2e"))
    first, second = (request.target for request in server.requests)
    assert first == ("/v1/things/a%2Fb%3Fc%3Dd%23e%252F%20..%C3%A9%20%E7%A9%BA%09/parts/"
                     "..%2F..%2Fadmin?view=a%26b%3Dc%0D%0AX%3A%20y")
    assert second == "/v1/things/%252e%252e"


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_empty_and_dot_path_values_are_refused_naming_the_field(
        server: FaultServer, value: str) -> None:
    with LlamaStackClient(base_url=server.url) as client:
        with pytest.raises(ValueError, match="'thing_id'"):
            client.call(ThingRetrieve(thing_id=value))
        with pytest.raises(ValueError, match="'part'"):
            client.call(ThingTraced(thing_id="t1", part=value))
    assert server.connections == 0


@pytest.mark.parametrize("value", [None, True, 1.5, b"t1", ["t1"]])
def test_path_values_that_are_not_text_or_int_are_refused(server: FaultServer, value: Any) -> None:
    with LlamaStackClient(base_url=server.url) as client, pytest.raises(TypeError, match="thing_id"):
        client.call(ThingRetrieve(thing_id=value))
    assert server.connections == 0


# --- headers -------------------------------------------------------------------------------

CRLF_VALUES = ["a\r\nX-Injected: 1", "a\nb", "a\rb", "\r\n", "ok\r\n\r\nGET / HTTP/1.1"]


@pytest.mark.parametrize("value", CRLF_VALUES)
def test_header_values_with_cr_or_lf_are_refused_before_sending(
        server: FaultServer, value: str) -> None:
    with LlamaStackClient(base_url=server.url) as client:
        with pytest.raises(ValueError, match="X-Note"):
            client.call(ThingRetrieve(thing_id="t1"), extra_headers={"X-Note": value})
        with pytest.raises(ValueError, match="X-Trace"):
            client.call(ThingTraced(thing_id="t1", part="p", trace=value))
        with pytest.raises(ValueError, match="X-Note"):
            client.get("/v1/things", headers={"X-Note": value})
    with pytest.raises(ValueError, match="X-Note"):
        LlamaStackClient(base_url=server.url, default_headers={"X-Note": value})
    with pytest.raises(ValueError, match="Authorization"):
        LlamaStackClient(base_url=server.url, api_key=f"sk-{value}")
    assert server.connections == 0


@settings(max_examples=200, deadline=None, database=None)
@given(before=st.text(max_size=5), newline=st.sampled_from(["\r", "\n", "\r\n"]),
       after=st.text(max_size=5))
def test_no_header_value_with_a_line_break_is_ever_sent(before: str, newline: str,
                                                         after: str) -> None:
    capture = Captured()
    with captured_client(capture) as client, pytest.raises(ValueError):
        client.call(ThingTraced(thing_id="t", part="p", trace=before + newline + after))
    assert capture.urls == []


@pytest.mark.parametrize("name", ["X Note", "X-Note:", "X-Note\r\n", "", "Näme"])
def test_invalid_header_names_are_refused(name: str) -> None:
    capture = Captured()
    with captured_client(capture) as client, pytest.raises(ValueError, match="header"):
        client.call(ThingRetrieve(thing_id="t1"), extra_headers={name: "v"})
    assert capture.urls == []


def test_provider_data_with_line_breaks_is_sent_escaped_in_one_header() -> None:
    capture = Captured()
    with LlamaStackClient(base_url="http://127.0.0.1:9", middleware=[capture],
                          provider_data={"note": "a\r\nX-Injected: 1"}) as client:
        client.call(ThingRetrieve(thing_id="t1"))
    (headers,) = capture.headers
    assert "X-Injected" not in headers
    assert json.loads(headers["X-LlamaStack-Provider-Data"]) == {"note": "a\r\nX-Injected: 1"}


# --- base URL ------------------------------------------------------------------------------

BAD_BASE_URLS = ["localhost:8321", "127.0.0.1:8321", "ftp://example.com", "http://", "http:///v1",
                 "http://host:port", "http://host:99999", "http://[::1", "http://host/?q=1",
                 "http://host/#top", "", "   ", "//host:8321", "file:///etc/passwd",
                 "http://exa mple.com", "http://host\n.com:8321", "http://host\t:8321",
                 "http://127.0.0.1:8321/v1 x", "http://127.0.0.1:8321/\x00"]


@pytest.mark.parametrize("base_url", BAD_BASE_URLS)
def test_an_invalid_base_url_is_refused_with_a_clear_message(base_url: str) -> None:
    with pytest.raises(ValueError) as caught:
        LlamaStackClient(base_url=base_url)
    message = str(caught.value)
    assert "base_url" in message and repr(base_url) in message


@pytest.mark.parametrize("base_url", ["localhost:8321", "ftp://example.com"])
def test_an_invalid_base_url_from_the_environment_is_refused(
        monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    monkeypatch.setenv("LLAMA_STACK_BASE_URL", base_url)
    with pytest.raises(ValueError, match="base_url"):
        LlamaStackClient()


def test_a_base_url_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(TypeError, match="base_url"):
        LlamaStackClient(base_url=b"http://localhost:8321")  # type: ignore[arg-type]


# --- uploads -------------------------------------------------------------------------------


def test_an_upload_from_a_missing_path_fails_before_any_request(
        server: FaultServer, tmp_path: Path) -> None:
    missing = tmp_path / "missing.pdf"
    with LlamaStackClient(base_url=server.url) as client:
        with pytest.raises(FileNotFoundError, match=r"missing\.pdf"):
            client.call(FileUpload(file=missing))
        with pytest.raises(FileNotFoundError, match=r"missing\.pdf"):
            client.post("/v1/files", files={"file": missing}, body={"purpose": "assistants"})
        with pytest.raises(FileNotFoundError):
            client.call(FileUpload(file=tmp_path))  # a directory is no file either
    assert server.connections == 0


def test_an_upload_given_a_str_is_refused_as_ambiguous(server: FaultServer) -> None:
    with LlamaStackClient(base_url=server.url) as client, pytest.raises(TypeError, match="Path"):
        client.call(FileUpload(file="/etc/hostname"))
    assert server.connections == 0


# --- specs ---------------------------------------------------------------------------------


def test_a_spec_missing_a_required_field_cannot_be_constructed() -> None:
    with pytest.raises(TypeError, match="thing_id"):
        ThingRetrieve()  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="name"):
        ThingCreate(size=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="file"):
        FileUpload()


def test_a_spec_refuses_unknown_fields_positional_values_and_mutation() -> None:
    with pytest.raises(TypeError, match="colour"):
        ThingCreate(name="n", colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        ThingRetrieve("t1")  # type: ignore[call-arg]
    spec = ThingRetrieve(thing_id="t1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.thing_id = "t2"  # type: ignore[misc]


def test_bad_input_never_escapes_as_anything_but_the_documented_errors(
        server: FaultServer) -> None:
    """A body the caller cannot serialise is refused before sending, as a TypeError."""

    @dataclasses.dataclass(frozen=True, kw_only=True)
    class ThingWithObject(Spec[Thing]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/things"
        payload: Any

    with LlamaStackClient(base_url=server.url, retry_policy=RetryPolicy(sleep=lambda _: None)
                          ) as client:
        for payload in (object(), {1, 2}, float("nan")):
            with pytest.raises((TypeError, ValueError)) as caught:
                client.call(ThingWithObject(payload=payload))
            assert not isinstance(caught.value, APIError)
    assert server.connections == 0
