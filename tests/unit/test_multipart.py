"""File uploads: every accepted input, streamed from its source, identical on a retry."""

from __future__ import annotations

import http.server
import io
import os
import pathlib
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import responses
from responses import matchers

from llamastack import LlamaStackClient, RetryPolicy
from llamastack.multipart import file_part
from tests.unit.specs_for_tests import BASE, Upload, UploadCreate

URL = BASE + "/v1/files"
UPLOADED = {"id": "file-1", "filename": "x", "bytes": 5}


class RecordingFile(io.BytesIO):
    """A binary file that remembers how much each read asked for."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.reads: list[int] = []

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)


def expect_upload(mock: responses.RequestsMock, file: tuple[str, bytes, str],
                  purpose: str = "assistants", status: int = 200) -> None:
    mock.post(URL, status=status, json=UPLOADED if status == 200 else {"error": {"message": "x"}},
              match=[matchers.multipart_matcher(files={"file": file}, data={"purpose": purpose})])


def test_bytes_are_uploaded_as_a_file_part(mock: responses.RequestsMock,
                                           client: LlamaStackClient) -> None:
    expect_upload(mock, ("upload", b"hello", "application/octet-stream"))
    result = client.call(UploadCreate(file=b"hello", purpose="assistants"))
    assert result == Upload(id="file-1", filename="x", bytes=5)
    request = mock.calls[0].request
    assert request.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert isinstance(request.body, bytes)
    assert int(request.headers["Content-Length"]) == len(request.body)


def test_a_filename_and_bytes_tuple_guesses_the_content_type(mock: responses.RequestsMock,
                                                             client: LlamaStackClient) -> None:
    expect_upload(mock, ("notes.txt", b"some notes", "text/plain"))
    client.call(UploadCreate(file=("notes.txt", b"some notes"), purpose="assistants"))


def test_a_filename_file_and_content_type_tuple(mock: responses.RequestsMock,
                                                client: LlamaStackClient) -> None:
    expect_upload(mock, ("data.jsonl", b'{"a": 1}\n', "application/jsonl"))
    client.call(UploadCreate(file=("data.jsonl", io.BytesIO(b'{"a": 1}\n'), "application/jsonl"),
                             purpose="assistants"))


def test_a_path_is_uploaded_under_its_name(tmp_path: pathlib.Path, mock: responses.RequestsMock,
                                           client: LlamaStackClient) -> None:
    path = tmp_path / "report.json"
    path.write_bytes(b'{"rows": 3}')
    expect_upload(mock, ("report.json", b'{"rows": 3}', "application/json"), purpose="batch")
    client.call(UploadCreate(file=path, purpose="batch"))


def test_an_open_binary_file_is_uploaded_under_its_name(
        tmp_path: pathlib.Path, mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    path = tmp_path / "photo.png"
    path.write_bytes(b"\x89PNG....")
    expect_upload(mock, ("photo.png", b"\x89PNG....", "image/png"))
    with path.open("rb") as file:
        client.call(UploadCreate(file=file, purpose="assistants"))
        assert not file.closed


def test_a_file_object_is_sent_from_its_current_position(mock: responses.RequestsMock,
                                                         client: LlamaStackClient) -> None:
    file = io.BytesIO(b"HEADERpayload")
    file.seek(6)
    expect_upload(mock, ("p.bin", b"payload", "application/octet-stream"))
    client.call(UploadCreate(file=("p.bin", file), purpose="assistants"))


def test_a_missing_path_fails_before_any_request(tmp_path: pathlib.Path,
                                                 mock: responses.RequestsMock,
                                                 client: LlamaStackClient) -> None:
    missing = tmp_path / "nope.pdf"
    with pytest.raises(FileNotFoundError, match="file field 'file'") as info:
        client.call(UploadCreate(file=missing, purpose="assistants"))
    assert str(missing) in str(info.value)
    assert len(mock.calls) == 0


def test_a_str_is_refused_with_a_clear_message() -> None:
    with pytest.raises(TypeError, match=r"^UploadCreate.file must be bytes \| os.PathLike \| .*"
                                        r"not str; for a path, pass pathlib.Path\(...\)$"):
        UploadCreate(file="/tmp/x.txt", purpose="assistants")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^UploadCreate.file\[1\] must be bytes \| a binary file, "
                                        "not str$"):
        UploadCreate(file=("x.txt", "text"), purpose="a")  # type: ignore[arg-type]
    # The upload itself refuses them too (a spec whose file annotation cannot be checked).
    with pytest.raises(TypeError, match=r"got a str; pass pathlib.Path\(...\) for a path"):
        file_part("file", "/tmp/x.txt")
    with pytest.raises(TypeError, match="got a str"):
        file_part("file", ("x.txt", "text"))


def test_a_text_mode_file_is_refused(tmp_path: pathlib.Path, client: LlamaStackClient) -> None:
    path = tmp_path / "t.txt"
    path.write_text("text")
    with path.open("r") as file, pytest.raises(TypeError, match="binary mode"):
        client.call(UploadCreate(file=file, purpose="a"))  # type: ignore[arg-type]


def test_a_file_that_cannot_seek_is_refused(client: LlamaStackClient) -> None:
    class Pipe:
        def read(self, size: int = -1) -> bytes:
            return b""

    with pytest.raises(TypeError, match="seekable"):
        client.call(UploadCreate(file=Pipe(), purpose="a"))  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "where"), [(123, "file"), (("only-a-name",), "file"),
                                             ((1, b"x"), r"file\[0\]")])
def test_other_inputs_are_refused(value: Any, where: str) -> None:
    with pytest.raises(TypeError, match=f"^UploadCreate.{where} must be "):
        UploadCreate(file=value, purpose="a")
    with pytest.raises(TypeError, match="file field 'file'"):
        file_part("file", value)


def test_a_content_type_with_a_newline_is_refused(client: LlamaStackClient) -> None:
    with pytest.raises(ValueError, match="invalid content type"):
        client.call(UploadCreate(file=("a.txt", b"x", "text/plain\r\nX-Evil: 1"), purpose="a"))


def test_quotes_in_a_filename_are_escaped(mock: responses.RequestsMock,
                                          client: LlamaStackClient) -> None:
    mock.post(URL, json=UPLOADED)
    client.call(UploadCreate(file=('a"b\r\n.txt', b"x"), purpose="a"))
    body = mock.calls[0].request.body
    assert isinstance(body, bytes)
    assert b'filename="a\\"b.txt"' in body


def test_nested_form_fields_use_bracket_names(mock: responses.RequestsMock,
                                              client: LlamaStackClient) -> None:
    mock.post(URL, json={"id": "file-1"}, match=[matchers.multipart_matcher(
        files={"file": ("a.txt", b"x", "text/plain")},
        data={"purpose": "batch", "expires_after[anchor]": "created_at",
              "expires_after[seconds]": "3600", "flag": "true"})])
    client.post("/v1/files", files={"file": ("a.txt", b"x")},
                body={"purpose": "batch", "expires_after": {"anchor": "created_at", "seconds": 3600},
                      "flag": True})


def test_progress_reports_bytes_sent_of_the_total(mock: responses.RequestsMock,
                                                  client: LlamaStackClient) -> None:
    mock.post(URL, json=UPLOADED)
    progress: list[tuple[int, int]] = []
    client.call(UploadCreate(file=b"abc", purpose="a"),
                on_upload_progress=lambda sent, total: progress.append((sent, total)))
    body = mock.calls[0].request.body
    assert isinstance(body, bytes)
    assert progress == [(len(body), len(body))]


def test_a_retry_sends_the_identical_body_again(mock: responses.RequestsMock,
                                                client: LlamaStackClient) -> None:
    file = RecordingFile(b"the same bytes every time")
    mock.post(URL, status=503, json={"error": {"message": "busy"}})
    mock.post(URL, body=requests.exceptions.ConnectionError("reset"))
    mock.post(URL, json=UPLOADED)
    progress: list[tuple[int, int]] = []
    client.call(UploadCreate(file=("a.txt", file), purpose="a"),
                on_upload_progress=lambda sent, total: progress.append((sent, total)))
    bodies = [call.request.body for call in mock.calls]
    assert len(bodies) == 3
    assert bodies[0] == bodies[1] == bodies[2]
    assert isinstance(bodies[0], bytes) and b"the same bytes every time" in bodies[0]
    total = len(bodies[0])
    assert progress == [(total, total)] * 3
    assert [call.request.headers.get("Content-Length") for call in mock.calls] == [str(total)] * 3


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_a_file_opened_from_a_path_is_closed_after_the_call(
        tmp_path: pathlib.Path, mock: responses.RequestsMock, client: LlamaStackClient) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 100)
    mock.post(URL, json=UPLOADED)
    mock.post(URL, status=400, json={"error": {"message": "bad purpose"}})
    before = open_descriptors()
    client.call(UploadCreate(file=path, purpose="a"))
    with pytest.raises(Exception, match="bad purpose"):
        client.call(UploadCreate(file=path, purpose="?"))
    assert open_descriptors() == before


# --- through a real socket: the body is streamed, never read whole -------------------------


def _no_sleep(seconds: float) -> None:
    raise AssertionError(f"an upload to the local server was retried (after {seconds} s)")


NO_RETRY_SLEEP = RetryPolicy(sleep=_no_sleep)


class _Receiver(http.server.BaseHTTPRequestHandler):
    """Reads a Content-Length body (refusing chunked ones) and answers the next status."""

    bodies: list[bytes]
    statuses: list[int]

    def do_POST(self) -> None:
        if "Content-Length" not in self.headers:
            self.send_error(411, "Length Required")
            return
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        type(self).bodies.append(body)
        status = self.statuses.pop(0) if self.statuses else 200
        payload = b'{"id": "file-1", "filename": "big.bin", "bytes": %d}' % length
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def statuses() -> list[int]:
    """Statuses the local server answers, in order (200 once they run out)."""
    return []


@pytest.fixture
def local_server(statuses: list[int]) -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []
    handler = type("Receiver", (_Receiver,), {"bodies": bodies, "statuses": statuses})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", bodies
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_large_file_is_streamed_in_blocks(local_server: tuple[str, list[bytes]]) -> None:
    base_url, bodies = local_server
    data = bytes(range(256)) * 4096  # 1 MiB
    file = RecordingFile(data)
    progress: list[tuple[int, int]] = []
    with LlamaStackClient(base_url, retry_policy=NO_RETRY_SLEEP) as client:
        result = client.call(UploadCreate(file=("big.bin", file), purpose="assistants"),
                             on_upload_progress=lambda sent, total: progress.append((sent, total)))
    (body,) = bodies
    assert result.bytes == len(body)
    assert body.count(data) == 1
    assert file.reads and max(file.reads) <= 64 * 1024
    assert len(file.reads) >= 16
    sent = [s for s, _ in progress]
    assert sent == sorted(sent) and len(set(sent)) == len(sent)
    assert progress[-1] == (len(body), len(body))
    assert {total for _, total in progress} == {len(body)}


def test_a_path_is_streamed_from_disk(tmp_path: pathlib.Path,
                                      local_server: tuple[str, list[bytes]]) -> None:
    base_url, bodies = local_server
    data = os.urandom(300_000)
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    progress: list[int] = []
    with LlamaStackClient(base_url, retry_policy=NO_RETRY_SLEEP) as client:
        client.call(UploadCreate(file=path, purpose="assistants"),
                    on_upload_progress=lambda sent, total: progress.append(sent))
    (body,) = bodies
    assert data in body
    assert b'filename="big.bin"' in body
    assert len(progress) > 5


class RewritingAdapter(requests.adapters.BaseAdapter):
    """Stands in for the socket: takes the body in 8 kB blocks, as http.client does, and
    after the first block rewrites the second half of the file being uploaded (same size).
    What it then receives tells when the file was read: as the socket took it (the new
    second half) or whole before sending began (the old one)."""

    def __init__(self, path: pathlib.Path) -> None:
        super().__init__()
        self.path = path
        self.received = b""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
             ) -> requests.Response:
        body: Any = request.body
        assert hasattr(body, "read"), "the body was built whole, not read as sent"
        blocks = [body.read(8192)]
        size = self.path.stat().st_size
        with self.path.open("r+b") as file:
            file.seek(size // 2)
            file.write(b"N" * (size - size // 2))
        blocks += iter(lambda: body.read(8192), b"")
        self.received = b"".join(blocks)
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response._content = b'{"id": "file-1", "filename": "big.bin", "bytes": 1}'
        response.request = request
        return response

    def close(self) -> None:
        pass


def test_a_path_upload_reads_the_file_as_the_socket_takes_it(tmp_path: pathlib.Path) -> None:
    """The README's promise: a path is streamed from disk, never read whole into memory.
    Reading it whole (path.read_bytes(), or a read() of everything) fails this test."""
    path = tmp_path / "big.bin"
    size = 4 * 1024 * 1024
    path.write_bytes(b"O" * size)
    adapter = RewritingAdapter(path)
    with requests.Session() as session:
        session.mount("http://", adapter)
        with LlamaStackClient("http://127.0.0.1:9", session=session, max_retries=0) as client:
            client.call(UploadCreate(file=path, purpose="assistants"))
    first_half, second_half = b"O" * (size // 2), b"N" * (size - size // 2)
    assert first_half + second_half in adapter.received
    assert b"O" * (size // 2 + 1) not in adapter.received


def test_a_retried_upload_is_resent_whole_with_its_length(
        local_server: tuple[str, list[bytes]], statuses: list[int]) -> None:
    base_url, bodies = local_server
    statuses.extend([503, 500])
    waits: list[float] = []
    data = os.urandom(100_000)
    with LlamaStackClient(base_url, retry_policy=RetryPolicy(sleep=waits.append)) as client:
        client.call(UploadCreate(file=("a.bin", io.BytesIO(data)), purpose="assistants"))
    assert len(bodies) == 3
    assert bodies[0] == bodies[1] == bodies[2]
    assert data in bodies[0]
    assert len(waits) == 2
