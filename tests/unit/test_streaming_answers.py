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


@pytest.mark.parametrize("content_type", ["application/json", "application/problem+json"])
def test_stream_answered_with_a_json_error_raises_that_error(content_type: str) -> None:
    client = LlamaStackClient("http://127.0.0.1:9", max_retries=0)
    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:9/v1/things", content_type=content_type,
                  body=b'{"error": {"message": "bad things", "code": "400"}}')
        with pytest.raises(BadRequestError, match="bad things"):
            client.stream(Streamable())


PORTAL_PAGE = b"<html><body>Sign in to the guest network</body></html>\n"


@pytest.mark.parametrize("page", [PORTAL_PAGE, PORTAL_PAGE.rstrip(b"\n")],
                         ids=["ends-in-newline", "no-final-newline"])
def test_stream_answered_with_an_html_page_is_a_decode_error_naming_its_type(page: bytes) -> None:
    """Read as events, a page ending in a newline gave zero chunks and no error; without
    the newline it was a cut connection, retried three times."""
    client = LlamaStackClient("http://127.0.0.1:9")  # max_retries=2: would retry a cut
    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:9/v1/things", body=page, content_type="text/html; charset=utf-8")
        with pytest.raises(ResponseDecodeError) as err:
            client.stream(Streamable())
        assert len(mock.calls) == 1
    message = str(err.value)
    assert "expected a text/event-stream answer, got text/html; charset=utf-8" in message
    assert "Sign in to the guest network" in message
    assert err.value.status == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/octet-stream"])
def test_stream_answered_with_any_other_type_is_a_decode_error(content_type: str) -> None:
    client = LlamaStackClient("http://127.0.0.1:9")
    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:9/v1/things", body=b'data: {"id": "x"}\n\n',
                  content_type=content_type)
        with pytest.raises(ResponseDecodeError, match=f"got {content_type}"):
            client.stream(Streamable())
        assert len(mock.calls) == 1


def test_stream_answered_without_a_content_type_is_a_decode_error() -> None:
    client = LlamaStackClient("http://127.0.0.1:9")
    with responses.RequestsMock() as mock:
        mock.add(responses.Response("POST", "http://127.0.0.1:9/v1/things",
                                    body=b'data: {"id": "x"}\n\n', content_type=None))
        with pytest.raises(ResponseDecodeError, match="got no Content-Type"):
            client.stream(Streamable())


def test_an_event_stream_with_parameters_in_its_type_streams() -> None:
    client = LlamaStackClient("http://127.0.0.1:9")
    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:9/v1/things", body=b'data: {"id": "x"}\n\n',
                  content_type="Text/Event-Stream; charset=utf-8")
        assert [chunk.id for chunk in client.stream(Streamable())] == ["x"]
