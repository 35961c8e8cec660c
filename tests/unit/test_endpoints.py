"""Every spec through the client against a strict HTTP mock, one fixture per operation.

Each file in fixtures/endpoints/ names a spec and holds its arguments, the exact request it must
send (method, URL with query, JSON body or multipart form), a realistic response (captured from a
real server where one exists, else written from the schema) and values the decoded result must
have. The decoded result must also equal what dataclasses-json's ``from_dict`` makes of the body.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

import llamastack.endpoints as endpoints
from llamastack import APIStatusError, LlamaStackClient, Model, NotFoundError, NotServedError, UnknownVariant
from llamastack.decoding import decoder_for
from llamastack.encoding import build_request
from llamastack.models import (
    OpenAIChatCompletionContentPartTextParam,
    OpenAIResponseObject,
    OpenAIUserMessageParam,
    Turn,
    UserMessage,
)
from llamastack.spec import plan_for
from tests.unit.conftest import MakeClient
from tests.unit.fixtures import FIXTURES, ROOT
from tests.unit.specs_for_tests import BASE

CASES = sorted(path.stem for path in (FIXTURES / "endpoints").glob("*.json"))
CAPTURED = ROOT / "tests" / "integration" / "servers" / "captured"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "endpoints" / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def spec_args(args: dict[str, Any]) -> dict[str, Any]:
    """Fixture arguments to spec arguments: {"$file": [name, text]} is an upload (name, bytes)."""
    return {key: (value["$file"][0], value["$file"][1].encode())
            if isinstance(value, dict) and "$file" in value else value for key, value in args.items()}


def sse(events: list[Any]) -> str:
    # As llama-stack writes a stream: data lines only, no [DONE], the connection just closes.
    return "".join(f"data: {json.dumps(event)}\n\n" for event in events)


def follow(value: Any, path: str) -> Any:
    """``data[0].id``, ``results.basic::equality``, ``[-1].event``, ``@type``, ``@len``."""
    if path == "":
        return value
    for key, index in ((m.group(2), m.group(1)) for m in re.finditer(r"\[(-?\d+)\]|([^.\[\]]+)", path)):
        if index is not None:
            value = value[int(index)]
        elif key == "@type":
            value = type(value).__name__
        elif key.startswith("@len"):
            value = len(value if key == "@len" else getattr(value, key[5:]))
        elif isinstance(value, dict):
            value = value[key]
        else:
            value = getattr(value, key)
    return value


def expected_value(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$bytes"}:
        return value["$bytes"].encode()
    return value


def multipart_fields(request: Any) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(form fields, files as (filename, text)) of a multipart/form-data request body."""
    boundary = re.search(r"boundary=([^;]+)", request.headers["Content-Type"]).group(1)  # type: ignore[union-attr]
    body = request.body.read() if hasattr(request.body, "read") else request.body
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str]] = {}
    for part in body.split(b"--" + boundary.encode())[1:-1]:
        head, _, content = part[2:-2].partition(b"\r\n\r\n")  # each part is CRLF ... CRLF
        disposition = head.decode()
        name = re.search(r'name="([^"]*)"', disposition).group(1)  # type: ignore[union-attr]
        filename = re.search(r'filename="([^"]*)"', disposition)
        if filename:
            files[name] = (filename.group(1), content.decode())
        else:
            fields[name] = content.decode()
    return fields, files


def register(mock: responses.RequestsMock, fixture: dict[str, Any],
             seen: dict[str, Any]) -> None:
    request, answer = fixture["request"], fixture["response"]
    url, _, query = request["url"].partition("?")
    match: list[Callable[..., tuple[bool, str]]] = [matchers.query_string_matcher(query or None)]
    if "json" in request:
        match.append(matchers.json_params_matcher(request["json"], strict_match=True))

    def keep(prepared: Any) -> tuple[bool, str]:
        seen["request"] = prepared
        if "form" in request:
            seen["multipart"] = multipart_fields(prepared)
        return True, ""

    match.append(keep)
    if "events" in answer:
        body, content_type = sse(answer["events"]), "text/event-stream"
    elif "json" in answer:
        body, content_type = json.dumps(answer["json"]), "application/json"
    else:
        body, content_type = answer.get("raw", ""), answer.get("content_type", "application/json")
    mock.add(request["method"], BASE + url, body=body, status=answer["status"],
             content_type=content_type, match=match)


def line_of_fixture(spec_class: type) -> str:
    """The line a fixture was captured on: 0.7, or 0.2 for the Agents API (0.2.24)."""
    return "0.7" if "0.7" in (getattr(spec_class, "server_lines", None) or ()) else "0.2"


@pytest.mark.parametrize("name", CASES)
def test_endpoint_request_and_decoded_response(name: str, mock: responses.RequestsMock,
                                               make_client: MakeClient) -> None:
    fixture = load(name)
    spec_class = getattr(endpoints, name)
    spec = spec_class(**spec_args(fixture["args"]))
    client = make_client(server_line=line_of_fixture(spec_class))
    seen: dict[str, Any] = {}
    register(mock, fixture, seen)

    if fixture["call"] == "stream":
        with client.stream(spec) as stream:
            result: Any = list(stream)
    else:
        result = client.call(spec)

    request = fixture["request"]
    sent = seen["request"]
    assert sent.method == request["method"]
    assert sent.url == BASE + request["url"]
    if "form" in request:
        assert seen["multipart"] == (request["form"], {k: tuple(v) for k, v in request["files"].items()})
    elif "json" not in request:
        assert sent.body is None
    for path, value in fixture["expect"].items():
        assert follow(result, path) == expected_value(value), f"{name}: {path}"

    # dataclasses-json's from_dict agrees with the fast decoder (tagged unions decode by tag).
    answer = fixture["response"]
    pairs = list(zip(answer["events"], result, strict=True)) if "events" in answer else (
        [(answer["json"], result)] if "json" in answer else [])
    for body, value in pairs:
        if isinstance(value, Model) and not isinstance(value, UnknownVariant):
            assert type(value).from_dict(body) == value
            assert value.to_dict()  # and can be written back


def test_every_spec_has_a_fixture() -> None:
    assert set(CASES) == set(endpoints.__all__)


def test_fixture_sources_are_recorded() -> None:
    for name in CASES:
        source = load(name)["source"]
        assert source.startswith(("captured from a real server", "written from the", "the raw file")), name


# --- paging -------------------------------------------------------------------------------------


def test_file_list_pages_by_cursor(mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    page = load("FileList")["response"]["json"]
    first = {**page, "data": [{**page["data"][0], "id": "file-1"}], "first_id": "file-1",
             "last_id": "file-1", "has_more": True}
    second = {**page, "data": [{**page["data"][0], "id": "file-2"}], "first_id": "file-2",
              "last_id": "file-2", "has_more": False}
    mock.get(f"{BASE}/v1/files", json=first, match=[matchers.query_string_matcher("limit=1")])
    mock.get(f"{BASE}/v1/files", json=second,
             match=[matchers.query_string_matcher("limit=1&after=file-1")])
    files = list(client.paginate(endpoints.FileList(limit=1)))
    assert [f.id for f in files] == ["file-1", "file-2"]


def test_empty_file_list_has_empty_string_ids(mock: responses.RequestsMock,
                                              client: LlamaStackClient) -> None:
    # 0.7.3 answers an empty file list with "" ids (erratum 1); paging just stops.
    empty = {"data": [], "has_more": False, "first_id": "", "last_id": "", "object": "list"}
    mock.get(f"{BASE}/v1/files", json=empty)
    assert client.call(endpoints.FileList()).last_id == ""
    mock.get(f"{BASE}/v1/vector_stores", json={**empty, "first_id": None, "last_id": None})
    assert list(client.paginate(endpoints.VectorStoreList())) == []


def test_agent_list_pages_by_index(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    client = make_client(server_line="0.2")
    agent = load("AgentList")["response"]["json"]["data"][0]
    mock.get(f"{BASE}/v1/agents", json={"data": [agent], "has_more": True, "url": "/v1/agents"},
             match=[matchers.query_string_matcher("limit=1")])
    mock.get(f"{BASE}/v1/agents", json={"data": [{**agent, "agent_id": "a2"}], "has_more": False},
             match=[matchers.query_string_matcher("start_index=1&limit=1")])
    agents = list(client.paginate(endpoints.AgentList(limit=1)))
    assert [a["agent_id"] for a in agents] == [agent["agent_id"], "a2"]


# --- agents (0.2 and 0.3) ----------------------------------------------------------------------
# An Agents spec's declared route is 0.3's (/v1alpha/agents/...), the newest line serving it;
# 0.2 serves the same shapes at routes["0.2"] (/v1/agents/...). The 501 and null-turn answers
# were captured from 0.2.24; 0.3.5 runs the same agent code (SERVER_LINES.md §5).


def test_turn_create_called_without_streaming_explains_the_501(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    client = make_client(server_line="0.2")
    captured = json.loads((CAPTURED / "0.2" / "POST_v1_agents_turn_501.json").read_text())
    mock.post(f"{BASE}/v1/agents/a1/session/s1/turn", json=captured, status=501)
    spec = endpoints.TurnCreate(agent_id="a1", session_id="s1", messages=[UserMessage(content="hi")])
    with pytest.raises(APIStatusError) as raised:
        client.call(spec, max_retries=0)
    assert raised.value.status == 501
    assert "client.stream" in str(raised.value)


def test_unknown_turn_is_none(mock: responses.RequestsMock, make_client: MakeClient) -> None:
    # 0.2 answers an unknown turn id with 200 and the body null (erratum 5).
    client = make_client(server_line="0.2")
    mock.get(f"{BASE}/v1/agents/a1/session/s1/turn/nope", body="null", content_type="application/json")
    turn = client.call(endpoints.TurnRetrieve(agent_id="a1", session_id="s1", turn_id="nope"))
    assert turn is None


def test_agent_spec_on_a_07_server_is_not_served_before_sending(
        mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    with pytest.raises(NotServedError) as raised:
        client.call(endpoints.SessionCreate(agent_id="a1", session_name="triage"))
    assert raised.value.server_line == "0.7"
    assert raised.value.served_by == ("0.2", "0.3")
    assert "not served by Llama Stack 0.7" in str(raised.value)
    assert not mock.calls


def test_a_route_missing_on_the_server_names_the_lines_that_serve_the_spec(
        mock: responses.RequestsMock, make_client: MakeClient) -> None:
    # A 0.3 server whose run config leaves out the agents API: the route is missing after all.
    client = make_client(server_line="0.3")
    mock.post(f"{BASE}/v1alpha/agents/a1/session", json={"detail": "Not Found"}, status=404)
    with pytest.raises(NotFoundError) as raised:
        client.call(endpoints.SessionCreate(agent_id="a1", session_name="triage"))
    assert "SessionCreate is served by Llama Stack 0.2, 0.3" in str(raised.value)
    assert "takes this server for 0.3" in str(raised.value)


@pytest.mark.parametrize("transcript", ["turn_stream", "turn_stream_tool", "turn_resume"])
def test_real_turn_transcripts_decode_by_event_type(transcript: str) -> None:
    # Recorded from a 0.2.24 server (shared/transcripts; the same streams are captured in
    # tests/integration/servers/captured/0.2).
    captured = {"turn_stream": "POST_v1_agents_turn_stream.json",
                "turn_stream_tool": "POST_v1_agents_turn_stream_tool.json",
                "turn_resume": "POST_v1_agents_turn_resume.json"}[transcript]
    events = json.loads((CAPTURED / "0.2" / captured).read_text())
    decode = plan_for(endpoints.TurnCreate).decode_chunk
    assert decode is not None
    chunks = [decode(event) for event in events]
    kinds = [chunk.event.payload.event_type for chunk in chunks]
    assert kinds[-1] in ("turn_complete", "turn_awaiting_input")
    assert not any(isinstance(c.event.payload, UnknownVariant) for c in chunks)
    last = chunks[-1].event.payload.turn
    assert isinstance(last, Turn) and last.output_message.role == "assistant"


# --- models -------------------------------------------------------------------------------------


def test_requests_accept_models_and_dicts_alike(mock: responses.RequestsMock,
                                                client: LlamaStackClient) -> None:
    fixture = load("ChatCompletionCreate")
    as_dicts = fixture["request"]["json"]
    mock.post(f"{BASE}/v1/chat/completions", json=fixture["response"]["json"],
              match=[matchers.json_params_matcher(
                  {**as_dicts, "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},
                  strict_match=True)])
    message = OpenAIUserMessageParam(content=[OpenAIChatCompletionContentPartTextParam(text="hi")])
    spec = endpoints.ChatCompletionCreate(**{**spec_args(fixture["args"]), "messages": [message]})
    assert client.call(spec).choices[0].message.tool_calls


def test_unknown_union_tags_become_unknown_variants() -> None:
    body = load("ResponseRetrieve")["response"]["json"]
    future = {"type": "image_generation_call", "id": "ig_1", "result": "..."}
    response = decoder_for(OpenAIResponseObject)({**body, "output": [*body["output"], future]})
    assert isinstance(response.output[-1], UnknownVariant)
    assert response.output[-1].model_extra == future
    assert OpenAIResponseObject.from_dict({**body, "output": [*body["output"], future]}) == response


def test_content_is_a_string_one_item_or_a_list_decoded_by_tag() -> None:
    # InterleavedContent = str | ImageContentItem | TextContentItem | list[...]: typing flattens
    # the tagged union into the larger one, and it still decodes by tag.
    decode = decoder_for(UserMessage)
    assert decode({"role": "user", "content": "hi"}).content == "hi"
    single = decode({"role": "user", "content": {"type": "text", "text": "hi"}}).content
    assert type(single).__name__ == "TextContentItem"
    parts = decode({"role": "user", "content": [{"type": "image", "image": {"url": {"uri": "u"}}},
                                                {"type": "text", "text": "t"}]}).content
    assert [type(p).__name__ for p in parts] == ["ImageContentItem", "TextContentItem"]
    assert UserMessage.from_dict({"role": "user", "content": [{"type": "text", "text": "t"}]}) == decode(
        {"role": "user", "content": [{"type": "text", "text": "t"}]})


def test_fixtures_folder_is_where_the_data_lives() -> None:
    assert (FIXTURES / "endpoints").is_dir() and isinstance(FIXTURES, Path)


def test_request_sequences_of_models_type_check_and_encode() -> None:
    # list is invariant: a list[OpenAIUserMessageParam] variable must still be accepted where a
    # sequence of messages-or-dicts is declared (mypy checks this file), and tuples encode too.
    messages = [OpenAIUserMessageParam(content="hi")]
    as_list = endpoints.ChatCompletionCreate(model="m", messages=messages)
    as_tuple = endpoints.ChatCompletionCreate(model="m", messages=tuple(messages))
    plan = plan_for(endpoints.ChatCompletionCreate)
    bodies = [build_request(plan, spec, base_url=BASE, headers={}).body for spec in (as_list, as_tuple)]
    assert bodies[0] == bodies[1]
    assert json.loads(bodies[0]) == {"model": "m", "messages": [{"role": "user", "content": "hi"}]}  # type: ignore[arg-type]


# --- streaming is no field (issue 13, item 6) ---------------------------------------------------


def test_streaming_specs_have_no_stream_field(mock: responses.RequestsMock,
                                              client: LlamaStackClient) -> None:
    streaming = [getattr(endpoints, name) for name in endpoints.__all__
                 if getattr(endpoints, name).stream_chunk is not None]
    assert {s.__name__ for s in streaming} == {
        "ChatCompletionCreate", "CompletionCreate", "ResponseCreate", "TurnCreate", "TurnResume"}
    for spec_class in streaming:
        assert "stream" not in {f.name for f in dataclasses.fields(spec_class)}, spec_class.__name__
    with pytest.raises(TypeError, match="stream"):
        endpoints.ChatCompletionCreate(model="m", messages=[], stream=True)  # type: ignore[call-arg]
    # client.call sends no stream flag, so the server answers one JSON document.
    fixture = load("ChatCompletionCreate")
    mock.post(f"{BASE}/v1/chat/completions", json=fixture["response"]["json"],
              match=[matchers.json_params_matcher({"model": "m", "messages": []}, strict_match=True)])
    assert client.call(endpoints.ChatCompletionCreate(model="m", messages=[])).choices
