"""Deliberate deviations from the documents, each where a real server does otherwise.

specs/README.md ("Errata") lists each with its reason.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ERRATA_LOCATIONS",
    "ERRATA_NULLABLE",
    "ERRATA_PROPERTIES",
    "ERRATA_SCHEMAS",
    "RESPONSE_OVERRIDES",
    "STREAM_ONLY",
]

# Decoding leniency where the documents disagree with real servers (specs/README.md, "Errata").
# (schema, property) -> "nullable": the property may be null or absent.
ERRATA_NULLABLE = {
    # Empty lists: the file list answers first_id/last_id "", the others null (0.7.3, observed).
    ("ListOpenAIFileResponse", "first_id"), ("ListOpenAIFileResponse", "last_id"),
    ("ListOpenAIResponseObject", "first_id"), ("ListOpenAIResponseObject", "last_id"),
    ("ListOpenAIChatCompletionResponse", "first_id"), ("ListOpenAIChatCompletionResponse", "last_id"),
    ("ConversationItemList", "first_id"), ("ConversationItemList", "last_id"),
    ("VectorStoreListFilesResponse", "first_id"), ("VectorStoreListFilesResponse", "last_id"),
    ("VectorStoreFilesListInBatchResponse", "first_id"), ("VectorStoreFilesListInBatchResponse", "last_id"),
    # Completion stream chunks carry "finish_reason": null until the last one (0.7.3, observed).
    ("OpenAICompletionChoice", "finish_reason"),
    # The model is shared with 0.2 agent configs, where temperature is optional.
    ("TopPSamplingStrategy", "temperature"),
}
# Schemas added to the documents, and properties whose schema is replaced, where the server sends
# another shape (specs/README.md, "Errata"). load_documents applies them, so the generator and the
# contract test both read the corrected documents.
_DELTA_TOOL_CALL = "#/components/schemas/OpenAIChoiceDeltaToolCall"
_DELTA_TOOL_CALL_FUNCTION = "#/components/schemas/OpenAIChoiceDeltaToolCallFunction"
ERRATA_SCHEMAS: dict[tuple[str, str], dict[str, Any]] = {
    # A streamed tool call comes in pieces: the first delta has the id and the name, later ones
    # only more arguments, with "id": null, "type": null and "function": {"name": null} (0.7.3,
    # observed). The document reuses the complete ChatCompletionMessageToolCall for deltas.
    ("0.7", "OpenAIChoiceDeltaToolCall"): {
        "description": "A piece of a tool call in a streamed chat completion delta.",
        "type": "object",
        "properties": {
            "index": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
            "id": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "type": {"anyOf": [{"type": "string", "enum": ["function"]}, {"type": "null"}]},
            "function": {"anyOf": [{"$ref": _DELTA_TOOL_CALL_FUNCTION}, {"type": "null"}]},
        },
    },
    ("0.7", "OpenAIChoiceDeltaToolCallFunction"): {
        "description": "A piece of a function call in a streamed chat completion delta.",
        "type": "object",
        "properties": {
            "name": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "arguments": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        },
    },
}
ERRATA_PROPERTIES: dict[tuple[str, str, str], dict[str, Any]] = {
    ("0.7", "OpenAIChoiceDelta", "tool_calls"): {
        "anyOf": [{"type": "array", "items": {"$ref": _DELTA_TOOL_CALL}}, {"type": "null"}],
    },
}
# Request parameters the server reads from elsewhere than the document says, by
# (line, method, path, parameter) -> location. 0.2.24 declares SessionRetrieve's
# `turn_ids: list[str] | None` without Query(), so FastAPI reads it as the whole JSON body
# of the GET (a bare array) and ignores the query string the document names.
ERRATA_LOCATIONS = {
    ("0.2", "GET", "/v1/agents/{agent_id}/session/{session_id}", "turn_ids"): "json",
}

# Spec name -> response type written out, where the document's type is wrong on the wire.
RESPONSE_OVERRIDES = {
    "TurnRetrieve": "Optional[Turn]",  # 0.2 answers an unknown turn id with 200 and the body null
    "BenchmarkRegister": "None",  # documented 204; 0.7.3 answers 200 with the body null
    "FileContentRetrieve": "bytes",  # documented as a JSON string; the server sends the raw file
}
# Specs whose operation the server only serves streamed (0.2.24 raises NotImplementedError otherwise).
STREAM_ONLY = {"TurnCreate", "TurnResume"}
