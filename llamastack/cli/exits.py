"""Exit statuses, and which failure gets which status and message.

A failure is the user's (exit 2) only when the user can fix it: bad arguments, unreadable JSON
or file, a value the request cannot carry, a missing path. The engine checks every value while
it builds a request, so a ``ValueError``/``TypeError``/``OSError`` raised *before any request
went out* is the input's fault; the same exception afterwards (decoding an answer, printing it)
is a bug, reported as exit 1 "internal error" with the traceback under ``--debug``, never
dressed up as a usage error.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import TYPE_CHECKING

from llamastack.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    NotServedError,
    ResponseDecodeError,
    UnsupportedServerError,
)

if TYPE_CHECKING:
    from llamastack.executor import CallNext, PreparedRequest, Response

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_CLIENT_ERROR",
    "EXIT_CONNECTION",
    "EXIT_DECODE",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_SERVER_ERROR",
    "EXIT_STATUSES",
    "EXIT_USAGE",
    "PROG",
    "CommandError",
    "RequestWatch",
    "exit_code_for",
    "fail",
    "print_error",
]

PROG = "llamastack"

EXIT_OK = 0
EXIT_FAILURE = 1  # an internal error (a bug), or the output could not be written
EXIT_USAGE = 2  # bad arguments, unreadable JSON or file, a value the request cannot carry
EXIT_CONNECTION = 3  # no answer: refused, reset, timed out, redirected
EXIT_CLIENT_ERROR = 4  # the server answered 4xx
EXIT_SERVER_ERROR = 5  # the server answered 5xx (or reported an error inside a stream)
EXIT_DECODE = 6  # a 2xx answer that is not JSON or does not fit the declared type
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
EXIT_BROKEN_PIPE = 141  # the reader of stdout went away (`| head`), as shells report SIGPIPE

# What `llamastack --help` lists (README.md "Command line" has the same table).
EXIT_STATUSES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success"),
    (EXIT_FAILURE, "internal error (a bug: --debug shows the traceback), or the output could "
                   "not be written"),
    (EXIT_USAGE, "usage error (bad option, unreadable JSON or file, a value the request cannot "
                 "carry, a command or value the server's line does not serve)"),
    (EXIT_CONNECTION, "no answer: connection refused or reset, timed out, redirected"),
    (EXIT_CLIENT_ERROR, "the server answered 4xx (bad request, not found, ...)"),
    (EXIT_SERVER_ERROR, "the server answered 5xx, or reported an error inside a stream"),
    (EXIT_DECODE, "the answer could not be decoded (not JSON, or not the declared shape)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
    (EXIT_BROKEN_PIPE, "the output was closed early (e.g. piped into head)"),
)


class CommandError(Exception):
    """A failure the command explains itself: ``message`` is printed, ``exit_code`` returned."""

    def __init__(self, message: str, exit_code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class RequestWatch:
    """Client middleware that notes whether any request has gone out (see the module doc)."""

    def __init__(self) -> None:
        self.sent = False

    def __call__(self, request: PreparedRequest, call_next: CallNext) -> Response:
        self.sent = True
        return call_next(request)


def exit_code_for(error: APIError) -> int:
    if isinstance(error, (NotServedError, UnsupportedServerError)):
        return EXIT_USAGE  # nothing was sent: the server's line cannot do what was asked
    if isinstance(error, APIConnectionError):
        return EXIT_CONNECTION
    if isinstance(error, ResponseDecodeError):
        return EXIT_DECODE
    if isinstance(error, APIStatusError) and error.status is not None:
        if 300 <= error.status < 400:  # redirects are not followed: no answer from base_url
            return EXIT_CONNECTION
        if 400 <= error.status < 500:
            return EXIT_CLIENT_ERROR
        return EXIT_SERVER_ERROR
    return EXIT_FAILURE


def print_error(text: str) -> None:
    sys.stderr.write(f"{PROG}: error: {text}\n")
    sys.stderr.flush()


def fail(exc: BaseException, *, blame_input: bool, debug: bool, doing: str = "") -> int:
    """Report ``exc`` on stderr as the user should see it; returns the exit status.

    ``blame_input``: nothing has been sent yet, so a ValueError, TypeError or OSError is
    about the user's input (see the module doc). ``doing`` names the step that failed.
    """
    if isinstance(exc, BrokenPipeError):
        return _quiet_broken_pipe()  # nothing to say: nobody is reading any more
    if isinstance(exc, KeyboardInterrupt):
        sys.stderr.write("\n")
        return EXIT_INTERRUPTED
    if isinstance(exc, CommandError):
        code, message = exc.exit_code, exc.message
    elif isinstance(exc, APIError):
        code, message = exit_code_for(exc), str(exc)
    elif isinstance(exc, (ValueError, TypeError, OSError)) and blame_input:
        # A value the request cannot carry (an empty path segment, CR/LF in a header, an
        # invalid --base-url), a file that vanished or cannot be read: nothing was sent.
        code, message = EXIT_USAGE, str(exc) or type(exc).__name__
    elif isinstance(exc, OSError):  # the output could not be written (no space left, ...)
        code, message = EXIT_FAILURE, str(exc) or type(exc).__name__
    else:
        code = EXIT_FAILURE
        where = f" while {doing}" if doing else ""
        message = f"internal error{where}: {type(exc).__name__}: {exc}" + (
            "" if debug else " (--debug shows the traceback)")
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    print_error(message)
    return code


def _quiet_broken_pipe() -> int:
    # The reader went away (`llamastack ... | head`): stop without a traceback at exit, when
    # Python flushes stdout once more.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return EXIT_BROKEN_PIPE
