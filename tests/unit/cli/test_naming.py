"""Command names derived from spec class names; every exported spec is a command."""

from __future__ import annotations

import re

import pytest

import llamastack.endpoints as endpoints
from llamastack import Spec, cli
from tests.unit.cli.support import call, endpoint_commands


@pytest.mark.parametrize(("class_name", "resource", "verb"), [
    ("SessionCreate", "sessions", "create"),
    ("ModelList", "models", "list"),
    ("ChatCompletionCreate", "chat-completions", "create"),
    ("VectorStoreFileBatchCancel", "vector-store-file-batches", "cancel"),
    ("BatchList", "batches", "list"),
    ("VectorIOInsert", "vector-io", "insert"),
    ("ScoringScoreBatch", "scoring", "score-batch"),
    ("PromptSetDefaultVersion", "prompts", "set-default-version"),
    ("EvalRowsEvaluate", "eval-rows", "evaluate"),
    ("SafetyRunShield", "safety", "run-shield"),
    ("FileContentRetrieve", "file-content", "retrieve"),
])
def test_a_class_name_gives_resource_and_verb(class_name: str, resource: str, verb: str) -> None:
    assert cli.command_name(class_name) == (resource, verb)


def test_server_wide_singletons_stay_singular(capsys: pytest.CaptureFixture[str]) -> None:
    result = call(capsys, "--help")
    assert re.search(r"^\s+version\s+retrieve$", result.out, re.M)
    assert re.search(r"^\s+health\s+retrieve$", result.out, re.M)
    assert re.search(r"^\s+prompt-versions\s+list$", result.out, re.M)


def test_every_exported_spec_is_a_command_with_a_unique_name() -> None:
    commands = endpoint_commands()
    assert sorted(commands) == sorted(endpoints.__all__)
    assert len(set(commands.values())) == len(commands)
    for name in endpoints.__all__:
        spec_class = getattr(endpoints, name)
        assert isinstance(spec_class, type) and issubclass(spec_class, Spec), name
        # The derived verb, not the fallback for a clash (the whole class name).
        assert commands[name][1] == cli.command_name(name)[1], name
