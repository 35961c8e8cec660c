"""max_response_bytes: a non-streamed body is read with a size limit on its inflated size.

The compressed case runs against a real socket in tests/reliability/test_faults.py; these
check the limit's edges, where it applies, and that a body read this way is still the
caller's ``response.content``.
"""

from __future__ import annotations

import gzip
import json

import pytest
import requests
import responses

from llamastack import (
    DEFAULT_MAX_RESPONSE_BYTES,
    InternalServerError,
    LlamaStackClient,
    ResponseDecodeError,
)
from llamastack.executor import CallNext
from tests.unit.conftest import MakeClient
from tests.unit.specs_for_tests import BASE, ThingRetrieve

URL = BASE + "/v1/things/t1"
THING = json.dumps({"id": "t1", "name": "x" * 100}).encode()


def test_the_default_limit_is_generous() -> None:
    assert DEFAULT_MAX_RESPONSE_BYTES == 512 * 1024 * 1024
    with LlamaStackClient("http://x.invalid") as client:
        assert client.max_response_bytes == DEFAULT_MAX_RESPONSE_BYTES


def test_a_body_of_exactly_the_limit_is_read(mock: responses.RequestsMock,
                                             make_client: MakeClient) -> None:
    mock.get(URL, body=THING, content_type="application/json")
    assert make_client(max_response_bytes=len(THING)).call(ThingRetrieve(thing_id="t1")).id == "t1"


def test_a_body_one_byte_past_the_limit_is_refused_and_not_retried(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.get(URL, body=THING, content_type="application/json")
    client = make_client(max_response_bytes=len(THING) - 1)
    with pytest.raises(ResponseDecodeError, match=f"larger than max_response_bytes={len(THING) - 1};"):
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(mock.calls) == 1


def test_the_limit_is_on_the_inflated_size(mock: responses.RequestsMock,
                                           make_client: MakeClient) -> None:
    compressed = gzip.compress(THING)
    mock.get(URL, body=compressed, content_type="application/json",
             headers={"Content-Encoding": "gzip"})
    client = make_client(max_response_bytes=len(compressed) + 10)  # more than the wire size
    with pytest.raises(ResponseDecodeError, match="once inflated \\(Content-Encoding: gzip\\)"):
        client.call(ThingRetrieve(thing_id="t1"))


def test_none_means_no_limit(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.get(URL, body=THING, content_type="application/json")
    assert make_client(max_response_bytes=None).call(ThingRetrieve(thing_id="t1")).id == "t1"


@pytest.mark.parametrize("method", ["with_response", "raw"])
def test_the_limit_applies_to_with_response_and_raw_too(method: str, mock: responses.RequestsMock,
                                                        make_client: MakeClient) -> None:
    mock.get(URL, body=THING, content_type="application/json")
    with pytest.raises(ResponseDecodeError, match="max_response_bytes"):
        getattr(make_client(max_response_bytes=10), method)(ThingRetrieve(thing_id="t1"))


def test_the_limit_applies_to_undocumented_paths_too(mock: responses.RequestsMock,
                                                     make_client: MakeClient) -> None:
    mock.get(URL, body=THING, content_type="application/json")
    with pytest.raises(ResponseDecodeError, match="max_response_bytes"):
        make_client(max_response_bytes=10).get("/v1/things/t1")


def test_an_error_status_with_a_body_past_the_limit_is_still_the_status_error(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.get(URL, body=b"x" * 100, status=500)
    with pytest.raises(InternalServerError) as caught:
        make_client(max_response_bytes=10, max_retries=0).call(ThingRetrieve(thing_id="t1"))
    assert caught.value.status == 500
    assert "error body not read" in str(caught.value.body)


def test_a_body_read_whole_by_middleware_is_held_to_the_limit(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    def read_it(request: requests.PreparedRequest, call_next: CallNext) -> requests.Response:
        response = call_next(request)
        assert len(response.content) == len(THING)
        return response

    mock.get(URL, body=THING, content_type="application/json")
    with pytest.raises(ResponseDecodeError, match="max_response_bytes"):
        make_client(max_response_bytes=10, middleware=[read_it]).call(ThingRetrieve(thing_id="t1"))


def test_the_body_read_with_the_limit_is_the_responses_content(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.get(URL, body=THING, content_type="application/json")
    data, response = client.with_response(ThingRetrieve(thing_id="t1"))
    assert response.content == THING
    assert response.json()["id"] == "t1" == data.id


@pytest.mark.parametrize("declared", [True, False], ids=["Content-Length", "no length"])
def test_a_body_is_read_whole_with_or_without_its_length(
        declared: bool, mock: responses.RequestsMock, make_client: MakeClient) -> None:
    """With a Content-Length (and no Content-Encoding) the body is read in one go; without
    one, in pieces held to the limit: the same content either way, and the same refusal."""
    headers = {"Content-Length": str(len(THING))} if declared else {}
    mock.get(URL, body=THING, content_type="application/json", headers=headers)
    data, response = make_client(max_response_bytes=len(THING)).with_response(
        ThingRetrieve(thing_id="t1"))
    assert response.content == THING and data.id == "t1"
    with pytest.raises(ResponseDecodeError, match=f"larger than max_response_bytes={len(THING) - 1};"):
        make_client(max_response_bytes=len(THING) - 1).call(ThingRetrieve(thing_id="t1"))


def test_a_declared_length_does_not_lift_the_limit_on_the_inflated_size(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    compressed = gzip.compress(THING)
    mock.get(URL, body=compressed, content_type="application/json",
             headers={"Content-Encoding": "gzip", "Content-Length": str(len(compressed))})
    with pytest.raises(ResponseDecodeError, match="once inflated \\(Content-Encoding: gzip\\)"):
        make_client(max_response_bytes=len(compressed) + 10).call(ThingRetrieve(thing_id="t1"))
    assert make_client(max_response_bytes=len(THING)).call(ThingRetrieve(thing_id="t1")).id == "t1"
