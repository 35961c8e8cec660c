"""Inspect: health, version and routes of the real servers."""

from __future__ import annotations

from llamastack import LlamaStackClient
from llamastack.endpoints import HealthRetrieve, RouteList, VersionRetrieve
from llamastack.models import HealthInfo, RouteInfo, VersionInfo

# 0.7.3 lists its deprecated routes under api_filter="deprecated": the register/unregister
# operations of the resource registries.
DEPRECATED_07 = {
    ("/v1/shields", "POST"), ("/v1/shields/{identifier:path}", "DELETE"),
    ("/v1beta/datasets", "POST"), ("/v1beta/datasets/{dataset_id:path}", "DELETE"),
    ("/v1/scoring-functions", "POST"), ("/v1/scoring-functions/{scoring_fn_id:path}", "DELETE"),
    ("/v1alpha/eval/benchmarks", "POST"), ("/v1alpha/eval/benchmarks/{benchmark_id}", "DELETE"),
}


def test_health(client: LlamaStackClient) -> None:
    assert client.call(HealthRetrieve()) == HealthInfo(status="OK")


def test_version(client: LlamaStackClient) -> None:
    assert client.call(VersionRetrieve()) == VersionInfo(version="0.7.3")


def test_routes_name_their_providers(client: LlamaStackClient) -> None:
    routes = client.call(RouteList()).data
    assert RouteInfo(route="/v1/safety/run-shield", method="POST",
                     provider_types=["inline::llama-guard"]) in routes
    assert RouteInfo(route="/v1/chat/completions", method="POST",
                     provider_types=["remote::openai"]) in routes
    assert RouteInfo(route="/v1/providers", method="GET", provider_types=[]) in routes
    pairs = [(r.route, r.method) for r in routes]
    assert len(pairs) == len(set(pairs))
    # No Agents API on 0.7.
    assert not any(route.startswith("/v1/agents") for route, _ in pairs)


def test_route_filters(client: LlamaStackClient) -> None:
    deprecated = client.call(RouteList(api_filter="deprecated")).data
    assert {(r.route, r.method) for r in deprecated} == DEPRECATED_07
    beta = {r.route for r in client.call(RouteList(api_filter="v1beta")).data}
    assert {"/v1beta/datasetio/iterrows/{dataset_id:path}", "/v1beta/connectors"} <= beta
    alpha = {r.route for r in client.call(RouteList(api_filter="v1alpha")).data}
    assert {"/v1alpha/eval/benchmarks", "/v1alpha/file-processors/process"} <= alpha
    assert "/v1beta/connectors" not in alpha
    v1 = {r.route for r in client.call(RouteList(api_filter="v1")).data}
    assert "/v1/batches" in v1 and "/v1beta/connectors" not in v1


def test_the_02_server_health_version_and_agents_routes(client_02: LlamaStackClient) -> None:
    assert client_02.call(HealthRetrieve()) == HealthInfo(status="OK")
    assert client_02.call(VersionRetrieve()) == VersionInfo(version="0.2.24")
    routes = client_02.call(RouteList()).data
    assert RouteInfo(route="/v1/agents", method="POST",
                     provider_types=["inline::meta-reference"]) in routes
