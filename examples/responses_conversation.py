"""The Responses API with a conversation: the server keeps the history between calls.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/responses_conversation.py
"""

import os

from llamastack import LlamaStackClient
from llamastack.endpoints import (
    ConversationCreate,
    ConversationDelete,
    ConversationItemList,
    ResponseCreate,
)

MODEL = os.environ.get("LLAMA_STACK_MODEL", "fake-openai/fake-llm")


def output_text(response: object) -> str:
    """The text of a response's message items (what OpenAI's SDK calls ``output_text``)."""
    texts: list[str] = []
    for item in getattr(response, "output", []):
        if getattr(item, "type", None) == "message":
            texts.extend(part.text for part in item.content if getattr(part, "text", None))
    return "".join(texts)


def main() -> None:
    with LlamaStackClient() as client:
        conversation = client.call(ConversationCreate(metadata={"topic": "introductions"}))
        print("conversation:", conversation.id)
        try:
            first = client.call(ResponseCreate(model=MODEL, input="My name is Ada.",
                                               conversation=conversation.id))
            print("first answer:", output_text(first))

            # Streamed: Responses events arrive by type; text comes in output_text deltas.
            print("second answer: ", end="", flush=True)
            spec = ResponseCreate(model=MODEL, input="What is my name?",
                                  conversation=conversation.id)
            with client.stream(spec) as events:
                for event in events:
                    if event.type == "response.output_text.delta":
                        print(event.delta, end="", flush=True)
                    elif event.type == "response.completed":
                        print(f"\nresponse {event.response.id}: {event.response.status}")

            # Both turns, and both answers, are now items of the conversation.
            items = list(client.paginate(ConversationItemList(conversation_id=conversation.id)))
            print(f"conversation items: {len(items)}")
            for item in items:
                role = getattr(item, "role", item.type)
                text = " ".join(getattr(part, "text", "") for part in getattr(item, "content", []))
                print(f"  {role}: {text}")
        finally:
            client.call(ConversationDelete(conversation_id=conversation.id))


if __name__ == "__main__":
    main()
