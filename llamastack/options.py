"""The per-call options of the client's spec methods, declared once.

``client.call(spec, timeout=5, extra_headers={...})``: every method that sends a spec takes
the same keyword arguments, so they are one ``TypedDict`` each method unpacks
(``**options: Unpack[CallOptions]``, PEP 692). Editors and mypy show and check them by name
and type, and the set lives here instead of in five signatures. At run time an unknown name
is refused as Python refuses an unexpected keyword argument.

``RequestOptions`` (``paginate``) < ``CallOptions`` (``stream``) < ``UploadOptions``
(``call``, ``with_response``, ``raw``): a page request has no body to add to, and only a
non-streamed call reports upload progress.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

from llamastack.executor import Timeout
from llamastack.multipart import ProgressCallback

__all__ = ["CallOptions", "RequestOptions", "UploadOptions", "check_options"]


class RequestOptions(TypedDict, total=False):
    """Options of every spec method."""

    timeout: Timeout | None
    """Seconds for connecting and for each read, or ``(connect, read)``; the client's if None."""
    max_retries: int | None
    """Retries after the first attempt; the client's if None."""
    extra_headers: Mapping[str, str | None] | None
    """Headers over the client's and the spec's; a None value removes that header."""
    extra_query: Mapping[str, Any] | None
    """Query parameters over the client's and the spec's."""


class CallOptions(RequestOptions, total=False):
    """Options of a call that may send a body (``stream``)."""

    extra_body: Mapping[str, Any] | None
    """JSON body properties over the spec's (form fields of a multipart upload)."""


class UploadOptions(CallOptions, total=False):
    """Options of a non-streamed call (``call``, ``with_response``, ``raw``)."""

    on_upload_progress: ProgressCallback | None
    """``progress(bytes_sent, total_bytes)`` as a multipart body is sent."""


def check_options(method: str, options: Mapping[str, Any], allowed: type[RequestOptions]) -> None:
    """Refuse an option ``method`` does not take, as Python refuses a keyword argument."""
    known = allowed.__annotations__  # a TypedDict's holds its bases' keys too
    for name in options:
        if name not in known:
            raise TypeError(f"{method}() got an unexpected keyword argument {name!r} "
                            f"(it takes {', '.join(sorted(known))})")
