"""A small, fast HTTP/1.1 keep-alive server for the concurrency test (stdlib only).

Run as a separate process (``python tests/reliability/echo_server.py``) so the test's
process holds only the client's sockets. It prints its port, then answers every
``GET /v1/echo/<id>`` with ``{"id": "<id>", "n": <requests so far on this connection>}``
on a persistent connection, one thread per connection. It exits when its stdin closes,
so it never outlives the test that started it.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from urllib.parse import unquote

__all__ = ["main"]


def _serve(conn: socket.socket) -> None:
    buffer = b""
    served = 0
    with conn:
        while True:
            while b"\r\n\r\n" not in buffer:
                data = conn.recv(65536)
                if not data:
                    return
                buffer += data
            head, buffer = buffer.split(b"\r\n\r\n", 1)
            request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
            target = request_line.split(" ")[1]
            served += 1
            body = json.dumps({"id": unquote(target.rsplit("/", 1)[-1]), "n": served}).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                         + str(len(body)).encode() + b"\r\n\r\n" + body)


def _exit_with_parent() -> None:
    sys.stdin.read()
    os._exit(0)


def main() -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    print(listener.getsockname()[1], flush=True)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=_serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
