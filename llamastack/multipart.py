"""File uploads: a multipart/form-data body that streams file parts from disk.

``requests``' own ``files=`` builds the whole body in memory; a 200 MB upload would cost
200 MB. ``MultipartBody`` is a file-like object with a known length instead: requests sends
it with ``Content-Length`` and reads it in blocks, and each file part is read from its source
only as the socket takes it. It can be rewound, so retries send the same bytes again.
"""

from __future__ import annotations

import io
import mimetypes
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, Any, Union

__all__ = ["FileInput", "FilePart", "MultipartBody", "ProgressCallback", "file_part"]

# What a file field accepts: raw bytes, a path, an open binary file, or a tuple
# (filename, bytes-or-file) / (filename, bytes-or-file, content_type).
FileContent = Union[bytes, IO[bytes]]
# os.PathLike[str] itself, not its name in a string: a string is a forward reference that
# get_type_hints resolves in the module of the spec using FileInput, where os is unknown.
FileInput = Union[
    bytes,
    os.PathLike[str],
    IO[bytes],
    tuple[str, FileContent],
    tuple[str, FileContent, str],
]

# progress(bytes_sent, total_bytes), called as the body is read by the transport.
ProgressCallback = Callable[[int, int], None]


@dataclass
class FilePart:
    name: str
    filename: str
    content_type: str
    source: IO[bytes]
    size: int
    start: int
    owned: bool  # opened by this library from a path, so closed by it too


def _size_of(stream: IO[bytes]) -> tuple[int, int]:
    try:
        start = stream.tell()
        end = stream.seek(0, os.SEEK_END)
        stream.seek(start)
    except (OSError, AttributeError, ValueError) as exc:
        raise TypeError("file objects must be seekable binary files (open(path, 'rb'))") from exc
    return start, end - start


def file_part(name: str, value: Any) -> FilePart:
    """A file part from any accepted input; a missing path fails here, before any request."""
    filename: str | None = None
    content_type: str | None = None
    if isinstance(value, tuple):
        if len(value) not in (2, 3) or not isinstance(value[0], str):
            raise TypeError(f"file field {name!r}: a tuple must be (filename, content[, content_type])")
        filename = value[0]
        if len(value) == 3:
            content_type = check_content_type(name, value[2])
        value = value[1]
    if isinstance(value, str):
        raise TypeError(f"file field {name!r}: got a str; pass pathlib.Path(...) for a path "
                        "or bytes for the content")
    owned = False
    if isinstance(value, (bytes, bytearray, memoryview)):
        stream: IO[bytes] = io.BytesIO(bytes(value))
    elif isinstance(value, os.PathLike):
        path = os.fspath(value)
        try:
            stream = open(path, "rb")  # noqa: SIM115 - closed by MultipartBody.close
        except OSError as exc:
            raise FileNotFoundError(
                f"file field {name!r}: cannot open {path!r}: {exc.strerror}") from None
        owned = True
        filename = filename or os.path.basename(str(path))
    elif hasattr(value, "read"):
        stream = value
        raw_name = getattr(value, "name", None)
        if filename is None and isinstance(raw_name, str):
            filename = os.path.basename(raw_name)
    else:
        raise TypeError(f"file field {name!r}: expected bytes, a path, a binary file or a tuple, "
                        f"not {type(value).__name__}")
    if isinstance(stream, io.TextIOBase):
        raise TypeError(f"file field {name!r}: open the file in binary mode ('rb')")
    filename = filename or "upload"
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    start, size = _size_of(stream)
    return FilePart(name, filename, content_type, stream, size, start, owned)


def check_content_type(name: str, content_type: Any) -> str:
    if not isinstance(content_type, str) or "\r" in content_type or "\n" in content_type:
        raise ValueError(f"file field {name!r}: invalid content type {content_type!r}")
    return content_type


def _form_items(name: str, value: Any) -> list[tuple[str, str]]:
    """Form fields: nested objects as ``name[key]`` (as OpenAI-style servers parse them)."""
    if isinstance(value, Mapping):
        items: list[tuple[str, str]] = []
        for key, item in value.items():
            items.extend(_form_items(f"{name}[{key}]", item))
        return items
    if isinstance(value, bool):
        return [(name, "true" if value else "false")]
    if isinstance(value, (list, tuple)):
        return [pair for item in value for pair in _form_items(name, item)]
    return [(name, str(value))]


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "").replace("\n", "")


class MultipartBody(io.RawIOBase):
    """A multipart/form-data body, read in blocks by the transport."""

    def __init__(self, fields: Mapping[str, Any], files: list[FilePart],
                 progress: ProgressCallback | None = None) -> None:
        super().__init__()
        # 128 random bits as 32 hex digits, as uuid4().hex gives (uuid, with platform, is a
        # tenth of llamastack's own import time, for the boundary alone)
        self.boundary = os.urandom(16).hex()
        self.files = files
        self.progress = progress
        # Each segment is either bytes or a FilePart whose bytes are streamed from its source.
        self._segments: list[bytes | FilePart] = []
        for key, value in fields.items():
            for form_name, text in _form_items(key, value):
                self._segments.append(
                    f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(form_name)}"'
                    f"\r\n\r\n".encode() + text.encode("utf-8") + b"\r\n")
        for part in files:
            self._segments.append(
                f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(part.name)}"; '
                f'filename="{_quote(part.filename)}"\r\nContent-Type: {part.content_type}\r\n\r\n'
                .encode())
            self._segments.append(part)
            self._segments.append(b"\r\n")
        self._segments.append(f"--{self.boundary}--\r\n".encode())
        self.length = sum(s.size if isinstance(s, FilePart) else len(s) for s in self._segments)
        self.rewind()

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def __len__(self) -> int:
        return self.length

    def rewind(self) -> None:
        """Back to the first byte, so a retry sends the same body again."""
        self._index = 0
        self._offset = 0
        self.sent = 0
        for part in self.files:
            part.source.seek(part.start)

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        # requests sizes a body as len() minus tell(); io's default tell() raises here, which
        # made requests drop Content-Length and send the upload chunked.
        return self.sent

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            size = self.length
        chunks: list[bytes] = []
        wanted = size
        while wanted > 0 and self._index < len(self._segments):
            segment = self._segments[self._index]
            if isinstance(segment, FilePart):
                left = segment.size - self._offset
                data = segment.source.read(min(wanted, left))
                if not data and left > 0:
                    raise OSError(f"file {segment.filename!r} shrank while it was being uploaded")
            else:
                data = segment[self._offset:self._offset + wanted]
            chunks.append(data)
            self._offset += len(data)
            wanted -= len(data)
            total = segment.size if isinstance(segment, FilePart) else len(segment)
            if self._offset >= total:
                self._index += 1
                self._offset = 0
        out = b"".join(chunks)
        if out:
            self.sent += len(out)
            if self.progress is not None:
                self.progress(self.sent, self.length)
        return out

    def close(self) -> None:
        for part in self.files:
            if part.owned:
                part.source.close()
        super().close()
