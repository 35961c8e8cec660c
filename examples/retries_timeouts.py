"""Retries and timeouts, shown against two tiny local servers (a flaky one and a silent one)
and then set for calls to the real server.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/retries_timeouts.py

Connection errors, timeouts, 408, 409, 429 and 5xx are retried (2 times by default) with
exponential backoff and jitter, honouring ``Retry-After``. Every request has a timeout (60 s by
default) that bounds connecting and each read.
"""

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import llamastack
from llamastack import LlamaStackClient
from llamastack.endpoints import ModelList


class Flaky(BaseHTTPRequestHandler):
    """Answers 503 (with Retry-After: 0) twice, then a model list."""

    attempts = 0

    def do_GET(self) -> None:
        if self.path == "/v1/version":  # the client asks once which line it talks to
            self._send(200, json.dumps({"version": "0.7.3"}).encode(), {})
            return
        Flaky.attempts += 1
        if Flaky.attempts <= 2:
            body, status, extra = b'{"error": {"message": "busy, try again"}}', 503, {"Retry-After": "0"}
        else:
            body, status, extra = json.dumps({"data": []}).encode(), 200, {}
        self._send(status, body, extra)

    def _send(self, status: int, body: bytes, extra: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **extra}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    # 1. Retries: the flaky server fails twice; the default max_retries=2 gets through.
    flaky = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=flaky.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{flaky.server_address[1]}"
    with LlamaStackClient(base_url=url) as client:
        client.call(ModelList())
        print(f"retried: succeeded on attempt {Flaky.attempts}")

        Flaky.attempts = 0
        try:
            client.call(ModelList(), max_retries=1)  # per call: one retry is not enough
        except llamastack.InternalServerError as err:
            print(f"max_retries=1: gave up after {Flaky.attempts} attempts: {err.message}")
    flaky.shutdown()

    # 2. Timeouts: a socket that accepts connections and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    url = f"http://127.0.0.1:{silent.getsockname()[1]}"
    with LlamaStackClient(base_url=url, timeout=0.5, max_retries=0) as client:
        started = time.monotonic()
        try:
            client.call(ModelList())
        except llamastack.APITimeoutError as err:
            print(f"timed out after {time.monotonic() - started:.1f} s: {err.message}")
        try:
            client.call(ModelList(), timeout=(2.0, 0.2))  # (connect, read) for one call
        except llamastack.APIConnectionTimeoutError:
            print("a (connect, read) timeout tuple for one call: timed out reading")
    silent.close()

    # 3. The real server, with the options a production client would set.
    with LlamaStackClient(timeout=20.0, max_retries=4) as client:
        models = client.call(ModelList(), timeout=(3.05, 10.0))
        print(f"real server: {len(models.data)} models (timeout 20 s, 4 retries)")


if __name__ == "__main__":
    main()
