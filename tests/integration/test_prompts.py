"""Prompts and their versions against the real 0.7.3 server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from llamastack import APIStatusError, BadRequestError, LlamaStackClient, NotFoundError
from llamastack.endpoints import (
    PromptCreate,
    PromptDelete,
    PromptList,
    PromptRetrieve,
    PromptSetDefaultVersion,
    PromptUpdate,
    PromptVersionList,
)
from llamastack.models import Prompt


@pytest.fixture
def prompt(client: LlamaStackClient) -> Iterator[Prompt]:
    made = client.call(PromptCreate(prompt="Hello {{ name }}", variables=["name"]))
    yield made
    with contextlib.suppress(NotFoundError):  # unless the test deleted it
        client.call(PromptDelete(prompt_id=made.prompt_id))


def test_create_and_retrieve(client: LlamaStackClient, prompt: Prompt) -> None:
    assert prompt.prompt_id.startswith("pmpt_")
    assert (prompt.prompt, prompt.version, prompt.variables) == ("Hello {{ name }}", 1, ["name"])

    fetched = client.call(PromptRetrieve(prompt_id=prompt.prompt_id))
    assert (fetched.prompt_id, fetched.prompt, fetched.version, fetched.variables) == (
        prompt.prompt_id, "Hello {{ name }}", 1, ["name"])


def test_update_makes_a_new_version(client: LlamaStackClient, prompt: Prompt) -> None:
    second = client.call(PromptUpdate(prompt_id=prompt.prompt_id, prompt="Hi {{ name }} from {{ place }}",
                                      version=1, variables=["name", "place"], set_as_default=False))

    assert (second.prompt_id, second.version) == (prompt.prompt_id, 2)
    assert second.variables == ["name", "place"]
    first = client.call(PromptRetrieve(prompt_id=prompt.prompt_id, version=1))
    assert (first.prompt, first.version) == ("Hello {{ name }}", 1)
    assert client.call(PromptRetrieve(prompt_id=prompt.prompt_id, version=2)).prompt == second.prompt
    # Not made the default: the prompt still answers with version 1.
    assert client.call(PromptRetrieve(prompt_id=prompt.prompt_id)).version == 1


def test_versions_list_and_set_default(client: LlamaStackClient, prompt: Prompt) -> None:
    client.call(PromptUpdate(prompt_id=prompt.prompt_id, prompt="Version two", version=1,
                             set_as_default=False))

    versions = client.call(PromptVersionList(prompt_id=prompt.prompt_id)).data
    assert [(v.version, v.prompt, v.is_default) for v in versions] == [
        (1, "Hello {{ name }}", True), (2, "Version two", False)]

    default = client.call(PromptSetDefaultVersion(prompt_id=prompt.prompt_id, version=2))
    assert (default.prompt_id, default.version, default.prompt) == (prompt.prompt_id, 2, "Version two")
    assert client.call(PromptRetrieve(prompt_id=prompt.prompt_id)).version == 2
    versions = client.call(PromptVersionList(prompt_id=prompt.prompt_id)).data
    assert [(v.version, v.is_default) for v in versions] == [(1, False), (2, True)]


def test_update_with_set_as_default(client: LlamaStackClient, prompt: Prompt) -> None:
    client.call(PromptUpdate(prompt_id=prompt.prompt_id, prompt="Now the default", version=1,
                             set_as_default=True))

    current = client.call(PromptRetrieve(prompt_id=prompt.prompt_id))
    assert (current.version, current.prompt) == (2, "Now the default")


def test_update_from_a_stale_version_is_refused(client: LlamaStackClient, prompt: Prompt) -> None:
    client.call(PromptUpdate(prompt_id=prompt.prompt_id, prompt="two", version=1))

    with pytest.raises(APIStatusError) as caught:
        client.call(PromptUpdate(prompt_id=prompt.prompt_id, prompt="three", version=1), max_retries=0)

    assert caught.value.status == 400 and "version" in caught.value.message.lower()


def test_list_shows_each_prompt_once(client: LlamaStackClient, prompt: Prompt) -> None:
    client.call(PromptUpdate(prompt_id=prompt.prompt_id, prompt="two", version=1, set_as_default=True))

    listed = [p for p in client.call(PromptList()).data if p.prompt_id == prompt.prompt_id]

    assert [(p.version, p.prompt) for p in listed] == [(2, "two")]


def test_delete_then_retrieve_is_not_found(client: LlamaStackClient) -> None:
    made = client.call(PromptCreate(prompt="short lived"))

    assert client.call(PromptDelete(prompt_id=made.prompt_id)) is None

    # 0.7.3 answers 400 here, with the message of its key-value lookup.
    with pytest.raises(BadRequestError, match=f"Prompt {made.prompt_id}:default not found"):
        client.call(PromptRetrieve(prompt_id=made.prompt_id))
    assert made.prompt_id not in {p.prompt_id for p in client.call(PromptList()).data}
