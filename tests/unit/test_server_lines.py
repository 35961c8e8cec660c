"""The client's server line: discovered once from GET /v1/version or pinned, then used to route.

These tests clear the pin the other unit tests get (LLAMA_STACK_SERVER_LINE=0.7, conftest).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
import requests
import responses
from responses import matchers

from llamastack import (
    APIConnectionError,
    LlamaStackClient,
    NotServedError,
    UnsupportedServerError,
    endpoints,
)
from llamastack.lines import varies_by_line
from llamastack.spec import (
    SERVER_LINES,
    Spec,
    body_field,
    file_field,
    header_field,
    json_body_field,
    query_field,
)
from tests.unit.conftest import MakeClient
from tests.unit.specs_for_tests import BASE, ThingRetrieve

BASE_CAPTURES = Path(__file__).resolve().parents[1] / "integration" / "servers" / "captured"
VERSION = f"{BASE}/v1/version"
FILES_02 = f"{BASE}/v1/openai/v1/files"
FILES = f"{BASE}/v1/files"
EMPTY_FILES = {"object": "list", "data": [], "has_more": False, "first_id": "", "last_id": ""}


@pytest.fixture(autouse=True)
def unpinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LLAMA_STACK_SERVER_LINE", raising=False)


def version_calls(mock: responses.RequestsMock) -> int:
    return sum(1 for call in mock.calls if call.request.url == VERSION)


def test_the_line_is_asked_once_and_routes_every_call(mock: responses.RequestsMock,
                                                     client: LlamaStackClient) -> None:
    mock.get(VERSION, json={"version": "0.2.24"})
    mock.get(FILES_02, json=EMPTY_FILES)
    client.call(endpoints.FileList())
    client.call(endpoints.FileList())
    assert client.server_line == "0.2"
    assert version_calls(mock) == 1
    asked = next(call.request for call in mock.calls if call.request.url == VERSION)
    # Any line answers 426 on every route to a client version of another minor.
    assert not any(name.lower() == "x-llamastack-client-version" for name in asked.headers)


def test_the_version_request_carries_the_clients_auth(mock: responses.RequestsMock,
                                                      make_client: MakeClient) -> None:
    # 0.2 requires auth on /v1/version when the server has it configured.
    mock.get(VERSION, json={"version": "0.7.3"},
             match=[matchers.header_matcher({"Authorization": "Bearer k1"})])
    assert make_client(api_key="k1").server_line == "0.7"


def test_eight_threads_making_their_first_call_together_cause_one_discovery(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    def slow_version(request: Any) -> tuple[int, dict[str, str], str]:
        time.sleep(0.05)  # every thread arrives while the first one asks
        return 200, {}, json.dumps({"version": "0.3.5"})

    mock.add_callback("GET", VERSION, callback=slow_version)
    mock.get(FILES, json=EMPTY_FILES)
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def first_call() -> None:
        start.wait()
        try:
            client.call(endpoints.FileList())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first_call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert version_calls(mock) == 1
    assert sum(1 for call in mock.calls if call.request.url == FILES) == 8


@pytest.mark.parametrize(("pinned", "line"), [("0.4", "0.4"), ("0.4.7", "0.4"), ("0.2", "0.2")])
def test_a_pinned_line_is_never_asked(mock: responses.RequestsMock, make_client: MakeClient,
                                      pinned: str, line: str) -> None:
    client = make_client(server_line=pinned)
    assert client.server_line == line
    assert not mock.calls


def test_the_environment_pins_the_line_and_the_argument_beats_it(
        mock: responses.RequestsMock, make_client: MakeClient,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLAMA_STACK_SERVER_LINE", "0.5")
    assert make_client().server_line == "0.5"
    assert make_client(server_line="0.6").server_line == "0.6"
    assert not mock.calls


@pytest.mark.parametrize("bad", ["0.9", "1", "seven", ""])
def test_an_unknown_pinned_line_is_refused_naming_the_known_ones(bad: str) -> None:
    with pytest.raises(ValueError, match=r"unknown server_line .*0\.2, 0\.3, 0\.4, 0\.5, 0\.6, 0\.7"):
        LlamaStackClient(BASE, server_line=bad)


def test_a_version_newer_than_every_known_line_uses_the_newest_and_says_so_once(
        mock: responses.RequestsMock, client: LlamaStackClient,
        caplog: pytest.LogCaptureFixture) -> None:
    mock.get(VERSION, json={"version": "0.9.1"})
    mock.get(FILES, json=EMPTY_FILES)
    with caplog.at_level(logging.WARNING, logger="llamastack"):
        client.call(endpoints.FileList())
        client.call(endpoints.FileList())
    assert client.server_line == "0.7"
    assert [r.getMessage() for r in caplog.records] == [
        "the server runs Llama Stack 0.9.1, newer than the newest line this client knows; using "
        "the routes of 0.7"]


@pytest.mark.parametrize("version", ["0.2.22", "0.1.9"])
def test_a_version_older_than_0_2_23_is_an_error_naming_it_and_sends_nothing_else(
        mock: responses.RequestsMock, client: LlamaStackClient, version: str) -> None:
    mock.get(VERSION, json={"version": version})
    for _ in range(2):
        with pytest.raises(UnsupportedServerError, match=rf"Llama Stack {version}; this client "
                                                          r"supports 0\.2\.23 and newer"):
            client.call(endpoints.FileList())
    assert version_calls(mock) == 1 and len(mock.calls) == 1


@pytest.mark.parametrize("answer", [
    {"status": 404, "json": {"detail": "Not Found"}},  # a proxy, or a mock without the route
    {"status": 200, "body": "<html>portal</html>", "content_type": "text/html"},
    {"status": 200, "json": {"status": "OK"}},  # JSON, but no version
    {"status": 401, "json": {"error": {"message": "Authentication required"}}},  # 0.2 with auth
])
def test_an_answer_without_a_version_means_the_newest_line_logged_once(
        mock: responses.RequestsMock, client: LlamaStackClient, caplog: pytest.LogCaptureFixture,
        answer: dict[str, Any]) -> None:
    mock.add("GET", VERSION, **answer)
    mock.get(FILES, json=EMPTY_FILES)
    with caplog.at_level(logging.WARNING, logger="llamastack"):
        for _ in range(3):
            client.call(endpoints.FileList())
    assert client.server_line == "0.7"
    assert version_calls(mock) == 1  # decided: never asked again
    assert len(caplog.records) == 1
    assert f"HTTP {answer['status']}" in caplog.records[0].getMessage()


def test_no_answer_at_all_decides_nothing_and_the_next_call_asks_again(
        make_client: MakeClient, caplog: pytest.LogCaptureFixture) -> None:
    # A mock that never served /v1/version: requests raises ConnectionError for it, as for a
    # refused connection. Each call goes on with the newest line; nothing is cached.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock, \
            caplog.at_level(logging.WARNING, logger="llamastack"):
        mock.get(FILES, json=EMPTY_FILES)
        client = make_client(max_retries=0)
        client.call(endpoints.FileList())
        client.call(endpoints.FileList())
        assert version_calls(mock) == 2
        mock.get(VERSION, json={"version": "0.2.24"})
        mock.get(FILES_02, json=EMPTY_FILES)
        client.call(endpoints.FileList())
        assert client.server_line == "0.2"
    assert len(caplog.records) == 1  # said once


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_transient_failure_of_discovery_decides_nothing(mock: responses.RequestsMock,
                                                          client: LlamaStackClient, status: int) -> None:
    mock.get(VERSION, status=status, json={"error": {"message": "starting"}})
    mock.get(FILES, json=EMPTY_FILES)
    client.call(endpoints.FileList())
    mock.replace("GET", VERSION, json={"version": "0.6.1"})
    assert client.server_line == "0.6"


def test_a_failed_discovery_does_not_count_against_the_calls_retries(
        mock: responses.RequestsMock, make_client: MakeClient, sleeps: list[float]) -> None:
    mock.get(VERSION, body=requests.ConnectionError("refused"))
    mock.get(FILES, status=503, json={"error": {"message": "busy"}})
    mock.get(FILES, json=EMPTY_FILES)
    client = make_client(max_retries=1)
    assert client.call(endpoints.FileList()).data == []  # one failed discovery, then 503, 200
    assert len(sleeps) == 1


def test_specs_the_same_on_every_line_and_your_own_specs_need_no_discovery(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    assert not varies_by_line(endpoints.HealthRetrieve)
    assert not varies_by_line(ThingRetrieve)  # server_lines not declared
    mock.get(f"{BASE}/v1/health", json={"status": "OK"})
    mock.get(f"{BASE}/v1/things/t1", json={"id": "t1", "name": "n"})
    client.call(endpoints.HealthRetrieve())
    client.call(ThingRetrieve(thing_id="t1"))
    assert version_calls(mock) == 0


def one_field_spec(field: Any) -> type:
    """A spec served at the same route, with no adapter, by every line, with one field."""

    @dataclass(frozen=True, kw_only=True)
    class OneField(Spec[None]):
        method: ClassVar[str] = "POST"
        path: ClassVar[str] = "/v1/one"
        server_lines: ClassVar[tuple[str, ...]] = SERVER_LINES

        f: Any = field

    return OneField


@pytest.mark.parametrize("field_helper", [query_field, body_field, json_body_field,
                                          lambda **kw: header_field("X-F", **kw),
                                          lambda **kw: file_field(required=False, **kw)])
def test_a_spec_served_alike_everywhere_varies_by_line_when_a_field_is_not_carried_by_all(
        field_helper: Callable[..., Any]) -> None:
    # Only the field's lines make it depend on the line (RouteList's ``api_filter`` is one
    # such), wherever the field goes.
    assert not varies_by_line(one_field_spec(field_helper()))
    assert varies_by_line(one_field_spec(field_helper(server_lines=("0.7",))))


@pytest.mark.parametrize(("spec", "line"), [
    (endpoints.ConversationCreate(), "0.2"),
    (endpoints.SessionCreate(agent_id="a", session_name="s"), "0.5"),
    (endpoints.ResponseCancel(response_id="r"), "0.6"),
    (endpoints.ConnectorList(), "0.4"),
])
def test_a_spec_the_line_does_not_serve_is_not_served_before_sending(
        mock: responses.RequestsMock, make_client: MakeClient, spec: Any, line: str) -> None:
    client = make_client(server_line=line)
    with pytest.raises(NotServedError) as raised:
        client.call(spec)
    error = raised.value
    assert (error.spec, error.server_line) == (spec, line)
    assert error.served_by == type(spec).server_lines and line not in error.served_by
    assert f"not served by Llama Stack {line}" in str(error)
    assert not mock.calls


@pytest.mark.parametrize(("field", "value"), [
    ("top_p", 0.5),  # new in 0.6: 0.5 answers 400
    # documented by 0.5, but 0.5.4 swaps these two and fails the response (seen live)
    ("max_output_tokens", 50),
    ("reasoning", {"effort": "low"}),
])
def test_a_value_the_line_cannot_carry_is_refused_naming_field_and_line(
        mock: responses.RequestsMock, make_client: MakeClient, field: str, value: Any) -> None:
    client = make_client(server_line="0.5")
    with pytest.raises(NotServedError) as raised:
        client.call(endpoints.ResponseCreate(model="m", input="hi", **{field: value}))
    assert raised.value.field == field
    assert f"{field} cannot be carried by Llama Stack 0.5 (it is by 0.6, 0.7)" in str(raised.value)
    assert not mock.calls


def test_a_refused_field_error_says_why_and_carries_the_spec_the_line_and_its_lines(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    spec = endpoints.ResponseCreate(model="m", input="hi", top_p=0.5)
    with pytest.raises(NotServedError) as raised:
        make_client(server_line="0.5").call(spec)
    error = raised.value
    assert error.message == ("top_p cannot be carried by Llama Stack 0.5 (it is by 0.6, 0.7): "
                             "that line would reject it or drop it silently; leave it unset there")
    assert (error.spec, error.server_line, error.served_by, error.field) == (
        spec, "0.5", endpoints.ResponseCreate.server_lines, "top_p")


def test_the_same_values_left_unset_are_sent(mock: responses.RequestsMock,
                                             make_client: MakeClient) -> None:
    captured = json.loads((BASE_CAPTURES / "0.5" / "POST_v1_responses.json").read_text())
    mock.post(f"{BASE}/v1/responses", json=captured,
              match=[matchers.json_params_matcher({"model": "m", "input": "hi", "temperature": 0.1})])
    response = make_client(server_line="0.5").call(
        endpoints.ResponseCreate(model="m", input="hi", temperature=0.1))
    assert response.store is True


def test_a_request_is_adapted_after_routing(mock: responses.RequestsMock,
                                            make_client: MakeClient) -> None:
    mock.post(f"{BASE}/v1/vector-io/insert", body="null", content_type="application/json",
              match=[matchers.json_params_matcher({"vector_db_id": "vs_1", "chunks": []})])
    make_client(server_line="0.3").call(endpoints.VectorIOInsert(vector_store_id="vs_1", chunks=[]))


def test_extra_body_is_merged_after_the_adapter(mock: responses.RequestsMock,
                                                make_client: MakeClient) -> None:
    # The escape hatch stays as given: it is sent as it is, on any line.
    mock.post(f"{BASE}/v1/vector-io/insert", body="null", content_type="application/json",
              match=[matchers.json_params_matcher(
                  {"vector_db_id": "vs_1", "chunks": [], "vector_store_id": "raw"})])
    make_client(server_line="0.3").call(endpoints.VectorIOInsert(vector_store_id="vs_1", chunks=[]),
                                        extra_body={"vector_store_id": "raw"})


def test_an_old_lines_stream_is_adapted_event_by_event(mock: responses.RequestsMock,
                                                       make_client: MakeClient) -> None:
    events = json.loads((BASE_CAPTURES / "0.3" / "POST_v1_responses_stream.json").read_text())
    body = "".join(f"data: {json.dumps(event)}\n\n" for event in events)
    mock.post(f"{BASE}/v1/responses", body=body, content_type="text/event-stream")
    with make_client(server_line="0.3").stream(endpoints.ResponseCreate(model="m", input="hi")) as stream:
        chunks = list(stream)
    assert [getattr(chunk, "sequence_number", None) for chunk in chunks] == list(range(len(events)))
    assert getattr(chunks[-1], "response").store is True  # noqa: B009 - the last is response.completed


def test_the_route_of_each_line_is_used(mock: responses.RequestsMock,
                                        make_client: MakeClient) -> None:
    mock.post(f"{BASE}/v1/prompts/p1", json={"prompt_id": "p1", "version": 2, "variables": [],
                                             "is_default": False, "prompt": "x"})
    make_client(server_line="0.4").call(endpoints.PromptUpdate(prompt_id="p1", prompt="x", version=1))
    mock.put(f"{BASE}/v1/prompts/p1", json={"prompt_id": "p1", "version": 3, "variables": [],
                                            "is_default": False, "prompt": "x"})
    make_client(server_line="0.5").call(endpoints.PromptUpdate(prompt_id="p1", prompt="x", version=2))


def test_discovery_failing_to_connect_is_not_an_error_of_its_own(make_client: MakeClient) -> None:
    # Nothing listens: the call fails as a connection error, not as a discovery failure.
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru("http://127.0.0.1:9")
        client = make_client("http://127.0.0.1:9", max_retries=0)
        with pytest.raises(APIConnectionError, match=r"FileList GET http://127\.0\.0\.1:9/v1/files"):
            client.call(endpoints.FileList())
