"""Running a command: streams that fail, stream-only specs, the 501 hint."""

from __future__ import annotations

import pytest

from llamastack import cli
from tests.unit.cli.support import MockServer, Reply, gadget_call


def test_an_error_inside_a_stream_exits_5_after_the_text(server: MockServer,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-chat", Reply(events=[
        {"type": "response.output_text.delta", "delta": "partial"},
        {"error": {"message": "backend died"}}]))
    result = gadget_call(capsys, "gadget-chats", "create", "--model", "m", "--message", "x",
                         "--stream")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert result.out == "partial\n"
    assert "backend died" in result.err


def test_a_failed_response_stream_exits_5(server: MockServer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-chat", Reply(events=[
        {"type": "response.output_text.delta", "delta": "Ec"},
        {"type": "response.failed", "response": {"error": {"message": "it broke"}}}]))
    result = gadget_call(capsys, "gadget-chats", "create", "--model", "m", "--message", "x",
                         "--stream")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert result.out == "Ec\n"
    assert "the response failed: it broke" in result.err


def test_a_stream_only_spec_streams_without_asking(server: MockServer,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-turn", Reply(events=[
        {"event": {"payload": {"event_type": "step_start"}}},
        {"event": {"payload": {"event_type": "step_progress",
                               "delta": {"type": "text", "text": "Echo: hi"}}}},
        {"event": {"payload": {"event_type": "turn_complete", "turn": {}}}}]))
    result = gadget_call(capsys, "gadget-turns", "create", "--message", "hi")
    assert result.code == 0, result.err
    assert result.out == "Echo: hi\n"
    assert "--no-stream" in gadget_call(capsys, "gadget-turns", "create", "--help").out


def test_a_501_for_a_stream_only_call_suggests_streaming(
        server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-turn", Reply(501, {"detail": "Not implemented"}))
    result = gadget_call(capsys, "gadget-turns", "create", "--message", "hi", "--no-stream",
                         "--max-retries", "0")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert "leave out --no-stream" in result.err


def test_a_501_for_a_call_that_can_stream_does_not_suggest_a_flag_it_lacks(
        server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    # Only stream-only commands have --no-stream; this one has --stream alone.
    server.route("POST", "/v1/gadget-chat", Reply(501, {"detail": "Not implemented"}))
    result = gadget_call(capsys, "gadget-chats", "create", "--model", "m", "--message", "x",
                         "--max-retries", "0")
    assert result.code == cli.EXIT_SERVER_ERROR
    assert "-> 501: Not implemented" in result.err and "--no-stream" not in result.err
