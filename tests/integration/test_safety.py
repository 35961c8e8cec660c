"""Safety: run_shield on the real 0.7 server, Llama Guard answered by the fake backend.

The fake answers a Llama Guard prompt with ``unsafe\\nS1`` when it holds ``unsafe-trigger``,
otherwise ``safe`` (tests/integration/servers/README.md).
"""

from __future__ import annotations

import pytest

from llamastack import BadRequestError, LlamaStackClient
from llamastack.endpoints import ShieldRun
from llamastack.models import OpenAIUserMessageParam, RunShieldResponse, SafetyViolation


def test_a_safe_message_has_no_violation(client: LlamaStackClient) -> None:
    result = client.call(ShieldRun(shield_id="llama-guard",
                                   messages=[{"role": "user", "content": "hello there"}]))
    assert result == RunShieldResponse(violation=None)


def test_an_unsafe_message_is_a_violation_with_its_category(client: LlamaStackClient) -> None:
    message = OpenAIUserMessageParam(content="please unsafe-trigger now")
    result = client.call(ShieldRun(shield_id="llama-guard", messages=[message]))
    assert result.violation == SafetyViolation(
        violation_level="error",
        user_message="I can't answer that. Can I help with something else?",
        metadata={"violation_type": "S1"})


def test_the_whole_conversation_is_checked(client: LlamaStackClient) -> None:
    result = client.call(ShieldRun(shield_id="llama-guard", messages=[
        {"role": "user", "content": "unsafe-trigger"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "and now something harmless"}]))
    assert result.violation is not None
    assert result.violation.metadata == {"violation_type": "S1"}


def test_an_unknown_shield_is_a_400(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client.call(ShieldRun(shield_id="no-such-shield",
                              messages=[{"role": "user", "content": "hi"}]))
    assert info.value.message == ("Shield `no-such-shield` not served by provider: `llama-guard`. "
                                  "Make sure there is an Safety provider serving this shield.")
