"""Exit statuses and messages: what the server said, what the user got wrong, and bugs."""

from __future__ import annotations

import errno
import io
import re
import sys
import threading
from typing import Any

import pytest

from llamastack import LlamaStackClient, cli
from llamastack.retry import RETRYABLE_STATUSES
from tests.unit.cli.support import SPECS, MockServer, Reply, Seen, closed_port_url, gadget_call, run_cli


@pytest.mark.parametrize(("reply", "code", "message"), [
    (Reply(404, {"detail": "Model 'x' not found"}), cli.EXIT_CLIENT_ERROR, "Model 'x' not found"),
    (Reply(400, {"error": {"message": "bad model"}}), cli.EXIT_CLIENT_ERROR, "-> 400: bad model"),
    (Reply(503, {"error": {"message": "overloaded"}}), cli.EXIT_SERVER_ERROR, "-> 503: overloaded"),
    (Reply(200, b"<html>", {"Content-Type": "text/html"}), cli.EXIT_DECODE, "not JSON"),
])
def test_errors_print_the_server_message_and_exit_by_class(
        server: MockServer, reply: Reply, code: int, message: str) -> None:
    server.route("GET", "/v1/models/x", reply)
    result = run_cli("models", "retrieve", "--model-id", "x", "--max-retries", "0",
                     env={"LLAMA_STACK_BASE_URL": server.url})
    assert result.code == code
    assert result.out == ""
    assert result.err.startswith("llamastack: error: ModelRetrieve GET ")
    assert message in result.err
    assert "Traceback" not in result.err


def test_a_refused_connection_exits_3() -> None:
    result = run_cli("models", "list", "--max-retries", "0", "--base-url", closed_port_url())
    assert result.code == cli.EXIT_CONNECTION
    assert "connection" in result.err.lower()
    assert "Traceback" not in result.err


def test_a_timeout_exits_3(server: MockServer) -> None:
    gate = threading.Event()

    def slow(_seen: Seen) -> Reply:
        gate.wait(5)
        return Reply(body={"data": []})

    server.route("GET", "/v1/models", slow)
    try:
        result = run_cli("models", "list", "--timeout", "0.3", "--max-retries", "0",
                         env={"LLAMA_STACK_BASE_URL": server.url})
    finally:
        gate.set()
    assert result.code == cli.EXIT_CONNECTION
    assert "timed out" in result.err.lower() or "timeout" in result.err.lower()


def test_usage_errors_exit_2() -> None:
    assert run_cli("models", "list", "--output", "yaml").code == cli.EXIT_USAGE
    assert run_cli("no-such-resource", "list").code == cli.EXIT_USAGE
    assert run_cli("models").code == cli.EXIT_USAGE
    bad_json = run_cli("agents", "create", "--agent-config", "{not json")
    assert bad_json.code == cli.EXIT_USAGE
    assert "--agent-config" in bad_json.err and "not valid JSON" in bad_json.err


def test_retries_follow_max_retries(server: MockServer) -> None:
    server.route("GET", "/v1/models", Reply(503, {"error": {"message": "busy"}},
                                            {"Retry-After": "0"}))
    result = run_cli("models", "list", "--max-retries", "2", env={"LLAMA_STACK_BASE_URL": server.url})
    assert result.code == cli.EXIT_SERVER_ERROR
    assert len(server.seen) == 3


def test_a_refused_connection_says_refused_not_max_retries_exceeded() -> None:
    # urllib3 said "Max retries exceeded with url ..." even with --max-retries 0.
    url = closed_port_url()
    result = run_cli("models", "list", "--max-retries", "0", "--base-url", url)
    assert result.code == cli.EXIT_CONNECTION
    port = url.rsplit(":", 1)[1]
    assert f"connection refused by 127.0.0.1:{port}" in result.err
    assert "Max retries" not in result.err and "HTTPConnectionPool" not in result.err
    assert result.err.count("\n") == 1  # one line


def test_a_redirect_exits_3_as_documented(server: MockServer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # Redirects are not followed (credentials never leave base_url): no answer, not a 5xx.
    server.route("GET", "/v1/gadgets", Reply(302, {}, {"Location": "http://127.0.0.1:9/elsewhere"}))
    result = gadget_call(capsys, "gadgets", "list", "--max-retries", "0")
    assert result.code == cli.EXIT_CONNECTION
    assert "redirected to 'http://127.0.0.1:9/elsewhere'" in result.err


# --- the user's mistakes and the library's bugs are told apart --------------------------------


@pytest.fixture
def decoding_bug(monkeypatch: pytest.MonkeyPatch) -> list[BaseException]:
    """Decoding the answer raises what the test puts in the list: a bug after the request
    went out (the server has answered 200)."""
    raised: list[BaseException] = []

    def broken_decode(*args: Any, **kwargs: Any) -> Any:
        raise raised[0]

    monkeypatch.setattr(LlamaStackClient, "_decode", broken_decode)
    return raised


@pytest.mark.parametrize("bug", [TypeError("unhashable type: 'list'"), ValueError("bad state"),
                                 KeyError("data")], ids=lambda exc: type(exc).__name__)
def test_a_bug_after_the_request_is_an_internal_error_not_a_usage_error(
        server: MockServer, capsys: pytest.CaptureFixture[str], decoding_bug: list[BaseException],
        bug: BaseException) -> None:
    # Every ValueError/TypeError/OSError used to be exit 2 "usage error" (so a library bug
    # looked like the user's mistake); anything else escaped main() as a traceback.
    server.route("GET", "/v1/gadgets", Reply(body={"data": []}))
    decoding_bug.append(bug)
    result = gadget_call(capsys, "gadgets", "list")
    assert len(server.seen) == 1
    assert result.code == cli.EXIT_FAILURE
    assert result.err == (f"llamastack: error: internal error: {type(bug).__name__}: {bug} "
                          "(--debug shows the traceback)\n")


def test_debug_prints_the_traceback_of_an_internal_error(
        server: MockServer, capsys: pytest.CaptureFixture[str],
        decoding_bug: list[BaseException]) -> None:
    server.route("GET", "/v1/gadgets", Reply(body={"data": []}))
    decoding_bug.append(KeyError("data"))
    for args in (("--debug", "gadgets", "list"), ("gadgets", "list", "--debug")):
        result = gadget_call(capsys, *args)
        assert result.code == cli.EXIT_FAILURE
        assert result.err.startswith("Traceback (most recent call last):\n")
        assert "in broken_decode" in result.err
        assert result.err.splitlines()[-1] == "llamastack: error: internal error: KeyError: 'data'"


def test_debug_shows_what_a_connection_error_was_raised_from() -> None:
    result = run_cli("--debug", "models", "list", "--max-retries", "0",
                     "--base-url", closed_port_url())
    assert result.code == cli.EXIT_CONNECTION
    assert "ConnectionRefusedError" in result.err  # the transport's own exception, chained
    assert result.err.splitlines()[-1].startswith("llamastack: error: ModelList GET ")


def test_values_the_request_cannot_carry_are_still_usage_errors(
        server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    for args, complaint in [
        (("--shelf-id", "..", "--name", "n"), "path parameter 'shelf_id' must not be '..'"),
        (("--shelf-id", "s", "--name", "n", "--trace", "a\r\nInjected: 1"),
         "header 'X-Trace' contains a CR or LF"),
    ]:
        result = gadget_call(capsys, "gadgets", "create", *args)
        assert result.code == cli.EXIT_USAGE, result.err
        assert complaint in result.err and "internal error" not in result.err
    assert server.seen == []


class FullDisk(io.StringIO):
    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_output_that_cannot_be_written_is_a_failure_not_a_usage_error(
        server: MockServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("GET", "/v1/gadgets", Reply(body={"data": []}))
    monkeypatch.setattr(sys, "stdout", FullDisk())
    code = cli.main(["gadgets", "list"], specs=SPECS)
    assert code == cli.EXIT_FAILURE
    assert capsys.readouterr().err == "llamastack: error: [Errno 28] No space left on device\n"


def test_ctrl_c_exits_130(server: MockServer, capsys: pytest.CaptureFixture[str],
                          decoding_bug: list[BaseException]) -> None:
    server.route("GET", "/v1/gadgets", Reply(body={"data": []}))
    decoding_bug.append(KeyboardInterrupt())
    result = gadget_call(capsys, "gadgets", "list")
    assert (result.code, result.err) == (cli.EXIT_INTERRUPTED, "\n")


# --- retries -----------------------------------------------------------------------------------


def test_max_retries_help_states_the_retry_policy(capsys: pytest.CaptureFixture[str]) -> None:
    # It said "retries of connection errors, 408, 409, 429 and 5xx": 501 is never retried.
    helped = " ".join(gadget_call(capsys, "--help").out.split())
    described = re.search(r"--max-retries N (.*?\(default: 2\))", helped)
    assert described is not None
    text = described.group(1)
    for status in sorted(RETRYABLE_STATUSES):
        assert str(status) in text
    assert "5xx other than 501" in text and "x-should-retry" in text and "timeout" in text


@pytest.mark.parametrize(("status", "attempts"), [(503, 3), (501, 1), (408, 3), (404, 1)])
def test_max_retries_does_what_its_help_says(server: MockServer, status: int, attempts: int,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    server.route("GET", "/v1/gadgets", Reply(status, {"detail": "no"}, {"Retry-After": "0"}))
    result = gadget_call(capsys, "gadgets", "list", "--max-retries", "2")
    assert result.code in (cli.EXIT_CLIENT_ERROR, cli.EXIT_SERVER_ERROR)
    assert len(server.seen) == attempts
