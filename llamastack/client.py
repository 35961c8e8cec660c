"""LlamaStackClient: call, stream, paginate, with_response, raw, and get/post/... for any path.

One engine interprets every spec: build the request (encoding), send it with retries (retry,
executor), turn error statuses into exceptions (errors), and decode the body into the
spec's declared type (decoding).
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from llamastack._version import __version__
from llamastack.decoding import DecodeError, Decoder, parse_json
from llamastack.encoding import (
    HttpRequest,
    build_request,
    dumps,
    jsonable,
    merge_headers,
    normalize_base_url,
    query_string,
)
from llamastack.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    ResponseDecodeError,
    error_message_from_body,
    status_error,
)
from llamastack.executor import (
    Middleware,
    Response,
    Session,
    Timeout,
    Transport,
    iter_body,
    peek_body,
    read_body,
)
from llamastack.lines import LineRoute, RequestParts, ServerLines, VersionAnswer
from llamastack.log import enable_debug_from_env
from llamastack.multipart import MultipartBody, file_part
from llamastack.options import CallOptions, RequestOptions, UploadOptions, check_options
from llamastack.pagination import PagingError, iterate_items
from llamastack.retry import RetryPolicy
from llamastack.secrets import Secrets, url_credentials
from llamastack.spec import RequestPlan, Spec, StreamingSpec, plan_for
from llamastack.streaming import Stream, stream_error

if TYPE_CHECKING:
    # Only read by type checkers (typing.Unpack is 3.11+); typeshed ships typing_extensions,
    # so mypy and editors have it whether or not it is installed.
    from typing_extensions import Unpack

__all__ = ["DEFAULT_BASE_URL", "DEFAULT_MAX_RESPONSE_BYTES", "ENVIRONMENTS", "LlamaStackClient",
           "WithResponse"]

R = TypeVar("R")
C = TypeVar("C")

DEFAULT_BASE_URL = "http://localhost:8321"
# A non-streamed body (inflated) larger than this is refused: 512 MiB is the largest file
# OpenAI-style file APIs accept, far above any JSON answer, and still bounds what a small
# compressed body can make the client allocate.
DEFAULT_MAX_RESPONSE_BYTES = 512 * 1024 * 1024
ENVIRONMENTS: Mapping[str, str] = {"local": "http://localhost:8321"}
BASE_URL_ENV = ("LLAMA_STACK_BASE_URL", "LLAMA_STACK_CLIENT_BASE_URL")
API_KEY_ENV = ("LLAMA_STACK_API_KEY", "LLAMA_STACK_CLIENT_API_KEY")
SERVER_LINE_ENV = ("LLAMA_STACK_SERVER_LINE",)
PROVIDER_DATA_HEADER = "X-LlamaStack-Provider-Data"


class WithResponse(tuple[Any, Response], Generic[R]):
    """``(data, response)``: the decoded body and the ``requests.Response`` it came from."""

    __slots__ = ()

    def __new__(cls, data: R, response: Response) -> WithResponse[R]:
        return tuple.__new__(cls, (data, response))

    @property
    def data(self) -> R:
        return self[0]  # type: ignore[no-any-return]

    @property
    def response(self) -> Response:
        return self[1]


def _from_env(names: Sequence[str]) -> str | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _resolve_base_url(base_url: str | None, environment: str | None) -> str:
    if base_url is not None and environment is not None:
        raise ValueError("give base_url or environment, not both: they are ambiguous together")
    # Arguments first (either names the server), then the environment, then the default.
    if base_url is not None:
        return normalize_base_url(base_url)
    if environment is not None:
        if environment not in ENVIRONMENTS:
            raise ValueError(f"unknown environment {environment!r}; known: {sorted(ENVIRONMENTS)}")
        return ENVIRONMENTS[environment]
    from_env = _from_env(BASE_URL_ENV)
    if from_env:
        return normalize_base_url(from_env)
    return DEFAULT_BASE_URL


class LlamaStackClient:
    """A client for one Llama Stack server. Thread-safe; close it (or use ``with``)."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        api_key: str | None = None,
        environment: str | None = None,
        timeout: Timeout = 60.0,
        max_retries: int = 2,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, Any] | None = None,
        session: Session | None = None,
        proxies: Mapping[str, str] | None = None,
        middleware: Sequence[Middleware] = (),
        provider_data: Mapping[str, Any] | None = None,
        retry_policy: RetryPolicy | None = None,
        max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
        server_line: str | None = None,
    ) -> None:
        self.base_url = _resolve_base_url(base_url, environment)
        self.timeout = _check_timeout(timeout)
        self.max_retries = _check_retries(max_retries)
        self.max_response_bytes = _check_max_bytes(max_response_bytes)
        self._api_key = api_key if api_key is not None else _from_env(API_KEY_ENV)
        self._redact = Secrets(self._api_key, provider_data, self.base_url).redact
        if self._api_key and url_credentials(self.base_url):
            # requests turns user:password@ into Authorization: Basic, replacing the Bearer
            # key without a word; which one the server wants only the caller knows.
            raise ValueError("base_url has credentials (user:password@) and an API key is set "
                             "(api_key or LLAMA_STACK_API_KEY): both would be the Authorization "
                             "header; give one")
        self.default_query = dict(default_query or {})
        self.retry_policy = retry_policy or RetryPolicy()
        headers = {"Accept": "application/json", "User-Agent": f"llamastack-python/{__version__}"}
        if self._api_key:
            # Through merge_headers so a CR/LF is refused here, never echoed by requests later.
            merge_headers(headers, {"Authorization": f"Bearer {self._api_key}"})
        if provider_data is not None:
            headers[PROVIDER_DATA_HEADER] = json.dumps(jsonable(provider_data))
        merge_headers(headers, default_headers or {})
        self._headers = headers
        self._default_idempotency_key = any(name.lower() == "idempotency-key" for name in headers)
        self._transport = Transport(session, proxies=proxies, middleware=middleware,
                                    redact=self._redact)
        pinned = server_line if server_line is not None else _from_env(SERVER_LINE_ENV)
        self._lines = ServerLines(pinned, self._fetch_version)
        enable_debug_from_env()

    def __repr__(self) -> str:
        return (f"LlamaStackClient(base_url={self._redact(self.base_url)!r}, "
                f"timeout={self.timeout!r}, max_retries={self.max_retries!r})")

    @property
    def server_line(self) -> str:
        """The Llama Stack line of the server (``"0.2"`` ... ``"0.7"``): ``server_line=`` (or
        ``LLAMA_STACK_SERVER_LINE``) if given, else asked once with ``GET /v1/version`` (at the
        first call that needs it, or here)."""
        return self._lines.line

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (a session passed in by the caller is left open)."""
        self._transport.close()

    def __enter__(self) -> LlamaStackClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- typed calls ----------------------------------------------------------------------

    def call(self, spec: Spec[R], **options: Unpack[UploadOptions]) -> R:
        """Send ``spec`` and return its decoded response.

        Options (all keyword, all optional): ``timeout``, ``max_retries``, ``extra_headers``,
        ``extra_query``, ``extra_body``, ``on_upload_progress`` (``llamastack.UploadOptions``).
        """
        return self._with_response("call", spec, options).data

    def with_response(self, spec: Spec[R], **options: Unpack[UploadOptions]) -> WithResponse[R]:
        """``(data, response)``: the decoded body and the raw ``requests.Response``.
        Options as ``call``'s."""
        return self._with_response("with_response", spec, options)

    def raw(self, spec: Spec[Any], **options: Unpack[UploadOptions]) -> Response:
        """The ``requests.Response`` of ``spec``, body read (error statuses still raise).
        Options as ``call``'s."""
        check_options("raw", options, UploadOptions)
        route = self._lines.route(spec, _plan_of(spec, "raw"))
        request = self._build(route, spec, options, stream=False)
        return self._send(request, spec, options)

    def stream(self, spec: StreamingSpec[Any, C], **options: Unpack[CallOptions]) -> Stream[C]:
        """The typed chunks of a streaming endpoint (sends ``"stream": true``).

        Connecting, the status, and the first event are retried like any call; once an
        event has been delivered, a failure raises instead of silently starting over.
        Options: ``timeout``, ``max_retries``, ``extra_headers``, ``extra_query``,
        ``extra_body`` (``llamastack.CallOptions``).
        """
        check_options("stream", options, CallOptions)
        declared = _plan_of(spec, "stream")
        if declared.decode_chunk is None:
            raise TypeError(f"{type(spec).__name__} does not stream (it declares no stream_chunk)")
        route = self._lines.route(spec, declared)
        plan, adapter = route.plan, route.adapter
        decode = plan.decode_chunk
        assert decode is not None
        # Every streaming endpoint of every line takes the flag in its JSON body, whether or
        # not the spec declares a stream field (generated specs do not).
        request = self._build(route, spec, options,
                              stream=plan.has_stream_field or plan.sends_json_body)
        if not any(name.lower() == "accept" for name in options.get("extra_headers") or {}):
            request.headers["Accept"] = "text/event-stream"  # extra_headers still win
        timeout = options.get("timeout")

        def attempt() -> Stream[C]:
            response = self._attempt(request, spec, timeout, stream=True)
            context = self._context(spec, request, response)
            media_type = _media_type(response)
            if media_type == "application/json" or media_type.endswith("+json"):
                raise self._not_a_stream(response, context)  # problem+json too (RFC 9457)
            if media_type != "text/event-stream":
                raise _not_an_event_stream(response, context)
            decode_chunk = decode
            if adapter is not None and adapter.chunks is not None:
                # A fresh adapter per attempt: it may number or index the events it sees.
                adapt = adapter.chunks(spec, plan.server_line or "")
                decode_chunk = lambda payload: decode(adapt(payload))  # noqa: E731
            events = Stream[C](iter_body(response, context), decode_chunk, context,
                                 response.close)
            return _peeked(events)

        return self.retry_policy.run(attempt, self._retries(options.get("max_retries")))

    def paginate(self, spec: Spec[Any], **options: Unpack[RequestOptions]) -> Iterator[Any]:
        """Every item of a paginated list, fetching pages as the iteration needs them.
        A spec that cannot be paged is refused here, not at the first ``next()``.
        Options: ``timeout``, ``max_retries``, ``extra_headers``, ``extra_query``
        (``llamastack.RequestOptions``), for every page."""
        check_options("paginate", options, RequestOptions)
        paging = _plan_of(spec, "paginate").paging
        if paging is None:
            raise TypeError(f"{type(spec).__name__} is not a paginated list")

        def fetch(page_spec: Spec[Any]) -> Any:
            return self._with_response("paginate", page_spec, options).data

        items = iterate_items(spec, paging, fetch)  # checks the spec now; fetches lazily

        def paged() -> Iterator[Any]:
            try:
                yield from items
            except PagingError as exc:
                raise ResponseDecodeError(str(exc), spec=spec) from exc

        return paged()

    # --- undocumented endpoints -----------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        headers: Mapping[str, str | None] | None = None,
        files: Mapping[str, Any] | None = None,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
    ) -> Any:
        """Any path of the server, with the client's auth, retries and errors. Returns the
        parsed JSON, or the text when the body is not JSON (None when it is empty)."""
        request = self._raw_request(method, path, query, body, headers, files)
        response = self._send(request, None, {"timeout": timeout, "max_retries": max_retries})
        content = self._read(response, self._context(None, request, response))
        return _json_or_text(content, response)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Any:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Any:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    # --- the engine -----------------------------------------------------------------------

    # The options reach the helpers below already checked against the method's TypedDict.

    def _with_response(self, method: str, spec: Spec[R], options: Mapping[str, Any]
                       ) -> WithResponse[R]:
        check_options(method, options, UploadOptions)
        route = self._lines.route(spec, _plan_of(spec, method))
        plan = route.plan
        request = self._build(route, spec, options, stream=False)
        response = self._send(request, spec, options)
        context = self._context(spec, request, response)
        if plan.response_type is bytes:  # the body itself (GET /v1/files/{file_id}/content)
            return WithResponse(self._read(response, context), response)  # type: ignore[arg-type]
        decode = plan.decode_response
        adapter = route.adapter
        if adapter is not None and adapter.response is not None:
            adapt, line = adapter.response, plan.server_line or ""
            decode = lambda payload: plan.decode_response(adapt(payload, spec, line))  # noqa: E731
        return WithResponse(self._decode(decode, response, context), response)

    def _build(self, route: LineRoute, spec: object, options: Mapping[str, Any], *,
               stream: bool) -> HttpRequest:
        adapt: Callable[[dict[str, Any], dict[str, Any]], None] | None = None
        adapter = route.adapter
        if adapter is not None and adapter.request is not None:
            adapt_request, line = adapter.request, route.plan.server_line or ""

            def adapt(query: dict[str, Any], body: dict[str, Any]) -> None:
                adapt_request(RequestParts(spec, line, query, body))

        request = build_request(
            route.plan, spec, base_url=self.base_url, headers=self._headers,
            default_query=self.default_query, extra_headers=options.get("extra_headers"),
            extra_query=options.get("extra_query"), extra_body=options.get("extra_body"),
            stream=stream, adapt=adapt)
        # Only the caller's headers can hold a key of their own: the scan for one is skipped
        # when there are none (a small call's every microsecond shows against the network).
        self._add_idempotency_key(request, bool(
            self._default_idempotency_key or options.get("extra_headers")
            or route.plan.header_fields))
        return request

    def _fetch_version(self) -> VersionAnswer:
        """One ``GET /v1/version`` for line discovery: no retries (a call that needs the line
        has its own), never the client-version header (any line answers 426 to another minor)."""
        request = HttpRequest("GET", self.base_url + "/v1/version", dict(self._headers))
        context = self._context(None, request, None)
        response = self._transport.send(request, timeout=self.timeout, context=context)
        try:
            content = self._read(response, self._context(None, request, response))
        except ResponseDecodeError:  # larger than max_response_bytes: not a version
            content = b""
        try:
            body = parse_json(content) if content else None
        except ValueError:
            body = None
        return VersionAnswer(response.status_code, body)

    def _raw_request(self, method: str, path: str, query: Mapping[str, Any] | None, body: Any,
                     headers: Mapping[str, str | None] | None,
                     files: Mapping[str, Any] | None) -> HttpRequest:
        method = method.upper()
        if not path.startswith("/"):
            raise ValueError(f"path must start with '/' (relative to base_url), got {path!r}")
        url = self.base_url + path
        merged_query = {**self.default_query, **(query or {})}
        if merged_query:
            url += ("&" if "?" in path else "?") + query_string(merged_query)
        merged_headers = dict(self._headers)
        payload: bytes | MultipartBody | None = None
        if files:
            fields = jsonable(body) if body is not None else {}
            if not isinstance(fields, dict):
                raise TypeError("with files, body must be a mapping of form fields")
            payload = MultipartBody(fields, [file_part(name, value) for name, value in files.items()])
            merged_headers["Content-Type"] = payload.content_type
        elif body is not None:
            payload = dumps(jsonable(body))
            merged_headers["Content-Type"] = "application/json"
        merge_headers(merged_headers, headers or {})
        request = HttpRequest(method, url, merged_headers, payload)
        self._add_idempotency_key(request)
        return request

    @staticmethod
    def _add_idempotency_key(request: HttpRequest, callers_headers: bool = True) -> None:
        # One key per call, identical on every attempt, so a server can drop duplicates.
        # Header names are case-insensitive: a caller's "idempotency-key" is their key.
        if request.method != "GET" and not (callers_headers and any(
                name.lower() == "idempotency-key" for name in request.headers)):
            request.headers["Idempotency-Key"] = _idempotency_key()

    def _retries(self, max_retries: int | None) -> int:
        return self.max_retries if max_retries is None else _check_retries(max_retries)

    def _send(self, request: HttpRequest, spec: object, options: Mapping[str, Any]) -> Response:
        body = request.body
        if isinstance(body, MultipartBody):
            body.progress = options.get("on_upload_progress")
        timeout = options.get("timeout")
        try:
            return self.retry_policy.run(
                lambda: self._attempt(request, spec, timeout, stream=False),
                self._retries(options.get("max_retries")))
        finally:
            if isinstance(body, MultipartBody):
                body.close()

    def _attempt(self, request: HttpRequest, spec: object, timeout: Timeout | None,
                 stream: bool) -> Response:
        context = self._context(spec, request, None)
        # The transport always streams: the body is read here, inside the attempt (see
        # Transport.send).
        response = self._transport.send(
            request, timeout=self.timeout if timeout is None else _check_timeout(timeout),
            context=context)
        if not 200 <= response.status_code < 300:
            raise self._status_error(response, self._context(spec, request, response))
        if not stream:
            self._read(response, self._context(spec, request, response))
        return response

    def _read(self, response: Response, context: dict[str, Any]) -> bytes:
        return read_body(response, context, self.max_response_bytes)

    def _context(self, spec: object, request: HttpRequest, response: Response | None
                 ) -> dict[str, Any]:
        context: dict[str, Any] = {"spec": spec, "method": request.method,
                                   "url": self._redact(request.url), "redact": self._redact}
        if response is not None:
            context.update(status=response.status_code, headers=response.headers,
                           response=response)
        return context


    def _status_error(self, response: Response, context: dict[str, Any]) -> APIStatusError:
        body: Any
        try:
            content = self._read(response, context)
        except ResponseDecodeError as exc:  # the status is the news, not the body's size
            body = f"(error body not read: {exc.message})"
        else:
            body = _json_or_text(content, response)
        message = self._redact(error_message_from_body(body))
        status = response.status_code
        spec = context.get("spec")
        if 300 <= status < 400:
            message = (f"redirected to {response.headers.get('location', '?')!r}; redirects are "
                       "not followed, so credentials never leave base_url")
        elif status == 404 and body == {"detail": "Not Found"} and spec is not None:
            # A safety net: routing by line sends nothing a known line lacks, so this is a
            # server configured without that API, or a line taken for another.
            lines = ", ".join(getattr(spec, "server_lines", None) or ())  # None: not declared
            message = f"{message}: this server has no such route"
            if lines:
                message += f"; {type(spec).__name__} is served by Llama Stack {lines}"
            line = self._lines.known
            if line is not None:
                message += (f" (the client takes this server for {line}; if that is wrong, pass "
                            "server_line=)")
        elif status == 501 and getattr(spec, "stream_only", False):
            message = (f"{message} ({type(spec).__name__} only streams on this server: "
                       "use client.stream(spec))")
        context["body"] = body
        return status_error(status, message, **{k: v for k, v in context.items()
                                                if k != "status"})

    def _not_a_stream(self, response: Response, context: dict[str, Any]) -> APIError:
        """The server answered a stream request with one JSON document instead of events."""
        payload = self._decode(_any_json, response, context)
        if isinstance(payload, dict) and ("error" in payload or payload.get("type") == "error"):
            return stream_error(payload, context)
        return ResponseDecodeError("expected a text/event-stream answer, got one JSON document "
                                   "(does this server stream this endpoint?)",
                                   **{**context, "body": payload})

    def _decode(self, decode: Decoder, response: Response, context: dict[str, Any]) -> Any:
        content = self._read(response, context)
        try:
            payload = parse_json(content) if content else None
        except ValueError as exc:
            raise ResponseDecodeError(
                f"response body is not JSON ({exc}): {content[:200]!r}", **context) from exc
        try:
            return decode(payload)
        except DecodeError as exc:
            raise ResponseDecodeError(f"response does not fit {_type_name(context)}: {exc}",
                                      **{**context, "body": payload}) from exc


def _plan_of(spec: object, method: str) -> RequestPlan:
    """The plan of a spec instance; a spec class, anything else, or (outside ``stream``) a
    spec whose own ``stream`` field is true is refused with what to do instead."""
    if isinstance(spec, type):
        kind = "a spec class" if issubclass(spec, Spec) else "a class"
        needs = dataclasses.is_dataclass(spec) and any(
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
            for field in dataclasses.fields(spec))
        raise TypeError(f"client.{method} takes a spec instance, and {spec.__name__} is {kind}; "
                        f"pass an instance: {spec.__name__}({'...' if needs else ''})")
    if not isinstance(spec, Spec):
        raise TypeError(f"client.{method} takes a spec (an instance of a Spec subclass such as "
                        f"ModelList()), not {type(spec).__name__}")
    plan = plan_for(type(spec))
    if method != "stream" and plan.has_stream_field and getattr(spec, "stream", None):
        # Sent as it is, stream: true gets events back, which no call can decode.
        raise TypeError(f"{type(spec).__name__}(stream=True) asks for a stream: use "
                        "client.stream(spec), which sends \"stream\": true itself and returns "
                        f"the chunks; client.{method} needs stream left unset or False")
    return plan


def _any_json(payload: Any) -> Any:
    return payload


def _json_or_text(content: bytes, response: Response) -> Any:
    """A body read in full, as request() returns it and a status error carries it: None when
    empty, the parsed JSON, else the text."""
    if not content:
        return None
    try:
        return parse_json(content)
    except ValueError:
        return response.text


def _media_type(response: Response) -> str:
    return response.headers.get("content-type", "").partition(";")[0].strip().lower()


# How much of an answer that is not an event stream the error quotes.
_PREVIEW_BYTES = 200


def _not_an_event_stream(response: Response, context: dict[str, Any]) -> ResponseDecodeError:
    """A 200 that is not an event stream: a proxy's or captive portal's page, typically. Read
    as events it gave no chunks (a page ending in a newline) or a cut connection, retried."""
    content_type = response.headers.get("content-type") or "no Content-Type"
    start = peek_body(response, _PREVIEW_BYTES)
    return ResponseDecodeError(
        f"expected a text/event-stream answer, got {content_type}: "
        f"{start.decode('utf-8', 'replace')!r} (is a proxy answering for the server?)",
        **context)


def _type_name(context: Mapping[str, Any]) -> str:
    spec = context.get("spec")
    if spec is None:
        return "the declared type"
    tp = plan_for(type(spec)).response_type
    return getattr(tp, "__name__", repr(tp))


def _peeked(stream: Stream[C]) -> Stream[C]:
    """Pull the first event now, so a failure before it is retried like any request."""
    try:
        first = next(stream)
    except StopIteration:
        return stream
    except APIConnectionError:
        stream.close()
        raise
    return stream.prepend(first)


# Random bytes for idempotency keys, taken from os.urandom 64 keys at a time: os.urandom lets
# go of the GIL for its system call, and with eight threads calling at once each release
# costs a switch between them (about 4% of a small call). The process id tells a forked child,
# which must not reuse its parent's bytes.
_random_blocks: list[bytes] = []
_random_pid = 0
_KEYS_PER_READ = 64


def _random_16() -> bytes:
    global _random_pid
    if os.getpid() != _random_pid:
        _random_blocks.clear()
        _random_pid = os.getpid()
    try:
        return _random_blocks.pop()  # atomic: two threads never get the same bytes
    except IndexError:
        block = os.urandom(16 * _KEYS_PER_READ)
        _random_blocks.extend(block[i:i + 16] for i in range(16, len(block), 16))
        return block[:16]


def _idempotency_key() -> str:
    """``llamastack-`` and a random (version 4) UUID, as ``uuid.uuid4()`` makes it: 16 random
    bytes with the version and variant bits set, in the 8-4-4-4-12 hex form, without the
    ``UUID`` object (a few microseconds of every POST)."""
    value = bytearray(_random_16())
    value[6] = value[6] & 0x0F | 0x40  # version 4
    value[8] = value[8] & 0x3F | 0x80  # the RFC 4122 variant
    hex_ = value.hex()
    return f"llamastack-{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


def _check_timeout(timeout: Timeout) -> Timeout:
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    if isinstance(timeout, tuple) and len(timeout) != 2:
        # requests only takes (connect, read) and would refuse anything else at send time.
        raise ValueError(f"a timeout tuple is (connect, read), got {timeout!r}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return timeout


def _check_max_bytes(max_bytes: int | None) -> int | None:
    if max_bytes is not None and (isinstance(max_bytes, bool) or not isinstance(max_bytes, int)
                                  or max_bytes <= 0):
        raise ValueError(f"max_response_bytes must be an int > 0 or None, got {max_bytes!r}")
    return max_bytes


def _check_retries(max_retries: int) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
    return max_retries
