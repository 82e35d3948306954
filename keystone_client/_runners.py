"""What the managers, queries and batches need from a client, as protocols.

They sit below everything that uses them, so nothing imports the user-facing client (which
stands above all it builds). `KeystoneClient` and `AsyncKeystoneClient` satisfy them.
"""

from __future__ import annotations

from typing import Protocol, TypeVar, Unpack

import httpx
from pydantic import TypeAdapter

from ._base_client import Flow, RequestOptions
from ._retry import RetryPolicy

__all__ = ["AsyncRunner", "FlowSource", "SyncRunner"]

T = TypeVar("T")


class FlowSource(Protocol):
    """A client's I/O-free core: the flows every request is built from."""

    _retry: RetryPolicy

    @property
    def page_size(self) -> int: ...

    @property
    def concurrency(self) -> int | None: ...

    def _send_flow(
        self,
        method: str,
        endpoint: str,
        *,
        auto_login: bool = True,
        **options: Unpack[RequestOptions],
    ) -> Flow[httpx.Response]: ...

    def _call_flow(
        self,
        method: str,
        endpoint: str,
        adapter: TypeAdapter[T],
        *,
        auto_login: bool = True,
        **options: Unpack[RequestOptions],
    ) -> Flow[T]: ...


class SyncRunner(FlowSource, Protocol):
    """A client that runs flows with blocking I/O."""

    def _run(self, flow: Flow[T]) -> T: ...


class AsyncRunner(FlowSource, Protocol):
    """A client that runs flows with ``await``, some of them concurrently."""

    async def _run(self, flow: Flow[T]) -> T: ...
