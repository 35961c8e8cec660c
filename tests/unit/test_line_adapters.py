"""Every answer captured from the real servers of every line decodes into the declared types.

``tests/integration/servers/captured/`` holds what llama-stack 0.2.24 ... 0.7.3 answered to the
raw-HTTP probe (``index.json``: line, method, real path, request, status). Each 2xx answer is
matched to the spec that line routes there, passed through that spec's adapter for the line
(``llamastack/lines/adapters.py``), and decoded with the spec's compiled decoder; streams event
by event, through one chunk adapter per stream. Without the adapters, answers of 0.2-0.5 fail
here (Responses without ``store``, Llama Stack models, a string ``search_query``, ...).
The request side of each adapter is tested below it, on the shapes the servers read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from llamastack import NotServedError, endpoints
from llamastack.decoding import DecodeError
from llamastack.lines.adapters import RequestParts, adapter_for, parameters_as_schema
from llamastack.spec import SERVER_LINES, plan_for, serves

CAPTURED = Path(__file__).resolve().parents[1] / "integration" / "servers" / "captured"
INDEX: dict[str, dict[str, Any]] = json.loads((CAPTURED / "index.json").read_text())
SPECS = [getattr(endpoints, name) for name in endpoints.__all__]


def _route_pattern(path: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\\{[a-z_]+\\\}", "[^?]+?", re.escape(path)) + r"(\?.*)?")


ROUTES = {line: [(spec, plan_for(spec, line).method, _route_pattern(plan_for(spec, line).path))
                 for spec in SPECS if serves(spec, line)] for line in SERVER_LINES}


def spec_for(entry: dict[str, Any]) -> type | None:
    """The spec the line routes this request to (the longest matching route wins)."""
    found = [(spec, pattern.pattern) for spec, method, pattern in ROUTES[entry["line"]]
             if method == entry["method"] and pattern.fullmatch(entry["path"])]
    return max(found, key=lambda item: len(item[1]))[0] if found else None


def successes() -> Iterator[tuple[str, dict[str, Any], type]]:
    for name, entry in sorted(INDEX.items()):
        spec = spec_for(entry)
        if spec is not None and 200 <= entry["status"] < 300 and not name.endswith("_07_body.json"):
            yield name, entry, spec


CASES = list(successes())


def test_the_captures_cover_every_line_and_most_specs() -> None:
    lines = {entry["line"] for _, entry, _ in CASES}
    assert lines == set(SERVER_LINES)
    assert len(CASES) > 400
    assert len({spec for _, _, spec in CASES}) > 60


def _spec_instance(spec: type, entry: dict[str, Any]) -> Any:
    """Enough of a spec for the adapters (they read a few request values: store)."""
    body = (entry.get("request") or {}).get("json") or {}
    instance: Any = object.__new__(spec)
    for name in ("store", "dataset_id"):
        object.__setattr__(instance, name, body.get(name))
    return instance


@pytest.mark.parametrize(("name", "entry", "spec"), CASES, ids=[name for name, _, _ in CASES])
def test_a_captured_answer_decodes_through_its_lines_adapter(name: str, entry: dict[str, Any],
                                                             spec: type) -> None:
    line = entry["line"]
    plan = plan_for(spec, line)
    body = json.loads((CAPTURED / name).read_text())
    adapter = adapter_for(spec, line)
    instance = _spec_instance(spec, entry)
    if plan.response_type is bytes or body is None or entry["status"] == 204:
        return  # raw file bytes, or no body: nothing to decode
    if entry["stream"]:
        assert plan.decode_chunk is not None
        adapt = adapter.chunks(instance, line) if adapter and adapter.chunks else (lambda e: e)
        for event in body:
            if event == "[DONE]" or (isinstance(event, dict) and event.get("error")):
                continue  # the end marker, or an error the stream raises as such
            plan.decode_chunk(adapt(event))
        return
    if adapter is not None and adapter.response is not None:
        body = adapter.response(body, instance, line)
    plan.decode_response(body)


def _capture(line: str, name: str) -> Any:
    return json.loads((CAPTURED / line / f"{name}.json").read_text())


def adapt_response(spec_class: type, line: str, payload: Any, spec: Any = None) -> Any:
    """``payload`` through the response adapter of ``spec_class`` on ``line``, decoded."""
    adapter = adapter_for(spec_class, line)
    assert adapter is not None and adapter.response is not None
    return plan_for(spec_class, line).decode_response(adapter.response(payload, spec, line))


@pytest.mark.parametrize("line", ["0.2", "0.3"])
def test_llama_stack_models_become_openai_models_with_their_metadata(line: str) -> None:
    listed = adapt_response(endpoints.ModelList, line, _capture(line, "GET_v1_models"))
    models = {model.id: model for model in listed.data}
    # The same as 0.4+ answer for the same registry entries (captured on 0.7).
    newest = {m["id"]: m for m in _capture("0.7", "GET_v1_models")["data"]}
    assert set(models) == set(newest)
    for model_id, model in models.items():
        assert model.custom_metadata == newest[model_id]["custom_metadata"]
        assert model.owned_by == "llama_stack" and model.object == "model"


@pytest.mark.parametrize("line", ["0.2", "0.3", "0.4"])
def test_responses_of_old_lines_are_stored_unless_the_request_said_no(line: str) -> None:
    captured = _capture(line, "POST_v1_responses")
    assert "store" not in captured
    adapter = adapter_for(endpoints.ResponseCreate, line)
    assert adapter is not None and adapter.response is not None
    stored = endpoints.ResponseCreate(model="m", input="hi")
    not_stored = endpoints.ResponseCreate(model="m", input="hi", store=False)
    assert adapter.response(dict(captured), stored, line)["store"] is True
    assert adapter.response(dict(captured), not_stored, line)["store"] is False


def test_usage_details_of_03_and_04_are_zero_not_null() -> None:
    captured = _capture("0.4", "POST_v1_responses")
    assert captured["usage"]["input_tokens_details"] is None
    adapted = adapt_response(endpoints.ResponseRetrieve, "0.4", captured)
    assert adapted.usage.input_tokens_details.cached_tokens == 0
    assert adapted.usage.output_tokens_details.reasoning_tokens == 0


@pytest.mark.parametrize("line", ["0.2", "0.3", "0.4", "0.5"])
def test_stream_events_without_a_sequence_number_get_their_place(line: str) -> None:
    events = _capture(line, "POST_v1_responses_stream")
    assert "sequence_number" not in events[0] and "sequence_number" not in events[-1]
    adapter = adapter_for(endpoints.ResponseCreate, line)
    assert adapter is not None and adapter.chunks is not None
    adapt = adapter.chunks(endpoints.ResponseCreate(model="m", input="hi"), line)
    numbers = [adapt(dict(event))["sequence_number"] for event in events]
    assert numbers == list(range(len(events)))  # what 0.6+ send: 0, 1, 2, ...


def test_content_parts_of_02_get_the_index_of_their_message() -> None:
    events = _capture("0.2", "POST_v1_responses_stream")
    adapter = adapter_for(endpoints.ResponseCreate, "0.2")
    assert adapter is not None and adapter.chunks is not None
    adapt = adapter.chunks(endpoints.ResponseCreate(model="m", input="hi"), "0.2")
    parts = [adapt(dict(e)) for e in events if e["type"].startswith("response.content_part.")]
    assert parts and all((p["output_index"], p["content_index"]) == (0, 0) for p in parts)


def test_vector_store_search_query_is_a_list_on_every_line() -> None:
    captured = _capture("0.3", "POST_v1_vector_stores_id_search")
    query = captured["search_query"]
    assert isinstance(query, str)
    assert adapt_response(endpoints.VectorStoreSearch, "0.3", captured).search_query == [query]


def test_file_contents_of_02_and_03_are_one_page() -> None:
    captured = _capture("0.3", "GET_v1_vector_stores_id_files_id_content")
    spec = endpoints.VectorStoreFileContentRetrieve
    page = adapt_response(spec, "0.3", dict(captured))
    assert [item.text for item in page.data] == [item["text"] for item in captured["content"]]
    assert page.has_more is False
    assert page.model_extra["file_id"] == captured["file_id"]  # nothing the server said is lost


def test_query_chunks_of_03_carry_the_ids_and_model_of_their_metadata() -> None:
    captured = _capture("0.3", "POST_v1_vector_io_query")
    spec = endpoints.VectorIOQuery
    result = adapt_response(spec, "0.3", captured)
    with_metadata = [chunk for chunk in result.chunks if chunk.chunk_metadata.chunk_id]
    assert with_metadata
    for chunk in with_metadata:
        assert chunk.chunk_id == chunk.chunk_metadata.chunk_id
        # 0.3's ChunkMetadata has the model (0.7's does not: it stays in its extras).
        assert chunk.embedding_model == chunk.chunk_metadata.model_extra["chunk_embedding_model"]
        assert chunk.embedding_dimension == len(chunk.embedding)


def test_tools_of_02_become_tool_definitions_with_a_schema() -> None:
    captured = _capture("0.2", "GET_v1_tools")
    tools = adapt_response(endpoints.ToolList, "0.2", captured).data
    search = next(tool for tool in tools if tool.name == "knowledge_search")
    assert search.input_schema == {
        "type": "object", "required": ["query"],
        "properties": {"query": {"type": "string", "description": (
            "The query to search for. Can be a natural language sentence or keywords.")}}}


def test_a_parameter_list_becomes_a_schema() -> None:
    schema = parameters_as_schema([
        {"name": "city", "parameter_type": "string", "description": "A city", "required": True},
        {"name": "days", "parameter_type": "int", "required": False, "default": 3},
    ])
    assert schema == {"type": "object", "required": ["city"], "properties": {
        "city": {"type": "string", "description": "A city"},
        "days": {"type": "integer", "default": 3}}}


# --- the request side ---------------------------------------------------------------------------


def adapt_request(spec: Any, line: str, body: dict[str, Any] | None = None,
                  query: dict[str, Any] | None = None) -> RequestParts:
    adapter = adapter_for(type(spec), line)
    assert adapter is not None and adapter.request is not None
    parts = RequestParts(spec, line, dict(query or {}), dict(body or {}))
    adapter.request(parts)
    return parts


def test_vector_io_on_03_names_the_store_vector_db_id_and_keeps_the_chunk_ids() -> None:
    spec = endpoints.VectorIOInsert(vector_store_id="vs_1", chunks=[])
    chunk = {"content": "x", "chunk_id": "c1", "embedding": [0.5], "embedding_model": "m",
             "embedding_dimension": 1, "chunk_metadata": {"document_id": "d"}}
    parts = adapt_request(spec, "0.3", {"vector_store_id": "vs_1", "chunks": [chunk]})
    assert parts.body == {"vector_db_id": "vs_1", "chunks": [{
        "content": "x", "embedding": [0.5], "metadata": {},
        "chunk_metadata": {"document_id": "d", "chunk_id": "c1", "chunk_embedding_model": "m",
                           "chunk_embedding_dimension": 1}}]}
    # The 0.2/0.3 body is exactly what the probe sent those servers with success.
    assert set(INDEX["0.3/POST_v1_vector_io_insert.json"]["request"]["json"]) <= {
        "vector_db_id", "chunks", "ttl_seconds"}


def test_moderations_on_03_need_a_model() -> None:
    spec = endpoints.ModerationCreate(input="hi")
    with pytest.raises(NotServedError) as raised:
        adapt_request(spec, "0.3", {"input": "hi"})
    assert raised.value.server_line == "0.3"
    assert "without model" in str(raised.value)
    adapt_request(endpoints.ModerationCreate(input="hi", model="m"), "0.3", {"input": "hi", "model": "m"})


def test_append_rows_on_05_and_06_repeat_the_dataset_id_in_the_body() -> None:
    spec = endpoints.DatasetRowAppend(dataset_id="d1", rows=[{"a": 1}])
    assert adapt_request(spec, "0.5", {"rows": [{"a": 1}]}).body == {"rows": [{"a": 1}], "dataset_id": "d1"}


def test_shield_run_on_02_speaks_llama_stack_messages() -> None:
    spec = endpoints.ShieldRun(shield_id="s", messages=[])
    body = {"shield_id": "s", "messages": [
        {"role": "developer", "content": "rules"},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "c1", "content": "ok"}]}
    assert adapt_request(spec, "0.2", body).body["messages"] == [
        {"role": "system", "content": "rules"},
        {"role": "assistant", "content": "", "tool_calls": [], "stop_reason": "end_of_turn"},
        {"role": "tool", "call_id": "c1", "content": "ok"}]
    with pytest.raises(NotServedError, match=r"messages\[0\].name"):
        adapt_request(spec, "0.2", {"messages": [{"role": "user", "content": "x", "name": "n"}]})


def test_agent_client_tools_on_03_read_input_schema() -> None:
    spec = endpoints.AgentCreate(agent_config={"model": "m", "instructions": "i"})
    listed = {"name": "t", "parameters": [{"name": "x", "parameter_type": "string"}]}
    full = {"name": "u", "parameters": [], "input_schema": {"type": "object", "properties": {
        "y": {"enum": ["a", "b"]}}}}
    tools = adapt_request(spec, "0.3", {"agent_config": {"client_tools": [listed, full]}}).body[
        "agent_config"]["client_tools"]
    assert tools == [
        {"name": "t", "input_schema": {"type": "object", "required": ["x"],
                                       "properties": {"x": {"type": "string"}}}},
        {"name": "u", "input_schema": full["input_schema"]}]  # the full schema wins


@pytest.mark.parametrize(("line", "body", "refused"), [
    ("0.5", {"input": [{"type": "function_call_output", "call_id": "c", "output": [{"type": "input_text"}]}]},
     "input[0].output"),
    ("0.6", {"input": "x", "reasoning": {"summary": "auto"}}, "reasoning.summary"),
    ("0.4", {"input": "x", "tools": [{"type": "mcp", "connector_id": "c", "server_label": "l"}]},
     "tools[0].connector_id"),
    ("0.4", {"input": "x", "tools": [{"type": "file_search", "vector_store_ids": [],
                                      "ranking_options": {"alpha": 0.5}}]}, "ranking_options.alpha"),
])
def test_response_values_a_line_cannot_carry_are_refused(line: str, body: dict[str, Any],
                                                          refused: str) -> None:
    with pytest.raises(NotServedError) as raised:
        adapt_request(endpoints.ResponseCreate(model="m", input="x"), line, body)
    assert refused in (raised.value.field or "")


def test_a_text_format_without_type_on_03_is_text() -> None:
    parts = adapt_request(endpoints.ResponseCreate(model="m", input="x"), "0.3",
                          {"input": "x", "text": {"format": {}}})
    assert parts.body["text"] == {"format": {"type": "text"}}


def test_file_expiry_on_02_is_two_form_fields() -> None:
    spec = endpoints.FileCreate(file=b"x", purpose="assistants")
    parts = adapt_request(spec, "0.2", {"purpose": "assistants",
                                        "expires_after": {"anchor": "created_at", "seconds": 3600}})
    assert parts.body == {"purpose": "assistants", "expires_after[anchor]": "created_at",
                          "expires_after[seconds]": 3600}


def test_adapters_apply_to_the_librarys_specs_only() -> None:
    own = type("ModelList", (endpoints.ModelList,), {"__module__": "my_app.specs"})
    assert adapter_for(own, "0.2") is None
    assert adapter_for(endpoints.ModelList, "0.2") is not None
    assert adapter_for(endpoints.ModelList, "0.4") is None


def test_decode_errors_are_still_errors_after_adapting() -> None:
    with pytest.raises(DecodeError):
        adapt_response(endpoints.ModelList, "0.2", {"data": [{"identifier": 5}]})


LIST_OUTPUT = {"type": "function_call_output", "call_id": "c1",
               "output": [{"type": "input_text", "text": "42"}]}
REASONING = {"type": "reasoning", "id": "rs_1", "summary": []}


@pytest.mark.parametrize("line", ["0.3", "0.4", "0.5", "0.6"])
def test_conversation_items_the_line_cannot_read_are_refused_naming_their_place(line: str) -> None:
    spec = endpoints.ConversationItemCreate(conversation_id="c", items=[])
    items = [{"type": "message", "role": "user", "content": "hi"}, LIST_OUTPUT, REASONING]
    with pytest.raises(NotServedError) as raised:
        adapt_request(spec, line, {"items": items})
    if line == "0.6":  # a list of content parts is read from 0.6 on; a reasoning item on 0.7
        assert raised.value.message == (
            "items[2] of type 'reasoning' cannot be carried by Llama Stack 0.6 (it is by 0.7)")
    else:
        assert raised.value.message == (
            f"items[1].output as a list of content parts cannot be carried by Llama Stack {line} "
            "(it is by 0.6 and later): send the output as a string")
    adapt_request(spec, line, {"items": [{**LIST_OUTPUT, "output": "42"}, "not an item"]})


@pytest.mark.parametrize("line", ["0.2", "0.5"])
def test_a_response_input_of_content_parts_for_a_function_output_is_refused_before_06(
        line: str) -> None:
    spec = endpoints.ResponseCreate(model="m", input="hi")
    with pytest.raises(NotServedError) as raised:
        adapt_request(spec, line, {"input": ["hi", LIST_OUTPUT]})
    assert raised.value.field == "input[1].output as a list of content parts"
    adapt_request(spec, "0.6", {"input": ["hi", LIST_OUTPUT]})
