"""End-to-end smoke check of the real servers, and capture of real response bodies (stdlib only).

    python -m tests.integration.servers.smoke                 # start, check, stop
    python -m tests.integration.servers.smoke --capture       # also rewrite captured/*.json
    python -m tests.integration.servers.smoke --state-dir D --reuse   # use servers already started in D

Each check talks plain HTTP to 127.0.0.1 (no client library), so it verifies the servers and
the fake backend, not the client. ``--capture`` stores each response body under
``captured/<line>/<METHOD>_<path>.json`` (streams as a JSON list of their ``data:`` payloads)
and describes every file in ``captured/index.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import traceback
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import fake_openai, manage

CAPTURE_DIR = Path(__file__).resolve().parent / "captured"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)

    def events(self) -> list[Any]:
        """``data:`` payloads of an SSE body (``[DONE]`` kept as the string)."""
        out: list[Any] = []
        for line in self.raw.decode().splitlines():
            if line.startswith("data:"):
                data = line[5:].strip()
                out.append(data if data == "[DONE]" else json.loads(data))
        return out


def http(
    method: str,
    url: str,
    body: Any = None,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60.0,
) -> Reply:
    hdrs = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=hdrs)
    try:
        with _OPENER.open(req, timeout=timeout) as resp:
            return Reply(resp.status, dict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, dict(exc.headers.items()), exc.read())


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]) -> tuple[bytes, str]:
    boundary = "llamastack-it-" + uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, (filename, content, ctype) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'
        )
        parts.append(head.encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@dataclass
class Run:
    line: str
    base: str
    capture: bool
    passed: int = 0
    failed: list[str] = field(default_factory=list)
    index: dict[str, Any] = field(default_factory=dict)

    def call(
        self,
        name: str | None,
        method: str,
        path: str,
        body: Any = None,
        *,
        expect: int = 200,
        stream: bool = False,
        **kw: Any,
    ) -> Reply:
        reply = http(method, self.base + path, body, **kw)
        if reply.status != expect:
            raise AssertionError(f"{method} {path}: {reply.status} != {expect}: {reply.raw[:500]!r}")
        if name and self.capture:
            self.save(name, method, path, reply, stream)
        return reply

    def save(self, name: str, method: str, path: str, reply: Reply, stream: bool) -> None:
        folder = CAPTURE_DIR / self.line
        folder.mkdir(parents=True, exist_ok=True)
        payload: Any = reply.events() if stream else (json.loads(reply.raw) if reply.raw else None)
        (folder / f"{name}.json").write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
        self.index[f"{self.line}/{name}.json"] = {
            "line": self.line,
            "method": method,
            "path": path,
            "status": reply.status,
            "content_type": reply.headers.get("content-type", reply.headers.get("Content-Type")),
            "stream": stream,
        }

    def check(self, title: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            self.failed.append(title)
            print(f"FAIL {self.line} {title}\n{traceback.format_exc()}", flush=True)
        else:
            self.passed += 1
            print(f"ok   {self.line} {title}", flush=True)


# ----------------------------------------------------------------------------- 0.7 line

LLM = f"{manage.FAKE_OPENAI_PROVIDER}/{manage.LLM_ID}"
EMBED = f"{manage.FAKE_OPENAI_PROVIDER}/{manage.EMBED_ID}"
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
    },
}
DOC = b"Paris is the capital of France.\nLlamas live in the Andes mountains.\n"


def checks_07(r: Run) -> None:
    ctx: dict[str, Any] = {}

    def health() -> None:
        assert r.call("GET_v1_health", "GET", "/v1/health").json == {"status": "OK"}
        r.call("GET_v1_version", "GET", "/v1/version")

    def models() -> None:
        ids = [m["id"] for m in r.call("GET_v1_models", "GET", "/v1/models").json["data"]]
        assert LLM in ids and EMBED in ids, ids
        r.call("GET_v1_models_id", "GET", f"/v1/models/{LLM}")
        err = r.call("GET_v1_models_id_404", "GET", "/v1/models/fake-llm", expect=404).json
        assert "error" in err or "detail" in err, err

    def openapi() -> None:
        doc = r.call(None, "GET", "/openapi.json").json
        verbs = {"get", "post", "put", "patch", "delete"}
        ops = sum(1 for item in doc["paths"].values() for verb in item if verb in verbs)
        assert ops == 99, ops

    def chat() -> None:
        body = {"model": LLM, "messages": [{"role": "user", "content": "hello world"}]}
        out = r.call("POST_v1_chat_completions", "POST", "/v1/chat/completions", body).json
        assert out["choices"][0]["message"]["content"] == "Echo: hello world", out
        ctx["completion_id"] = out["id"]
        events = r.call(
            "POST_v1_chat_completions_stream",
            "POST",
            "/v1/chat/completions",
            {**body, "stream": True},
            stream=True,
        ).events()
        assert "[DONE]" not in events, "0.7 streams carry no [DONE]"
        text = "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"])
        assert text == "Echo: hello world", text
        # The server stores chat completions in a background task: poll until it is there.
        path = f"/v1/chat/completions/{ctx['completion_id']}"
        deadline = time.monotonic() + 10
        while http("GET", r.base + path).status != 200 and time.monotonic() < deadline:
            time.sleep(0.1)
        r.call("GET_v1_chat_completions_id", "GET", path)
        r.call("GET_v1_chat_completions", "GET", "/v1/chat/completions?limit=2")

    def chat_tools() -> None:
        body = {
            "model": LLM,
            "messages": [{"role": "user", "content": "What is the weather in Paris?"}],
            "tools": [WEATHER_TOOL],
        }
        out = r.call("POST_v1_chat_completions_tool_call", "POST", "/v1/chat/completions", body).json
        call = out["choices"][0]["message"]["tool_calls"][0]
        assert call["function"]["name"] == "get_weather", call
        assert json.loads(call["function"]["arguments"]) == {"city": "What is the weather in Paris?"}
        follow = {
            **body,
            "messages": [
                *body["messages"],
                {"role": "assistant", "content": None, "tool_calls": [call]},
                {"role": "tool", "tool_call_id": call["id"], "content": "sunny, 21C"},
            ],
        }
        out = r.call(None, "POST", "/v1/chat/completions", follow).json
        assert out["choices"][0]["message"]["content"] == "Tool result: sunny, 21C", out

    def completions() -> None:
        body = {"model": LLM, "prompt": "say hi"}
        out = r.call("POST_v1_completions", "POST", "/v1/completions", body).json
        assert out["choices"][0]["text"] == "Echo: say hi", out
        events = r.call(
            "POST_v1_completions_stream", "POST", "/v1/completions", {**body, "stream": True}, stream=True
        ).events()
        assert "".join(e["choices"][0]["text"] for e in events) == "Echo: say hi", events

    def embeddings() -> None:
        body = {"model": EMBED, "input": ["hello world", "llamas"]}
        out = r.call("POST_v1_embeddings", "POST", "/v1/embeddings", body).json
        assert out["data"][0]["embedding"] == fake_openai.embed("hello world"), out
        assert len(out["data"][1]["embedding"]) == fake_openai.EMBED_DIM
        b64 = {**body, "encoding_format": "base64"}
        out = r.call("POST_v1_embeddings_base64", "POST", "/v1/embeddings", b64).json
        assert out["data"][0]["embedding"] == fake_openai.embed_base64(fake_openai.embed("hello world"))

    def files() -> None:
        data, ctype = multipart({"purpose": "assistants"}, {"file": ("doc.txt", DOC, "text/plain")})
        out = r.call("POST_v1_files", "POST", "/v1/files", data=data, headers={"Content-Type": ctype}).json
        assert out["object"] == "file" and out["bytes"] == len(DOC), out
        ctx["file_id"] = out["id"]
        r.call("GET_v1_files", "GET", "/v1/files")
        r.call("GET_v1_files_id", "GET", f"/v1/files/{ctx['file_id']}")
        content = r.call(None, "GET", f"/v1/files/{ctx['file_id']}/content")
        assert content.raw == DOC, content.raw

    def vector_stores() -> None:
        body = {"name": "docs", "file_ids": [ctx["file_id"]]}
        out = r.call("POST_v1_vector_stores", "POST", "/v1/vector_stores", body).json
        vs = ctx["vector_store_id"] = out["id"]
        assert out["metadata"]["embedding_model"] == EMBED, out
        deadline = time.monotonic() + 30
        while True:
            listing = r.call(None, "GET", f"/v1/vector_stores/{vs}/files").json
            if listing["data"] and listing["data"][0]["status"] != "in_progress":
                break
            assert time.monotonic() < deadline, listing
            time.sleep(0.2)
        r.call("GET_v1_vector_stores_id_files", "GET", f"/v1/vector_stores/{vs}/files")
        assert listing["data"][0]["status"] == "completed", listing
        r.call("GET_v1_vector_stores", "GET", "/v1/vector_stores")
        hits = r.call(
            "POST_v1_vector_stores_id_search",
            "POST",
            f"/v1/vector_stores/{vs}/search",
            {"query": "capital of France"},
        ).json
        assert "Paris" in hits["data"][0]["content"][0]["text"], hits

    def responses() -> None:
        body = {"model": LLM, "input": "hello responses"}
        out = r.call("POST_v1_responses", "POST", "/v1/responses", body).json
        assert out["output"][0]["content"][0]["text"] == "Echo: hello responses", out
        r.call("GET_v1_responses_id", "GET", f"/v1/responses/{out['id']}")
        r.call("GET_v1_responses_id_input_items", "GET", f"/v1/responses/{out['id']}/input_items")
        events = r.call(
            "POST_v1_responses_stream", "POST", "/v1/responses", {**body, "stream": True}, stream=True
        ).events()
        types = [e["type"] for e in events]
        assert types[0] == "response.created" and types[-1] == "response.completed", types
        tool = {"type": "file_search", "vector_store_ids": [ctx["vector_store_id"]]}
        fs = {"model": LLM, "input": "file_search: what is the capital of France?", "tools": [tool]}
        out = r.call("POST_v1_responses_file_search", "POST", "/v1/responses", fs).json
        assert [o["type"] for o in out["output"]] == ["file_search_call", "message"], out
        text = out["output"][1]["content"][0]["text"]
        assert text.startswith("Tool result: ") and "Paris" in text, text

    def conversations() -> None:
        body = {"items": [{"type": "message", "role": "user", "content": "hi"}], "metadata": {"k": "v"}}
        out = r.call("POST_v1_conversations", "POST", "/v1/conversations", body).json
        assert out["object"] == "conversation", out
        conv = out["id"]
        r.call("GET_v1_conversations_id", "GET", f"/v1/conversations/{conv}")
        r.call("GET_v1_conversations_id_items", "GET", f"/v1/conversations/{conv}/items")
        resp = {"model": LLM, "input": "in a conversation", "conversation": conv}
        out = r.call(None, "POST", "/v1/responses", resp).json
        assert out["output"][0]["content"][0]["text"] == "Echo: in a conversation", out
        r.call("DELETE_v1_conversations_id", "DELETE", f"/v1/conversations/{conv}")

    def safety() -> None:
        safe = {"shield_id": manage.SHIELD_ID, "messages": [{"role": "user", "content": "hello"}]}
        out = r.call("POST_v1_safety_run_shield", "POST", "/v1/safety/run-shield", safe).json
        assert out == {"violation": None}, out
        bad = {**safe, "messages": [{"role": "user", "content": "please unsafe-trigger"}]}
        out = r.call("POST_v1_safety_run_shield_violation", "POST", "/v1/safety/run-shield", bad).json
        assert out["violation"]["metadata"] == {"violation_type": "S1"}, out
        out = r.call("POST_v1_moderations", "POST", "/v1/moderations", {"input": "hello"}).json
        assert out["results"][0]["flagged"] is False, out
        flagged = {"input": "please unsafe-trigger"}
        out = r.call("POST_v1_moderations_flagged", "POST", "/v1/moderations", flagged).json
        assert out["results"][0]["flagged"] is True, out
        r.call("GET_v1_shields", "GET", "/v1/shields")

    def scoring() -> None:
        fns = r.call("GET_v1_scoring_functions", "GET", "/v1/scoring-functions").json
        ids = [f["identifier"] for f in fns["data"]]
        assert "basic::equality" in ids, ids
        body = {
            "input_rows": [{"generated_answer": "a", "expected_answer": "a"}],
            "scoring_functions": {"basic::equality": None},
        }
        out = r.call("POST_v1_scoring_score", "POST", "/v1/scoring/score", body).json
        assert out["results"]["basic::equality"]["score_rows"] == [{"score": 1.0}], out

    def misc() -> None:
        r.call("GET_v1_providers", "GET", "/v1/providers")
        r.call("GET_v1_tools", "GET", "/v1/tools")
        prompt = {"prompt": "Hello {{ name }}", "variables": ["name"]}
        r.call("POST_v1_prompts", "POST", "/v1/prompts", prompt)

    def datasets() -> None:
        rows = [{"messages": [{"role": "user", "content": "q"}], "answer": "a"}]
        body = {
            "purpose": "eval/messages-answer",
            "source": {"type": "rows", "rows": rows},
            "dataset_id": "smoke-ds",
        }
        r.call("POST_v1beta_datasets", "POST", "/v1beta/datasets", body)
        out = r.call("GET_v1beta_datasetio_iterrows", "GET", "/v1beta/datasetio/iterrows/smoke-ds").json
        assert out["data"] == rows, out
        bench = {
            "benchmark_id": "smoke-bench",
            "dataset_id": "smoke-ds",
            "scoring_functions": ["basic::equality"],
        }
        out = r.call("POST_v1alpha_eval_benchmarks", "POST", "/v1alpha/eval/benchmarks", bench).json
        assert out is None, out
        r.call("GET_v1alpha_eval_benchmarks", "GET", "/v1alpha/eval/benchmarks")

    def errors() -> None:
        chat = {"model": LLM, "messages": [{"role": "user", "content": "error-trigger"}]}
        out = r.call("POST_v1_chat_completions_500", "POST", "/v1/chat/completions", chat, expect=500).json
        assert out == {"error": {"message": "Error code: 500 - fake backend error"}}, out
        mid = {"model": LLM, "stream": True, "messages": [{"role": "user", "content": "midstream-trigger"}]}
        events = r.call(
            "POST_v1_chat_completions_stream_error", "POST", "/v1/chat/completions", mid, stream=True
        ).events()
        assert set(events[-1]) == {"error"}, events
        resp = {"model": LLM, "stream": True, "input": "midstream-trigger"}
        events = r.call(
            "POST_v1_responses_stream_failed", "POST", "/v1/responses", resp, stream=True
        ).events()
        assert events[-1]["type"] == "response.failed", events[-1]
        invalid = {"model": LLM}
        out = r.call("POST_v1_chat_completions_400", "POST", "/v1/chat/completions", invalid, expect=400).json
        assert isinstance(out["error"]["message"], str), out
        out = r.call("GET_v1_responses_id_404", "GET", "/v1/responses/resp_nope", expect=404).json
        assert "detail" in out, out
        out = r.call("GET_v1_vector_stores_id_400", "GET", "/v1/vector_stores/vs_nope", expect=400).json
        assert "error" in out, out
        out = r.call("GET_unknown_route_404", "GET", "/v1/no-such-route", expect=404).json
        assert out == {"detail": "Not Found"}, out

    for title, fn in [
        ("health", health),
        ("models", models),
        ("openapi has 99 operations", openapi),
        ("chat completions", chat),
        ("chat completions with tools", chat_tools),
        ("completions", completions),
        ("embeddings", embeddings),
        ("files", files),
        ("vector stores", vector_stores),
        ("responses", responses),
        ("conversations", conversations),
        ("safety and moderations", safety),
        ("scoring", scoring),
        ("providers, tools, prompts", misc),
        ("datasets and benchmarks", datasets),
        ("error shapes", errors),
    ]:
        r.check(title, fn)


# ----------------------------------------------------------------------------- 0.2 line

CLIENT_TOOL_02 = {
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": [{"name": "city", "parameter_type": "string", "description": "City", "required": True}],
}


def checks_02(r: Run) -> None:
    ctx: dict[str, Any] = {}

    def health() -> None:
        r.call("GET_v1_health", "GET", "/v1/health")
        ids = [m["identifier"] for m in r.call("GET_v1_models", "GET", "/v1/models").json["data"]]
        assert f"{manage.FAKE_VLLM_PROVIDER}/{manage.LLM_ID}" in ids, ids

    def agent_turn() -> None:
        cfg = {"agent_config": {"model": manage.LLM_ID, "instructions": "You are a test agent."}}
        agent = ctx["agent"] = r.call("POST_v1_agents", "POST", "/v1/agents", cfg).json["agent_id"]
        r.call("GET_v1_agents_id", "GET", f"/v1/agents/{agent}")
        r.call("GET_v1_agents", "GET", "/v1/agents?limit=10")
        body = {"session_name": "smoke"}
        session = r.call("POST_v1_agents_session", "POST", f"/v1/agents/{agent}/session", body).json
        sid = ctx["session"] = session["session_id"]
        turn = {"messages": [{"role": "user", "content": "hello agent"}], "stream": True}
        events = r.call(
            "POST_v1_agents_turn_stream",
            "POST",
            f"/v1/agents/{agent}/session/{sid}/turn",
            turn,
            stream=True,
        ).events()
        kinds = [e["event"]["payload"]["event_type"] for e in events]
        assert kinds[-1] == "turn_complete", kinds
        final = events[-1]["event"]["payload"]["turn"]
        assert final["output_message"]["content"] == "Echo: hello agent", final
        r.call("GET_v1_agents_turn", "GET", f"/v1/agents/{agent}/session/{sid}/turn/{final['turn_id']}")
        r.call("GET_v1_agents_session", "GET", f"/v1/agents/{agent}/session/{sid}")
        r.call("GET_v1_agents_sessions", "GET", f"/v1/agents/{agent}/sessions")
        no_stream = {"messages": [{"role": "user", "content": "x"}]}
        r.call(
            "POST_v1_agents_turn_501",
            "POST",
            f"/v1/agents/{agent}/session/{sid}/turn",
            no_stream,
            expect=501,
        )
        r.call("GET_v1_agents_id_400", "GET", "/v1/agents/no-such-agent", expect=400)
        out = r.call("GET_v1_agents_turn_unknown", "GET", f"/v1/agents/{agent}/session/{sid}/turn/nope").json
        assert out is None, out
        out = r.call("POST_v1_agents_400", "POST", "/v1/agents", {}, expect=400).json
        assert out["error"]["detail"]["errors"][0]["loc"] == ["body", "agent_config"], out
        mid = {"messages": [{"role": "user", "content": "midstream-trigger"}], "stream": True}
        events = r.call(
            "POST_v1_agents_turn_stream_error",
            "POST",
            f"/v1/agents/{agent}/session/{sid}/turn",
            mid,
            stream=True,
        ).events()
        assert set(events[-1]) == {"error"}, events

    def client_tool() -> None:
        cfg = {
            "agent_config": {
                "model": f"{manage.FAKE_VLLM_PROVIDER}/{manage.LLM_ID}",
                "instructions": "You are a test agent.",
                "client_tools": [CLIENT_TOOL_02],
            }
        }
        agent = r.call(None, "POST", "/v1/agents", cfg).json["agent_id"]
        sid = r.call(None, "POST", f"/v1/agents/{agent}/session", {"session_name": "tools"}).json[
            "session_id"
        ]
        turn = {"messages": [{"role": "user", "content": "What is the weather in Paris?"}], "stream": True}
        events = r.call(
            "POST_v1_agents_turn_stream_tool",
            "POST",
            f"/v1/agents/{agent}/session/{sid}/turn",
            turn,
            stream=True,
        ).events()
        last = events[-1]["event"]["payload"]
        assert last["event_type"] == "turn_awaiting_input", last
        call = last["turn"]["output_message"]["tool_calls"][0]
        assert call["tool_name"] == "get_weather", call
        resume = {
            "tool_responses": [{"call_id": call["call_id"], "tool_name": "get_weather", "content": "sunny"}],
            "stream": True,
        }
        path = f"/v1/agents/{agent}/session/{sid}/turn/{last['turn']['turn_id']}/resume"
        events = r.call("POST_v1_agents_turn_resume", "POST", path, resume, stream=True).events()
        final = events[-1]["event"]["payload"]
        assert final["event_type"] == "turn_complete", final
        assert final["turn"]["output_message"]["content"] == "Tool result: sunny", final
        r.call("DELETE_v1_agents_session", "DELETE", f"/v1/agents/{agent}/session/{sid}", expect=204)
        r.call("DELETE_v1_agents_id", "DELETE", f"/v1/agents/{agent}", expect=204)

    for title, fn in [
        ("health and models", health),
        ("agent turn", agent_turn),
        ("client tool", client_tool),
    ]:
        r.check(title, fn)


CHECKS: dict[str, Callable[[Run], None]] = {"0.7": checks_07, "0.2": checks_02}


def run_checks(state: manage.State, capture: bool) -> tuple[int, list[str], dict[str, Any]]:
    passed, failed, index = 0, [], {}
    for line, info in state["servers"].items():
        run = Run(line=line, base=info["base_url"], capture=capture)
        CHECKS[line](run)
        passed += run.passed
        failed += [f"{line}: {t}" for t in run.failed]
        index.update(run.index)
    return passed, failed, index


@contextlib.contextmanager
def _servers(args: argparse.Namespace) -> Iterator[manage.State]:
    if args.reuse:
        state = manage.read_state(args.state_dir or manage.default_state_dir())
        if state is None:
            raise SystemExit(f"nothing running in {args.state_dir}")
        yield state
        return
    with manage.running_servers(args.line, args.state_dir) as state:
        yield state


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.integration.servers.smoke")
    parser.add_argument("--line", default="all")
    parser.add_argument("--state-dir", type=Path, default=None)
    parser.add_argument("--reuse", action="store_true", help="use servers already started in --state-dir")
    parser.add_argument("--capture", action="store_true", help="rewrite captured/*.json")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with _servers(args) as state:
        print(f"servers ready after {time.monotonic() - started:.1f} s", flush=True)
        passed, failed, index = run_checks(state, args.capture)
        if args.capture:
            path = CAPTURE_DIR / "index.json"
            old = json.loads(path.read_text()) if path.is_file() else {}
            old.update(index)
            path.write_text(json.dumps(dict(sorted(old.items())), indent=2) + "\n")
        print(f"smoke: {passed} passed, {len(failed)} failed")
        for title in failed:
            print(f"  failed: {title}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
