"""A spec handed to the wrong method, or not a spec instance at all, is refused before any
request, with what to do instead.

- ``client.call(ModelList)`` (the class) said "type must be a dataclass" (issue 13, item 7).
- ``client.call(spec)`` where the spec's own ``stream`` field is True sent ``stream: true``,
  got events back and failed with "response body is not JSON" (item 6). Generated specs no
  longer declare ``stream`` (``client.stream`` sends the flag itself); a spec a user declares
  may still have one, so the specs here are declared in the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Optional

import pytest
import responses
from responses import matchers

from llamastack import LlamaStackClient, Model, StreamingSpec
from tests.unit.specs_for_tests import BASE, ThingList, ThingRetrieve


@dataclass(kw_only=True)
class Reply(Model):
    id: str


@dataclass(frozen=True, kw_only=True)
class AskWithStreamField(StreamingSpec[Reply, Reply]):
    """A user's spec that declares the wire flag as a field."""

    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/ask"
    question: str
    stream: Optional[bool] = None


@dataclass(frozen=True, kw_only=True)
class AskWithoutStreamField(StreamingSpec[Reply, Reply]):
    """As generated specs are now: no stream field; client.stream sends the flag."""

    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/ask"
    question: str


@dataclass(frozen=True, kw_only=True)
class NoArguments(StreamingSpec[Reply, Reply]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/ask"


URL = BASE + "/v1/ask"
SENDS: dict[str, Callable[[LlamaStackClient, Any], Any]] = {
    "call": lambda client, spec: client.call(spec),
    "with_response": lambda client, spec: client.with_response(spec),
    "raw": lambda client, spec: client.raw(spec),
}
ALL: dict[str, Callable[[LlamaStackClient, Any], Any]] = {
    **SENDS,
    "stream": lambda client, spec: client.stream(spec),
    "paginate": lambda client, spec: client.paginate(spec),
}


# --- item 6: a spec asking for a stream, sent by a method that cannot read one -------------


@pytest.mark.parametrize("method", list(SENDS))
def test_a_spec_with_stream_true_is_refused_by_call_naming_client_stream(
        method: str, mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    with pytest.raises(TypeError) as caught:
        SENDS[method](client, AskWithStreamField(question="q", stream=True))
    message = str(caught.value)
    assert "AskWithStreamField(stream=True) asks for a stream: use client.stream(spec)" in message
    assert f"client.{method} needs stream left unset or False" in message
    assert len(mock.calls) == 0  # refused before anything was sent


@pytest.mark.parametrize("stream", [None, False])
def test_a_spec_with_stream_unset_or_false_is_called(
        stream: bool | None, mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    sent = {"question": "q"} if stream is None else {"question": "q", "stream": False}
    mock.post(URL, json={"id": "r1"}, match=[matchers.json_params_matcher(sent)])
    assert client.call(AskWithStreamField(question="q", stream=stream)).id == "r1"


def test_client_stream_sends_stream_true_for_a_spec_with_a_stream_field(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.post(URL, body=b'data: {"id": "c1"}\n\n', content_type="text/event-stream",
              match=[matchers.json_params_matcher({"question": "q", "stream": True})])
    assert [r.id for r in client.stream(AskWithStreamField(question="q", stream=True))] == ["c1"]


def test_client_stream_sends_stream_true_for_a_spec_without_a_stream_field(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.post(URL, body=b'data: {"id": "c1"}\n\n', content_type="text/event-stream",
              match=[matchers.json_params_matcher({"question": "q", "stream": True})])
    assert [r.id for r in client.stream(AskWithoutStreamField(question="q"))] == ["c1"]


def test_client_call_of_a_spec_without_a_stream_field_sends_no_flag(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.post(URL, json={"id": "r1"})
    client.call(AskWithoutStreamField(question="q"))
    assert json.loads(mock.calls[0].request.body or b"") == {"question": "q"}


# --- item 7: the class instead of an instance ----------------------------------------------


@pytest.mark.parametrize("method", list(ALL))
def test_a_spec_class_is_refused_saying_pass_an_instance(
        method: str, mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    with pytest.raises(TypeError, match=r"pass an instance: NoArguments\(\)$"):
        ALL[method](client, NoArguments)
    with pytest.raises(TypeError, match=r"ThingRetrieve is a spec class; "
                                        r"pass an instance: ThingRetrieve\(\.\.\.\)$"):
        ALL[method](client, ThingRetrieve)
    assert len(mock.calls) == 0


def test_the_message_names_the_method_and_a_generated_spec() -> None:
    from llamastack.endpoints import ModelList

    with LlamaStackClient("http://x.invalid") as client, pytest.raises(TypeError) as caught:
        client.call(ModelList)  # type: ignore[arg-type]  # mypy refuses it too
    assert str(caught.value) == ("client.call takes a spec instance, and ModelList is a spec "
                                 "class; pass an instance: ModelList()")


@pytest.mark.parametrize("method", list(ALL))
@pytest.mark.parametrize("value", [{"thing_id": "t1"}, "ThingList", None])
def test_anything_but_a_spec_is_refused_naming_what_it_is(
        method: str, value: Any, client: LlamaStackClient) -> None:
    with pytest.raises(TypeError, match=f"takes a spec .*, not {type(value).__name__}$"):
        ALL[method](client, value)


def test_a_class_that_is_not_a_spec_is_named_as_a_class(client: LlamaStackClient) -> None:
    with pytest.raises(TypeError, match="and dict is a class; pass an instance: dict"):
        client.call(dict)  # type: ignore[arg-type]


def test_paginate_still_takes_a_spec_instance(mock: responses.RequestsMock,
                                              client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": [{"id": "a", "name": "A"}]})
    assert [thing.id for thing in client.paginate(ThingList())] == ["a"]
