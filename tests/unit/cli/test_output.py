"""Printing answers: JSON, tables, streamed text and events, every page with --all."""

from __future__ import annotations

import json
from typing import Any

import pytest

from llamastack import cli
from tests.unit.cli.support import MockServer, Reply, Seen, gadget_call


def test_stream_prints_known_text_and_other_events_as_json_lines(
        server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-chat", Reply(events=[
        {"type": "response.created", "response": {"id": "r"}},
        {"type": "response.output_text.delta", "delta": "Hel"},
        {"type": "response.output_text.delta", "delta": "lo"},
        {"unknown": "event"},
        {"type": "response.output_text.delta", "delta": "!"},
        {"type": "response.completed", "response": {"id": "r"}},
    ]))
    result = gadget_call(capsys, "gadget-chats", "create", "--model", "m", "--message", "x",
                         "--stream")
    assert result.code == 0, result.err
    assert result.out == 'Hello\n{"unknown": "event"}\n!\n'
    assert server.only().json()["stream"] is True


def test_stream_with_output_json_prints_every_event(server: MockServer,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    events = [{"type": "response.output_text.delta", "delta": "a"}, {"type": "response.completed"}]
    server.route("POST", "/v1/gadget-chat", Reply(events=events))
    result = gadget_call(capsys, "--output", "json", "gadget-chats", "create", "--model", "m",
                         "--message", "x", "--stream")
    assert [json.loads(line) for line in result.out.splitlines()] == events


@pytest.mark.parametrize(("event", "text"), [
    ({"object": "chat.completion.chunk", "choices": [{"delta": {"content": "hi"}}]}, "hi"),
    ({"object": "chat.completion.chunk", "choices": [{"delta": {"tool_calls": []}}]}, ""),
    ({"object": "text_completion", "choices": [{"text": "done"}]}, "done"),
    ({"type": "response.output_text.delta", "delta": "d"}, "d"),
    ({"type": "response.in_progress", "response": {}}, ""),
    ({"event": {"payload": {"event_type": "step_progress", "delta": {"type": "text",
                                                                       "text": "t"}}}}, "t"),
    ({"event": {"payload": {"event_type": "step_progress", "delta": {"type": "tool_call"}}}}, ""),
    ({"something": "else"}, None),
    ([1, 2], None),
])
def test_stream_text_knows_each_stream_kind(event: Any, text: str | None) -> None:
    assert cli.stream_text(event) == text


def test_all_follows_cursor_pages_into_one_json_array(server: MockServer,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    def pages(seen: Seen) -> Reply:
        if "after" not in seen.query:
            return Reply(body={"data": [{"id": "g1", "name": "a"}], "has_more": True,
                               "last_id": "g1"})
        return Reply(body={"data": [{"id": "g2", "name": "b"}], "has_more": False,
                           "last_id": "g2"})

    server.route("GET", "/v1/gadgets", pages)
    result = gadget_call(capsys, "gadgets", "list", "--all", "--limit", "1")
    assert result.code == 0, result.err
    assert result.json() == [{"id": "g1", "name": "a"}, {"id": "g2", "name": "b"}]
    assert [s.query for s in server.seen] == [{"limit": ["1"]}, {"after": ["g1"], "limit": ["1"]}]
    table = gadget_call(capsys, "--output", "table", "gadgets", "list", "--all")
    assert table.out == "ID  NAME\ng1  a\ng2  b\n"


def test_all_follows_index_pages(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    def rows(seen: Seen) -> Reply:
        start = int(seen.query.get("start_index", ["0"])[0])
        data = [{"n": i} for i in range(start, min(start + 2, 5))]
        return Reply(body={"data": data, "has_more": start + 2 < 5})

    server.route("GET", "/v1/gadget-rows", rows)
    result = gadget_call(capsys, "gadget-rows", "list", "--all")
    assert result.json() == [{"n": i} for i in range(5)]
    empty = gadget_call(capsys, "gadget-rows", "list", "--all", "--start-index", "9")
    assert empty.json() == []


def test_table_output(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/v1/gadgets", Reply(body={"data": [
        {"id": "g1", "name": "a", "size": 3, "nested": {"x": 1}},
        {"id": "g2", "name": "b" * 80}], "has_more": False}))
    result = gadget_call(capsys, "gadgets", "list", "--output", "table")
    lines = result.out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "SIZE"]
    assert lines[1].split() == ["g1", "a", "3"]
    assert lines[2].startswith("g2  " + "b" * 47 + "…")
    server.route("POST", "/v1/gadgets/s", Reply(body={"id": "g1", "name": "a"}))
    single = gadget_call(capsys, "gadgets", "create", "--shelf-id", "s", "--name", "a",
                         "--output", "table")
    assert single.out == "KEY   VALUE\nid    g1\nname  a\n"


def test_a_delete_without_body_prints_nothing(server: MockServer,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    server.route("DELETE", "/v1/gadgets/g1", Reply(204))
    result = gadget_call(capsys, "gadgets", "delete", "--gadget-id", "g1")
    assert (result.code, result.out, result.err) == (0, "", "")


def test_text_answers_print_as_they_are(server: MockServer,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/v1/gadget-manuals/m1/content", Reply(body="line one\nline two"))
    result = gadget_call(capsys, "gadget-manual-content", "retrieve", "--manual-id", "m1")
    assert result.out == "line one\nline two\n"
