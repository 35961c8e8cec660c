"""The fake backend's "model": what it answers, as a pure function of the request (stdlib only).

The prompt language it understands (README.md lists it with examples). ``U`` is the text of the
last ``user`` message; rules apply in this order:

1. A Llama Guard prompt (``Check if there is unsafe content``) -> ``unsafe\\nS1`` when it holds
   ``unsafe-trigger``, else ``safe``.
2. Tool results came back since the last user message (``role: tool`` messages) ->
   ``Tool result: <c1>``, or ``Tool result: <c1>; <c2>`` for several (in message order). Skipped
   in endless mode (``endless-tools`` in U), which calls tools again every round.
3. Tools are offered and ``tool_choice`` is not ``none`` -> tool calls (``finish_reason:
   tool_calls``), one per mention of a tool name in U, in the order of the mentions:
   - ``get_weather`` mentioned once -> one call; ``get_weather and add`` -> two; ``get_weather
     Paris, get_weather Rome`` -> two calls of the same tool.
   - ``name({"json": "object"})`` gives the exact arguments (any JSON object: wrong types too);
     a bare mention gets arguments made from the tool's JSON schema: the first value of an
     ``enum`` (the ``const``), else strings U, integers 1, numbers 1.5, booleans true, arrays
     [U], objects {}; only the ``required`` parameters (without a ``required`` list: those
     without a ``default``), so optional ones keep the tool's defaults.
   - ``file_search`` also names ``knowledge_search`` (the name 0.2-0.6 give that tool).
   - No mention, but U says ``weather``, or ``tool_choice`` is ``required``, or endless mode ->
     the first tool; ``tool_choice: {"type": "function", "function": {"name": X}}`` -> X.
   - ``parallel_tool_calls: false`` keeps only the first call.
4. Otherwise ``Echo: U``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
from typing import Any

__all__ = [
    "EMBED_DIM",
    "ENDLESS_TRIGGER",
    "GUARD_MARKER",
    "TOOL_ALIASES",
    "TOOL_TRIGGER",
    "UNSAFE_TRIGGER",
    "ToolCall",
    "chat_decision",
    "completion_text",
    "content_text",
    "count_tokens",
    "embed",
    "embed_base64",
    "last_text",
    "planned_calls",
    "schema_value",
    "split_words",
    "tool_arguments",
    "tool_name",
]

JSON = dict[str, Any]
ToolCall = dict[str, str]  # {"id", "name", "arguments"}: arguments is the JSON text

EMBED_DIM = 16

UNSAFE_TRIGGER = "unsafe-trigger"
TOOL_TRIGGER = "weather"  # calls the first tool when no tool is named
ENDLESS_TRIGGER = "endless-tools"  # calls a tool every round, even after tool results
GUARD_MARKER = "Check if there is unsafe content"
# A mention of the key also names these tools: Responses' file_search reaches the model as
# "knowledge_search" on 0.2-0.6 and as "file_search" on 0.7.
TOOL_ALIASES = {"file_search": ("knowledge_search",), "knowledge_search": ("file_search",)}


def content_text(content: Any) -> str:
    """Text of an OpenAI message ``content`` (a string or a list of parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return " ".join(parts)
    return str(content)


def last_text(messages: list[JSON], role: str) -> str:
    for msg in reversed(messages):
        if msg.get("role") == role:
            return content_text(msg.get("content"))
    return ""


def count_tokens(text: str) -> int:
    return len(text.split())


def short_hash(*parts: str, n: int = 16) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:n]


def guard_answer(prompt: str) -> str:
    """What the fake answers to a Llama Guard prompt."""
    return "unsafe\nS1" if UNSAFE_TRIGGER in prompt else "safe"


def tool_arguments(tool: JSON, user_text: str) -> JSON:
    """Deterministic arguments for a function tool, from its JSON schema: every required
    parameter (without a ``required`` list, every one without a ``default``), none other."""
    fn = tool.get("function") if isinstance(tool.get("function"), dict) else tool
    params = fn.get("parameters") if isinstance(fn, dict) else None
    props = params.get("properties") if isinstance(params, dict) else None
    args: JSON = {}
    if not isinstance(props, dict):
        return args
    required = params.get("required") if isinstance(params, dict) else None
    for name, schema in props.items():
        schema = schema if isinstance(schema, dict) else {}
        if isinstance(required, list) and name not in required:
            continue  # optional: the tool's default applies
        if not isinstance(required, list) and "default" in schema:
            continue
        args[name] = schema_value(schema, user_text)
    return args


def schema_value(schema: JSON, user_text: str) -> Any:
    """One value fitting ``schema``: its first enum value (or const), else one per type."""
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return enum[0]  # e.g. Literal["c", "f"]: a string of U would break the schema
    if "const" in schema:
        return schema["const"]
    for union in ("anyOf", "oneOf"):
        arms = [arm for arm in schema.get(union) or () if isinstance(arm, dict)]
        arms = [arm for arm in arms if arm.get("type") != "null"] or arms
        if arms:
            return schema_value(arms[0], user_text)  # X | None: a value of X
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [user_text]
    if kind == "object":
        return {}
    return user_text


def tool_name(tool: JSON) -> str:
    fn = tool.get("function")
    if isinstance(fn, dict) and isinstance(fn.get("name"), str):
        return str(fn["name"])
    return str(tool.get("name", "tool"))


def _explicit_arguments(text: str, end: int) -> tuple[JSON, int] | None:
    """``({...})`` right after a tool name at ``end``: the JSON object and where the ``)`` ends."""
    match = re.compile(r"\s*\(\s*").match(text, end)
    if match is None:
        return None
    try:
        value, stop = json.JSONDecoder().raw_decode(text, match.end())
    except ValueError:
        return None
    close = re.compile(r"\s*\)").match(text, stop)
    if not isinstance(value, dict) or close is None:
        return None
    return value, close.end()


def _mentions(tools: list[JSON], text: str) -> list[tuple[JSON, JSON | None]]:
    """(tool, explicit arguments or None) for each mention of a tool name, in text order."""
    found: list[tuple[int, JSON, JSON | None]] = []
    taken: list[tuple[int, int]] = []
    # Longer names first, so "add_numbers" is not also counted as "add".
    by_length = sorted(tools, key=lambda t: -len(tool_name(t)))
    for tool in by_length:
        name = tool_name(tool)
        spellings = (name, *(alias for alias, names in TOOL_ALIASES.items() if name in names))
        for spelling in spellings:
            for match in re.finditer(rf"(?<![\w-]){re.escape(spelling)}(?![\w-])", text, re.IGNORECASE):
                if any(a <= match.start() < b for a, b in taken):
                    continue
                explicit = _explicit_arguments(text, match.end())
                end = explicit[1] if explicit else match.end()
                taken.append((match.start(), end))
                found.append((match.start(), tool, explicit[0] if explicit else None))
    return [(tool, args) for _, tool, args in sorted(found, key=lambda item: item[0])]


def _chosen_tool(tools: list[JSON], tool_choice: Any) -> JSON | None:
    if isinstance(tool_choice, dict):
        fn = tool_choice.get("function")
        wanted = fn.get("name") if isinstance(fn, dict) else tool_choice.get("name")
        return next((t for t in tools if tool_name(t) == wanted), None)
    return None


def planned_calls(body: JSON, user: str, endless: bool) -> list[tuple[JSON, JSON]]:
    """The (tool, arguments) the fake calls in this round, or [] to answer with text."""
    tools = [t for t in body.get("tools") or [] if isinstance(t, dict)]
    choice = body.get("tool_choice")
    if not tools or choice == "none":
        return []
    forced = _chosen_tool(tools, choice)
    if forced is not None:
        mentioned = [(t, a) for t, a in _mentions([forced], user)]
        plan = mentioned or [(forced, None)]
    else:
        plan = _mentions(tools, user)
        wants_a_tool = TOOL_TRIGGER in user.lower() or choice == "required" or endless
        if not plan and wants_a_tool:
            plan = [(tools[0], None)]
    if body.get("parallel_tool_calls") is False:
        plan = plan[:1]
    return [(tool, args if args is not None else tool_arguments(tool, user)) for tool, args in plan]


def chat_decision(body: JSON) -> JSON:
    """The assistant turn: ``{"content": str}`` or ``{"tool_calls": [ToolCall, ...]}``."""
    messages = [m for m in body.get("messages") or [] if isinstance(m, dict)]
    all_text = "\n".join(content_text(m.get("content")) for m in messages)
    if GUARD_MARKER in all_text:
        return {"content": guard_answer(all_text)}
    user = last_text(messages, "user")
    endless = ENDLESS_TRIGGER in user
    # Every tool output since the last user message: 0.2 sends each Responses function call as
    # its own assistant message followed by its output, 0.3+ one assistant message with all calls.
    outputs: list[str] = []
    for msg in reversed(messages):
        if msg.get("role") == "user":
            break
        if msg.get("role") == "tool":
            outputs.insert(0, content_text(msg.get("content")))
    if outputs and not endless:
        return {"content": "Tool result: " + "; ".join(outputs)}
    plan = planned_calls(body, user, endless)
    if plan:
        calls: list[ToolCall] = []
        for index, (tool, args) in enumerate(plan):
            name, arguments = tool_name(tool), json.dumps(args)
            # The first call's id is what it always was (name, arguments, message count).
            salt = (str(index),) if index else ()
            calls.append({"id": "call_" + short_hash(name, arguments, str(len(messages)), *salt),
                          "name": name, "arguments": arguments})
        return {"tool_calls": calls}
    if outputs:
        return {"content": "Tool result: " + "; ".join(outputs)}
    return {"content": f"Echo: {user}"}


def completion_text(prompt: str) -> str:
    if GUARD_MARKER in prompt:
        return guard_answer(prompt)
    return f"Echo: {prompt}"


def split_words(text: str) -> list[str]:
    """Split into stream pieces whose concatenation is ``text`` (word plus leading space)."""
    pieces = re.findall(r"\s*\S+|\s+$", text)
    return pieces or [text]


def embed(text: str, dim: int = EMBED_DIM) -> list[float]:
    """Bag-of-words hashed embedding, L2-normalized, with float32-exact values.

    Texts sharing words get similar vectors, so vector search ranks sensibly.
    """
    vec = [0.0] * dim
    words = re.findall(r"[a-z0-9]+", text.lower())
    for word in words:
        digest = hashlib.sha256(word.encode()).digest()
        index = int.from_bytes(digest[:4], "little") % dim
        sign = 1.0 if digest[4] & 1 else -1.0
        vec[index] += sign
    if not any(vec):
        vec[0] = 1.0
    norm = math.sqrt(sum(v * v for v in vec))
    values = [v / norm for v in vec]
    return list(struct.unpack(f"<{dim}f", struct.pack(f"<{dim}f", *values)))


def embed_base64(values: list[float]) -> str:
    return base64.b64encode(struct.pack(f"<{len(values)}f", *values)).decode("ascii")
