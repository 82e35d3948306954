"""When to retry a request and how long to wait: the whole policy, without I/O."""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass

import httpx

__all__ = ["RetryPolicy"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})
# Errors raised before a single byte of the request left this machine: safe to repeat anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class RetryPolicy:
    """Retry decisions for one client.

    Idempotent requests (GET, PUT, DELETE) are retried on transport errors, timeouts,
    429, 502, 503 and 504. POST and PATCH are retried only when the request never reached
    the server. The wait grows exponentially with full jitter and honours ``Retry-After``.
    """

    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 60.0

    def after_error(
        self, method: str, error: httpx.TransportError | httpx.DecodingError, attempt: int
    ) -> float | None:
        """Return the wait before retrying after ``error``, or None to give up."""
        if attempt >= self.max_retries:
            return None
        if method.upper() in IDEMPOTENT_METHODS or isinstance(error, _NOT_SENT):
            return self.backoff(attempt)
        return None

    def after_response(self, method: str, response: httpx.Response, attempt: int) -> float | None:
        """Return the wait before retrying after ``response``, or None to accept it."""
        if attempt >= self.max_retries or response.status_code not in RETRY_STATUSES:
            return None
        if method.upper() not in IDEMPOTENT_METHODS:
            return None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None:
            return self.backoff(attempt)
        return retry_after if retry_after <= self.retry_after_max else None

    def backoff(self, attempt: int) -> float:
        """Return the jittered exponential wait before retry number ``attempt + 1``."""
        ceiling = min(self.backoff_max, self.backoff_base * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)


def parse_retry_after(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header (seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
