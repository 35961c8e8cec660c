"""The fake backend's MCP server: two deterministic tools over JSON-RPC (stdlib only).

Served by ``fake_openai.py`` at ``POST /mcp`` (streamable HTTP with JSON answers and no session
id, so no GET stream). 0.4-0.7 register it as the connector ``fake-mcp``; 0.2-0.6 as the tool
group ``mcp::fake``; a Responses ``mcp`` tool reaches it through its ``server_url``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["MCP_INSTRUCTIONS", "MCP_PROTOCOL_VERSIONS", "MCP_SERVER_INFO", "MCP_TOOLS", "mcp_result"]

JSON = dict[str, Any]

MCP_SERVER_INFO = {"name": "fake-mcp", "version": "1.0.0"}
MCP_INSTRUCTIONS = "Deterministic tools for the llamastack integration tests."
MCP_PROTOCOL_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
MCP_TOOLS = [
    {
        "name": "get_weather",
        "description": "Weather for a city",
        "inputSchema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
    {
        "name": "add",
        "description": "Add two integers",
        "inputSchema": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    },
]


def mcp_result(method: str, params: JSON) -> JSON | None:
    """The JSON-RPC ``result`` for an MCP request, or None for an unknown method."""
    if method == "initialize":
        asked = params.get("protocolVersion")
        version = asked if asked in MCP_PROTOCOL_VERSIONS else MCP_PROTOCOL_VERSIONS[-1]
        return {
            "protocolVersion": version,
            "capabilities": {"tools": {"listChanged": False}},
            "serverInfo": MCP_SERVER_INFO,
            "instructions": MCP_INSTRUCTIONS,
        }
    if method == "ping":
        return {}
    if method == "tools/list":
        return {"tools": MCP_TOOLS}
    if method == "tools/call":
        name, args = params.get("name"), params.get("arguments") or {}
        if name == "add":
            text = str(int(args.get("a", 0)) + int(args.get("b", 0)))
        elif name == "get_weather":
            text = f"Sunny in {args.get('city', '?')}"
        else:
            return {"content": [{"type": "text", "text": f"unknown tool {name}"}], "isError": True}
        return {"content": [{"type": "text", "text": text}], "isError": False}
    return None
