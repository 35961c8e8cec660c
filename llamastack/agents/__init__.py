"""The agent toolkit: Python functions as tools, and one tool loop on every server line.

::

    from llamastack import LlamaStackClient
    from llamastack.agents import Agent, tool, print_turn

    @tool
    def get_weather(city: str) -> str:
        \"\"\"Current weather in a city.

        Args:
            city: The city's name.
        \"\"\"
        return f"18 degrees and sunny in {city}"

    agent = Agent(LlamaStackClient(), model="...", instructions="Be brief.", tools=[get_weather])
    session_id = agent.create_session("weather")
    print(agent.create_turn(messages="Weather in Paris?", session_id=session_id).output_text)
    print_turn(agent.create_turn(messages="And Rome?", session_id=session_id, stream=True))

Modules: ``tools`` (functions to tools; ``schema``, ``docstrings`` and ``validation`` behind
it), ``events`` (what a turn reports), ``loop`` (the turn as a pure state machine),
``responses_api`` / ``responses_stream`` (Responses + Conversations, 0.3+), ``agents_api`` /
``agents_stream`` (the Agents API, 0.2), ``agent`` (the shell that runs it all), ``printer``.
"""

from llamastack.agents.agent import Agent, ApproveCallback, TurnStream, api_for_server_line
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
from llamastack.agents.printer import print_turn
from llamastack.agents.schema import ToolDefinitionError
from llamastack.agents.tools import FunctionTool, tool

__all__ = [
    "Agent",
    "ApprovalDecided",
    "ApprovalDecision",
    "ApprovalRecord",
    "ApprovalRequest",
    "ApprovalRequested",
    "ApproveCallback",
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
    "TurnStream",
    "UnsupportedFeatureError",
    "Usage",
    "api_for_server_line",
    "partial_result",
    "print_turn",
    "tool",
]
