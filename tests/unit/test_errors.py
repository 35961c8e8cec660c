"""Every error status maps to its class through one table, with the server's message."""

from __future__ import annotations

import http.client
from typing import Any

import pytest
import requests
import responses
import urllib3

import llamastack
from llamastack import (
    APIConnectionError,
    APIConnectionTimeoutError,
    APIError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    LlamaStackClient,
    LlamaStackError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    UnprocessableEntityError,
)
from tests.unit.conftest import MakeClient
from tests.unit.specs_for_tests import (
    BASE,
    ChatCreate,
    EchoPath,
    ThingCreate,
    ThingList,
    ThingRetrieve,
    TurnCreate,
)

URL = BASE + "/v1/things/t1"

STATUS_CLASSES: list[tuple[int, type[APIStatusError]]] = [
    (400, BadRequestError),
    (401, AuthenticationError),
    (403, PermissionDeniedError),
    (404, NotFoundError),
    (409, ConflictError),
    (422, UnprocessableEntityError),
    (429, RateLimitError),
    (500, InternalServerError),
    (502, InternalServerError),
    (503, InternalServerError),
    (599, InternalServerError),
    (405, APIStatusError),
    (418, APIStatusError),
    (426, APIStatusError),
]


@pytest.fixture
def once(make_client: MakeClient) -> LlamaStackClient:
    """A client that does not retry, so each error status is answered once."""
    return make_client(max_retries=0)


@pytest.mark.parametrize(("status", "error_class"), STATUS_CLASSES)
@pytest.mark.parametrize("shape", ["error.message", "detail"])
def test_each_status_raises_its_class_with_the_server_message(
        status: int, error_class: type[APIStatusError], shape: str,
        mock: responses.RequestsMock, once: LlamaStackClient) -> None:
    body: dict[str, Any] = ({"error": {"message": "the server says no"}} if shape == "error.message"
                            else {"detail": "the server says no"})
    mock.get(URL, status=status, json=body, headers={"X-Request-Id": "req-9"})
    with pytest.raises(error_class) as info:
        once.call(ThingRetrieve(thing_id="t1"))
    err = info.value
    assert type(err) is error_class
    assert isinstance(err, APIStatusError)
    assert isinstance(err, APIError)
    assert isinstance(err, LlamaStackError)
    assert str(err) == f"ThingRetrieve GET {URL} -> {status}: the server says no"
    assert err.status == err.status_code == status
    assert err.message == "the server says no"
    assert err.body == body
    assert err.headers["x-request-id"] == "req-9"
    assert isinstance(err.response, requests.Response)
    assert err.response.status_code == status
    assert err.spec == ThingRetrieve(thing_id="t1")
    assert err.method == "GET"
    assert err.url == URL


def test_every_error_class_is_importable_from_the_package() -> None:
    for name in ("APIError", "APIStatusError", "BadRequestError", "AuthenticationError",
                 "PermissionDeniedError", "NotFoundError", "ConflictError",
                 "UnprocessableEntityError", "RateLimitError", "InternalServerError",
                 "APIConnectionError", "APIConnectionTimeoutError", "APITimeoutError",
                 "ResponseDecodeError"):
        assert name in llamastack.__all__
        assert issubclass(getattr(llamastack, name), APIError)
    assert llamastack.APITimeoutError is APIConnectionTimeoutError
    assert issubclass(APIConnectionTimeoutError, APIConnectionError)
    assert issubclass(ResponseDecodeError, APIError)


def test_validation_message_of_the_0_2_nested_shape(mock: responses.RequestsMock,
                                                    once: LlamaStackClient) -> None:
    body = {"error": {"detail": {"errors": [
        {"loc": ["body", "session_name"], "msg": "Field required", "type": "missing"},
        {"loc": ["body", "agent_config", "model"], "msg": "Input should be a valid string",
         "type": "string_type"},
    ]}}}
    mock.post(BASE + "/v1/things", status=400, json=body)
    with pytest.raises(BadRequestError) as info:
        once.call(ThingCreate(name="n"))
    assert info.value.message == ("body.session_name: Field required; "
                                  "body.agent_config.model: Input should be a valid string")
    assert info.value.body == body


def test_validation_message_of_fastapis_detail_list(mock: responses.RequestsMock,
                                                    once: LlamaStackClient) -> None:
    mock.post(BASE + "/v1/things", status=422, json={"detail": [
        {"loc": ["query", "limit"], "msg": "must be positive", "type": "value_error"}]})
    with pytest.raises(UnprocessableEntityError, match=r"-> 422: query.limit: must be positive$"):
        once.call(ThingCreate(name="n"))


def test_stringified_dict_message_of_0_7_validation(mock: responses.RequestsMock,
                                                    once: LlamaStackClient) -> None:
    message = "{'errors': [{'loc': ['body', 'model'], 'msg': 'Field required'}]}"
    mock.post(BASE + "/v1/things", status=400, json={"error": {"message": message}})
    with pytest.raises(BadRequestError) as info:
        once.call(ThingCreate(name="n"))
    assert info.value.message == message


def test_an_html_body_is_shown_as_text_and_bounded(mock: responses.RequestsMock,
                                                   once: LlamaStackClient) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1>" + "x" * 2000 + "</body></html>"
    mock.get(URL, status=502, body=html, content_type="text/html")
    with pytest.raises(InternalServerError) as info:
        once.call(ThingRetrieve(thing_id="t1"))
    assert info.value.body == html
    assert info.value.message.startswith("<html><body><h1>502 Bad Gateway</h1>")
    assert len(info.value.message) < 600
    assert "-> 502: <html>" in str(info.value)


def test_an_empty_body_says_so(mock: responses.RequestsMock, once: LlamaStackClient) -> None:
    mock.get(URL, status=503, body=b"")
    with pytest.raises(InternalServerError) as info:
        once.call(ThingRetrieve(thing_id="t1"))
    assert info.value.body is None
    assert str(info.value) == f"ThingRetrieve GET {URL} -> 503: (empty body)"


@pytest.mark.parametrize(("body", "message"), [
    ({"message": "plain message"}, "plain message"),
    ({"error": "just a string"}, "just a string"),
    ({"error": {"message": "m", "type": "invalid_request_error"}}, "m"),
    ({"unexpected": [1, 2]}, '{"unexpected": [1, 2]}'),
    (["a", "list"], '["a", "list"]'),
    ({"detail": "", "message": "fallback"}, "fallback"),
])
def test_other_error_bodies_still_surface(body: Any, message: str, mock: responses.RequestsMock,
                                          once: LlamaStackClient) -> None:
    mock.get(URL, status=400, json=body)
    with pytest.raises(BadRequestError) as info:
        once.call(ThingRetrieve(thing_id="t1"))
    assert info.value.message == message


def test_generic_404_names_the_server_lines_of_the_spec(mock: responses.RequestsMock,
                                                       make_client: MakeClient) -> None:
    # A 0.2 server configured without the agents API has no such route after all.
    once = make_client(max_retries=0, server_line="0.2")
    mock.post(BASE + "/v1/agents/a1/session/s1/turn", status=404, json={"detail": "Not Found"})
    with pytest.raises(NotFoundError) as info:
        once.call(TurnCreate(agent_id="a1", session_id="s1"))
    text = str(info.value)
    assert "POST http://test.invalid/v1/agents/a1/session/s1/turn -> 404: Not Found" in text
    assert "no such route; TurnCreate is served by Llama Stack 0.2" in text
    assert "takes this server for 0.2" in text


def test_generic_404_hint_lists_every_line(mock: responses.RequestsMock,
                                           once: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/echo/a/x", status=404, json={"detail": "Not Found"})
    with pytest.raises(NotFoundError, match=r"served by Llama Stack 0\.7, 0\.2"):
        once.call(EchoPath(first="a"))


def test_a_specific_404_gets_no_route_hint(mock: responses.RequestsMock,
                                           once: LlamaStackClient) -> None:
    mock.get(URL, status=404, json={"detail": "Model 't1' not found"})
    with pytest.raises(NotFoundError) as info:
        once.call(ThingRetrieve(thing_id="t1"))
    assert str(info.value).endswith("-> 404: Model 't1' not found")


def test_501_on_a_stream_only_spec_says_to_stream(mock: responses.RequestsMock,
                                                  make_client: MakeClient) -> None:
    once = make_client(max_retries=0, server_line="0.2")
    mock.post(BASE + "/v1/agents/a1/session/s1/turn", status=501,
              json={"detail": "Non-streaming agent turns not yet implemented"})
    with pytest.raises(InternalServerError) as info:
        once.call(TurnCreate(agent_id="a1", session_id="s1"))
    assert info.value.status == 501
    assert "Non-streaming agent turns not yet implemented" in str(info.value)
    assert "TurnCreate only streams on this server: use client.stream(spec)" in str(info.value)


def test_a_redirect_is_an_error_that_is_not_followed(mock: responses.RequestsMock,
                                                     once: LlamaStackClient) -> None:
    mock.get(URL, status=307, headers={"Location": "http://elsewhere.invalid/v1/things/t1"})
    with pytest.raises(APIStatusError) as info:
        once.call(ThingRetrieve(thing_id="t1"))
    assert info.value.status == 307
    assert "http://elsewhere.invalid/v1/things/t1" in str(info.value)
    assert "not followed" in str(info.value)
    assert len(mock.calls) == 1


def test_secrets_echoed_by_the_server_are_redacted(mock: responses.RequestsMock,
                                                   make_client: MakeClient) -> None:
    client = make_client(api_key="sk-live-123456", max_retries=0,
                         provider_data={"fireworks_api_key": "fw-secret-999"})
    mock.get(URL, status=401, json={"detail": "bad key sk-live-123456 and fw-secret-999"})
    with pytest.raises(AuthenticationError) as info:
        client.call(ThingRetrieve(thing_id="t1"))
    assert "sk-live-123456" not in str(info.value)
    assert "fw-secret-999" not in str(info.value)
    assert "<redacted>" in str(info.value)


# --- 2xx bodies that do not decode --------------------------------------------------------


def test_a_2xx_body_that_is_not_json_is_a_decode_error(mock: responses.RequestsMock,
                                                       client: LlamaStackClient) -> None:
    mock.get(URL, body="<html>proxy login</html>", content_type="text/html")
    with pytest.raises(ResponseDecodeError) as info:
        client.call(ThingRetrieve(thing_id="t1"))
    assert "not JSON" in str(info.value)
    assert info.value.status == 200
    assert isinstance(info.value.__cause__, ValueError)
    assert len(mock.calls) == 1


def test_a_2xx_body_that_does_not_fit_names_the_field(mock: responses.RequestsMock,
                                                      client: LlamaStackClient) -> None:
    mock.get(URL, json={"id": "t1", "name": 42})
    with pytest.raises(ResponseDecodeError) as info:
        client.call(ThingRetrieve(thing_id="t1"))
    assert "does not fit Thing" in str(info.value)
    assert "name: expected string, got integer" in str(info.value)
    assert info.value.body == {"id": "t1", "name": 42}


def test_a_list_item_that_does_not_fit_names_its_index(mock: responses.RequestsMock,
                                                       client: LlamaStackClient) -> None:
    mock.get(BASE + "/v1/things", json={"data": [{"id": "a", "name": "x"}, {"id": "b"}]})
    with pytest.raises(ResponseDecodeError, match=r"data\[1\]\.name: required field is missing"):
        client.call(ThingList())


# --- connection errors --------------------------------------------------------------------


@pytest.mark.parametrize(("error", "message"), [
    (requests.exceptions.ConnectionError("Connection refused"),
     "connection failed sending the request: Connection refused"),
    (requests.exceptions.ChunkedEncodingError("cut"), "connection failed sending the request: cut"),
    (requests.exceptions.SSLError("bad certificate"), "TLS with test.invalid:80 failed: bad certificate"),
    (ConnectionResetError("reset by peer"), "connection reset by test.invalid:80 before answering"),
])
def test_transport_failures_become_connection_errors(error: Exception, message: str,
                                                     mock: responses.RequestsMock,
                                                     once: LlamaStackClient) -> None:
    mock.get(URL, body=error)
    with pytest.raises(APIConnectionError) as info:
        once.call(ThingRetrieve(thing_id="t1"))
    assert type(info.value) is APIConnectionError
    assert info.value.__cause__ is error
    assert info.value.status is None
    assert info.value.response is None
    assert str(info.value) == f"ThingRetrieve GET {URL}: {message}"


# --- nothing raw escapes ------------------------------------------------------------------

RAW_FAILURES: list[BaseException] = [
    requests.exceptions.ConnectionError("refused"),
    requests.exceptions.ProxyError("proxy down"),
    requests.exceptions.SSLError("handshake"),
    requests.exceptions.ReadTimeout("read"),
    requests.exceptions.ConnectTimeout("connect"),
    requests.exceptions.ChunkedEncodingError("bad chunk"),
    requests.exceptions.ContentDecodingError("bad gzip"),
    requests.exceptions.RetryError("adapter retries"),
    requests.exceptions.RequestException("anything else"),
    urllib3.exceptions.ProtocolError("Connection aborted.", ConnectionResetError()),
    urllib3.exceptions.ReadTimeoutError(None, "/", "Read timed out."),  # type: ignore[arg-type]
    http.client.IncompleteRead(b"par", 10),
    http.client.RemoteDisconnected("Remote end closed connection without response"),
    ConnectionResetError("reset"),
    BrokenPipeError("broken pipe"),
    TimeoutError("timed out"),
    OSError("network unreachable"),
]


@pytest.mark.parametrize("failure", RAW_FAILURES, ids=lambda exc: type(exc).__name__)
@pytest.mark.parametrize("how", ["call", "stream", "get", "paginate", "raw"])
def test_no_transport_exception_escapes_raw(failure: BaseException, how: str,
                                            mock: responses.RequestsMock,
                                            once: LlamaStackClient) -> None:
    url = {"call": URL, "raw": URL, "get": URL, "paginate": BASE + "/v1/things",
           "stream": BASE + "/v1/chat/completions"}[how]
    mock.add("POST" if how == "stream" else "GET", url, body=failure)
    with pytest.raises(APIConnectionError) as info:
        if how == "call":
            once.call(ThingRetrieve(thing_id="t1"))
        elif how == "raw":
            once.raw(ThingRetrieve(thing_id="t1"))
        elif how == "get":
            once.get("/v1/things/t1")
        elif how == "paginate":
            list(once.paginate(ThingList()))
        else:
            list(once.stream(ChatCreate(model="m", prompt="p")))
    assert info.value.__cause__ is failure
    assert isinstance(info.value, APIConnectionTimeoutError) == any(
        isinstance(failure, kind) for kind in (requests.exceptions.Timeout,
                                               urllib3.exceptions.TimeoutError, TimeoutError))


def test_a_corrupt_compressed_body_is_a_connection_error(mock: responses.RequestsMock,
                                                         once: LlamaStackClient) -> None:
    mock.get(URL, body=b"this is not gzip", headers={"Content-Encoding": "gzip"},
             content_type="application/json")
    with pytest.raises(APIConnectionError, match=r"gzip|decod"):
        once.call(ThingRetrieve(thing_id="t1"))


def test_a_body_that_is_not_utf8_is_a_decode_error(mock: responses.RequestsMock,
                                                   once: LlamaStackClient) -> None:
    mock.get(URL, body=b'{"id": "\xff\xfe", "name": "x"}', content_type="application/json")
    with pytest.raises(ResponseDecodeError, match="not JSON"):
        once.call(ThingRetrieve(thing_id="t1"))


def test_an_error_body_that_is_not_utf8_still_raises_its_status(mock: responses.RequestsMock,
                                                                once: LlamaStackClient) -> None:
    mock.get(URL, status=500, body=b"\xff\xfe\xfa broken", content_type="text/plain")
    with pytest.raises(InternalServerError) as info:
        once.call(ThingRetrieve(thing_id="t1"))
    assert info.value.status == 500
