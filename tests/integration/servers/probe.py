"""Raw-HTTP probe of one server line: the operations the client uses, at the path that line really
serves, with the answers each line gives (stdlib only).

The same sequence runs on every line (0.2.24 ... 0.7.3); where a line differs, the probe sends
what that line needs and, for the shape changes an adapter must bridge, also the 0.7-shaped
request (captured with the suffix ``_07_body``) to record how the line rejects it. Each capture
name is the 0.7 operation (``POST_v1_responses``) on every line; ``captured/index.json`` holds
the real method, path, request and status. ``captured/README.md`` summarizes the differences.
"""

from __future__ import annotations

import functools
import json
import time
from typing import Any

from . import fake_model
from .configs import CONNECTOR_ID, EMBED, EMBED_DIM, LLM, SHIELD_ID, mcp_url
from .httpkit import Run, http, multipart, route
from .install import LINES

__all__ = ["DOC", "WEATHER_CHAT_TOOL", "WEATHER_RESPONSES_TOOL", "probe_line"]

WEATHER_PARAMETERS = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER_CHAT_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "description": "Weather for a city",
                 "parameters": WEATHER_PARAMETERS},
}
WEATHER_RESPONSES_TOOL = {"type": "function", "name": "get_weather", "description": "Weather for a city",
                          "parameters": WEATHER_PARAMETERS}
DOC = b"Paris is the capital of France.\nLlamas live in the Andes mountains.\n"
ROWS = [{"messages": [{"role": "user", "content": "q"}], "answer": "a"}]


def poll(fetch: Any, until: Any, timeout: float = 15.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if until(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def stream_text(events: list[Any]) -> str:
    return "".join((e["choices"][0]["delta"].get("content") or "") for e in events
                   if isinstance(e, dict) and e.get("choices"))


def message_text(response: dict[str, Any]) -> str:
    texts = [part.get("text", "") for item in response["output"] if item["type"] == "message"
             for part in item["content"]]
    return "".join(texts)


def probe_line(r: Run, fake_base_url: str) -> None:
    """Every check of the probe on ``r.line``; failures are collected in ``r.failed``."""
    ctx: dict[str, Any] = {"fake": fake_base_url}
    for title, check in [
        ("health and version", _health),
        ("models", _models),
        ("chat completions", _chat),
        ("chat completions with tools", _chat_tools),
        ("completions and embeddings", _completions_embeddings),
        ("files", _files),
        ("vector stores", _vector_stores),
        ("vector io", _vector_io),
        ("safety and moderations", _safety),
        ("responses", _responses),
        ("responses with tools", _responses_tools),
        ("responses with MCP approval", _responses_mcp),
        ("conversations", _conversations),
        ("prompts", _prompts),
        ("datasets", _datasets),
        ("tools, shields, providers, scoring, benchmarks", _registries),
        ("error shapes", _errors),
    ]:
        r.check(title, functools.partial(check, r, ctx))


# ----------------------------------------------------------------------------- checks


def _health(r: Run, ctx: dict[str, Any]) -> None:
    assert r.call("GET_v1_health", "GET", "/v1/health").json == {"status": "OK"}
    assert r.call("GET_v1_version", "GET", "/v1/version").json == {"version": LINES[r.line].version}


def _models(r: Run, ctx: dict[str, Any]) -> None:
    listing = r.call("GET_v1_models", "GET", "/v1/models").json["data"]
    key = "identifier" if r.minor <= 3 else "id"  # Llama Stack Models on <= 0.3, OpenAI models after
    assert sorted(m[key] for m in listing) == sorted([LLM, EMBED]), listing
    if r.minor <= 3:  # the OpenAI-shaped list (0.3: a deprecated copy; removed in 0.4)
        openai = r.call("GET_v1_openai_v1_models", "GET", "/v1/openai/v1/models", routed=False).json
        assert sorted(m["id"] for m in openai["data"]) == sorted([LLM, EMBED]), openai
    model = r.call("GET_v1_models_id", "GET", f"/v1/models/{LLM}").json
    assert model["identifier"] == LLM, model
    r.call("GET_v1_models_id_404", "GET", "/v1/models/no-such-model", expect=(400, 404))


def _chat(r: Run, ctx: dict[str, Any]) -> None:
    body = {"model": LLM, "messages": [{"role": "user", "content": "hello world"}]}
    out = r.call("POST_v1_chat_completions", "POST", "/v1/chat/completions", body).json
    assert out["choices"][0]["message"]["content"] == "Echo: hello world", out
    events = r.call("POST_v1_chat_completions_stream", "POST", "/v1/chat/completions",
                    {**body, "stream": True, "stream_options": {"include_usage": True}}, stream=True).events()
    assert stream_text(events) == "Echo: hello world", events
    path = f"/v1/chat/completions/{out['id']}"
    # Stored by a background task: poll until it is there.
    poll(lambda: http("GET", r.base + route(r.line, path)).status, lambda status: status == 200)
    r.call("GET_v1_chat_completions_id", "GET", path)
    r.call("GET_v1_chat_completions", "GET", "/v1/chat/completions?limit=2")


def _chat_tools(r: Run, ctx: dict[str, Any]) -> None:
    body = {"model": LLM, "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
            "tools": [WEATHER_CHAT_TOOL]}
    out = r.call("POST_v1_chat_completions_tool_call", "POST", "/v1/chat/completions", body).json
    call = out["choices"][0]["message"]["tool_calls"][0]
    assert call["function"]["name"] == "get_weather", call
    assert json.loads(call["function"]["arguments"]) == {"city": "What is the weather in Paris?"}
    events = r.call("POST_v1_chat_completions_tool_call_stream", "POST", "/v1/chat/completions",
                    {**body, "stream": True}, stream=True).events()
    names = [tc["function"].get("name") for e in events if isinstance(e, dict) and e.get("choices")
             for tc in (e["choices"][0]["delta"].get("tool_calls") or [])]
    assert "get_weather" in names, events
    follow = {**body, "messages": [
        *body["messages"],
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 21C"},
    ]}
    out = r.call("POST_v1_chat_completions_tool_result", "POST", "/v1/chat/completions", follow).json
    assert out["choices"][0]["message"]["content"] == "Tool result: sunny, 21C", out


def _completions_embeddings(r: Run, ctx: dict[str, Any]) -> None:
    body = {"model": LLM, "prompt": "say hi"}
    out = r.call("POST_v1_completions", "POST", "/v1/completions", body).json
    assert out["choices"][0]["text"] == "Echo: say hi", out
    events = r.call("POST_v1_completions_stream", "POST", "/v1/completions", {**body, "stream": True},
                    stream=True).events()
    assert "".join(e["choices"][0]["text"] for e in events if isinstance(e, dict) and e["choices"]) == \
        "Echo: say hi", events
    embed: dict[str, Any] = {"model": EMBED, "input": ["hello world", "llamas"]}
    out = r.call("POST_v1_embeddings", "POST", "/v1/embeddings", embed).json
    assert out["data"][0]["embedding"] == fake_model.embed("hello world"), out
    out = r.call("POST_v1_embeddings_base64", "POST", "/v1/embeddings",
                 {**embed, "encoding_format": "base64"}).json
    assert out["data"][0]["embedding"] == fake_model.embed_base64(fake_model.embed("hello world")), out


def _upload(r: Run, name: str | None, filename: str, content: bytes) -> dict[str, Any]:
    data, ctype = multipart({"purpose": "assistants"}, {"file": (filename, content, "text/plain")})
    form: dict[str, Any] = {"purpose": "assistants", "file": [filename, content.decode()]}
    out: dict[str, Any] = r.call(name, "POST", "/v1/files", data=data, headers={"Content-Type": ctype},
                                 form=form).json
    return out


def _files(r: Run, ctx: dict[str, Any]) -> None:
    out = _upload(r, "POST_v1_files", "doc.txt", DOC)
    assert out["object"] == "file" and out["bytes"] == len(DOC), out
    ctx["file_id"] = out["id"]
    r.call("GET_v1_files", "GET", "/v1/files")
    r.call("GET_v1_files_id", "GET", f"/v1/files/{out['id']}")
    content = r.call("GET_v1_files_id_content", "GET", f"/v1/files/{out['id']}/content")
    assert content.raw == DOC, content.raw
    doomed = _upload(r, None, "doomed.txt", b"to be deleted")
    deleted = r.call("DELETE_v1_files_id", "DELETE", f"/v1/files/{doomed['id']}").json
    assert deleted["deleted"] is True, deleted


def _vector_stores(r: Run, ctx: dict[str, Any]) -> None:
    out = r.call("POST_v1_vector_stores", "POST", "/v1/vector_stores",
                 {"name": "docs", "file_ids": [ctx["file_id"]]}).json
    vs = ctx["vector_store_id"] = out["id"]
    files_path = route(r.line, f"/v1/vector_stores/{vs}/files")
    listing = poll(lambda: http("GET", r.base + files_path).json,
                   lambda value: value["data"] and value["data"][0]["status"] != "in_progress")
    assert listing["data"][0]["status"] == "completed", listing
    r.call("GET_v1_vector_stores_id_files", "GET", f"/v1/vector_stores/{vs}/files")
    r.call("GET_v1_vector_stores", "GET", "/v1/vector_stores")
    r.call("GET_v1_vector_stores_id", "GET", f"/v1/vector_stores/{vs}")
    hits = r.call("POST_v1_vector_stores_id_search", "POST", f"/v1/vector_stores/{vs}/search",
                  {"query": "capital of France"}).json
    assert "Paris" in hits["data"][0]["content"][0]["text"], hits
    content = r.call("GET_v1_vector_stores_id_files_id_content", "GET",
                     f"/v1/vector_stores/{vs}/files/{ctx['file_id']}/content").json
    assert "Paris" in json.dumps(content), content


def _vector_io(r: Run, ctx: dict[str, Any]) -> None:
    vs, text = ctx["vector_store_id"], "Rome is the capital of Italy."
    chunk_07 = {"chunk_id": "rome", "content": text, "metadata": {"document_id": "italy"},
                "chunk_metadata": {"chunk_id": "rome", "document_id": "italy"},
                "embedding": fake_model.embed(text), "embedding_model": EMBED,
                "embedding_dimension": EMBED_DIM}
    insert_07 = {"vector_store_id": vs, "chunks": [chunk_07]}
    query_07 = {"vector_store_id": vs, "query": "capital of Italy"}
    if r.minor <= 3:  # vector_db_id and plain Chunks (SERVER_LINES.md section 4)
        r.call("POST_v1_vector_io_insert_07_body", "POST", "/v1/vector-io/insert", insert_07, expect=400)
        r.call("POST_v1_vector_io_query_07_body", "POST", "/v1/vector-io/query", query_07, expect=400)
        insert = {"vector_db_id": vs, "chunks": [{"content": text, "metadata": {"document_id": "italy"}}]}
        query = {"vector_db_id": vs, "query": "capital of Italy"}
    else:
        insert, query = insert_07, query_07
    r.call("POST_v1_vector_io_insert", "POST", "/v1/vector-io/insert", insert, expect=(200, 204))
    hits = r.call("POST_v1_vector_io_query", "POST", "/v1/vector-io/query", query).json
    assert hits["chunks"][0]["content"] == text, hits


def _safety(r: Run, ctx: dict[str, Any]) -> None:
    hello = {"shield_id": SHIELD_ID, "messages": [{"role": "user", "content": "hello"}]}
    # Live, every line takes the request without "params" (SERVER_LINES.md read <= 0.4 as requiring
    # it from the signature), and every line also takes "params": {}.
    out = r.call("POST_v1_safety_run_shield", "POST", "/v1/safety/run-shield", hello).json
    assert out == {"violation": None}, out
    out = r.call("POST_v1_safety_run_shield_params", "POST", "/v1/safety/run-shield",
                 {**hello, "params": {}}).json
    assert out == {"violation": None}, out
    bad = {**hello, "messages": [{"role": "user", "content": "please unsafe-trigger"}]}
    out = r.call("POST_v1_safety_run_shield_violation", "POST", "/v1/safety/run-shield", bad).json
    assert out["violation"]["metadata"] == {"violation_type": "S1"}, out
    model_required = r.minor <= 3  # safety.default_shield_id (the default "model") exists from 0.4
    r.call("POST_v1_moderations", "POST", "/v1/moderations", {"input": "hello"},
           expect=400 if model_required else 200)
    out = r.call("POST_v1_moderations_model", "POST", "/v1/moderations",
                 {"input": "hello", "model": LLM}).json
    assert out["results"][0]["flagged"] is False, out
    out = r.call("POST_v1_moderations_flagged", "POST", "/v1/moderations",
                 {"input": "please unsafe-trigger", "model": LLM}).json
    assert out["results"][0]["flagged"] is True, out
    r.call("POST_v1_moderations_unknown_model", "POST", "/v1/moderations",
           {"input": "hello", "model": SHIELD_ID}, expect=400)


def _responses(r: Run, ctx: dict[str, Any]) -> None:
    body = {"model": LLM, "input": "hello responses"}
    out = r.call("POST_v1_responses", "POST", "/v1/responses", body).json
    assert message_text(out) == "Echo: hello responses", out
    ctx["response_id"] = out["id"]
    events = r.call("POST_v1_responses_stream", "POST", "/v1/responses", {**body, "stream": True},
                    stream=True).events()
    types = [e["type"] for e in events]
    assert types[0] == "response.created" and types[-1] == "response.completed", types
    r.call("GET_v1_responses", "GET", "/v1/responses?limit=2")
    r.call("GET_v1_responses_id", "GET", f"/v1/responses/{out['id']}")
    r.call("GET_v1_responses_id_input_items", "GET", f"/v1/responses/{out['id']}/input_items")
    # A request field new in 0.7 (top_p): dropped silently on 0.2-0.4, rejected on 0.5 (extra=forbid).
    r.call("POST_v1_responses_new_field", "POST", "/v1/responses", {**body, "top_p": 0.5},
           expect=400 if r.line == "0.5" else 200)
    if ctx.get("vector_store_id"):
        tool = {"type": "file_search", "vector_store_ids": [ctx["vector_store_id"]]}
        fs = {"model": LLM, "input": "file_search: what is the capital of France?", "tools": [tool]}
        out = r.call("POST_v1_responses_file_search", "POST", "/v1/responses", fs).json
        assert [o["type"] for o in out["output"]] == ["file_search_call", "message"], out
        assert "Paris" in message_text(out), out


def _responses_tools(r: Run, ctx: dict[str, Any]) -> None:
    body = {"model": LLM, "input": "What is the weather in Paris?", "tools": [WEATHER_RESPONSES_TOOL]}
    out = r.call("POST_v1_responses_function_call", "POST", "/v1/responses", body).json
    calls = [o for o in out["output"] if o["type"] == "function_call"]
    assert [c["name"] for c in calls] == ["get_weather"], out
    events = r.call("POST_v1_responses_function_call_stream", "POST", "/v1/responses",
                    {**body, "stream": True}, stream=True).events()
    assert events[-1]["type"] == "response.completed", events[-1]
    follow = {"model": LLM, "previous_response_id": out["id"], "tools": [WEATHER_RESPONSES_TOOL],
              "input": [{"type": "function_call_output", "call_id": calls[0]["call_id"], "output": "sunny"}]}
    out = r.call("POST_v1_responses_function_call_output", "POST", "/v1/responses", follow).json
    assert message_text(out) == "Tool result: sunny", out
    # Two calls in one round (the prompt names the tool twice, with explicit arguments).
    two = {**body, "input": 'get_weather({"city": "Rome"}) and get_weather({"city": "Oslo"})'}
    out = r.call("POST_v1_responses_two_function_calls", "POST", "/v1/responses", two).json
    calls = [o for o in out["output"] if o["type"] == "function_call"]
    assert [json.loads(c["arguments"]) for c in calls] == [{"city": "Rome"}, {"city": "Oslo"}], out
    outputs = [{"type": "function_call_output", "call_id": c["call_id"], "output": f"sunny #{i}"}
               for i, c in enumerate(calls)]
    out = r.call(None, "POST", "/v1/responses", {"model": LLM, "previous_response_id": out["id"],
                                                 "tools": [WEATHER_RESPONSES_TOOL], "input": outputs}).json
    # 0.2 sends each call to the backend as its own assistant message; the fake answers both.
    assert message_text(out) == "Tool result: sunny #0; sunny #1", out
    # A function tool without "description": 400 on 0.2, 500 on 0.3-0.5, fine on 0.6+.
    bare_tool = {k: v for k, v in WEATHER_RESPONSES_TOOL.items() if k != "description"}
    status = 400 if r.minor == 2 else 500 if r.minor <= 5 else 200
    r.call("POST_v1_responses_tool_without_description", "POST", "/v1/responses",
           {**body, "tools": [bare_tool]}, expect=status)


def _responses_mcp(r: Run, ctx: dict[str, Any]) -> None:
    tool = {"type": "mcp", "server_label": "fake", "server_url": mcp_url(ctx["fake"]),
            "require_approval": "always"}
    body = {"model": LLM, "input": 'get_weather({"city": "Paris"})', "tools": [tool]}
    out = r.call("POST_v1_responses_mcp_approval", "POST", "/v1/responses", body).json
    kinds = [o["type"] for o in out["output"]]
    if r.line == "0.2":  # 0.2 ignores require_approval and calls the tool
        assert kinds == ["mcp_list_tools", "mcp_call", "message"], out
        return
    assert kinds == ["mcp_list_tools", "mcp_approval_request"], out
    request = out["output"][1]
    answer = {"type": "mcp_approval_response", "approval_request_id": request["id"], "approve": True}
    out = r.call("POST_v1_responses_mcp_approved", "POST", "/v1/responses",
                 {"model": LLM, "previous_response_id": out["id"], "tools": [tool], "input": [answer]}).json
    assert message_text(out) == "Tool result: Sunny in Paris", out
    first = r.call(None, "POST", "/v1/responses", body).json
    denial = {**answer, "approval_request_id": first["output"][1]["id"], "approve": False, "reason": "no"}
    out = r.call("POST_v1_responses_mcp_denied", "POST", "/v1/responses",
                 {"model": LLM, "previous_response_id": first["id"], "tools": [tool], "input": [denial]}).json
    assert [o["type"] for o in out["output"]] == ["mcp_list_tools"], out


def _conversations(r: Run, ctx: dict[str, Any]) -> None:
    body = {"items": [{"type": "message", "role": "user", "content": "hi"}], "metadata": {"k": "v"}}
    if r.line == "0.2":  # conversations arrived in 0.3
        r.call("POST_v1_conversations", "POST", "/v1/conversations", body, expect=404)
        return
    out = r.call("POST_v1_conversations", "POST", "/v1/conversations", body).json
    conv = out["id"]
    r.call("GET_v1_conversations_id", "GET", f"/v1/conversations/{conv}")
    extra = {"items": [{"type": "message", "role": "user", "content": "more"}]}
    r.call("POST_v1_conversations_id_items", "POST", f"/v1/conversations/{conv}/items", extra)
    out = r.call(None, "POST", "/v1/responses", {"model": LLM, "input": "in a conversation",
                                                 "conversation": conv}).json
    assert message_text(out) == "Echo: in a conversation", out
    items = r.call("GET_v1_conversations_id_items", "GET", f"/v1/conversations/{conv}/items").json
    assert len(items["data"]) == 4, items  # hi, more, the turn's input and its answer
    r.call("DELETE_v1_conversations_id", "DELETE", f"/v1/conversations/{conv}")


def _prompts(r: Run, ctx: dict[str, Any]) -> None:
    created = {"prompt": "Hi {{ name }}!", "variables": ["name"]}
    out = r.call("POST_v1_prompts", "POST", "/v1/prompts", created).json
    pid = out["prompt_id"]
    r.call("GET_v1_prompts", "GET", "/v1/prompts")
    r.call("GET_v1_prompts_id", "GET", f"/v1/prompts/{pid}")
    update = {"prompt": "Hello {{ name }}!", "version": 1, "variables": ["name"], "set_as_default": True}
    put_served = r.minor >= 5  # 0.2-0.4 serve every non-GET/DELETE method as POST
    r.call("PUT_v1_prompts_id", "PUT", f"/v1/prompts/{pid}", update, expect=200 if put_served else 405)
    r.call("POST_v1_prompts_id", "POST", f"/v1/prompts/{pid}", update, expect=405 if put_served else 200)
    versions = r.call("GET_v1_prompts_id_versions", "GET", f"/v1/prompts/{pid}/versions").json
    assert [v["version"] for v in versions["data"]] == [1, 2], versions


def _datasets(r: Run, ctx: dict[str, Any]) -> None:
    ds = f"probe-ds-{r.line.replace('.', '')}"
    body = {"purpose": "eval/messages-answer", "source": {"type": "rows", "rows": ROWS}, "dataset_id": ds}
    r.call("POST_v1beta_datasets", "POST", "/v1beta/datasets", body)
    append = f"/v1beta/datasetio/append-rows/{ds}"
    needs_id = r.line in ("0.5", "0.6")  # AppendRowsRequest.dataset_id = Field(...) there
    r.call("POST_v1beta_datasetio_append_rows", "POST", append, {"rows": ROWS},
           expect=400 if needs_id else (200, 204))
    r.call("POST_v1beta_datasetio_append_rows_with_dataset_id", "POST", append,
           {"dataset_id": ds, "rows": ROWS},
           expect=(200, 204))
    out = r.call("GET_v1beta_datasetio_iterrows", "GET", f"/v1beta/datasetio/iterrows/{ds}").json
    # Every line answers append-rows with success, yet iterrows still lists only the rows the
    # dataset was registered with (localfs provider, "rows" source).
    assert out["data"] == ROWS, out


def _registries(r: Run, ctx: dict[str, Any]) -> None:
    r.call("GET_v1_tools", "GET", "/v1/tools")
    r.call("GET_v1_shields", "GET", "/v1/shields")
    r.call("GET_v1_providers", "GET", "/v1/providers")
    fns = r.call("GET_v1_scoring_functions", "GET", "/v1/scoring-functions").json
    assert "basic::equality" in [f["identifier"] for f in fns["data"]], fns
    score = {"input_rows": [{"generated_answer": "a", "expected_answer": "a"}],
             "scoring_functions": {"basic::equality": None}}
    out = r.call("POST_v1_scoring_score", "POST", "/v1/scoring/score", score).json
    assert out["results"]["basic::equality"]["score_rows"] == [{"score": 1.0}], out
    ds = f"probe-ds-{r.line.replace('.', '')}"
    bench = {"benchmark_id": f"bench-{ds}", "dataset_id": ds, "scoring_functions": ["basic::equality"]}
    r.call("POST_v1alpha_eval_benchmarks", "POST", "/v1alpha/eval/benchmarks", bench)
    r.call("GET_v1alpha_eval_benchmarks", "GET", "/v1alpha/eval/benchmarks")
    # Connectors: /v1alpha on 0.5, 0.6, /v1beta on 0.7; 0.4.7 cannot serve them (configs.py).
    connectors = r.call("GET_v1beta_connectors", "GET", "/v1beta/connectors",
                        expect=200 if r.minor >= 5 else 404).json
    if r.minor >= 5:
        assert [c["connector_id"] for c in connectors["data"]] == [CONNECTOR_ID], connectors
        tools = r.call("GET_v1beta_connectors_id_tools", "GET",
                       f"/v1beta/connectors/{CONNECTOR_ID}/tools").json
        assert sorted(t["name"] for t in tools["data"]) == ["add", "get_weather"], tools


def _errors(r: Run, ctx: dict[str, Any]) -> None:
    r.call("GET_unknown_route_404", "GET", "/v1/no-such-route", expect=404)
    r.call("POST_v1_version_405", "POST", "/v1/version", {}, expect=405)
    unknown = {"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}
    r.call("POST_v1_chat_completions_unknown_model", "POST", "/v1/chat/completions", unknown,
           expect=(400, 404))
    r.call("POST_v1_responses_unknown_model", "POST", "/v1/responses",
           {"model": "no-such-model", "input": "hi"},
           expect=(400, 404, 500))
    r.call("POST_v1_chat_completions_400", "POST", "/v1/chat/completions", {"model": LLM}, expect=400)
    failing = {"model": LLM, "messages": [{"role": "user", "content": "error-trigger"}]}
    r.call("POST_v1_chat_completions_500", "POST", "/v1/chat/completions", failing, expect=500)
    mid = {"model": LLM, "stream": True, "messages": [{"role": "user", "content": "midstream-trigger"}]}
    events = r.call("POST_v1_chat_completions_stream_error", "POST", "/v1/chat/completions", mid,
                    stream=True).events()
    assert "error" in events[-1], events
    events = r.call("POST_v1_responses_stream_failed", "POST", "/v1/responses",
                    {"model": LLM, "stream": True, "input": "midstream-trigger"}, stream=True).events()
    assert events[-1].get("type") in ("response.failed", "error") or "error" in events[-1], events[-1]
    r.call("GET_v1_responses_id_404", "GET", "/v1/responses/resp_nope", expect=(400, 404))
    r.call("GET_v1_vector_stores_id_400", "GET", "/v1/vector_stores/vs_nope", expect=(400, 404))
    r.call("GET_v1_version_426", "GET", "/v1/version", headers={"X-LlamaStack-Client-Version": "0.1.0"},
           expect=426)
