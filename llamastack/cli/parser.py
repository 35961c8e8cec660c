"""The argument parser: client options, ``RESOURCE VERB`` commands, built lazily.

Only the command named on the command line gets its options (and has its spec module
imported); every other resource and verb is listed by name and summary alone, so
``llamastack --help`` and ``llamastack models list`` stay fast. Every command's parser sets
``cli:run``, the function :func:`llamastack.cli.dispatch.main` calls with the parsed arguments
and a client.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from llamastack._version import __version__
from llamastack.cli.chat import CHAT_COMMAND, CHAT_EPILOG, CHAT_SUMMARY, add_chat_options
from llamastack.cli.exits import EXIT_STATUSES, PROG
from llamastack.cli.naming import Entry, Registry
from llamastack.cli.options import (
    Command,
    add_spec_options,
    class_summary,
    describe,
    upload_target,
)
from llamastack.cli.run import run_spec_command
from llamastack.cli.values import int_at_least
from llamastack.client import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    SERVER_LINE_ENV,
    LlamaStackClient,
)
from llamastack.lines import varies_by_line
from llamastack.retry import FINAL_SERVER_STATUSES, RETRYABLE_STATUSES
from llamastack.spec import SERVER_LINES

__all__ = ["EPILOG", "GLOBAL_OPTIONS", "build_parser"]

_EXIT_LINES = "\n".join(f"  {code:<3}  {meaning}" for code, meaning in EXIT_STATUSES)
EPILOG = f"""\
environment (the same as the Python client's):
  {", ".join(BASE_URL_ENV)}
      default for --base-url (else {DEFAULT_BASE_URL})
  {", ".join(API_KEY_ENV)}
      default for --api-key; prefer them: a key on the command line is visible to `ps`
  {", ".join(SERVER_LINE_ENV)}
      default for --server-line (else asked once with GET /v1/version)
  LLAMA_STACK_LOG=debug
      log every request and response (secrets redacted) to stderr

values:
  nested fields take JSON ('[{{"type": "function", ...}}]') or @file.json (@- reads stdin);
  list fields repeat (--ids a --ids b) or take a JSON array; file fields take a path (a create
  command with one file field also has an `upload` alias taking it first: llamastack files
  upload PATH --purpose assistants), and uploads show a progress bar on a terminal;
  --message ROLE:TEXT (repeatable) builds the messages field: --message user:"hello"

exit status:
{_EXIT_LINES}
"""


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


def _client_default(name: str) -> Any:
    """A LlamaStackClient keyword's default: what an option left out means."""
    return inspect.signature(LlamaStackClient).parameters[name].default


def _statuses(statuses: Iterable[int]) -> str:
    return ", ".join(str(status) for status in sorted(statuses))


# The client options, in one table: the top-level parser shows them, and every command accepts
# them again after its own options. Their values reach the client in dispatch.client_options.
GLOBAL_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--base-url", {"metavar": "URL", "help": "server URL (default: $LLAMA_STACK_BASE_URL, "
                    f"$LLAMA_STACK_CLIENT_BASE_URL, else {DEFAULT_BASE_URL})"}),
    ("--api-key", {"metavar": "KEY", "help": "sent as a bearer token (default: "
                   "$LLAMA_STACK_API_KEY, $LLAMA_STACK_CLIENT_API_KEY); never printed"}),
    ("--timeout", {"metavar": "SECONDS", "type": _positive_float,
                   "help": "connect and read timeout per request (default: "
                           f"{_client_default('timeout'):g})"}),
    ("--max-retries", {"metavar": "N", "type": int_at_least(0), "help": (
        "retries after a connection failure or timeout, or an answer "
        f"{_statuses(RETRYABLE_STATUSES)} or 5xx other than {_statuses(FINAL_SERVER_STATUSES)}"
        " (a server's x-should-retry header decides first); waits as Retry-After asks, else "
        f"backs off (default: {_client_default('max_retries')})")}),
    ("--server-line", {"choices": SERVER_LINES, "metavar": "LINE", "help": (
        f"the server's Llama Stack line, one of {', '.join(SERVER_LINES)} (default: "
        f"${SERVER_LINE_ENV[0]}, else asked once with GET /v1/version)")}),
    ("--output", {"choices": ("json", "table"),
                  "help": "json (default) or table; streamed text is printed as it arrives"}),
    ("--debug", {"action": "store_true",
                 "help": "on a failure, also print the traceback (with the exceptions it came "
                         "from)"}),
)
_GLOBAL_WITH_VALUE = frozenset(flag for flag, options in GLOBAL_OPTIONS if "action" not in options)


def _add_global_options(parser: argparse.ArgumentParser, *, inherited: bool,
                        skip: Iterable[str] = ()) -> None:
    """The client options; on a command (inherited) they default to what was given before it."""
    group = parser.add_argument_group("client options")
    skipped = set(skip)
    for flag, kwargs in GLOBAL_OPTIONS:
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


def build_parser(argv: Sequence[str], registry: Registry, *,
                 chat: bool = True) -> argparse.ArgumentParser:
    """The parser for ``argv``: every resource listed, the chosen command complete; with
    ``chat``, also the ``chat`` command (llamastack.cli.chat)."""
    parser = argparse.ArgumentParser(
        prog=PROG, formatter_class=_HelpFormatter, epilog=EPILOG,
        description="Call any Llama Stack endpoint. Commands are RESOURCE VERB, derived from the "
                    "spec classes of llamastack.endpoints; `llamastack RESOURCE VERB --help` "
                    "lists a command's options.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_global_options(parser, inherited=False)
    resources = parser.add_subparsers(dest="cli:resource", metavar="RESOURCE", title="resources")
    words = _selected(argv)
    if chat:  # first in the list: the one command that is not an endpoint
        chat_parser = resources.add_parser(CHAT_COMMAND, help=CHAT_SUMMARY,
                                           formatter_class=_HelpFormatter, epilog=CHAT_EPILOG)
        if words and words[0] == CHAT_COMMAND:
            add_chat_options(chat_parser)
            _add_global_options(chat_parser, inherited=True)
    for resource, verbs in registry.items():
        names = sorted(verbs)
        resource_parser = resources.add_parser(
            resource, help=", ".join(names), formatter_class=_HelpFormatter,
            description=f"{resource}: {', '.join(names)}")
        if words and words[0] == resource:
            _add_verbs(resource_parser, verbs, words[1] if len(words) > 1 else None)
    return parser


def _add_verbs(parser: argparse.ArgumentParser, verbs: Mapping[str, Entry],
               selected: str | None) -> None:
    commands = parser.add_subparsers(dest="cli:verb", metavar="VERB", title="verbs")
    commands.required = True
    described = {verb: describe(entry.load()) for verb, entry in verbs.items()}
    uploads = {verb: upload_target(cmd) for verb, cmd in described.items()
               if verbs[verb].verb == "create" and "upload" not in verbs}
    for verb in sorted(described):
        command = described[verb]
        _add_command(commands, verb, command, selected, class_summary(command.spec_class))
        target = uploads.get(verb)
        if target is not None:
            _add_command(commands, "upload", command, selected,
                         f"{class_summary(command.spec_class)} (the file as a path, with progress)",
                         positional_file=target)


def _add_command(commands: Any, verb: str, command: Command, selected: str | None,
                 summary: str, positional_file: str | None = None) -> None:
    parser = commands.add_parser(verb, help=summary, formatter_class=_HelpFormatter,
                                 epilog=EPILOG)
    if selected != verb:
        return  # listed with its summary; its options are built only when it is chosen
    add_spec_options(parser, command, positional_file)
    taken = {option.flag for option in command.options}
    _add_global_options(parser, inherited=True, skip=taken)
    parser.set_defaults(**{"cli:run": functools.partial(run_spec_command, command),
                           "cli:needs_line": varies_by_line(command.spec_class)})
