"""Attribute docstrings: the string right after a field in a class body, read from the source.

Editors (Pylance, PyCharm, Jedi) show such a string when the field is hovered, and the generated
specs carry the server's description of each field there. Python drops the string when it
compiles the class, so it exists only in the source: :func:`attribute_docstrings` parses the
class's module with :mod:`ast`, once per class, and only when asked (the command line asks when
it prints a command's help).
"""

from __future__ import annotations

import ast
import functools
import inspect
import itertools
import sys
import tokenize

__all__ = ["attribute_docstrings"]


@functools.lru_cache(maxsize=32)
def attribute_docstrings(cls: type) -> dict[str, str]:
    """Field name -> its attribute docstring, from ``cls`` and the dataclasses among its bases
    (the classes that declare dataclass fields; a subclass's own string wins). A class whose
    source cannot be read or found has none: {}."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        # Only classes that declare fields: parsing typing.py for Generic alone costs 40 ms.
        if klass is cls or "__dataclass_fields__" in vars(klass):
            docs.update(_own_docstrings(klass))
    return docs


def _own_docstrings(klass: type) -> dict[str, str]:
    node = _class_node(klass)
    if node is None:
        return {}
    docs: dict[str, str] = {}
    for statement, following in itertools.pairwise(node.body):
        if (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)
                and isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)):
            docs[statement.target.id] = inspect.cleandoc(following.value.value)
    return docs


def _class_node(klass: type) -> ast.ClassDef | None:
    """The class statement of ``klass`` in its module's source, None where it cannot be told."""
    module = sys.modules.get(klass.__module__)
    try:
        filename = inspect.getsourcefile(module) if module is not None else None
        if filename is None:
            return None
        with tokenize.open(filename) as source:  # in the encoding its coding line names
            tree = ast.parse(source.read(), filename)
    except (OSError, TypeError, SyntaxError, ValueError):  # no source: compiled only, a REPL...
        return None
    named = [node for node in ast.walk(tree)
             if isinstance(node, ast.ClassDef) and node.name == klass.__name__]
    if len(named) == 1:
        return named[0]
    # Several classes of that name (inside functions): Python 3.13 records where each begins.
    first_line = getattr(klass, "__firstlineno__", None)
    return next((node for node in named
                 if min([node.lineno, *(d.lineno for d in node.decorator_list)]) == first_line), None)
