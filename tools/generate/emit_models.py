"""Emitting ``llamastack/models/<group>.py``: one dataclass, alias or tagged union per definition."""

from __future__ import annotations

import re

from tools.generate.catalog import GROUP_TITLES
from tools.generate.definitions import Definition, FieldDef, GeneratorError
from tools.generate.documents import sources
from tools.generate.formatting import (
    LINE_LENGTH,
    annotated,
    assignment,
    class_docstring,
    code_only,
    documented_fields,
    fill,
    module_text,
    typing_used,
)
from tools.generate.naming import upper_snake
from tools.generate.schemas import Builder
from tools.generate.type_text import has_tagged, render

__all__ = [
    "model_field",
    "model_imports",
    "model_module",
    "names_in",
    "order_definitions",
]


def order_definitions(builder: Builder, module: str) -> list[Definition]:
    """The module's definitions, each after everything it uses (classes are evaluated eagerly)."""
    mine = {name for name, d in builder.defs.items() if d.module == module}
    ordered: list[Definition] = []
    state: dict[str, int] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            raise GeneratorError(f"cycle of definitions: {' -> '.join((*trail, name))}")
        state[name] = 1
        for dep in sorted(builder.defs[name].deps):
            if dep in mine:
                visit(dep, (*trail, name))
        state[name] = 2
        ordered.append(builder.defs[name])

    for spec in builder.specs:
        for dep in sorted(spec.deps):
            if dep in mine:
                visit(dep, ())
    for name in sorted(mine):
        visit(name, ())
    return ordered


def names_in(builder: Builder, text: str) -> set[str]:
    """The definitions a piece of generated code mentions."""
    return {name for name in re.findall(r"\b[A-Za-z_][A-Za-z0-9_]*\b", text) if name in builder.defs}


def model_imports(builder: Builder, names: set[str]) -> dict[str, set[str]]:
    """The definitions ``names`` by the module to import them from, ``llamastack.models.<module>``."""
    imports: dict[str, set[str]] = {}
    for name in names:
        imports.setdefault(f"llamastack.models.{builder.defs[name].module}", set()).add(name)
    return imports


def model_module(builder: Builder, module: str) -> str:
    definitions = order_definitions(builder, module)
    body: list[str] = []
    previous_kind = "model"  # the imports and __all__ are followed by two blank lines
    for definition in definitions:
        body.extend(["", ""] if definition.kind == "model" or previous_kind == "model" else [""])
        previous_kind = definition.kind
        if definition.kind in ("enum", "alias"):
            assert definition.type is not None
            if definition.doc:
                body.extend(f"# {line}" for line in fill(definition.doc, width=LINE_LENGTH - 2))
            body.extend(assignment(definition.name, render(builder, definition.type), ""))
        elif definition.kind == "tagged":
            body.extend(assignment(definition.name, "Union[" + ", ".join(definition.arms) + "]", ""))
            body.extend(assignment(upper_snake(definition.name),
                                   f'TaggedUnion({definition.name}, tag="{definition.tag}")', ""))
        else:
            body.append("@dataclass(kw_only=True)")
            body.append(f"class {definition.name}(Model):")
            if definition.doc:
                body.extend(class_docstring(definition.doc, definition.description))
                if definition.fields:
                    body.append("")
            if not definition.fields and not definition.doc:
                body.append("    pass")
            body.extend(documented_fields((model_field(builder, fd), fd.doc) for fd in definition.fields))
    text = code_only("\n".join(body))
    stdlib: dict[str, set[str]] = {}
    if "@dataclass" in text:
        stdlib["dataclasses"] = {"dataclass"} | ({"field"} if re.search(r"= field\(", text) else set())
    if typing_used(text):
        stdlib["typing"] = typing_used(text)
    base = {name for name in ("Model", "TaggedUnion", "union_field", "wire_name")
            if re.search(rf"\b{name}\b", text)}
    imports = model_imports(builder, names_in(builder, text) - {d.name for d in definitions})
    if base:
        imports["llamastack.models.base"] = base
    title = "Models shared by several API groups." if module == "common" else (
        f"Models of the {GROUP_TITLES[module]} API.")
    return module_text(title, sources({d.line for d in definitions}), (stdlib, imports),
                       (d.name for d in definitions), body)


def model_field(builder: Builder, fd: FieldDef) -> list[str]:
    annotation = render(builder, fd.type)
    kwargs: list[str] = []
    if fd.factory:
        kwargs.append(f"default_factory={fd.factory}")
    elif fd.default is not None:
        kwargs.append(f"default={fd.default}")
    if fd.attr != fd.wire:
        kwargs.append(f'metadata=wire_name("{fd.wire}")')
    value: str | None
    if has_tagged(builder, fd.type):
        value = f"union_field({', '.join([annotation, *kwargs])})"
    elif fd.factory or fd.attr != fd.wire:
        value = f"field({', '.join(kwargs)})"
    else:
        value = fd.default
    return annotated(fd.attr, annotation, value, "    ")
