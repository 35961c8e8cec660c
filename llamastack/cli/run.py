"""Running one spec command: the spec from the parsed options, then call, stream or page.

A command's run function takes the parsed arguments and a client (``Runner``); the parser
stores it as ``cli:run`` on the command's namespace and :mod:`llamastack.cli.dispatch` calls
it inside the one place that turns failures into exit statuses.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from llamastack.cli.exits import EXIT_SERVER_ERROR, CommandError, exit_code_for
from llamastack.cli.options import Command
from llamastack.cli.output import StreamPrinter, print_all, print_result
from llamastack.cli.progress import ProgressBar
from llamastack.cli.values import Kind
from llamastack.client import LlamaStackClient
from llamastack.errors import APIStatusError
from llamastack.spec import Spec, StreamingSpec

__all__ = ["Runner", "run_spec_command", "spec_from"]

Runner = Callable[[argparse.Namespace, LlamaStackClient], None]


def spec_from(args: argparse.Namespace, command: Command) -> Spec[Any]:
    """The spec the options describe; a value the spec refuses is a usage error."""
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
                raise CommandError("give --messages or --message, not both")
            kwargs["messages"] = shortcut
        required = any(o.name == "messages" and o.required for o in command.options)
        if required and "messages" not in kwargs:
            raise CommandError("the following arguments are required: --messages (or --message)")
    try:
        spec: Spec[Any] = command.spec_class(**kwargs)
    except (TypeError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    return spec


def run_spec_command(command: Command, args: argparse.Namespace,
                     client: LlamaStackClient) -> None:
    out = sys.stdout
    output: str | None = getattr(args, "output", None)
    spec = spec_from(args, command)
    values = vars(args)
    streaming = command.streams and bool(values.get("cli:stream"))
    try:
        if streaming:
            _stream(client, cast("StreamingSpec[Any, Any]", spec), output)
        elif command.pages and values.get("cli:all"):
            print_all(client.paginate(spec), output, out)
        else:
            _call(client, spec, command, output)
    except APIStatusError as exc:
        if exc.status == 501 and command.stream_only and not streaming:
            # Llama Stack 0.2 answers 501 to an agent turn that is not streamed.
            raise CommandError(f"{exc} (on the command line: leave out --no-stream)",
                               exit_code_for(exc)) from exc
        raise


def _stream(client: LlamaStackClient, spec: StreamingSpec[Any, Any], output: str | None) -> None:
    printer = StreamPrinter(sys.stdout, as_json=output == "json")
    try:
        with client.stream(spec) as events:
            for event in events:
                printer(event)
    finally:
        printer.finish()
    if printer.failure is not None:
        raise CommandError(printer.failure, EXIT_SERVER_ERROR)


def _call(client: LlamaStackClient, spec: Spec[Any], command: Command,
          output: str | None) -> None:
    progress: ProgressBar | None = None
    if command.has_files and sys.stderr.isatty():
        label = next((Path(str(getattr(spec, o.name))).name for o in command.options
                      if o.type.kind == Kind.FILE and getattr(spec, o.name) is not None),
                     "upload")
        progress = ProgressBar(sys.stderr, label)
    try:
        result = client.call(spec, on_upload_progress=progress)
    finally:
        if progress is not None:
            progress.finish()
    print_result(result, output, sys.stdout)
