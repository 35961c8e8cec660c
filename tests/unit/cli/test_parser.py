"""The parser: every endpoint's command and its options, client options anywhere,
and laziness (only the chosen command's spec module is imported)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pytest

import llamastack.endpoints as endpoints
from llamastack import cli
from llamastack.spec import plan_for
from tests.unit.cli.support import (
    ROOT,
    MockServer,
    Reply,
    call,
    closed_port_url,
    endpoint_commands,
    gadget_call,
    run_cli,
)


def required_flags(error: str) -> set[str]:
    match = re.search(r"the following arguments are required: (.*)$", error, re.M)
    return set(match.group(1).split(", ")) if match else set()


@pytest.mark.parametrize("name", sorted(endpoints.__all__))
def test_every_endpoint_command_has_help_and_the_spec_s_required_options(
        name: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    resource, verb = endpoint_commands()[name]
    spec_class = getattr(endpoints, name)
    fields = [f for f in dataclasses.fields(spec_class) if f.init]
    streams = plan_for(spec_class).decode_chunk is not None

    helped = call(capsys, resource, verb, "--help")
    assert helped.code == 0, helped.err
    assert f"{plan_for(spec_class).method} {plan_for(spec_class).path}" in helped.out
    for f in fields:
        if streams and f.name == "stream":
            assert "--stream" in helped.out
            continue
        assert "--" + f.name.replace("_", "-") in helped.out, f.name

    required = {f.name for f in fields if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING}
    if "messages" in required:  # --message is the shortcut, so argparse cannot demand --messages
        required.discard("messages")
        assert "required unless --message is given" in " ".join(helped.out.split())
    # Without any option: argparse names exactly the required options; a command without
    # any sends its request (here to a port nobody listens on: exit 3).
    monkeypatch.setenv("LLAMA_STACK_BASE_URL", closed_port_url())
    bare = call(capsys, resource, verb, "--max-retries", "0")
    if required:
        assert bare.code == cli.EXIT_USAGE, bare.err
        assert required_flags(bare.err) == {"--" + n.replace("_", "-") for n in required}
    else:
        assert bare.code in (cli.EXIT_CONNECTION, cli.EXIT_USAGE), bare.err
        assert "are required" not in bare.err


def test_a_file_command_has_an_upload_alias_taking_a_path(capsys: pytest.CaptureFixture[str]) -> None:
    result = call(capsys, "files", "upload", "--help")
    assert result.code == 0
    assert re.search(r"usage: llamastack files upload .*PATH", result.out, re.S)
    assert "--purpose" in result.out


def test_top_level_help_imports_no_endpoint_module() -> None:
    # What keeps `llamastack --help` fast: only names are needed, no spec module is imported.
    code = ("import sys, io, contextlib\n"
            "from llamastack.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['--help']) == 0\n"
            "print(sorted(m for m in sys.modules if m.startswith(('llamastack.endpoints.', "
            "'llamastack.models.')) and not m.endswith('.base')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


def test_a_command_imports_only_its_own_group() -> None:
    code = ("import sys, io, contextlib\n"
            "from llamastack.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    assert main(['sessions', 'create', '--help']) == 0\n"
            "print(sorted(m for m in sys.modules if m.startswith('llamastack.endpoints.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, check=True).stdout
    assert out.strip() == "['llamastack.endpoints.agents']"


def test_global_options_come_before_or_after_the_command(server: MockServer) -> None:
    server.route("GET", "/v1/version", Reply(body={"version": "0.7.3"}))
    before = run_cli("--base-url", server.url, "--output", "table", "version", "retrieve")
    after = run_cli("version", "retrieve", "--output", "table", "--base-url", server.url)
    assert before.code == after.code == 0, before.err + after.err
    assert before.out == after.out == "KEY      VALUE\nversion  0.7.3\n"


def test_fields_named_like_the_command_s_flags_get_a_suffix(
        server: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    server.route("POST", "/v1/awkward", Reply(body={}))
    result = gadget_call(capsys, "--timeout", "30", "gadget-awkwards", "create", "--all-field",
                         "--help-field", "h", "--message-field", "m", "--timeout", "2.5")
    assert result.code == 0, result.err
    # --timeout after the command is the spec's field; before it, the client's option.
    assert server.only().json() == {"all": True, "help": "h", "message": "m", "timeout": 2.5}


def test_bad_client_options_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert gadget_call(capsys, "--timeout", "0", "gadgets", "list").code == cli.EXIT_USAGE
    result = gadget_call(capsys, "--max-retries", "-1", "gadgets", "list")
    assert result.code == cli.EXIT_USAGE and "must be >= 0, got '-1'" in result.err
    result = gadget_call(capsys, "--max-retries", "two", "gadgets", "list")
    assert result.code == cli.EXIT_USAGE and "expected an integer, got 'two'" in result.err
    result = gadget_call(capsys, "--base-url", "ftp://x", "gadgets", "list")
    assert result.code == cli.EXIT_USAGE and result.err.startswith("llamastack: error:")


def test_all_is_offered_only_by_paginated_lists(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--all" in gadget_call(capsys, "gadgets", "list", "--help").out
    assert "--all" not in gadget_call(capsys, "gadgets", "create", "--help").out
    assert "--stream" not in gadget_call(capsys, "gadgets", "list", "--help").out
