"""Python types to JSON Schema, and validated JSON back to the Python values the types name.

``compile_type(tp, where)`` returns both halves at once, so the schema a model is shown and the
conversion of what it sends can never disagree:

=============================================  =================================================
Python                                         JSON Schema (conversion of the validated value)
=============================================  =================================================
``str`` / ``int`` / ``float`` / ``bool``       ``string`` / ``integer`` / ``number`` / ``boolean``
``None``                                       ``null``
``Optional[X]``, ``X | None``, other unions    ``anyOf`` of the arms (the first arm that fits)
``Literal["a", 1]``                            ``enum`` (with ``type`` when all share one)
an ``Enum`` subclass                           ``enum`` of the values (back to the member)
``list[T]``, ``Sequence[T]``                   ``array`` of T (a list)
``set[T]``, ``frozenset[T]``                   ``array`` of T, ``uniqueItems`` (a set)
``tuple[T, ...]`` / ``tuple[A, B]``            ``array`` of T / ``prefixItems``, exact length
``dict[str, T]``, ``Mapping[str, T]``          ``object`` with ``additionalProperties`` T
a dataclass                                    ``object`` of its init fields (an instance)
a ``TypedDict``                                ``object`` of its keys (a dict)
``Annotated[T, "text"]``                       T, with ``description`` "text"
``Any``, bare ``list`` / ``dict`` / ``tuple``  any JSON value / array / object of any values
=============================================  =================================================

Anything else (``bytes``, ``datetime``, arbitrary classes, callables, ``dict[int, T]``, recursive
dataclasses) raises ``ToolDefinitionError`` naming where it was found.
"""

from __future__ import annotations

import collections.abc
import contextlib
import dataclasses
import enum
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal, Union, get_args, get_origin

from llamastack.agents.docstrings import parse_docstring
from llamastack.agents.validation import validate

__all__ = ["Compiled", "Converter", "ToolDefinitionError", "compile_type", "jsonable_default",
           "object_schema", "property_schema"]

Converter = Callable[[Any], Any]
JSONSchema = dict[str, Any]


class ToolDefinitionError(TypeError):
    """A function cannot be offered to a model as a tool (raised when the tool is defined)."""


@dataclasses.dataclass(frozen=True)
class Compiled:
    schema: JSONSchema
    convert: Converter


def _same(value: Any) -> Any:
    return value


def _to_float(value: Any) -> Any:
    return float(value)


def _to_int(value: Any) -> Any:
    return int(value)  # 2.0 is a JSON integer; the function asked for an int


_PRIMITIVES: dict[Any, Compiled] = {
    str: Compiled({"type": "string"}, _same),
    int: Compiled({"type": "integer"}, _to_int),
    float: Compiled({"type": "number"}, _to_float),
    bool: Compiled({"type": "boolean"}, _same),
    type(None): Compiled({"type": "null"}, _same),
}
_SEQUENCES = (list, collections.abc.Sequence, collections.abc.MutableSequence,
              collections.abc.Iterable, collections.abc.Collection)
_SETS = (set, frozenset, collections.abc.Set, collections.abc.MutableSet)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)
_JSON_SCALARS = (str, int, float, bool, type(None))


def compile_type(tp: Any, where: str, _active: tuple[type, ...] = ()) -> Compiled:
    """The schema and converter of ``tp``; ``where`` names the spot for error messages
    (``"parameter 'unit' of tool 'get_weather'"``)."""
    origin, args = get_origin(tp), get_args(tp)
    if origin is typing.Annotated:
        inner = compile_type(args[0], where, _active)
        notes = [note for note in args[1:] if isinstance(note, str)]
        if notes:
            return Compiled({**inner.schema, "description": notes[0]}, inner.convert)
        return inner
    if tp is Any:
        return Compiled({}, _same)
    if tp in _PRIMITIVES:
        return _PRIMITIVES[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum(tp, where)
    if origin is Literal:
        return _literal(args, where)
    if origin is Union or origin is types.UnionType:
        return _union(args, where, _active)
    if tp in _SEQUENCES or origin in _SEQUENCES:
        item = compile_type(args[0], where, _active) if args else compile_type(Any, where)
        return Compiled({"type": "array", "items": item.schema},
                        lambda value: [item.convert(v) for v in value])
    if tp in _SETS or origin in _SETS:
        item = compile_type(args[0], where, _active) if args else compile_type(Any, where)
        make = frozenset if frozenset in (tp, origin) else set
        return Compiled({"type": "array", "items": item.schema, "uniqueItems": True},
                        lambda value: make(item.convert(v) for v in value))
    if tp is tuple or origin is tuple:
        return _tuple(args, where, _active)
    if tp in _MAPPINGS or origin in _MAPPINGS:
        return _mapping(args, where, _active)
    if typing.is_typeddict(tp):
        return _typeddict(tp, where, _active)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass(tp, where, _active)
    raise ToolDefinitionError(
        f"{where}: type {_type_name(tp)} cannot be described to a model as JSON; use str, int, "
        "float, bool, a Literal or Enum, list/tuple/set/dict of those, a dataclass or a TypedDict")


def jsonable_default(value: Any) -> Any:
    """A default value as JSON (Enum members by value, tuples and sets as lists, dataclasses
    as objects); ``ValueError`` when it has no JSON form."""
    if isinstance(value, enum.Enum):
        return jsonable_default(value.value)
    if isinstance(value, _JSON_SCALARS):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable_default(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): jsonable_default(item) for key, item in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable_default(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise ValueError(f"{value!r} has no JSON form")


def _type_name(tp: Any) -> str:
    return tp.__qualname__ if isinstance(tp, type) else repr(tp)


def _scalar_type(values: tuple[Any, ...]) -> str | None:
    kinds = {str(_PRIMITIVES[type(v)].schema["type"]) for v in values if type(v) in _PRIMITIVES}
    if len(kinds) == 1 and all(type(v) in _PRIMITIVES for v in values):
        return kinds.pop()
    return None


def _enum(tp: type[enum.Enum], where: str) -> Compiled:
    values = tuple(member.value for member in tp)
    if not values or not all(isinstance(v, _JSON_SCALARS) for v in values):
        raise ToolDefinitionError(f"{where}: the values of enum {tp.__qualname__} must be "
                                  "str, int, float or bool to be sent as JSON")
    schema: JSONSchema = {"enum": list(values)}
    kind = _scalar_type(values)
    if kind is not None:
        schema = {"type": kind, **schema}
    return Compiled(schema, tp)


def _literal(values: tuple[Any, ...], where: str) -> Compiled:
    if not all(isinstance(v, _JSON_SCALARS) for v in values):
        raise ToolDefinitionError(f"{where}: Literal values must be str, int, float, bool or None")
    schema: JSONSchema = {"enum": list(values)}
    kind = _scalar_type(values)
    if kind is not None:
        schema = {"type": kind, **schema}
    return Compiled(schema, _same)


def _union(arms: tuple[Any, ...], where: str, active: tuple[type, ...]) -> Compiled:
    compiled = [compile_type(arm, where, active) for arm in arms]

    def convert(value: Any) -> Any:
        for arm in compiled:  # the first arm the value fits, as the validator accepted it
            if not validate(value, arm.schema):
                return arm.convert(value)
        return value

    return Compiled({"anyOf": [arm.schema for arm in compiled]}, convert)


def _tuple(args: tuple[Any, ...], where: str, active: tuple[type, ...]) -> Compiled:
    if not args:
        return Compiled({"type": "array", "items": {}}, tuple)
    if len(args) == 2 and args[1] is Ellipsis:
        item = compile_type(args[0], where, active)
        return Compiled({"type": "array", "items": item.schema},
                        lambda value: tuple(item.convert(v) for v in value))
    if args == ((),):  # tuple[()]: the empty tuple
        return Compiled({"type": "array", "maxItems": 0}, tuple)
    parts = [compile_type(arg, where, active) for arg in args]
    return Compiled({"type": "array", "prefixItems": [p.schema for p in parts],
                     "minItems": len(parts), "maxItems": len(parts)},
                    lambda value: tuple(p.convert(v) for p, v in zip(parts, value, strict=True)))


def _mapping(args: tuple[Any, ...], where: str, active: tuple[type, ...]) -> Compiled:
    if not args:
        return Compiled({"type": "object"}, dict)
    key = args[0]
    if key is not str and not (get_origin(key) is Literal and all(isinstance(a, str)
                                                                  for a in get_args(key))):
        raise ToolDefinitionError(f"{where}: JSON object keys are strings; {_type_name(key)} "
                                  "keys cannot be sent (use dict[str, ...])")
    value = compile_type(args[1], where, active)
    return Compiled({"type": "object", "additionalProperties": value.schema},
                    lambda mapping: {k: value.convert(v) for k, v in mapping.items()})


def _hints(cls: type, where: str) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception as exc:  # NameError for an unresolvable forward reference, mostly
        raise ToolDefinitionError(f"{where}: cannot resolve the type hints of "
                                  f"{cls.__qualname__}: {exc}") from exc


def _class_doc(cls: type) -> tuple[str, dict[str, str]]:
    doc = cls.__doc__ or ""
    if dataclasses.is_dataclass(cls) and doc.startswith(cls.__name__ + "("):
        doc = ""  # the signature dataclasses write when a class has no docstring
    parsed = parse_docstring(doc)
    return parsed.description, parsed.params


def object_schema(properties: dict[str, JSONSchema], required: list[str],
                  description: str = "") -> JSONSchema:
    """The schema of an object with exactly these properties (a dataclass, a TypedDict, the
    parameters of a tool)."""
    schema: JSONSchema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def property_schema(compiled: Compiled, description: str | None, default: Any) -> JSONSchema:
    """The schema of one property: the type's, with the documented description unless the type
    has its own, and the default (``dataclasses.MISSING``: none) when JSON can show it."""
    schema = dict(compiled.schema)
    if description and "description" not in schema:
        schema["description"] = description
    if default is not dataclasses.MISSING:
        with contextlib.suppress(ValueError):  # no JSON form: not shown; the function applies it
            schema["default"] = jsonable_default(default)
    return schema


def _dataclass(cls: type, where: str, active: tuple[type, ...]) -> Compiled:
    if cls in active:
        raise ToolDefinitionError(f"{where}: {cls.__qualname__} contains itself; recursive types "
                                  "cannot be described to a model")
    hints = _hints(cls, where)
    description, docs = _class_doc(cls)
    properties: dict[str, JSONSchema] = {}
    required: list[str] = []
    fields: dict[str, Compiled] = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        inner_where = f"{where}, field {f.name!r} of {cls.__qualname__}"
        compiled = compile_type(hints[f.name], inner_where, (*active, cls))
        fields[f.name] = compiled
        default = f.default if f.default_factory is dataclasses.MISSING else dataclasses.MISSING
        properties[f.name] = property_schema(compiled, docs.get(f.name), default)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)

    def convert(value: Any) -> Any:
        return cls(**{name: fields[name].convert(item) for name, item in value.items()})

    return Compiled(object_schema(properties, required, description), convert)


def _typeddict(cls: type, where: str, active: tuple[type, ...]) -> Compiled:
    if cls in active:
        raise ToolDefinitionError(f"{where}: {cls.__qualname__} contains itself; recursive types "
                                  "cannot be described to a model")
    hints = _hints(cls, where)
    description, docs = _class_doc(cls)
    required_keys: frozenset[str] = getattr(cls, "__required_keys__", frozenset(hints))
    properties: dict[str, JSONSchema] = {}
    keys: dict[str, Compiled] = {}
    for name, hint in hints.items():
        compiled = compile_type(_strip_required(hint), f"{where}, key {name!r} of {cls.__qualname__}",
                                (*active, cls))
        keys[name] = compiled
        properties[name] = property_schema(compiled, docs.get(name), dataclasses.MISSING)
    required = [name for name in hints if name in required_keys]

    def convert(value: Any) -> Any:
        return {name: keys[name].convert(item) for name, item in value.items()}

    return Compiled(object_schema(properties, required, description), convert)


def _strip_required(hint: Any) -> Any:
    """``Required[T]`` / ``NotRequired[T]`` say whether a TypedDict key is required
    (``__required_keys__`` already knows); the type is T."""
    origin = get_origin(hint)
    if origin is not None and getattr(origin, "_name", None) in ("Required", "NotRequired"):
        return get_args(hint)[0]
    return hint
