"""Generate ``llamastack/models/<group>.py`` and ``llamastack/endpoints/<group>.py`` from specs/.

    python tools/generate_api.py            # rewrite the checked-in modules
    python tools/generate_api.py --out DIR  # write the package tree under DIR instead

The pinned OpenAPI documents in ``specs/`` are the source: every operation listed in
``OPERATIONS`` becomes one spec dataclass (its name, group and server line are chosen here, by
hand), and every schema those operations reach becomes a model dataclass, a ``Literal`` alias
(string enums) or a union alias (a ``TaggedUnion`` when the schema names a discriminator, or when
every object arm carries its own constant tag). The output is formatted as ``ruff format``
would (line length 110) and is deterministic; ``tests/unit/test_generated_code.py`` fails when
the checked-in files differ from it.

Deliberate deviations from the documents live in the tables below (``ERRATA_NULLABLE`` and
``RESPONSE_OVERRIDES`` for decoding leniency, ``ERRATA_SCHEMAS``/``ERRATA_PROPERTIES`` for shapes,
``ERRATA_LOCATIONS`` for parameters the server reads from another place,
``RENAMES``/``SHARED_WITH_0_7``/``INLINE_NAMES`` for names); specs/README.md lists each with its
reason. Adding an operation of a pinned document is one row in ``OPERATIONS`` and a rerun.
"""

from __future__ import annotations

import argparse
import copy
import json
import keyword
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
LINE_LENGTH = 110

DOCUMENTS = {
    "0.7": "llama-stack-v0.7.1-stainless-spec.yaml",
    "0.2": "llama-stack-v0.2.23-spec.yaml",
}

# --- the operations: (server line, method, path, group, spec name) ------------------------------

OPERATIONS: list[tuple[str, str, str, str, str]] = [
    ("0.7", "GET", "/v1/batches", "batches", "BatchList"),
    ("0.7", "POST", "/v1/batches", "batches", "BatchCreate"),
    ("0.7", "GET", "/v1/batches/{batch_id}", "batches", "BatchRetrieve"),
    ("0.7", "POST", "/v1/batches/{batch_id}/cancel", "batches", "BatchCancel"),
    ("0.7", "GET", "/v1/chat/completions", "chat", "ChatCompletionList"),
    ("0.7", "POST", "/v1/chat/completions", "chat", "ChatCompletionCreate"),
    ("0.7", "GET", "/v1/chat/completions/{completion_id}", "chat", "ChatCompletionRetrieve"),
    ("0.7", "POST", "/v1/completions", "completions", "CompletionCreate"),
    ("0.7", "POST", "/v1/conversations", "conversations", "ConversationCreate"),
    ("0.7", "GET", "/v1/conversations/{conversation_id}", "conversations", "ConversationRetrieve"),
    ("0.7", "POST", "/v1/conversations/{conversation_id}", "conversations", "ConversationUpdate"),
    ("0.7", "DELETE", "/v1/conversations/{conversation_id}", "conversations", "ConversationDelete"),
    ("0.7", "GET", "/v1/conversations/{conversation_id}/items", "conversations", "ConversationItemList"),
    ("0.7", "POST", "/v1/conversations/{conversation_id}/items", "conversations", "ConversationItemCreate"),
    ("0.7", "GET", "/v1/conversations/{conversation_id}/items/{item_id}", "conversations",
     "ConversationItemRetrieve"),
    ("0.7", "DELETE", "/v1/conversations/{conversation_id}/items/{item_id}", "conversations",
     "ConversationItemDelete"),
    ("0.7", "POST", "/v1/embeddings", "embeddings", "EmbeddingCreate"),
    ("0.7", "GET", "/v1/files", "files", "FileList"),
    ("0.7", "POST", "/v1/files", "files", "FileCreate"),
    ("0.7", "GET", "/v1/files/{file_id}", "files", "FileRetrieve"),
    ("0.7", "DELETE", "/v1/files/{file_id}", "files", "FileDelete"),
    ("0.7", "GET", "/v1/files/{file_id}/content", "files", "FileContentRetrieve"),
    ("0.7", "GET", "/v1/health", "inspect", "HealthRetrieve"),
    ("0.7", "GET", "/v1/inspect/routes", "inspect", "RouteList"),
    ("0.7", "GET", "/v1/version", "inspect", "VersionRetrieve"),
    ("0.7", "GET", "/v1/models", "models", "ModelList"),
    ("0.7", "GET", "/v1/models/{model_id}", "models", "ModelRetrieve"),
    ("0.7", "POST", "/v1/moderations", "moderations", "ModerationCreate"),
    ("0.7", "GET", "/v1/prompts", "prompts", "PromptList"),
    ("0.7", "POST", "/v1/prompts", "prompts", "PromptCreate"),
    ("0.7", "GET", "/v1/prompts/{prompt_id}", "prompts", "PromptRetrieve"),
    ("0.7", "PUT", "/v1/prompts/{prompt_id}", "prompts", "PromptUpdate"),
    ("0.7", "DELETE", "/v1/prompts/{prompt_id}", "prompts", "PromptDelete"),
    ("0.7", "PUT", "/v1/prompts/{prompt_id}/set-default-version", "prompts", "PromptSetDefaultVersion"),
    ("0.7", "GET", "/v1/prompts/{prompt_id}/versions", "prompts", "PromptVersionList"),
    ("0.7", "GET", "/v1/providers", "providers", "ProviderList"),
    ("0.7", "GET", "/v1/providers/{provider_id}", "providers", "ProviderRetrieve"),
    ("0.7", "GET", "/v1/responses", "responses", "ResponseList"),
    ("0.7", "POST", "/v1/responses", "responses", "ResponseCreate"),
    ("0.7", "GET", "/v1/responses/{response_id}", "responses", "ResponseRetrieve"),
    ("0.7", "DELETE", "/v1/responses/{response_id}", "responses", "ResponseDelete"),
    ("0.7", "GET", "/v1/responses/{response_id}/input_items", "responses", "ResponseInputItemList"),
    ("0.7", "POST", "/v1/responses/{response_id}/cancel", "responses", "ResponseCancel"),
    ("0.7", "POST", "/v1/safety/run-shield", "safety", "ShieldRun"),
    ("0.7", "GET", "/v1/scoring-functions", "scoring_functions", "ScoringFunctionList"),
    ("0.7", "POST", "/v1/scoring-functions", "scoring_functions", "ScoringFunctionRegister"),
    ("0.7", "GET", "/v1/scoring-functions/{scoring_fn_id}", "scoring_functions", "ScoringFunctionRetrieve"),
    ("0.7", "DELETE", "/v1/scoring-functions/{scoring_fn_id}", "scoring_functions",
     "ScoringFunctionUnregister"),
    ("0.7", "POST", "/v1/scoring/score", "scoring", "ScoringScore"),
    ("0.7", "POST", "/v1/scoring/score-batch", "scoring", "ScoringScoreBatch"),
    ("0.7", "GET", "/v1/shields", "shields", "ShieldList"),
    ("0.7", "POST", "/v1/shields", "shields", "ShieldRegister"),
    ("0.7", "GET", "/v1/shields/{identifier}", "shields", "ShieldRetrieve"),
    ("0.7", "DELETE", "/v1/shields/{identifier}", "shields", "ShieldUnregister"),
    ("0.7", "GET", "/v1/tools", "tools", "ToolList"),
    ("0.7", "POST", "/v1/vector-io/insert", "vector_io", "VectorIOInsert"),
    ("0.7", "POST", "/v1/vector-io/query", "vector_io", "VectorIOQuery"),
    ("0.7", "GET", "/v1/vector_stores", "vector_stores", "VectorStoreList"),
    ("0.7", "POST", "/v1/vector_stores", "vector_stores", "VectorStoreCreate"),
    ("0.7", "GET", "/v1/vector_stores/{vector_store_id}", "vector_stores", "VectorStoreRetrieve"),
    ("0.7", "POST", "/v1/vector_stores/{vector_store_id}", "vector_stores", "VectorStoreUpdate"),
    ("0.7", "DELETE", "/v1/vector_stores/{vector_store_id}", "vector_stores", "VectorStoreDelete"),
    ("0.7", "POST", "/v1/vector_stores/{vector_store_id}/search", "vector_stores", "VectorStoreSearch"),
    ("0.7", "GET", "/v1/vector_stores/{vector_store_id}/files", "vector_stores", "VectorStoreFileList"),
    ("0.7", "POST", "/v1/vector_stores/{vector_store_id}/files", "vector_stores", "VectorStoreFileCreate"),
    ("0.7", "GET", "/v1/vector_stores/{vector_store_id}/files/{file_id}", "vector_stores",
     "VectorStoreFileRetrieve"),
    ("0.7", "POST", "/v1/vector_stores/{vector_store_id}/files/{file_id}", "vector_stores",
     "VectorStoreFileUpdate"),
    ("0.7", "DELETE", "/v1/vector_stores/{vector_store_id}/files/{file_id}", "vector_stores",
     "VectorStoreFileDelete"),
    ("0.7", "GET", "/v1/vector_stores/{vector_store_id}/files/{file_id}/content", "vector_stores",
     "VectorStoreFileContentRetrieve"),
    ("0.7", "POST", "/v1/vector_stores/{vector_store_id}/file_batches", "vector_stores",
     "VectorStoreFileBatchCreate"),
    ("0.7", "GET", "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}", "vector_stores",
     "VectorStoreFileBatchRetrieve"),
    ("0.7", "POST", "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/cancel", "vector_stores",
     "VectorStoreFileBatchCancel"),
    ("0.7", "GET", "/v1/vector_stores/{vector_store_id}/file_batches/{batch_id}/files", "vector_stores",
     "VectorStoreFileBatchFileList"),
    ("0.7", "GET", "/v1beta/datasets", "datasets", "DatasetList"),
    ("0.7", "POST", "/v1beta/datasets", "datasets", "DatasetRegister"),
    ("0.7", "GET", "/v1beta/datasets/{dataset_id}", "datasets", "DatasetRetrieve"),
    ("0.7", "DELETE", "/v1beta/datasets/{dataset_id}", "datasets", "DatasetUnregister"),
    ("0.7", "POST", "/v1beta/datasetio/append-rows/{dataset_id}", "datasets", "DatasetRowAppend"),
    ("0.7", "GET", "/v1beta/datasetio/iterrows/{dataset_id}", "datasets", "DatasetRowList"),
    ("0.7", "GET", "/v1beta/connectors", "connectors", "ConnectorList"),
    ("0.7", "GET", "/v1beta/connectors/{connector_id}", "connectors", "ConnectorRetrieve"),
    ("0.7", "GET", "/v1beta/connectors/{connector_id}/tools", "connectors", "ConnectorToolList"),
    ("0.7", "GET", "/v1beta/connectors/{connector_id}/tools/{tool_name}", "connectors",
     "ConnectorToolRetrieve"),
    ("0.7", "GET", "/v1alpha/eval/benchmarks", "benchmarks", "BenchmarkList"),
    ("0.7", "POST", "/v1alpha/eval/benchmarks", "benchmarks", "BenchmarkRegister"),
    ("0.7", "GET", "/v1alpha/eval/benchmarks/{benchmark_id}", "benchmarks", "BenchmarkRetrieve"),
    ("0.7", "DELETE", "/v1alpha/eval/benchmarks/{benchmark_id}", "benchmarks", "BenchmarkUnregister"),
    ("0.7", "POST", "/v1alpha/eval/benchmarks/{benchmark_id}/evaluations", "eval", "EvalRowsEvaluate"),
    ("0.7", "POST", "/v1alpha/eval/benchmarks/{benchmark_id}/jobs", "eval", "EvalJobRun"),
    ("0.7", "GET", "/v1alpha/eval/benchmarks/{benchmark_id}/jobs/{job_id}", "eval", "EvalJobRetrieve"),
    ("0.7", "DELETE", "/v1alpha/eval/benchmarks/{benchmark_id}/jobs/{job_id}", "eval", "EvalJobCancel"),
    ("0.7", "GET", "/v1alpha/eval/benchmarks/{benchmark_id}/jobs/{job_id}/result", "eval",
     "EvalJobResultRetrieve"),
    ("0.7", "POST", "/v1alpha/inference/rerank", "rerank", "RerankCreate"),
    ("0.7", "GET", "/v1alpha/admin/providers", "admin", "AdminProviderList"),
    ("0.7", "GET", "/v1alpha/admin/providers/{provider_id}", "admin", "AdminProviderRetrieve"),
    ("0.7", "GET", "/v1alpha/admin/inspect/routes", "admin", "AdminRouteList"),
    ("0.7", "GET", "/v1alpha/admin/health", "admin", "AdminHealthRetrieve"),
    ("0.7", "GET", "/v1alpha/admin/version", "admin", "AdminVersionRetrieve"),
    ("0.7", "POST", "/v1alpha/file-processors/process", "file_processors", "FileProcess"),
    ("0.2", "GET", "/v1/agents", "agents", "AgentList"),
    ("0.2", "POST", "/v1/agents", "agents", "AgentCreate"),
    ("0.2", "GET", "/v1/agents/{agent_id}", "agents", "AgentRetrieve"),
    ("0.2", "DELETE", "/v1/agents/{agent_id}", "agents", "AgentDelete"),
    ("0.2", "POST", "/v1/agents/{agent_id}/session", "agents", "SessionCreate"),
    ("0.2", "GET", "/v1/agents/{agent_id}/sessions", "agents", "SessionList"),
    ("0.2", "GET", "/v1/agents/{agent_id}/session/{session_id}", "agents", "SessionRetrieve"),
    ("0.2", "DELETE", "/v1/agents/{agent_id}/session/{session_id}", "agents", "SessionDelete"),
    ("0.2", "POST", "/v1/agents/{agent_id}/session/{session_id}/turn", "agents", "TurnCreate"),
    ("0.2", "GET", "/v1/agents/{agent_id}/session/{session_id}/turn/{turn_id}", "agents", "TurnRetrieve"),
    ("0.2", "POST", "/v1/agents/{agent_id}/session/{session_id}/turn/{turn_id}/resume", "agents",
     "TurnResume"),
    ("0.2", "GET", "/v1/agents/{agent_id}/session/{session_id}/turn/{turn_id}/step/{step_id}", "agents",
     "StepRetrieve"),
]

# Which module a model shared by several groups lives in: the first of its groups in this order,
# so a module only imports from modules listed before it (no import cycles).
GROUPS = [
    "common", "chat", "completions", "embeddings", "models", "files", "batches", "responses",
    "conversations", "moderations", "safety", "shields", "tools", "connectors", "vector_io",
    "vector_stores", "file_processors", "prompts", "providers", "inspect", "admin", "scoring_functions",
    "scoring", "datasets", "benchmarks", "eval", "rerank", "agents",
]
# Models used by this many groups or more go to models/common.py.
COMMON_THRESHOLD = 3

GROUP_TITLES = {
    "common": "shared", "chat": "Chat Completions", "completions": "Completions",
    "embeddings": "Embeddings", "models": "Models", "files": "Files", "batches": "Batches",
    "responses": "Responses", "conversations": "Conversations", "moderations": "Moderations",
    "safety": "Safety", "shields": "Shields", "tools": "Tools", "connectors": "Connectors (v1beta)",
    "vector_io": "Vector IO", "vector_stores": "Vector Stores",
    "file_processors": "File Processors (v1alpha)", "prompts": "Prompts", "providers": "Providers",
    "inspect": "Inspect", "admin": "Admin (v1alpha)", "scoring_functions": "Scoring Functions",
    "scoring": "Scoring", "datasets": "Datasets and DatasetIO (v1beta)",
    "benchmarks": "Benchmarks (v1alpha)", "eval": "Eval (v1alpha)", "rerank": "Rerank (v1alpha)",
    "agents": "Agents (Llama Stack 0.2)",
}

# Agents (0.2) schemas whose name a 0.7 model already has. SHARED_WITH_0_7: the 0.7 model carries
# every property of the 0.2 schema, so both lines use it. RENAMES: different shapes under one name;
# the 0.2 schema gets its own model.
SHARED_WITH_0_7 = {
    "GreedySamplingStrategy", "ImageContentItem", "ImageDelta", "InterleavedContent",
    "InterleavedContentItem", "JsonSchemaResponseFormat", "GrammarResponseFormat", "PaginatedResponse",
    "ResponseFormat", "SafetyViolation", "SamplingParams", "SamplingStrategy", "TextContentItem",
    "TextDelta", "ToolResponseMessage", "TopKSamplingStrategy", "TopPSamplingStrategy", "URL",
    "UserMessage", "ViolationLevel",
}
RENAMES = {
    ("0.7", "ConversationItemList"): "ConversationItemListResponse",  # the spec is ConversationItemList
    ("0.7", "_URLOrData"): "URLOrData",
    ("0.7", "Model"): "RegisteredModel",  # Model is the base class of every model
    ("0.2", "ToolDef"): "AgentToolDef",  # 0.2 tool definitions list parameters; 0.7 has input_schema
}

# Inline unions and objects are named after where they first appear (model + field); better names:
INLINE_NAMES = {
    "TurnInputMessages": "TurnMessage",
    "TurnSteps": "Step",
    "OpenAIChatCompletionResponseMessageToolCalls": "ChatCompletionToolCall",
    "OpenAIResponseInputToolChoice": "OpenAIResponseInputToolChoiceObject",
    "RerankCreateQuery": "RerankQueryPart",
}

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
# Spec name -> response type written out, where the document's type is wrong on the wire.
# Request parameters the server reads from elsewhere than the document says, by
# (line, method, path, parameter) -> location. 0.2.24 declares SessionRetrieve's
# `turn_ids: list[str] | None` without Query(), so FastAPI reads it as the whole JSON body
# of the GET (a bare array) and ignores the query string the document names.
ERRATA_LOCATIONS = {
    ("0.2", "GET", "/v1/agents/{agent_id}/session/{session_id}", "turn_ids"): "json",
}

RESPONSE_OVERRIDES = {
    "TurnRetrieve": "Optional[Turn]",  # 0.2 answers an unknown turn id with 200 and the body null
    "BenchmarkRegister": "None",  # documented 204; 0.7.3 answers 200 with the body null
    "FileContentRetrieve": "bytes",  # documented as a JSON string; the server sends the raw file
}
# 0.7 operations that the 0.2 document declares with the same request and response shapes (the
# contract test checks each against both documents): these specs serve both lines.
ALSO_SERVED_BY_0_2 = {
    "HealthRetrieve", "VersionRetrieve", "ProviderList", "ProviderRetrieve", "PromptList", "PromptCreate",
    "PromptRetrieve", "PromptDelete", "PromptVersionList", "ScoringFunctionRegister",
    "ScoringFunctionUnregister", "ScoringScore", "ShieldList", "ShieldRegister", "ShieldRetrieve",
    "ShieldUnregister", "BenchmarkList", "BenchmarkRegister", "BenchmarkRetrieve", "BenchmarkUnregister",
    "EvalRowsEvaluate", "EvalJobRun", "EvalJobRetrieve", "EvalJobCancel", "EvalJobResultRetrieve",
}
# Specs whose operation the server only serves streamed (0.2.24 raises NotImplementedError otherwise).
STREAM_ONLY = {"TurnCreate", "TurnResume"}

# Names a field cannot have: they shadow a name the generated class body or the base classes use.
MODEL_RESERVED = {
    "schema", "json", "to_dict", "to_json", "from_dict", "from_json", "model_extra",
    "dataclass_json_config", "field", "union_field", "wire_name", "list", "dict", "str", "int",
    "float", "bool", "Any", "Literal", "Optional", "Union",
}
SPEC_RESERVED = {
    "method", "path", "stream_chunk", "paging", "server_lines", "stream_only", "field", "list", "dict",
    "str", "int", "float", "bool", "Any", "Literal", "Optional", "Union", "ClassVar",
}


class GeneratorError(Exception):
    pass


# --- type expressions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class T:
    """A Python type: prim (str/int/float/bool), any, none, literal, binary, ref (a definition),
    list, dict, union (arms told apart by JSON kind), optional."""

    kind: str
    name: str = ""
    values: tuple[Any, ...] = ()
    args: tuple[T, ...] = ()


ANY = T("any")
NONE = T("none")
STR = T("prim", "str")


def optional(t: T) -> T:
    if t.kind in ("optional", "any", "none"):
        return t
    return T("optional", args=(t,))


def strip_optional(t: T) -> tuple[T, bool]:
    if t.kind == "optional":
        return t.args[0], True
    return t, t.kind in ("any", "none")


# --- definitions ---------------------------------------------------------------------------------


@dataclass
class FieldDef:
    attr: str
    wire: str
    type: T
    required: bool
    default: str | None = None  # a Python expression, or None for no default
    factory: str | None = None  # "list" / "dict"
    schema_default: Any = None


@dataclass
class Definition:
    name: str
    kind: str  # "model", "tagged", "alias", "enum"
    line: str
    doc: str = ""
    fields: list[FieldDef] = field(default_factory=list)
    tag: str = ""
    arms: list[str] = field(default_factory=list)  # tagged: arm model names
    type: T | None = None  # alias: the aliased type; enum: the literal
    deps: set[str] = field(default_factory=set)
    module: str = ""


@dataclass
class SpecField:
    attr: str
    wire: str
    type: str  # rendered
    location: str  # path, query, body, file
    required: bool


@dataclass
class SpecDef:
    name: str
    group: str
    line: str
    method: str
    path: str
    doc: str
    fields: list[SpecField]
    response: str
    chunk: str | None
    paging: str | None
    stream_only: bool
    deps: set[str]


def camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", text) if part)


def upper_snake(name: str) -> str:
    name = name.replace("OpenAI", "Openai")
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z0-9]|$)|[A-Z]?[a-z0-9]+|[A-Z]+", name)
    return "_".join(word.upper() for word in words)


def short_doc(text: str | None, fallback: str = "") -> str:
    """The first sentence of an OpenAPI description, on one line."""
    text = (text or "").strip()
    if not text:
        return fallback
    first = re.split(r"\n\s*\n|\n:|\n\s*-", text)[0]
    first = " ".join(first.split())
    match = re.match(r"(.+?[.!?])(\s|$)", first)
    sentence = match.group(1) if match else first
    if not sentence.endswith((".", "!", "?")):
        sentence += "."
    return sentence[0].upper() + sentence[1:]


def structure(schema: Any) -> str:
    """A fingerprint of a schema without its prose, to recognise an inline copy of a named one."""

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items()
                    if k not in ("description", "title", "examples", "example", "deprecated")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        if isinstance(node, str):
            return re.sub(r"-(Input|Output)$", "", node)
        return node

    return json.dumps(strip(schema), sort_keys=True)


# --- reading the documents -----------------------------------------------------------------------


class Builder:
    """Turns the operations of the documents into definitions and specs."""

    def __init__(self, documents: dict[str, Any]) -> None:
        self.documents = documents
        self.defs: dict[str, Definition] = {}
        self.by_schema: dict[tuple[str, str], str] = {}  # (line, schema name) -> definition name
        self.by_structure: dict[tuple[str, str], str] = {}  # (line, fingerprint + title) -> inline model
        self.tagged_by_arms: dict[tuple[str, frozenset[str]], str] = {}
        self.specs: list[SpecDef] = []
        self._named_unions: dict[str, dict[tuple[str, frozenset[str]], str]] = {}
        self.tag_values: dict[tuple[str, str], set[str]] = {}  # (model, tag) -> values

    # schemas ------------------------------------------------------------------------------------

    def schema(self, line: str, name: str) -> dict[str, Any]:
        schemas: dict[str, dict[str, Any]] = self.documents[line]["components"]["schemas"]
        base = re.sub(r"-(Input|Output)$", "", name)
        return schemas[base] if base in schemas else schemas[name]

    def resolve(self, line: str, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.schema(line, node["$ref"].rsplit("/", 1)[-1])
        return node

    def definition_for(self, line: str, schema_name: str) -> str:
        """The definition of a named schema, building it on first use."""
        schema_name = re.sub(r"-(Input|Output)$", "", schema_name)
        key = (line, schema_name)
        if key in self.by_schema:
            return self.by_schema[key]
        if line == "0.2" and schema_name in SHARED_WITH_0_7:
            name = self.definition_for("0.7", schema_name)
            self.by_schema[key] = name
            return name
        name = RENAMES.get(key, schema_name)
        if name in self.defs or not name.isidentifier():
            raise GeneratorError(f"{line} schema {schema_name!r} needs an entry in RENAMES "
                                 f"({name!r} is taken or not an identifier)")
        self.by_schema[key] = name
        schema = self.schema(line, schema_name)
        self.build_named(line, name, schema)
        return name

    def build_named(self, line: str, name: str, schema: dict[str, Any]) -> None:
        kind = schema_kind(schema)
        doc = short_doc(schema.get("description"))
        if kind == "model":
            self.build_model(line, name, schema, doc)
        elif kind == "enum":
            self.defs[name] = Definition(name, "enum", line, doc, type=literal_of(schema))
        elif "discriminator" in schema:
            t = self.tagged(line, schema, name, preferred=name)
            if t.name != name:  # the same union is known under another name
                self.defs[name] = Definition(name, "alias", line, doc, type=t, deps={t.name})
            else:
                self.defs[name].doc = doc
        else:
            placeholder = Definition(name, "alias", line, doc)
            self.defs[name] = placeholder
            key = "oneOf" if "oneOf" in schema else "anyOf"
            arms = [arm for arm in schema[key] if arm.get("type") != "null"]
            t = self.union(line, [self.type_of(line, arm, name) for arm in arms], name)
            if len(arms) < len(schema[key]):
                t = optional(t)
            placeholder.type = t
            placeholder.deps = refs(t)

    def unique(self, name: str) -> str:
        """A name for an inline definition that no definition or named schema has."""
        name = INLINE_NAMES.get(name, name)
        candidate, n = name, 1
        while candidate in self.defs or any(self.schema_exists(ln, candidate) for ln in self.documents):
            n += 1
            candidate = f"{name}{n}"
        return candidate

    def build_model(self, line: str, name: str, schema: dict[str, Any], doc: str) -> None:
        definition = Definition(name, "model", line, doc)
        self.defs[name] = definition
        required = set(schema.get("required", []))
        schema_name = next((s for (ln, s), n in self.by_schema.items() if n == name and ln == line), name)
        taken: set[str] = set()
        for wire, prop in (schema.get("properties") or {}).items():
            context = name + camel(wire)
            t = self.type_of(line, prop, context)
            nullable = (schema_name, wire) in ERRATA_NULLABLE
            const = const_of(prop)
            attr = python_name(wire, MODEL_RESERVED | set(self.defs))
            if attr in taken:
                raise GeneratorError(f"{name}: two properties become {attr!r}")
            taken.add(attr)
            default = prop.get("default")
            if const is not None:
                fd = FieldDef(attr, wire, T("literal", values=(const,)), False, default=json.dumps(const))
            elif wire in required and not nullable and not is_nullable(prop) and t.kind not in ("optional",):
                fd = FieldDef(attr, wire, t, True)
            elif isinstance(default, list) and not default and strip_optional(t)[0].kind == "list":
                fd = FieldDef(attr, wire, t, False, factory="list")
            elif isinstance(default, dict) and not default and strip_optional(t)[0].kind == "dict":
                fd = FieldDef(attr, wire, t, False, factory="dict")
            else:
                fd = FieldDef(attr, wire, optional(t), False, default="None")
            fd.schema_default = default
            definition.fields.append(fd)
            definition.deps |= refs(fd.type)

    # types --------------------------------------------------------------------------------------

    def type_of(self, line: str, node: dict[str, Any], context: str) -> T:
        """The Python type of a schema node; inline objects and unions are named after context."""
        if "$ref" in node:
            target = node["$ref"].rsplit("/", 1)[-1]
            resolved = self.schema(line, target)
            if schema_kind(resolved) == "free":
                t = dict_of(self, line, resolved, context)
            else:
                t = T("ref", self.definition_for(line, target))
            return optional(t) if node.get("nullable") else t
        if "allOf" in node and len(node["allOf"]) == 1:
            return self.type_of(line, {**node["allOf"][0], **{k: v for k, v in node.items() if k != "allOf"}},
                                context)
        for key in ("oneOf", "anyOf"):
            if key in node:
                arms = [arm for arm in node[key] if arm.get("type") != "null"]
                nullable = len(arms) < len(node[key]) or bool(node.get("nullable"))
                if "discriminator" in node:
                    t = self.tagged(line, node, context)
                else:
                    named = self.named_with_structure(line, structure({key: arms}), "union")
                    if named:  # an inline copy of a named union
                        t = T("ref", self.definition_for(line, named))
                    else:
                        t = self.union(line, [self.type_of(line, arm, context) for arm in arms], context)
                return optional(t) if nullable else t
        const = const_of(node)
        if const is not None:
            t = T("literal", values=(const,))
        elif "enum" in node:
            t = literal_of(node)
        else:
            kind = node.get("type")
            if isinstance(kind, list):
                kinds = [k for k in kind if k != "null"]
                t = self.type_of(line, {**node, "type": kinds[0] if len(kinds) == 1 else None}, context)
                return optional(t) if "null" in kind else t
            if kind == "string":
                t = T("binary") if node.get("format") == "binary" else STR
            elif kind == "integer":
                t = T("prim", "int")
            elif kind == "number":
                t = T("prim", "float")
            elif kind == "boolean":
                t = T("prim", "bool")
            elif kind == "null":
                t = NONE
            elif kind == "array":
                items = node.get("items") or {}
                t = T("list", args=(self.type_of(line, items, context) if items else ANY,))
            elif kind == "object" or "properties" in node:
                if node.get("properties"):
                    t = T("ref", self.inline_model(line, node, context))
                else:
                    t = dict_of(self, line, node, context)
            else:
                t = ANY
        return optional(t) if node.get("nullable") else t

    def inline_model(self, line: str, node: dict[str, Any], context: str) -> str:
        fp = structure(node)
        # Two inline objects of one shape but different titles (0.2's Attachment and Document)
        # stay two classes.
        known = self.by_structure.get((line, fp + str(node.get("title", ""))))
        if known:
            return known
        named = self.named_with_structure(line, fp)
        if named:
            return self.definition_for(line, named)
        title = node.get("title")
        name = title if isinstance(title, str) and title.isidentifier() and title[0].isupper() else context
        if name in self.defs or any(self.schema_exists(ln, name) for ln in self.documents):
            name = self.unique(context)
        self.by_structure[(line, fp + str(node.get("title", "")))] = name
        self.build_model(line, name, node, short_doc(node.get("description")))
        return name

    def schema_exists(self, line: str, name: str) -> bool:
        return name in self.documents[line]["components"]["schemas"]

    def named_with_structure(self, line: str, fp: str, kind: str = "model") -> str | None:
        for name, schema in self.documents[line]["components"]["schemas"].items():
            if schema_kind(schema) != kind or "discriminator" in schema:
                continue
            if kind == "union":
                key = "oneOf" if "oneOf" in schema else "anyOf"
                schema = {key: [arm for arm in schema[key] if arm.get("type") != "null"]}
            if structure(schema) == fp:
                return str(name)
        return None

    def tagged(self, line: str, node: dict[str, Any], context: str, preferred: str | None = None) -> T:
        tag = node["discriminator"]["propertyName"]
        if preferred is None:
            named = self.named_unions(line).get(union_key(node))
            if named:
                return T("ref", self.definition_for(line, named))
        mapping = node["discriminator"].get("mapping") or {}
        arms: list[str] = []
        for arm in node.get("oneOf") or node.get("anyOf") or []:
            t = self.type_of(line, arm, context)
            if t.kind != "ref" or self.defs[t.name].kind != "model":
                raise GeneratorError(f"{context}: discriminated union arm {arm} is not a model")
            if t.name not in arms:
                arms.append(t.name)
        values: dict[str, set[str]] = {arm: set() for arm in arms}
        for value, ref in mapping.items():
            target = self.definition_for(line, ref.rsplit("/", 1)[-1])
            values.setdefault(target, set()).add(value)
        for arm, tag_values in values.items():
            self.set_tag(arm, tag, tag_values)
        return T("ref", self.tagged_union(line, tag, arms, preferred or self.unique(context)))

    def named_unions(self, line: str) -> dict[tuple[str, frozenset[str]], str]:
        """The document's named discriminated unions by (tag, arm schema names)."""
        cache = self._named_unions.get(line)
        if cache is None:
            cache = {}
            for name, schema in self.documents[line]["components"]["schemas"].items():
                if "discriminator" in schema:
                    cache.setdefault(union_key(schema), name)
            self._named_unions[line] = cache
        return cache

    def set_tag(self, model: str, tag: str, values: set[str]) -> None:
        """Make the tag field of a union arm a Literal of the values that select it."""
        definition = self.defs[model]
        fd = next((f for f in definition.fields if f.wire == tag), None)
        if fd is None:
            raise GeneratorError(f"{model} has no tag field {tag!r}")
        base, _ = strip_optional(fd.type)
        known = set(base.values) if base.kind == "literal" else set()
        if values and not values <= known:
            if len(known) == 1:
                raise GeneratorError(f"{model}.{tag} is {known} but a union selects it by {values}")
            merged = self.tag_values.setdefault((model, tag), set()) | values
            self.tag_values[(model, tag)] = merged
            base = T("literal", values=tuple(sorted(merged)))
        if base.kind != "literal":
            raise GeneratorError(f"{model}.{tag}: a union tag needs constant values")
        # A tag is never null, and defaults to its only value (or the schema's default).
        default = base.values[0] if len(base.values) == 1 else fd.schema_default
        fd.type = base
        fd.required = default not in base.values
        fd.default = None if fd.required else json.dumps(default)

    def tagged_union(self, line: str, tag: str, arms: list[str], name: str) -> str:
        key = (tag, frozenset(arms))
        existing = self.tagged_by_arms.get(key)
        if existing:
            return existing
        self.tagged_by_arms[key] = name
        self.defs[name] = Definition(name, "tagged", line, tag=tag, arms=list(arms), deps=set(arms))
        return name

    def union(self, line: str, arms: list[T], context: str) -> T:
        """An untagged union: arms must take different JSON kinds; object arms that each carry a
        constant tag become a TaggedUnion, other overlaps are widened."""
        flat: list[T] = []
        for arm in arms:
            arm, _ = strip_optional(arm) if arm.kind == "optional" else (arm, False)
            if arm.kind == "union":
                flat.extend(arm.args)
            elif arm not in flat:
                flat.append(arm)
        if any(arm.kind == "any" for arm in flat):
            return ANY
        by_kind: dict[str, list[T]] = {}
        for arm in flat:
            by_kind.setdefault(json_kind(self, arm), []).append(arm)
        if {"array", "object"} <= set(by_kind) and len(by_kind) >= 4:
            return ANY  # "any JSON value", spelled out kind by kind
        result: list[T] = []
        for kind, group in by_kind.items():
            if len(group) == 1:
                result.append(group[0])
            elif kind == "string":
                if all(arm.kind == "literal" for arm in group):
                    result.append(T("literal", values=tuple(v for arm in group for v in arm.values)))
                else:
                    result.append(STR)
            elif kind == "number":
                result.extend(group)  # int | float: the decoder keeps JSON integers as int
            elif kind == "array":  # list[A] | list[B] is read as list[A | B]
                items = self.union(line, [arm.args[0] for arm in group], context)
                result.append(T("list", args=(items,)))
            elif kind == "object":
                result.append(self.object_arms(line, group, context))
            else:
                raise GeneratorError(f"{context}: cannot merge union arms {group}")
        if len(result) == 1:
            return result[0]
        return T("union", args=tuple(result))

    def object_arms(self, line: str, group: list[T], context: str) -> T:
        models: list[str] = []
        for arm in group:
            if arm.kind != "ref":
                return T("dict", args=(ANY,))
            definition = self.defs[arm.name]
            if definition.kind == "tagged":
                models.extend(a for a in definition.arms if a not in models)
            elif definition.kind == "model":
                if arm.name not in models:
                    models.append(arm.name)
            else:
                return T("dict", args=(ANY,))
        tag = common_tag(self, models)
        if tag is None:
            return T("dict", args=(ANY,))
        return T("ref", self.tagged_union(line, tag, models, self.unique(context)))

    # operations ---------------------------------------------------------------------------------

    def operation(self, line: str, method: str, path: str, group: str, name: str) -> None:
        document = self.documents[line]
        try:
            op = document["paths"][path][method.lower()]
        except KeyError:
            raise GeneratorError(f"{method} {path} is not in the {line} document") from None
        path_names = re.findall(r"\{([A-Za-z_][A-Za-z0-9_]*)\}", path)
        fields: list[SpecField] = []
        deps: set[str] = set()
        taken = set()

        def add(wire: str, t: T, location: str, required: bool) -> None:
            attr = python_name(wire, SPEC_RESERVED)
            if attr in taken:
                raise GeneratorError(f"{name}: two fields become {attr!r}")
            taken.add(attr)
            deps.update(refs(t))
            rendered = render(self, t, request=True)
            if not required:
                rendered = render(self, optional(t), request=True)
            fields.append(SpecField(attr, wire, rendered, location, required))

        for param_name in path_names:
            fields.append(SpecField(param_name, param_name, "str", "path", True))
            taken.add(param_name)
        params = {p["name"]: p for p in op.get("parameters", []) if p.get("in") != "path"}
        for param in params.values():
            if param["in"] not in ("query", "header"):
                raise GeneratorError(f"{name}: parameter location {param['in']!r}")
            t = self.type_of(line, param.get("schema", {}), name + camel(param["name"]))
            location = ERRATA_LOCATIONS.get((line, method, path, param["name"]), param["in"])
            add(param["name"], t, location, bool(param.get("required")))
        body = op.get("requestBody")
        if body:
            content = body["content"]
            media = "multipart/form-data" if "multipart/form-data" in content else "application/json"
            schema = self.resolve(line, content[media]["schema"])
            required = set(schema.get("required", []))
            for wire, prop in (schema.get("properties") or {}).items():
                t = self.type_of(line, prop, name + camel(wire))
                base, _ = strip_optional(t)
                if base.kind == "binary":
                    add(wire, base, "file", wire in required)
                    continue
                add(wire, t, "body", wire in required and not is_nullable(prop))
        response_type, chunk = self.responses(line, op, name)
        deps.update(refs(response_type))
        response = RESPONSE_OVERRIDES.get(name) or render(self, response_type)
        chunk_text = None
        if chunk is not None:
            deps.update(refs(chunk))
            chunk_text = render(self, chunk)
        query = {f.wire for f in fields if f.location == "query"}
        paging = None
        if {"after", "limit"} <= query:
            paging = "CursorPaging()"
        elif {"start_index", "limit"} <= query:
            paging = "IndexPaging()"
        doc = short_doc(op.get("summary") or op.get("description"), name + ".")
        if op.get("deprecated"):
            doc = doc[:-1] + " (deprecated upstream)."
        self.specs.append(SpecDef(name, group, line, method, path, doc, fields, response, chunk_text, paging,
                                  name in STREAM_ONLY, deps))

    def responses(self, line: str, op: dict[str, Any], name: str) -> tuple[T, T | None]:
        response: T = NONE
        chunk: T | None = None
        for status, answer in op.get("responses", {}).items():
            if not status.startswith("2"):
                continue
            for media, content in (answer.get("content") or {}).items():
                schema = content.get("schema", {})
                if media == "text/event-stream":
                    chunk = self.type_of(line, schema, name + "Chunk")
                elif media == "application/json":
                    response = self.type_of(line, schema, name + "Response")
        return response, chunk


def schema_kind(schema: dict[str, Any]) -> str:
    if "oneOf" in schema or "anyOf" in schema:
        return "union"
    if "enum" in schema and schema.get("type", "string") == "string":
        return "enum"
    if schema.get("properties"):
        return "model"
    if schema.get("type") == "object" or "additionalProperties" in schema:
        return "free"
    return "other"


def const_of(node: dict[str, Any]) -> Any:
    if "const" in node:
        return node["const"]
    enum = node.get("enum")
    if isinstance(enum, list) and len(enum) == 1:
        return enum[0]
    return None


def union_key(node: dict[str, Any]) -> tuple[str, frozenset[str]]:
    arms = node.get("oneOf") or node.get("anyOf") or []
    names = {re.sub(r"-(Input|Output)$", "", arm.get("$ref", "").rsplit("/", 1)[-1]) for arm in arms}
    return node["discriminator"]["propertyName"], frozenset(names)


def literal_of(node: dict[str, Any]) -> T:
    return T("literal", values=tuple(node["enum"]))


def is_nullable(node: dict[str, Any]) -> bool:
    if node.get("nullable"):
        return True
    for key in ("anyOf", "oneOf"):
        if any(arm.get("type") == "null" for arm in node.get(key, [])):
            return True
    kind = node.get("type")
    return isinstance(kind, list) and "null" in kind


def dict_of(builder: Builder, line: str, node: dict[str, Any], context: str) -> T:
    extra = node.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        return T("dict", args=(builder.type_of(line, extra, context),))
    return T("dict", args=(ANY,))


def python_name(wire: str, reserved: set[str]) -> str:
    name = re.sub(r"\W", "_", wire)
    if not name.isidentifier() or keyword.iskeyword(name) or name in reserved:
        name += "_"
    return name


def json_kind(builder: Builder, t: T) -> str:
    if t.kind == "prim":
        return {"str": "string", "int": "number", "float": "number", "bool": "boolean"}[t.name]
    if t.kind == "literal":
        return "string" if isinstance(t.values[0], str) else "number"
    if t.kind == "list":
        return "array"
    if t.kind == "dict":
        return "object"
    if t.kind == "binary":
        return "string"
    if t.kind == "none":
        return "null"
    if t.kind == "ref":
        definition = builder.defs[t.name]
        if definition.kind in ("model", "tagged"):
            return "object"
        if definition.kind == "enum":
            return "string"
        if definition.type is None:
            raise GeneratorError(f"{t.name} refers to itself through a union")
        return json_kind(builder, definition.type)
    if t.kind == "union":
        return "mixed"
    return "any"


def common_tag(builder: Builder, models: list[str]) -> str | None:
    """A property every model declares as a distinct constant: the union's tag."""
    candidates: set[str] | None = None
    for model in models:
        consts = {f.wire for f in builder.defs[model].fields
                  if f.type.kind == "literal" and f.default is not None}
        candidates = consts if candidates is None else candidates & consts
    for tag in sorted(candidates or ()):
        seen: set[Any] = set()
        for model in models:
            fd = next(f for f in builder.defs[model].fields if f.wire == tag)
            if seen & set(fd.type.values):
                break
            seen |= set(fd.type.values)
        else:
            return tag
    return None


def refs(t: Any) -> set[str]:
    if not isinstance(t, T):
        return set()
    out = {t.name} if t.kind == "ref" else set()
    for arg in t.args:
        out |= refs(arg)
    return out


def has_tagged(builder: Builder, t: T, seen: frozenset[str] = frozenset()) -> bool:
    """Whether dataclasses-json's from_dict would get the field wrong on its own: a tagged
    union (it would pick the first arm that fits), or a union with a model inside an arm
    (``Union[str, list[Part]]``: it would leave the list's objects undecoded)."""
    if t.kind == "ref":
        definition = builder.defs[t.name]
        if definition.kind == "tagged":
            return True
        if definition.kind == "alias" and t.name not in seen and definition.type is not None:
            return has_tagged(builder, definition.type, seen | {t.name})
        return False
    if t.kind == "union" and any(has_model(builder, arg) for arg in t.args):
        return True
    return any(has_tagged(builder, arg, seen) for arg in t.args)


def has_model(builder: Builder, t: T, seen: frozenset[str] = frozenset()) -> bool:
    if t.kind == "ref":
        definition = builder.defs[t.name]
        if definition.kind == "alias" and t.name not in seen and definition.type is not None:
            return has_model(builder, definition.type, seen | {t.name})
        return definition.kind != "alias"
    return any(has_model(builder, arg, seen) for arg in t.args)


def render(builder: Builder, t: T, request: bool = False) -> str:
    if t.kind == "prim":
        return t.name
    if t.kind == "any":
        return "Any"
    if t.kind == "none":
        return "None"
    if t.kind == "binary":
        return "FileInput" if request else "str"  # in JSON, binary data is a base64 string
    if t.kind == "literal":
        return "Literal[" + ", ".join(json.dumps(v) for v in t.values) + "]"
    if t.kind == "ref":
        definition = builder.defs[t.name]
        if request and definition.kind == "alias" and definition.type is not None:
            return render(builder, definition.type, request)  # so plain dicts and lists type-check
        if request and definition.kind in ("model", "tagged"):
            return f"Union[{t.name}, dict[str, Any]]"
        return t.name
    if t.kind == "list":
        # A request takes any sequence of models (list is invariant: list[UserMessage] is no
        # list[UserMessage | dict]); lists of plain values stay lists, so a str is no list[str].
        models = request and t.args[0].kind in ("ref", "union", "optional")
        return f"{'Sequence' if models else 'list'}[{render(builder, t.args[0], request)}]"
    if t.kind == "dict":
        return f"dict[str, {render(builder, t.args[0], request)}]"
    if t.kind == "optional":
        return f"Optional[{render(builder, t.args[0], request)}]"
    if t.kind == "union":
        parts: list[str] = []
        for arg in t.args:
            text = render(builder, arg, request)
            parts.extend(split_top(text[6:-1]) if text.startswith("Union[") else [text])
        return "Union[" + ", ".join(dict.fromkeys(parts)) + "]"
    raise GeneratorError(f"cannot render {t}")


def split_top(text: str) -> list[str]:
    """Split at the commas that are not inside brackets."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(text):
        if char == "[" or char == "(":
            depth += 1
        elif char == "]" or char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


# --- building everything -------------------------------------------------------------------------


def load_documents(specs: Path = SPECS, *, errata: bool = True) -> dict[str, Any]:
    """The pinned documents by server line (libyaml's loader when present: 10x faster), with
    ERRATA_SCHEMAS and ERRATA_PROPERTIES applied unless ``errata`` is false."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out = {}
    for line, name in DOCUMENTS.items():
        with open(specs / name, encoding="utf-8") as handle:
            out[line] = yaml.load(handle, Loader=loader)
    if errata:
        apply_errata(out)
    return out


def apply_errata(documents: dict[str, Any]) -> None:
    for (line, name), schema in ERRATA_SCHEMAS.items():
        schemas = documents[line]["components"]["schemas"]
        if name in schemas:
            raise GeneratorError(f"ERRATA_SCHEMAS: the {line} document already has {name}")
        schemas[name] = {"title": name, **copy.deepcopy(schema)}
    for (line, name, prop), replacement in ERRATA_PROPERTIES.items():
        properties = documents[line]["components"]["schemas"][name]["properties"]
        if prop not in properties:
            raise GeneratorError(f"ERRATA_PROPERTIES: {line} {name} has no property {prop!r}")
        original = properties[prop]
        described = {"description": original["description"]} if "description" in original else {}
        properties[prop] = {**copy.deepcopy(replacement), **described}


def build(documents: dict[str, Any]) -> Builder:
    builder = Builder(copy.deepcopy(documents))
    names = [op[4] for op in OPERATIONS]
    if len(set(names)) != len(names):
        raise GeneratorError("two operations share a spec name")
    for line, method, path, group, name in sorted(OPERATIONS, key=lambda op: op[0] != "0.7"):
        builder.operation(line, method, path, group, name)
    clash = set(names) & set(builder.defs)
    if clash:
        raise GeneratorError(f"spec and model names clash: {sorted(clash)} (add RENAMES)")
    place(builder)
    return builder


def place(builder: Builder) -> None:
    """Each definition goes to the module of the groups that use it (see GROUPS)."""
    users: dict[str, set[str]] = {name: set() for name in builder.defs}

    def visit(name: str, group: str) -> None:
        if group in users[name]:
            return
        users[name].add(group)
        for dep in sorted(builder.defs[name].deps):
            visit(dep, group)

    for spec in builder.specs:
        for dep in sorted(spec.deps):
            visit(dep, spec.group)
    rank = {group: i for i, group in enumerate(GROUPS)}
    for name, groups in users.items():
        if not groups:  # built on the way, then merged into a larger union
            del builder.defs[name]
            continue
        if len(groups) >= COMMON_THRESHOLD:
            builder.defs[name].module = "common"
        else:
            builder.defs[name].module = min(groups, key=rank.__getitem__)
    # A definition used by something in common must be in common too.
    changed = True
    while changed:
        changed = False
        for definition in builder.defs.values():
            if definition.module == "common":
                for dep in definition.deps:
                    if builder.defs[dep].module != "common":
                        builder.defs[dep].module = "common"
                        changed = True
    for definition in builder.defs.values():
        for dep in definition.deps:
            if rank[builder.defs[dep].module] > rank[definition.module]:
                raise GeneratorError(f"{definition.name} ({definition.module}) needs {dep} "
                                     f"({builder.defs[dep].module}): reorder GROUPS")


# --- emitting Python -----------------------------------------------------------------------------


def fits(text: str) -> bool:
    return len(text) <= LINE_LENGTH


def bracketed(head: str, items: list[str], tail: str, indent: str) -> list[str]:
    """``head`` + items + ``tail`` as ruff format lays it out: one line, else the items on one
    indented line, else one item per line with a trailing comma."""
    one = f"{indent}{head}{', '.join(items)}{tail}"
    if fits(one):
        return [one]
    inner = indent + "    "
    joined = inner + ", ".join(items)
    if fits(joined) and not any("\n" in i for i in items):
        return [f"{indent}{head}", joined, f"{indent}{tail.lstrip()}" if tail.strip() else indent + tail]
    lines = [f"{indent}{head}"]
    for item in items:
        lines.extend(wrap_expression(item + ",", inner))
    lines.append(f"{indent}{tail.lstrip()}")
    return lines


def wrap_expression(text: str, indent: str) -> list[str]:
    """One expression at ``indent``, split at its last top-level bracket if it is too long."""
    if fits(indent + text):
        return [indent + text]
    trailer = ""
    body = text
    if body.endswith(","):
        body, trailer = body[:-1], ","
    open_at = outer_bracket(body)
    if open_at is None:
        return [indent + text]
    head, inside, close = body[: open_at + 1], body[open_at + 1 : -1], body[-1]
    return bracketed(head, split_top(inside), close + trailer, indent)


def outer_bracket(text: str) -> int | None:
    """The index of the bracket that opens the last top-level group ending the text."""
    if not text or text[-1] not in "])":
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in "])":
            depth += 1
        elif text[i] in "[(":
            depth -= 1
            if depth == 0:
                return i
    return None


def assignment(target: str, value: str, indent: str) -> list[str]:
    """``target = value`` (or ``name: T = value``), split like ruff format when too long."""
    line = f"{indent}{target} = {value}"
    if fits(line):
        return [line]
    open_at = outer_bracket(value)
    if open_at is not None:
        head = f"{target} = {value[: open_at + 1]}"
        items = split_top(value[open_at + 1 : -1])
        if fits(indent + head):
            return bracketed(head, items, value[-1], indent)
    return [line]


def annotated(name: str, annotation: str, value: str | None, indent: str) -> list[str]:
    if value is None:
        line = f"{indent}{name}: {annotation}"
        if fits(line):
            return [line]
        open_at = outer_bracket(annotation)
        assert open_at is not None
        return bracketed(f"{name}: {annotation[: open_at + 1]}", split_top(annotation[open_at + 1 : -1]),
                         annotation[-1], indent)
    line = f"{indent}{name}: {annotation} = {value}"
    if fits(line):
        return [line]
    if fits(f"{indent}{name}: {annotation} = {value[: (outer_bracket(value) or 0) + 1]}"):
        return assignment(f"{name}: {annotation}", value, indent)
    open_at = outer_bracket(annotation)
    assert open_at is not None
    lines = bracketed(f"{name}: {annotation[: open_at + 1]}", split_top(annotation[open_at + 1 : -1]),
                      annotation[-1], indent)
    last = lines.pop()
    lines.extend(assignment(last.strip(), value, indent))
    return lines


def docstring(text: str, indent: str) -> list[str]:
    text = text.replace('"""', "'''").replace("\\", "\\\\")
    if fits(f'{indent}"""{text}"""'):
        return [f'{indent}"""{text}"""']
    words = text.split()
    lines, current = [], indent + '"""'
    for word in words:
        candidate = current + ("" if current.endswith('"""') else " ") + word
        if len(candidate) > LINE_LENGTH - 3 and not current.endswith('"""'):
            lines.append(current)
            current = indent + word
        else:
            current = candidate
    lines.append(current)
    lines.append(indent + '"""')
    return lines


def import_lines(module: str, names: Iterable[str], indent: str = "") -> list[str]:
    ordered = sorted(set(names), key=import_key)
    head = f"{indent}from {module} import "
    line = head + ", ".join(ordered)
    if fits(line):
        return [line]
    return [head + "("] + [f"{indent}    {name}," for name in ordered] + [f"{indent})"]


def all_key(name: str) -> tuple[int, str]:
    # isort's order-by-type (also RUF022's order for __all__): CONSTANTS, Classes, the rest.
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def import_key(name: str) -> tuple[int, str, str]:
    # Within an import statement, isort compares names case-insensitively.
    return (all_key(name)[0], name.lower(), name)


def dunder_all(names: Iterable[str]) -> list[str]:
    ordered = sorted(set(names), key=all_key)
    return ["__all__ = ["] + [f'    "{name}",' for name in ordered] + ["]"]


def order_definitions(builder: Builder, module: str) -> list[Definition]:
    """The module's definitions, each after everything it uses (classes are evaluated eagerly)."""
    mine = {name for name, d in builder.defs.items() if d.module == module}
    ordered: list[Definition] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise GeneratorError(f"cycle of definitions: {' -> '.join((*trail, name))}")
        state[name] = 1
        for dep in sorted(builder.defs[name].deps):
            if dep in mine:
                visit(dep, (*trail, name))
        state[name] = 2
        ordered.append(builder.defs[name])

    for spec in builder.specs:
        for dep in sorted(spec.deps):
            if dep in mine:
                visit(dep, ())
    for name in sorted(mine):
        visit(name, ())
    return ordered


def header(title: str, source: str) -> list[str]:
    note = f"Generated by tools/generate_api.py from {source}; edit the generator, not this file."
    return [f'"""{title}', "", *wrap_words(note, LINE_LENGTH), '"""', ""]


def wrap_words(text: str, width: int) -> list[str]:
    words, lines, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    return [*lines, current]


def sources(lines: Iterable[str]) -> str:
    files = [f"specs/{DOCUMENTS[line]}" for line in DOCUMENTS if line in set(lines)]
    return " and ".join(files)


def names_in(builder: Builder, text: str) -> set[str]:
    """The definitions a piece of generated code mentions."""
    return {name for name in re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", text) if name in builder.defs}


def typing_used(text: str) -> set[str]:
    return {name for name in ("Any", "Literal", "Optional", "Union") if re.search(rf"\b{name}\b", text)}


def first_party_imports(imports: dict[str, set[str]], indent: str = "") -> list[str]:
    lines: list[str] = []
    for module in sorted(imports):
        lines += import_lines(module, imports[module], indent)
    return lines


def code_only(text: str) -> str:
    """Generated code without its docstrings and comments (which may mention any name)."""
    text = re.sub(r'""".*?"""', "", text, flags=re.S)
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def model_module(builder: Builder, module: str) -> str:
    definitions = order_definitions(builder, module)
    body: list[str] = []
    previous_kind = "model"  # the imports and __all__ are followed by two blank lines
    for definition in definitions:
        body.extend(["", ""] if definition.kind == "model" or previous_kind == "model" else [""])
        previous_kind = definition.kind
        if definition.kind in ("enum", "alias"):
            assert definition.type is not None
            if definition.doc:
                body.extend(f"# {line}" for line in wrap_words(definition.doc, LINE_LENGTH - 2))
            body.extend(assignment(definition.name, render(builder, definition.type), ""))
        elif definition.kind == "tagged":
            body.extend(assignment(definition.name, "Union[" + ", ".join(definition.arms) + "]", ""))
            body.extend(assignment(upper_snake(definition.name),
                                   f'TaggedUnion({definition.name}, tag="{definition.tag}")', ""))
        else:
            body.append("@dataclass(kw_only=True)")
            body.append(f"class {definition.name}(Model):")
            if definition.doc:
                body.extend(docstring(definition.doc, "    "))
                if definition.fields:
                    body.append("")
            if not definition.fields and not definition.doc:
                body.append("    pass")
            for fd in definition.fields:
                body.extend(model_field(builder, fd))
    text = code_only("\n".join(body))
    stdlib: dict[str, set[str]] = {}
    if "@dataclass" in text:
        stdlib["dataclasses"] = {"dataclass"} | ({"field"} if re.search(r"= field\(", text) else set())
    if typing_used(text):
        stdlib["typing"] = typing_used(text)
    base = {name for name in ("Model", "TaggedUnion", "union_field", "wire_name")
            if re.search(rf"\b{name}\b", text)}
    imports: dict[str, set[str]] = {"llamastack.models.base": base} if base else {}
    mine = {d.name for d in definitions}
    for name in names_in(builder, text) - mine:
        imports.setdefault(f"llamastack.models.{builder.defs[name].module}", set()).add(name)
    title = "Models shared by several API groups." if module == "common" else (
        f"Models of the {GROUP_TITLES[module]} API.")
    lines = header(title, sources({d.line for d in definitions}))
    lines += first_party_imports(stdlib)
    lines.append("")
    lines += first_party_imports(imports)
    lines.append("")
    lines += dunder_all(d.name for d in definitions)
    lines += body
    return "\n".join(lines) + "\n"


def model_field(builder: Builder, fd: FieldDef) -> list[str]:
    annotation = render(builder, fd.type)
    kwargs: list[str] = []
    if fd.factory:
        kwargs.append(f"default_factory={fd.factory}")
    elif fd.default is not None:
        kwargs.append(f"default={fd.default}")
    if fd.attr != fd.wire:
        kwargs.append(f'metadata=wire_name("{fd.wire}")')
    value: str | None
    if has_tagged(builder, fd.type):
        value = f"union_field({', '.join([annotation, *kwargs])})"
    elif fd.factory or fd.attr != fd.wire:
        value = f"field({', '.join(kwargs)})"
    else:
        value = fd.default
    return annotated(fd.attr, annotation, value, "    ")


def endpoint_module(builder: Builder, group: str) -> str:
    specs = [s for s in builder.specs if s.group == group]
    body: list[str] = []
    for spec in specs:
        body += ["", "", "@dataclass(frozen=True, kw_only=True)"]
        if spec.chunk:
            body.append(f"class {spec.name}(StreamingSpec[{spec.response}, {spec.chunk}]):")
        else:
            body.append(f"class {spec.name}(Spec[{spec.response}]):")
        body += docstring(spec.doc, "    ")
        body.append("")
        body.append(f'    method: ClassVar[str] = "{spec.method}"')
        body.extend(annotated("path", "ClassVar[str]", json.dumps(spec.path), "    "))
        if spec.stream_only:
            body.append("    stream_only: ClassVar[bool] = True")
        if spec.paging:
            body.append(f"    paging: ClassVar[Paging | None] = {spec.paging}")
        if spec.name in ALSO_SERVED_BY_0_2:
            body.append('    server_lines: ClassVar[tuple[str, ...]] = ("0.7", "0.2")')
        elif spec.line != "0.7":
            body.append(f'    server_lines: ClassVar[tuple[str, ...]] = ("{spec.line}",)')
        if spec.fields:
            body.append("")
        ordered = [f for f in spec.fields if f.location == "path"] + [
            f for f in spec.fields if f.location != "path" and f.required] + [
            f for f in spec.fields if f.location != "path" and not f.required]
        default_location = "query" if spec.method in ("GET", "DELETE") else "body"
        for sf in ordered:
            value: str | None = None if sf.required else "None"
            args = [] if sf.attr == sf.wire else [f'name="{sf.wire}"']
            if sf.location == "file":
                value = f"file_field({', '.join(args + ([] if sf.required else ['required=False']))})"
            elif sf.location == "json":
                value = f"json_body_field({'required=True' if sf.required else ''})"
            elif sf.location == "header":
                value = f'header_field("{sf.wire}"' + (", required=True)" if sf.required else ")")
            elif sf.location in ("query", "body") and (sf.location != default_location or args):
                value = f"{sf.location}_field({', '.join(args + (['required=True'] if sf.required else []))})"
            body.extend(annotated(sf.attr, sf.type, value, "    "))
    text = code_only("\n".join(body))
    imports: dict[str, set[str]] = {}
    for name in names_in(builder, text):
        imports.setdefault(f"llamastack.models.{builder.defs[name].module}", set()).add(name)
    helpers = ("CursorPaging", "IndexPaging", "Paging", "Spec", "StreamingSpec", "body_field", "file_field",
               "header_field", "json_body_field", "query_field")
    imports["llamastack.spec"] = {name for name in helpers if re.search(rf"\b{name}\b", text)}
    if "FileInput" in text:
        imports["llamastack.multipart"] = {"FileInput"}
    lines = header(f"Endpoints of the {GROUP_TITLES[group]} API.", sources({s.line for s in specs}))
    lines += ["from __future__ import annotations", ""]
    stdlib = {"dataclasses": {"dataclass"}, "typing": typing_used(text) | {"ClassVar"}}
    if re.search(r"\bSequence\[", text):
        stdlib["collections.abc"] = {"Sequence"}
    lines += first_party_imports(stdlib)
    lines.append("")
    lines += first_party_imports(imports)
    lines.append("")
    lines += dunder_all(s.name for s in specs)
    lines += body
    return "\n".join(lines) + "\n"


def lazy_init(kind: str, names: dict[str, str], doc: list[str], eager: dict[str, list[str]]) -> str:
    """A package __init__ that imports each group module on first use of one of its names."""
    note = "Generated by tools/generate_api.py; edit the generator, not this file."
    lines = ['"""' + doc[0], *doc[1:], "", note, '"""', "", "import importlib",
             "from typing import TYPE_CHECKING, Any", ""]
    if eager:
        lines += first_party_imports({module: set(items) for module, items in eager.items()})
        lines.append("")
    lines.append("if TYPE_CHECKING:")
    by_module: dict[str, set[str]] = {}
    for name, module in names.items():
        by_module.setdefault(f"llamastack.{kind}.{module}", set()).add(name)
    lines += first_party_imports(by_module, "    ")
    lines.append("")
    lines += dunder_all([*names, *(n for items in eager.values() for n in items)])
    lines.append("")
    lines.append("# name -> the group module that defines it")
    lines.append("_MODULES = {")
    for name in sorted(names, key=import_key):
        lines.append(f'    "{name}": "{names[name]}",')
    lines.append("}")
    lines += [
        "",
        "",
        "def __getattr__(name: str) -> Any:",
        "    module = _MODULES.get(name)",
        "    if module is None:",
        '        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
        '    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)',
        "    globals()[name] = value",
        "    return value",
        "",
        "",
        "def __dir__() -> list[str]:",
        "    return sorted({*globals(), *__all__})",
    ]
    return "\n".join(lines) + "\n"


BASE_EXPORTS = ["Model", "TaggedUnion", "UnknownVariant", "union_field", "wire_name"]


def render_all(builder: Builder) -> dict[str, str]:
    """Relative path -> content of every generated file."""
    files: dict[str, str] = {}
    modules = [m for m in GROUPS if any(d.module == m for d in builder.defs.values())]
    for module in modules:
        files[f"llamastack/models/{module}.py"] = model_module(builder, module)
    groups = [g for g in GROUPS if any(s.group == g for s in builder.specs)]
    for group in groups:
        files[f"llamastack/endpoints/{group}.py"] = endpoint_module(builder, group)
    model_names = {name: d.module for name, d in builder.defs.items()}
    for d in builder.defs.values():
        if d.kind == "tagged":
            model_names[upper_snake(d.name)] = d.module
    files["llamastack/models/__init__.py"] = lazy_init(
        "models", model_names,
        ["Response and request models of every API group, loaded on first use.", "",
         "    from llamastack.models import OpenAIChatCompletion, Turn"],
        eager={"llamastack.models.base": BASE_EXPORTS})
    files["llamastack/endpoints/__init__.py"] = lazy_init(
        "endpoints", {s.name: s.group for s in builder.specs},
        ["Every Llama Stack operation as a spec class, loaded on first use.", "",
         "    from llamastack.endpoints import ChatCompletionCreate, SessionCreate"], eager={})
    return files


def write(files: dict[str, str], out: Path) -> list[Path]:
    written = []
    for relative, content in files.items():
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_text(encoding="utf-8") != content:
            target.write_text(content, encoding="utf-8")
            written.append(target)
    return written


def stale(files: dict[str, str], out: Path) -> Iterator[Path]:
    """Generated modules in out that the generator no longer writes."""
    for folder in ("models", "endpoints"):
        for path in sorted((out / "llamastack" / folder).glob("*.py")):
            relative = path.relative_to(out).as_posix()
            if relative not in files and path.name != "base.py":
                yield path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT, help="root of the tree to write (default: repo)")
    args = parser.parse_args(argv)
    builder = build(load_documents())
    files = render_all(builder)
    written = write(files, args.out)
    for path in stale(files, args.out):
        path.unlink()
        written.append(path)
    print(f"{len(builder.specs)} specs, {len(builder.defs)} models; {len(written)} files changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
