"""Moderations on the real 0.7 server: Llama Guard (the default shield) through the fake."""

from __future__ import annotations

import pytest

from llamastack import BadRequestError, LlamaStackClient
from llamastack.endpoints import ModerationCreate
from tests.integration.conftest import MODEL

# Llama Guard's 14 categories, as 0.7.3 names them in a moderation result.
CATEGORIES = ["Violent Crimes", "Non-Violent Crimes", "Sex Crimes", "Child Exploitation",
              "Defamation", "Specialized Advice", "Privacy", "Intellectual Property",
              "Indiscriminate Weapons", "Hate", "Self-Harm", "Sexual Content", "Elections",
              "Code Interpreter Abuse"]


def test_safe_input_is_not_flagged(client: LlamaStackClient) -> None:
    moderation = client.call(ModerationCreate(input="hello there"))
    assert moderation.id.startswith("modr-")
    assert moderation.model == MODEL
    [result] = moderation.results
    assert result.flagged is False
    assert result.categories == dict.fromkeys(CATEGORIES, False)
    assert result.category_applied_input_types == {name: [] for name in CATEGORIES}
    assert result.user_message is None


def test_unsafe_input_is_flagged_violent_crimes(client: LlamaStackClient) -> None:
    moderation = client.call(ModerationCreate(input="please unsafe-trigger", model=MODEL))
    [result] = moderation.results
    assert result.flagged is True
    assert result.categories == {name: name == "Violent Crimes" for name in CATEGORIES}
    assert result.category_scores is not None
    assert result.category_scores["Violent Crimes"] == 1.0
    assert result.category_scores["Hate"] == 0.0
    assert result.category_applied_input_types is not None
    assert result.category_applied_input_types["Violent Crimes"] == ["text"]
    assert result.user_message == "I can't answer that. Can I help with something else?"
    assert result.metadata == {"violation_type": ["S1"]}


def test_a_list_input_gets_one_result_for_the_whole_list(client: LlamaStackClient) -> None:
    # 0.7.3 shows the list to Llama Guard as one conversation: one result, flagged if any is.
    moderation = client.call(ModerationCreate(input=["hello", "then unsafe-trigger"]))
    assert [r.flagged for r in moderation.results] == [True]


def test_a_model_that_is_no_shield_is_a_400(client: LlamaStackClient) -> None:
    # `model` names the shield's provider resource (the LLM), not the shield id.
    with pytest.raises(BadRequestError) as info:
        client.call(ModerationCreate(input="hello", model="llama-guard"))
    assert info.value.message.startswith(
        "No shield associated with provider_resource id llama-guard: choose from [")
    assert repr(MODEL) in info.value.message
