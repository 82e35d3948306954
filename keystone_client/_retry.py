"""When to retry a request and how long to wait: the whole policy, without I/O."""

from __future__ import annotations

import email.utils
import random
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = ["DEFAULT_THROTTLE_WAIT", "RetryPolicy", "throttle_charge"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})
THROTTLED = 429
DEFAULT_THROTTLE_WAIT = 120.0
# Errors raised before a single byte of the request left this machine: safe to repeat anything.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# What each throttle wait counts against ``throttle_wait`` at least, so a server that keeps
# answering ``Retry-After: 0`` cannot hold a call forever.
_MIN_THROTTLE_CHARGE = 1.0
# How the server's throttle states its wait in the body, the only place a batch step has it.
_AVAILABLE_IN = re.compile(r"available in (\d+(?:\.\d+)?) seconds?")


@dataclass(frozen=True)
class RetryPolicy:
    """Retry decisions for one client.

    Failures: idempotent requests (GET, PUT, DELETE) are retried up to ``max_retries`` times
    on transport errors, timeouts, 502, 503 and 504; POST and PATCH only when the request
    never reached the server. The wait grows exponentially with full jitter and honours
    ``Retry-After``.

    Throttling: a 429 means the server refused the request before doing anything, so every
    method is retried after ``Retry-After`` (or the backoff), for as long as the throttle
    waits of one call add up to at most ``throttle_wait`` seconds. They do not count
    against ``max_retries``.
    """

    max_retries: int = 2
    throttle_wait: float = DEFAULT_THROTTLE_WAIT
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
        """Return the wait before retrying after a failed ``response``, or None to accept it.

        A 429 is not decided here: see `after_throttle`.
        """
        if attempt >= self.max_retries or response.status_code not in RETRY_STATUSES:
            return None
        if method.upper() not in IDEMPOTENT_METHODS:
            return None
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if retry_after is None:
            return self.backoff(attempt)
        return retry_after if retry_after <= self.retry_after_max else None

    def after_throttle(
        self, response: httpx.Response, waited: float, throttles: int
    ) -> float | None:
        """Return the wait before retrying a throttled (429) ``response``, or None to give up.

        Args:
            response: The server's answer; anything but a 429 returns None.
            waited: Seconds this call has already been charged for earlier throttle waits.
            throttles: How many times this call was throttled before (sizes the backoff
                when the server sends no ``Retry-After``).
        """
        if response.status_code != THROTTLED:
            return None
        return self._throttle_wait(
            parse_retry_after(response.headers.get("Retry-After")), waited, throttles
        )

    def after_step_throttle(self, step_body: Any, waited: float, throttles: int) -> float | None:
        """Return the wait before sending again a batch whose step was throttled, or None.

        The server rolled the whole batch back, so it may be sent again. ``step_body`` is the
        throttled step's answer; its ``detail`` states the wait (a step has no headers).
        """
        detail = step_body.get("detail") if isinstance(step_body, dict) else None
        found = _AVAILABLE_IN.search(detail) if isinstance(detail, str) else None
        return self._throttle_wait(float(found[1]) if found else None, waited, throttles)

    def _throttle_wait(self, wait: float | None, waited: float, throttles: int) -> float | None:
        if self.throttle_wait <= 0:
            return None
        if wait is None:
            wait = self.backoff(throttles)
        if waited + throttle_charge(wait) > self.throttle_wait:
            return None
        return wait

    def backoff(self, attempt: int) -> float:
        """Return the jittered exponential wait before retry number ``attempt + 1``."""
        ceiling = min(self.backoff_max, self.backoff_base * 2**attempt)
        return random.uniform(ceiling / 2, ceiling)


def throttle_charge(wait: float) -> float:
    """Return what a throttle wait of ``wait`` seconds counts against ``throttle_wait``."""
    return max(wait, _MIN_THROTTLE_CHARGE)


def parse_retry_after(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header (seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        # "nan" and "inf" parse as floats but are no wait a server means.
        return max(0.0, seconds) if seconds < float("inf") else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
