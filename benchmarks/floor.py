"""The floor: what plain ``requests.Session`` + ``json.loads`` needs for each job.

Standard library and requests only, so the official-SDK worker (another interpreter, without
llamastack) measures its own floor with exactly this code.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import requests

from benchmarks.fixtures import CHAT_REQUEST, JOBS

__all__ = ["floor_jobs", "timed"]

JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}


def floor_jobs(base_url: str) -> tuple[dict[str, Callable[[], Any]], Callable[[], None]]:
    """Job name -> one call; and a function that closes the session."""
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


def timed(call: Callable[[], Any], repeat: int) -> float:
    """Seconds per call, over ``repeat`` back-to-back calls."""
    from time import perf_counter

    started = perf_counter()
    for _ in range(repeat):
        call()
    return (perf_counter() - started) / repeat
