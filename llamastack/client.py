"""LlamaStackClient: call, stream, paginate, with_response, raw, and get/post/... for any path.

One engine interprets every spec: build the request (encoding), send it with retries (retry,
executor), turn error statuses into exceptions (errors), and decode the body into the
spec's declared type (decoding).
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

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
    read_body,
)
from llamastack.log import REDACTED, enable_debug_from_env
from llamastack.multipart import MultipartBody, ProgressCallback, file_part
from llamastack.pagination import PagingError, iterate_items
from llamastack.retry import RetryPolicy
from llamastack.spec import RequestPlan, Spec, StreamingSpec, plan_for
from llamastack.streaming import Stream, stream_error

__all__ = ["DEFAULT_BASE_URL", "ENVIRONMENTS", "LlamaStackClient", "WithResponse"]

R = TypeVar("R")
C = TypeVar("C")

DEFAULT_BASE_URL = "http://localhost:8321"
ENVIRONMENTS: Mapping[str, str] = {"local": "http://localhost:8321"}
BASE_URL_ENV = ("LLAMA_STACK_BASE_URL", "LLAMA_STACK_CLIENT_BASE_URL")
API_KEY_ENV = ("LLAMA_STACK_API_KEY", "LLAMA_STACK_CLIENT_API_KEY")
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
    if base_url is not None:
        return normalize_base_url(base_url)
    from_env = _from_env(BASE_URL_ENV)
    if from_env:
        return normalize_base_url(from_env)
    if environment is not None:
        if environment not in ENVIRONMENTS:
            raise ValueError(f"unknown environment {environment!r}; known: {sorted(ENVIRONMENTS)}")
        return ENVIRONMENTS[environment]
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
    ) -> None:
        self.base_url = _resolve_base_url(base_url, environment)
        self.timeout = _check_timeout(timeout)
        self.max_retries = _check_retries(max_retries)
        self._api_key = api_key if api_key is not None else _from_env(API_KEY_ENV)
        self._secrets = tuple(s for s in _secret_strings(self._api_key, provider_data) if s)
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
        self._transport = Transport(session, proxies=proxies, middleware=middleware)
        enable_debug_from_env()

    def __repr__(self) -> str:
        return (f"LlamaStackClient(base_url={self.base_url!r}, timeout={self.timeout!r}, "
                f"max_retries={self.max_retries!r})")

    # --- lifecycle ------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (a session passed in by the caller is left open)."""
        self._transport.close()

    def __enter__(self) -> LlamaStackClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- typed calls ----------------------------------------------------------------------

    def call(
        self,
        spec: Spec[R],
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        on_upload_progress: ProgressCallback | None = None,
    ) -> R:
        """Send ``spec`` and return its decoded response."""
        return self.with_response(
            spec, timeout=timeout, max_retries=max_retries, extra_headers=extra_headers,
            extra_query=extra_query, extra_body=extra_body,
            on_upload_progress=on_upload_progress).data

    def with_response(
        self,
        spec: Spec[R],
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
        on_upload_progress: ProgressCallback | None = None,
    ) -> WithResponse[R]:
        """``(data, response)``: the decoded body and the raw ``requests.Response``."""
        plan = plan_for(type(spec))
        request = self._build(plan, spec, extra_headers, extra_query, extra_body, False)
        response = self._send(request, spec, timeout, max_retries, on_upload_progress)
        context = self._context(spec, request, response)
        if plan.response_type is bytes:  # the body itself (GET /v1/files/{file_id}/content)
            return WithResponse(read_body(response, context), response)  # type: ignore[arg-type]
        return WithResponse(self._decode(plan.decode_response, response, context), response)

    def raw(
        self,
        spec: Spec[Any],
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Response:
        """The ``requests.Response`` of ``spec`` (error statuses still raise)."""
        plan = plan_for(type(spec))
        request = self._build(plan, spec, extra_headers, extra_query, extra_body, False)
        return self._send(request, spec, timeout, max_retries, None)

    def stream(
        self,
        spec: StreamingSpec[Any, C],
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
        extra_body: Mapping[str, Any] | None = None,
    ) -> Stream[C]:
        """The typed chunks of a streaming endpoint (sends ``stream: true``).

        Connecting, the status, and the first event are retried like any call; once an
        event has been delivered, a failure raises instead of silently starting over.
        """
        plan = plan_for(type(spec))
        if plan.decode_chunk is None:
            raise TypeError(f"{type(spec).__name__} does not stream (it declares no stream_chunk)")
        decode_chunk = plan.decode_chunk
        request = self._build(plan, spec, extra_headers, extra_query, extra_body,
                              plan.has_stream_field or plan.sends_json_body)
        if not any(name.lower() == "accept" for name in extra_headers or {}):
            request.headers["Accept"] = "text/event-stream"  # extra_headers still win

        def attempt() -> Stream[C]:
            response = self._attempt(request, spec, timeout, stream=True)
            context = self._context(spec, request, response)
            if response.headers.get("content-type", "").startswith("application/json"):
                raise self._not_a_stream(response, context)
            events = Stream[C](iter_body(response, context), decode_chunk, context,
                                 response.close)
            return _peeked(events)

        return self.retry_policy.run(attempt, self._retries(max_retries))

    def paginate(
        self,
        spec: Spec[Any],
        *,
        timeout: Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: Mapping[str, str | None] | None = None,
        extra_query: Mapping[str, Any] | None = None,
    ) -> Iterator[Any]:
        """Every item of a paginated list, fetching pages as the iteration needs them.
        A spec that cannot be paged is refused here, not at the first ``next()``."""
        paging = plan_for(type(spec)).paging
        if paging is None:
            raise TypeError(f"{type(spec).__name__} is not a paginated list")

        def fetch(page_spec: Spec[Any]) -> Any:
            return self.call(page_spec, timeout=timeout, max_retries=max_retries,
                             extra_headers=extra_headers, extra_query=extra_query)

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
        response = self._send(request, None, timeout, max_retries, None)
        content = read_body(response, self._context(None, request, response))
        if not content:
            return None
        try:
            return parse_json(content)
        except ValueError:
            return response.text

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

    def _build(self, plan: RequestPlan, spec: object, extra_headers: Any, extra_query: Any,
               extra_body: Any, stream: bool) -> HttpRequest:
        request = build_request(
            plan, spec, base_url=self.base_url, headers=self._headers,
            default_query=self.default_query, extra_headers=extra_headers,
            extra_query=extra_query, extra_body=extra_body, stream=stream)
        self._add_idempotency_key(request)
        return request

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
    def _add_idempotency_key(request: HttpRequest) -> None:
        # One key per call, identical on every attempt, so a server can drop duplicates.
        # Header names are case-insensitive: a caller's "idempotency-key" is their key.
        if request.method != "GET" and not any(
                name.lower() == "idempotency-key" for name in request.headers):
            request.headers["Idempotency-Key"] = f"llamastack-{uuid.uuid4()}"

    def _retries(self, max_retries: int | None) -> int:
        return self.max_retries if max_retries is None else _check_retries(max_retries)

    def _send(self, request: HttpRequest, spec: object, timeout: Timeout | None,
              max_retries: int | None, progress: ProgressCallback | None) -> Response:
        body = request.body
        if isinstance(body, MultipartBody):
            body.progress = progress
        try:
            return self.retry_policy.run(
                lambda: self._attempt(request, spec, timeout, stream=False),
                self._retries(max_retries))
        finally:
            if isinstance(body, MultipartBody):
                body.close()

    def _attempt(self, request: HttpRequest, spec: object, timeout: Timeout | None,
                 stream: bool) -> Response:
        context = self._context(spec, request, None)
        response = self._transport.send(
            request, timeout=self.timeout if timeout is None else _check_timeout(timeout),
            stream=stream, context=context)
        if not 200 <= response.status_code < 300:
            raise self._status_error(response, self._context(spec, request, response))
        return response

    def _context(self, spec: object, request: HttpRequest, response: Response | None
                 ) -> dict[str, Any]:
        context: dict[str, Any] = {"spec": spec, "method": request.method,
                                   "url": self._redact(request.url), "redact": self._redact}
        if response is not None:
            context.update(status=response.status_code, headers=response.headers,
                           response=response)
        return context

    def _redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
            if len(secret) > _SECRET_HEAD and secret[:_SECRET_HEAD] in text:
                text = _redact_cut(text, secret)
        return text

    def _status_error(self, response: Response, context: dict[str, Any]) -> APIStatusError:
        content = read_body(response, context)
        body: Any
        try:
            body = parse_json(content) if content else None
        except ValueError:
            body = response.text
        message = self._redact(error_message_from_body(body))
        status = response.status_code
        spec = context.get("spec")
        if 300 <= status < 400:
            message = (f"redirected to {response.headers.get('location', '?')!r}; redirects are "
                       "not followed, so credentials never leave base_url")
        elif status == 404 and body == {"detail": "Not Found"} and spec is not None:
            lines = ", ".join(getattr(spec, "server_lines", None) or ())  # None: not declared
            message = f"{message}: this server has no route {plan_for(type(spec)).path}"
            if lines:
                message += f"; {type(spec).__name__} is served by Llama Stack {lines}"
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
        content = read_body(response, context)
        try:
            payload = parse_json(content) if content else None
        except ValueError as exc:
            raise ResponseDecodeError(
                f"response body is not JSON: {content[:200]!r}", **context) from exc
        try:
            return decode(payload)
        except DecodeError as exc:
            raise ResponseDecodeError(f"response does not fit {_type_name(context)}: {exc}",
                                      **{**context, "body": payload}) from exc


def _any_json(payload: Any) -> Any:
    return payload


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


def _check_timeout(timeout: Timeout) -> Timeout:
    values = timeout if isinstance(timeout, tuple) else (timeout,)
    if isinstance(timeout, tuple) and len(timeout) != 2:
        # requests only takes (connect, read) and would refuse anything else at send time.
        raise ValueError(f"a timeout tuple is (connect, read), got {timeout!r}")
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    return timeout


def _check_retries(max_retries: int) -> int:
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
    return max_retries


# Messages quote server bodies cut to a length, and the cut may fall inside an echoed secret:
# its first _SECRET_HEAD characters followed by any more of it are hidden as well.
_SECRET_HEAD = 8


def _redact_cut(text: str, secret: str) -> str:
    head = secret[:_SECRET_HEAD]
    start = text.find(head)
    while start >= 0:
        end = start + _SECRET_HEAD
        while end < len(text) and end - start < len(secret) and text[end] == secret[end - start]:
            end += 1
        text = text[:start] + REDACTED + text[end:]
        start = text.find(head, start + len(REDACTED))
    return text


def _secret_strings(api_key: str | None, provider_data: Mapping[str, Any] | None) -> list[str]:
    secrets = [api_key or ""]
    if provider_data:
        secrets.append(json.dumps(jsonable(provider_data)))
        secrets.extend(str(v) for v in provider_data.values() if isinstance(v, str) and len(v) >= 4)
    return secrets

