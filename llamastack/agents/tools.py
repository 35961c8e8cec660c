"""Python functions as tools: ``tool`` builds the definition a model sees and runs its calls.

::

    @tool
    def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
        \"\"\"Current weather in a city.

        Args:
            city: The city's name.
            unit: Temperature unit.
        \"\"\"

``get_weather`` is still the function (``get_weather("Paris")`` works as before) and also has
``.name``, ``.description`` and ``.parameters`` (a JSON Schema). Every parameter needs a type
hint that JSON can carry (see ``schema.py``); anything else is a ``ToolDefinitionError`` when the
tool is defined, naming the function and the parameter.

A call from the model goes through ``invoke``: the arguments are parsed, checked against the
schema, converted to the declared types (a dict becomes the dataclass, a list the tuple, a
string the Enum member) and only then passed to the function. A string result is sent as is,
anything else as JSON (never failing: what JSON cannot hold is sent as its ``str``). An
exception becomes an error output naming its type and message; a ``BaseException`` that is not
an ``Exception`` (KeyboardInterrupt, SystemExit) is not caught.

``async def`` functions are accepted: each call runs to completion with ``asyncio.run`` in the
thread that runs the tool (a fresh event loop per call), so the coroutine must not depend on an
event loop created elsewhere.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import inspect
import json
import re
import typing
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, ParamSpec, TypeVar, overload

from llamastack.agents.docstrings import parse_docstring
from llamastack.agents.schema import (
    Compiled,
    ToolDefinitionError,
    compile_type,
    object_schema,
    property_schema,
)
from llamastack.agents.validation import validate

__all__ = ["FunctionTool", "ToolDefinitionError", "ToolOutcome", "format_output", "tool",
           "unknown_tool_outcome"]

P = ParamSpec("P")
R = TypeVar("R")

# The function-name rule of the OpenAI-compatible tool APIs the server forwards to.
_TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclasses.dataclass(frozen=True)
class ToolOutcome:
    """What one call produced: ``output`` is the text sent back to the model."""

    output: str
    is_error: bool
    arguments: Mapping[str, Any]
    result: Any = None
    error: BaseException | None = dataclasses.field(default=None, compare=False)


class FunctionTool(Generic[P, R]):
    """A Python function offered to a model. Calling it calls the function."""

    __name__: str  # copied from the function with its __doc__ and __module__

    def __init__(self, fn: Callable[P, R], *, name: str | None = None,
                 description: str | None = None) -> None:
        if isinstance(fn, FunctionTool):
            fn = fn.fn
        if not callable(fn):
            raise ToolDefinitionError(f"a tool must be a function, got {type(fn).__name__}")
        functools.update_wrapper(self, fn)  # __name__, __doc__, __wrapped__ (signature)
        self.fn: Callable[P, R] = fn
        self.name = _tool_name(fn, name)
        if inspect.isasyncgenfunction(fn) or inspect.isgeneratorfunction(fn):
            raise ToolDefinitionError(f"tool {self.name!r}: generator functions cannot be tools "
                                      "(return the whole result instead)")
        doc = parse_docstring(inspect.getdoc(fn))
        self.description = doc.description if description is None else description
        self._parameters, self._converters = _parameters(fn, self.name, doc.params)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        return self.fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"FunctionTool({self.name!r})"

    @property
    def parameters(self) -> dict[str, Any]:
        """The JSON Schema of the arguments (a fresh copy each time)."""
        return json.loads(json.dumps(self._parameters))  # type: ignore[no-any-return]

    def definition(self) -> dict[str, Any]:
        """The function tool as the Responses API takes it. ``description`` is always there,
        if empty: llama-stack 0.3-0.5 fail a response whose function tool has none (its chat
        tool needs a string; seen live), and 0.2 refuses it with a 400."""
        return {"type": "function", "name": self.name, "description": self.description,
                "parameters": self.parameters}

    def invoke(self, raw_arguments: str | Mapping[str, Any]) -> ToolOutcome:
        """Run one call from the model; every ``Exception`` becomes an error outcome."""
        arguments, problem = parse_arguments(raw_arguments)
        if problem is not None:
            return _failed(f"Error: the arguments of tool {self.name!r} {problem}", arguments)
        problems = validate(arguments, self._parameters)
        if problems:
            return _failed(f"Error: invalid arguments for tool {self.name!r}: "
                           + "; ".join(problems), arguments)
        try:
            values = {name: self._converters[name](value) for name, value in arguments.items()}
        except Exception as exc:  # e.g. a dataclass's __post_init__ refusing the values
            return _failed(f"Error: invalid arguments for tool {self.name!r}: "
                           f"{type(exc).__name__}: {exc}", arguments, exc)
        try:
            result: Any = typing.cast(Callable[..., Any], self.fn)(**values)
            if inspect.isawaitable(result):
                result = _run_to_completion(result)
        except Exception as exc:
            return _failed(f"Error: tool {self.name!r} raised {type(exc).__name__}: {exc}",
                           arguments, exc)
        return ToolOutcome(format_output(result), False, arguments, result)


@overload
def tool(fn: Callable[P, R], /, *, name: str | None = None,
         description: str | None = None) -> FunctionTool[P, R]: ...


@overload
def tool(*, name: str | None = None, description: str | None = None
         ) -> Callable[[Callable[P, R]], FunctionTool[P, R]]: ...


def tool(fn: Callable[P, R] | None = None, /, *, name: str | None = None,
         description: str | None = None
         ) -> FunctionTool[P, R] | Callable[[Callable[P, R]], FunctionTool[P, R]]:
    """Make ``fn`` a tool: ``@tool``, ``@tool(name=..., description=...)`` or ``tool(fn)``.

    ``name`` defaults to the function's name and ``description`` to its docstring's text.
    """
    if fn is not None:
        return FunctionTool(fn, name=name, description=description)

    def decorate(function: Callable[P, R]) -> FunctionTool[P, R]:
        return FunctionTool(function, name=name, description=description)

    return decorate


def parse_arguments(raw: str | Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The arguments object, and what is wrong with it (None when it is an object)."""
    if isinstance(raw, Mapping):
        return dict(raw), None
    if not raw.strip():
        return {}, None  # some servers send "" for a call without arguments
    try:
        value = json.loads(raw)
    except ValueError as exc:
        return {}, f"are not valid JSON ({exc}): {raw[:200]!r}"
    if not isinstance(value, dict):
        return {}, f"must be a JSON object, got {raw[:200]!r}"
    return value, None


def unknown_tool_outcome(name: str, raw_arguments: str | Mapping[str, Any],
                         available: list[str]) -> ToolOutcome:
    """The answer to a call of a tool this agent does not have."""
    arguments, _ = parse_arguments(raw_arguments)
    names = ", ".join(sorted(available)) or "none"
    return _failed(f"Error: there is no tool named {name!r}; available tools: {names}", arguments)


def format_output(result: Any) -> str:
    """A tool's result as the text sent to the model: a string as is, anything else as JSON;
    what JSON cannot hold is written as its ``str`` rather than failing the call."""
    if isinstance(result, str):
        return result
    try:
        return json.dumps(result, ensure_ascii=False, default=_json_fallback)
    except (TypeError, ValueError):  # a circular reference; a key JSON cannot hold
        return str(result)


def _json_fallback(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=repr)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    dump = getattr(value, "model_dump", None)  # pydantic models
    if callable(dump):
        return dump(mode="json")
    return str(value)


def _failed(message: str, arguments: Mapping[str, Any], error: BaseException | None = None
            ) -> ToolOutcome:
    return ToolOutcome(message, True, arguments, None, error)


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def _run_to_completion(awaitable: Awaitable[Any]) -> Any:
    """The value of an ``async def`` tool's call, on a fresh event loop. A thread that already
    runs a loop cannot start another, so then the call gets a thread of its own."""
    import asyncio  # here, not at the top: only async tools need it, and it is slow to import

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_awaited(awaitable))
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, _awaited(awaitable)).result()


def _tool_name(fn: Callable[..., Any], name: str | None) -> str:
    chosen = name if name is not None else getattr(fn, "__name__", None)
    if not isinstance(chosen, str):
        raise ToolDefinitionError(f"{fn!r} has no __name__; give the tool a name: "
                                  "tool(fn, name='...')")
    if not _TOOL_NAME.match(chosen):
        raise ToolDefinitionError(f"tool name {chosen!r} is not allowed: use 1-64 letters, digits, "
                                  "'_' or '-' (give one with tool(fn, name='...'))")
    return chosen


def _parameters(fn: Callable[..., Any], name: str, docs: Mapping[str, str]
                ) -> tuple[dict[str, Any], dict[str, Callable[[Any], Any]]]:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError) as exc:
        raise ToolDefinitionError(f"tool {name!r}: cannot read the signature: {exc}") from exc
    try:
        hints = typing.get_type_hints(fn, include_extras=True)
    except Exception as exc:  # NameError for an unresolvable forward reference, mostly
        raise ToolDefinitionError(f"tool {name!r}: cannot resolve its type hints: {exc}") from exc
    properties: dict[str, Any] = {}
    required: list[str] = []
    converters: dict[str, Callable[[Any], Any]] = {}
    for param in signature.parameters.values():
        where = f"parameter {param.name!r} of tool {name!r}"
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise ToolDefinitionError(f"{where}: *args and **kwargs cannot be described to a "
                                      "model; name each parameter")
        if param.kind is param.POSITIONAL_ONLY:
            raise ToolDefinitionError(f"{where}: positional-only parameters cannot be passed by "
                                      "name; remove the '/'")
        if param.name not in hints:
            hint = (" (decorate the bound method, tool(obj.method), not the function in the "
                    "class body)" if param.name in ("self", "cls") else "")
            raise ToolDefinitionError(f"{where} has no type hint; the model needs a type for "
                                      f"every parameter{hint}")
        compiled: Compiled = compile_type(hints[param.name], where)
        if param.default is param.empty:
            required.append(param.name)
        default = dataclasses.MISSING if param.default is param.empty else param.default
        properties[param.name] = property_schema(compiled, docs.get(param.name), default)
        converters[param.name] = compiled.convert
    stale = sorted(set(docs) - set(properties))
    if stale:
        raise ToolDefinitionError(f"tool {name!r}: the docstring describes {', '.join(map(repr, stale))}, "
                                  "which the function does not take")
    return object_schema(properties, required), converters
