"""llamastack: a declarative, typed client for the Llama Stack REST API.

    from llamastack import LlamaStackClient
    from llamastack.endpoints import SessionCreate

    client = LlamaStackClient(base_url="http://localhost:8321")
    print(client.call(SessionCreate(agent_id="a1", session_name="s")).session_id)
"""

import logging as _logging

from llamastack._version import __version__
from llamastack.client import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RESPONSE_BYTES,
    ENVIRONMENTS,
    LlamaStackClient,
    WithResponse,
)
from llamastack.errors import (
    APIConnectionError,
    APIConnectionTimeoutError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    LlamaStackError,
    NotFoundError,
    NotServedError,
    PermissionDeniedError,
    RateLimitError,
    ResponseDecodeError,
    UnprocessableEntityError,
    UnsupportedServerError,
)
from llamastack.models.base import Model, TaggedUnion, UnknownVariant
from llamastack.multipart import FileInput, ProgressCallback
from llamastack.options import CallOptions, RequestOptions, UploadOptions
from llamastack.retry import RetryPolicy
from llamastack.spec import (
    CursorPaging,
    IndexPaging,
    Route,
    Spec,
    StreamingSpec,
    body_field,
    file_field,
    header_field,
    json_body_field,
    query_field,
)
from llamastack.streaming import Stream

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "ENVIRONMENTS",
    "APIConnectionError",
    "APIConnectionTimeoutError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "CallOptions",
    "ConflictError",
    "CursorPaging",
    "FileInput",
    "IndexPaging",
    "InternalServerError",
    "LlamaStackClient",
    "LlamaStackError",
    "Model",
    "NotFoundError",
    "NotServedError",
    "PermissionDeniedError",
    "ProgressCallback",
    "RateLimitError",
    "RequestOptions",
    "ResponseDecodeError",
    "RetryPolicy",
    "Route",
    "Spec",
    "Stream",
    "StreamingSpec",
    "TaggedUnion",
    "UnknownVariant",
    "UnprocessableEntityError",
    "UnsupportedServerError",
    "UploadOptions",
    "WithResponse",
    "__version__",
    "body_field",
    "file_field",
    "header_field",
    "json_body_field",
    "query_field",
]

# A library adds no handlers but this one; the application decides what is shown.
_logging.getLogger("llamastack").addHandler(_logging.NullHandler())
