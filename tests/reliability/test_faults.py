"""Every transport and server fault ends in the documented exception, after the documented
number of attempts (counted at the server), and never as a raw requests/urllib3/json error.

The server is tests/reliability/faultserver.py on 127.0.0.1; waits between retries are
recorded by an injected RetryPolicy(sleep=...), so nothing really sleeps; stalls are bounded
by client timeouts of 0.2 s.
"""

from __future__ import annotations

import json
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from email.utils import formatdate
from typing import Any

import pytest
import requests

from llamastack import (
    APIConnectionError,
    APIConnectionTimeoutError,
    APIError,
    APIStatusError,
    BadRequestError,
    InternalServerError,
    LlamaStackClient,
    NotFoundError,
    RateLimitError,
    ResponseDecodeError,
    RetryPolicy,
)
from tests.reliability.conftest import SleepRecorder
from tests.reliability.faultserver import (
    FaultServer,
    free_port,
    json_response,
    raw,
    respond,
    sse_response,
)
from tests.reliability.specs import (
    ItemListRetrieve,
    ThingChunk,
    ThingRetrieve,
    ThingStream,
)

THING = {"id": "t1", "name": "first"}
STALL_TIMEOUT = 0.2
API_KEY = "sk-fault-suite-key"


def make_client(server: FaultServer, policy: RetryPolicy, **options: Any) -> LlamaStackClient:
    options.setdefault("timeout", 5.0)
    return LlamaStackClient(base_url=server.url, api_key=API_KEY, retry_policy=policy, **options)


def head(status: int = 200, **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status} X", *(f"{k.replace('_', '-')}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def event(payload: Any, name: str | None = None) -> bytes:
    prefix = f"event: {name}\n" if name else ""
    return f"{prefix}data: {json.dumps(payload)}\n\n".encode()


def chunk(index: int, delta: str = "x") -> bytes:
    return event({"index": index, "delta": delta})


def assert_chained(exc: BaseException) -> None:
    """The library's exception, raised ``from`` the transport or parser error it wraps."""
    assert isinstance(exc, APIError)
    assert exc.__cause__ is not None


# --- connecting ----------------------------------------------------------------------------


def test_connection_refused_is_a_connection_error_not_a_timeout(
        policy: RetryPolicy, sleeps: SleepRecorder) -> None:
    port = free_port()  # nothing listens here
    with LlamaStackClient(base_url=f"http://127.0.0.1:{port}", retry_policy=policy) as client, \
            pytest.raises(APIConnectionError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert not isinstance(caught.value, APIConnectionTimeoutError)
    assert sleeps.waits == [0.5, 1.0]  # three attempts, two backoffs
    assert caught.value.method == "GET" and caught.value.status is None
    assert_chained(caught.value)


def test_reset_before_headers_is_retried_then_raises_connection_error(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(*[raw(b"", then="reset")] * 3)
    with make_client(server, policy) as client, pytest.raises(APIConnectionError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert not isinstance(caught.value, APIConnectionTimeoutError)
    assert len(server.requests) == 3
    assert_chained(caught.value)


def test_reset_before_headers_then_success_returns_the_answer(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(raw(b"", then="reset"), json_response(THING))
    with make_client(server, policy) as client:
        assert client.call(ThingRetrieve(thing_id="t1")).name == "first"
    assert len(server.requests) == 2


def test_reset_in_the_middle_of_a_body_raises_connection_error(
        server: FaultServer, policy: RetryPolicy) -> None:
    partial = head(200, Content_Type="application/json", Content_Length="100") + b'{"id": "t1", '
    server.script(*[raw(partial, then="reset")] * 3)
    with make_client(server, policy) as client, pytest.raises(APIConnectionError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(server.requests) == 3
    assert_chained(caught.value)


def test_body_shorter_than_content_length_raises_connection_error(
        server: FaultServer, policy: RetryPolicy) -> None:
    short = head(200, Content_Type="application/json", Content_Length="100") + json.dumps(
        THING).encode()  # 29 of the promised 100 bytes, then a clean close
    server.script(raw(short, then="close"))
    with make_client(server, policy, max_retries=0) as client, \
            pytest.raises(APIConnectionError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(server.requests) == 1
    assert_chained(caught.value)


def test_body_shorter_than_content_length_is_retried(
        server: FaultServer, policy: RetryPolicy) -> None:
    short = head(200, Content_Type="application/json", Content_Length="100") + b"{}"
    server.script(raw(short), json_response(THING))
    with make_client(server, policy) as client:
        assert client.call(ThingRetrieve(thing_id="t1")).id == "t1"
    assert len(server.requests) == 2


@pytest.mark.parametrize("answer", [
    b"SSH-2.0-OpenSSH_9.6\r\n",
    b"HTTP/1.1 abc Weird\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(150)) + b"\r\n{}",
    b"HTTP/1.1 200 OK\r\nX-Big: " + b"v" * 70_000 + b"\r\n\r\n{}",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}",
], ids=["not-http", "bad-status", "too-many-headers", "huge-header", "bad-chunk-size",
        "two-lengths"])
def test_malformed_http_answers_raise_connection_error(
        server: FaultServer, policy: RetryPolicy, answer: bytes) -> None:
    server.script(*[raw(answer)] * 3)
    with make_client(server, policy) as client, pytest.raises(APIConnectionError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(server.requests) == 3
    assert_chained(caught.value)


# --- stalls (timeouts) ---------------------------------------------------------------------


def test_stall_before_headers_raises_timeout_after_retries(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(*[raw(b"", then="stall")] * 2)
    started = time.monotonic()
    with make_client(server, policy, timeout=STALL_TIMEOUT, max_retries=1) as client, \
            pytest.raises(APIConnectionTimeoutError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert time.monotonic() - started < 2.0
    assert len(server.requests) == 2
    assert_chained(caught.value)


def test_stall_in_the_middle_of_a_body_raises_timeout(
        server: FaultServer, policy: RetryPolicy) -> None:
    partial = head(200, Content_Type="application/json", Content_Length="100") + b'{"id": '
    server.script(*[raw(partial, then="stall")] * 2)
    with make_client(server, policy, max_retries=1) as client, \
            pytest.raises(APIConnectionTimeoutError) as caught:
        client.call(ThingRetrieve(thing_id="t1"), timeout=STALL_TIMEOUT)
    assert len(server.requests) == 2
    assert_chained(caught.value)


def test_stall_in_the_middle_of_a_stream_raises_timeout_without_retrying(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(sse_response([chunk(0), chunk(1)], end="stall"))
    received: list[ThingChunk] = []
    with make_client(server, policy, timeout=STALL_TIMEOUT) as client, \
            pytest.raises(APIConnectionTimeoutError) as caught, \
            client.stream(ThingStream(name="n")) as stream:
        received.extend(stream)
    assert [c.index for c in received] == [0, 1]
    assert len(server.requests) == 1  # events were delivered: starting over would repeat them
    assert_chained(caught.value)


def test_stall_before_the_first_stream_event_is_retried(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(sse_response([], end="stall"), sse_response([chunk(0), chunk(1)]))
    with make_client(server, policy, timeout=STALL_TIMEOUT) as client, \
            client.stream(ThingStream(name="n")) as stream:
        assert [c.index for c in stream] == [0, 1]
    assert len(server.requests) == 2


# --- error statuses and retries ------------------------------------------------------------


def test_5xx_burst_followed_by_success_returns_the_answer(
        server: FaultServer, policy: RetryPolicy, sleeps: SleepRecorder) -> None:
    server.script(respond(503), respond(500, '{"error": {"message": "db down"}}'),
                  respond(502), json_response(THING))
    with make_client(server, policy, max_retries=3) as client:
        assert client.call(ThingRetrieve(thing_id="t1")).name == "first"
    assert len(server.requests) == 4
    assert sleeps.waits == [0.5, 1.0, 2.0]


def test_5xx_burst_longer_than_the_retries_raises_internal_server_error(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(*[respond(503, '{"detail": "overloaded"}')] * 3)
    with make_client(server, policy) as client, pytest.raises(InternalServerError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert caught.value.status == 503
    assert "overloaded" in str(caught.value)
    assert len(server.requests) == 3


@pytest.mark.parametrize("status", [408, 409, 429, 500, 502, 503, 504])
def test_retryable_statuses_are_retried_then_raise(server: FaultServer, policy: RetryPolicy,
                                                   sleeps: SleepRecorder, status: int) -> None:
    server.script(*[respond(status, '{"error": {"message": "again"}}')] * 3)
    with make_client(server, policy) as client, pytest.raises(APIStatusError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert caught.value.status == status and "again" in str(caught.value)
    assert len(server.requests) == 3 and sleeps.waits == [0.5, 1.0]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(server: FaultServer, policy: RetryPolicy,
                                       status: int) -> None:
    server.script(respond(status, '{"error": {"message": "no"}}'))
    with make_client(server, policy) as client, pytest.raises(APIStatusError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert caught.value.status == status
    assert len(server.requests) == 1


def test_idempotency_key_is_identical_on_every_attempt(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(respond(500), raw(b"", then="reset"), json_response(THING))
    with make_client(server, policy) as client:
        client.post("/v1/things", body={"name": "n"})
    keys = {request.headers["idempotency-key"] for request in server.requests}
    assert len(server.requests) == 3 and len(keys) == 1


@pytest.mark.parametrize(("headers", "expected_wait"), [
    ({"Retry-After": "3"}, 3.0),
    ({"Retry-After": "0"}, 0.0),
    ({"Retry-After": "86400000"}, 60.0),  # absurd: capped
    ({"retry-after-ms": "250"}, 0.25),
    ({"retry-after-ms": "1500", "Retry-After": "9"}, 1.5),  # the precise one wins
    ({"retry-after-ms": "99999999"}, 60.0),
    ({"Retry-After": "soon"}, 0.5),  # unreadable: ordinary backoff
], ids=["seconds", "zero", "absurd", "ms", "ms-wins", "absurd-ms", "garbage"])
def test_429_waits_as_the_server_asks_capped(
        server: FaultServer, policy: RetryPolicy, sleeps: SleepRecorder,
        headers: dict[str, str], expected_wait: float) -> None:
    server.script(respond(429, '{"error": {"message": "slow down"}}', headers),
                  json_response(THING))
    with make_client(server, policy) as client:
        assert client.call(ThingRetrieve(thing_id="t1")).id == "t1"
    assert sleeps.waits == [expected_wait]
    assert len(server.requests) == 2


def test_429_retry_after_as_an_http_date(
        server: FaultServer, policy: RetryPolicy, sleeps: SleepRecorder) -> None:
    when = formatdate(time.time() + 30, usegmt=True)
    server.script(respond(429, "", {"Retry-After": when}), json_response(THING))
    with make_client(server, policy) as client:
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(sleeps.waits) == 1 and 28.0 <= sleeps.waits[0] <= 30.0


def test_429_retry_after_as_an_absurd_http_date_is_capped(
        server: FaultServer, policy: RetryPolicy, sleeps: SleepRecorder) -> None:
    server.script(respond(429, "", {"Retry-After": "Fri, 31 Dec 9999 23:59:59 GMT"}),
                  json_response(THING))
    with make_client(server, policy) as client:
        client.call(ThingRetrieve(thing_id="t1"))
    assert sleeps.waits == [60.0]


def test_429_every_time_raises_rate_limit_error(
        server: FaultServer, policy: RetryPolicy, sleeps: SleepRecorder) -> None:
    server.script(*[respond(429, '{"error": {"message": "slow down"}}', {"Retry-After": "2"})] * 3)
    with make_client(server, policy) as client, pytest.raises(RateLimitError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert "slow down" in str(caught.value)
    assert caught.value.headers["Retry-After"] == "2"
    assert sleeps.waits == [2.0, 2.0]
    assert len(server.requests) == 3


# --- bodies that are not what was declared -------------------------------------------------

PROXY_PAGE = ("<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
              "</h1></center><hr><center>nginx</center>" + "<!-- padding -->" * 2000
              + "</body></html>")


def test_html_error_page_from_a_proxy_raises_status_error_with_a_bounded_message(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(*[respond(502, PROXY_PAGE, {"Content-Type": "text/html"})] * 3)
    with make_client(server, policy) as client, pytest.raises(InternalServerError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert caught.value.status == 502
    assert "502 Bad Gateway" in str(caught.value)
    assert len(str(caught.value)) < 1000  # the page is 30 kB: the message is cut
    assert caught.value.body == PROXY_PAGE  # all of it is still reachable
    assert len(server.requests) == 3


def test_html_page_with_status_200_raises_response_decode_error(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(respond(200, PROXY_PAGE, {"Content-Type": "text/html"}))
    with make_client(server, policy) as client, pytest.raises(ResponseDecodeError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert len(str(caught.value)) < 1000
    assert len(server.requests) == 1
    assert_chained(caught.value)


@pytest.mark.parametrize("page", [PROXY_PAGE + "\n", PROXY_PAGE], ids=["newline", "no-newline"])
def test_html_page_answering_a_stream_is_a_decode_error_not_retried(
        page: str, server: FaultServer, policy: RetryPolicy) -> None:
    """A captive portal's or proxy's page with 200, where events were asked for: read as
    events it gave zero chunks and no error (ending in a newline) or a retried 'cut'."""
    server.script(*[respond(200, page, {"Content-Type": "text/html"})] * 3)
    with make_client(server, policy) as client, pytest.raises(ResponseDecodeError) as caught:
        client.stream(ThingStream(name="n"))
    assert "expected a text/event-stream answer, got text/html" in str(caught.value)
    assert "502 Bad Gateway" in str(caught.value)
    assert len(str(caught.value)) < 1000
    assert len(server.requests) == 1


@pytest.mark.parametrize("body", [
    b'{"id": "t1", "name": ',  # cut
    b"{'id': 't1'}",  # Python repr, not JSON
    b'{"id": "t1", "name": "\xff\xfe"}',  # not UTF-8
    b"NaN-ish garbage",
    b"[" * 100_000 + b"]" * 100_000,  # nested deeper than any parser recursion limit
], ids=["truncated", "single-quotes", "bad-utf8", "garbage", "deeply-nested"])
def test_invalid_json_in_a_2xx_raises_response_decode_error(
        server: FaultServer, policy: RetryPolicy, body: bytes) -> None:
    server.script(respond(200, body, {"Content-Type": "application/json"}))
    with make_client(server, policy) as client, pytest.raises(ResponseDecodeError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert caught.value.status == 200
    assert "response body is not JSON (" in str(caught.value)  # with json's reason
    assert len(server.requests) == 1
    assert_chained(caught.value)


@pytest.mark.parametrize("value", [
    {"id": 5, "name": "n"},
    {"name": "n"},
    {"id": "t1", "name": "n", "tags": "not-a-list"},
    {"id": "t1", "name": "n", "tags": [1, 2]},
    [THING],
    "t1",
    None,
    12,
], ids=["wrong-kind", "missing-field", "str-for-list", "wrong-item", "list", "string", "null",
        "number"])
def test_wrong_shaped_json_in_a_2xx_raises_response_decode_error(
        server: FaultServer, policy: RetryPolicy, value: Any) -> None:
    server.script(json_response(value))
    with make_client(server, policy) as client, pytest.raises(ResponseDecodeError) as caught:
        client.call(ThingRetrieve(thing_id="t1"))
    assert "ThingRetrieve" in str(caught.value) and "Thing" in str(caught.value)
    assert caught.value.body == value
    assert len(server.requests) == 1


def test_json_nested_too_deeply_is_never_a_raw_recursion_error(
        server: FaultServer, policy: RetryPolicy) -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    server.script(respond(200, nested, {"Content-Type": "application/json"}),
                  respond(400, nested, {"Content-Type": "application/json"}),
                  sse_response([chunk(0), b"data: " + nested + b"\n\n"]))
    with make_client(server, policy) as client:
        assert client.get("/v1/anything") == nested.decode()  # unparseable: the text, as documented
        with pytest.raises(BadRequestError):
            client.get("/v1/anything")
        with pytest.raises(ResponseDecodeError, match=r"stream event is not JSON \(JSON nested too "
                                                      r"deeply to parse\)"):
            collect(client, [])


# --- streams -------------------------------------------------------------------------------


def collect(client: LlamaStackClient, received: list[ThingChunk]) -> None:
    with client.stream(ThingStream(name="n")) as stream:
        for item in stream:
            received.append(item)


def test_stream_error_payload_after_events_raises_with_the_servers_message(
        server: FaultServer, policy: RetryPolicy) -> None:
    error = {"error": {"message": "model vanished", "code": "404"}}
    server.script(sse_response([chunk(0), event(error), chunk(2)]))
    received: list[ThingChunk] = []
    with make_client(server, policy) as client, pytest.raises(NotFoundError) as caught:
        collect(client, received)
    assert [c.index for c in received] == [0]
    assert "model vanished" in str(caught.value)
    assert caught.value.body == error
    assert len(server.requests) == 1


def test_stream_error_payload_as_the_first_event_is_not_retried(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(sse_response([event({"error": {"message": "500: provider failed"}})]))
    with make_client(server, policy) as client, pytest.raises(InternalServerError) as caught:
        client.stream(ThingStream(name="n"))
    assert "provider failed" in str(caught.value)
    assert len(server.requests) == 1  # inside a 200 the error is final


def test_stream_event_error_frame_raises(server: FaultServer, policy: RetryPolicy) -> None:
    server.script(sse_response([chunk(0), event({"message": "overloaded"}, name="error")]))
    received: list[ThingChunk] = []
    with make_client(server, policy) as client, pytest.raises(APIStatusError) as caught:
        collect(client, received)
    assert "overloaded" in str(caught.value)
    assert len(received) == 1 and len(server.requests) == 1


def test_stream_event_error_frame_with_plain_text_raises(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(sse_response([chunk(0), b"event: error\ndata: upstream timed out\n\n"]))
    with make_client(server, policy) as client, pytest.raises(APIStatusError) as caught:
        collect(client, [])
    assert "upstream timed out" in str(caught.value)


def test_stream_responses_type_error_event_raises(server: FaultServer, policy: RetryPolicy) -> None:
    error = {"type": "error", "code": "server_error", "message": "the model crashed",
             "param": None, "sequence_number": 3}
    server.script(sse_response([chunk(0), event(error), chunk(2)]))
    received: list[ThingChunk] = []
    with make_client(server, policy) as client, pytest.raises(APIStatusError) as caught:
        collect(client, received)
    assert "the model crashed" in str(caught.value) and "server_error" in str(caught.value)
    assert len(received) == 1 and len(server.requests) == 1


CUT = b'data: {"index": 1, "del'  # half an event


@pytest.mark.parametrize(("chunked", "end"), [
    (True, "close"),  # chunked, the connection closes without the terminating chunk
    (True, "finish"),  # chunked, terminated cleanly, but the last event is incomplete
    (True, "reset"),
    (False, "close"),  # Connection: close framing: the body ends where the connection does
    (False, "reset"),
])
def test_stream_cut_inside_an_event_raises_connection_error(
        server: FaultServer, policy: RetryPolicy, chunked: bool, end: str) -> None:
    server.script(sse_response([chunk(0), CUT], chunked=chunked, end=end))
    received: list[ThingChunk] = []
    with make_client(server, policy) as client, pytest.raises(APIConnectionError) as caught:
        collect(client, received)
    assert [c.index for c in received] == [0]
    assert len(server.requests) == 1
    assert_chained(caught.value)


@pytest.mark.parametrize("chunked", [True, False])
def test_stream_cut_inside_the_first_event_is_retried(
        server: FaultServer, policy: RetryPolicy, chunked: bool) -> None:
    server.script(sse_response([CUT], chunked=chunked, end="close"),
                  sse_response([chunk(0), chunk(1)], chunked=chunked))
    received: list[ThingChunk] = []
    with make_client(server, policy) as client:
        collect(client, received)
    assert [c.index for c in received] == [0, 1]
    assert len(server.requests) == 2


@pytest.mark.parametrize("chunked", [True, False])
def test_stream_ending_cleanly_between_events_is_complete(
        server: FaultServer, policy: RetryPolicy, chunked: bool) -> None:
    """Llama Stack ends a stream by closing the connection, without [DONE]."""
    server.script(sse_response([chunk(0), chunk(1), chunk(2)], chunked=chunked))
    received: list[ThingChunk] = []
    with make_client(server, policy) as client:
        collect(client, received)
    assert [c.index for c in received] == [0, 1, 2]


def gzip_pieces(pieces: list[bytes]) -> list[bytes]:
    """One gzip stream, flushed after each piece so each event can be decoded on arrival."""
    compressor = zlib.compressobj(wbits=31)
    out = [compressor.compress(piece) + compressor.flush(zlib.Z_SYNC_FLUSH) for piece in pieces]
    return [*out, compressor.flush()]


@pytest.mark.parametrize("chunked", [True, False])
def test_stream_compressed_with_gzip_is_decoded(
        server: FaultServer, policy: RetryPolicy, chunked: bool) -> None:
    """The client advertises gzip (Accept-Encoding), so a server or proxy may compress."""
    server.script(sse_response(gzip_pieces([chunk(0), chunk(1), chunk(2)]), chunked=chunked,
                               headers={"Content-Encoding": "gzip"}))
    received: list[ThingChunk] = []
    with make_client(server, policy) as client:
        collect(client, received)
    assert [c.index for c in received] == [0, 1, 2]
    assert "gzip" in server.requests[0].headers["accept-encoding"]


def test_stream_with_corrupt_compression_raises_connection_error(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(sse_response([*gzip_pieces([chunk(0)])[:1], b"not gzip at all"],
                               headers={"Content-Encoding": "gzip"}))
    received: list[ThingChunk] = []
    with make_client(server, policy) as client, pytest.raises(APIConnectionError) as caught:
        collect(client, received)
    assert [c.index for c in received] == [0]
    assert_chained(caught.value)


def test_stream_with_an_event_that_does_not_fit_raises_response_decode_error(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(sse_response([chunk(0), event({"index": "one"}), b"data: {not json\n\n"]))
    with make_client(server, policy) as client, pytest.raises(ResponseDecodeError):
        collect(client, [])


# --- redirects -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirect_to_another_host_is_not_followed_and_credentials_stay(
        server: FaultServer, other_host: FaultServer, policy: RetryPolicy, status: int) -> None:
    other_host.script(*[json_response(THING)] * 5)
    server.script(*[respond(status, "", {"Location": f"{other_host.url}/v1/things/t1"})] * 3)
    with make_client(server, policy, provider_data={"fireworks_api_key": "fw-provider-secret"}
                     ) as client:
        with pytest.raises(APIStatusError) as caught:
            client.call(ThingRetrieve(thing_id="t1"))
        with pytest.raises(APIStatusError):
            client.stream(ThingStream(name="n"))
        with pytest.raises(APIStatusError):
            client.post("/v1/things", body={"name": "n"})
    assert caught.value.status == status
    assert other_host.url in str(caught.value) and "not followed" in str(caught.value)
    assert other_host.connections == 0 and other_host.requests == []
    assert len(server.requests) == 3  # one each: a redirect is not retried
    first = server.requests[0].headers
    assert first["authorization"] == f"Bearer {API_KEY}"  # sent to base_url, and only there
    assert "fw-provider-secret" in first["x-llamastack-provider-data"]


def test_redirect_is_not_followed_with_the_callers_own_session(
        server: FaultServer, other_host: FaultServer, policy: RetryPolicy) -> None:
    server.script(respond(302, "", {"Location": f"{other_host.url}/v1/things/t1"}))
    with requests.Session() as session, \
            make_client(server, policy, session=session) as client, \
            pytest.raises(APIStatusError):
        client.call(ThingRetrieve(thing_id="t1"))
    assert other_host.connections == 0


# --- very large answers --------------------------------------------------------------------

ITEM_TEXT = "x" * 1000
LARGE_COUNT = 50_000  # ~51 MB of JSON


@pytest.fixture(scope="module")
def large_list_body() -> bytes:
    items = ",".join(f'{{"id": "i{n:06d}", "text": "{ITEM_TEXT}"}}' for n in range(LARGE_COUNT))
    return f'{{"data": [{items}], "has_more": false}}'.encode()


def test_very_large_json_list_decodes_without_pathological_memory(
        server: FaultServer, policy: RetryPolicy, large_list_body: bytes) -> None:
    assert len(large_list_body) > 50_000_000
    server.script(respond(200, large_list_body, {"Content-Type": "application/json"}))
    with make_client(server, policy) as client:
        tracemalloc.start()
        try:
            page = client.call(ItemListRetrieve())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert len(page.data) == LARGE_COUNT and page.data[-1].id == f"i{LARGE_COUNT - 1:06d}"
    # The body, its parsed form and the models, plus one transient copy: no more.
    assert peak < 4 * len(large_list_body), f"peak {peak / 1e6:.0f} MB"


def compression_bomb(inflated_bytes: int, encoding: str = "gzip") -> bytes:
    compressor = zlib.compressobj(level=9, wbits={"gzip": 31, "deflate": 15}[encoding])
    block = b" " * (1 << 20)  # whitespace: valid around JSON, and compresses a thousandfold
    parts = [compressor.compress(b'{"data": [], "has_more": false}')]
    parts += [compressor.compress(block) for _ in range(inflated_bytes >> 20)]
    return b"".join(parts) + compressor.flush()


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compressed_answer_past_max_response_bytes_is_refused_before_it_is_inflated(
        encoding: str, server: FaultServer, policy: RetryPolicy) -> None:
    """100 kB on the wire, 100 MB inflated: requests used to inflate all of it."""
    bomb = compression_bomb(100 << 20, encoding)
    assert len(bomb) < 200_000
    server.script(*[respond(200, bomb, {"Content-Type": "application/json",
                                        "Content-Encoding": encoding})] * 3)
    with make_client(server, policy, max_response_bytes=4 << 20) as client:
        tracemalloc.start()
        try:
            with pytest.raises(ResponseDecodeError) as caught:
                client.call(ItemListRetrieve())
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert (f"larger than max_response_bytes=4194304 once inflated (Content-Encoding: {encoding})"
            in str(caught.value))
    assert len(server.requests) == 1  # refused, not retried
    assert peak < 16 << 20, f"peak {peak / 1e6:.0f} MB"


def test_a_compressed_answer_within_max_response_bytes_decodes(
        server: FaultServer, policy: RetryPolicy) -> None:
    server.script(respond(200, compression_bomb(4 << 20), {"Content-Type": "application/json",
                                                    "Content-Encoding": "gzip"}))
    with make_client(server, policy, max_response_bytes=8 << 20) as client:
        assert client.call(ItemListRetrieve()).data == []


def big_stream(events: int, size: int) -> Iterator[bytes]:
    delta = "y" * size
    for n in range(events):
        yield chunk(n, delta)


def test_very_large_stream_is_consumed_in_constant_memory(
        server: FaultServer, policy: RetryPolicy) -> None:
    events, size = 10_000, 5_000  # ~50 MB in 10,000 events
    server.script(sse_response(big_stream(events, size)))
    count = total = 0
    with make_client(server, policy) as client:
        tracemalloc.start()
        try:
            with client.stream(ThingStream(name="n")) as stream:
                for item in stream:
                    count += 1
                    total += len(item.delta)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert count == events and total == events * size
    assert peak < 5_000_000, f"peak {peak / 1e6:.1f} MB for a 50 MB stream"


def test_one_very_large_stream_event_is_decoded_in_linear_time(
        server: FaultServer, policy: RetryPolicy) -> None:
    size = 50_000_000  # one 50 MB event, delivered in hundreds of reads
    server.script(sse_response([chunk(0, "z" * size)]))
    started = time.monotonic()
    with make_client(server, policy) as client, client.stream(ThingStream(name="n")) as stream:
        (item,) = list(stream)
    assert len(item.delta) == size
    # Linear: well under a second here. Copying the buffer on every read took ~17 s.
    assert time.monotonic() - started < 5.0
