"""An in-memory stand-in for one Keystone list endpoint, and transports that serve it.

`PageServer` answers ``GET <path>?...`` like the Django REST Framework server does for the
parameters the client sends when paging: ``_limit``, ``_offset``, ``_order`` (``id`` or
``-id``) and the id bounds ``id__gt``, ``id__gte``, ``id__lt``, ``id__lte``. The body is the
DRF page envelope, ``{"count", "next", "previous", "results"}``, as compact JSON bytes.

Transports:

* `mock_transport` wraps the server in an ``httpx.MockTransport`` (no latency).
* `LatencyTransport` (sync, ``time.sleep``) and `AsyncLatencyTransport` (``asyncio.sleep``)
  wait ``fixed`` seconds, build the page, then wait ``per_record * <records in it>``
  seconds before answering: a *model* of the network round trip and of the server's
  render time. Sleeping, not working, so concurrent requests overlap as on a real server
  with several workers.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

import httpx
from _synthetic import record_bytes

__all__ = [
    "BASE_URL",
    "PATH",
    "AsyncLatencyTransport",
    "LatencyTransport",
    "PageServer",
    "default_page_size",
    "isolated_settings",
    "mock_transport",
]

BASE_URL = "http://keystone.bench/"
PATH = "/allocations/requests/"
_BOUNDS = ("id__gt", "id__gte", "id__lt", "id__lte")


class PageServer:
    """Serves pages of pre-serialized records, sorted by id.

    Attributes:
        requests: Page requests answered since the last `reset_counters`.
        records_served: Records sent in those responses.
        render_seconds: CPU time spent building those responses (in this process).
    """

    def __init__(
        self,
        records: Iterable[dict[str, Any]],
        *,
        path: str = PATH,
        cache: bool = False,
        max_limit: int = 1000,
    ) -> None:
        pairs = sorted((record["id"], record_bytes(record)) for record in records)
        self.ids = [rid for rid, _ in pairs]
        self.blobs = [blob for _, blob in pairs]
        self.path = path
        self.max_limit = max_limit
        self._cache: dict[str, tuple[bytes, int]] | None = {} if cache else None
        self.reset_counters()

    def reset_counters(self) -> None:
        """Zero the request, record and render-time counters."""
        self.requests = 0
        self.records_served = 0
        self.render_seconds = 0.0

    @property
    def mean_record_bytes(self) -> float:
        """Mean size of one serialized record."""
        return sum(map(len, self.blobs)) / max(1, len(self.blobs))

    def page_bytes(self, limit: int, order: str = "id") -> bytes:
        """The body of the first page of ``limit`` records, as the server would send it."""
        body, _ = self._render(
            httpx.URL(BASE_URL.rstrip("/") + self.path),
            {
                "_limit": str(limit),
                "_order": order,
            },
        )
        return body

    def render(self, request: httpx.Request) -> tuple[httpx.Response, int]:
        """Answer ``request``; return the response and how many records it holds."""
        started = time.perf_counter()
        if request.method != "GET" or request.url.path != self.path:
            return _json_response(404, b'{"detail":"Not found."}'), 0
        key = str(request.url)
        cached = self._cache.get(key) if self._cache is not None else None
        if cached is None:
            try:
                cached = self._render(request.url, dict(request.url.params))
            except ValueError as exc:
                body = b'{"detail":"' + str(exc).encode() + b'"}'
                return _json_response(400, body), 0
            if self._cache is not None:
                self._cache[key] = cached
        body, count = cached
        self.requests += 1
        self.records_served += count
        self.render_seconds += time.perf_counter() - started
        return _json_response(200, body), count

    def handle(self, request: httpx.Request) -> httpx.Response:
        """A ``httpx.MockTransport`` handler."""
        return self.render(request)[0]

    def _render(self, url: httpx.URL, params: dict[str, str]) -> tuple[bytes, int]:
        order = params.get("_order", "id")
        if order not in ("id", "-id"):
            raise ValueError(f"this stand-in server only orders by id, not {order!r}")
        limit = min(max(1, int(params.get("_limit", "100"))), self.max_limit)
        offset = max(0, int(params.get("_offset", "0")))
        lo, hi = 0, len(self.ids)
        for name in _BOUNDS:
            if name in params:
                bound = int(params[name])
                if name == "id__gt":
                    lo = max(lo, bisect.bisect_right(self.ids, bound))
                elif name == "id__gte":
                    lo = max(lo, bisect.bisect_left(self.ids, bound))
                elif name == "id__lt":
                    hi = min(hi, bisect.bisect_left(self.ids, bound))
                else:
                    hi = min(hi, bisect.bisect_right(self.ids, bound))
        count = max(0, hi - lo)
        if order == "id":
            start = lo + offset
            chosen = self.blobs[start : min(hi, start + limit)] if start < hi else []
        else:
            stop = hi - offset
            chosen = self.blobs[max(lo, stop - limit) : stop][::-1] if stop > lo else []
        nxt = _link(url, params, offset + limit) if offset + limit < count else b"null"
        prev = _link(url, params, max(0, offset - limit)) if offset > 0 else b"null"
        head = b'{"count":%d,"next":%s,"previous":%s,"results":[' % (count, nxt, prev)
        return head + b",".join(chosen) + b"]}", len(chosen)


def _link(url: httpx.URL, params: dict[str, str], offset: int) -> bytes:
    query = dict(params)
    query["_offset"] = str(offset)
    target = str(url.copy_with(query=urlencode(sorted(query.items())).encode()))
    return b'"' + target.encode() + b'"'


def _json_response(status: int, body: bytes) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"Content-Type": "application/json"})


def mock_transport(server: PageServer) -> httpx.MockTransport:
    """An ``httpx.MockTransport`` serving ``server`` (usable by sync and async clients)."""
    return httpx.MockTransport(server.handle)


class _Latency:
    def __init__(self, server: PageServer, fixed: float, per_record: float) -> None:
        self.server = server
        self.fixed = fixed
        self.per_record = per_record
        self.slept = 0.0


class LatencyTransport(_Latency, httpx.BaseTransport):
    """Sync transport: blocks ``fixed + per_record * n`` seconds in all, then answers."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve ``request`` after the modelled delay."""
        time.sleep(self.fixed)
        response, records = self.server.render(request)
        time.sleep(self.per_record * records)
        self.slept += self.fixed + self.per_record * records
        return response


class AsyncLatencyTransport(_Latency, httpx.AsyncBaseTransport):
    """Async transport: ``await asyncio.sleep(...)`` for the modelled time, then answers."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve ``request`` after the modelled delay, letting other requests proceed."""
        await asyncio.sleep(self.fixed)
        response, records = self.server.render(request)
        await asyncio.sleep(self.per_record * records)
        self.slept += self.fixed + self.per_record * records
        return response


def default_page_size() -> int:
    """The library's default page size (``KEYSTONE_PAGE_SIZE`` unset)."""
    from keystone_client import KeystoneSettings

    return int(KeystoneSettings.model_fields["page_size"].default)


def isolated_settings(page_size: int | None = None) -> Any:
    """Client settings for the stand-in server that ignore ``KEYSTONE_*`` and ``.env``.

    Credentials set in the environment would make the client log in first; the benchmark
    measures anonymous paging only.
    """
    from keystone_client import KeystoneSettings

    return KeystoneSettings(
        env_file=None,
        url=BASE_URL,
        username=None,
        password=None,
        token=None,
        page_size=page_size or default_page_size(),
    )
