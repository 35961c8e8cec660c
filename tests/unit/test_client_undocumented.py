"""client.get/post/put/patch/delete: any path, with the client's auth, retries and errors."""

from __future__ import annotations

import pytest
import requests
import responses
from responses import matchers

from llamastack import (
    APIConnectionError,
    APIStatusError,
    BadRequestError,
    LlamaStackClient,
    NotFoundError,
)
from tests.unit.conftest import MakeClient
from tests.unit.specs_for_tests import BASE


def test_get_returns_parsed_json_with_auth(mock: responses.RequestsMock,
                                           make_client: MakeClient) -> None:
    mock.get(BASE + "/v1/health", json={"status": "OK"},
             match=[matchers.header_matcher({"Authorization": "Bearer sk-1"})])
    assert make_client(api_key="sk-1").get("/v1/health") == {"status": "OK"}


def test_a_body_that_is_not_json_is_returned_as_text(mock: responses.RequestsMock,
                                                     client: LlamaStackClient) -> None:
    mock.get(BASE + "/metrics", body="requests_total 3\n", content_type="text/plain")
    assert client.get("/metrics") == "requests_total 3\n"


def test_an_empty_body_returns_none(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.delete(BASE + "/v1/models/m1", status=204, body=b"")
    assert client.delete("/v1/models/m1") is None


def test_a_json_null_body_returns_none(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1alpha/eval/benchmarks", body="null", content_type="application/json")
    assert client.post("/v1alpha/eval/benchmarks", body={"benchmark_id": "b"}) is None


@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_body_is_sent_as_json(method: str, mock: responses.RequestsMock,
                              client: LlamaStackClient) -> None:
    mock.add(method.upper(), BASE + "/v1/things/t1", json={"ok": True}, match=[
        matchers.json_params_matcher({"name": "n", "nested": {"a": [1, None]}}),
        matchers.header_matcher({"Content-Type": "application/json"}),
    ])
    assert getattr(client, method)("/v1/things/t1", body={"name": "n", "nested": {"a": [1, None]}}) \
        == {"ok": True}


def test_query_headers_and_default_query(mock: responses.RequestsMock,
                                         make_client: MakeClient) -> None:
    client = make_client(default_query={"region": "eu"}, default_headers={"X-Team": "t"})
    mock.get(BASE + "/v1/things", json=[], match=[
        matchers.query_param_matcher({"region": "eu", "limit": "5", "tag": ["a", "b"],
                                      "flag": "true"}),
        matchers.header_matcher({"X-Team": "t", "X-Call": "c"}),
    ])
    assert client.get("/v1/things", query={"limit": 5, "tag": ["a", "b"], "flag": True,
                                           "skipped": None},
                      headers={"X-Call": "c"}) == []


def test_query_in_the_path_is_kept(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    mock.get(BASE + "/v1/things", json={}, match=[
        matchers.query_string_matcher("a=1&b=2")])
    make_client().get("/v1/things?a=1", query={"b": 2})


def test_headers_none_removes_a_client_header(mock: responses.RequestsMock,
                                              make_client: MakeClient) -> None:
    mock.get(BASE + "/v1/health", json={})
    make_client(api_key="sk-1").get("/v1/health", headers={"Authorization": None})
    assert "Authorization" not in mock.calls[0].request.headers


def test_files_are_sent_as_multipart_with_form_fields(mock: responses.RequestsMock,
                                                      client: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/files", json={"id": "file-1"}, match=[matchers.multipart_matcher(
        files={"file": ("a.txt", b"hello", "text/plain")}, data={"purpose": "assistants"})])
    assert client.post("/v1/files", body={"purpose": "assistants"},
                       files={"file": ("a.txt", b"hello", "text/plain")}) == {"id": "file-1"}


def test_files_with_a_body_that_is_not_a_mapping_is_refused(client: LlamaStackClient) -> None:
    with pytest.raises(TypeError, match="form fields"):
        client.post("/v1/files", body=["x"], files={"file": b"x"})


def test_undocumented_calls_are_retried(mock: responses.RequestsMock, client: LlamaStackClient,
                                        sleeps: list[float]) -> None:
    mock.post(BASE + "/v1/anything", status=503, json={"error": {"message": "busy"}})
    mock.post(BASE + "/v1/anything", body=requests.exceptions.ConnectionError("reset"))
    mock.post(BASE + "/v1/anything", json={"done": 1})
    assert client.post("/v1/anything", body={}) == {"done": 1}
    assert sleeps == [0.5, 1.0]
    keys = {call.request.headers["Idempotency-Key"] for call in mock.calls}
    assert len(keys) == 1


def test_undocumented_get_has_no_idempotency_key(mock: responses.RequestsMock,
                                                 client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/health", json={})
    client.get("/v1/health")
    assert "Idempotency-Key" not in mock.calls[0].request.headers


def test_undocumented_max_retries_override(mock: responses.RequestsMock,
                                           client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/health", status=500)
    with pytest.raises(APIStatusError):
        client.get("/v1/health", max_retries=0)


def test_undocumented_errors_use_the_status_table(mock: responses.RequestsMock,
                                                  client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/nope", status=404, json={"detail": "Not Found"})
    with pytest.raises(NotFoundError) as info:
        client.get("/v1/nope")
    assert info.value.spec is None
    assert str(info.value) == "GET http://test.invalid/v1/nope -> 404: Not Found"

    mock.put(BASE + "/v1/things/t1", status=400, json={"error": {"message": "bad name"}})
    with pytest.raises(BadRequestError, match=r"PUT .*/v1/things/t1 -> 400: bad name"):
        client.put("/v1/things/t1", body={"name": ""})


def test_undocumented_transport_errors_are_wrapped(mock: responses.RequestsMock,
                                                   make_client: MakeClient) -> None:
    error = requests.exceptions.ConnectionError("refused")
    mock.get(BASE + "/v1/health", body=error)
    with pytest.raises(APIConnectionError) as info:
        make_client(max_retries=0).get("/v1/health")
    assert info.value.__cause__ is error


def test_path_must_be_relative_to_base_url(client: LlamaStackClient,
                                           mock: responses.RequestsMock) -> None:
    with pytest.raises(ValueError, match="must start with '/'"):
        client.get("v1/health")
    with pytest.raises(ValueError, match="must start with '/'"):
        client.get("http://elsewhere.invalid/v1/health")


def test_header_values_with_newlines_are_refused(client: LlamaStackClient,
                                                 mock: responses.RequestsMock) -> None:
    with pytest.raises(ValueError, match="X-Bad"):
        client.get("/v1/health", headers={"X-Bad": "a\r\nX-Injected: 1"})


def test_method_names_are_case_insensitive(mock: responses.RequestsMock,
                                           client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/health", json={"ok": 1})
    assert client.request("get", "/v1/health") == {"ok": 1}


def test_a_json_body_that_does_not_parse_is_returned_as_text(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/weird", body='{"cut": ', content_type="application/json")
    assert client.get("/v1/weird") == '{"cut": '
