"""The retry policy: which failures are retried, how long to wait, driven by tenacity.

Retried: connection errors and timeouts, 408, 409, 429 and every status >= 500 except 501
Not Implemented (unless the server says ``x-should-retry``). The wait is the server's
``retry-after-ms`` or ``Retry-After`` (seconds or an HTTP date), capped, else exponential
backoff with jitter: about 0.5 s, doubling, capped at 8 s. An error event inside a 200 stream is not retried.
"""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from tenacity import RetryCallState

from llamastack.errors import APIConnectionError, APIError
from llamastack.log import logger

__all__ = ["FINAL_SERVER_STATUSES", "RETRYABLE_STATUSES", "RetryPolicy", "is_retryable",
           "retry_after_seconds"]

T = TypeVar("T")

RETRYABLE_STATUSES = frozenset({408, 409, 429})
# 501 Not Implemented is permanent (RFC 9110, 15.6.2): llama-stack answers it for features a
# provider lacks (non-streaming agent turns, eval job cancel); asking again only adds waits.
FINAL_SERVER_STATUSES = frozenset({501})


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, APIConnectionError):
        return True
    if not isinstance(exc, APIError) or exc.response is None:
        return False
    should = exc.headers.get("x-should-retry", "").lower()
    if should in ("true", "false"):
        return should == "true"
    # The HTTP status, not the error's: an error event inside a 200 stream is final.
    status = exc.response.status_code
    return status in RETRYABLE_STATUSES or (status >= 500 and status not in FINAL_SERVER_STATUSES)


def retry_after_seconds(headers: Mapping[str, str], now: Callable[[], float] = time.time
                        ) -> float | None:
    """The server's requested wait, from ``retry-after-ms`` or ``Retry-After``, if any."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return _non_negative(float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return _non_negative(float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(when.timestamp() - now(), 0.0)


def _non_negative(seconds: float) -> float:
    # float() accepts "nan", which no sleep accepts: a header that is not a number is ignored.
    if math.isnan(seconds):
        raise ValueError("not a number")
    return max(seconds, 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff settings; ``sleep`` and ``jitter`` are injectable so tests never really sleep."""

    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, exc: BaseException | None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        if isinstance(exc, APIError):
            requested = retry_after_seconds(exc.headers)
            if requested is not None:
                return min(requested, self.max_retry_after)
        backoff = min(self.initial_delay * 2 ** (attempt - 1), self.max_delay)
        return float(backoff * (1 - 0.25 * self.jitter()))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        return self.delay(state.attempt_number, exc)

    @staticmethod
    def _log(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        logger.debug("retrying in %.2f s (attempt %d failed: %s)", wait, state.attempt_number, exc)

    def run(self, attempt: Callable[[], T], max_retries: int) -> T:
        """Call ``attempt`` until it succeeds, fails for good, or retries run out."""
        if max_retries <= 0:
            return attempt()
        # The first attempt runs outside tenacity: building and driving its Retrying costs
        # about 20 us, several percent of a small local call, and nearly every call succeeds
        # at once (benchmarks/README.md). A failure
        # is handed to tenacity as its attempt 1 (re-raised, not re-run), so tenacity still
        # decides every retry, every wait and the stop, exactly as if it had made the call.
        try:
            return attempt()
        except Exception as exc:
            if not is_retryable(exc):
                raise
            first_failure: Exception | None = exc

        # Imported here, at the first retry: tenacity is a tenth of `import llamastack`'s own
        # time (about 10 ms), and most processes never retry.
        from tenacity import Retrying, retry_if_exception, stop_after_attempt

        def attempt_after_first() -> T:
            nonlocal first_failure
            if first_failure is not None:
                failure, first_failure = first_failure, None
                raise failure
            return attempt()

        retrying = Retrying(
            stop=stop_after_attempt(max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception(is_retryable),
            sleep=self.sleep,
            before_sleep=self._log,
            reraise=True,
        )
        return retrying(attempt_after_first)
