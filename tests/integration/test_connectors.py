"""Connectors (v1beta) on the real 0.7 server: one MCP connector, ``fake-mcp``, pointing at the
fake backend's MCP endpoint (tests/integration/servers/README.md)."""

from __future__ import annotations

import uuid

import pytest

from llamastack import LlamaStackClient, NotFoundError
from llamastack.endpoints import (
    ConnectorList,
    ConnectorRetrieve,
    ConnectorToolList,
    ConnectorToolRetrieve,
)
from llamastack.models import Connector, ToolDef
from tests.integration.servers import manage
from tests.integration.support import fake_journal


@pytest.fixture(scope="module")
def mcp_url(servers: manage.State) -> str:
    fake = servers["fake"]
    assert fake is not None
    return fake["base_url"].rsplit("/v1", 1)[0] + "/mcp"


def add_tool(mcp_url: str) -> ToolDef:
    return ToolDef(name="add", description="Add two integers", metadata={"endpoint": mcp_url},
                   input_schema={"type": "object",
                                 "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                                 "required": ["a", "b"]})


def test_list_the_registered_connector(client: LlamaStackClient, mcp_url: str) -> None:
    # The list comes from the registry only: no server info until a retrieve asks the server.
    assert client.call(ConnectorList()).data == [Connector(
        connector_type="mcp", connector_id=manage.CONNECTOR_ID, url=mcp_url, server_label="fake")]


def test_retrieve_asks_the_mcp_server_for_its_info(client: LlamaStackClient, mcp_url: str) -> None:
    assert client.call(ConnectorRetrieve(connector_id=manage.CONNECTOR_ID)) == Connector(
        connector_type="mcp", connector_id=manage.CONNECTOR_ID, url=mcp_url, server_label="fake",
        server_name="fake-mcp", server_version="1.0.0",
        server_description="Deterministic tools for the llamastack integration tests.")


def test_list_the_connector_tools(client: LlamaStackClient, mcp_url: str) -> None:
    tools = client.call(ConnectorToolList(connector_id=manage.CONNECTOR_ID)).data
    assert [t.name for t in tools] == ["get_weather", "add"]
    assert tools[0].input_schema == {"type": "object", "properties": {"city": {"type": "string"}},
                                     "required": ["city"]}
    assert tools[1] == add_tool(mcp_url)


def test_retrieve_one_tool(client: LlamaStackClient, mcp_url: str) -> None:
    tool = client.call(ConnectorToolRetrieve(connector_id=manage.CONNECTOR_ID, tool_name="add"))
    assert tool == add_tool(mcp_url)


def test_the_authorization_query_reaches_the_mcp_server_as_a_bearer_token(
        client: LlamaStackClient, servers: manage.State) -> None:
    token = f"it-token-{uuid.uuid4().hex[:8]}"
    tool = client.call(ConnectorToolRetrieve(connector_id=manage.CONNECTOR_ID, tool_name="add",
                                             authorization=token))
    assert tool.name == "add"
    seen = fake_journal(servers, mentioning=token)
    assert {(entry["path"], entry["authorization"]) for entry in seen} == {
        ("/mcp", f"Bearer {token}")}
    assert "tools/list" in [entry["body"].get("method") for entry in seen]


def test_unknown_connector_and_tool_are_404s(client: LlamaStackClient) -> None:
    missing = ("Connector 'no-such-connector' not found. Use 'client.connectors.list()' to list "
               "available Connectors.")
    with pytest.raises(NotFoundError) as info:
        client.call(ConnectorRetrieve(connector_id="no-such-connector"))
    assert info.value.message == missing
    with pytest.raises(NotFoundError) as info:
        client.call(ConnectorToolList(connector_id="no-such-connector"))
    assert info.value.message == missing
    with pytest.raises(NotFoundError) as info:
        client.call(ConnectorToolRetrieve(connector_id=manage.CONNECTOR_ID, tool_name="nope"))
    assert info.value.message == (
        "Connector Tool 'fake-mcp.nope' not found. Use 'client.connectors.list_tools(\"fake-mcp\")' "
        "to list available Connector Tools.")
