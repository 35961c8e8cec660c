"""The only module that imports ``requests``: send, time out, wrap transport errors.

Every transport failure leaves this module as ``APIConnectionError`` or
``APIConnectionTimeoutError`` (raised ``from`` the original), whether it happens while
connecting, while waiting for headers, or while reading a body or a stream.
"""

from __future__ import annotations

import http.client
import logging
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import partial
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3

from llamastack.encoding import HttpRequest
from llamastack.errors import APIConnectionError, APIConnectionTimeoutError, ResponseDecodeError
from llamastack.log import logger, redact_headers
from llamastack.multipart import MultipartBody

__all__ = [
    "CallNext",
    "Middleware",
    "Response",
    "Session",
    "Timeout",
    "Transport",
    "iter_body",
    "new_session",
    "peek_body",
    "prepare",
    "read_body",
]

Response = requests.Response
Session = requests.Session
PreparedRequest = requests.PreparedRequest

# A timeout in seconds for connecting and for each read, or (connect, read).
Timeout = float | tuple[float, float]

CallNext = Callable[[PreparedRequest], Response]
# middleware(request, call_next) -> response: sees and may alter every request and response.
Middleware = Callable[[PreparedRequest, CallNext], Response]

_STREAM_CHUNK_BYTES = 64 * 1024
_READ_CHUNK_BYTES = 64 * 1024

_TRANSPORT_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    OSError,
)


def new_session(pool_size: int = 10) -> Session:
    """The session a client owns: pooled keep-alive, reads no environment (proxies, netrc)."""
    session = requests.Session()
    session.trust_env = False
    # HTTP/1.1 connections persist unless one side says "close" (RFC 9112, 9.3): requests'
    # default "Connection: keep-alive" says nothing to the servers this client talks to
    # (uvicorn, and the proxies in front of it), and each header line costs about 5 us of
    # a small call in requests, urllib3 and http.client.
    del session.headers["Connection"]
    adapter = requests.adapters.HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size,
                                            max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _wrapped(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it wraps, outermost first.

    requests and urllib3 wrap the socket's error several times over (requests.ConnectionError
    holds a MaxRetryError as args[0], whose ``reason`` is a NewConnectionError raised from the
    ConnectionRefusedError); the plain explanation is at the bottom.
    """
    found: list[BaseException] = []
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        reason = getattr(current, "reason", None)
        pending.extend(item for item in (*current.args, reason, current.__cause__,
                                         current.__context__)
                       if isinstance(item, BaseException))
    return found


def _is_timeout(chain: Sequence[BaseException]) -> bool:
    for current in chain:
        if isinstance(current, urllib3.exceptions.NewConnectionError):
            # urllib3 derives it from ConnectTimeoutError for backwards compatibility only;
            # it means refused/unreachable, a timeout is ConnectTimeoutError itself (requests
            # draws the same line in HTTPAdapter.send).
            return False
        if isinstance(current, (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError)):
            return True
    return False


def _where(context: Mapping[str, Any]) -> str:
    """``host:port`` of the request (never its credentials), for messages."""
    try:
        parts = urlsplit(str(context.get("url") or ""))
        host, port = parts.hostname, parts.port
    except ValueError:
        return "the server"
    if not host:
        return "the server"
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


E = TypeVar("E", bound=BaseException)


def _first(chain: Sequence[BaseException], *kinds: type[E]) -> E | None:
    return next((item for item in chain if isinstance(item, kinds)), None)


def _plain_reason(exc: BaseException) -> str:
    """An OSError's own words ("Network is unreachable") without errno or OpenSSL decoration."""
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return f"certificate verify failed: {exc.verify_message}"
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    # "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)" -> "wrong version number"
    text = re.sub(r"^\[[A-Z]+: [A-Z_]+\] |\s*\(_ssl\.c:\d+\)$", "", text.strip())
    return text or type(exc).__name__


def _innermost_message(chain: Sequence[BaseException]) -> str:
    for item in reversed(chain):
        if str(item):
            return _plain_reason(item)
    return type(chain[-1]).__name__


def _answer_phase(chain: Sequence[BaseException], doing: str) -> str:
    """When a connection broke: before the answer began, or while it was being read."""
    if doing != "sending the request":
        return f"while {doing}"
    # requests reads a non-streamed body inside send(); urllib3 says "Connection broken"
    # once the answer has begun, "Connection aborted." before it.
    if any(isinstance(item, (requests.exceptions.ChunkedEncodingError, http.client.IncompleteRead))
           or str(item).startswith("Connection broken") for item in chain):
        return "while reading the answer"
    return "before answering"


def _failure_message(chain: Sequence[BaseException], timed_out: bool, context: Mapping[str, Any],
                     doing: str) -> str:
    where = _where(context)
    if timed_out:
        if _first(chain, requests.exceptions.ConnectTimeout, urllib3.exceptions.ConnectTimeoutError):
            return f"timed out connecting to {where}"
        if doing == "sending the request":
            return f"timed out waiting for the answer from {where}"
        return f"timed out {doing}"
    if proxy := _first(chain, requests.exceptions.ProxyError, urllib3.exceptions.ProxyError):
        return f"the proxy failed: {_innermost_message(_wrapped(proxy))}"
    if resolving := _first(chain, socket.gaierror):
        host = where.rsplit(":", 1)[0]
        return f"could not resolve host {host!r} ({_plain_reason(resolving)})"
    if _first(chain, ConnectionRefusedError):
        return f"connection refused by {where} (is a server listening there?)"
    if tls := _first(chain, ssl.SSLError, urllib3.exceptions.SSLError, requests.exceptions.SSLError):
        return f"TLS with {where} failed: {_innermost_message(_wrapped(tls))}"
    if connecting := _first(chain, urllib3.exceptions.NewConnectionError):
        return f"could not connect to {where}: {_innermost_message(_wrapped(connecting))}"
    if _first(chain, http.client.RemoteDisconnected):  # a ConnectionResetError subclass
        return f"{where} closed the connection without answering"
    if _first(chain, ConnectionResetError):
        return f"connection reset by {where} {_answer_phase(chain, doing)}"
    if _first(chain, BrokenPipeError):
        return f"{where} closed the connection while the request was being sent"
    if chunk := _first(chain, urllib3.exceptions.InvalidChunkLength):
        return f"the answer from {where} has a broken chunked encoding: {chunk}"
    if cut := _first(chain, http.client.IncompleteRead):
        # urllib3's IncompleteRead counts bytes in ``partial``; http.client's holds the bytes.
        received = cut.partial if isinstance(cut.partial, int) else len(cut.partial)
        more = f", {cut.expected} more expected" if cut.expected is not None else ""
        return f"the answer from {where} was cut short: {received} bytes read{more}"
    if _first(chain, requests.exceptions.ContentDecodingError, urllib3.exceptions.DecodeError):
        return f"the answer's Content-Encoding could not be decoded: {_innermost_message(chain)}"
    if _first(chain, http.client.BadStatusLine):
        return f"{where} answered with something that is not HTTP: {_innermost_message(chain)}"
    return f"connection failed {doing}: {_innermost_message(chain)}"


def raise_transport_error(exc: BaseException, context: Mapping[str, Any], doing: str) -> NoReturn:
    """The client's error for a transport failure, saying what happened in plain words
    (``connection refused by 127.0.0.1:9``, ``could not resolve host 'x'``) rather than urllib3's
    ``HTTPConnectionPool(...): Max retries exceeded with url ... (Caused by ...)``, which talks
    of retries the adapter never makes (the client's own are in retry.py). ``exc`` stays
    chained as ``__cause__``; a timeout is an APIConnectionTimeoutError."""
    chain = _wrapped(exc)
    timed_out = _is_timeout(chain)
    message = _failure_message(chain, timed_out, context, doing)
    if timed_out:
        raise APIConnectionTimeoutError(message, **context) from exc
    raise APIConnectionError(message, **context) from exc


class Transport:
    """Sends built requests through a ``requests.Session`` and the middleware chain."""

    def __init__(
        self,
        session: Session | None,
        *,
        proxies: Mapping[str, str] | None = None,
        middleware: Sequence[Middleware] = (),
        redact: Callable[[str], str] = str,
    ) -> None:
        self.owns_session = session is None
        self.redact = redact  # for the URLs it logs: they may carry user:password
        self.session = session if session is not None else new_session()
        # Client-wide proxies go with each send; the caller's session is never mutated.
        self.proxies = {**self.session.proxies, **proxies} if proxies else None
        self.middleware = tuple(middleware)

    def close(self) -> None:
        if self.owns_session:
            self.session.close()

    def send(self, request: HttpRequest, *, timeout: Timeout,
             context: Mapping[str, Any]) -> Response:
        """One attempt. Returns any response (error statuses included); raises only
        APIConnectionError/APIConnectionTimeoutError (or ValueError for an unbuildable request).

        Always sent as a stream, so the caller reads the body with ``read_body``, with the size
        limit (requests would read all of it, inflated, before returning) and inside the attempt
        (a body cut short is retried like any connection failure)."""
        if isinstance(request.body, MultipartBody):
            # Before preparing: requests sizes a body as len() - tell(), so a retry of a body
            # read to its end would go out without Content-Length (chunked).
            request.body.rewind()
        try:
            prepared = prepare(self.session, request)
        except (requests.RequestException, ValueError) as exc:
            # A request requests cannot even build (e.g. a host with an empty label) is the
            # caller's error: a ValueError, not a connection error that would be retried.
            raise ValueError(f"invalid request {request.method} {context.get('url')}: {exc}") \
                from exc
        handler: CallNext = partial(self._send, timeout=timeout)
        for middleware in reversed(self.middleware):
            handler = _chain(middleware, handler)
        try:
            return handler(prepared)
        except APIConnectionError:
            raise
        except _TRANSPORT_ERRORS as exc:
            raise_transport_error(exc, context, "sending the request")

    def _send(self, prepared: PreparedRequest, *, timeout: Timeout) -> Response:
        debug = logger.isEnabledFor(logging.DEBUG)
        if debug:
            logger.debug("request: %s %s headers=%s", prepared.method,
                         self.redact(prepared.url or ""), redact_headers(prepared.headers))
        if isinstance(prepared.body, MultipartBody):
            prepared.body.rewind()
        started = time.perf_counter()
        kwargs: dict[str, Any] = {}
        if self.proxies is not None:
            kwargs["proxies"] = self.proxies
        connect_read = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        response = self.session.send(prepared, timeout=connect_read, stream=True,
                                     allow_redirects=False, **kwargs)
        if debug:
            logger.debug("response: %s %s -> %s in %.1f ms", prepared.method,
                         self.redact(prepared.url or ""), response.status_code,
                         (time.perf_counter() - started) * 1000)
        return response


def prepare(session: Session, request: HttpRequest) -> PreparedRequest:
    """The request as ``session.prepare_request`` would prepare it.

    ``Session.prepare_request`` merges the session's cookies, auth, params, hooks and headers
    through generic helpers that cost about 40 us, 8% of a small call to a local server
    (benchmarks/README.md). With nothing to merge but headers and hooks, as on the session a
    client owns until a server sets a cookie, the same request is prepared directly; and for
    a body of bytes (or none) at a URL without credentials, ``PreparedRequest.prepare``'s
    steps are taken one by one with the URL's preparation (IDNA, requoting) remembered per URL
    and the cookie and auth steps, which find nothing to add, left out: a fifth of the cost.
    """
    if session.trust_env or session.auth is not None or session.params or len(session.cookies):
        return session.prepare_request(requests.Request(
            request.method, request.url, headers=request.headers, data=request.body))
    headers = _merged_headers(session, request)
    prepared = requests.PreparedRequest()
    body = request.body
    url = _prepared_url(request.url)
    if url is None or (body is not None and not isinstance(body, bytes)):
        prepared.prepare(method=request.method.upper(), url=request.url, headers=headers,
                         data=body, hooks=session.hooks)
        return prepared
    # PreparedRequest.prepare's steps, in its order, for a URL without credentials and no
    # cookies: the headers as prepare_headers leaves them (checked in _merged_headers), an
    # empty jar (prepare_cookies), no auth header (prepare_auth), and a body of bytes sent as
    # it is, b"" as none (prepare_body).
    prepared.method = request.method.upper()
    prepared.url = url
    prepared.headers = headers
    prepared._cookies = requests.cookies.RequestsCookieJar()  # type: ignore[attr-defined]
    if body:
        prepared.body = body
        prepared.headers["Content-Length"] = str(len(body))
    elif prepared.method not in ("GET", "HEAD") and prepared.headers.get("Content-Length") is None:
        prepared.headers["Content-Length"] = "0"
    prepared.prepare_hooks(session.hooks)
    return prepared


# The session headers last found valid: most processes have one client, whose session's
# headers never change, so the check runs once (a race only checks them again).
_checked_session_headers: tuple[tuple[Any, Any], ...] = ()


def _merged_headers(session: Session, request: HttpRequest
                    ) -> requests.structures.CaseInsensitiveDict[str]:
    """Session headers first, the request's over them case-insensitively, None removing one
    (requests.sessions.merge_setting's rules), each checked as prepare_headers checks it.

    The request's headers come from encoding (check_header_value, stricter than requests'
    check), so only the session's are checked here; the dict is filled through its store,
    ``lower name -> (name, value)``, which is all CaseInsensitiveDict.__setitem__ does.
    """
    global _checked_session_headers
    merged = requests.structures.CaseInsensitiveDict[str]()
    store = merged._store  # type: ignore[attr-defined]
    session_headers = session.headers
    pairs = tuple(session_headers._store.values()  # type: ignore[attr-defined]
                  if isinstance(session_headers, requests.structures.CaseInsensitiveDict)
                  else session_headers.items())
    if pairs != _checked_session_headers:  # the same names and values pass the same check
        for name, value in pairs:
            if value is not None:
                requests.utils.check_header_validity((name, value))
        _checked_session_headers = pairs
    for name, value in pairs:
        store[name.lower()] = (name, value)
    for name, value in request.headers.items():
        store[name.lower()] = (name, value)
    for key in [key for key, (_, value) in store.items() if value is None]:
        del store[key]
    return merged


# URL -> the URL as PreparedRequest.prepare_url makes it, "" for one with credentials (those
# go through PreparedRequest.prepare, whose prepare_auth turns them into a header).
_prepared_urls: dict[str, str] = {}
_PREPARED_URLS_KEPT = 1024


def _prepared_url(url: str) -> str | None:
    prepared = _prepared_urls.get(url)
    if prepared is None:
        probe = requests.PreparedRequest()
        probe.prepare_url(url, None)
        prepared = "" if any(requests.utils.get_auth_from_url(probe.url or "")) else probe.url or ""
        if len(_prepared_urls) >= _PREPARED_URLS_KEPT:
            _prepared_urls.clear()  # URLs with ids in them: start again rather than grow
        _prepared_urls[url] = prepared
    return prepared or None


def _chain(middleware: Middleware, call_next: CallNext) -> CallNext:
    def handle(request: PreparedRequest) -> Response:
        return middleware(request, call_next)

    return handle


def read_body(response: Response, context: Mapping[str, Any], max_bytes: int | None = None
              ) -> bytes:
    """The whole body, inflated (gzip, deflate), read once and kept as ``response.content``.

    Past ``max_bytes`` of inflated body it stops reading and raises ResponseDecodeError: a
    small compressed body can inflate a thousandfold, so the size on the wire says nothing.
    Reading in pieces, no more than one piece past the limit is ever held: urllib3 >= 2.6
    inflates at most the piece asked for, older versions what one 64 kB read inflates to.
    A body that is not compressed and declares its length within the limit is read in one
    go instead (http.client reads exactly that many bytes): no pieces to join, one copy.
    """
    # requests' own test for a body read already (by middleware, or one it made up itself)
    if response._content is not False:  # type: ignore[comparison-overlap]  # False: not read yet
        content = response.content
        if max_bytes is not None and len(content) > max_bytes:
            raise _too_large(response, context, max_bytes)
        return content
    try:
        length = _plain_length(response)
        if length is not None and (max_bytes is None or length <= max_bytes):
            content = response.raw.read()
        else:
            content = _read_pieces(response, context, max_bytes)
    except _TRANSPORT_ERRORS as exc:
        response.close()
        raise_transport_error(exc, context, "reading the answer")
    # Kept where requests keeps a body it read itself, so response.content, .text and
    # .json() work for the caller (with_response, raw) as after any requests call.
    response._content = content
    response._content_consumed = True
    response.close()  # everything is read: the connection goes back to the pool
    return content


def _plain_length(response: Response) -> int | None:
    """The body's Content-Length when it is sent as it is (no Content-Encoding, not chunked)
    and read by urllib3 itself, else None."""
    headers = response.headers
    length = headers.get("content-length")
    if (length is None or not length.isdigit() or "content-encoding" in headers
            or "transfer-encoding" in headers
            or not isinstance(response.raw, urllib3.response.HTTPResponse)):
        return None
    return int(length)


def _read_pieces(response: Response, context: Mapping[str, Any], max_bytes: int | None) -> bytes:
    pieces: list[bytes] = []
    size = 0
    for piece in response.iter_content(_READ_CHUNK_BYTES):
        size += len(piece)
        if max_bytes is not None and size > max_bytes:
            response.close()
            raise _too_large(response, context, max_bytes)
        pieces.append(piece)
    return b"".join(pieces)


def _too_large(response: Response, context: Mapping[str, Any], max_bytes: int
               ) -> ResponseDecodeError:
    encoding = response.headers.get("content-encoding")
    inflated = f" once inflated (Content-Encoding: {encoding})" if encoding else ""
    return ResponseDecodeError(
        f"the response body is larger than max_response_bytes={max_bytes}{inflated}; "
        "give the client a larger max_response_bytes (or None) to accept it", **context)


def peek_body(response: Response, size: int) -> bytes:
    """Up to ``size`` bytes of the body, for an error message; the response is closed and a
    failure to read gives what was read (nothing): the caller is reporting another problem."""
    try:
        return next(response.iter_content(size), b"")[:size]
    except _TRANSPORT_ERRORS:
        return b""
    finally:
        response.close()


def iter_body(response: Response, context: Mapping[str, Any]) -> Iterator[bytes]:
    """The body as it arrives; a cut or a stall between chunks raises the client's errors."""
    try:
        read1 = getattr(response.raw, "read1", None)
        if read1 is None or response._content_consumed:  # type: ignore[attr-defined]
            # urllib3 < 2, or middleware already read the body: requests' own iterator.
            yield from response.iter_content(_STREAM_CHUNK_BYTES)
            return
        # read1 returns whatever has arrived (one HTTP chunk, or what the socket has) instead
        # of waiting for a full block, so each event is seen as soon as it is sent. requests
        # creates the raw response with decode_content=False, so ask for decoding here, as
        # iter_content does: the client sends Accept-Encoding: gzip, deflate.
        while chunk := read1(_STREAM_CHUNK_BYTES, decode_content=True):
            yield chunk
    except _TRANSPORT_ERRORS as exc:
        raise_transport_error(exc, context, "reading the stream")
    finally:
        response.close()
