"""An agent, a session and one streamed turn (Agents API: a Llama Stack 0.2 server).

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/agent_session.py

0.2 servers only stream turns, so the turn goes through ``client.stream``; text arrives as
``step_progress`` events and the finished turn comes with ``turn_complete``.
"""

import os

from llamastack import LlamaStackClient
from llamastack.endpoints import AgentCreate, AgentDelete, SessionCreate, TurnCreate

MODEL = os.environ.get("LLAMA_STACK_MODEL", "fake-openai/fake-llm")


def main() -> None:
    with LlamaStackClient() as client:  # LLAMA_STACK_BASE_URL, else http://localhost:8321
        agent = client.call(AgentCreate(agent_config={
            "model": MODEL,
            "instructions": "You are a helpful assistant. Answer briefly.",
        }))
        print("agent:", agent.agent_id)
        try:
            session = client.call(SessionCreate(agent_id=agent.agent_id, session_name="triage"))
            print("session:", session.session_id)

            turn = TurnCreate(agent_id=agent.agent_id, session_id=session.session_id,
                              messages=[{"role": "user", "content": "hello agent"}])
            print("assistant: ", end="", flush=True)
            finished = None
            with client.stream(turn) as chunks:
                for chunk in chunks:
                    payload = chunk.event.payload
                    if payload.event_type == "step_progress" and payload.delta.type == "text":
                        print(payload.delta.text, end="", flush=True)
                    elif payload.event_type == "turn_complete":
                        finished = payload.turn
            print()
            assert finished is not None, "the stream ended without turn_complete"
            print(f"turn {finished.turn_id} answered: {finished.output_message.content}")
        finally:
            client.call(AgentDelete(agent_id=agent.agent_id))  # also deletes its sessions


if __name__ == "__main__":
    main()
