"""Upload a file with a progress callback, read it back, delete it.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/file_upload.py [PATH]

Without PATH a 4 MiB text file is generated. The file is streamed from disk in blocks, never
read whole into memory; ``on_upload_progress(sent, total)`` is called as the bytes go out.
(The command line shows a full progress bar: ``llamastack files upload PATH --purpose
assistants``.)
"""

import sys
import tempfile
import time
from pathlib import Path

from llamastack import LlamaStackClient
from llamastack.endpoints import FileContentRetrieve, FileCreate, FileDelete, FileRetrieve


class Progress:
    """Prints a line at every quarter of the upload."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.next_mark = 25

    def __call__(self, sent: int, total: int) -> None:
        percent = sent * 100 // total
        if percent >= self.next_mark:
            rate = sent / max(time.monotonic() - self.started, 1e-6) / 2**20
            print(f"  {percent:3d}%  {sent:>9,} / {total:,} bytes  {rate:6.1f} MiB/s")
            self.next_mark = percent // 25 * 25 + 25


def main() -> None:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
    else:
        path = Path(tempfile.mkdtemp()) / "notes.txt"
        line = "Llama Stack file upload example, one line of many.\n"
        path.write_text(line * (4 * 2**20 // len(line)))
    print(f"uploading {path.name} ({path.stat().st_size:,} bytes)")

    with LlamaStackClient() as client:
        uploaded = client.call(FileCreate(file=path, purpose="assistants"),
                               on_upload_progress=Progress())
        print(f"uploaded {uploaded.id}: {uploaded.filename}, {uploaded.bytes:,} bytes")
        try:
            again = client.call(FileRetrieve(file_id=uploaded.id))
            assert again.bytes == path.stat().st_size
            content = client.call(FileContentRetrieve(file_id=uploaded.id))
            print(f"content starts with {content[:30]!r}")
        finally:
            deleted = client.call(FileDelete(file_id=uploaded.id))
            print(f"deleted: {deleted.deleted}")


if __name__ == "__main__":
    main()
