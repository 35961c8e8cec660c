"""Spec fields are checked against their declared types when a spec is constructed.

``SessionCreate(agent_id=123)`` raises ``TypeError: SessionCreate.agent_id must be str, not
int`` at once, instead of a request the server refuses (or worse, accepts). The check is the
JSON *kind* of each value, as the type declares it:

- ``str``, ``int`` (not a bool), ``float`` (an int too), ``bool``, ``bytes``; ``None`` only
  where the type is Optional; ``Any`` takes anything;
- a ``Literal`` checks the kind of its values (a str for ``Literal["asc", "desc"]``), not
  membership: a server newer than this library may accept a value the pinned document does
  not list yet (0.7 added reasoning efforts and service tiers), and the type checker already
  flags a misspelt literal; decoding treats Literal the same way;
- an enum takes its members or their values' kind;
- a model (dataclass) takes an instance or a dict (nested values may be plain dicts);
- ``list``/``Sequence``/``tuple[X, ...]`` take a list or a tuple (never a str), each item
  checked; ``dict``/``Mapping`` take a mapping, each value checked (keys are sent as
  ``str(key)``); fixed tuples check each position; ``os.PathLike``, ``IO`` (anything with
  ``read``) and other classes by ``isinstance``;
- what cannot be checked (an annotation that does not resolve, a TypeVar, a typing form
  this module does not know) is not: a spec is never refused for its declaration.

A checker is compiled once per spec class (straight-line code, one class comparison per
field in the common case), so constructing a spec costs a fraction of a microsecond more.
Only the message of a failure is worked out slowly, to name the item that does not fit.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import inspect
import os
import sys
import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal, NamedTuple, Union, get_args, get_origin

__all__ = ["check_fields", "field_types"]

_NONE = type(None)
_UNRESOLVED = object()


class _Check(NamedTuple):
    """Values whose class is in ``fast`` fit outright; any other value fits if ``ok`` says so."""

    fast: frozenset[type]
    ok: Callable[[Any], bool]


def _never(value: Any) -> bool:
    return False


_checkers: dict[type, Callable[[object], None]] = {}
_checks: dict[Any, _Check | None] = {}
_lock = threading.Lock()


def check_fields(spec: object) -> None:
    """Raise TypeError if a field of ``spec`` holds a value of a kind its type does not take."""
    cls = type(spec)
    checker = _checkers.get(cls)
    if checker is None:
        with _lock:
            checker = _checkers.get(cls) or _compile(cls)
            _checkers[cls] = checker
    checker(spec)


def field_types(cls: type) -> dict[str, Any]:
    """Each field's resolved annotation, as ``get_type_hints`` gives them; where that fails
    (a name it cannot resolve), field by field, an unresolvable one left out."""
    try:
        return typing.get_type_hints(cls, include_extras=True)
    except Exception:  # any error evaluating some annotation: resolve the others one by one
        pass
    hints: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        module = sys.modules.get(klass.__module__)
        namespace = dict(vars(module)) if module is not None else {}
        for name, annotation in inspect.get_annotations(klass).items():
            if isinstance(annotation, str):
                try:
                    annotation = eval(annotation, namespace, dict(vars(klass)))
                except Exception:  # arbitrary code in a string: whatever it raises, skip it
                    hints.pop(name, None)
                    continue
            hints[name] = annotation
    return hints


def _compile(cls: type) -> Callable[[object], None]:
    types_of = field_types(cls)
    env: dict[str, Any] = {"fail": _fail}
    lines = ["def check(spec):"]
    for i, field in enumerate(dataclasses.fields(cls)):
        tp = types_of.get(field.name, _UNRESOLVED)
        check = None if tp is _UNRESOLVED or not field.init else _check_for(tp)
        if check is None:
            continue
        env[f"tp{i}"], env[f"ok{i}"] = tp, check.ok
        lines.append(f"    value = spec.{field.name}")
        # Most optional fields are None: an identity test settles them.
        fast = check.fast - {_NONE} if _NONE in check.fast else check.fast
        test = "value is not None and " if _NONE in check.fast else ""
        if len(fast) == 1:
            (env[f"cls{i}"],) = fast
            test += f"value.__class__ is not cls{i}"
        else:
            env[f"fast{i}"] = fast
            test += f"value.__class__ not in fast{i}"
        lines.append(f"    if {test} and not ok{i}(value):")
        lines.append(f"        fail({cls.__name__!r}, {field.name!r}, tp{i}, value)")
    lines.append("    return None")
    exec("\n".join(lines), env)
    checker: Callable[[object], None] = env["check"]
    checker.__qualname__ = f"check_{cls.__name__}"
    return checker


# --- one check per type ----------------------------------------------------------------------


def _check_for(tp: Any) -> _Check | None:
    """The check of ``tp``; None when it takes anything (or cannot be checked)."""
    try:
        return _checks[tp]
    except KeyError:
        check = _checks[tp] = _build(tp)
        return check
    except TypeError:  # an unhashable annotation (Literal of a list): not cached
        return _build(tp)


def _fits(check: _Check | None, value: Any) -> bool:
    return check is None or value.__class__ in check.fast or check.ok(value)


def _instances(classes: tuple[type, ...], *, fast: tuple[type, ...] = (),
               not_bool: bool = False) -> _Check:
    if not_bool:
        return _Check(frozenset(fast or classes),
                      lambda value: isinstance(value, classes) and not isinstance(value, bool))
    return _Check(frozenset(fast or classes), lambda value: isinstance(value, classes))


_SCALARS: dict[Any, _Check] = {
    str: _instances((str,)),
    int: _instances((int,), not_bool=True),
    float: _instances((int, float), not_bool=True),
    bool: _instances((bool,)),
    bytes: _instances((bytes, bytearray, memoryview), fast=(bytes,)),
    _NONE: _Check(frozenset({_NONE}), _never),
}
_SEQUENCES = (list, collections.abc.Sequence, collections.abc.MutableSequence)
_MAPPINGS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)


def _unwrap(tp: Any) -> Any:
    while True:
        if get_origin(tp) is Annotated:
            tp = get_args(tp)[0]
        elif hasattr(tp, "__supertype__"):  # typing.NewType("UserId", str)
            tp = tp.__supertype__
        else:
            return tp


def _build(tp: Any) -> _Check | None:
    tp = _unwrap(tp)
    if tp is Any or tp is object or isinstance(tp, typing.TypeVar):
        return None
    if tp is None:
        tp = _NONE
    if tp in _SCALARS:
        return _SCALARS[tp]
    origin, args = get_origin(tp), get_args(tp)
    if origin is Union or origin is types.UnionType:
        return _union([_check_for(arm) for arm in args])
    if origin is Literal:
        kinds = tuple({_NONE if arg is None else type(arg) for arg in args})
        return _union([_SCALARS.get(kind) or _instances((kind,)) for kind in kinds])
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        kinds = tuple({type(member.value) for member in tp})
        return _union([_instances((tp,)), *(_SCALARS.get(kind) or _instances((kind,))
                                           for kind in kinds)])
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _instances((tp, Mapping), fast=(tp, dict))
    if tp in _SEQUENCES or origin in _SEQUENCES:
        return _sequence(_check_for(args[0]) if args else None)
    if tp is tuple or origin is tuple:
        if not args or (len(args) == 2 and args[1] is Ellipsis):
            return _sequence(_check_for(args[0]) if args else None)
        return _fixed_tuple(tuple(_check_for(arg) for arg in args))
    if tp in _MAPPINGS or origin in _MAPPINGS:
        return _mapping(_check_for(args[1]) if len(args) == 2 else None)
    if origin is typing.IO or tp in (typing.IO, typing.BinaryIO, typing.TextIO) \
            or origin in (typing.BinaryIO, typing.TextIO):
        return _Check(frozenset(), lambda value: callable(getattr(value, "read", None)))
    if origin is os.PathLike or tp is os.PathLike:
        return _instances((os.PathLike,), fast=())
    if isinstance(origin, type):  # another generic class: its class only
        return _instances((origin,), fast=())
    if isinstance(tp, type):
        return _instances((tp,))
    return None  # a typing form this module does not know: not checked


def _union(arms: list[_Check | None]) -> _Check | None:
    if any(arm is None for arm in arms):
        return None  # an arm that takes anything
    checks = [arm for arm in arms if arm is not None]
    fast = frozenset().union(*(check.fast for check in checks))
    tests = tuple(check.ok for check in checks if check.ok is not _never)

    def ok(value: Any) -> bool:
        return any(test(value) for test in tests)

    return _Check(fast, ok if tests else _never)


def _sequence(item: _Check | None) -> _Check:
    if item is None:
        return _instances((list, tuple))
    fast, test = item.fast, item.ok

    def ok(value: Any) -> bool:
        if not isinstance(value, (list, tuple)):
            return False
        for element in value:  # noqa: SIM110 - a loop, not all(...): no generator per call
            if element.__class__ not in fast and not test(element):
                return False
        return True

    return _Check(frozenset(), ok)


def _fixed_tuple(items: tuple[_Check | None, ...]) -> _Check:
    def ok(value: Any) -> bool:
        return (isinstance(value, tuple) and len(value) == len(items)
                and all(_fits(item, element) for item, element in zip(items, value, strict=True)))

    return _Check(frozenset(), ok)


def _mapping(item: _Check | None) -> _Check:
    if item is None:
        return _instances((Mapping,), fast=(dict,))
    fast, test = item.fast, item.ok

    def ok(value: Any) -> bool:
        if not isinstance(value, Mapping):
            return False
        for element in value.values():  # noqa: SIM110 - as above
            if element.__class__ not in fast and not test(element):
                return False
        return True

    return _Check(frozenset(), ok)


# --- the message of a failure (the slow path) ---------------------------------------------------


def _fail(spec_name: str, field: str, tp: Any, value: Any) -> None:
    where, expected, found = _locate(tp, value, field)
    hint = ("; for a path, pass pathlib.Path(...)"
            if isinstance(found, str) and "os.PathLike" in expected else "")
    raise TypeError(f"{spec_name}.{where} must be {expected}, not {_kind(found)}{hint}")


def _kind(value: Any) -> str:
    # The class only, never the value: a value in the wrong field may be a secret.
    return "None" if value is None else type(value).__name__


def _locate(tp: Any, value: Any, where: str) -> tuple[str, str, Any]:
    """(where, what is expected there, the value) of the innermost item that does not fit."""
    tp = _unwrap(tp)
    origin, args = get_origin(tp), get_args(tp)
    if origin is Union or origin is types.UnionType:
        # Inside the one container arm that takes this container, name the item that fails.
        arms = [arm for arm in args if _takes_container(arm, value)]
        if len(arms) == 1:
            return _locate(arms[0], value, where)
    elif _container_of(tp) is Mapping and isinstance(value, Mapping) and len(args) == 2:
        for key, item in value.items():
            if not _fits(_check_for(args[1]), item):
                return _locate(args[1], item, f"{where}[{key!r}]")
    elif _container_of(tp) is not None and isinstance(value, (list, tuple)) and args:
        fixed = (tp is tuple or origin is tuple) and not (len(args) == 2 and args[1] is Ellipsis)
        if not fixed or len(value) == len(args):
            for index, item in enumerate(value):
                item_tp = args[index] if fixed else args[0]
                if not _fits(_check_for(item_tp), item):
                    return _locate(item_tp, item, f"{where}[{index}]")
    return where, _describe(tp), value


def _takes_container(tp: Any, value: Any) -> bool:
    """Whether ``tp`` is a container type of ``value``'s kind (and length, if fixed)."""
    container = _container_of(tp)
    if container is None or not isinstance(value, container):
        return False
    args = get_args(_unwrap(tp))
    fixed = _is_tuple(tp) and bool(args) and not (len(args) == 2 and args[1] is Ellipsis)
    return not fixed or (isinstance(value, tuple) and len(value) == len(args))


def _is_tuple(tp: Any) -> bool:
    tp = _unwrap(tp)
    return tp is tuple or get_origin(tp) is tuple


def _container_of(tp: Any) -> type | tuple[type, ...] | None:
    tp = _unwrap(tp)
    origin = get_origin(tp)
    if tp in _SEQUENCES or origin in _SEQUENCES or tp is tuple or origin is tuple:
        return (list, tuple)
    if tp in _MAPPINGS or origin in _MAPPINGS:
        return Mapping
    return None


def _describe(tp: Any, *, in_union: bool = False) -> str:
    """A type as a message names it: ``str | None``, ``list[Message | dict]``."""
    tp = _unwrap(tp)
    origin, args = get_origin(tp), get_args(tp)
    if tp is None or tp is _NONE:
        return "None"
    if origin is Union or origin is types.UnionType:
        arms = [_describe(arm, in_union=True) for arm in args]
        models = any(isinstance(arm, type) and dataclasses.is_dataclass(arm) for arm in args)
        if models and not any(_container_of(arm) is Mapping for arm in args):
            arms.append("dict")  # a model may always be given as a dict
        if len(arms) > 5:
            arms = [*arms[:3], "...", *arms[-2:]]
        return " | ".join(dict.fromkeys(arms))
    if origin is Literal:
        kinds = sorted({"None" if arg is None else type(arg).__name__ for arg in args})
        shown = ", ".join(repr(arg) for arg in args[:4]) + (", ..." if len(args) > 4 else "")
        return f"{' | '.join(kinds)} (such as {shown})"
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return tp.__name__ if in_union else f"{tp.__name__} | dict"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):  # a member, or its value
        return " | ".join([tp.__name__, *sorted({type(m.value).__name__ for m in tp})])
    if _container_of(tp) is not None and args:
        inner = ", ".join("..." if arg is Ellipsis else _describe(arg) for arg in args)
        name = "dict" if _container_of(tp) is Mapping else (
            "tuple" if tp is tuple or origin is tuple else "list")
        if name == "dict" and len(args) == 2 and args[1] is Any:
            return "dict"
        return f"{name}[{inner}]"
    if origin is typing.IO or tp in (typing.IO, typing.BinaryIO):
        return "a binary file"
    if origin is os.PathLike or tp is os.PathLike:
        return "os.PathLike"
    if isinstance(origin, type):
        return origin.__name__
    return getattr(tp, "__name__", repr(tp))
