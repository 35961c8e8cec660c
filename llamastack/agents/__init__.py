"""The agent toolkit: Python functions as tools (the turn loop and its backends follow)."""

from llamastack.agents.schema import ToolDefinitionError
from llamastack.agents.tools import FunctionTool, tool

__all__ = ["FunctionTool", "ToolDefinitionError", "tool"]
