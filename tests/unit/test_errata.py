"""The generator's shape errata (ERRATA_SCHEMAS, ERRATA_PROPERTIES) and what they fix on the wire."""

from __future__ import annotations

import json

from llamastack.decoding import decoder_for
from llamastack.models import OpenAIChatCompletionChunk, OpenAIChoiceDeltaToolCall
from tests.unit.fixtures import generator

# The second chunk of a streamed tool call, as llama-stack 0.7.3 sends it (through the fake backend).
TOOL_CALL_ARGUMENTS_CHUNK = json.loads("""
{"id": "chatcmpl-fake-000007", "choices": [{"delta": {"audio": null, "content": null,
  "function_call": null, "refusal": null, "role": null, "tool_calls": [{"index": 0, "id": null,
  "function": {"arguments": "{\\"city\\": \\"weather in Paris\\"}", "name": null}, "type": null}]},
  "index": 0, "finish_reason": null, "logprobs": null}], "created": 1795766361,
  "model": "fake-openai/fake-llm", "object": "chat.completion.chunk", "moderation": null,
  "obfuscation": null, "service_tier": null, "system_fingerprint": null, "usage": null}
""")


def test_shape_errata_name_real_properties_and_new_schemas() -> None:
    gen = generator()
    pinned = gen.load_documents(errata=False)
    for line, name, prop in gen.ERRATA_PROPERTIES:
        assert prop in pinned[line]["components"]["schemas"][name]["properties"], (line, name, prop)
    for line, name in gen.ERRATA_SCHEMAS:
        assert name not in pinned[line]["components"]["schemas"], (line, name)


def test_a_streamed_tool_call_delta_without_id_and_name_decodes() -> None:
    chunk = decoder_for(OpenAIChatCompletionChunk)(TOOL_CALL_ARGUMENTS_CHUNK)

    tool_calls = chunk.choices[0].delta.tool_calls
    assert tool_calls is not None
    [call] = tool_calls
    assert isinstance(call, OpenAIChoiceDeltaToolCall)
    assert (call.index, call.id, call.type) == (0, None, None)
    assert call.function is not None and call.function.name is None
    assert json.loads(call.function.arguments or "") == {"city": "weather in Paris"}
