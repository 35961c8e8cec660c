"""Fast decoding of parsed JSON into the declared types, compiled once per type.

dataclasses-json's ``from_dict`` re-inspects the type hints of every class on every call
(about 1 ms per chat completion here). This module reads the same declarations (field
names, ``field_name`` overrides, defaults, custom field decoders, ``Undefined`` handling and
the ``CatchAll`` field) once per type and compiles a plain Python function per dataclass, so
responses and stream chunks decode at a small multiple of ``json.loads``. On valid input the
result equals ``from_dict``'s; on input that does not fit it raises ``DecodeError`` naming
where, where ``from_dict`` would raise or warn (tests/unit/test_decoding_equivalence.py
checks both on input hypothesis generates from each declaration). It is stricter than
``from_dict`` in one way on purpose: a JSON value of the wrong kind (a number where a string
is declared) is an error, not coerced.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import operator
import sys
import threading
import types
from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any, Literal, Protocol, Union, get_args, get_origin, get_type_hints

from llamastack.collector import SLICE, collect_young_if_due

__all__ = [
    "CATCH_ALL_METADATA",
    "DecodeError",
    "DecoderOf",
    "TaggedUnionDeclaration",
    "decoder_for",
    "parse_json",
    "register_tagged_union",
    "tagged_union_among",
    "tagged_union_for",
]

Decoder = Callable[[Any], Any]

# Field metadata marking the field that keeps unknown keys (the models' ``model_extra``):
# dataclasses-json knows it by its CatchAll annotation, which exists only once dataclasses-json
# is loaded, and the decoders never load it (llamastack.models.base loads it on first use).
CATCH_ALL_METADATA = "llamastack_catch_all"

_NONE_TYPE = type(None)


class DecodeError(ValueError):
    """A JSON value does not fit the declared type; ``where`` is the path to it."""

    def __init__(self, problem: str, where: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.where = where

    def within(self, outer: str) -> DecodeError:
        if not self.where:
            self.where = outer
        else:
            self.where = outer + ("" if self.where.startswith("[") else ".") + self.where
        self.args = (str(self),)
        return self

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}" if self.where else self.problem


# json.loads's own scanner, called without json.loads's two whitespace regexes and frames:
# a stream event is a few hundred bytes, and those are a tenth of parsing one.
_raw_decode = json.JSONDecoder().raw_decode


def parse_json(data: bytes | str) -> Any:
    """``json.loads``, with JSON nested deeper than it can parse as a ValueError too
    (json raises RecursionError there), so callers handle one kind of bad body."""
    try:
        if data.__class__ is str:
            try:
                value, end = _raw_decode(data)
            except ValueError:  # leading whitespace, or not JSON: json.loads tells which
                return json.loads(data)
            if end == len(data):
                return value
        return json.loads(data)  # bytes, or something after the value (whitespace?)
    except RecursionError:
        raise ValueError("JSON nested too deeply to parse") from None


# --- tagged unions: the registry ---------------------------------------------------------


class TaggedUnionDeclaration(Protocol):
    """What decoding needs of a union told apart by a tag (``models.base.TaggedUnion``)."""

    @property
    def union(self) -> Any: ...

    @property
    def tag(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def arms(self) -> Mapping[Any, type[Any]]:
        """Each tag value and the arm that claims it."""
        ...

    def unknown(self, value: dict[str, Any]) -> Any:
        """The member for an object whose tag no arm claims (an ``UnknownVariant``)."""
        ...


# The one home of the registry: models declare their tagged unions into it (TaggedUnion's
# constructor), decoding reads it. Declarations happen at import, under the import lock.
_TAGGED_UNIONS: dict[Any, TaggedUnionDeclaration] = {}


def register_tagged_union(declaration: TaggedUnionDeclaration) -> None:
    _TAGGED_UNIONS[declaration.union] = declaration


def tagged_union_for(union: Any) -> TaggedUnionDeclaration | None:
    return _TAGGED_UNIONS.get(union)


def tagged_union_among(arms: tuple[Any, ...]) -> TaggedUnionDeclaration | None:
    """The largest registered tagged union whose arms are all among ``arms``."""
    present = set(arms)
    found: TaggedUnionDeclaration | None = None
    for tagged in _TAGGED_UNIONS.values():
        members = set(get_args(tagged.union))
        if members <= present and (found is None or len(members) > len(get_args(found.union))):
            found = tagged
    return found


# --- the decoder cache --------------------------------------------------------------------

# Complete decoders only: read without the lock, so a decoder found here is never one still
# being built. A build (of a type and every type it needs) fills _building, which only the
# thread holding _lock touches, and publishes it here when the outermost type is done; a
# self-referencing type finds its own _LazyDecoder there while it is being built.
_cache: dict[Any, Decoder] = {}
_building: dict[Any, Decoder] = {}
_lock = threading.RLock()


def decoder_for(tp: Any) -> Decoder:
    """The decoder for ``tp`` (a dataclass, a builtin, ``list[...]``, ``dict[str, ...]``,
    ``Optional``, a ``Literal``, an enum, ``Any``, or a union registered as TaggedUnion).
    Safe to call from any number of threads, first use included."""
    try:
        return _cache[tp]
    except (KeyError, TypeError):
        pass
    with _lock:
        found = _cache.get(tp) or _building.get(tp)
        if found is not None:  # built meanwhile, or (this thread) a type being built
            return found
        outermost = not _building
        _building[tp] = _LazyDecoder(tp)
        try:
            decoder = _building[tp] = _build(tp)
            if outermost:
                _cache.update(_building)
        except BaseException:
            _building.pop(tp, None)
            raise
        finally:
            if outermost:
                _building.clear()
        return decoder


class _LazyDecoder:
    """Stands in for a decoder still being built (a self-referencing type). It is only ever
    called after the build that made it was published, or by a thread that waits for it."""

    __slots__ = ("decoder", "tp")

    def __init__(self, tp: Any) -> None:
        self.tp = tp
        self.decoder: Decoder | None = None

    def __call__(self, value: Any) -> Any:
        decoder = self.decoder
        if decoder is None:
            # Published with the decoder that holds this stand-in; decoder_for waits on the
            # lock if another thread is still publishing that build.
            decoder = _cache.get(self.tp) or decoder_for(self.tp)
            if decoder is self:
                raise RuntimeError(f"the decoder for {self.tp!r} was called while being built")
            self.decoder = decoder
        return decoder(value)


def _kind_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean",
            int: "integer", float: "number", _NONE_TYPE: "null"}.get(type(value), type(value).__name__)


def _expected(what: str, value: Any) -> DecodeError:
    return DecodeError(f"expected {what}, got {_kind_name(value)}")


def _build(tp: Any) -> Decoder:
    if tp is Any or tp is object:
        return _identity
    if tp is None or tp is _NONE_TYPE:
        return _decode_none
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _build_dataclass(tp)
    if tp in _PRIMITIVES:
        return _PRIMITIVES[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _build_enum(tp)
    origin = get_origin(tp)
    if origin is Literal:
        return _build_literal(tp)
    if origin is list:
        (item_type,) = get_args(tp) or (Any,)
        return _build_list(decoder_for(item_type))
    if origin is dict:
        key_type, value_type = get_args(tp) or (str, Any)
        if key_type is not str:
            raise TypeError(f"only dict[str, ...] can come from JSON, not {tp!r}")
        return _build_dict(decoder_for(value_type))
    if tp is list:
        return _build_list(_identity)
    if tp is dict:
        return _build_dict(_identity)
    if origin is Union or origin is types.UnionType:
        return _build_union(tp)
    raise TypeError(f"cannot decode JSON into {tp!r}")


def _identity(value: Any) -> Any:
    return value


def _decode_none(value: Any) -> None:
    if value is not None:
        raise _expected("null", value)


def _decode_str(value: Any) -> str:
    if value.__class__ is not str:
        raise _expected("string", value)
    return value


def _decode_int(value: Any) -> int:
    if value.__class__ is not int:
        raise _expected("integer", value)
    return value


def _decode_float(value: Any) -> Any:
    cls = value.__class__
    if cls is float:
        return value
    if cls is int:
        return float(value)  # as from_dict does: a JSON 3 in a float field becomes 3.0
    raise _expected("number", value)


def _decode_bool(value: Any) -> bool:
    if value.__class__ is not bool:
        raise _expected("boolean", value)
    return value


def _decode_bytes(value: Any) -> bytes:
    # JSON has no bytes; a spec declaring bytes gets the raw body (the client skips JSON).
    if value.__class__ is not bytes:
        raise _expected("raw bytes", value)
    return value


# Decoders that only check the JSON value's class and return it unchanged: the compiled
# dataclass decoders inline that check (a class comparison instead of a call per field).
# decoder -> (the exact class, what the error message says is expected)
_CLASS_CHECKS: dict[Decoder, tuple[type, str]] = {}
# decode_optional closures -> the decoder they wrap, for fields whose null is handled inline
_OPTIONAL_INNER: dict[Decoder, Decoder] = {}

_PRIMITIVES: dict[Any, Decoder] = {
    bytes: _decode_bytes,
    str: _decode_str,
    int: _decode_int,
    float: _decode_float,
    bool: _decode_bool,
}


_CLASS_CHECKS.update({_decode_str: (str, "string"), _decode_int: (int, "integer"),
                      _decode_bool: (bool, "boolean")})


def _build_enum(tp: type[enum.Enum]) -> Decoder:
    def decode_enum(value: Any) -> Any:
        try:
            return tp(value)
        except (ValueError, TypeError):
            raise DecodeError(f"{value!r} is not a {tp.__name__}") from None

    return decode_enum


def _build_literal(tp: Any) -> Decoder:
    # The allowed values are not enforced: a server newer than this library may send a
    # value it does not know yet, and that must not crash decoding (from_dict agrees).
    kinds = tuple({type(arg) for arg in get_args(tp)})

    def decode_literal(value: Any) -> Any:
        if not isinstance(value, kinds) or (value.__class__ is bool and bool not in kinds):
            raise _expected(" or ".join(sorted(k.__name__ for k in kinds)), value)
        return value

    if len(kinds) == 1 and kinds[0] in (str, int, bool):
        # JSON gives exactly these classes, so the isinstance test is a class comparison.
        _CLASS_CHECKS[decode_literal] = (kinds[0], kinds[0].__name__)
    return decode_literal


def _build_list(item: Decoder) -> Decoder:
    if item is _identity:

        def decode_any_list(value: Any) -> list[Any]:
            if value.__class__ is not list:
                raise _expected("array", value)
            return value

        _CLASS_CHECKS[decode_any_list] = (list, "array")
        return decode_any_list

    def decode_list(value: Any) -> list[Any]:
        if value.__class__ is not list:
            raise _expected("array", value)
        elements = iter(value)
        try:
            if len(value) <= SLICE:
                return [item(element) for element in elements]
            # A long list in slices, the collector's young generation kept collected between
            # them, so the objects made here do not set off collections of the whole heap
            # (collector.py): the cost per element stays flat from 200 to 200,000.
            decoded: list[Any] = []
            for _ in range(0, len(value), SLICE):
                collect_young_if_due()  # first too: parsing the body may have left it near due
                decoded += [item(element) for element in islice(elements, SLICE)]
            return decoded
        except DecodeError as exc:
            # The failing element is the last one the iterator gave out. Decoding again to
            # find it would repeat the failure at every nested level: exponential in depth.
            index = len(value) - operator.length_hint(elements) - 1
            raise exc.within(f"[{index}]") from None

    return decode_list


def _build_dict(item: Decoder) -> Decoder:
    if item is _identity:

        def decode_any_dict(value: Any) -> dict[str, Any]:
            if value.__class__ is not dict:
                raise _expected("object", value)
            return value

        _CLASS_CHECKS[decode_any_dict] = (dict, "object")
        return decode_any_dict

    def decode_dict(value: Any) -> dict[str, Any]:
        if value.__class__ is not dict:
            raise _expected("object", value)
        # A loop, not a comprehension: a comprehension's key is its own, invisible here
        # when an element fails.
        decoded: dict[str, Any] = {}
        key = None
        try:
            for key, element in value.items():
                decoded[key] = item(element)
        except DecodeError as exc:
            raise exc.within(f"[{key!r}]") from None
        return decoded

    return decode_dict


def _build_tagged(tagged: TaggedUnionDeclaration) -> Decoder:
    """Decode by the tag's value, never by "the first arm that fits"; a tag no arm claims
    gives the declaration's unknown member (an ``UnknownVariant``) instead of failing."""
    # Built with the union (under the lock), so a thread never sees half of them.
    arms = {value: decoder_for(arm) for value, arm in tagged.arms.items()}
    tag, name, unknown = tagged.tag, tagged.name, tagged.unknown

    def decode_tagged(value: Any) -> Any:
        if value.__class__ is not dict:
            raise _expected(f"object for {name}", value)
        tag_value = value.get(tag)
        decode = arms.get(tag_value) if isinstance(tag_value, (str, int)) else None
        return unknown(value) if decode is None else decode(value)

    return decode_tagged


def _build_union(tp: Any) -> Decoder:
    tagged = tagged_union_for(tp)
    if tagged is not None:
        return _build_tagged(tagged)
    arms = get_args(tp)
    optional = _NONE_TYPE in arms
    rest = tuple(arm for arm in arms if arm is not _NONE_TYPE)
    if len(rest) == 1:
        inner = decoder_for(rest[0])
        if optional:

            def decode_optional(value: Any) -> Any:
                return None if value is None else inner(value)

            _OPTIONAL_INNER[decode_optional] = inner
            return decode_optional
        return inner
    non_none = Union[rest] if len(rest) > 1 else rest[0]
    tagged = tagged_union_for(non_none)
    if tagged is not None:
        inner = decoder_for(non_none)
        return (lambda value: None if value is None else inner(value)) if optional else inner
    return _build_kind_union(tp, rest, optional)


def _json_kinds(tp: Any) -> tuple[type, ...]:
    """Which JSON value classes an arm of an untagged union accepts."""
    origin = get_origin(tp)
    if tp in (str, int, bool):
        return (tp,)
    if tp is float:
        return (float, int)
    if origin is list or tp is list:
        return (list,)
    if origin is dict or tp is dict or (isinstance(tp, type) and dataclasses.is_dataclass(tp)):
        return (dict,)
    if origin is Literal:
        return tuple({type(arg) for arg in get_args(tp)})
    if tagged_union_for(tp) is not None:
        return (dict,)
    if tp is Any or tp is object:
        return (dict, list, str, int, float, bool)
    raise TypeError(f"cannot decode JSON into union arm {tp!r}")


def _kept_as_is(arm: Any) -> bool:
    """Whether from_dict hands over this arm's JSON value untouched: it passes the value of
    a multi-arm union through as it is unless it is an object it can match to a dataclass
    arm, so a ``list[float]`` arm keeps its ints and an enum arm its plain value."""
    if isinstance(arm, type) and (dataclasses.is_dataclass(arm) or arm in (str, int, float, bool)):
        return False
    return _has_no_model(arm)


def _has_no_model(tp: Any) -> bool:
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return False
    if get_origin(tp) is Literal:
        return True
    if tagged_union_for(tp) is not None:
        return False
    return all(_has_no_model(arg) for arg in get_args(tp))


def _checked_only(decode: Decoder) -> Decoder:
    def decode_checked(value: Any) -> Any:
        decode(value)
        return value

    return decode_checked


def _build_kind_union(tp: Any, arms: tuple[Any, ...], optional: bool) -> Decoder:
    """An untagged union whose arms take different JSON kinds (``str | list[Part]``).

    Two arms taking the same kind would need a guess, which is exactly the "first arm that
    fits" decoding this library refuses: declare a TaggedUnion for those instead.
    """
    nested = tagged_union_among(arms)
    if nested is not None:
        # typing flattens a TaggedUnion inside a larger union (Union[str, Union[A, B]] is
        # Union[str, A, B]); its arms are put back together so they still decode by tag.
        members = get_args(nested.union)
        arms = (*(arm for arm in arms if arm not in members), nested.union)
    by_kind: dict[type, Decoder] = {}
    for arm in arms:
        for kind in _json_kinds(arm):
            if kind is int and arm is float:
                continue  # a JSON integer goes to an int arm if there is one (added below)
            if kind in by_kind:
                raise TypeError(f"{tp!r}: two arms take JSON {kind.__name__}; declare a TaggedUnion")
            by_kind[kind] = _checked_only(decoder_for(arm)) if _kept_as_is(arm) else decoder_for(arm)
    if float in by_kind and int not in by_kind:
        # from_dict passes a value of a multi-arm union through untouched: a JSON 3 for
        # ``float | str`` stays the int 3 (only a plain ``float`` field makes it 3.0).
        by_kind[int] = _identity
    names = " or ".join(sorted(_kind_name(kind()) for kind in by_kind))

    def decode_kind_union(value: Any) -> Any:
        if value is None and optional:
            return None
        decode = by_kind.get(value.__class__)
        if decode is None:
            raise _expected(names, value)
        return decode(value)

    return decode_kind_union


# --- dataclasses --------------------------------------------------------------------------

_MISSING = object()


class _Field:
    __slots__ = ("custom", "decode", "default", "factory", "key", "name", "required", "tp")

    def __init__(self, field: dataclasses.Field[Any], tp: Any, key: str, custom: Any) -> None:
        self.name = field.name
        self.key = key
        self.tp = tp
        self.custom = custom
        self.default = field.default
        self.factory = field.default_factory
        self.required = self.default is dataclasses.MISSING and self.factory is dataclasses.MISSING
        if isinstance(custom, DecoderOf):
            self.decode = decoder_for(custom.tp)
        else:
            self.decode = decoder_for(tp) if custom is None else _custom_decoder(custom, tp)


class DecoderOf:
    """A field decoder for dataclasses-json's config that is this module's decoder for ``tp``
    (``models.base.union_field``): dataclasses-json calls it, and a compiled decoder uses
    ``decoder_for(tp)`` itself instead of going through it (a lookup of ``tp`` per value)."""

    __slots__ = ("tp",)

    def __init__(self, tp: Any) -> None:
        self.tp = tp

    def __call__(self, value: Any) -> Any:
        return decoder_for(self.tp)(value)

    def __repr__(self) -> str:
        return f"DecoderOf({self.tp!r})"


def _custom_decoder(custom: Callable[[Any], Any], tp: Any) -> Decoder:
    def decode_custom(value: Any) -> Any:
        if tp is type(value):  # mirrors from_dict: a value already of the field's type stays
            return value
        try:
            return custom(value)
        except DecodeError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise DecodeError(f"{type(exc).__name__}: {exc}") from None

    return decode_custom


def _undefined_action(config: Mapping[str, Any]) -> str | None:
    """What a class does with unknown keys: "INCLUDE", "RAISE", "EXCLUDE" or None, read
    without loading dataclasses-json (the models' config says it as ``undefined_action``)."""
    declared = getattr(config, "undefined_action", None)
    if declared is not None:
        return str(declared)
    value = config.get("undefined")
    if value is None:
        return None
    return value.upper() if isinstance(value, str) else str(value.name)  # an Undefined member


def _is_catch_all(field: dataclasses.Field[Any], hint: Any) -> bool:
    """The field unknown keys go to: the models' ``model_extra`` (marked in its metadata), or
    a field annotated with dataclasses-json's ``CatchAll`` (which means it is imported)."""
    if field.metadata.get(CATCH_ALL_METADATA):
        return True
    utils = sys.modules.get("dataclasses_json.utils")
    catch_all_var = getattr(utils, "CatchAllVar", None)
    return catch_all_var is not None and hint == Union[catch_all_var, None]


def _build_dataclass(cls: type) -> Decoder:
    class_config: Mapping[str, Any] = getattr(cls, "dataclass_json_config", None) or {}
    undefined = _undefined_action(class_config)
    # dataclasses-json's global decoders, if anyone registered one (it is loaded then)
    json_cfg = sys.modules.get("dataclasses_json.cfg")
    global_decoders = json_cfg.global_config.decoders if json_cfg is not None else {}
    catch_all: str | None = None
    plan: list[_Field] = []
    hints = get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if not field.init:
            if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING:
                raise TypeError(f"{cls.__name__}.{field.name}: init=False fields are not supported")
            continue
        tp = hints[field.name]
        if _is_catch_all(field, tp):
            catch_all = field.name
            continue
        # A field's own config over the class's, as dataclasses-json merges them.
        own = field.metadata.get("dataclasses_json", {})
        letter_case = own.get("letter_case", class_config.get("letter_case"))
        key = letter_case(field.name) if letter_case is not None else field.name
        custom = own.get("decoder", class_config.get("decoder"))
        if custom is None and field.type in global_decoders:
            custom = global_decoders[field.type]
        plan.append(_Field(field, tp, key, custom))
    if undefined == "INCLUDE" and catch_all is None:
        raise TypeError(f"{cls.__name__}: Undefined.INCLUDE needs a CatchAll field")
    return _compile(cls, plan, catch_all if undefined == "INCLUDE" else None,
                    raise_unknown=undefined == "RAISE")


def _compile(cls: type, plan: list[_Field], catch_all: str | None, raise_unknown: bool) -> Decoder:
    """Generate straight-line code for one dataclass: no per-object type inspection.

    A required field is read with ``d[key]`` (a KeyError is the missing field), an optional
    one with ``d.get(key, MISSING)``; which field failed is told by the line the exception
    came from (its traceback), not by bookkeeping on every field; unknown keys are looked
    for only when the object has more keys than the declared ones it carries (``len(d)``
    against the count of declared keys found, kept by counting the missing ones). The
    instance is made with ``object.__new__`` and its fields set in declaration order as the
    dataclass's own ``__init__`` sets them (``o.name = value``, or ``object.__setattr__`` for
    a frozen dataclass), so CPython keeps them in the instance's inline values instead of
    making a ``__dict__`` for each object.
    """
    env: dict[str, Any] = {
        "cls": cls, "new": object.__new__, "MISSING": _MISSING, "DecodeError": DecodeError,
        "expected": _expected, "known": frozenset(f.key for f in plan) | (
            {catch_all} if catch_all else set()),
    }
    check_unknown = raise_unknown or catch_all is not None
    optional = [fld for fld in plan if not fld.required]
    count_missing = check_unknown and bool(optional)
    lines = [
        "def decode(d):",
        "    if d.__class__ is not dict:",
        f"        raise expected('object for {cls.__name__}', d)",
    ]
    if count_missing:
        lines.append("    m = 0")
    lines.append("    try:")
    variables: dict[str, str] = {}
    field_at_line: dict[int, str] = {}  # line number (from 1) -> the key that line reads
    for i, fld in enumerate(plan):
        first = len(lines) + 1
        var = f"v{i}"
        variables[fld.name] = var
        accepts_none = _accepts_none(fld.tp)
        decode = _OPTIONAL_INNER.get(fld.decode, fld.decode) if accepts_none else fld.decode
        if fld.required:
            lines.append(f"        {var} = d[{fld.key!r}]")
            body = _decode_lines(env, i, decode, var, "        ")
            if body and accepts_none:
                lines.append(f"        if {var} is not None:")
                body = _decode_lines(env, i, decode, var, "            ")
            lines += body
            field_at_line.update(dict.fromkeys(range(first, len(lines) + 1), fld.key))
            continue
        lines.append(f"        {var} = d.get({fld.key!r}, MISSING)")
        lines.append(f"        if {var} is MISSING:")
        if count_missing:
            lines.append("            m += 1")
        if fld.factory is not dataclasses.MISSING:
            env[f"factory{i}"] = fld.factory
            lines.append(f"            {var} = factory{i}()")
        else:
            env[f"default{i}"] = fld.default
            lines.append(f"            {var} = default{i}")
        body = _decode_lines(env, i, decode, var, "            ")
        if body:
            lines.append(f"        elif {var} is not None:" if accepts_none else "        else:")
            lines += body
        field_at_line.update(dict.fromkeys(range(first, len(lines) + 1), fld.key))
    env["field_at"] = functools.partial(_field_at, field_at_line)
    if not plan:
        lines.append("        pass")  # only a catch-all (UnknownVariant) or no fields at all
    lines += [
        "    except DecodeError as exc:",
        "        raise exc.within(field_at(exc)) from None",
        "    except KeyError as exc:",
        "        f = field_at(exc)",
        "        if f in d:",  # not the missing field: a bug somewhere below, shown as it is
        "            raise",
        "        raise DecodeError('required field is missing', f) from None",
        # A recursive model nested a few hundred levels deep exhausts the stack (JSON that
        # json.loads still parses); that is input that does not fit, not a crash.
        "    except RecursionError as exc:",
        "        raise DecodeError('nested too deeply to decode', field_at(exc)) from None",
    ]
    # Every declared key found (all of them minus the missing ones) and nothing else: the
    # usual case is one comparison; otherwise the unknown keys are picked out.
    present = f"len(d) + m != {len(plan)}" if count_missing else f"len(d) != {len(plan)}"
    if raise_unknown:
        lines += [f"    if {present}:",
                  "        extra = [k for k in d if k not in known]",
                  "        if extra:",
                  "            raise DecodeError('unknown fields ' + repr(extra))"]
    if catch_all:
        # dataclasses-json merges a JSON key that equals the catch-all field's own name into
        # the catch-all.
        lines += [
            f"    if {present}:",
            "        extra = {k: v for k, v in d.items() if k not in known}",
            f"        own = d.get({catch_all!r}, MISSING)",
            "        if own is not MISSING:",
            "            if own.__class__ is not dict:",
            "                raise DecodeError('must be an object (the catch-all field)',"
            f" {catch_all!r})",
            "            extra = {**own, **extra}",
            "    else:",
            "        extra = {}",
        ]
        variables[catch_all] = "extra"
    lines.append("    o = new(cls)")
    params = getattr(cls, "__dataclass_params__", None)
    if params is not None and params.frozen:
        env["setattr"] = object.__setattr__
        assign = "    setattr(o, {name!r}, {var})"
    else:
        assign = "    o.{name} = {var}"
    # Declaration order, as __init__ assigns them (a base class's fields first).
    lines += [assign.format(name=field.name, var=variables[field.name])
              for field in dataclasses.fields(cls) if field.name in variables]
    if hasattr(cls, "__post_init__"):
        lines.append("    o.__post_init__()")
    lines.append("    return o")
    exec("\n".join(lines), env)
    decoder: Decoder = env["decode"]
    decoder.__qualname__ = f"decode_{cls.__name__}"
    return decoder


def _field_at(field_at_line: dict[int, str], exc: BaseException) -> str:
    """The key whose line in a compiled decoder ``exc`` came through (its traceback's entry
    for that frame, the first one: the handler is in the frame that raised or called)."""
    traceback = exc.__traceback__
    return field_at_line.get(traceback.tb_lineno, "") if traceback is not None else ""


def _decode_lines(env: dict[str, Any], i: int, decode: Decoder, var: str, indent: str
                  ) -> list[str]:
    """The code decoding ``var`` (never None here) with ``decode``: nothing for a value
    taken as it is, a class comparison for the decoders that only check the class, else a
    call."""
    if decode is _identity:
        return []
    check = _CLASS_CHECKS.get(decode)
    if check is None:
        env[f"dec{i}"] = decode
        return [f"{indent}{var} = dec{i}({var})"]
    env[f"cls{i}"], what = check
    return [f"{indent}if {var}.__class__ is not cls{i}:",
            f"{indent}    raise expected({what!r}, {var})"]


def _accepts_none(tp: Any) -> bool:
    if tp is Any or tp is object or tp is None or tp is _NONE_TYPE:
        return True
    origin = get_origin(tp)
    return (origin is Union or origin is types.UnionType) and _NONE_TYPE in get_args(tp)
