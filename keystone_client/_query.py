"""Lazy, immutable queries over one collection: `Query` (sync) and `AsyncQuery`."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import AsyncIterator, Awaitable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar, overload

from pydantic import BaseModel, TypeAdapter

from ._base_client import Flow
from ._concurrency import Concurrency
from ._filters import compile_filters, compile_ordering
from ._pagination import Listing, Pager, PageRequest, RecordPage, page_flows
from ._query_state import QueryState
from ._runners import AsyncRunner, FlowSource, SyncRunner
from .errors import FilterError
from .models import KeystoneModel, Page, Record

if TYPE_CHECKING:
    from ._resource_spec import ResourceSpec

__all__ = ["AsyncQuery", "Query"]

M = TypeVar("M", bound=KeystoneModel)


class _Count(BaseModel):
    count: int


_COUNT = TypeAdapter(_Count)


class QueryCore(Generic[M]):
    """What `Query` and `AsyncQuery` share: building the query and its page flows."""

    _client: FlowSource

    def __init__(self, client: FlowSource, spec: ResourceSpec[M], state: QueryState | None = None):
        self._client = client
        self._spec = spec
        self._state = state or QueryState()

    def _clone(self, state: QueryState) -> Self:
        return type(self)(self._client, self._spec, state)

    def _narrowed(self, state: QueryState) -> Self:
        if self._state.offset or self._state.limit is not None:
            # As in Django: after a slice, "filter then slice" and "slice then filter" differ.
            raise TypeError("Cannot filter, order or search a query once a slice has been taken")
        return self._clone(state)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._spec.name} {self._state.params()}>"

    def __bool__(self) -> bool:
        # A lazy query is always an object; "if query:" would be true even when nothing
        # matches. Make the question explicit.
        raise TypeError("The truth value of a query is ambiguous: use query.exists()")

    def filter(self, **filters: Any) -> Self:
        """Return a query narrowed by ``field__lookup=value`` filters (all must match).

        Raises:
            FilterError: A field or lookup the resource does not offer, or a parameter this
                query already filters with another value; nothing is sent.
        """
        params = compile_filters(self._spec.name, self._spec.filters, self._spec.aliases, filters)
        if params is None:
            return self._narrowed(replace(self._state, matches_nothing=True))
        merged = dict(self._state.filters)
        for key, value in params.items():
            # The server takes one value per parameter: replacing it would widen the query.
            if merged.get(key, value) != value:
                raise FilterError(
                    f"This {self._spec.name} query already filters {key}={merged[key]}; "
                    f"it cannot also match {key}={value}"
                )
        merged.update(params)
        return self._narrowed(replace(self._state, filters=tuple(merged.items())))

    def order_by(self, *fields: str) -> Self:
        """Return a query ordered by ``fields`` (``"-field"`` for descending)."""
        order = compile_ordering(
            self._spec.name, self._spec.order_fields, self._spec.aliases, fields
        )
        return self._narrowed(replace(self._state, order=order or None))

    def search(self, text: str) -> Self:
        """Return a query restricted to records matching the server's full-text ``text``."""
        return self._narrowed(replace(self._state, search=text))

    def _sliced(self, key: slice) -> Self:
        if key.step not in (None, 1):
            raise ValueError("Query slices do not support a step")
        start, stop = key.start or 0, key.stop
        if start < 0 or (stop is not None and stop < 0):
            raise ValueError("Query slices do not support negative indexes")
        return self._clone(self._state.sliced(start, stop))

    def _index_state(self, index: int) -> QueryState:
        if index < 0:
            raise ValueError("Query indexes must not be negative")
        return self._state.sliced(index, index + 1)

    # -- flows (no I/O) ------------------------------------------------------------------------

    def _pager(self, state: QueryState | None = None) -> Pager[M]:
        return Pager.for_query(
            state or self._state,
            self._client.page_size,
            self._spec.keyset_order,
            issubclass(self._spec.model, Record),
        )

    def _raw_page_flow(self, params: dict[str, str]) -> Flow[Page[M]]:
        return (
            yield from self._client._call_flow(
                "GET", self._spec.endpoint, self._spec.page_adapter, params=params
            )
        )

    def _page_flow(self, pager: Pager[M], params: dict[str, str]) -> Flow[list[M]]:
        page = yield from self._raw_page_flow(params)
        return pager.feed(page)

    def _listing(self) -> Listing[M]:
        return Listing(self._pager(), self._raw_page_flow, Concurrency(self._client.concurrency))

    def _page_flows(self) -> Iterator[Flow[RecordPage[M] | None]]:
        return page_flows(self._pager(), self._raw_page_flow)

    def _count_flow(self) -> Flow[int]:
        # Nothing can match, or the slice is empty: the answer is known without asking.
        if self._state.matches_nothing or self._state.limit == 0:
            return 0
        params = self._state.params()
        params["_limit"] = "1"
        result = yield from self._client._call_flow(
            "GET", self._spec.endpoint, _COUNT, params=params
        )
        count = max(0, result.count - self._state.offset)
        return count if self._state.limit is None else min(count, self._state.limit)

    def _one_flow(self, state: QueryState) -> Flow[M | None]:
        pager = self._pager(state)
        params = pager.next_params()
        if params is None:
            return None
        records = yield from self._page_flow(pager, params)
        return records[0] if records else None


class Query(QueryCore[M]):
    """A lazy query: nothing is sent until it is iterated, listed, counted or indexed."""

    _client: SyncRunner

    def __iter__(self) -> Iterator[M]:
        """Yield every matching record, fetching one page at a time."""
        pager = self._pager()
        while (params := pager.next_params()) is not None:
            yield from self._client._run(self._page_flow(pager, params))

    def list(self) -> list[M]:
        """Return every matching record, in order, fetching pages concurrently.

        An id-ordered query is fetched as disjoint id-range slices on a pool of threads,
        with as many requests in flight as ``client.concurrency`` allows (None: as many as
        raise throughput). Every thread has stopped when this returns or raises.
        """
        listing = self._listing()
        with ThreadPoolExecutor(listing.concurrency.ceiling, "keystone-list") as pool:
            futures: dict[Future[Page[M]], PageRequest[M]] = {}
            try:
                while True:
                    for request in listing.start():
                        # Each page runs in the caller's context (logging, tracing).
                        run = contextvars.copy_context().run
                        futures[pool.submit(run, self._client._run, request.flow)] = request
                    if not futures:
                        return listing.records()
                    done, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for future in done:
                        listing.finish(futures.pop(future), future.result())
            finally:
                # Pages not yet started never start; those running stop before their next
                # step, and leaving the pool waits for them.
                listing.cancel()
                for future in futures:
                    future.cancel()

    def pages(self) -> Iterator[RecordPage[M]]:
        """Yield the matching records page by page, each with the query's total ``count``.

        One page is in memory at a time; every page yielded has records.
        """
        for flow in self._page_flows():
            if page := self._client._run(flow):
                yield page

    def count(self) -> int:
        """Return the number of matching records (one small request)."""
        return self._client._run(self._count_flow())

    def first(self) -> M | None:
        """Return the first matching record, or None."""
        return self._client._run(self._one_flow(self._index_state(0)))

    def exists(self) -> bool:
        """Return whether any record matches."""
        return self.first() is not None

    @overload
    def __getitem__(self, key: int) -> M: ...
    @overload
    def __getitem__(self, key: slice) -> Query[M]: ...
    def __getitem__(self, key: int | slice) -> M | Query[M]:
        """``query[i]`` fetches one record; ``query[a:b]`` returns a narrower lazy query."""
        if isinstance(key, slice):
            return self._sliced(key)
        record = self._client._run(self._one_flow(self._index_state(key)))
        if record is None:
            raise IndexError(f"{self._spec.name} query index {key} out of range")
        return record


class AsyncQuery(QueryCore[M]):
    """A lazy async query: iterate with ``async for``; await `list()`, `count()`, ``q[i]``."""

    _client: AsyncRunner

    # Not iterable with a plain ``for`` (a TypeError, for the type checker too): Python would
    # otherwise fall back to ``__getitem__`` and loop forever over unawaited coroutines.
    __iter__ = None

    async def __aiter__(self) -> AsyncIterator[M]:
        """Yield every matching record, fetching one page at a time."""
        pager = self._pager()
        while (params := pager.next_params()) is not None:
            for record in await self._client._run(self._page_flow(pager, params)):
                yield record

    async def pages(self) -> AsyncIterator[RecordPage[M]]:
        """Yield the matching records page by page, each with the query's total ``count``.

        Pages are fetched one after another, one in memory at a time; every page yielded
        has records.
        """
        for flow in self._page_flows():
            if page := await self._client._run(flow):
                yield page

    async def list(self) -> list[M]:
        """Return every matching record, in order, fetching pages concurrently.

        An id-ordered query is fetched as disjoint id-range slices, with as many requests
        in flight as ``client.concurrency`` allows (None: as many as raise throughput).
        """
        listing = self._listing()
        tasks: dict[asyncio.Future[Page[M]], PageRequest[M]] = {}
        try:
            while True:
                for request in listing.start():
                    tasks[asyncio.ensure_future(self._client._run(request.flow))] = request
                if not tasks:
                    return listing.records()
                done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    listing.finish(tasks.pop(task), task.result())
        finally:
            # A failed page (or a cancelled list()) stops every other request at once.
            listing.cancel()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def count(self) -> int:
        """Return the number of matching records (one small request)."""
        return await self._client._run(self._count_flow())

    async def first(self) -> M | None:
        """Return the first matching record, or None."""
        return await self._client._run(self._one_flow(self._index_state(0)))

    async def exists(self) -> bool:
        """Return whether any record matches."""
        return await self.first() is not None

    @overload
    def __getitem__(self, key: int) -> Awaitable[M]: ...
    @overload
    def __getitem__(self, key: slice) -> AsyncQuery[M]: ...
    def __getitem__(self, key: int | slice) -> Awaitable[M] | AsyncQuery[M]:
        """``await query[i]`` fetches one record; ``query[a:b]`` returns a narrower query."""
        if isinstance(key, slice):
            return self._sliced(key)
        # Validate now, like the sync query, rather than when the result is awaited.
        return self._get_index(key, self._index_state(key))

    async def _get_index(self, index: int, state: QueryState) -> M:
        record = await self._client._run(self._one_flow(state))
        if record is None:
            raise IndexError(f"{self._spec.name} query index {index} out of range")
        return record
