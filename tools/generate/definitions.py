"""What the generator builds: type expressions, model and spec definitions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ANY",
    "NONE",
    "STR",
    "Definition",
    "FieldDef",
    "GeneratorError",
    "LineRoute",
    "SpecDef",
    "SpecField",
    "T",
    "optional",
    "ordered_fields",
    "refs",
    "strip_optional",
]


class GeneratorError(Exception):
    pass


# --- type expressions ----------------------------------------------------------------------------


@dataclass(frozen=True)
class T:
    """A Python type: prim (str/int/float/bool), any, none, literal, binary, ref (a definition),
    list, dict, union (arms told apart by JSON kind), optional."""

    kind: str
    name: str = ""
    values: tuple[Any, ...] = ()
    args: tuple[T, ...] = ()


ANY = T("any")
NONE = T("none")
STR = T("prim", "str")


def optional(t: T) -> T:
    if t.kind in ("optional", "any", "none"):
        return t
    return T("optional", args=(t,))


def strip_optional(t: T) -> tuple[T, bool]:
    if t.kind == "optional":
        return t.args[0], True
    return t, t.kind in ("any", "none")


# --- definitions ---------------------------------------------------------------------------------


@dataclass
class FieldDef:
    attr: str
    wire: str
    type: T
    required: bool
    default: str | None = None  # a Python expression, or None for no default
    factory: str | None = None  # "list" / "dict"
    schema_default: Any = None
    doc: str = ""  # the property's description (descriptions.normalize), its docstring


@dataclass
class Definition:
    name: str
    kind: str  # "model", "tagged", "alias", "enum"
    line: str
    doc: str = ""  # the summary: the description's first sentence
    fields: list[FieldDef] = field(default_factory=list)
    tag: str = ""
    arms: list[str] = field(default_factory=list)  # tagged: arm model names
    type: T | None = None  # alias: the aliased type; enum: the literal
    deps: set[str] = field(default_factory=set)
    module: str = ""
    description: str = ""  # what the description says after its first sentence


@dataclass(frozen=True)
class LineRoute:
    """Where one server line serves a spec. ``path`` uses the spec's parameter names;
    ``operation`` is the line document's (None where no document of the line has the route,
    which only an erratum can declare)."""

    line: str
    method: str
    path: str
    operation: dict[str, Any] | None
    deprecated: bool


@dataclass
class SpecField:
    attr: str
    wire: str
    type: str  # rendered
    location: str  # path, query, body, file
    required: bool
    lines: tuple[str, ...] | None = None  # the lines that carry it, where fewer than serve the spec
    doc: str = ""  # the parameter's or body property's description, its docstring


@dataclass
class SpecDef:
    name: str
    group: str
    line: str
    method: str
    path: str
    doc: str
    fields: list[SpecField]
    response: str
    chunk: str | None
    paging: str | None
    stream_only: bool
    deps: set[str]
    routes: dict[str, LineRoute] = field(default_factory=dict)  # line -> route, each line serving it
    description: str = ""  # what the operation's description adds to its summary (``doc``)

    @property
    def lines(self) -> tuple[str, ...]:
        """Every line that serves the spec, oldest first (lines.assign_lines sets the routes)."""
        return tuple(self.routes)


def ordered_fields(spec: SpecDef) -> list[SpecField]:
    """The order a spec's fields are declared (emit_endpoints) and documented (emit_api) in:
    path parameters, then the required fields, then the optional ones."""
    path = [f for f in spec.fields if f.location == "path"]
    rest = [f for f in spec.fields if f.location != "path"]
    return path + [f for f in rest if f.required] + [f for f in rest if not f.required]


def refs(t: Any) -> set[str]:
    if not isinstance(t, T):
        return set()
    out = {t.name} if t.kind == "ref" else set()
    for arg in t.args:
        out |= refs(arg)
    return out
