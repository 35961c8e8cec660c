"""Raw-HTTP probe of the Agents API (agents, sessions, turns): 0.2 at /v1/agents, 0.3 at
/v1alpha/agents, gone from 0.4 (stdlib only).

A client tool is declared both ways the lines know: ``parameters`` (0.2: a list of
``{name, parameter_type, description, required}``) and ``input_schema`` (0.3: a JSON schema),
to record which one each line keeps and what the model then sees.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from .configs import LLM, MCP_TOOLGROUP_ID
from .httpkit import Run

__all__ = ["CLIENT_TOOL_INPUT_SCHEMA", "CLIENT_TOOL_PARAMETERS", "probe_agents"]

CLIENT_TOOL_PARAMETERS = {
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": [{"name": "city", "parameter_type": "string", "description": "City", "required": True}],
}
CLIENT_TOOL_INPUT_SCHEMA = {
    "name": "get_weather",
    "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string", "description": "City"}},
                     "required": ["city"]},
}
ASK = "What is the weather in Paris?"


def probe_agents(r: Run) -> None:
    if r.minor >= 4:
        r.check("agents API removed", functools.partial(_removed, r))
        return
    ctx: dict[str, Any] = {}
    checks: list[tuple[str, Callable[[Run, dict[str, Any]], None]]] = [
        ("agent turn", _turn),
        ("agent errors", _errors),
        ("client tool given as parameters", functools.partial(_client_tool, variant="parameters")),
        ("client tool given as input_schema", functools.partial(_client_tool, variant="input_schema")),
        ("two client tool calls in one turn, resumed together", _two_calls),
        ("MCP tool group run by the server", _mcp_toolgroup),
    ]
    for title, check in checks:
        r.check(title, functools.partial(check, r, ctx))


def _events_payloads(events: list[Any]) -> list[dict[str, Any]]:
    return [e["event"]["payload"] for e in events if isinstance(e, dict) and "event" in e]


def _agent(r: Run, name: str | None, **config: Any) -> tuple[str, str]:
    body = {"agent_config": {"model": LLM, "instructions": "You are a test agent.", **config}}
    agent: str = r.call(name, "POST", "/v1/agents", body).json["agent_id"]
    session: str = r.call(None, "POST", f"/v1/agents/{agent}/session", {"session_name": "probe"}).json[
        "session_id"]
    return agent, session


def _removed(r: Run) -> None:
    body = {"agent_config": {"model": LLM, "instructions": "x"}}
    r.call("POST_v1_agents", "POST", "/v1/agents", body, expect=404)
    r.call("POST_v1alpha_agents", "POST", "/v1alpha/agents", body, expect=404, routed=False)


def _turn(r: Run, ctx: dict[str, Any]) -> None:
    cfg = {"agent_config": {"model": LLM, "instructions": "You are a test agent."}}
    agent = ctx["agent"] = r.call("POST_v1_agents", "POST", "/v1/agents", cfg).json["agent_id"]
    r.call("GET_v1_agents_id", "GET", f"/v1/agents/{agent}")
    r.call("GET_v1_agents", "GET", "/v1/agents?limit=10")
    sid = ctx["session"] = r.call("POST_v1_agents_session", "POST", f"/v1/agents/{agent}/session",
                                  {"session_name": "probe"}).json["session_id"]
    turn = {"messages": [{"role": "user", "content": "hello agent"}], "stream": True}
    events = r.call("POST_v1_agents_turn_stream", "POST", f"/v1/agents/{agent}/session/{sid}/turn", turn,
                    stream=True).events()
    payloads = _events_payloads(events)
    assert payloads[-1]["event_type"] == "turn_complete", payloads
    final = payloads[-1]["turn"]
    assert final["output_message"]["content"] == "Echo: hello agent", final
    r.call("GET_v1_agents_turn", "GET", f"/v1/agents/{agent}/session/{sid}/turn/{final['turn_id']}")
    r.call("GET_v1_agents_session", "GET", f"/v1/agents/{agent}/session/{sid}")
    r.call("GET_v1_agents_sessions", "GET", f"/v1/agents/{agent}/sessions")


def _errors(r: Run, ctx: dict[str, Any]) -> None:
    agent, sid = ctx["agent"], ctx["session"]
    turn_path = f"/v1/agents/{agent}/session/{sid}/turn"
    r.call("POST_v1_agents_turn_501", "POST", turn_path, {"messages": [{"role": "user", "content": "x"}]},
           expect=501)
    r.call("GET_v1_agents_id_400", "GET", "/v1/agents/no-such-agent", expect=400)
    out = r.call("GET_v1_agents_turn_unknown", "GET", f"{turn_path}/nope").json
    assert out is None, out
    out = r.call("POST_v1_agents_400", "POST", "/v1/agents", {}, expect=400).json
    assert out["error"]["detail"]["errors"][0]["loc"] == ["body", "agent_config"], out
    mid = {"messages": [{"role": "user", "content": "midstream-trigger"}], "stream": True}
    events = r.call("POST_v1_agents_turn_stream_error", "POST", turn_path, mid, stream=True).events()
    assert set(events[-1]) == {"error"}, events


def _client_tool(r: Run, ctx: dict[str, Any], variant: str) -> None:
    tool = CLIENT_TOOL_PARAMETERS if variant == "parameters" else CLIENT_TOOL_INPUT_SCHEMA
    # The shape each line understands: 0.2 keeps parameters, 0.3 keeps input_schema; each line
    # silently drops the other (stored as null), so the model sees a tool without arguments.
    native = (r.line == "0.2") == (variant == "parameters")
    agent, sid = _agent(r, f"POST_v1_agents_client_tool_{variant}", client_tools=[tool])
    stored = r.call(f"GET_v1_agents_id_client_tool_{variant}", "GET", f"/v1/agents/{agent}").json
    kept = stored["agent_config"]["client_tools"][0].get(variant)
    assert (kept is not None) == native, stored
    turn = {"messages": [{"role": "user", "content": ASK}], "stream": True}
    turn_path = f"/v1/agents/{agent}/session/{sid}/turn"
    # The line's own shape is captured as ..._tool on both lines, the other as ..._tool_<variant>.
    name = "POST_v1_agents_turn_stream_tool" + ("" if native else f"_{variant}")
    events = r.call(name, "POST", turn_path, turn, stream=True).events()
    if not native and r.line == "0.2":  # a tool without parameters breaks 0.2's turn (a 500 event)
        assert set(events[-1]) == {"error"}, events
        return
    last = _events_payloads(events)[-1]
    assert last["event_type"] == "turn_awaiting_input", last
    call = last["turn"]["output_message"]["tool_calls"][0]
    assert call["tool_name"] == "get_weather", call
    if not native:  # 0.3 without input_schema: the model saw no parameters
        assert call["arguments"] == "{}", call
        return
    answer = {"call_id": call["call_id"], "tool_name": "get_weather", "content": "sunny"}
    resume = {"tool_responses": [answer], "stream": True}
    events = r.call("POST_v1_agents_turn_resume", "POST", f"{turn_path}/{last['turn']['turn_id']}/resume",
                    resume, stream=True).events()
    final = _events_payloads(events)[-1]
    assert final["event_type"] == "turn_complete", final
    assert final["turn"]["output_message"]["content"] == "Tool result: sunny", final
    r.call("DELETE_v1_agents_session", "DELETE", f"/v1/agents/{agent}/session/{sid}", expect=204)
    r.call("DELETE_v1_agents_id", "DELETE", f"/v1/agents/{agent}", expect=204)


def _two_calls(r: Run, ctx: dict[str, Any]) -> None:
    tool = CLIENT_TOOL_PARAMETERS if r.line == "0.2" else CLIENT_TOOL_INPUT_SCHEMA
    agent, sid = _agent(r, None, client_tools=[tool])
    text = 'get_weather({"city": "Rome"}) and get_weather({"city": "Oslo"})'
    turn_path = f"/v1/agents/{agent}/session/{sid}/turn"
    events = r.call("POST_v1_agents_turn_stream_two_tool_calls", "POST", turn_path,
                    {"messages": [{"role": "user", "content": text}], "stream": True}, stream=True).events()
    last = _events_payloads(events)[-1]
    assert last["event_type"] == "turn_awaiting_input", last
    calls = last["turn"]["output_message"]["tool_calls"]
    assert [c["tool_name"] for c in calls] == ["get_weather", "get_weather"], calls
    answers = [{"call_id": c["call_id"], "tool_name": c["tool_name"], "content": f"sunny #{i}"}
               for i, c in enumerate(calls)]
    events = r.call("POST_v1_agents_turn_resume_two_tool_calls", "POST",
                    f"{turn_path}/{last['turn']['turn_id']}/resume",
                    {"tool_responses": answers, "stream": True}, stream=True).events()
    final = _events_payloads(events)[-1]
    assert final["turn"]["output_message"]["content"] == "Tool result: sunny #0; sunny #1", final


def _mcp_toolgroup(r: Run, ctx: dict[str, Any]) -> None:
    agent, sid = _agent(r, None, toolgroups=[MCP_TOOLGROUP_ID], max_infer_iters=3)
    turn = {"messages": [{"role": "user", "content": 'get_weather({"city": "Lima"})'}], "stream": True}
    turn_path = f"/v1/agents/{agent}/session/{sid}/turn"
    events = r.call("POST_v1_agents_turn_stream_mcp", "POST", turn_path, turn, stream=True).events()
    final = _events_payloads(events)[-1]
    assert final["event_type"] == "turn_complete", final
    assert final["turn"]["output_message"]["content"] == "Tool result: Sunny in Lima", final
    assert [s["step_type"] for s in final["turn"]["steps"]] == ["inference", "tool_execution", "inference"]
    # Endless mode: the model calls the tool every round; max_infer_iters (3) ends the turn as
    # turn_awaiting_input with the last, unexecuted call (not turn_complete).
    ask = 'endless-tools get_weather({"city": "Lima"})'
    endless = {**turn, "messages": [{"role": "user", "content": ask}]}
    events = r.call("POST_v1_agents_turn_stream_mcp_endless", "POST", turn_path, endless,
                    stream=True).events()
    final = _events_payloads(events)[-1]
    assert final["event_type"] == "turn_awaiting_input", final
    assert [s["step_type"] for s in final["turn"]["steps"]].count("inference") == 3, final
