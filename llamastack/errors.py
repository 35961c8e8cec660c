"""The exception tree and the status-to-exception table.

::

    LlamaStackError
     └── APIError                       .spec .method .url .status .headers .body .response
          ├── APIStatusError            a non-2xx answer, redirects included (they are not
          │                             followed), or an error event inside a stream
          │    ├── BadRequestError            400
          │    ├── AuthenticationError        401
          │    ├── PermissionDeniedError      403
          │    ├── NotFoundError              404
          │    ├── ConflictError              409
          │    ├── UnprocessableEntityError   422
          │    ├── RateLimitError             429
          │    └── InternalServerError        >= 500
          ├── APIConnectionError        no usable response: refused, reset, cut, timed out
          │    └── APIConnectionTimeoutError  (alias APITimeoutError)
          ├── ResponseDecodeError       a 2xx body that is not JSON or does not fit the type
          ├── NotServedError            the server's line does not serve the spec, or cannot
          │                             carry a field it sets (nothing was sent)
          └── UnsupportedServerError    the server runs a Llama Stack older than 0.2.23

Every error raised by a call is one of these; transport and JSON exceptions are chained
as ``__cause__``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import requests

__all__ = [
    "APIConnectionError",
    "APIConnectionTimeoutError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "InternalServerError",
    "LlamaStackError",
    "NotFoundError",
    "NotServedError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseDecodeError",
    "UnprocessableEntityError",
    "UnsupportedServerError",
    "error_message_from_body",
    "status_error",
]

# Keep server messages readable in str(err) but never unbounded (HTML error pages).
_MAX_MESSAGE_CHARS = 500


class LlamaStackError(Exception):
    """Base of everything this library raises on purpose."""


class APIError(LlamaStackError):
    """A call failed. Carries everything known about the request and the answer."""

    def __init__(
        self,
        message: str,
        *,
        spec: object | None = None,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        response: requests.Response | None = None,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        # The client passes its redaction of secrets with every error it raises, so no
        # message built from what a server echoed (an error body, a 200 body, a stream
        # event, a redirect) can carry the API key or the provider data.
        if redact is not None:
            message = redact(message)
        super().__init__(message)
        self.message = message
        self.spec = spec
        self.method = method
        self.url = url
        self.status = status
        self.headers: Mapping[str, str] = headers if headers is not None else {}
        self.body = body
        self.response = response

    @property
    def status_code(self) -> int | None:
        return self.status

    def __str__(self) -> str:
        where = " ".join(part for part in (self._spec_name(), self.method, self.url) if part)
        status = f" -> {self.status}" if self.status is not None else ""
        prefix = f"{where}{status}: " if where or status else ""
        return f"{prefix}{self.message}"

    def _spec_name(self) -> str:
        return type(self.spec).__name__ if self.spec is not None else ""


class APIStatusError(APIError):
    """The server answered with an error status (or sent an error inside a stream)."""

    status: int


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    pass


class InternalServerError(APIStatusError):
    pass


class APIConnectionError(APIError):
    """No usable answer: the connection failed or was cut (a redirect is an APIStatusError)."""


class APIConnectionTimeoutError(APIConnectionError):
    """Connecting, or waiting for the next bytes of an answer, took longer than the timeout."""


APITimeoutError = APIConnectionTimeoutError


class ResponseDecodeError(APIError):
    """A successful answer whose body is not JSON or does not fit the declared type."""


class NotServedError(APIError):
    """The server's line does not serve ``spec``, or cannot carry one of the values it sets
    (``field``). Raised before anything is sent: ``server_line`` is the line the client talks
    to, ``served_by`` the lines that serve the spec."""

    def __init__(self, message: str, *, spec: object, server_line: str,
                 served_by: tuple[str, ...], field: str | None = None, **context: Any) -> None:
        super().__init__(message, spec=spec, **context)
        self.server_line = server_line
        self.served_by = served_by
        self.field = field


class UnsupportedServerError(APIError):
    """The server runs a Llama Stack version this client cannot talk to (older than the
    oldest line it knows)."""


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    if status >= 500:
        return InternalServerError
    return _STATUS_ERRORS.get(status, APIStatusError)


def status_error(status: int, message: str, **context: Any) -> APIStatusError:
    """The exception for an error status, via the one table above."""
    return status_error_class(status)(message, status=status, **context)


def error_message_from_body(body: Any) -> str:
    """The human message inside any of the error body shapes Llama Stack sends.

    Shapes seen on real servers (see specs/README.md): ``{"error": {"message": str}}``,
    ``{"detail": str}``, ``{"error": {"detail": {"errors": [{"loc", "msg"}]}}}`` (0.2
    validation), FastAPI's ``{"detail": [{"loc", "msg"}]}``; anything else is shown as is.
    """
    text = _message_from(body)
    if len(text) > _MAX_MESSAGE_CHARS:
        text = text[:_MAX_MESSAGE_CHARS] + "..."
    return text


def _message_from(body: Any) -> str:
    if isinstance(body, str):
        return body.strip() or "(empty body)"
    if isinstance(body, dict):
        for key in ("error", "detail", "message"):
            if key in body and body[key] not in (None, "", {}, []):
                return _message_from(body[key])
        if "errors" in body and isinstance(body["errors"], list):
            return _message_from(body["errors"])
    if isinstance(body, list) and body and all(isinstance(item, dict) for item in body):
        return "; ".join(_validation_item(item) for item in body)
    if body is None:
        return "(empty body)"
    return json.dumps(body, ensure_ascii=False)


def _validation_item(item: dict[str, Any]) -> str:
    if "msg" in item:
        loc = item.get("loc")
        where = ".".join(str(part) for part in loc) if isinstance(loc, list) else ""
        return f"{where}: {item['msg']}" if where else str(item["msg"])
    return _message_from(item)
