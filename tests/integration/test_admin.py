"""Admin (v1alpha) on the real 0.7 server: the same facts as providers and inspect, in one API."""

from __future__ import annotations

import pytest

from llamastack import BadRequestError, LlamaStackClient
from llamastack.endpoints import (
    AdminHealthRetrieve,
    AdminProviderList,
    AdminProviderRetrieve,
    AdminRouteList,
    AdminVersionRetrieve,
    ProviderList,
    RouteList,
)
from llamastack.models import HealthInfo, VersionInfo


def test_providers_match_the_providers_api(client: LlamaStackClient) -> None:
    admin = client.call(AdminProviderList()).data
    assert admin == client.call(ProviderList()).data
    assert len(admin) == 13  # the 0.7 config (servers/configs.py), MCP tool runtime included


def test_retrieve_a_provider(client: LlamaStackClient) -> None:
    faiss = client.call(AdminProviderRetrieve(provider_id="faiss"))
    assert (faiss.api, faiss.provider_type) == ("vector_io", "inline::faiss")
    assert faiss.config == {"persistence": {"namespace": "vector_io::faiss", "backend": "kv_default"}}


def test_unknown_provider_is_a_400(client: LlamaStackClient) -> None:
    with pytest.raises(BadRequestError) as info:
        client.call(AdminProviderRetrieve(provider_id="no-such-provider"))
    assert info.value.message == "Provider no-such-provider not found"


def test_routes_match_the_inspect_api(client: LlamaStackClient) -> None:
    assert client.call(AdminRouteList()) == client.call(RouteList())
    deprecated = client.call(AdminRouteList(api_filter="deprecated")).data
    assert ("/v1/shields", "POST") in {(r.route, r.method) for r in deprecated}


def test_health_and_version(client: LlamaStackClient) -> None:
    assert client.call(AdminHealthRetrieve()) == HealthInfo(status="OK")
    assert client.call(AdminVersionRetrieve()) == VersionInfo(version="0.7.3")
