"""An httpx transport that serves both the sync and the async client from a fake."""

from __future__ import annotations

from typing import Protocol

import httpx

__all__ = ["FakeTransport"]


class _Server(Protocol):
    """What the transport needs of `FakeKeystone` (named here so the two import one way)."""

    def handle(self, request: httpx.Request) -> tuple[int, list[tuple[str, str]], bytes]: ...


class FakeTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Hands every request to a `FakeKeystone`; usable by ``httpx.Client`` and ``AsyncClient``."""

    def __init__(self, fake: _Server) -> None:
        self.fake = fake

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve a request of a sync client."""
        request.read()
        return self._response(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve a request of an async client."""
        await request.aread()
        return self._response(request)

    def _response(self, request: httpx.Request) -> httpx.Response:
        status, headers, body = self.fake.handle(request)
        return httpx.Response(status, headers=headers, content=body, request=request)
