"""Your own ``requests.Session``, proxies and middleware.

    LLAMA_STACK_BASE_URL=http://localhost:8321 python examples/custom_session.py

- ``session``: the client sends through it (adapters, certificates, cookies, headers) and
  never changes it; ``client.close()`` leaves it open.
- ``proxies``: like requests' ``proxies``, for every request of the client. Here they point
  at a tiny forwarding proxy this example starts on 127.0.0.1.
- ``middleware``: callables ``(request, call_next) -> response`` that see and may alter every
  outgoing ``requests.PreparedRequest`` and incoming ``requests.Response``, once per attempt.
"""

import http.client
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from requests.adapters import HTTPAdapter

from llamastack import LlamaStackClient
from llamastack.endpoints import ModelList, VersionRetrieve

CallNext = Callable[[requests.PreparedRequest], requests.Response]


def timing(request: requests.PreparedRequest, call_next: CallNext) -> requests.Response:
    """Logs each attempt with its duration."""
    started = time.perf_counter()
    response = call_next(request)
    elapsed = (time.perf_counter() - started) * 1000
    print(f"  [timing] {request.method} {request.path_url} -> {response.status_code} "
          f"in {elapsed:.1f} ms")
    return response


def tag_requests(request: requests.PreparedRequest, call_next: CallNext) -> requests.Response:
    """Adds a header to every request and reads one from every response."""
    request.headers["X-Request-Source"] = "examples/custom_session.py"
    response = call_next(request)
    response.headers.setdefault("X-Seen-By-Middleware", "yes")
    return response


class ForwardingProxy(BaseHTTPRequestHandler):
    """A minimal HTTP proxy: forwards absolute-URI requests to 127.0.0.1 only."""

    forwarded: list[str] = []

    def do_GET(self) -> None:
        target = urllib.parse.urlsplit(self.path)  # a proxy gets the whole URL
        if target.hostname not in ("127.0.0.1", "localhost"):
            self.send_error(403, "this example proxy only forwards to 127.0.0.1")
            return
        ForwardingProxy.forwarded.append(f"{self.command} {self.path}")
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"}
        length = int(self.headers.get("Content-Length") or 0)
        upstream.request(self.command, target.path + (f"?{target.query}" if target.query else ""),
                         body=self.rfile.read(length) if length else None, headers=headers)
        answer = upstream.getresponse()
        body = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        upstream.close()

    do_POST = do_GET

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    # Your session: a bigger connection pool and a team header on every request.
    session = requests.Session()
    session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=32))
    session.headers["X-Team"] = "search"

    print("through your session, with middleware:")
    client = LlamaStackClient(session=session, middleware=[timing, tag_requests])
    models = client.call(ModelList())
    version, response = client.with_response(VersionRetrieve())
    print(f"{len(models.data)} models; server {version.version}; "
          f"middleware saw the response: {response.headers['X-Seen-By-Middleware']}")
    client.close()
    assert dict(session.headers)["X-Team"] == "search" and "Authorization" not in session.headers
    session.close()

    # Proxies: every request of this client goes through the local proxy.
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), ForwardingProxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
    print(f"through the proxy {proxy_url}:")
    with LlamaStackClient(proxies={"http": proxy_url, "https": proxy_url},
                          middleware=[timing]) as proxied:
        proxied.call(ModelList())
    proxy.shutdown()
    print(f"the proxy forwarded: {ForwardingProxy.forwarded}")


if __name__ == "__main__":
    main()
