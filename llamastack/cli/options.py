"""One spec class as a command: its options from the dataclass fields, its help from the class.

Each field is an option (``agent_id`` is ``--agent-id``) whose type, required-ness and help
come from the declaration; a field named like one of the command's own flags gets ``-field``
(``--all-field``). :func:`option_help` is the one place an option's help text is built. A
field's description is its attribute docstring (what editors show on hover; the generated specs
carry the server's description there), read from the source only when the help is printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from llamastack.cli.field_docs import attribute_docstrings
from llamastack.cli.values import (
    MESSAGE_ROLES,
    FieldType,
    Kind,
    classify,
    converter,
    metavar,
    parse_message,
    type_label,
)
from llamastack.spec import plan_for
from llamastack.spec_check import field_types

__all__ = [
    "FIELD_PREFIX",
    "Command",
    "Option",
    "add_spec_options",
    "class_summary",
    "command_description",
    "describe",
    "field_description",
    "option_help",
    "upload_target",
]

# Flags of the command itself; a spec field of the same name becomes --NAME-field.
_RESERVED_FLAGS = frozenset({"--help", "--stream", "--all", "--message"})
# Spec fields live under "field:NAME" in the parsed namespace, the command line's own values
# under "cli:NAME", so no field name can collide with either.
FIELD_PREFIX = "field:"


@dataclass(frozen=True)
class Option:
    name: str  # the dataclass field
    flag: str  # --field-name
    dest: str
    type: FieldType
    required: bool
    location: str  # path, query, body, json, header or file
    server_lines: tuple[str, ...] | None  # the lines that carry it; None: every serving line


@dataclass(frozen=True)
class Command:
    spec_class: type
    options: tuple[Option, ...]
    streams: bool  # --stream available
    stream_only: bool  # streams without --stream
    pages: bool  # --all available
    has_files: bool
    messages_shortcut: bool


def describe(spec_class: type) -> Command:
    """The command of a spec class: its options, and what the call can do (stream, page)."""
    plan = plan_for(spec_class)
    # One that cannot be resolved (FileInput holds a string forward reference) is Any (JSON).
    hints = field_types(spec_class)
    field_plans = {fp.attr: fp for fp in plan.all_fields}
    streams = plan.decode_chunk is not None
    options: list[Option] = []
    for field in dataclasses.fields(spec_class):
        if not field.init or (streams and field.name == "stream"):
            continue  # the CLI's --stream decides the wire flag
        field_plan = field_plans[field.name]
        field_type = FieldType(Kind.FILE) if field_plan.location == "file" else classify(
            hints.get(field.name, Any))
        required = (field.default is dataclasses.MISSING
                    and field.default_factory is dataclasses.MISSING)
        flag = "--" + field.name.replace("_", "-")
        if flag in _RESERVED_FLAGS:  # the command line's own flags keep their meaning
            flag += "-field"
        options.append(Option(field.name, flag, FIELD_PREFIX + field.name, field_type,
                              required, field_plan.location, field_plan.server_lines))
    names = {option.name for option in options}
    paging = plan.paging
    paging_param = None if paging is None else getattr(
        paging, "cursor_param", getattr(paging, "start_param", None))
    return Command(
        spec_class=spec_class,
        options=tuple(options),
        streams=streams,
        stream_only=bool(getattr(spec_class, "stream_only", False)) and streams,
        pages=paging is not None and paging_param in names,
        has_files=bool(plan.file_fields),
        messages_shortcut="messages" in names,
    )


def upload_target(command: Command) -> str | None:
    """The one file field a create command can take as its first argument (``upload PATH``)."""
    files = [option for option in command.options if option.type.kind == Kind.FILE]
    return files[0].name if len(files) == 1 else None


# --- help texts ----------------------------------------------------------------------------


def _class_doc(spec_class: type) -> str:
    doc = spec_class.__doc__ or ""
    if doc.startswith(spec_class.__name__ + "("):  # the signature dataclasses writes
        return ""
    return inspect.cleandoc(doc)  # Python < 3.13 keeps the indentation of the lines after the first


def class_summary(spec_class: type) -> str:
    """The first paragraph of the class docstring (else its name): the command's one-line help."""
    doc = _class_doc(spec_class)
    return " ".join(doc.split("\n\n")[0].split()) if doc else spec_class.__name__


def field_description(spec_class: type, field: dataclasses.Field[Any]) -> str:
    """What the declaration says about a field: its ``doc`` metadata, else its attribute
    docstring (the string right after it in the class body), "" if nothing."""
    for key in ("doc", "description", "help"):
        text = field.metadata.get(key)
        if isinstance(text, str) and text:
            return text.strip()
    return attribute_docstrings(spec_class).get(field.name, "")


def option_help(command: Command, option: Option, field: dataclasses.Field[Any], *,
                positional: bool = False) -> str:
    """An option's help: the field's description, what it takes, where it goes, its default.
    Finding the description may read the class's source: build it only to print the help."""
    description = field_description(command.spec_class, field)
    parts = [text for text in (type_label(option.type),) if text]
    if option.location in ("path", "header", "file") and not positional:
        parts.append(f"sent in the {option.location}")
    if option.server_lines is not None:  # other serving lines would refuse or drop it
        parts.append(f"Llama Stack {', '.join(option.server_lines)} only")
    if field.default is not dataclasses.MISSING and field.default is not None:
        parts.append(f"default: {field.default!r}")
    if option.required:
        shortcut = command.messages_shortcut and option.name == "messages"
        parts.append("required unless --message is given" if shortcut else "required")
    facts = "; ".join(parts)
    if description.endswith((".", "!", "?")) and facts:  # a sentence: the facts are one more
        text = f"{description} {facts[0].upper()}{facts[1:]}."
    else:
        text = "; ".join(part for part in (description, facts) if part)
    return text.replace("%", "%%")  # argparse formats help with %


def command_description(spec_class: type) -> str:
    """The command's own help: the class docstring, then its route on each line serving it."""
    lines = getattr(spec_class, "server_lines", None)
    if lines is None:  # a spec of your own: sent as declared to any line
        plan = plan_for(spec_class)
        routes = f"{plan.method} {plan.path}"
    else:
        by_route: dict[str, list[str]] = {}
        for line in lines:
            plan = plan_for(spec_class, line)
            by_route.setdefault(f"{plan.method} {plan.path}", []).append(line)
        routes = "served by Llama Stack " + "; ".join(
            f"{', '.join(served)}: {route}" for route, served in by_route.items())
    return "\n\n".join(part for part in (_class_doc(spec_class), routes) if part)


# --- the options on a parser ---------------------------------------------------------------


def add_spec_options(parser: argparse.ArgumentParser, command: Command,
                     positional_file: str | None = None) -> None:
    """The spec's fields and the call's own flags (--message, --stream, --all) on ``parser``."""
    spec_class = command.spec_class
    fields = {f.name: f for f in dataclasses.fields(spec_class)}
    group = parser.add_argument_group(f"{spec_class.__name__} fields")
    # The descriptions live in the source (attribute docstrings): reading them costs a parse of
    # the spec's module, which only printing the help should pay, not every run of the command.
    # So the options are added without help; the parser's formatter builds it as it formats.
    formatter = parser.formatter_class
    if not (isinstance(formatter, type) and issubclass(formatter, argparse.HelpFormatter)):
        raise TypeError("add_spec_options needs a parser whose formatter_class is a "
                        f"HelpFormatter class (it builds the options' help), not {formatter!r}")
    helps: dict[str, Callable[[], str]] = {}
    for option in command.options:
        positional = option.name == positional_file
        helps[option.dest] = functools.partial(option_help, command, option, fields[option.name],
                                               positional=positional)
        convert = converter(option.type, option.flag)
        if positional:
            parser.add_argument(option.dest, metavar="PATH", type=convert)
            continue
        kwargs: dict[str, Any] = {"dest": option.dest, "default": None}
        if option.type.kind == Kind.BOOL:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs.update(type=convert, metavar=metavar(option.type, option.name))
            if option.type.kind == Kind.LIST:
                kwargs["action"] = "extend"
        if option.required and not (command.messages_shortcut and option.name == "messages"):
            kwargs["required"] = True
        group.add_argument(option.flag, **kwargs)
    if command.messages_shortcut:
        group.add_argument("--message", dest="cli:message", action="append", default=None,
                           type=parse_message, metavar="ROLE:TEXT",
                           help="one message (repeatable), e.g. user:\"hello\"; the role is one "
                                f"of {', '.join(MESSAGE_ROLES)} and defaults to user")
    calls = parser.add_argument_group("call options")
    if command.streams:
        if command.stream_only:
            calls.add_argument("--stream", dest="cli:stream", action=argparse.BooleanOptionalAction,
                               default=True,
                               help="stream the answer (always on: servers only stream this call)")
        else:
            calls.add_argument("--stream", dest="cli:stream", action="store_true", default=False,
                               help="stream the answer, printing text as it arrives "
                                    "(with --output json: every event as a JSON line)")
    if command.pages:
        calls.add_argument("--all", dest="cli:all", action="store_true", default=False,
                           help="follow the pages and print every item")
    parser.description = command_description(spec_class)
    parser.formatter_class = _describing(formatter, helps)


def _describing(formatter_class: type[argparse.HelpFormatter],
                helps: Mapping[str, Callable[[], str]]) -> type[argparse.HelpFormatter]:
    """``formatter_class`` whose options named in ``helps`` (by dest) get that help, built when
    the help is formatted."""

    class DescribingFormatter(formatter_class):  # type: ignore[misc, valid-type]
        def add_argument(self, action: argparse.Action) -> None:
            build = helps.get(action.dest)
            if build is not None:  # before the layout, which depends on whether there is help
                action.help = build()
            super().add_argument(action)

    return DescribingFormatter
