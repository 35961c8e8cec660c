"""The llamastack demo: a conversation, a streamed chat completion and a file upload against a
Llama Stack 0.7 server.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/demo.py

(``./scripts/demo`` starts a local server and runs this.)
"""

import os
import sys
import tempfile
from pathlib import Path

from llamastack import LlamaStackClient, __version__
from llamastack.cli import ProgressBar
from llamastack.endpoints import (
    ChatCompletionCreate,
    ConversationCreate,
    ConversationDelete,
    FileCreate,
    FileDelete,
    ModelList,
    VersionRetrieve,
)

MODEL = os.environ.get("LLAMA_STACK_MODEL", "fake-openai/fake-llm")


def main() -> None:
    with LlamaStackClient() as client:
        server = client.call(VersionRetrieve())
        models = client.call(ModelList())
        print(f"llamastack {__version__} -> {client.base_url} (Llama Stack {server.version}, "
              f"{len(models.data)} models)")

        # 1. A conversation: the server keeps its items for the Responses API.
        conversation = client.call(ConversationCreate(metadata={"topic": "demo"}))
        print(f"1. created conversation {conversation.id} (metadata {conversation.metadata})")

        # 2. A chat completion, streamed token by token as the server sends it.
        spec = ChatCompletionCreate(model=MODEL, messages=[
            {"role": "user", "content": "hello from the llamastack demo"}])
        print(f"2. streaming a chat completion from {MODEL}: ", end="", flush=True)
        with client.stream(spec) as chunks:
            for chunk in chunks:
                if chunk.choices and chunk.choices[0].delta.content:
                    print(chunk.choices[0].delta.content, end="", flush=True)
        print()

        # 3. A file upload, streamed from disk, with a progress bar on a terminal.
        path = Path(tempfile.mkdtemp()) / "demo-notes.txt"
        path.write_text("Llama Stack demo notes.\n" * 100_000)
        progress = ProgressBar(sys.stderr, path.name) if sys.stderr.isatty() else None
        uploaded = client.call(FileCreate(file=path, purpose="assistants"),
                               on_upload_progress=progress)
        if progress is not None:
            progress.finish()
        print(f"3. uploaded {uploaded.filename} as {uploaded.id} ({uploaded.bytes:,} bytes)")

        client.call(FileDelete(file_id=uploaded.id))
        client.call(ConversationDelete(conversation_id=conversation.id))
        print("demo complete")


if __name__ == "__main__":
    main()
