"""client.stream: SSE parsing at every split, in-stream errors, cuts, timeouts, closing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from llamastack import (
    APIConnectionError,
    APIConnectionTimeoutError,
    APIStatusError,
    BadRequestError,
    InternalServerError,
    LlamaStackClient,
    NotFoundError,
    ResponseDecodeError,
    Stream,
)
from llamastack.streaming import ServerSentEvent, SSEDecoder
from tests.unit.conftest import MakeClient, chunked, send_kwargs
from tests.unit.specs_for_tests import BASE, ChatCreate, Chunk, ThingRetrieve, TurnCreate

URL = BASE + "/v1/chat/completions"
SPEC = ChatCreate(model="m", prompt="p")

# Every feature of the event-stream format in one body: a comment, a retry-only frame, a named
# event with an id, data split over two lines, "data:" without a space, a data-less frame,
# non-ASCII text (split mid-character by the tests), then [DONE] and bytes that must be ignored.
EVENTS = (
    b": keep-alive\n"
    b"retry: 2500\n"
    b"\n"
    b"event: message\n"
    b"id: 1\n"
    b'data: {"id": "c1", "delta": "Hel"}\n'
    b"\n"
    b'data: {"id": "c2",\n'
    b'data:  "delta": "lo \xc3\xa9\xe6\x97\xa5"}\n'
    b"\n"
    b'data:{"id":"c3","delta":"!"}\n'
    b"\n"
    b"event: ping\n"
    b"\n"
    b"data: [DONE]\n"
    b"\n"
    b"data: {not json, never read\n"
    b"\n"
)
EXPECTED = [Chunk(id="c1", delta="Hel"), Chunk(id="c2", delta="lo \u00e9\u65e5"),
            Chunk(id="c3", delta="!")]
LINE_ENDINGS = {"LF": b"\n", "CRLF": b"\r\n", "CR": b"\r"}


def with_endings(body: bytes, ending: str) -> bytes:
    return body.replace(b"\n", LINE_ENDINGS[ending])


def add_stream(mock: responses.RequestsMock, body: Any, **kwargs: Any) -> None:
    mock.post(URL, body=body, content_type="text/event-stream", **kwargs)


def sse(*payloads: str) -> bytes:
    return b"".join(f"data: {payload}\n\n".encode() for payload in payloads)


# --- parsing at every split ----------------------------------------------------------------


@pytest.mark.parametrize("ending", LINE_ENDINGS)
def test_sse_split_at_every_byte_offset(ending: str, mock: responses.RequestsMock,
                                        client: LlamaStackClient) -> None:
    data = with_endings(EVENTS, ending)
    for offset in range(1, len(data)):
        body, _ = chunked(data, sizes=[offset])
        add_stream(mock, body)
        with client.stream(SPEC) as stream:
            assert list(stream) == EXPECTED, f"split at byte {offset}"


@pytest.mark.parametrize("ending", LINE_ENDINGS)
def test_sse_one_byte_at_a_time(ending: str, mock: responses.RequestsMock,
                                client: LlamaStackClient) -> None:
    body, raw = chunked(with_endings(EVENTS, ending), piece=1)
    add_stream(mock, body)
    assert list(client.stream(SPEC)) == EXPECTED
    assert raw.reads > 100


@pytest.mark.parametrize("ending", LINE_ENDINGS)
def test_decoder_split_at_every_byte_offset(ending: str) -> None:
    data = with_endings(EVENTS, ending)

    def decode(pieces: list[bytes]) -> list[ServerSentEvent]:
        decoder = SSEDecoder()
        events = [event for piece in pieces for event in decoder.feed(piece)]
        return events + decoder.finish()

    whole = decode([data])
    assert [event.data for event in whole][:3] == [
        '{"id": "c1", "delta": "Hel"}', '{"id": "c2",\n "delta": "lo \u00e9\u65e5"}',
        '{"id":"c3","delta":"!"}']
    assert (whole[0].event, whole[0].id) == ("message", "1")
    for offset in range(len(data) + 1):
        assert decode([data[:offset], data[offset:]]) == whole, f"split at byte {offset}"


def test_data_less_frames_dispatch_nothing_and_reset_the_event_name() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"event: ping\n\nid: 7\n\nretry: 10\n\ndata: x\n\ndata:\n\n")
    assert events == [ServerSentEvent("x", None, "7", None), ServerSentEvent("", None, "7", None)]


def test_feed_data_gives_unnamed_events_as_their_data() -> None:
    """What Stream reads: the data of an event without a name, else the whole event."""
    decoder = SSEDecoder()
    assert decoder.feed_data(b'data: {"a": 1}\n\nevent: error\ndata: x\n\ndata:y\n\n') == [
        '{"a": 1}', ServerSentEvent("x", "error", None, None), "y"]


def test_the_last_id_goes_with_every_later_event() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 5\ndata: a\n\ndata: b\n\nid: 6\n\ndata: c\n\n") == [
        ServerSentEvent("a", None, "5"), ServerSentEvent("b", None, "5"),
        ServerSentEvent("c", None, "6")]


def test_runs_of_blank_lines_and_comments_between_events() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"data: a\n\n\n\n: keep-alive\n\n\ndata: b\n\n")
    assert [event.data for event in events] == ["a", "b"]


def test_a_cr_in_a_stream_of_lf_frames_switches_to_line_by_line() -> None:
    """The first CR hands everything not yet dispatched to the line rules, where the CRLF
    that follows "data: b\\n" is the blank line ending that event."""
    decoder = SSEDecoder()
    assert [event.data for event in decoder.feed(b"data: a\n\ndata: b\n")] == ["a"]
    assert [event.data for event in decoder.feed(b"\r\ndata: c\r\n\r\ndata: d\r")] == ["b", "c"]
    assert [event.data for event in decoder.feed(b"\n\r\n")] == ["d"]
    assert decoder.finish() == []


def test_one_huge_event_in_many_pieces() -> None:
    decoder = SSEDecoder()
    pieces = [b"data: "] + [b"x" * 1000] * 2000 + [b"\n", b"\n"]
    events = [event for piece in pieces for event in decoder.feed_data(piece)]
    assert events == ["x" * 2_000_000]
    assert decoder.finish() == []


def test_a_frame_cut_by_the_end_of_the_body() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: b") == [ServerSentEvent("a")]
    with pytest.raises(ValueError, match="stream ended inside an event"):
        decoder.finish()


@pytest.mark.parametrize("ending", LINE_ENDINGS)
def test_a_last_event_without_its_blank_line_is_still_delivered(
        ending: str, mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    add_stream(mock, with_endings(b'data: {"id": "c1", "delta": "a"}\n', ending))
    assert list(client.stream(SPEC)) == [Chunk(id="c1", delta="a")]


def test_llama_stack_streams_end_when_the_connection_closes(mock: responses.RequestsMock,
                                                            client: LlamaStackClient) -> None:
    add_stream(mock, sse('{"id": "1", "delta": "a"}', '{"id": "2", "delta": "b"}'))
    assert [chunk.delta for chunk in client.stream(SPEC)] == ["a", "b"]


def test_an_empty_stream_yields_nothing(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    body, raw = chunked(b"")
    add_stream(mock, body)
    assert list(client.stream(SPEC)) == []
    assert raw.closed


def test_unknown_fields_of_a_chunk_are_kept(mock: responses.RequestsMock,
                                            client: LlamaStackClient) -> None:
    add_stream(mock, sse('{"id": "1", "delta": "a", "logprobs": [0.5]}'))
    (chunk,) = client.stream(SPEC)
    assert chunk.model_extra == {"logprobs": [0.5]}


# --- the request -------------------------------------------------------------------------


def test_stream_sends_stream_true_and_accepts_event_streams(mock: responses.RequestsMock,
                                                            client: LlamaStackClient) -> None:
    add_stream(mock, sse('{"id": "1", "delta": "a"}'), match=[
        matchers.json_params_matcher({"model": "m", "prompt": "p", "stream": True}),
        matchers.header_matcher({"Accept": "text/event-stream"}),
    ])
    list(client.stream(ChatCreate(model="m", prompt="p", stream=False)))
    assert send_kwargs(mock)[0]["stream"] is True


def test_call_does_not_send_stream(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    mock.post(URL, json={"id": "x", "text": "t"},
              match=[matchers.json_params_matcher({"model": "m", "prompt": "p"})])
    assert client.call(SPEC).text == "t"


def test_stream_takes_per_call_options(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    add_stream(mock, sse('{"id": "1", "delta": "a"}'), match=[
        matchers.json_params_matcher({"model": "m", "prompt": "p", "stream": True, "n": 2}),
        matchers.header_matcher({"X-Extra": "1"}),
        matchers.query_param_matcher({"q": "v"}),
    ])
    with client.stream(SPEC, timeout=(2, 7), extra_body={"n": 2}, extra_headers={"X-Extra": "1"},
                       extra_query={"q": "v"}) as stream:
        assert isinstance(stream, Stream)
        assert isinstance(stream.response, requests.Response)
        list(stream)
    assert send_kwargs(mock)[0]["timeout"] == (2, 7)


def test_a_spec_without_chunks_cannot_stream(client: LlamaStackClient) -> None:
    with pytest.raises(TypeError, match="ThingRetrieve does not stream"):
        client.stream(ThingRetrieve(thing_id="t"))  # type: ignore[arg-type]  # mypy refuses it too


def test_a_stream_only_spec_streams(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    client = make_client(server_line="0.2")
    mock.post(BASE + "/v1/agents/a/session/s/turn", body=sse('{"id": "1", "delta": "a"}'),
              content_type="text/event-stream",
              match=[matchers.json_params_matcher({"messages": [], "stream": True})])
    assert len(list(client.stream(TurnCreate(agent_id="a", session_id="s")))) == 1


# --- errors inside a 200 stream ------------------------------------------------------------


def collect(stream: Stream[Chunk]) -> tuple[list[Chunk], BaseException | None]:
    seen: list[Chunk] = []
    try:
        for chunk in stream:
            seen.append(chunk)
    except Exception as exc:
        return seen, exc
    return seen, None


@pytest.mark.parametrize(("payload", "error_class", "status", "message"), [
    ('{"error": {"message": "model vanished", "code": "404"}}', NotFoundError, 404,
     "model vanished"),
    ('{"error": {"message": "upstream died", "code": 500}}', InternalServerError, 500,
     "upstream died"),
    ('{"error": {"message": "400: Invalid value: turn"}}', BadRequestError, 400,
     "400: Invalid value: turn"),
    ('{"error": {"message": "no status here"}}', APIStatusError, 200, "no status here"),
    ('{"error": "a bare string"}', APIStatusError, 200, "a bare string"),
    ('{"type": "error", "code": "server_error", "message": "boom", "sequence_number": 4}',
     APIStatusError, 200, "boom (code server_error)"),
])
def test_an_error_inside_the_stream_raises_with_its_message(
        payload: str, error_class: type[APIStatusError], status: int, message: str,
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    body, raw = chunked(sse('{"id": "1", "delta": "a"}', payload, '{"id": "2", "delta": "b"}'))
    add_stream(mock, body)
    seen, error = collect(client.stream(SPEC))
    assert seen == [Chunk(id="1", delta="a")]
    assert type(error) is error_class
    assert isinstance(error, APIStatusError)
    assert error.status == status
    assert error.message == f"error inside the stream: {message}"
    assert str(error).startswith(f"ChatCreate POST {URL} -> {status}: error inside the stream")
    assert error.response is not None and error.response.status_code == 200
    assert raw.closed
    assert len(mock.calls) == 1


@pytest.mark.parametrize("data", ['{"message": "overloaded"}', "overloaded"])
def test_an_event_named_error_raises(data: str, mock: responses.RequestsMock,
                                     client: LlamaStackClient) -> None:
    add_stream(mock, f"event: error\ndata: {data}\n\n".encode())
    with pytest.raises(APIStatusError, match="error inside the stream: overloaded"):
        list(client.stream(SPEC))
    assert len(mock.calls) == 1


def test_an_error_as_the_first_event_is_not_retried(mock: responses.RequestsMock,
                                                    client: LlamaStackClient,
                                                    sleeps: list[float]) -> None:
    add_stream(mock, sse('{"error": {"message": "busy", "code": "503"}}'))
    with pytest.raises(InternalServerError, match="busy"):
        client.stream(SPEC)
    assert sleeps == []


def test_an_event_that_is_not_json_is_a_decode_error(mock: responses.RequestsMock,
                                                     client: LlamaStackClient) -> None:
    add_stream(mock, sse('{"id": "1", "delta": "a"}', "{cut"))
    seen, error = collect(client.stream(SPEC))
    assert len(seen) == 1
    assert isinstance(error, ResponseDecodeError)
    assert "not JSON" in str(error)


def test_an_event_that_does_not_fit_is_a_decode_error(mock: responses.RequestsMock,
                                                      client: LlamaStackClient) -> None:
    add_stream(mock, sse('{"id": "1"}'))
    with pytest.raises(ResponseDecodeError, match="delta: required field is missing"):
        list(client.stream(SPEC))


def test_an_error_status_before_the_stream_raises_its_class(mock: responses.RequestsMock,
                                                            client: LlamaStackClient) -> None:
    mock.post(URL, status=404, json={"detail": "Model m not found"})
    with pytest.raises(NotFoundError, match="Model m not found"):
        client.stream(SPEC)


# --- cuts and timeouts ---------------------------------------------------------------------


def test_a_stream_that_ends_inside_an_event_is_a_connection_error(
        mock: responses.RequestsMock, client: LlamaStackClient, sleeps: list[float]) -> None:
    body, raw = chunked(sse('{"id": "1", "delta": "a"}') + b'data: {"id": "2", "del')
    add_stream(mock, body)
    seen, error = collect(client.stream(SPEC))
    assert seen == [Chunk(id="1", delta="a")]
    assert type(error) is APIConnectionError
    assert "ended inside an event" in str(error)
    assert raw.closed
    assert len(mock.calls) == 1
    assert sleeps == []


def test_a_read_timeout_mid_stream_is_a_timeout_error_and_not_retried(
        mock: responses.RequestsMock, client: LlamaStackClient, sleeps: list[float]) -> None:
    first = sse('{"id": "1", "delta": "a"}')
    body, raw = chunked(first + sse('{"id": "2", "delta": "b"}'), sizes=[len(first)],
                        fail_after=len(first), error=TimeoutError("timed out"))
    add_stream(mock, body)
    seen, error = collect(client.stream(SPEC))
    assert seen == [Chunk(id="1", delta="a")]
    assert isinstance(error, APIConnectionTimeoutError)
    assert "timed out reading the stream" in str(error)
    assert raw.closed
    assert len(mock.calls) == 1
    assert sleeps == []


def test_a_connection_reset_mid_stream_is_a_connection_error(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    first = sse('{"id": "1", "delta": "a"}')
    body, _ = chunked(first * 2, sizes=[len(first)], fail_after=len(first),
                      error=ConnectionResetError("reset by peer"))
    add_stream(mock, body)
    seen, error = collect(client.stream(SPEC))
    assert len(seen) == 1
    assert type(error) is APIConnectionError
    assert error.__cause__ is not None


@pytest.mark.parametrize("error", [TimeoutError("timed out"), ConnectionResetError("reset")])
def test_a_failure_before_the_first_event_is_retried(
        error: Exception, mock: responses.RequestsMock, client: LlamaStackClient,
        sleeps: list[float]) -> None:
    broken, broken_raw = chunked(sse('{"id": "1", "delta": "a"}'), fail_after=0, error=error)
    add_stream(mock, broken)
    add_stream(mock, sse('{"id": "1", "delta": "a"}', '{"id": "2", "delta": "b"}'))
    with client.stream(SPEC) as stream:
        assert [chunk.id for chunk in stream] == ["1", "2"]
    assert broken_raw.closed
    assert sleeps == [0.5]
    keys = {call.request.headers["Idempotency-Key"] for call in mock.calls}
    assert len(keys) == 1


def test_a_cut_before_the_first_event_is_retried(mock: responses.RequestsMock,
                                                 client: LlamaStackClient) -> None:
    add_stream(mock, b'data: {"id": "1"')
    add_stream(mock, sse('{"id": "1", "delta": "a"}'))
    assert len(list(client.stream(SPEC))) == 1
    assert len(mock.calls) == 2


def test_a_retryable_status_before_the_stream_is_retried(mock: responses.RequestsMock,
                                                         client: LlamaStackClient) -> None:
    mock.post(URL, status=503, json={"error": {"message": "warming up"}})
    add_stream(mock, sse('{"id": "1", "delta": "a"}'))
    assert len(list(client.stream(SPEC))) == 1


def test_stream_failures_exhaust_max_retries(mock: responses.RequestsMock,
                                             client: LlamaStackClient) -> None:
    for _ in range(2):
        body, _ = chunked(b"data: x", fail_after=0, error=TimeoutError("timed out"))
        add_stream(mock, body)
    with pytest.raises(APIConnectionTimeoutError):
        client.stream(SPEC, max_retries=1)


# --- closing -------------------------------------------------------------------------------


def test_the_response_is_closed_when_the_stream_is_exhausted(mock: responses.RequestsMock,
                                                             client: LlamaStackClient) -> None:
    body, raw = chunked(sse('{"id": "1", "delta": "a"}'))
    add_stream(mock, body)
    stream = client.stream(SPEC)
    assert not raw.closed
    assert len(list(stream)) == 1
    assert raw.closed


def test_the_response_is_closed_on_break_inside_with(mock: responses.RequestsMock,
                                                     client: LlamaStackClient) -> None:
    events = sse(*[f'{{"id": "{n}", "delta": "x"}}' for n in range(50)])
    body, raw = chunked(events, piece=64)
    add_stream(mock, body)
    with client.stream(SPEC) as stream:
        for chunk in stream:
            assert chunk.id == "0"
            break
        assert not raw.closed
    assert raw.closed
    reads_at_close = raw.reads
    assert reads_at_close < len(events) // 64


def test_the_response_is_closed_on_an_error_inside_with(mock: responses.RequestsMock,
                                                        client: LlamaStackClient) -> None:
    body, raw = chunked(sse('{"id": "1", "delta": "a"}', '{"id": "2", "delta": "b"}'))
    add_stream(mock, body)
    with pytest.raises(RuntimeError, match="caller failed"), client.stream(SPEC) as stream:
        next(stream)
        raise RuntimeError("caller failed")
    assert raw.closed


def test_close_ends_the_iteration(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    body, raw = chunked(sse('{"id": "1", "delta": "a"}', '{"id": "2", "delta": "b"}'))
    add_stream(mock, body)
    stream = client.stream(SPEC)
    stream.close()
    assert raw.closed
    assert list(stream) == []


def test_extra_headers_may_override_the_stream_accept_header(mock: responses.RequestsMock,
                                                             client: LlamaStackClient) -> None:
    add_stream(mock, sse('{"id": "1", "delta": "a"}'))
    list(client.stream(SPEC, extra_headers={"accept": "text/event-stream; q=1, */*"}))
    assert mock.calls[0].request.headers["Accept"] == "text/event-stream; q=1, */*"


CAPTURED = Path(__file__).resolve().parents[1] / "integration" / "servers" / "captured"


@pytest.mark.parametrize("line", ["0.2", "0.3", "0.4", "0.5", "0.6", "0.7"])
def test_a_backend_failure_inside_a_chat_stream_is_a_500_on_every_line(
        mock: responses.RequestsMock, client: LlamaStackClient, line: str) -> None:
    # Each line words it its own way: "500: ..." (0.2-0.4), status_code (0.5), code (0.6+).
    events = json.loads((CAPTURED / line / "POST_v1_chat_completions_stream_error.json").read_text())
    body = f"data: {json.dumps(events[-1])}\n\n"  # the last event is the error
    mock.post(BASE + "/v1/chat/completions", body=body, content_type="text/event-stream")
    with pytest.raises(InternalServerError) as raised:
        list(client.stream(ChatCreate(model="m", prompt="hi")))
    assert raised.value.status == 500
    assert "Internal server error" in str(raised.value)
