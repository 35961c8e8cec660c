"""Server streams for the agent tests: captured ones (tests/unit/fixtures/agents) and scripted
Responses events, as SSE bytes for ``responses`` or as the chunks the client decodes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from llamastack.decoding import decoder_for
from llamastack.models.agents import AgentTurnResponseStreamChunk
from llamastack.models.responses import OpenAIResponseObjectStream

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "agents"
CAPTURED_07 = Path(__file__).resolve().parents[2] / "integration" / "servers" / "captured" / "0.7"

Event = dict[str, Any]


def fixture_events(name: str) -> list[Event]:
    """The events of a captured SSE stream (``responses_0.7_function_call`` ...)."""
    text = (FIXTURES / f"{name}.sse").read_text()
    return [json.loads(line[len("data: "):]) for line in text.splitlines()
            if line.startswith("data: ")]


def captured_07(name: str) -> Any:
    return json.loads((CAPTURED_07 / f"{name}.json").read_text())


def sse(events: list[Event]) -> bytes:
    return b"".join(f"data: {json.dumps(event)}\n\n".encode() for event in events)


def responses_chunks(events: list[Event]) -> list[Any]:
    decode = decoder_for(OpenAIResponseObjectStream)
    return [decode(event) for event in events]


def turn_chunks(events: list[Event]) -> list[Any]:
    decode = decoder_for(AgentTurnResponseStreamChunk)
    return [decode(event) for event in events]


# --- scripted Responses events ------------------------------------------------------------


def response(rid: str, status: str = "completed", output: list[Event] | None = None,
             **extra: Any) -> Event:
    return {"id": rid, "created_at": 1, "model": "m", "object": "response", "status": status,
            "output": output or [], "store": True, **extra}


def created(rid: str = "r1") -> Event:
    return {"type": "response.created", "sequence_number": 0,
            "response": response(rid, "in_progress")}


def text_delta(delta: str, index: int = 0) -> Event:
    return {"type": "response.output_text.delta", "sequence_number": 1, "content_index": 0,
            "delta": delta, "item_id": f"msg{index}", "output_index": index}


def message(text: str, index: int = 0) -> Event:
    return {"type": "message", "role": "assistant", "id": f"msg{index}", "status": "completed",
            "content": [{"type": "output_text", "text": text}]}


def function_call(call_id: str, name: str, arguments: str, **extra: Any) -> Event:
    return {"type": "function_call", "call_id": call_id, "name": name, "arguments": arguments,
            "id": f"fc_{call_id}", "status": "completed", **extra}


def item_added(item: Event, index: int) -> Event:
    return {"type": "response.output_item.added", "sequence_number": 2, "response_id": "r1",
            "output_index": index, "item": item}


def item_done(item: Event, index: int) -> Event:
    return {"type": "response.output_item.done", "sequence_number": 3, "response_id": "r1",
            "output_index": index, "item": item}


def arguments_delta(delta: str, index: int) -> Event:
    return {"type": "response.function_call_arguments.delta", "sequence_number": 4,
            "delta": delta, "item_id": f"item{index}", "output_index": index}


def arguments_done(arguments: str, index: int) -> Event:
    return {"type": "response.function_call_arguments.done", "sequence_number": 5,
            "arguments": arguments, "item_id": f"item{index}", "output_index": index}


def completed(rid: str = "r1", output: list[Event] | None = None,
              usage: tuple[int, int] | None = (1, 2)) -> Event:
    extra: dict[str, Any] = {}
    if usage is not None:
        extra["usage"] = {"input_tokens": usage[0], "output_tokens": usage[1],
                          "total_tokens": sum(usage),
                          "input_tokens_details": {"cached_tokens": 0},
                          "output_tokens_details": {"reasoning_tokens": 0}}
    return {"type": "response.completed", "sequence_number": 9,
            "response": response(rid, "completed", output, **extra)}


def text_round(text: str, rid: str = "r1") -> list[Event]:
    """A whole response that answers with ``text``."""
    return [created(rid), text_delta(text), item_done(message(text), 0),
            completed(rid, [message(text)])]


def calls_round(*calls: Event, rid: str = "r1") -> list[Event]:
    """A whole response that asks for ``calls`` (function_call items)."""
    events = [created(rid)]
    for index, call in enumerate(calls):
        events += [item_added({**call, "arguments": "", "status": "in_progress"}, index),
                   arguments_delta(call["arguments"], index),
                   arguments_done(call["arguments"], index), item_done(call, index)]
    return [*events, completed(rid, list(calls))]
