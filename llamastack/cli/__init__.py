"""The ``llamastack`` command line, derived from the spec classes themselves.

Every spec class exported by :mod:`llamastack.endpoints` is a command, so the command line can
never drift from the library: ``SessionCreate`` is ``llamastack sessions create``, and each
dataclass field an option (``agent_id`` is ``--agent-id``). :func:`main` also serves specs of
your own (``main(argv, specs=[MySpec])``), which is how an application can expose the
endpoints it declares itself.

One module per concern:

    naming      command names from class names; the registry of commands (names only)
    values      how a field's type is written on the command line; option text to values
    options     one spec class as a command: its options and help texts
    parser      the argparse tree, built lazily: only the chosen command's spec is imported
    run         running a spec command: call, stream or page through the client
    output      printing answers: JSON, tables, bytes, streamed text
    progress    the upload progress bar
    exits       exit statuses, and which failure gets which status and message
    dispatch    main(): parse, make the client, run, map failures to exits
"""

from llamastack.cli.dispatch import main
from llamastack.cli.exits import (
    EXIT_BROKEN_PIPE,
    EXIT_CLIENT_ERROR,
    EXIT_CONNECTION,
    EXIT_DECODE,
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_SERVER_ERROR,
    EXIT_USAGE,
)
from llamastack.cli.naming import command_name
from llamastack.cli.output import stream_text
from llamastack.cli.progress import ProgressBar

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
