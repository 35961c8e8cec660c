"""``main``: parse the command line, make the client, run the command, map failures to exits."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from llamastack.cli.exits import EXIT_OK, EXIT_USAGE, RequestWatch, fail
from llamastack.cli.naming import endpoint_registry, spec_registry
from llamastack.cli.parser import build_parser
from llamastack.cli.run import Runner
from llamastack.client import LlamaStackClient

__all__ = ["client_options", "main"]


def client_options(args: argparse.Namespace) -> dict[str, Any]:
    """LlamaStackClient keywords from the client options given (the client's defaults else)."""
    given = {"base_url": args.base_url, "api_key": args.api_key, "timeout": args.timeout,
             "max_retries": args.max_retries, "server_line": args.server_line}
    return {name: value for name, value in given.items() if value is not None}


def main(argv: Sequence[str] | None = None, *, specs: Iterable[type] | None = None) -> int:
    """Run the command line; returns the exit status (see ``llamastack --help``).

    ``specs``: the spec classes to offer instead of those of ``llamastack.endpoints``.
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Until the arguments are parsed, --debug is known only as a word among them.
    debug = "--debug" in arguments
    try:
        registry = spec_registry(specs) if specs is not None else endpoint_registry()
        parser = build_parser(arguments, registry, chat=specs is None)  # chat: ours only
        args = parser.parse_args(arguments)
    except SystemExit as exc:  # --help, --version, usage errors (argparse has said why)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except Exception as exc:  # e.g. a spec class that cannot be described: a bug to show
        return fail(exc, blame_input=False, debug=debug, doing="reading the command line")
    run: Runner | None = vars(args).get("cli:run")
    if run is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    watch = RequestWatch()
    try:
        with LlamaStackClient(**client_options(args), middleware=[watch]) as client:
            if vars(args).get("cli:needs_line"):
                # Line discovery is the client's own request, not the command's: a value the
                # command cannot carry found after it is still the user's to fix.
                client.server_line  # noqa: B018 - discovers the line now
                watch.sent = False
            run(args, client)
    except (Exception, KeyboardInterrupt) as exc:
        return fail(exc, blame_input=not watch.sent, debug=args.debug)
    return EXIT_OK
