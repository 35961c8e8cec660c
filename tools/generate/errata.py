"""Deliberate deviations from the documents, each where a real server does otherwise.

specs/README.md ("Errata") lists each with its reason.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "BROKEN_ON_LINE",
    "CARRIED_UNDOCUMENTED",
    "DOCUMENT_ONLY_REQUIREMENTS",
    "ERRATA_LOCATIONS",
    "ERRATA_NULLABLE",
    "ERRATA_PROPERTIES",
    "ERRATA_SCHEMAS",
    "RESPONSE_OVERRIDES",
    "ROUTE_ERRATA",
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

# --- server lines (tools/generate/lines.py) ------------------------------------------------------

# Where a line serves a spec other than where the matching rules find it, or not at all although
# its documents list the route: (spec, line) -> (method, path), or None for "not served".
ROUTE_ERRATA: dict[tuple[str, str], tuple[str, str] | None] = {
    # Connectors: 0.4.7 lists /v1alpha/connectors in its document but has no implementation of
    # the API: a run config listing `connectors` fails at start-up with KeyError: <Api.connectors>
    # (seen live; tests/integration/servers/captured/README.md), so no 0.4 server serves them.
    ("ConnectorList", "0.4"): None,
    ("ConnectorRetrieve", "0.4"): None,
    ("ConnectorToolList", "0.4"): None,
    ("ConnectorToolRetrieve", "0.4"): None,
    # Batches are in no 0.2 or 0.3 document, yet both declare and serve them when the batches API
    # is configured (llama_stack/apis/batches/batches.py): 0.2.24 at /v1/openai/v1/batches, 0.3.5
    # at /v1/batches (and, deprecated, /v1/openai/v1/batches); create_batch takes the five body
    # fields of 0.7 and list_batches after/limit, so every field is carried.
    ("BatchList", "0.2"): ("GET", "/v1/openai/v1/batches"),
    ("BatchCreate", "0.2"): ("POST", "/v1/openai/v1/batches"),
    ("BatchRetrieve", "0.2"): ("GET", "/v1/openai/v1/batches/{batch_id}"),
    ("BatchCancel", "0.2"): ("POST", "/v1/openai/v1/batches/{batch_id}/cancel"),
    ("BatchList", "0.3"): ("GET", "/v1/batches"),
    ("BatchCreate", "0.3"): ("POST", "/v1/batches"),
    ("BatchRetrieve", "0.3"): ("GET", "/v1/batches/{batch_id}"),
    ("BatchCancel", "0.3"): ("POST", "/v1/batches/{batch_id}/cancel"),
}
# Facts the rules already get right, worth knowing (no entry needed):
# - Agents on 0.3: /v1alpha/agents, not the deprecated /v1/agents copies the 0.3 deprecated
#   document lists (rule 2 prefers the route that is not deprecated).
# - Datasets and datasetio on 0.2 at /v1/datasets..., /v1/datasetio/...; rerank at
#   /v1/inference/rerank (rule 2: another prefix).
# - Connectors on 0.5 and 0.6 at /v1alpha/connectors (rule 2).
# - ModelList on 0.2 and 0.3 at /v1/models, which answers Llama Stack models there
#   ({identifier, provider_id, model_type, ...}): the adapter (llamastack/lines/adapters.py)
#   makes them the OpenAI models 0.4+ answer, custom_metadata included; the deprecated
#   /v1/openai/v1/models copy of 0.2/0.3 has no custom_metadata (model_type) to offer.
# - FileProcess on 0.4 and 0.5: their code has file_processors/fastapi_routes.py but does not
#   register the router (core/server/fastapi_router_registry.py); their documents agree.

# Request fields a line's document lacks but its server carries: (spec, line) -> wire names.
CARRIED_UNDOCUMENTED: dict[tuple[str, str], set[str]] = {
    # 0.3-0.5 read a chat completion into OpenAIChatCompletionRequestWithExtraBody
    # (extra="allow"), and OpenAIMixin passes the unknown fields on to the provider as extra_body
    # (0.3.5 providers/utils/inference/openai_mixin.py). 0.2 takes one parameter per field and
    # drops them; 0.5 documents reasoning_effort and safety_identifier, 0.6 all four.
    ("ChatCompletionCreate", "0.3"): {
        "prompt_cache_key", "reasoning_effort", "safety_identifier", "service_tier",
    },
    ("ChatCompletionCreate", "0.4"): {
        "prompt_cache_key", "reasoning_effort", "safety_identifier", "service_tier",
    },
    ("ChatCompletionCreate", "0.5"): {"prompt_cache_key", "service_tier"},
}

# Request fields a line's document lists but its server cannot carry: (spec, line) -> wire names.
BROKEN_ON_LINE: dict[tuple[str, str], set[str]] = {
    # 0.5.4 passes these two to its responses provider in each other's place (agents.py
    # create_openai_response), so a response that sets either fails: 400 "reasoning: Input
    # should be a valid dictionary" (seen live with max_output_tokens=50).
    ("ResponseCreate", "0.5"): {"max_output_tokens", "reasoning"},
}

# Request fields a line's document marks required although its server has a default for them,
# by (place, line) as tools/generate/shapes.py names them. They are no shape differences.
DOCUMENT_ONLY_REQUIREMENTS: set[tuple[str, str]] = {
    # 0.3.5 apis/conversations/conversations.py: after, include, limit, order = NOT_GIVEN
    ("ConversationItemList request.after", "0.3"),
    ("ConversationItemList request.include", "0.3"),
    ("ConversationItemList request.limit", "0.3"),
    ("ConversationItemList request.order", "0.3"),
    # apis/prompts/prompts.py (0.2.24, 0.3.5): update_prompt(..., set_as_default: bool = True)
    ("PromptUpdate request.set_as_default", "0.2"),
    ("PromptUpdate request.set_as_default", "0.3"),
    # apis/scoring/scoring.py (0.2.24, 0.3.5): score_batch(..., save_results_dataset: bool = False)
    ("ScoringScoreBatch request.save_results_dataset", "0.2"),
    ("ScoringScoreBatch request.save_results_dataset", "0.3"),
    # apis/eval/eval.py (0.2.24, 0.3.5): BenchmarkConfig.scoring_params = Field(default_factory=dict)
    ("BenchmarkConfig.scoring_params", "0.2"),
    ("BenchmarkConfig.scoring_params", "0.3"),
}
