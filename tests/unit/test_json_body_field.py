"""A json_body_field is the whole JSON body of the request (0.2's bare-array bodies)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

import pytest
import responses
from responses import matchers

from llamastack import LlamaStackClient, Model, Spec, body_field, json_body_field
from llamastack.spec import plan_for


@dataclass(kw_only=True)
class Box(Model):
    id: str


@dataclass(frozen=True, kw_only=True)
class BoxFilter(Spec[Box]):
    method: ClassVar[str] = "GET"
    path: ClassVar[str] = "/v1/boxes/{box_id}"
    box_id: str
    item_ids: Optional[list[str]] = json_body_field()


def test_a_json_body_field_is_sent_as_the_whole_body_even_on_a_get() -> None:
    client = LlamaStackClient("http://127.0.0.1:9", max_retries=0)
    with responses.RequestsMock() as mock:
        mock.get("http://127.0.0.1:9/v1/boxes/b1", json={"id": "b1"},
                 match=[matchers.json_params_matcher(["i1", "i2"]),
                        matchers.query_string_matcher("")])
        assert client.call(BoxFilter(box_id="b1", item_ids=["i1", "i2"])).id == "b1"


def test_an_unset_json_body_field_sends_no_body() -> None:
    client = LlamaStackClient("http://127.0.0.1:9", max_retries=0)
    with responses.RequestsMock() as mock:
        mock.get("http://127.0.0.1:9/v1/boxes/b1", json={"id": "b1"})
        client.call(BoxFilter(box_id="b1"))
        assert mock.calls[0].request.body is None


def test_extra_body_cannot_merge_into_an_array_body() -> None:
    client = LlamaStackClient("http://127.0.0.1:9", max_retries=0)
    with pytest.raises(TypeError, match=r"BoxFilter\.item_ids is the whole request body"):
        client.call(BoxFilter(box_id="b1", item_ids=["i1"]), extra_body={"x": 1})


def test_a_json_body_field_cannot_share_the_body_with_other_fields() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Both(Spec[Box]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/boxes"
        items: Optional[list[str]] = json_body_field()
        name: Optional[str] = body_field()

    with pytest.raises(TypeError, match="a json_body_field is the whole body"):
        plan_for(Both)
