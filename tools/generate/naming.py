"""Names: of models that two documents share or both name, of inline definitions, of fields."""

from __future__ import annotations

import keyword
import re

__all__ = [
    "INLINE_NAMES",
    "MODEL_RESERVED",
    "RENAMES",
    "SHARED_WITH_0_7",
    "SPEC_RESERVED",
    "base_name",
    "camel",
    "python_name",
    "upper_snake",
]


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


def base_name(schema_name: str) -> str:
    """A schema's name without the -Input/-Output suffix pydantic gives the request and the
    response halves of one model."""
    return re.sub(r"-(Input|Output)$", "", schema_name)


def camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", text) if part)


def upper_snake(name: str) -> str:
    name = name.replace("OpenAI", "Openai")
    words = re.findall(r"[A-Z]+(?=[A-Z][a-z0-9]|$)|[A-Z]?[a-z0-9]+|[A-Z]+", name)
    return "_".join(word.upper() for word in words)


def python_name(wire: str, reserved: set[str]) -> str:
    name = re.sub(r"\W", "_", wire)
    if not name.isidentifier() or keyword.iskeyword(name) or name in reserved:
        name += "_"
    return name
