"""``llamastack chat``: an agent on the command line, for one prompt or a whole session.

::

    llamastack chat --model M "What is the weather in Paris?"        # one turn, then exit
    llamastack chat --model M --tools my_tools.py                    # an interactive session

It is ``llamastack.agents.Agent`` with ``print_turn``: the same code on every server line
(Responses + Conversations on 0.3+, the Agents API on 0.2). Without PROMPT it reads prompts
line by line, all in one session (the server keeps the history); on a terminal it shows a
prompt, Ctrl-D ends the session and Ctrl-C interrupts the turn that runs (a second Ctrl-C
exits, status 130). With stdin not a terminal each line is a prompt and the first failure
ends the session with its exit status, as in one-shot mode; on a terminal a failed turn is
reported and the session goes on.

``--tools FILE`` runs a Python file (as a script would run: its folder is importable) and
offers its ``@tool`` functions; a ``TOOLS`` list in the file is taken instead, as is, so it
may also hold plain functions and server tools (``{"type": "file_search", ...}``, MCP
servers, 0.2 toolgroup ids). Plain functions are not picked up by themselves: a tools file
imports and defines helpers the model must not call.

This module imports ``llamastack.agents`` only when the command runs, so ``llamastack
--help`` and every other command stay fast.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from llamastack.cli.exits import EXIT_SERVER_ERROR, EXIT_USAGE, CommandError, print_error
from llamastack.cli.values import int_at_least
from llamastack.client import LlamaStackClient
from llamastack.errors import LlamaStackError

if TYPE_CHECKING:
    from llamastack.agents import Agent, ApprovalDecision, ApprovalRequest, TurnResult

__all__ = ["CHAT_COMMAND", "CHAT_EPILOG", "CHAT_SUMMARY", "MODEL_ENV", "PROMPT",
           "add_chat_options", "load_tools", "run_chat", "turn_result_json"]

CHAT_COMMAND = "chat"
CHAT_SUMMARY = ("talk to a model as an agent, with Python functions as tools (one prompt or a "
                "session)")
MODEL_ENV = "LLAMA_STACK_MODEL"
PROMPT = "you> "
_DESCRIPTION = """\
Talk to a model as an agent: one turn with PROMPT, else an interactive session whose turns
share one server-side session (history kept). Text is printed as it arrives, and each tool
call with its arguments and output. On a terminal: Ctrl-D ends the session, Ctrl-C
interrupts the current turn and a second Ctrl-C exits.

--tools FILE runs a Python file and offers its @tool functions (llamastack.agents.tool) to
the model; they run here, in this process. A TOOLS list in the file is used instead, as is:
it may add plain functions and server tools such as {"type": "file_search",
"vector_store_ids": [...]}. The same command works on every server line, 0.2 to 0.7."""

CHAT_EPILOG = f"""\
environment:
  {MODEL_ENV}
      default for --model
  and the client's own (--base-url, --api-key, --server-line...): see `llamastack --help`

exit status: as `llamastack --help` lists; also 5 when a turn does not finish (the model
still asks for tools after --max-rounds rounds, or the server ends a response failed or
incomplete), and 2 for a tool or option the server's line cannot take (e.g. MCP approvals on
Llama Stack 0.2). Ctrl-D ends a session with 0; on a terminal a failed turn is reported and
the session goes on.
"""


def add_chat_options(parser: argparse.ArgumentParser) -> None:
    """The command's own options; ``cli:run`` is :func:`run_chat`."""
    parser.description = _DESCRIPTION
    parser.add_argument("chat:prompt", nargs="?", metavar="PROMPT",
                        help="one prompt: answer it and exit (quote it); without it, a session")
    parser.add_argument("--model", dest="chat:model", metavar="MODEL",
                        help=f"the model id (default: ${MODEL_ENV}); required")
    parser.add_argument("--instructions", dest="chat:instructions", metavar="TEXT",
                        help="the agent's instructions (its system prompt)")
    parser.add_argument("--tools", dest="chat:tools", metavar="FILE",
                        help="a Python file whose @tool functions (or TOOLS list) the model may "
                             "call")
    parser.add_argument("--max-rounds", dest="chat:max_rounds", metavar="N", type=int_at_least(1),
                        default=10, help="model responses per turn at most (default: 10); the "
                                         "model still calling tools after that fails the turn")
    parser.set_defaults(**{"cli:run": run_chat, "cli:needs_line": True})


# --- running --------------------------------------------------------------------------------

def run_chat(args: argparse.Namespace, client: LlamaStackClient) -> None:
    values = vars(args)
    if values.get("output") == "table":
        raise CommandError("chat prints text, or JSON with --output json (no tables)")
    model = values.get("chat:model") or os.environ.get(MODEL_ENV)
    if not model:
        raise CommandError(f"the following arguments are required: --model (or ${MODEL_ENV})")
    prompt: str | None = values.get("chat:prompt")
    if prompt is not None and not prompt.strip():
        raise CommandError("PROMPT is empty")
    tools_file: str | None = values.get("chat:tools")
    tools = load_tools(tools_file) if tools_file else []
    as_json = values.get("output") == "json"

    from llamastack.agents import Agent

    try:
        agent = Agent(client, model=model, instructions=values.get("chat:instructions"),
                      tools=tools, max_rounds=values["chat:max_rounds"],
                      approve=_ask_on_the_terminal if _asks_for_approval(tools) else None)
    except (TypeError, ValueError) as exc:  # a TOOLS entry the Agent refuses (sends nothing)
        raise CommandError(f"--tools {tools_file}: {exc}") from exc
    try:
        session_id = agent.create_session("llamastack chat")
    except LlamaStackError as exc:
        _reraise(exc)
    if prompt is not None:
        _turn(agent, session_id, prompt, as_json)
    else:
        _session(agent, session_id, as_json, client)


def _turn(agent: Agent, session_id: str, text: str, as_json: bool) -> None:
    from llamastack.agents import print_turn

    try:
        if as_json:
            result = agent.create_turn(messages=text, session_id=session_id)
            sys.stdout.write(json.dumps(turn_result_json(result), ensure_ascii=False,
                                        default=str) + "\n")
            sys.stdout.flush()
        else:
            print_turn(agent.create_turn(messages=text, session_id=session_id, stream=True),
                       file=sys.stdout)
    except LlamaStackError as exc:
        _reraise(exc)


def _session(agent: Agent, session_id: str, as_json: bool, client: LlamaStackClient) -> None:
    """Prompts until end of input. On a terminal a failed turn is reported and the session
    goes on; otherwise (a script feeding stdin) the first failure ends it."""
    terminal = sys.stdin.isatty()
    if terminal:
        _enable_line_editing()
        tools = ", ".join(agent.function_tools) or "none"
        sys.stderr.write(f"chat with {agent.model} on Llama Stack {client.server_line} (session "
                         f"{session_id}; tools: {tools}). Ctrl-D ends, Ctrl-C interrupts.\n")
        sys.stderr.flush()
    interrupted = False  # the last thing that happened was a Ctrl-C
    while True:
        try:
            line = input(PROMPT if terminal else "")
        except EOFError:
            if terminal:
                sys.stderr.write("\n")
            return
        except KeyboardInterrupt:
            if interrupted:
                raise
            interrupted = True
            sys.stderr.write("\n(Ctrl-C again or Ctrl-D to leave)\n")
            continue
        text = line.strip()
        if not text:
            continue
        interrupted = False
        try:
            _turn(agent, session_id, text, as_json)
        except KeyboardInterrupt:
            if not terminal:
                raise
            interrupted = True
            sys.stdout.flush()
            sys.stderr.write("\n(interrupted; Ctrl-C again or Ctrl-D to leave)\n")
        except Exception as exc:
            if not terminal or not isinstance(exc, (CommandError, LlamaStackError)):
                raise
            print_error(exc.message if isinstance(exc, CommandError) else str(exc))


def _enable_line_editing() -> None:
    with contextlib.suppress(ImportError):  # not on every platform; input() works without it
        import readline  # noqa: F401 - importing it gives input() editing and history


def _reraise(exc: LlamaStackError) -> NoReturn:
    """Raise an agent failure as the CommandError with its exit status; the client's own
    errors as they are (llamastack.cli.exits maps them)."""
    error = _command_error(exc)
    if error is None:
        raise exc
    raise error from exc


def _command_error(exc: LlamaStackError) -> CommandError | None:
    """An agent failure with the exit status it deserves; None for the client's own errors."""
    from llamastack.agents import ToolLoopLimitError, UnsupportedFeatureError

    if isinstance(exc, UnsupportedFeatureError):
        return CommandError(str(exc), EXIT_USAGE)  # the server's line cannot do what was asked
    # The turn did not finish. (A response that ended failed or incomplete is an
    # APIStatusError with the stream's status, 200, which llamastack.cli.exits maps to 5 too.)
    if isinstance(exc, ToolLoopLimitError):
        return CommandError(str(exc), EXIT_SERVER_ERROR)
    return None


def _asks_for_approval(tools: list[Any]) -> bool:
    return any(isinstance(item, Mapping) and item.get("type") == "mcp"
               and item.get("require_approval", "never") != "never" for item in tools)


def _ask_on_the_terminal(request: ApprovalRequest) -> bool | ApprovalDecision:
    """MCP approvals: asked on the terminal; without one, denied."""
    from llamastack.agents import ApprovalDecision
    from llamastack.agents.printer import format_arguments

    if not sys.stdin.isatty():
        return ApprovalDecision(False, "denied: no terminal to ask on")
    answer = input(f"\nallow {request.server_label}: {request.name}"
                   f"({format_arguments(request.arguments)})? [y/N] ")
    return answer.strip().lower() in ("y", "yes")


# --- tools ----------------------------------------------------------------------------------

def load_tools(path: str) -> list[Any]:
    """The tools of a Python file: its ``TOOLS`` list, else its ``@tool`` functions."""
    from llamastack.agents import FunctionTool, ToolDefinitionError

    file = Path(path)
    if not file.is_file():
        raise CommandError(f"--tools {path}: no such file")
    name = "llamastack_chat_tools_" + re.sub(r"\W", "_", file.stem)
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise CommandError(f"--tools {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    folder = str(file.resolve().parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # as when the file runs as a script: its neighbours import
    try:
        spec.loader.exec_module(module)
    except ToolDefinitionError as exc:
        raise CommandError(f"--tools {path}: {exc}") from exc
    except (Exception, SystemExit) as exc:
        raise CommandError(f"--tools {path}: running it failed: {type(exc).__name__}: {exc} "
                           "(--debug shows the traceback)") from exc
    listed = getattr(module, "TOOLS", None)
    if listed is not None:
        if isinstance(listed, (str, bytes, Mapping)) or not isinstance(listed, (list, tuple)):
            raise CommandError(f"--tools {path}: TOOLS must be a list, got "
                               f"{type(listed).__name__}")
        return list(listed)
    found: list[Any] = []
    for value in vars(module).values():
        if isinstance(value, FunctionTool) and all(value is not seen for seen in found):
            found.append(value)
    if not found:
        raise CommandError(f"--tools {path}: no tools in it; decorate functions with @tool "
                           "(from llamastack.agents import tool) or define a TOOLS list")
    return found


# --- JSON -----------------------------------------------------------------------------------

def turn_result_json(result: TurnResult) -> dict[str, Any]:
    """A ``TurnResult`` as JSON data (``--output json``)."""
    return {
        "session_id": result.session_id,
        "output_text": result.output_text,
        "tool_calls": [{"call_id": c.call_id, "name": c.name, "arguments": dict(c.arguments),
                        "output": c.output, "is_error": c.is_error} for c in result.tool_calls],
        "server_tool_calls": [
            {"type": s.type, "call_id": s.call_id, "name": s.name, "arguments": dict(s.arguments),
             "output": s.output, "is_error": s.is_error, "server_label": s.server_label,
             "status": s.status, "results": [dict(r) for r in s.results]}
            for s in result.server_tool_calls],
        "approvals": [{"name": a.request.name, "server_label": a.request.server_label,
                       "arguments": dict(a.request.arguments), "approved": a.approved,
                       "reason": a.reason} for a in result.approvals],
        "response_ids": list(result.response_ids),
        "turn_id": result.turn_id,
        "rounds": result.rounds,
        "usage": None if result.usage is None else {
            "input_tokens": result.usage.input_tokens,
            "output_tokens": result.usage.output_tokens,
            "total_tokens": result.usage.total_tokens},
    }
