"""The floors: what plain requests + ``json.loads`` needs for each job, written two ways.

- ``lean_jobs``, **the floor**: the leanest correct requests code. Each call prepares its
  request (``PreparedRequest.prepare``, no session merging) and sends it through a
  ``Session`` (connection pool, keep-alive), with a timeout; a body is read in one
  ``raw.read()`` (decoded as ``Content-Encoding`` says) and the status checked; a stream is
  read in 64 KiB blocks with ``read1`` (whatever has arrived, so events are seen as they are
  sent, as a live stream needs), split into lines on the byte buffer, and each ``data:``
  line given to ``json.loads``.
- ``idiomatic_jobs``, the second reference: what most requests code looks like
  (``session.post(...)``, ``response.content``, ``iter_lines()``), which pays for
  ``Session.request``'s merging and reads a stream 512 bytes at a time.

Standard library and requests only, so the official-SDK worker (another interpreter, without
llamastack) measures the floors with exactly this code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import requests

from benchmarks.fixtures import CHAT_REQUEST, JOBS

__all__ = ["TIMEOUT", "FloorClient", "idiomatic_jobs", "lean_jobs", "timed"]

JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
TIMEOUT = (60.0, 60.0)
BLOCK = 64 * 1024


class FloorClient:
    """The leanest correct requests code, as functions the jobs (and the agent-turn floor)
    share."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        self.session.trust_env = False

    def send(self, method: str, path: str, body: bytes | None = None,
             stream: bool = False) -> requests.Response:
        request = requests.PreparedRequest()
        request.prepare(method=method, url=self.base_url + path, headers=JSON_HEADERS, data=body)
        response = self.session.send(request, timeout=TIMEOUT, stream=True, allow_redirects=False)
        if response.status_code >= 400:
            response.close()
            raise RuntimeError(f"{method} {path}: HTTP {response.status_code}")
        return response

    def json(self, method: str, path: str, body: bytes | None = None) -> Any:
        return json.loads(self.send(method, path, body).raw.read(decode_content=True))

    def events(self, path: str, body: bytes) -> Iterator[Any]:
        """The JSON of each ``data:`` line of a streamed answer, as it arrives."""
        with self.send("POST", path, body, stream=True) as response:
            read1 = response.raw.read1
            pending = b""
            while block := read1(BLOCK, decode_content=True):
                lines = (pending + block).split(b"\n") if pending else block.split(b"\n")
                pending = lines.pop()
                for line in lines:
                    if line.startswith(b"data: "):
                        yield json.loads(line[6:])
            if pending.startswith(b"data: "):
                yield json.loads(pending[6:])

    def close(self) -> None:
        self.session.close()


def lean_jobs(base_url: str) -> tuple[dict[str, Callable[[], Any]], Callable[[], None]]:
    """Job name -> one call, with the leanest correct requests code; and a closer."""
    client = FloorClient(base_url)
    post_path, list_path, stream_path = JOBS["post"][1], JOBS["list"][1], JOBS["stream"][1]
    stream_body = json.dumps({**CHAT_REQUEST, "stream": True}).encode()

    def post() -> Any:
        return client.json("POST", post_path, b"{}")

    def list_models() -> Any:
        return client.json("GET", list_path)

    def stream() -> Any:
        count = 0
        for _ in client.events(stream_path, stream_body):
            count += 1
        return count

    return {"post": post, "list": list_models, "stream": stream}, client.close


def idiomatic_jobs(base_url: str) -> tuple[dict[str, Callable[[], Any]], Callable[[], None]]:
    """Job name -> one call, as requests code is usually written; and a closer."""
    session = requests.Session()
    session.trust_env = False
    post_url = base_url + JOBS["post"][1]
    list_url = base_url + JOBS["list"][1]
    stream_url = base_url + JOBS["stream"][1]
    stream_body = json.dumps({**CHAT_REQUEST, "stream": True})

    def post() -> Any:
        return json.loads(session.post(post_url, data="{}", headers=JSON_HEADERS).content)

    def list_models() -> Any:
        return json.loads(session.get(list_url, headers=JSON_HEADERS).content)

    def stream() -> Any:
        count = 0
        with session.post(stream_url, data=stream_body, headers=JSON_HEADERS, stream=True) as answer:
            for line in answer.iter_lines():
                if line.startswith(b"data: "):
                    json.loads(line[6:])
                    count += 1
        return count

    return {"post": post, "list": list_models, "stream": stream}, session.close


def timed(call: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Seconds per call over ``repeat`` back-to-back calls: wall time, and the CPU time of
    this process (what the client itself spent, whoever else wanted the core)."""
    from time import perf_counter, process_time

    started, cpu = perf_counter(), process_time()
    for _ in range(repeat):
        call()
    return (perf_counter() - started) / repeat, (process_time() - cpu) / repeat
