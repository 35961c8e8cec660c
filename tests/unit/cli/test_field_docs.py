"""Each option's help says what the field means: the field's attribute docstring (the server's
description, in the generated specs), read from the source only when the help is printed."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from llamastack import Spec, cli
from llamastack.cli import options
from llamastack.cli.field_docs import attribute_docstrings
from llamastack.endpoints import ChatCompletionCreate, FileList, ModelList, VectorStoreSearch
from tests.unit.cli.support import MockServer, Reply, call


@dataclass(frozen=True, kw_only=True)
class WidgetCreate(Spec[dict[str, Any]]):
    """Create a widget."""

    method: ClassVar[str] = "POST"
    path: ClassVar[str] = "/v1/widgets"

    name: str
    """What the widget is called,
    on two lines."""

    width: int | None = None
    """Width in 100% units."""

    flag: bool | None = None
    """Whether the widget is flagged."""

    quiet: bool | None = None


@dataclass(frozen=True, kw_only=True)
class WideWidgetCreate(WidgetCreate):
    width: int | None = 10
    """Width, wider by default."""


def test_a_generated_command_explains_each_option_with_the_servers_description(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = call(capsys, "chat-completions", "create", "--help")
    assert result.code == cli.EXIT_OK
    assert re.search(r"--temperature NUMBER\s+The temperature to use\. Number\.$", result.out, re.M)
    assert re.search(r"--model MODEL\s+The identifier of the model to use\. Required\.$", result.out, re.M)
    # A flag of its own and a str field: the type says nothing, the description does.
    assert re.search(r"--logprobs, --no-logprobs\s+The log probabilities to use\.$", result.out, re.M)
    assert re.search(r"--user USER\s+The user to use\.$", result.out, re.M)
    # The command's own help: the operation's summary, then its description.
    assert ("Create chat completions.\n\nGenerate an OpenAI-compatible chat completion for the given "
            "messages using the specified model.\n") in result.out


def test_every_generated_field_with_a_docstring_shows_it_in_its_help() -> None:
    for spec in (ChatCompletionCreate, ModelList, VectorStoreSearch):
        command = options.describe(spec)
        fields = {field.name: field for field in spec.__dataclass_fields__.values()}
        docs = attribute_docstrings(spec)
        for option in command.options:
            text = options.option_help(command, option, fields[option.name])
            expected = docs.get(option.name, "").replace("%", "%%")
            assert text.startswith(expected), (spec.__name__, option.name, text)


def test_a_spec_of_your_own_gets_its_attribute_docstrings_as_help(
        capsys: pytest.CaptureFixture[str]) -> None:
    result = call(capsys, "widgets", "create", "--help", specs=[WidgetCreate])
    assert result.code == cli.EXIT_OK, result.err
    assert re.search(r"--name NAME\s+What the widget is called, on two lines\. Required\.$", result.out, re.M)
    assert re.search(r"--width N\s+Width in 100% units\. Integer\.$", result.out, re.M)
    assert re.search(r"--flag, --no-flag\s+Whether the widget is flagged\.$", result.out, re.M)
    assert re.search(r"^  --quiet, --no-quiet\n", result.out, re.M)  # nothing to say: no help


def test_a_subclass_docstring_wins_and_the_bases_are_read_too() -> None:
    docs = attribute_docstrings(WideWidgetCreate)
    assert docs["width"] == "Width, wider by default."
    assert docs["name"] == "What the widget is called,\non two lines."
    assert "quiet" not in docs


def test_a_class_without_source_has_no_docstrings() -> None:
    namespace: dict[str, Any] = {}
    exec(textwrap.dedent('''
        from dataclasses import dataclass
        @dataclass
        class Sourceless:
            x: int
            """not readable: exec has no file"""
        '''), namespace)
    assert attribute_docstrings(namespace["Sourceless"]) == {}


def test_running_a_command_never_reads_the_source_for_descriptions(
        server: MockServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[type] = []

    def counting(cls: type) -> dict[str, str]:
        read.append(cls)
        return attribute_docstrings(cls)

    monkeypatch.setattr(options, "attribute_docstrings", counting)
    server.route("GET", "/v1/files", Reply(body={
        "object": "list", "data": [], "has_more": False, "first_id": "", "last_id": ""}))
    result = call(capsys, "files", "list", "--limit", "5", "--server-line", "0.7")
    assert result.code == cli.EXIT_OK, result.err
    assert read == []
    help_text = call(capsys, "files", "list", "--help").out
    assert set(read) == {FileList}  # the help reads them
    assert re.search(r"--limit N\s+Maximum number of files to return \(1-10,000\)\. Integer\.$",
                     help_text, re.M)


def test_reading_a_specs_docstrings_parses_only_the_classes_that_declare_fields(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from llamastack.cli import field_docs

    parsed: list[type] = []
    original = field_docs._class_node

    def counting(klass: type) -> Any:
        parsed.append(klass)
        return original(klass)

    monkeypatch.setattr(field_docs, "_class_node", counting)
    field_docs.attribute_docstrings.cache_clear()
    assert attribute_docstrings(ChatCompletionCreate)["temperature"] == "The temperature to use."
    # Not StreamingSpec, Spec or typing.Generic (parsing typing.py alone took 40 ms).
    assert parsed == [ChatCompletionCreate]
    parsed.clear()
    assert attribute_docstrings(WideWidgetCreate)["name"]
    assert parsed == [WidgetCreate, WideWidgetCreate]
