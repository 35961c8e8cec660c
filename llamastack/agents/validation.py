"""A JSON Schema validator for the subset that ``schema.py`` generates.

Keywords checked: ``type`` (one name), ``enum``, ``anyOf``, ``properties``, ``required``,
``additionalProperties`` (a bool or a schema), ``items``, ``prefixItems``, ``minItems``,
``maxItems`` and ``uniqueItems``. Annotations (``description``, ``default``, ``title``) are
ignored. Any other keyword is refused loudly, so a schema this module cannot fully check is
never half-checked. Small on purpose: the library adds no dependency for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["SchemaError", "describe_value", "validate"]

_ANNOTATIONS = frozenset({"description", "default", "title", "examples"})
_CHECKED = frozenset({"type", "enum", "anyOf", "properties", "required", "additionalProperties",
                      "items", "prefixItems", "minItems", "maxItems", "uniqueItems"})

# Problems reported per call: enough to fix the arguments, short enough for a model to read.
_MAX_PROBLEMS = 10


class SchemaError(ValueError):
    """The schema uses a keyword this validator does not check."""


def validate(value: Any, schema: Mapping[str, Any], path: str = "") -> list[str]:
    """Every way ``value`` (parsed JSON) breaks ``schema``, as readable lines naming where;
    empty when it fits."""
    problems: list[str] = []
    _check(value, schema, path, problems)
    return problems[:_MAX_PROBLEMS]


def describe_value(value: Any) -> str:
    """A short rendering of a JSON value for an error message."""
    kind = _json_type(value)
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > 60:
        text = text[:57] + "..."
    return kind if kind in ("object", "array") and len(text) > 20 else f"{kind} {text}"


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _fits_type(value: Any, name: str) -> bool:
    if name == "integer":
        # JSON Schema: an integer is any number with a zero fractional part, so 2.0 fits.
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer())
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return _json_type(value) == name


def _json_equal(left: Any, right: Any) -> bool:
    """Equality as JSON sees it: true is not 1, and 1 equals 1.0."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_json_equal, left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_json_equal(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


def _where(path: str) -> str:
    return path or "arguments"


def _check(value: Any, schema: Mapping[str, Any], path: str, problems: list[str]) -> None:
    unknown = set(schema) - _CHECKED - _ANNOTATIONS
    if unknown:
        raise SchemaError(f"schema keyword(s) {sorted(unknown)} at {_where(path)} cannot be checked")
    if "anyOf" in schema:
        arms: Sequence[Mapping[str, Any]] = schema["anyOf"]
        if not any(not validate(value, arm, path) for arm in arms):
            same_kind = [arm for arm in arms if _fits_type(value, arm.get("type", ""))]
            if len(same_kind) == 1:  # Point | None given an object: say what is wrong inside
                _check(value, same_kind[0], path, problems)
                return
            expected = " or ".join(_expectation(arm) for arm in arms)
            problems.append(f"{_where(path)}: expected {expected}, got {describe_value(value)}")
            return
    if "enum" in schema:
        choices = schema["enum"]
        if not any(_json_equal(value, choice) for choice in choices):
            listed = ", ".join(json.dumps(choice, ensure_ascii=False) for choice in choices)
            problems.append(f"{_where(path)}: expected one of {listed}, got {describe_value(value)}")
            return
    kind = schema.get("type")
    if kind is not None and not _fits_type(value, kind):
        problems.append(f"{_where(path)}: expected {kind}, got {describe_value(value)}")
        return
    if isinstance(value, dict):
        _check_object(value, schema, path, problems)
    elif isinstance(value, list):
        _check_array(value, schema, path, problems)


def _expectation(schema: Mapping[str, Any]) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(c, ensure_ascii=False) for c in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_expectation(arm) for arm in schema["anyOf"])
    return str(schema.get("type", "any value"))


def _check_object(value: dict[str, Any], schema: Mapping[str, Any], path: str,
                  problems: list[str]) -> None:
    properties: Mapping[str, Any] = schema.get("properties", {})
    for name in schema.get("required", ()):
        if name not in value:
            problems.append(f"{_join(path, name)}: required but missing")
    extra = schema.get("additionalProperties", True)
    for name, item in value.items():
        if name in properties:
            _check(item, properties[name], _join(path, name), problems)
        elif extra is False:
            allowed = ", ".join(properties) or "none"
            problems.append(f"{_join(path, name)}: unexpected (allowed: {allowed})")
        elif isinstance(extra, Mapping):
            _check(item, extra, _join(path, name), problems)


def _check_array(value: list[Any], schema: Mapping[str, Any], path: str,
                 problems: list[str]) -> None:
    low, high = schema.get("minItems"), schema.get("maxItems")
    if low is not None and len(value) < low:
        problems.append(f"{_where(path)}: expected at least {low} item(s), got {len(value)}")
    if high is not None and len(value) > high:
        problems.append(f"{_where(path)}: expected at most {high} item(s), got {len(value)}")
    prefix: Sequence[Mapping[str, Any]] = schema.get("prefixItems", ())
    items = schema.get("items")
    for index, item in enumerate(value):
        if index < len(prefix):
            _check(item, prefix[index], f"{_where(path)}[{index}]", problems)
        elif isinstance(items, Mapping):
            _check(item, items, f"{_where(path)}[{index}]", problems)
    if schema.get("uniqueItems"):
        seen: set[str] = set()
        for index, item in enumerate(value):
            key = json.dumps(item, sort_keys=True, default=str)
            if key in seen:
                problems.append(f"{_where(path)}[{index}]: duplicate item {describe_value(item)}")
            seen.add(key)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
