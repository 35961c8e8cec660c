"""A chat completion, first whole, then streamed token by token.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/chat_completion.py
"""

import os

from llamastack import LlamaStackClient
from llamastack.endpoints import ChatCompletionCreate

MODEL = os.environ.get("LLAMA_STACK_MODEL", "fake-openai/fake-llm")


def main() -> None:
    with LlamaStackClient() as client:
        completion = client.call(ChatCompletionCreate(
            model=MODEL,
            messages=[
                {"role": "system", "content": "You are terse."},
                {"role": "user", "content": "hello world"},
            ],
        ))
        print("answer:", completion.choices[0].message.content)
        if completion.usage is not None:
            print("tokens:", completion.usage.prompt_tokens, "in,",
                  completion.usage.completion_tokens, "out")

        # The same spec streams: client.stream sends "stream": true and yields typed chunks.
        spec = ChatCompletionCreate(model=MODEL,
                                    messages=[{"role": "user", "content": "stream this please"}],
                                    stream_options={"include_usage": True})
        print("streamed: ", end="", flush=True)
        with client.stream(spec) as chunks:
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    print(chunk.choices[0].delta.content, end="", flush=True)
                if chunk.usage is not None:
                    print(f"  [{chunk.usage.total_tokens} tokens]", end="")
        print()


if __name__ == "__main__":
    main()
