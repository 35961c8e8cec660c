"""Text completions against the real 0.7.3 server (the fake answers ``Echo: <prompt>``)."""

from __future__ import annotations

from llamastack import LlamaStackClient
from llamastack.endpoints import CompletionCreate
from llamastack.models import OpenAICompletion
from tests.integration.conftest import MODEL


def test_plain_completion_echoes_the_prompt(client: LlamaStackClient) -> None:
    completion = client.call(CompletionCreate(model=MODEL, prompt="hello there", max_tokens=16))

    assert completion.id.startswith("cmpl-fake-")
    assert completion.object == "text_completion" and completion.model == MODEL
    [choice] = completion.choices
    assert (choice.index, choice.text, choice.finish_reason) == (0, "Echo: hello there", "stop")


def test_a_list_of_prompts_is_one_completion_of_their_text(client: LlamaStackClient) -> None:
    completion = client.call(CompletionCreate(model=MODEL, prompt=["hello a", "hello b"]))

    assert [choice.text for choice in completion.choices] == ["Echo: hello a hello b"]


def test_streamed_completion_arrives_word_by_word(client: LlamaStackClient) -> None:
    with client.stream(CompletionCreate(model=MODEL, prompt="hello there")) as stream:
        chunks = list(stream)

    assert all(isinstance(chunk, OpenAICompletion) for chunk in chunks)
    assert len({chunk.id for chunk in chunks}) == 1
    # 0.7.3 passes the backend's chunks through: the bare provider model id (servers/README.md).
    assert {chunk.model for chunk in chunks} == {"fake-llm"}
    assert [chunk.choices[0].text for chunk in chunks] == ["Echo:", " hello", " there"]
    assert [chunk.choices[0].finish_reason for chunk in chunks] == [None, None, "stop"]
