"""Type expressions as Python source text."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from tools.generate.definitions import GeneratorError, T
from tools.generate.formatting import split_top

if TYPE_CHECKING:
    from tools.generate.schemas import Builder

__all__ = [
    "has_model",
    "has_tagged",
    "render",
]


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
