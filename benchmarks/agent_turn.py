"""One agent turn with one client tool round, by ``llamastack.agents.Agent`` and by hand.

The turn: a streamed ``POST /v1/responses`` whose answer calls ``get_weather``; the tool runs;
a second streamed ``POST /v1/responses`` carries its output and streams the answer (the
bodies are in ``fixtures.py``, a 0.7.3 server's shapes). The floor does the same exchanges
with the leanest requests code (``floor.FloorClient``): the same requests, each event through
``json.loads``, the call found in ``response.output_item.done``, the tool called directly.
The difference between the two is what the agent costs on the client beyond the leanest
code: the typed decoding of every event, the turn's state machine and events, and running
the tool on a thread. The server's time (nginx, well under a millisecond) is in both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from benchmarks.fixtures import AGENT_INSTRUCTIONS, AGENT_MODEL, AGENT_QUESTION, WEATHER_REPORT
from benchmarks.floor import FloorClient

__all__ = ["floor_turn", "get_weather", "llamastack_turn"]


def get_weather(city: str) -> str:
    """Current weather in a city.

    Args:
        city: The city's name.
    """
    return WEATHER_REPORT


def llamastack_turn(client: Any) -> Callable[[], Any]:
    """A turn of ``llamastack.agents.Agent`` on ``client``, in a session made once."""
    from llamastack.agents import Agent

    agent = Agent(client, model=AGENT_MODEL, instructions=AGENT_INSTRUCTIONS, tools=[get_weather])
    session_id = agent.create_session("bench")

    def turn() -> Any:
        result = agent.create_turn(AGENT_QUESTION, session_id=session_id)
        if len(result.tool_calls) != 1 or not result.output_text.startswith("It is 18 degrees"):
            raise RuntimeError(f"unexpected turn (is the nginx routing by body size off?): {result}")
        return result

    return turn


def floor_turn(client: FloorClient) -> Callable[[], Any]:
    """The same exchanges with the leanest requests code."""
    session_id = client.json("POST", "/v1/conversations", b'{"metadata": {"name": "bench"}}')["id"]
    tools = [{"type": "function", "name": "get_weather", "description": "Current weather in a city.",
              "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                             "required": ["city"]}}]

    def request(input: Any) -> bytes:
        return json.dumps({"model": AGENT_MODEL, "input": input, "conversation": session_id,
                           "instructions": AGENT_INSTRUCTIONS, "tools": tools,
                           "stream": True}).encode()

    def turn() -> str:
        calls = [event["item"] for event in client.events("/v1/responses", request(AGENT_QUESTION))
                 if event["type"] == "response.output_item.done"
                 and event["item"]["type"] == "function_call"]
        outputs = [{"type": "function_call_output", "call_id": call["call_id"],
                    "output": get_weather(**json.loads(call["arguments"]))} for call in calls]
        text = "".join(event["delta"] for event in client.events("/v1/responses", request(outputs))
                       if event["type"] == "response.output_text.delta")
        if len(calls) != 1 or not text.startswith("It is 18 degrees"):
            raise RuntimeError(f"unexpected turn (is the nginx routing by body size off?): {text!r}")
        return text

    return turn
