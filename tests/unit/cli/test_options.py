"""Options from the fields' types: conversion, JSON and @file values, the --message
shortcut, and the help text built from the declaration."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest

from llamastack import cli
from tests.unit.cli.support import MockServer, Reply, gadget_call


def test_fields_become_typed_options(server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadgets/s1", Reply(body={"id": "g1", "name": "n"}))
    result = gadget_call(
        capsys, "gadgets", "create", "--shelf-id", "s1", "--name", "n", "--size", "3",
        "--ratio", "0.5", "--fragile", "--color", "red", "--tags", "a", "--tags", "b",
        "--spec", '{"k": [1, 2]}', "--label", "one", "--no-dry-run", "--trace", "t-1")
    assert result.code == 0, result.err
    seen = server.only()
    assert seen.json() == {"name": "n", "size": 3, "ratio": 0.5, "fragile": True, "color": "red",
                           "tags": ["a", "b"], "spec": {"k": [1, 2]}, "label": "one", "count": 3}
    assert seen.query == {"dry_run": ["false"]}
    assert seen.headers["X-Trace"] == "t-1"


def test_unset_optional_fields_are_omitted(server: MockServer,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadgets/s1", Reply(body={"id": "g1", "name": "n"}))
    assert gadget_call(capsys, "gadgets", "create", "--shelf-id", "s1", "--name", "n").code == 0
    assert server.only().json() == {"name": "n", "count": 3}
    assert server.only().query == {}


def test_list_and_union_fields_take_json_too(server: MockServer, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadgets/s1", Reply(body={"id": "g1", "name": "n"}))
    spec_file = tmp_path / "spec.json"
    spec_file.write_text('{"from": "file"}')
    result = gadget_call(capsys, "gadgets", "create", "--shelf-id", "s1", "--name", "n",
                         "--tags", '["x", "y"]', "--label", '["l1", "l2"]',
                         "--spec", f"@{spec_file}")
    assert result.code == 0, result.err
    assert server.only().json() == {"name": "n", "tags": ["x", "y"], "label": ["l1", "l2"],
                                    "spec": {"from": "file"}, "count": 3}


def test_json_from_stdin(server: MockServer, capsys: pytest.CaptureFixture[str],
                         monkeypatch: pytest.MonkeyPatch) -> None:
    server.route("POST", "/v1/gadgets/s1", Reply(body={"id": "g1", "name": "n"}))
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"piped": true}'))
    result = gadget_call(capsys, "gadgets", "create", "--shelf-id", "s1", "--name", "n",
                         "--spec", "@-")
    assert result.code == 0, result.err
    assert server.only().json()["spec"] == {"piped": True}


@pytest.mark.parametrize(("args", "complaint"), [
    (("--size", "three"), "--size: expected an integer"),
    (("--ratio", "nan"), "--ratio: expected a finite number"),
    (("--color", "blue"), "--color: choose from red, green"),
    (("--spec", "@/no/such/file.json"), "cannot read '/no/such/file.json'"),
    (("--spec", "[1,"), "--spec is not valid JSON"),
    (("--shelf-id", ""), "shelf_id"),  # an empty path segment is refused before sending
])
def test_bad_values_are_usage_errors(server: MockServer, capsys: pytest.CaptureFixture[str],
                                     args: tuple[str, ...], complaint: str) -> None:
    base = {"--shelf-id": "s1", "--name": "n"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    result = gadget_call(capsys, "gadgets", "create", *[x for kv in base.items() for x in kv])
    assert result.code == cli.EXIT_USAGE
    assert complaint in result.err
    assert server.seen == []


def test_help_shows_docstring_field_docs_defaults_and_route(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = gadget_call(capsys, "gadgets", "create", "--help")
    assert result.code == 0
    assert "Create a gadget." in result.out
    assert "Longer description that only the command's own help shows." in result.out
    assert "POST /v1/gadgets/{shelf_id}" in result.out
    assert re.search(r"--count N\s+how many to make; integer; default: 3", result.out)
    assert re.search(r"--fragile, --no-fragile", result.out)
    assert re.search(r"--trace TRACE\s+sent in the header", result.out)
    assert "usage: llamastack gadgets create [-h] --shelf-id SHELF_ID --name NAME" in result.out
    overview = gadget_call(capsys, "gadgets", "--help").out
    assert re.search(r"create\s+Create a gadget\.$", overview, re.M)


def test_message_shortcut_builds_messages(server: MockServer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-chat", Reply(body={"id": "d", "text": "ok"}))
    result = gadget_call(capsys, "gadget-chats", "create", "--model", "m",
                         "--message", "system:be brief", "--message", "hello: there",
                         "--message", "assistant:hi")
    assert result.code == 0, result.err
    assert server.only().json()["messages"] == [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hello: there"},  # not a role: all of it is the content
        {"role": "assistant", "content": "hi"}]


def test_messages_are_required_one_way_or_the_other(server: MockServer,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    missing = gadget_call(capsys, "gadget-chats", "create", "--model", "m")
    assert missing.code == cli.EXIT_USAGE and "--messages (or --message)" in missing.err
    both = gadget_call(capsys, "gadget-chats", "create", "--model", "m", "--message", "a",
                       "--messages", '[{"role": "user", "content": "b"}]')
    assert both.code == cli.EXIT_USAGE and "not both" in both.err
    assert server.seen == []


def test_file_fields_take_a_path_and_missing_files_are_usage_errors(
        server: MockServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/gadget-manuals", Reply(body={"id": "m1", "name": "x"}))
    path = tmp_path / "manual.txt"
    path.write_text("read me")
    created = gadget_call(capsys, "gadget-manuals", "create", "--file", str(path),
                          "--purpose", "docs")
    assert created.code == 0, created.err
    assert b"read me" in server.only().body
    uploaded = gadget_call(capsys, "gadget-manuals", "upload", str(path), "--purpose", "docs")
    assert uploaded.code == 0, uploaded.err
    missing = gadget_call(capsys, "gadget-manuals", "upload", str(tmp_path / "nope"),
                          "--purpose", "docs")
    assert missing.code == cli.EXIT_USAGE and "no such file" in missing.err
    assert len(server.seen) == 2


def test_a_json_file_that_is_not_utf8_names_the_file(
        server: MockServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # argparse used to say "invalid <lambda> value: '@...'" (UnicodeDecodeError is a ValueError).
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "caf\xe9"}'.encode("latin-1"))
    result = gadget_call(capsys, "gadgets", "create", "--shelf-id", "s1", "--name", "n",
                         "--spec", f"@{path}")
    assert result.code == cli.EXIT_USAGE
    assert f"--spec: cannot read '{path}': 'utf-8' codec can't decode" in result.err
    assert "<lambda>" not in result.err and server.seen == []
