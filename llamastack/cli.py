"""The ``llamastack`` command line, derived from the spec classes themselves.

Every spec class exported by :mod:`llamastack.endpoints` is a command, so the command line can
never drift from the library. A class named ``<Resource><Verb>`` becomes ``llamastack
<resources> <verb>``: ``SessionCreate`` is ``sessions create``, ``VectorStoreFileBatchCancel`` is
``vector-store-file-batches cancel``. Each dataclass field is an option (``agent_id`` is
``--agent-id``) whose type, required-ness and help come from the declaration.

The argument tree is built lazily: ``llamastack --help`` needs only the exported names, and
only the resource named on the command line has its spec classes imported.

:func:`main` also serves specs of your own (``main(argv, specs=[MySpec])``), which is how the
tests drive it and how an application can expose the endpoints it declares itself.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import functools
import json
import math
import os
import re
import sys
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, Union, cast, get_args, get_origin, get_type_hints

from llamastack._version import __version__
from llamastack.client import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL, LlamaStackClient
from llamastack.encoding import _fields_of, jsonable
from llamastack.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ResponseDecodeError,
)
from llamastack.spec import Spec, StreamingSpec, plan_for

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CLIENT_ERROR",
    "EXIT_CONNECTION",
    "EXIT_DECODE",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SERVER_ERROR",
    "EXIT_USAGE",
    "ProgressBar",
    "command_name",
    "main",
    "stream_text",
]

PROG = "llamastack"

EXIT_OK = 0
EXIT_FAILURE = 1  # anything not listed below
EXIT_USAGE = 2  # bad arguments, unreadable JSON or file, a value the request cannot carry
EXIT_CONNECTION = 3  # no answer: refused, reset, timed out, redirected
EXIT_CLIENT_ERROR = 4  # the server answered 4xx
EXIT_SERVER_ERROR = 5  # the server answered 5xx (or reported an error inside a stream)
EXIT_DECODE = 6  # a 2xx answer that is not JSON or does not fit the declared type
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (`| head`), as shells report SIGPIPE

EPILOG = f"""\
environment (the same as the Python client's):
  {", ".join(BASE_URL_ENV)}
      default for --base-url (else {DEFAULT_BASE_URL})
  {", ".join(API_KEY_ENV)}
      default for --api-key; prefer them: a key on the command line is visible to `ps`
  LLAMA_STACK_LOG=debug
      log every request and response (secrets redacted) to stderr

values:
  nested fields take JSON ('[{{"type": "function", ...}}]') or @file.json (@- reads stdin);
  list fields repeat (--ids a --ids b) or take a JSON array; file fields take a path (a create
  command with one file field also has an `upload` alias taking it first: llamastack files
  upload PATH --purpose assistants), and uploads show a progress bar on a terminal;
  --message ROLE:TEXT (repeatable) builds the messages field: --message user:"hello"

exit status:
  {EXIT_OK}  success
  {EXIT_FAILURE}  unexpected failure
  {EXIT_USAGE}  usage error (bad option, unreadable JSON or file, invalid value)
  {EXIT_CONNECTION}  connection failed or timed out (no answer from the server)
  {EXIT_CLIENT_ERROR}  the server answered 4xx (bad request, not found, ...)
  {EXIT_SERVER_ERROR}  the server answered 5xx, or reported an error inside a stream
  {EXIT_DECODE}  the answer could not be decoded (not JSON, or not the declared shape)
  {EXIT_INTERRUPTED}  interrupted (Ctrl-C)
  {EXIT_BROKEN_PIPE}  the output was closed early (e.g. piped into head)
"""

# --- names -------------------------------------------------------------------------------------

# Words that start a verb; a class name's verb is the rest of the name from the last of these
# (so ScoringScoreBatch is scoring score-batch, PromptSetDefaultVersion prompts
# set-default-version). A name without one of them uses its last word.
_VERB_WORDS = frozenset({
    "Append", "Cancel", "Check", "Create", "Delete", "Evaluate", "Get", "Insert", "Invoke",
    "List", "Process", "Query", "Register", "Resume", "Retrieve", "Run", "Score", "Search",
    "Set", "Unregister", "Update", "Upload",
})
# Resource words that have no plural.
_UNCOUNTABLE = frozenset({
    "content", "data", "health", "inference", "info", "io", "metadata", "rerank", "safety",
    "scoring",
})
# Server-wide singletons: a resource named by one of these that can only be retrieved keeps
# its singular (`version retrieve`, `admin-health retrieve`).
_SINGLETONS = frozenset({"config", "health", "info", "status", "version"})
_CAMEL_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z]|[0-9]|$)|[A-Z]?[a-z0-9]+|[A-Z]+")


def _words(class_name: str) -> list[str]:
    return _CAMEL_WORD.findall(class_name)


def _plural(word: str) -> str:
    lower = word.lower()
    if lower in _UNCOUNTABLE or (lower.endswith("s") and not lower.endswith("ss")):
        return lower
    if lower.endswith(("ss", "x", "z", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and lower[-2:-1] not in ("a", "e", "i", "o", "u"):
        return lower[:-1] + "ies"
    return lower + "s"


def _split(class_name: str) -> tuple[list[str], list[str]]:
    words = _words(class_name)
    for index in range(len(words) - 1, 0, -1):
        if words[index] in _VERB_WORDS:
            return words[:index], words[index:]
    if len(words) < 2:
        return words, ["call"]
    return words[:-1], words[-1:]


def command_name(class_name: str, singular: bool = False) -> tuple[str, str]:
    """``(resource, verb)`` of a spec class name: ``VectorStoreFileBatchCancel`` gives
    ``("vector-store-file-batches", "cancel")``. ``singular`` keeps the last resource word as
    it is (for resources that can only be retrieved: ``VersionRetrieve`` is ``version``)."""
    resource, verb = _split(class_name)
    last = resource[-1].lower() if singular else _plural(resource[-1])
    kebab = [word.lower() for word in resource[:-1]] + [last]
    return "-".join(kebab), "-".join(word.lower() for word in verb)


@dataclass(frozen=True)
class _Entry:
    """One command: where its spec class comes from, loaded only when needed."""

    class_name: str
    resource: str
    verb: str
    load: Callable[[], type]


def _registry(names: Sequence[str], load: Callable[[str], type]) -> dict[str, dict[str, _Entry]]:
    """resource -> verb -> entry, from class names alone (nothing imported)."""
    split = {name: _split(name) for name in names}
    verbs_of: dict[str, set[str]] = {}
    for resource_words, verb_words in split.values():
        verbs_of.setdefault("".join(resource_words), set()).add("".join(verb_words))
    tree: dict[str, dict[str, _Entry]] = {}
    for name in names:
        resource_words = split[name][0]
        singular = (resource_words[-1].lower() in _SINGLETONS
                    and verbs_of["".join(resource_words)] == {"Retrieve"})
        resource, verb = command_name(name, singular)
        verbs = tree.setdefault(resource, {})
        if verb in verbs:  # two classes, one name: keep both reachable under the class name
            verb = "-".join(word.lower() for word in _words(name))
        verbs[verb] = _Entry(name, resource, verb, functools.partial(load, name))
    return {resource: tree[resource] for resource in sorted(tree)}


def _endpoint_registry() -> dict[str, dict[str, _Entry]]:
    import llamastack.endpoints as endpoints

    def load(name: str) -> type:
        value = getattr(endpoints, name)
        if not isinstance(value, type):
            raise TypeError(f"llamastack.endpoints.{name} is not a spec class")
        return value

    return _registry(list(getattr(endpoints, "__all__", ())), load)


def _spec_registry(specs: Iterable[type]) -> dict[str, dict[str, _Entry]]:
    by_name = {spec.__name__: spec for spec in specs}
    return _registry(list(by_name), by_name.__getitem__)


# --- values ------------------------------------------------------------------------------------

_MESSAGE_ROLES = ("system", "developer", "user", "assistant", "tool")
_NONE = type(None)


class _Kind(enum.Enum):
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
class _Type:
    kind: _Kind
    choices: tuple[Any, ...] = ()
    item: _Type | None = None  # of a list


_SCALARS = (_Kind.STR, _Kind.INT, _Kind.FLOAT, _Kind.CHOICE)


def _classify(tp: Any) -> _Type:
    """How a field's annotation is written on the command line."""
    origin = get_origin(tp)
    if origin in (Union, types.UnionType):
        arms = [arm for arm in get_args(tp) if arm is not _NONE]
        if len(arms) == 1:
            return _classify(arms[0])
        kinds = [_classify(arm) for arm in arms]
        if all(k.kind in (_Kind.INT, _Kind.FLOAT) for k in kinds):
            return _Type(_Kind.FLOAT)
        if all(k.kind == _Kind.CHOICE for k in kinds):
            return _Type(_Kind.CHOICE, tuple(c for k in kinds for c in k.choices))
        lists = [k for k in kinds if k.kind == _Kind.LIST]
        if lists and all(k.kind in (_Kind.LIST, _Kind.JSON) for k in kinds):
            return lists[0]  # list[X] | dict: a list is what users give
        if any(k.kind in (_Kind.STR, _Kind.CHOICE) for k in kinds):
            return _Type(_Kind.STR_OR_JSON)
        return _Type(_Kind.JSON)
    if origin is Literal:
        return _Type(_Kind.CHOICE, get_args(tp))
    if tp is bool:
        return _Type(_Kind.BOOL)
    if tp is int:
        return _Type(_Kind.INT)
    if tp is float:
        return _Type(_Kind.FLOAT)
    if tp is str:
        return _Type(_Kind.STR)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _Type(_Kind.CHOICE, tuple(member.value for member in tp))
    if origin in (list, tuple, set, frozenset, Sequence, Iterable):
        args = [arg for arg in get_args(tp) if arg is not Ellipsis]
        item = _classify(args[0]) if len(args) == 1 else _Type(_Kind.JSON)
        if item.kind in (_Kind.LIST, _Kind.BOOL):
            item = _Type(_Kind.JSON)
        return _Type(_Kind.LIST, item=item)
    return _Type(_Kind.JSON)


def _read_json(text: str, what: str) -> Any:
    """JSON from the text, or from a file (``@path``) or stdin (``@-``)."""
    if text.startswith("@"):
        source = text[1:]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except OSError as exc:
            raise argparse.ArgumentTypeError(
                f"cannot read {source!r}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{what} is not valid JSON ({exc})") from None


def _looks_like_json(text: str) -> bool:
    return text[:1] in ("{", "[", "@")


def _converter(field_type: _Type, name: str) -> Callable[[str], Any]:
    """The argparse ``type=`` of a field (its errors name the option)."""
    kind = field_type.kind
    if kind == _Kind.INT:
        def to_int(text: str) -> int:
            try:
                return int(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        return to_int
    if kind == _Kind.FLOAT:
        def to_float(text: str) -> float:
            try:
                value = float(text)
            except ValueError:
                raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
            if not math.isfinite(value):
                raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
            return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() \
                else value
        return to_float
    if kind == _Kind.CHOICE:
        by_text = {str(choice): choice for choice in field_type.choices}

        def to_choice(text: str) -> Any:
            if text not in by_text:
                raise argparse.ArgumentTypeError(
                    f"choose from {', '.join(by_text)} (got {text!r})")
            return by_text[text]
        return to_choice
    if kind == _Kind.JSON:
        return lambda text: _read_json(text, name)
    if kind == _Kind.STR_OR_JSON:
        def str_or_json(text: str) -> Any:
            if not _looks_like_json(text):
                return text
            try:
                return _read_json(text, name)
            except argparse.ArgumentTypeError:
                if text.startswith("@"):
                    raise
                return text  # text that merely starts with a bracket
        return str_or_json
    if kind == _Kind.FILE:
        def to_path(text: str) -> Path:
            path = Path(text)
            if not path.is_file():
                raise argparse.ArgumentTypeError(f"no such file: {text!r}")
            return path
        return to_path
    if kind == _Kind.LIST:
        item = field_type.item or _Type(_Kind.JSON)
        convert_item = _converter(item, name)

        def to_list(text: str) -> list[Any]:
            # One option value is a whole JSON array ('[...]', @file) or one more item.
            if text[:1] in ("[", "@"):
                value = _read_json(text, name)
                return value if isinstance(value, list) else [value]
            return [convert_item(text)]
        return to_list
    return str


def _message(text: str) -> dict[str, str]:
    """``--message user:hello`` (the role is optional and defaults to user)."""
    role, sep, content = text.partition(":")
    if sep and role.strip().lower() in _MESSAGE_ROLES:
        return {"role": role.strip().lower(), "content": content}
    return {"role": "user", "content": text}


# --- the options of one spec -------------------------------------------------------------------


@dataclass(frozen=True)
class _Option:
    name: str  # the dataclass field
    flag: str  # --field-name
    dest: str
    type: _Type
    required: bool
    location: str


@dataclass(frozen=True)
class _Command:
    spec_class: type
    options: tuple[_Option, ...]
    streams: bool  # --stream available
    stream_only: bool  # streams without --stream
    pages: bool  # --all available
    has_files: bool
    messages_shortcut: bool


# Flags of the command itself; a spec field of the same name becomes --NAME-field.
_RESERVED_FLAGS = frozenset({"--help", "--stream", "--all", "--message"})
_FIELD_PREFIX = "field:"


def _field_help(field: dataclasses.Field[Any]) -> str:
    for key in ("doc", "description", "help"):
        text = field.metadata.get(key)
        if isinstance(text, str) and text:
            return text.strip()
    return ""


def _class_doc(spec_class: type) -> str:
    doc = spec_class.__doc__ or ""
    if doc.startswith(spec_class.__name__ + "("):  # the signature dataclasses writes
        return ""
    return doc.strip()


def _type_label(field_type: _Type) -> str:
    kind = field_type.kind
    if kind == _Kind.LIST:
        item = field_type.item
        label = (_type_label(item) or "text") if item else "JSON"
        return f"list of {label}; repeat the option or give a JSON array"
    return {
        _Kind.STR: "", _Kind.INT: "integer", _Kind.FLOAT: "number", _Kind.BOOL: "",
        _Kind.CHOICE: "one of " + ", ".join(str(c) for c in field_type.choices),
        _Kind.JSON: "JSON or @file.json", _Kind.STR_OR_JSON: "text, JSON or @file.json",
        _Kind.FILE: "path of a file to upload",
    }[kind]


def _metavar(field_type: _Type, name: str) -> str:
    kind = field_type.kind
    if kind == _Kind.LIST:
        return _metavar(field_type.item or _Type(_Kind.JSON), name)
    if kind == _Kind.CHOICE:
        choices = "{" + ",".join(str(choice) for choice in field_type.choices) + "}"
        return choices if len(choices) <= 40 else "CHOICE"
    return {_Kind.FILE: "PATH", _Kind.JSON: "JSON", _Kind.STR_OR_JSON: "VALUE", _Kind.INT: "N",
            _Kind.FLOAT: "NUMBER"}.get(kind, name.upper())


def _annotations(spec_class: type) -> dict[str, Any]:
    """Each field's evaluated annotation; one that cannot be evaluated is ``Any`` (JSON).

    Field by field rather than ``get_type_hints`` at once: one unresolvable name (FileInput
    holds a string forward reference) must not cost the other fields their types.
    """
    try:
        return get_type_hints(spec_class)
    except Exception:  # fall back to one field at a time below
        pass
    hints: dict[str, Any] = {}
    for klass in reversed(spec_class.__mro__):
        module = sys.modules.get(klass.__module__)
        namespace = dict(vars(module)) if module is not None else {}
        for name, annotation in vars(klass).get("__annotations__", {}).items():
            if isinstance(annotation, str):
                try:
                    # What get_type_hints does: the class's own annotation, in its module.
                    annotation = eval(annotation, namespace)
                except Exception:
                    annotation = Any
            hints[name] = annotation
    return hints


def _describe(spec_class: type) -> _Command:
    plan = plan_for(spec_class)
    hints = _annotations(spec_class)
    locations = {fp.attr: fp.location for fp in (
        *plan.path_fields, *plan.query_fields, *plan.body_fields, *plan.header_fields,
        *plan.file_fields)}
    streams = plan.decode_chunk is not None
    options: list[_Option] = []
    for field in dataclasses.fields(spec_class):
        if not field.init or (streams and field.name == "stream"):
            continue  # the CLI's --stream decides the wire flag
        location = locations.get(field.name, "body")
        field_type = _Type(_Kind.FILE) if location == "file" else _classify(
            hints.get(field.name, Any))
        required = (field.default is dataclasses.MISSING
                    and field.default_factory is dataclasses.MISSING)
        flag = "--" + field.name.replace("_", "-")
        if flag in _RESERVED_FLAGS:  # the command line's own flags keep their meaning
            flag += "-field"
        options.append(_Option(field.name, flag, _FIELD_PREFIX + field.name, field_type,
                               required, location))
    names = {option.name for option in options}
    paging = plan.paging
    paging_param = None if paging is None else getattr(
        paging, "cursor_param", getattr(paging, "start_param", None))
    return _Command(
        spec_class=spec_class,
        options=tuple(options),
        streams=streams,
        stream_only=bool(getattr(spec_class, "stream_only", False)) and streams,
        pages=paging is not None and paging_param in names,
        has_files=bool(plan.file_fields),
        messages_shortcut="messages" in names,
    )


def _add_spec_options(parser: argparse.ArgumentParser, command: _Command,
                      positional_file: str | None = None) -> None:
    spec_class = command.spec_class
    plan = plan_for(spec_class)
    fields = {f.name: f for f in dataclasses.fields(spec_class)}
    group = parser.add_argument_group(f"{spec_class.__name__} fields")
    for option in command.options:
        field = fields[option.name]
        parts = [text for text in (_field_help(field), _type_label(option.type)) if text]
        if option.location in ("path", "header", "file") and option.name != positional_file:
            parts.append(f"sent in the {option.location}")
        default = field.default
        if default is not dataclasses.MISSING and default is not None:
            parts.append(f"default: {default!r}")
        shortcut = command.messages_shortcut and option.name == "messages"
        if option.required:
            parts.append("required unless --message is given" if shortcut else "required")
        help_text = "; ".join(parts).replace("%", "%%")
        if option.name == positional_file:
            parser.add_argument(option.dest, metavar="PATH",
                                type=_converter(option.type, option.flag), help=help_text)
            continue
        kwargs: dict[str, Any] = {"dest": option.dest, "help": help_text, "default": None}
        if option.type.kind == _Kind.BOOL:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif option.type.kind == _Kind.LIST:
            kwargs.update(action="extend", type=_converter(option.type, option.flag),
                          metavar=_metavar(option.type, option.name))
        else:
            kwargs.update(type=_converter(option.type, option.flag),
                          metavar=_metavar(option.type, option.name))
        if option.required and not shortcut:
            kwargs["required"] = True
        group.add_argument(option.flag, **kwargs)
    if command.messages_shortcut:
        group.add_argument("--message", dest="cli:message", action="append", default=None,
                           type=_message, metavar="ROLE:TEXT",
                           help="one message (repeatable), e.g. user:\"hello\"; the role is one "
                                f"of {', '.join(_MESSAGE_ROLES)} and defaults to user")
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
    lines = ", ".join(getattr(spec_class, "server_lines", None) or ())
    parser.description = "\n".join(part for part in (
        _class_doc(spec_class),
        f"{plan.method} {plan.path}" + (f"  (Llama Stack {lines})" if lines else ""),
    ) if part)


# --- the parser --------------------------------------------------------------------------------


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _retries(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text!r}")
    return value


_GLOBAL_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--base-url", {"metavar": "URL", "help": "server URL (default: $LLAMA_STACK_BASE_URL, "
                    f"$LLAMA_STACK_CLIENT_BASE_URL, else {DEFAULT_BASE_URL})"}),
    ("--api-key", {"metavar": "KEY", "help": "sent as a bearer token (default: "
                   "$LLAMA_STACK_API_KEY, $LLAMA_STACK_CLIENT_API_KEY); never printed"}),
    ("--timeout", {"metavar": "SECONDS", "type": _positive_float,
                   "help": "connect and read timeout per request (default: 60)"}),
    ("--max-retries", {"metavar": "N", "type": _retries,
                       "help": "retries of connection errors, 408, 409, 429 and 5xx (default: 2)"}),
    ("--output", {"choices": ("json", "table"),
                  "help": "json (default) or table; streamed text is printed as it arrives"}),
)
_GLOBAL_WITH_VALUE = frozenset(flag for flag, _ in _GLOBAL_OPTIONS)


def _add_global_options(parser: argparse.ArgumentParser, *, inherited: bool,
                        skip: Iterable[str] = ()) -> None:
    """The client options; on a command (inherited) they default to what was given before it."""
    group = parser.add_argument_group("client options")
    skipped = set(skip)
    for flag, kwargs in _GLOBAL_OPTIONS:
        if flag in skipped:
            continue  # a spec field of the same name wins; give the client option first
        options = dict(kwargs, dest=flag[2:].replace("-", "_"))
        if inherited:
            options.update(default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        group.add_argument(flag, **options)


def _selected(argv: Sequence[str]) -> list[str]:
    """The positional words of argv (resource, verb), skipping the client options' values."""
    words: list[str] = []
    skip_next = False
    for arg in argv:
        if skip_next:
            skip_next = False
            continue
        if arg == "--":
            break
        if arg.startswith("-"):
            skip_next = arg in _GLOBAL_WITH_VALUE
            continue
        words.append(arg)
        if len(words) == 2:
            break
    return words


def _summary(spec_class: type) -> str:
    doc = _class_doc(spec_class)
    return doc.splitlines()[0] if doc else spec_class.__name__


def _upload_target(command: _Command) -> str | None:
    files = [option for option in command.options if option.type.kind == _Kind.FILE]
    return files[0].name if len(files) == 1 else None


def _build_parser(argv: Sequence[str], registry: Mapping[str, Mapping[str, _Entry]]
                  ) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=_HelpFormatter, epilog=EPILOG,
        description="Call any Llama Stack endpoint. Commands are RESOURCE VERB, derived from the "
                    "spec classes of llamastack.endpoints; `llamastack RESOURCE VERB --help` "
                    "lists a command's options.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser, inherited=False)
    resources = parser.add_subparsers(dest="cli:resource", metavar="RESOURCE", title="resources")
    words = _selected(argv)
    for resource, verbs in registry.items():
        names = list(verbs)
        resource_parser = resources.add_parser(
            resource, help=", ".join(sorted(names)), formatter_class=_HelpFormatter,
            description=f"{resource}: {', '.join(sorted(names))}")
        if words and words[0] == resource:
            _add_verbs(resource_parser, verbs, words[1] if len(words) > 1 else None)
    return parser


def _add_verbs(parser: argparse.ArgumentParser, verbs: Mapping[str, _Entry],
               selected: str | None) -> None:
    commands = parser.add_subparsers(dest="cli:verb", metavar="VERB", title="verbs")
    commands.required = True
    described = {verb: _describe(entry.load()) for verb, entry in verbs.items()}
    uploads = {verb: _upload_target(cmd) for verb, cmd in described.items()
               if verbs[verb].verb == "create" and "upload" not in verbs}
    for verb in sorted(described):
        command = described[verb]
        _add_command(commands, verb, command, selected, _summary(command.spec_class))
        target = uploads.get(verb)
        if target is not None:
            _add_command(commands, "upload", command, selected,
                         f"{_summary(command.spec_class)} (the file as a path, with progress)",
                         positional_file=target)


def _add_command(commands: Any, verb: str, command: _Command, selected: str | None,
                 summary: str, positional_file: str | None = None) -> None:
    parser = commands.add_parser(verb, help=summary, formatter_class=_HelpFormatter,
                                 epilog=EPILOG)
    if selected != verb:
        return  # listed with its summary; its options are built only when it is chosen
    _add_spec_options(parser, command, positional_file)
    taken = {option.flag for option in command.options}
    _add_global_options(parser, inherited=True, skip=taken)
    parser.set_defaults(**{"cli:command": command})


# --- output ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A decoded value as JSON data: the declared fields in order (None left out), then the
    fields the server sent beyond the declaration."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, Any] = {}
        extra: Any = None
        for attr, wire in _fields_of(type(value)):
            item = getattr(value, attr)
            if attr == "model_extra":
                extra = item
            elif item is not None:
                out[wire] = _plain(item)
        if isinstance(extra, dict):
            out.update((str(key), _plain(item)) for key, item in extra.items())
        return out
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return jsonable(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, (set, frozenset)):
        return list(value)
    return str(value)


def _dumps(value: Any, indent: int | None = 2) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=False, default=_json_default)


_CELL_WIDTH = 48


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else _dumps(value, None)
    text = " ".join(text.split())
    return text if len(text) <= _CELL_WIDTH else text[:_CELL_WIDTH - 1] + "…"


def _rows_of(value: Any) -> list[Any] | None:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        data = value.get("data")
        if isinstance(data, list) and set(value) <= {"data", "object", "first_id", "last_id",
                                                      "has_more", "url", "next_page_token"}:
            return data
    return None


def _table(rows: Sequence[Sequence[str]], header: Sequence[str]) -> str:
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) if rows else len(header[i])
              for i in range(len(header))]
    lines = ["  ".join(h.upper().ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
              for row in rows]
    return "\n".join(lines)


_MAX_COLUMNS = 8


def _format_table(value: Any) -> str:
    """A list (or a page's ``data``) as columns; one object as KEY VALUE lines."""
    rows = _rows_of(value)
    if rows is not None:
        if not rows:
            return "(no items)"
        if not all(isinstance(row, dict) for row in rows):
            return "\n".join(_cell(row) for row in rows)
        columns: list[str] = []
        for row in rows:
            for key, item in row.items():
                if key not in columns and not isinstance(item, (dict, list)):
                    columns.append(key)
        columns = columns[:_MAX_COLUMNS] or list(rows[0])[:_MAX_COLUMNS]
        return _table([[_cell(row.get(column)) for column in columns] for row in rows], columns)
    if isinstance(value, dict):
        return _table([[str(key), _cell(item)] for key, item in value.items()], ["key", "value"])
    return _cell(value)


def _print_result(result: Any, output: str | None, out: IO[str]) -> None:
    if result is None:
        return  # e.g. a delete answered 204: nothing to show, the exit status says it worked
    if isinstance(result, str):  # text answers as they are
        out.write(result if result.endswith("\n") or not result else result + "\n")
        return
    if isinstance(result, (bytes, bytearray)):  # file contents, byte for byte
        out.flush()
        binary = getattr(out, "buffer", None)
        if binary is None:
            out.write(bytes(result).decode("utf-8", errors="replace"))
        else:
            binary.write(result)
            binary.flush()
        return
    plain = _plain(result)
    out.write((_format_table(plain) if output == "table" else _dumps(plain)) + "\n")


def stream_text(event: Any) -> str | None:
    """The text an event of a known stream carries ("" for its events without text), or None
    for an event of a kind this function does not know (printed as a JSON line instead).

    Known: chat completion chunks (``choices[].delta.content``), completion chunks
    (``choices[].text``), Responses events (``response.output_text.delta``), and agent turn
    chunks (``event.payload.delta`` of type text).
    """
    if not isinstance(event, dict):
        return None
    choices = event.get("choices")
    if isinstance(choices, list) and (event.get("object") in (
            "chat.completion.chunk", "text_completion") or choices):
        texts: list[str] = []
        for choice in choices:
            if not isinstance(choice, dict):
                continue
            delta = choice.get("delta")
            if isinstance(delta, dict) and isinstance(delta.get("content"), str):
                texts.append(delta["content"])
            elif isinstance(choice.get("text"), str):
                texts.append(choice["text"])
        return "".join(texts)
    kind = event.get("type")
    if isinstance(kind, str) and kind.startswith("response."):
        if kind == "response.output_text.delta":
            delta = event.get("delta")
            return delta if isinstance(delta, str) else ""
        return ""
    inner = event.get("event")
    payload = inner.get("payload") if isinstance(inner, dict) else None
    if isinstance(payload, dict) and "event_type" in payload:
        delta = payload.get("delta")
        if isinstance(delta, dict) and delta.get("type") == "text":
            text = delta.get("text")
            return text if isinstance(text, str) else ""
        return ""
    return None


def _stream_failure(event: Any) -> str | None:
    """The message of a Responses ``response.failed`` event (the server's way to end a stream
    that failed after it began, instead of an error event)."""
    if not isinstance(event, dict) or event.get("type") != "response.failed":
        return None
    response = event.get("response")
    error = response.get("error") if isinstance(response, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    return f"the response failed: {message or 'no reason given'}"


class _StreamPrinter:
    def __init__(self, out: IO[str], as_json: bool) -> None:
        self.out = out
        self.as_json = as_json
        self.mid_line = False
        self.failure: str | None = None

    def __call__(self, event: Any) -> None:
        plain = _plain(event)
        self.failure = self.failure or _stream_failure(plain)
        text = None if self.as_json else stream_text(plain)
        if text is None:
            if self.mid_line:
                self.out.write("\n")
                self.mid_line = False
            self.out.write(_dumps(plain, None) + "\n")
        elif text:
            self.out.write(text)
            self.mid_line = not text.endswith("\n")
        self.out.flush()

    def finish(self) -> None:
        if self.mid_line:
            self.out.write("\n")
            self.mid_line = False
        self.out.flush()


# --- progress ----------------------------------------------------------------------------------


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"  # pragma: no cover - the loop returns


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """An upload progress line on a terminal: bytes, percent, rate and ETA.

    Pass it as ``on_upload_progress`` to ``client.call``; call ``finish()`` afterwards. It
    redraws at most every ``interval`` seconds (and always for the last byte).
    """

    def __init__(self, out: IO[str], label: str = "upload", *, width: int = 24,
                 interval: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.out = out
        self.label = label
        self.width = width
        self.interval = interval
        self.clock = clock
        self.started: float | None = None
        self.start_sent = 0
        self.last_sent = 0
        self.last_draw = -math.inf
        self.drawn = False
        self.line_length = 0

    def __call__(self, sent: int, total: int) -> None:
        now = self.clock()
        if self.started is None or sent < self.last_sent:
            self.started = now  # a retry rewinds the body: measure the rate afresh
            self.start_sent = sent
        self.last_sent = sent
        if sent < total and now - self.last_draw < self.interval:
            return
        self.last_draw = now
        self.out.write("\r" + self.render(sent, total, sent - self.start_sent, now - self.started))
        self.out.flush()
        self.drawn = True

    def render(self, sent: int, total: int, measured: int, elapsed: float) -> str:
        """One frame: ``measured`` bytes went out in the last ``elapsed`` seconds."""
        fraction = sent / total if total else 1.0
        filled = int(self.width * fraction)
        bar = "#" * filled + "-" * (self.width - filled)
        rate = measured / elapsed if elapsed > 0 else 0.0
        eta = _duration((total - sent) / rate) if rate > 0 and sent < total else (
            "0:00" if sent >= total else "--:--")
        line = (f"{self.label} [{bar}] {fraction * 100:5.1f}%  {_size(sent)} / {_size(total)}"
                f"  {_size(rate)}/s  ETA {eta}")
        padded = line.ljust(self.line_length)
        self.line_length = len(line)
        return padded

    def finish(self) -> None:
        if self.drawn:
            self.out.write("\n")
            self.out.flush()
            self.drawn = False


# --- running a command -------------------------------------------------------------------------


class _UsageError(Exception):
    pass


class _StreamFailure(Exception):
    """A stream that ended by saying it failed (exit status as for a server error)."""


def _spec_from(args: argparse.Namespace, command: _Command) -> Spec[Any]:
    values = vars(args)
    kwargs: dict[str, Any] = {}
    for option in command.options:
        value = values.get(option.dest)
        if value is not None:
            kwargs[option.name] = value
    if command.messages_shortcut:
        shortcut = values.get("cli:message")
        if shortcut:
            if "messages" in kwargs:
                raise _UsageError("give --messages or --message, not both")
            kwargs["messages"] = shortcut
        required = any(o.name == "messages" and o.required for o in command.options)
        if required and "messages" not in kwargs:
            raise _UsageError("the following arguments are required: --messages (or --message)")
    try:
        spec: Spec[Any] = command.spec_class(**kwargs)
    except (TypeError, ValueError) as exc:
        raise _UsageError(str(exc)) from None
    return spec


def _exit_code(error: APIError) -> int:
    if isinstance(error, APIConnectionError):
        return EXIT_CONNECTION
    if isinstance(error, ResponseDecodeError):
        return EXIT_DECODE
    if isinstance(error, APIStatusError):
        status = error.status
        if status is not None and 400 <= status < 500:
            return EXIT_CLIENT_ERROR
        return EXIT_SERVER_ERROR
    return EXIT_FAILURE


def _error(text: str) -> None:
    sys.stderr.write(f"{PROG}: error: {text}\n")
    sys.stderr.flush()


def _run(args: argparse.Namespace, command: _Command, client: LlamaStackClient) -> None:
    out = sys.stdout
    output: str | None = getattr(args, "output", None)
    spec = _spec_from(args, command)
    values = vars(args)
    if command.streams and values.get("cli:stream"):
        printer = _StreamPrinter(out, as_json=output == "json")
        try:
            with client.stream(cast("StreamingSpec[Any, Any]", spec)) as events:
                for event in events:
                    printer(event)
        finally:
            printer.finish()
        if printer.failure is not None:
            raise _StreamFailure(printer.failure)
        return
    if command.pages and values.get("cli:all"):
        _print_all(client.paginate(spec), output, out)
        return
    progress: ProgressBar | None = None
    if command.has_files and sys.stderr.isatty():
        label = next((Path(str(getattr(spec, o.name))).name for o in command.options
                      if o.type.kind == _Kind.FILE and getattr(spec, o.name) is not None),
                     "upload")
        progress = ProgressBar(sys.stderr, label)
    try:
        result = client.call(spec, on_upload_progress=progress)
    finally:
        if progress is not None:
            progress.finish()
    _print_result(result, output, out)


def _print_all(items: Iterator[Any], output: str | None, out: IO[str]) -> None:
    if output == "table":
        out.write(_format_table([_plain(item) for item in items]) + "\n")
        return
    # A JSON array written item by item, so a long listing shows up as it is fetched.
    first = True
    for item in items:
        out.write("[\n" if first else ",\n")
        first = False
        out.write("\n".join("  " + line for line in _dumps(_plain(item)).splitlines()))
        out.flush()
    out.write("[]\n" if first else "\n]\n")


def main(argv: Sequence[str] | None = None, *, specs: Iterable[type] | None = None) -> int:
    """Run the command line; returns the exit status (see ``llamastack --help``).

    ``specs``: the spec classes to offer instead of those of ``llamastack.endpoints``.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        registry = _spec_registry(specs) if specs is not None else _endpoint_registry()
        parser = _build_parser(arguments, registry)
    except Exception as exc:  # a spec class that cannot be described is a bug worth showing
        _error(f"cannot build the command line: {type(exc).__name__}: {exc}")
        return EXIT_FAILURE
    try:
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # --help, --version, usage errors
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    command: _Command | None = vars(args).get("cli:command")
    if command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        with LlamaStackClient(base_url=args.base_url, api_key=args.api_key,
                              timeout=args.timeout if args.timeout is not None else 60.0,
                              max_retries=args.max_retries if args.max_retries is not None
                              else 2) as client:
            _run(args, command, client)
    except _UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except _StreamFailure as exc:
        _error(str(exc))
        return EXIT_SERVER_ERROR
    except APIError as exc:
        message = str(exc)
        if (isinstance(exc, APIStatusError) and exc.status == 501 and command.streams
                and not vars(args).get("cli:stream")):
            message += " (on the command line: leave out --no-stream)"
        _error(message)
        return _exit_code(exc)
    except (ValueError, TypeError, OSError) as exc:
        # Values the request cannot carry (an empty path segment, CR/LF in a header), a file
        # that vanished: the request was never sent.
        if isinstance(exc, BrokenPipeError):
            return _quiet_broken_pipe()
        _error(str(exc))
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("\n")
        return EXIT_INTERRUPTED
    return EXIT_OK


def _quiet_broken_pipe() -> int:
    # The reader went away (`llamastack ... | head`): stop without a traceback at exit.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE


