"""Injected failures and the per-user throttle, both decided before the view runs."""

from __future__ import annotations

import fnmatch
import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from ._wire import Result

__all__ = ["ERROR_PAGE", "HTML", "Fault", "Throttle", "server_error_page"]

# Django's page for an unhandled error, as the server sends it (DEBUG off).
ERROR_PAGE = (
    '\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n'
    "<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"
)
HTML = "text/html; charset=utf-8"
_KINDS = ("status", "connect", "timeout")


@dataclass
class Fault:
    """One injected failure: what it matches, what it answers, and how many times left.

    Attributes:
        method: HTTP method matched (``"*"`` for any).
        path: Path matched, relative to the API root, ``*`` as a wildcard (``"research/*"``).
        kind: ``"status"`` (answer ``status``), ``"connect"`` or ``"timeout"`` (raise).
        status: The status answered when ``kind`` is ``"status"``.
        retry_after: Seconds sent as ``Retry-After``, if any.
        html: Answer the server's HTML error page instead of a JSON body.
        times: Requests left to fail; None fails every matching request.
    """

    method: str
    path: str
    kind: str = "status"
    status: int = 503
    retry_after: float | None = None
    html: bool = False
    times: int | None = 1
    hits: int = field(default=0)

    def __post_init__(self) -> None:
        if self.kind not in _KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(_KINDS)}, not {self.kind!r}")
        if self.times is not None and self.times < 1:
            raise ValueError(f"times must be at least 1 (or None for always), not {self.times}")
        if self.kind == "status" and not 400 <= self.status <= 599:
            raise ValueError(f"an injected status must be 4xx or 5xx, not {self.status}")
        self.method = self.method.upper()
        self.path = "/" + self.path.strip("/") + ("/" if self.path.strip("/") else "")

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request (and has uses left)."""
        if self.times is not None and self.hits >= self.times:
            return False
        return self.method in ("*", method) and fnmatch.fnmatchcase(path, self.path)

    def fire(self, request: httpx.Request) -> Result:
        """Use the fault once: raise its transport error or return its answer."""
        self.hits += 1
        if self.kind == "connect":
            raise httpx.ConnectError(
                "Connection refused (injected by FakeKeystone)", request=request
            )
        if self.kind == "timeout":
            raise httpx.ReadTimeout("Read timed out (injected by FakeKeystone)", request=request)
        headers = []
        if self.retry_after is not None:
            headers.append(("Retry-After", _seconds(self.retry_after)))
        if self.html:
            return Result(self.status, text=ERROR_PAGE, headers=headers, content_type=HTML)
        return Result(self.status, _fault_body(self.status, self.retry_after), headers=headers)


def server_error_page() -> Result:
    """The server's answer when its view fails unhandled: 500 with Django's HTML page."""
    return Result(500, text=ERROR_PAGE, content_type=HTML)


def _seconds(value: float) -> str:
    return str(math.ceil(value))


def _throttled(wait: float | None) -> dict[str, str]:
    """DRF's throttled message, ``wait`` rounded up to whole seconds (none without a wait)."""
    if not wait:
        return {"detail": "Request was throttled."}
    seconds = _seconds(wait)
    unit = "second" if seconds == "1" else "seconds"
    return {"detail": f"Request was throttled. Expected available in {seconds} {unit}."}


def _fault_body(status: int, retry_after: float | None) -> dict[str, str]:
    if status == 429:
        return _throttled(retry_after)
    if status == 503:
        return {"detail": "Service temporarily unavailable, try again later."}
    return {"detail": "A server error occurred."}


class Throttle:
    """The server's per-user rate: ``rate`` requests per ``per`` seconds (DRF's algorithm).

    Time comes from ``clock`` (seconds), so tests move time on instead of sleeping.
    """

    def __init__(self, rate: int, per: float, clock: Callable[[], float]) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("a throttle needs rate >= 1 and per > 0")
        self.rate = rate
        self.per = per
        self.clock = clock
        self._history: dict[str, deque[float]] = {}

    def check(self, who: str) -> Result | None:
        """Record a request by ``who``; return the 429 answer when over the rate."""
        now = self.clock()
        history = self._history.setdefault(who, deque())
        while history and history[-1] <= now - self.per:
            history.pop()
        if len(history) >= self.rate:
            # Positive: the oldest request in the window is younger than ``per``.
            wait = self.per - (now - history[-1])
            return Result(429, _throttled(wait), headers=[("Retry-After", _seconds(wait))])
        history.appendleft(now)
        return None
