"""Retrieval-augmented generation: a file in a vector store, searched directly and through
the Responses API's ``file_search`` tool.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/rag_file_search.py
"""

import os

from llamastack import LlamaStackClient
from llamastack.endpoints import (
    FileCreate,
    FileDelete,
    ResponseCreate,
    VectorStoreCreate,
    VectorStoreDelete,
    VectorStoreSearch,
)

MODEL = os.environ.get("LLAMA_STACK_MODEL", "fake-openai/fake-llm")

DOCUMENT = b"""Paris is the capital of France.
Berlin is the capital of Germany.
The Loire is the longest river in France.
"""


def main() -> None:
    with LlamaStackClient() as client:
        file = client.call(FileCreate(file=("geography.txt", DOCUMENT), purpose="assistants"))
        # The server chunks and embeds the file (with its default embedding model).
        store = client.call(VectorStoreCreate(name="geography", file_ids=[file.id]))
        print(f"vector store {store.id}: {store.status}, {store.file_counts.completed} file(s)")
        try:
            # 1. Search the store directly.
            found = client.call(VectorStoreSearch(vector_store_id=store.id,
                                                  query="capital of France", max_num_results=2))
            for hit in found.data:
                text = " ".join(part.text for part in hit.content)
                print(f"search hit ({hit.score:.2f}) in {hit.filename}: {text!r}")

            # 2. Let the model search it: the file_search tool over this vector store.
            response = client.call(ResponseCreate(
                model=MODEL,
                input="Use file_search to find: what is the capital of France?",
                tools=[{"type": "file_search", "vector_store_ids": [store.id]}],
            ))
            for item in response.output:
                if item.type == "file_search_call":
                    print(f"file_search_call {item.status}: queries={item.queries}, "
                          f"{len(item.results or [])} result(s)")
                elif item.type == "message":
                    answer = "".join(getattr(part, "text", "") for part in item.content)
                    print("answer:", answer.splitlines()[0])
        finally:
            client.call(VectorStoreDelete(vector_store_id=store.id))
            client.call(FileDelete(file_id=file.id))


if __name__ == "__main__":
    main()
