"""Tools on the real 0.7 server: the built-in file_search tool group (``inline::file-search``)."""

from __future__ import annotations

import pytest

from llamastack import LlamaStackClient, NotFoundError
from llamastack.endpoints import ToolList
from llamastack.models import ToolDef

FILE_SEARCH_GROUP = "builtin::file_search"
FILE_SEARCH = ToolDef(
    toolgroup_id=FILE_SEARCH_GROUP, name="file_search",
    description="Search files for relevant information",
    input_schema={"type": "object", "properties": {"query": {
        "type": "string",
        "description": "The query to search for. Can be a natural language sentence or keywords."}},
        "required": ["query"]})
INSERT_INTO_MEMORY = ToolDef(toolgroup_id=FILE_SEARCH_GROUP, name="insert_into_memory",
                             description="Insert documents into memory")


def test_list_every_tool(client: LlamaStackClient) -> None:
    assert client.call(ToolList()).data == [INSERT_INTO_MEMORY, FILE_SEARCH]


def test_list_the_tools_of_one_group(client: LlamaStackClient) -> None:
    tools = client.call(ToolList(toolgroup_id=FILE_SEARCH_GROUP)).data
    assert {tool.name: tool for tool in tools} == {"file_search": FILE_SEARCH,
                                                    "insert_into_memory": INSERT_INTO_MEMORY}


def test_unknown_tool_group_is_a_404(client: LlamaStackClient) -> None:
    with pytest.raises(NotFoundError) as info:
        client.call(ToolList(toolgroup_id="no-such-group"))
    assert info.value.message == ("Tool Group 'no-such-group' not found. Use "
                                  "'client.toolgroups.list()' to list available Tool Groups.")


def test_tool_groups_and_tool_runtime_are_not_served_by_0_7(client: LlamaStackClient) -> None:
    # 0.7.3 lists tools only; the file_search tool runs inside Responses (file_search tools),
    # and the 0.2-era tool group and tool runtime routes are gone, so no spec declares them.
    for method, path in [("GET", "/v1/toolgroups"), ("POST", "/v1/tool-runtime/invoke")]:
        with pytest.raises(NotFoundError) as info:
            client.request(method, path, body={} if method == "POST" else None)
        assert info.value.body == {"detail": "Not Found"}
