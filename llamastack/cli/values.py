"""How a field's type is written on the command line, and turning option text into values.

Every converter here is an argparse ``type=``: its ``ArgumentTypeError`` becomes a usage error
naming the option (``--size: expected an integer, got 'three'``).
"""

from __future__ import annotations

import argparse
import enum
import json
import math
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

__all__ = [
    "MESSAGE_ROLES",
    "FieldType",
    "Kind",
    "classify",
    "converter",
    "metavar",
    "parse_message",
    "read_json",
    "type_label",
]

MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool")
_NONE = type(None)


class Kind(enum.Enum):
    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    CHOICE = "choice"
    LIST = "list"
    JSON = "json"
    STR_OR_JSON = "str_or_json"
    FILE = "file"


@dataclass(frozen=True)
class FieldType:
    kind: Kind
    choices: tuple[Any, ...] = ()
    item: FieldType | None = None  # of a list


def classify(tp: Any) -> FieldType:
    """How a field's annotation is written on the command line."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        arms = [arm for arm in get_args(tp) if arm is not _NONE]
        if len(arms) == 1:
            return classify(arms[0])
        kinds = [classify(arm) for arm in arms]
        if all(k.kind in (Kind.INT, Kind.FLOAT) for k in kinds):
            return FieldType(Kind.FLOAT)
        if all(k.kind == Kind.CHOICE for k in kinds):
            return FieldType(Kind.CHOICE, tuple(c for k in kinds for c in k.choices))
        lists = [k for k in kinds if k.kind == Kind.LIST]
        if lists and all(k.kind in (Kind.LIST, Kind.JSON) for k in kinds):
            return lists[0]  # list[X] | dict: a list is what users give
        if any(k.kind in (Kind.STR, Kind.CHOICE) for k in kinds):
            return FieldType(Kind.STR_OR_JSON)
        return FieldType(Kind.JSON)
    if origin is Literal:
        return FieldType(Kind.CHOICE, get_args(tp))
    if tp is bool:
        return FieldType(Kind.BOOL)
    if tp is int:
        return FieldType(Kind.INT)
    if tp is float:
        return FieldType(Kind.FLOAT)
    if tp is str:
        return FieldType(Kind.STR)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return FieldType(Kind.CHOICE, tuple(member.value for member in tp))
    if origin in (list, tuple, set, frozenset, Sequence, Iterable):
        args = [arg for arg in get_args(tp) if arg is not Ellipsis]
        item = classify(args[0]) if len(args) == 1 else FieldType(Kind.JSON)
        if item.kind in (Kind.LIST, Kind.BOOL):
            item = FieldType(Kind.JSON)
        return FieldType(Kind.LIST, item=item)
    return FieldType(Kind.JSON)


def type_label(field_type: FieldType) -> str:
    """The help text's word for what an option takes ("" when the metavar says enough)."""
    kind = field_type.kind
    if kind == Kind.LIST:
        item = field_type.item
        label = (type_label(item) or "text") if item else "JSON"
        return f"list of {label}; repeat the option or give a JSON array"
    return {
        Kind.STR: "", Kind.INT: "integer", Kind.FLOAT: "number", Kind.BOOL: "",
        Kind.CHOICE: "one of " + ", ".join(str(c) for c in field_type.choices),
        Kind.JSON: "JSON or @file.json", Kind.STR_OR_JSON: "text, JSON or @file.json",
        Kind.FILE: "path of a file to upload",
    }[kind]


def metavar(field_type: FieldType, name: str) -> str:
    kind = field_type.kind
    if kind == Kind.LIST:
        return metavar(field_type.item or FieldType(Kind.JSON), name)
    if kind == Kind.CHOICE:
        choices = "{" + ",".join(str(choice) for choice in field_type.choices) + "}"
        return choices if len(choices) <= 40 else "CHOICE"
    return {Kind.FILE: "PATH", Kind.JSON: "JSON", Kind.STR_OR_JSON: "VALUE", Kind.INT: "N",
            Kind.FLOAT: "NUMBER"}.get(kind, name.upper())


def read_json(text: str, what: str) -> Any:
    """JSON from the text, or from a file (``@path``) or stdin (``@-``)."""
    if text.startswith("@"):
        source = text[1:]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
            raise argparse.ArgumentTypeError(f"cannot read {source!r}: {reason}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{what} is not valid JSON ({exc})") from None


def _looks_like_json(text: str) -> bool:
    return text[:1] in ("{", "[", "@")


def converter(field_type: FieldType, name: str) -> Callable[[str], Any]:
    """The argparse ``type=`` of a field (its errors name the option)."""
    kind = field_type.kind
    if kind == Kind.INT:
        return _to_int
    if kind == Kind.FLOAT:
        return _to_number
    if kind == Kind.CHOICE:
        by_text = {str(choice): choice for choice in field_type.choices}

        def to_choice(text: str) -> Any:
            if text not in by_text:
                raise argparse.ArgumentTypeError(
                    f"choose from {', '.join(by_text)} (got {text!r})")
            return by_text[text]
        return to_choice
    if kind == Kind.JSON:
        return lambda text: read_json(text, name)
    if kind == Kind.STR_OR_JSON:
        def str_or_json(text: str) -> Any:
            if not _looks_like_json(text):
                return text
            try:
                return read_json(text, name)
            except argparse.ArgumentTypeError:
                if text.startswith("@"):
                    raise
                return text  # text that merely starts with a bracket
        return str_or_json
    if kind == Kind.FILE:
        return _to_path
    if kind == Kind.LIST:
        convert_item = converter(field_type.item or FieldType(Kind.JSON), name)

        def to_list(text: str) -> list[Any]:
            # One option value is a whole JSON array ('[...]', @file) or one more item.
            if text[:1] in ("[", "@"):
                value = read_json(text, name)
                return value if isinstance(value, list) else [value]
            return [convert_item(text)]
        return to_list
    return str


def _to_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def int_at_least(minimum: int) -> Callable[[str], int]:
    """A converter for a command's own counting option (``--max-retries``, ``--max-rounds``)."""
    def convert(text: str) -> int:
        value = _to_int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {text!r}")
        return value
    return convert


def _to_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    # "3" stays the integer 3 on the wire (a field typed float | int, or a server that
    # checks for integers); "3.0" and "3e0" are what the user wrote.
    if value.is_integer() and "." not in text and "e" not in text.lower():
        return int(value)
    return value


def _to_path(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    return path


def parse_message(text: str) -> dict[str, str]:
    """``--message user:hello`` (the role is optional and defaults to user)."""
    role, sep, content = text.partition(":")
    if sep and role.strip().lower() in MESSAGE_ROLES:
        return {"role": role.strip().lower(), "content": content}
    return {"role": "user", "content": text}
