"""Walking paginated lists: cursor pages (files) and index pages (dataset rows).

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/pagination.py

``client.paginate(spec)`` yields every item, fetching the next page only when the loop needs
it. Cursor lists continue with ``after = last_id`` while ``has_more``; index lists advance
``start_index`` by the number of rows received.
"""

import itertools
import time

from llamastack import LlamaStackClient
from llamastack.endpoints import (
    DatasetRegister,
    DatasetRowList,
    DatasetUnregister,
    FileCreate,
    FileDelete,
    FileList,
)


def main() -> None:
    with LlamaStackClient() as client:
        # Cursor paging. Llama Stack 0.7.3 pages files by creation second: a file created in
        # the same second as a page's last file is skipped. A second before each upload keeps
        # this example exact even on a busy server.
        uploaded = []
        for number in range(3):
            time.sleep(1.1)
            uploaded.append(client.call(FileCreate(
                file=(f"page-{number}.txt", f"file number {number}\n".encode()),
                purpose="assistants")).id)
        try:
            # One page by hand: the page object says whether there is more.
            page = client.call(FileList(limit=2))
            print(f"first page: {len(page.data)} files, has_more={page.has_more}, "
                  f"last_id={page.last_id}")

            # Every page, lazily: stop whenever you like (here: after our three files).
            ours = set(uploaded)
            listed = [f.filename for f in client.paginate(FileList(limit=2)) if f.id in ours]
            print(f"paginate(FileList(limit=2)) found our files: {sorted(listed)}")
            assert sorted(listed) == ["page-0.txt", "page-1.txt", "page-2.txt"]
        finally:
            for file_id in uploaded:
                client.call(FileDelete(file_id=file_id))

        # Index paging: the rows of a dataset, three at a time.
        dataset = client.call(DatasetRegister(purpose="eval/question-answer", source={
            "type": "rows",
            "rows": [{"question": f"q{i}", "answer": f"a{i}"} for i in range(8)],
        }))
        try:
            rows = list(client.paginate(DatasetRowList(dataset_id=dataset.identifier, limit=3)))
            print(f"dataset rows: {len(rows)} ({', '.join(row['question'] for row in rows)})")
            first_five = list(itertools.islice(
                client.paginate(DatasetRowList(dataset_id=dataset.identifier, limit=3)), 5))
            print(f"islice stops after {len(first_five)} rows (the third page is never fetched)")
        finally:
            client.call(DatasetUnregister(dataset_id=dataset.identifier))


if __name__ == "__main__":
    main()
