"""Carrying one request or answer shape to an older server line, and back.

The specs and models are declared in the newest line's shapes. Where an older line serves the
same operation with another shape and the same meaning, an adapter turns the JSON the client
would send into what that line reads, and what the line answers into what the declared type
reads, so user code and decoded types are the same on every line. What cannot be carried
(a value the line has no way to express) is refused before sending with ``NotServedError``,
naming the field and the line: a line would otherwise reject it or, worse, drop it silently.

Every shape here was seen on a real server: ``tests/integration/servers/captured/README.md``
lists them line by line, and ``tests/unit/test_line_adapters.py`` decodes every captured answer
of every line through these adapters. ``specs/README.md`` ("Shape differences") lists what the
documents say.

Adapters are pure functions of JSON values (dicts they may change in place: the client builds
them fresh for each call). An adapter applies to the specs of ``llamastack.endpoints`` only:
a user's own spec of the same name is sent as declared.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from llamastack.errors import NotServedError
from llamastack.spec import SERVER_LINES

__all__ = ["Adapter", "RequestParts", "adapter_for", "not_carried", "served_by"]

JSON = Any


@dataclass
class RequestParts:
    """The JSON of one request while it is adapted: query parameters and body (form fields of
    an upload), by wire name, plus what the adapter may need to know."""

    spec: Any
    line: str
    query: dict[str, JSON]
    body: dict[str, JSON]


RequestAdapter = Callable[[RequestParts], None]
# (answer JSON, the spec it answers, the line) -> the JSON the declared type reads
ResponseAdapter = Callable[[JSON, Any, str], JSON]
# (the spec, the line) -> a function adapting each event of one stream (it may keep state)
ChunkAdapterFactory = Callable[[Any, str], Callable[[JSON], JSON]]


@dataclass(frozen=True)
class Adapter:
    """How one spec's shapes differ on some lines."""

    lines: tuple[str, ...]
    request: RequestAdapter | None = None
    response: ResponseAdapter | None = None
    chunks: ChunkAdapterFactory | None = None
    # Spec fields these lines do not know by that name but the adapter carries under another.
    carries: tuple[str, ...] = ()


def adapter_for(spec_class: type, line: str) -> Adapter | None:
    """The adapter of a library spec on ``line``, if its shapes differ there."""
    if not spec_class.__module__.startswith("llamastack.endpoints."):
        return None
    for adapter in _ADAPTERS.get(spec_class.__name__, ()):
        if line in adapter.lines:
            return adapter
    return None


def _lines(first: str, last: str) -> tuple[str, ...]:
    return SERVER_LINES[SERVER_LINES.index(first):SERVER_LINES.index(last) + 1]


def served_by(spec_class: type) -> tuple[str, ...]:
    """The lines that serve a spec class (empty: not declared), as a NotServedError names them."""
    return tuple(getattr(spec_class, "server_lines", None) or ())


def not_carried(spec: object, line: str, what: str, carried_by: str, why: str = ""
                ) -> NotServedError:
    """The error for a value of ``spec`` (``what``) that ``line`` cannot carry and the lines
    ``carried_by`` can, raised before anything is sent."""
    detail = f": {why}" if why else ""
    return NotServedError(
        f"{what} cannot be carried by Llama Stack {line} (it is by {carried_by}){detail}",
        spec=spec, server_line=line, served_by=served_by(type(spec)), field=what)


def _refuse(parts: RequestParts, what: str, carried_by: str, why: str = "") -> NotServedError:
    return not_carried(parts.spec, parts.line, what, carried_by, why)


def _dicts(value: JSON) -> Iterator[dict[str, JSON]]:
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


# --- Models -------------------------------------------------------------------------------

def _llama_stack_models_as_openai(payload: JSON, spec: Any, line: str) -> JSON:
    """0.2, 0.3: GET /v1/models lists Llama Stack models; 0.4+ answer the OpenAI list built
    from the same registry entries (``created`` is the time of the request there too; the
    ``/v1/openai/v1/models`` copy of 0.2/0.3 lacks ``custom_metadata``)."""
    if not isinstance(payload, dict):
        return payload
    now = int(time.time())
    models = []
    for model in _dicts(payload.get("data")):
        if "id" in model:  # already the OpenAI shape
            models.append(model)
            continue
        custom = {"model_type": model.get("model_type"), "provider_id": model.get("provider_id"),
                  "provider_resource_id": model.get("provider_resource_id")}
        metadata = model.get("metadata")
        if isinstance(metadata, dict) and "embedding_dimension" in metadata:
            custom["embedding_dimension"] = metadata["embedding_dimension"]
        models.append({"id": model.get("identifier"), "object": "model", "created": now,
                       "owned_by": "llama_stack", "custom_metadata": custom})
    return {**payload, "data": models}


# --- Responses ----------------------------------------------------------------------------

def _complete_response(response: JSON, store: bool, line: str) -> None:
    """A Responses object of 0.2-0.4: no ``store`` (added in 0.5); 0.3/0.4 send the usage
    details as null (no prompt caching or reasoning there: zero)."""
    if not isinstance(response, dict):
        return
    if line in ("0.2", "0.3", "0.4"):
        response.setdefault("store", store)
    usage = response.get("usage")
    if isinstance(usage, dict):
        if usage.get("input_tokens_details") is None:
            usage["input_tokens_details"] = {"cached_tokens": 0}
        if usage.get("output_tokens_details") is None:
            usage["output_tokens_details"] = {"reasoning_tokens": 0}


def _stored(spec: Any) -> bool:
    # A response is stored unless the request said otherwise (the 0.7 default).
    store = getattr(spec, "store", None)
    return True if store is None else bool(store)


def _response_object(payload: JSON, spec: Any, line: str) -> JSON:
    _complete_response(payload, _stored(spec), line)
    return payload


def _response_list(payload: JSON, spec: Any, line: str) -> JSON:
    if isinstance(payload, dict):
        for response in _dicts(payload.get("data")):
            _complete_response(response, True, line)
    return payload


def _response_events(spec: Any, line: str) -> Callable[[JSON], JSON]:
    """Responses stream events of 0.2-0.5.

    ``response.created`` and ``response.completed`` carry no ``sequence_number`` on 0.2-0.5
    while every other event does, counting from 1 after ``created``: a missing number is the
    one after the last seen. 0.2's ``content_part`` events lack ``output_index`` and
    ``content_index`` (a message has one part there): they are the item's, else the next index.
    """
    store = _stored(spec)
    last = -1
    item_index: dict[str, int] = {}
    next_index = 0

    def adapt(event: JSON) -> JSON:
        nonlocal last, next_index
        if not isinstance(event, dict):
            return event
        number = event.get("sequence_number")
        if isinstance(number, int) and not isinstance(number, bool):
            last = number
        else:
            last += 1
            event["sequence_number"] = last
        _complete_response(event.get("response"), store, line)
        index = event.get("output_index")
        item_id = event.get("item_id")
        if item_id is None and isinstance(event.get("item"), dict):
            item_id = event["item"].get("id")
        if isinstance(index, int):
            next_index = max(next_index, index + 1)
            if isinstance(item_id, str):
                item_index[item_id] = index
        elif str(event.get("type", "")).startswith("response.content_part."):
            index = item_index.get(item_id) if isinstance(item_id, str) else None
            if index is None:
                index = next_index
                next_index += 1
                if isinstance(item_id, str):
                    item_index[item_id] = index
            event["output_index"] = index
            event.setdefault("content_index", 0)
        return event

    return adapt


_REASONING_SUMMARY_LINES = ("0.5", "0.6")
_RANKING_OPTIONS_NEW = ("alpha", "impact_factor", "model", "weights")
# The lines that refuse an input item: a function_call_output whose output is not a string,
# one of type 'reasoning'.
_OUTPUT_STRING_ONLY_LINES = _lines("0.2", "0.5")
_NO_REASONING_ITEM_LINES = _lines("0.3", "0.6")


def _check_input_items(parts: RequestParts, items: JSON, where: str) -> None:
    for index, item in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "function_call_output" and not isinstance(item.get("output"), str) \
                and parts.line in _OUTPUT_STRING_ONLY_LINES:
            raise _refuse(parts, f"{where}[{index}].output as a list of content parts",
                          "0.6 and later", "send the output as a string")
        if kind == "reasoning" and parts.line in _NO_REASONING_ITEM_LINES:
            raise _refuse(parts, f"{where}[{index}] of type 'reasoning'", "0.7")


def _check_ranking_options(parts: RequestParts, options: JSON, where: str) -> None:
    if isinstance(options, dict) and parts.line in _lines("0.2", "0.4"):
        for name in _RANKING_OPTIONS_NEW:
            if options.get(name) is not None:
                raise _refuse(parts, f"{where}.{name}", "0.5 and later")


def _response_create_request(parts: RequestParts) -> None:
    body = parts.body
    _check_input_items(parts, body.get("input"), "input")
    text = body.get("text")
    if isinstance(text, dict) and isinstance(text.get("format"), dict) \
            and parts.line in ("0.2", "0.3"):
        text["format"].setdefault("type", "text")  # optional in 0.7 with this default
    reasoning = body.get("reasoning")
    if isinstance(reasoning, dict) and reasoning.get("summary") is not None \
            and parts.line in _REASONING_SUMMARY_LINES:
        raise _refuse(parts, "reasoning.summary", "0.7")
    for index, tool in enumerate(body.get("tools") or ()):
        if not isinstance(tool, dict):
            continue
        where = f"tools[{index}]"
        if tool.get("type") == "mcp" and parts.line == "0.4":
            if tool.get("connector_id") is not None:
                raise _refuse(parts, f"{where}.connector_id", "0.5 and later",
                              "give the MCP server's server_url")
            if tool.get("server_url") is None:
                raise _refuse(parts, f"{where} without server_url", "0.5 and later")
        if tool.get("type") == "file_search":
            _check_ranking_options(parts, tool.get("ranking_options"), f"{where}.ranking_options")


def _conversation_items_request(parts: RequestParts) -> None:
    _check_input_items(parts, parts.body.get("items"), "items")


def _conversation_item_list_request(parts: RequestParts) -> None:
    include = parts.query.get("include")
    values = include if isinstance(include, list) else [include]
    if parts.line == "0.3" and "web_search_call.action.sources" in values:
        raise _refuse(parts, "include 'web_search_call.action.sources'", "0.4 and later")


# --- Vector stores and vector io ----------------------------------------------------------

def _chunking_strategy_request(parts: RequestParts) -> None:
    strategy = parts.body.get("chunking_strategy")
    if isinstance(strategy, dict) and strategy.get("type") == "contextual":
        raise _refuse(parts, "chunking_strategy of type 'contextual'", "0.6 and later")


def _vector_store_search_request(parts: RequestParts) -> None:
    _check_ranking_options(parts, parts.body.get("ranking_options"), "ranking_options")


def _search_query_as_list(payload: JSON, spec: Any, line: str) -> JSON:
    # 0.2, 0.3 echo the query as the string it was sent as; 0.4+ as a list of strings.
    if isinstance(payload, dict) and isinstance(payload.get("search_query"), str):
        payload["search_query"] = [payload["search_query"]]
    return payload


def _file_contents_as_page(payload: JSON, spec: Any, line: str) -> JSON:
    """0.2, 0.3 answer ``{file_id, filename, attributes, content[]}``: the whole file at once,
    so one page of ``data`` with nothing more; the file's fields stay reachable as extras."""
    if not isinstance(payload, dict) or "data" in payload:
        return payload
    page = {key: value for key, value in payload.items() if key != "content"}
    page.update(object="vector_store.file_content.page", data=payload.get("content") or [],
                has_more=False, next_page=None)
    return page


def _vector_io_request(parts: RequestParts) -> None:
    """0.2, 0.3 name the store ``vector_db_id`` and take plain chunks: the 0.7 chunk's id and
    embedding model go to its ``chunk_metadata`` (where 0.3 keeps them), ``metadata`` is
    required there."""
    body = parts.body
    if "vector_store_id" in body:
        body["vector_db_id"] = body.pop("vector_store_id")
    for chunk in _dicts(body.get("chunks")):
        meta = chunk.get("chunk_metadata")
        meta = dict(meta) if isinstance(meta, dict) else {}
        for name, target in (("chunk_id", "chunk_id"), ("embedding_model", "chunk_embedding_model"),
                             ("embedding_dimension", "chunk_embedding_dimension")):
            value = chunk.pop(name, None)
            if value is not None:
                meta.setdefault(target, value)
        if meta:
            chunk["chunk_metadata"] = meta
        if chunk.get("metadata") is None:
            chunk["metadata"] = {}


def _chunks_as_embedded(payload: JSON, spec: Any, line: str) -> JSON:
    """0.2, 0.3 query results are plain chunks; the 0.7 fields come from ``chunk_metadata``
    (filled by the server for chunks of files) or from the embedding itself. A chunk stored
    without them has no id or embedding model on these lines: those decode as ``""``."""
    if isinstance(payload, dict):
        for chunk in _dicts(payload.get("chunks")):
            meta = chunk.get("chunk_metadata")
            if not isinstance(meta, dict):
                meta = chunk["chunk_metadata"] = {}
            embedding = chunk.get("embedding")
            if embedding is None:
                embedding = chunk["embedding"] = []
            if chunk.get("chunk_id") is None:
                chunk["chunk_id"] = meta.get("chunk_id") or chunk.get("stored_chunk_id") or ""
            if chunk.get("embedding_model") is None:
                chunk["embedding_model"] = meta.get("chunk_embedding_model") or ""
            if chunk.get("embedding_dimension") is None:
                dimension = meta.get("chunk_embedding_dimension")
                chunk["embedding_dimension"] = dimension if isinstance(dimension, int) else len(embedding)
    return payload


# --- Safety, moderations, datasets --------------------------------------------------------

def _shield_run_request(parts: RequestParts) -> None:
    """0.2-0.4 document ``params`` as required (live servers default it: sending ``{}`` is what
    they do). 0.2 reads Llama Stack messages: ``developer`` is its ``system``, an assistant
    message needs a ``stop_reason``, a tool message names its call ``call_id``."""
    body = parts.body
    body.setdefault("params", {})
    if parts.line != "0.2":
        return
    for index, message in enumerate(_dicts(body.get("messages"))):
        where = f"messages[{index}]"
        if message.get("name") is not None:
            raise _refuse(parts, f"{where}.name", "0.3 and later")
        role = message.get("role")
        if role == "developer":
            message["role"] = "system"
        elif role == "assistant":
            message.setdefault("stop_reason", "end_of_turn")
            if message.get("content") is None:
                message["content"] = ""
        elif role == "tool" and "tool_call_id" in message:
            message["call_id"] = message.pop("tool_call_id")
        content = message.get("content")
        for part in _dicts(content):
            if part.get("type") in ("file", "image_url"):
                raise _refuse(parts, f"{where}.content part of type {part['type']!r}", "0.3 and later")


def _moderation_request(parts: RequestParts) -> None:
    # 0.4+ fall back to the server's default shield; 0.2 and 0.3 answer 400 without a model.
    if parts.body.get("model") is None:
        raise _refuse(parts, "a call without model", "0.4 and later", "give model=")


def _append_rows_request(parts: RequestParts) -> None:
    # 0.5, 0.6 also require the path's dataset_id in the body (AppendRowsRequest).
    parts.body.setdefault("dataset_id", parts.spec.dataset_id)


# --- Files ----------------------------------------------------------------------------------

def _file_create_request(parts: RequestParts) -> None:
    # 0.2.24 reads expires_after as two form fields (apis/files/files.py aliases).
    expires = parts.body.pop("expires_after", None)
    if isinstance(expires, dict):
        for key, value in expires.items():
            parts.body[f"expires_after[{key}]"] = value


# --- Tools and the Agents API -------------------------------------------------------------

_JSON_TYPES = {"string": "string", "str": "string", "integer": "integer", "int": "integer",
               "number": "number", "float": "number", "boolean": "boolean", "bool": "boolean",
               "array": "array", "list": "array", "object": "object", "dict": "object"}


def parameters_as_schema(parameters: JSON) -> dict[str, JSON]:
    """0.2's tool parameter list ``[{name, parameter_type, description, required, default}]``
    as the JSON schema 0.3+ call ``input_schema``."""
    properties: dict[str, JSON] = {}
    required: list[str] = []
    for parameter in _dicts(parameters):
        name = parameter.get("name")
        if not isinstance(name, str):
            continue
        prop: dict[str, JSON] = {}
        kind = _JSON_TYPES.get(str(parameter.get("parameter_type", "")).lower())
        if kind:
            prop["type"] = kind
        if parameter.get("description"):
            prop["description"] = parameter["description"]
        if parameter.get("default") is not None:
            prop["default"] = parameter["default"]
        properties[name] = prop
        if parameter.get("required", True):
            required.append(name)
    return {"type": "object", "properties": properties, "required": required}


def _tool_list_as_tool_defs(payload: JSON, spec: Any, line: str) -> JSON:
    """0.2 lists ``Tool {identifier, toolgroup_id, description, parameters[]}``; 0.3+
    ``ToolDef {name, toolgroup_id, description, input_schema}``."""
    if not isinstance(payload, dict):
        return payload
    tools = []
    for tool in _dicts(payload.get("data")):
        if "name" in tool:
            tools.append(tool)
            continue
        tool_def = {key: value for key, value in tool.items() if key not in ("identifier", "parameters")}
        tool_def["name"] = tool.get("identifier")
        tool_def["input_schema"] = parameters_as_schema(tool.get("parameters"))
        tools.append(tool_def)
    return {**payload, "data": tools}


def _agent_create_request(parts: RequestParts) -> None:
    """0.3 reads client tools' ``input_schema`` and ignores 0.2's ``parameters`` list (a tool
    sent with only the list is called with ``{}``): give it the list as a schema, unless the
    tool carries its own (a full schema, as llamastack.agents sends)."""
    config = parts.body.get("agent_config")
    if not isinstance(config, dict):
        return
    for tool in _dicts(config.get("client_tools")):
        parameters = tool.pop("parameters", None)
        if tool.get("input_schema") is None and parameters is not None:
            tool["input_schema"] = parameters_as_schema(parameters)


# --- the table ----------------------------------------------------------------------------

_RESPONSES_OLD = _lines("0.2", "0.5")
_ADAPTERS: Mapping[str, tuple[Adapter, ...]] = {
    "ModelList": (Adapter(("0.2", "0.3"), response=_llama_stack_models_as_openai),),
    "ResponseCreate": (
        Adapter(_RESPONSES_OLD, request=_response_create_request, response=_response_object,
                chunks=_response_events),
        Adapter(("0.6",), request=_response_create_request),
    ),
    "ResponseRetrieve": (Adapter(_lines("0.2", "0.4"), response=_response_object),),
    "ResponseList": (Adapter(_lines("0.2", "0.4"), response=_response_list),),
    "ConversationCreate": (Adapter(_lines("0.3", "0.6"), request=_conversation_items_request),),
    "ConversationItemCreate": (Adapter(_lines("0.3", "0.6"), request=_conversation_items_request),),
    "ConversationItemList": (Adapter(("0.3",), request=_conversation_item_list_request),),
    "VectorStoreCreate": (Adapter(("0.4", "0.5"), request=_chunking_strategy_request),),
    "VectorStoreFileCreate": (Adapter(("0.4", "0.5"), request=_chunking_strategy_request),),
    "VectorStoreFileBatchCreate": (Adapter(("0.4", "0.5"), request=_chunking_strategy_request),),
    "VectorStoreSearch": (
        Adapter(("0.2", "0.3"), request=_vector_store_search_request, response=_search_query_as_list),
        Adapter(("0.4",), request=_vector_store_search_request),
    ),
    "VectorStoreFileContentRetrieve": (Adapter(("0.2", "0.3"), response=_file_contents_as_page),),
    "VectorIOInsert": (Adapter(("0.2", "0.3"), request=_vector_io_request,
                               carries=("vector_store_id",)),),
    "VectorIOQuery": (Adapter(("0.2", "0.3"), request=_vector_io_request, response=_chunks_as_embedded,
                              carries=("vector_store_id",)),),
    "ShieldRun": (Adapter(_lines("0.2", "0.4"), request=_shield_run_request),),
    "ModerationCreate": (Adapter(("0.2", "0.3"), request=_moderation_request),),
    "DatasetRowAppend": (Adapter(("0.5", "0.6"), request=_append_rows_request),),
    "FileCreate": (Adapter(("0.2",), request=_file_create_request, carries=("expires_after",)),),
    "ToolList": (Adapter(("0.2",), response=_tool_list_as_tool_defs),),
    "AgentCreate": (Adapter(("0.3",), request=_agent_create_request),),
}

