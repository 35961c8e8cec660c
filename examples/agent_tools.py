"""An agent with Python functions as tools: a whole turn, a printed turn, a matched turn.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/agent_tools.py

The same code runs on every server line, 0.2 to 0.7: over Responses + Conversations on Llama
Stack 0.3 and later, over the Agents API on 0.2. The tools run here, in this process; the server
only sees their outputs.
"""

import os
from typing import Literal

from llamastack import LlamaStackClient
from llamastack.agents import (
    Agent,
    TextDelta,
    ToolCallRequested,
    TurnCompleted,
    print_turn,
    tool,
)

MODEL = os.environ.get("LLAMA_STACK_MODEL", "fake-openai/fake-llm")


@tool
def get_weather(city: str, unit: Literal["c", "f"] = "c") -> str:
    """Current weather in a city.

    Args:
        city: The city's name.
        unit: Temperature unit.
    """
    return f"18 degrees {unit} and sunny in {city}"


@tool
def add(a: int, b: int) -> int:
    """Add two integers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


def main() -> None:
    with LlamaStackClient() as client:  # LLAMA_STACK_BASE_URL, else http://localhost:8321
        agent = Agent(client, model=MODEL, max_rounds=5,
                      instructions="You are a helpful assistant. Use the tools when they help.",
                      tools=[get_weather, add])
        session_id = agent.create_session("agent-tools-example")
        print("session:", session_id)

        # 1. A whole turn: the tool calls it made, then the answer.
        result = agent.create_turn(messages="What is the weather in Paris?",
                                   session_id=session_id)
        for call in result.tool_calls:
            print(f"tool: {call.name}({dict(call.arguments)}) -> {call.output}")
        print("answer:", result.output_text)

        # 2. A streamed turn, printed as it happens; print_turn returns the same TurnResult.
        print("streamed:")
        result = print_turn(agent.create_turn(messages="Please add 2 and 3 with the add tool.",
                                              session_id=session_id, stream=True))
        print(f"rounds: {result.rounds}, tool calls: {len(result.tool_calls)}")

        # 3. The typed events, matched by hand (the with block closes the stream on break).
        with agent.create_turn(messages="Thanks!", session_id=session_id, stream=True) as turn:
            for event in turn:
                match event:
                    case ToolCallRequested(name=name, arguments=arguments):
                        print(f"the model wants {name}({dict(arguments)})")
                    case TextDelta():
                        pass  # the whole text is on the result below
                    case TurnCompleted(result=done):
                        print("last answer:", done.output_text)


if __name__ == "__main__":
    main()
