"""The agent toolkit: Python functions as tools, and the turn loop as a pure state machine
(its backends and the Agent shell follow)."""

from llamastack.agents.errors import (
    ResponseFailedError,
    ResponseIncompleteError,
    ToolLoopLimitError,
    UnsupportedFeatureError,
    partial_result,
)
from llamastack.agents.events import (
    ApprovalDecided,
    ApprovalDecision,
    ApprovalRecord,
    ApprovalRequest,
    ApprovalRequested,
    ServerToolCall,
    ServerToolCallRecord,
    TextDelta,
    ToolCallFinished,
    ToolCallRecord,
    ToolCallRequested,
    TurnCompleted,
    TurnEvent,
    TurnResult,
    TurnStarted,
    Usage,
)
from llamastack.agents.schema import ToolDefinitionError
from llamastack.agents.tools import FunctionTool, tool

__all__ = [
    "ApprovalDecided",
    "ApprovalDecision",
    "ApprovalRecord",
    "ApprovalRequest",
    "ApprovalRequested",
    "FunctionTool",
    "ResponseFailedError",
    "ResponseIncompleteError",
    "ServerToolCall",
    "ServerToolCallRecord",
    "TextDelta",
    "ToolCallFinished",
    "ToolCallRecord",
    "ToolCallRequested",
    "ToolDefinitionError",
    "ToolLoopLimitError",
    "TurnCompleted",
    "TurnEvent",
    "TurnResult",
    "TurnStarted",
    "UnsupportedFeatureError",
    "Usage",
    "partial_result",
    "tool",
]
