"""Shields on the real 0.7 server: the configured Llama Guard shield, register and unregister."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from llamastack import BadRequestError, LlamaStackClient, Spec
from llamastack.endpoints import ShieldList, ShieldRegister, ShieldRetrieve, ShieldUnregister
from llamastack.models import Shield
from tests.integration.conftest import MODEL

# The run config registers one shield: Llama Guard, asking the fake LLM.
LLAMA_GUARD = Shield(identifier="llama-guard", provider_resource_id=MODEL,
                     provider_id="llama-guard", type="shield", params={})


def test_list_holds_the_configured_llama_guard(client: LlamaStackClient) -> None:
    shields = client.call(ShieldList()).data
    assert LLAMA_GUARD in shields


def test_retrieve_the_configured_shield(client: LlamaStackClient) -> None:
    assert client.call(ShieldRetrieve(identifier="llama-guard")) == LLAMA_GUARD


def test_register_retrieve_list_and_unregister(client: LlamaStackClient) -> None:
    shield_id = f"it-guard-{uuid.uuid4().hex[:8]}"
    registered = client.call(ShieldRegister(shield_id=shield_id, provider_id="llama-guard",
                                            provider_shield_id=MODEL))
    expected = Shield(identifier=shield_id, provider_resource_id=MODEL,
                      provider_id="llama-guard", type="shield", params={})
    assert registered == expected
    assert client.call(ShieldRetrieve(identifier=shield_id)) == expected
    assert expected in client.call(ShieldList()).data

    assert client.call(ShieldUnregister(identifier=shield_id)) is None  # 204, no body
    assert shield_id not in [s.identifier for s in client.call(ShieldList()).data]
    with pytest.raises(BadRequestError) as info:
        client.call(ShieldRetrieve(identifier=shield_id))
    assert info.value.message == f"Shield '{shield_id}' not found"


def test_unknown_shield_is_a_400_on_retrieve_and_unregister(client: LlamaStackClient) -> None:
    # 0.7.3 answers 400 (not 404) for an unknown shield, with the {"error": {"message"}} shape.
    specs: list[Spec[Any]] = [ShieldRetrieve(identifier="no-such-shield"),
                              ShieldUnregister(identifier="no-such-shield")]
    for spec in specs:
        with pytest.raises(BadRequestError) as info:
            client.call(spec)
        assert info.value.status == 400
        assert info.value.body == {"error": {"message": "Shield 'no-such-shield' not found"}}
