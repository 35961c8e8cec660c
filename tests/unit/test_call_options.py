"""The per-call options, declared once (llamastack/options.py) and unpacked by every spec
method: the same names everywhere, type-checked by mypy (this file is checked: a misspelt or
mistyped option below must stay an error, or its ``type: ignore`` becomes an unused-ignore
error), and refused at run time like an unexpected keyword argument.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest
import responses
from responses import matchers

from llamastack import CallOptions, LlamaStackClient, RequestOptions, UploadOptions
from tests.unit.conftest import send_kwargs
from tests.unit.specs_for_tests import BASE, ChatCreate, ThingList, ThingRetrieve

URL_T1 = BASE + "/v1/things/t1"

METHODS: dict[str, type[Any]] = {
    "call": UploadOptions,
    "with_response": UploadOptions,
    "raw": UploadOptions,
    "stream": CallOptions,
    "paginate": RequestOptions,
}


def test_every_spec_method_unpacks_one_declared_set_of_options() -> None:
    for method, options in METHODS.items():
        parameters = inspect.signature(getattr(LlamaStackClient, method)).parameters
        assert list(parameters) == ["self", "spec", "options"], method
        assert parameters["options"].kind is inspect.Parameter.VAR_KEYWORD
        assert parameters["options"].annotation == f"Unpack[{options.__name__}]", method


def test_the_option_sets_nest() -> None:
    request = set(RequestOptions.__annotations__)
    assert request == {"timeout", "max_retries", "extra_headers", "extra_query"}
    assert set(CallOptions.__annotations__) == request | {"extra_body"}
    assert set(UploadOptions.__annotations__) == request | {"extra_body", "on_upload_progress"}


CALLS: dict[str, Callable[..., Any]] = {
    "call": lambda client, **kw: client.call(ThingRetrieve(thing_id="t1"), **kw),
    "with_response": lambda client, **kw: client.with_response(ThingRetrieve(thing_id="t1"), **kw),
    "raw": lambda client, **kw: client.raw(ThingRetrieve(thing_id="t1"), **kw),
    "stream": lambda client, **kw: client.stream(ChatCreate(model="m", prompt="p"), **kw),
    "paginate": lambda client, **kw: client.paginate(ThingList(), **kw),
}


@pytest.mark.parametrize("method", list(CALLS))
def test_a_misspelt_option_is_refused_like_a_keyword_argument(
        method: str, mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    with pytest.raises(TypeError, match=f"^{method}\\(\\) got an unexpected keyword argument "
                                        "'timout' \\(it takes .*max_retries"):
        CALLS[method](client, timout=5)
    assert len(mock.calls) == 0


@pytest.mark.parametrize(("method", "option"), [
    ("stream", "on_upload_progress"), ("paginate", "extra_body"),
    ("paginate", "on_upload_progress"),
])
def test_an_option_a_method_does_not_take_is_refused(
        method: str, option: str, client: LlamaStackClient) -> None:
    with pytest.raises(TypeError, match=f"unexpected keyword argument '{option}'"):
        CALLS[method](client, **{option: None})


def test_mypy_checks_the_options_by_name_and_type(mock: responses.RequestsMock,
                                                  client: LlamaStackClient) -> None:
    mock.get(URL_T1, json={"id": "t1", "name": "n"}, match=[matchers.header_matcher({"X-A": "1"})])
    thing = client.call(ThingRetrieve(thing_id="t1"), timeout=(1, 2), max_retries=0,
                        extra_headers={"X-A": "1"}, extra_query=None)
    assert thing.id == "t1" and send_kwargs(mock)[0]["timeout"] == (1, 2)
    with pytest.raises(TypeError):
        client.call(ThingRetrieve(thing_id="t1"), timout=5)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="timeout must be a positive number"):
        client.call(ThingRetrieve(thing_id="t1"), timeout="5")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        client.paginate(ThingList(), extra_body={})  # type: ignore[call-arg]


def test_options_reach_every_page_of_paginate(mock: responses.RequestsMock,
                                              client: LlamaStackClient) -> None:
    for after, page in ((None, {"data": [{"id": "a", "name": "A"}], "has_more": True,
                                "last_id": "a"}),
                        ("a", {"data": [{"id": "b", "name": "B"}], "has_more": False})):
        query = {"q": "1"} if after is None else {"q": "1", "after": after}
        mock.get(BASE + "/v1/things", json=page,
                 match=[matchers.query_param_matcher(query), matchers.header_matcher({"X-P": "y"})])
    things = client.paginate(ThingList(), extra_query={"q": "1"}, extra_headers={"X-P": "y"},
                             timeout=3)
    assert [thing.id for thing in things] == ["a", "b"]
    assert [kwargs["timeout"] for kwargs in send_kwargs(mock)] == [(3, 3), (3, 3)]
