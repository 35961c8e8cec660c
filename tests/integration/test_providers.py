"""Providers: what the real servers run, with their (redacted) config and health."""

from __future__ import annotations

import pytest

from llamastack import BadRequestError, LlamaStackClient
from llamastack.endpoints import ProviderList, ProviderRetrieve
from tests.integration.servers import manage

# (api, provider_id, provider_type) of the 0.7 run config (tests/integration/servers/configs.py).
PROVIDERS_07 = {
    ("inference", "fake-openai", "remote::openai"),
    ("vector_io", "faiss", "inline::faiss"),
    ("files", "localfs", "inline::localfs"),
    ("file_processors", "pypdf", "inline::pypdf"),
    ("safety", "llama-guard", "inline::llama-guard"),
    ("responses", "builtin", "inline::builtin"),
    ("eval", "builtin", "inline::builtin"),
    ("datasetio", "localfs", "inline::localfs"),
    ("scoring", "basic", "inline::basic"),
    ("scoring", "llm-as-judge", "inline::llm-as-judge"),
    ("tool_runtime", "file-search", "inline::file-search"),
    ("tool_runtime", "model-context-protocol", "remote::model-context-protocol"),
    ("batches", "reference", "inline::reference"),
}
NOT_IMPLEMENTED = {"status": "Not Implemented",
                   "message": "Provider does not implement health check"}


def test_list_every_configured_provider(client: LlamaStackClient) -> None:
    providers = client.call(ProviderList()).data
    assert {(p.api, p.provider_id, p.provider_type) for p in providers} == PROVIDERS_07
    assert all(p.health == NOT_IMPLEMENTED for p in providers)


def test_retrieve_one_with_its_secret_redacted(client: LlamaStackClient, servers: manage.State) -> None:
    provider = client.call(ProviderRetrieve(provider_id="fake-openai"))
    assert (provider.api, provider.provider_type) == ("inference", "remote::openai")
    # The fake backend's URL, and the api key masked by the server.
    fake = servers["fake"]
    assert fake is not None
    assert provider.config == {"base_url": fake["base_url"], "api_key": "********"}
    assert provider.health == NOT_IMPLEMENTED


def test_unknown_provider_is_a_400(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client.call(ProviderRetrieve(provider_id="no-such-provider"))
    assert info.value.body == {"error": {"message": "Provider no-such-provider not found"}}


def test_the_02_server_lists_its_agents_stack(client_02: LlamaStackClient) -> None:
    listed = client_02.call(ProviderList()).data
    providers = {p.provider_id: p for p in listed}
    assert providers["fake-openai"].provider_type == "remote::vllm"  # the same id as on 0.3-0.7
    assert providers["fake-openai"].health == {"status": "OK"}  # 0.2 vllm checks GET /health
    # Provider ids are unique per API only: eval's provider is also "meta-reference" (as upstream).
    agents = [(p.provider_id, p.provider_type) for p in listed if p.api == "agents"]
    assert agents == [("meta-reference", "inline::meta-reference")]
    assert client_02.call(ProviderRetrieve(provider_id="faiss")).api == "vector_io"
