"""What client.stream does when the server does not answer with an event stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Optional

import pytest
import responses

from llamastack import BadRequestError, LlamaStackClient, Model, ResponseDecodeError, StreamingSpec


@dataclass(kw_only=True)
class Chunk(Model):
    id: str


@dataclass(frozen=True, kw_only=True)
class Streamable(StreamingSpec[Chunk, Chunk]):
    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/things"
    stream: Optional[bool] = None


def test_stream_answered_with_plain_json_is_a_decode_error_not_a_cut_connection() -> None:
    client = LlamaStackClient("http://127.0.0.1:9", max_retries=0)
    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:9/v1/things", json={"id": "x"})
        with pytest.raises(ResponseDecodeError, match="expected a text/event-stream answer") as err:
            client.stream(Streamable())
        assert len(mock.calls) == 1
    assert err.value.body == {"id": "x"}


def test_stream_answered_with_a_json_error_raises_that_error() -> None:
    client = LlamaStackClient("http://127.0.0.1:9", max_retries=0)
    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:9/v1/things",
                  json={"error": {"message": "bad things", "code": "400"}})
        with pytest.raises(BadRequestError, match="bad things"):
            client.stream(Streamable())
