"""Page planning: which request fetches the next page, and which records a page yields.

Keyset pagination (``id__gt=<last id>`` with ``_order=id``) is used whenever the query is
ordered by id, which is the server's default order for most collections. It yields every
record exactly once even when records are created or deleted between pages.

Other orders (the activity feed, ``order_by("title")`` ...) fall back to ``_offset`` paging,
where records inserted ahead of the cursor shift every later offset; on a busy feed every
request is itself such an insert. So each page after the first starts one record early, at
the last record already read (the anchor), shifted by the drift the recent pages showed, and
asks for a full page past it. Where the anchor turns up measures the drift; the records after
the last one already yielded are new. A record is never yielded twice, and the number of
requests stays about n / page_size however fast the head grows. A page holding nothing read
before may have overshot, so it is fetched again without the predicted drift. A record
inserted ahead of the cursor is not yielded, and a deletion ahead of it between pages can
make a record be skipped.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing as _closing
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

import httpx

from ._base_client import Flow
from ._concurrency import Concurrency
from ._query_state import QueryState
from .errors import KeystoneError
from .models import KeystoneModel, Page

__all__ = [
    "Listing",
    "ListingCancelled",
    "PageRequest",
    "Pager",
    "RecordPage",
    "Slice",
    "page_flows",
]

M = TypeVar("M", bound=KeystoneModel)
T = TypeVar("T")

_LOWER = ("__gt", "__gte")

# How many recent pages the drift estimate looks at: it takes their smallest drift, and none
# until that many pages showed one, since guessing too little costs part of a page and
# guessing too much costs a request (a one-off burst of inserts is not a trend).
_DRIFT_WINDOW = 2


def merge_bound(params: dict[str, str], key: str, value: int) -> None:
    """Add an id bound to ``params``, keeping the stricter one if the user set it too."""
    current = params.get(key)
    if current is not None:
        try:
            mine = int(current)
        except ValueError:
            mine = None
        if mine is not None:
            value = max(value, mine) if key.endswith(_LOWER) else min(value, mine)
    params[key] = str(value)


@dataclass
class Pager(Generic[M]):
    """Plans the page requests of one query and filters what each page yields.

    Call `next_params()` for the next request (None when done) and `feed()` with the page
    that came back; repeat. No I/O happens here.
    """

    state: QueryState
    page_size: int
    keyset: str | None  # "id", "-id", or None for offset paging
    bounds: Mapping[str, int] = field(default_factory=dict)
    fetched: int = 0
    done: bool = False
    cursor: int | None = None
    _seen: set[Any] = field(default_factory=set)
    # Offset paging: where the last page's last record (the anchor) stood when it came back,
    # the drifts recent pages showed, and the drift the pending request assumed.
    _started: bool = False
    _anchor: Any = None
    _anchor_at: int = 0
    _drifts: deque[int] = field(default_factory=lambda: deque(maxlen=_DRIFT_WINDOW))
    _assumed: int = 0
    _offset_asked: int = 0
    _stalled: bool = False

    @classmethod
    def for_query(
        cls, state: QueryState, page_size: int, default_keyset: str | None, numeric_ids: bool
    ) -> Pager[M]:
        """Choose keyset or offset paging for ``state``."""
        if state.order is None:
            keyset = default_keyset
        elif state.order in ("id", "-id") and numeric_ids:
            keyset = state.order
        else:
            keyset = None
        return cls(state=state, page_size=page_size, keyset=keyset)

    def _remaining(self) -> int | None:
        return None if self.state.limit is None else self.state.limit - self.fetched

    def next_params(self) -> dict[str, str] | None:
        """Return the query parameters of the next page, or None when there is none."""
        remaining = self._remaining()
        if self.done or self.state.matches_nothing or (remaining is not None and remaining <= 0):
            self.done = True
            return None
        params = self.state.params()
        size = self.page_size if remaining is None else min(self.page_size, remaining)
        if self.keyset is None and self._started:
            # A full page past the anchor, whatever the slice still needs: a short request
            # would be eaten by the drift and never get past it.
            drifts = self._drifts
            self._assumed = min(drifts) if len(drifts) == drifts.maxlen else 0
            # Records without an id cannot be recognised again, and a server that serves
            # no more than the anchor itself leaves no room: page plainly past them.
            if self._anchor is None or self._stalled:
                self._assumed = 0
                start = self._anchor_at + 1
            else:
                start = self._anchor_at + self._assumed
            self._offset_asked = start
            params["_limit"] = str(self.page_size + 1)
            if self._offset_asked:
                params["_offset"] = str(self._offset_asked)
            return params
        params["_limit"] = str(size)
        if self.keyset is not None:
            params["_order"] = self.keyset
            for key, value in self.bounds.items():
                merge_bound(params, key, value)
            if self.cursor is None:
                if self.state.offset:
                    params["_offset"] = str(self.state.offset)
            else:
                merge_bound(params, "id__gt" if self.keyset == "id" else "id__lt", self.cursor)
        else:
            self._offset_asked = self.state.offset
            if self._offset_asked:
                params["_offset"] = str(self._offset_asked)
        return params

    def has_next(self) -> bool:
        """Whether another page may follow the ones fed so far."""
        remaining = self._remaining()
        return not self.done and (remaining is None or remaining > 0)

    def feed(self, page: Page[M]) -> list[M]:
        """Take the page fetched with `next_params()`; return the records to yield."""
        if self.keyset is None:
            return self._feed_offset(page)
        results = page.results
        if self.cursor is not None and results:
            # A page comes in keyset order, so its first record tells whether the server
            # applied the bound; one that ignores it (it drops filters it does not know)
            # would serve the same page forever.
            ascending = self.keyset == "id"
            first = _id(results[0])
            if (first <= self.cursor) if ascending else (first >= self.cursor):
                bound = "id__gt" if ascending else "id__lt"
                raise KeystoneError(
                    f"the server ignored the paging filter {bound}={self.cursor} and served "
                    "the same records again; order by another field to page by offset"
                )
        # Only the server knows whether more follow: a page shorter than ``_limit`` is not
        # the last one if the server caps the page size below it.
        if not results or page.next is None:
            self.done = True
        if results:
            self.cursor = int(results[-1].id)  # type: ignore[attr-defined]
        self.fetched += len(results)
        return list(results)

    def _feed_offset(self, page: Page[M]) -> list[M]:
        results = page.results
        keys = [getattr(record, "id", None) for record in results]
        if self._started:
            read = [i for i, key in enumerate(keys) if key is not None and key in self._seen]
            if not read and self._assumed:
                # Nothing read before: the assumed drift may have jumped past records. Ask
                # again from where the anchor stood, which it cannot have moved ahead of.
                self._drifts.clear()
                self._drifts.append(0)
                return []
            if self._anchor is not None and self._anchor in keys:
                self._drifts.append(self._offset_asked + keys.index(self._anchor) - self._anchor_at)
            elif read:
                # The anchor lies beyond this page (or was deleted): drift at least this much.
                self._drifts.append(self._offset_asked + read[-1] - self._anchor_at)
            start = read[-1] + 1 if read else 0
            results, keys = results[start:], keys[start:]
        if page.results:
            anchor = getattr(page.results[-1], "id", None)
            self._stalled = self._started and not results and anchor == self._anchor
            self._started = True
            self._anchor = anchor
            self._anchor_at = self._offset_asked + len(page.results) - 1
        # Only the server knows whether more follow: a page shorter than ``_limit`` is not
        # the last one if the server caps the page size below it.
        if not page.results or page.next is None:
            self.done = True
        fresh = []
        for record, key in zip(results, keys, strict=True):
            if key is None or key not in self._seen:
                self._seen.add(key)
                fresh.append(record)
        remaining = self._remaining()
        if remaining is not None:
            fresh = fresh[:remaining]
        self.fetched += len(fresh)
        return fresh


# -- a whole listing, as id-range slices fetched at once ----------------------------------------


class ListingCancelled(Exception):
    """Raised inside a page request whose listing stopped (another page failed)."""


@dataclass(eq=False)
class Slice(Generic[M]):
    """One id range of a listing, paged by keyset; slices of a listing never overlap."""

    pager: Pager[M]
    records: list[M] = field(default_factory=list)
    busy: bool = False
    #: Records after the cursor, as the slice's last page counted them (None: not asked yet).
    remaining: int | None = None
    #: Ids per record in the pages seen, to place a split point among ids with gaps.
    density: float = 1.0

    @property
    def working(self) -> bool:
        """Whether this slice has a page in flight or pages left to fetch."""
        return self.busy or not self.pager.done


@dataclass(eq=False)
class PageRequest(Generic[M]):
    """One page request of a listing: run ``flow``, then hand its page to `Listing.finish`."""

    part: Slice[M]
    params: dict[str, str]
    flow: Flow[Page[M]]
    #: The status of every response the flow received (retries included).
    statuses: list[int] = field(default_factory=list)


class Listing(Generic[M]):
    """Plans every page request of ``list()``: disjoint id-range slices, several at once.

    It starts with the query itself as one slice, fetched page by page. Once a page has
    come back, its ``count`` tells how many records follow the cursor and its ids how
    densely they sit, so an idle slice can be cut in two near its middle (the first part a
    whole number of pages) without asking the server where the range ends. The
    `Concurrency` controller, fed with each page's records, time and status, says how many
    requests may be in flight; the listing splits slices until that many have work, and
    starts their next pages.

    Slices are adjacent and disjoint, and each is paged by keyset, so every record is
    yielded exactly once, in the query's order, even while records are created (the last
    slice is open-ended) or deleted. Queries that cannot be split (offset paging, a slice
    with a stop) are fetched page by page. No I/O happens here: a runner sends each
    `PageRequest.flow` and calls `finish` with its page.
    """

    def __init__(
        self,
        pager: Pager[M],
        fetch: Callable[[dict[str, str]], Flow[Page[M]]],
        concurrency: Concurrency,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.slices: list[Slice[M]] = [Slice(pager)]
        self.concurrency = concurrency
        self._fetch = fetch
        self._clock = clock
        self._splittable = pager.keyset is not None and pager.state.limit is None
        self._last = clock()
        self.cancelled = False

    @property
    def limit(self) -> int:
        """Requests that may be in flight now."""
        return self.concurrency.limit

    def start(self) -> list[PageRequest[M]]:
        """Return the page requests to send now, keeping at most `limit` in flight."""
        limit = self.limit
        # Each cut adds a slice with work, so `limit` cuts are the most there can be: a bound
        # that ends the loop whatever a cut reports.
        for _ in range(limit if self._splittable else 0):
            if sum(s.working for s in self.slices) >= limit or not self._split_one():
                break
        busy = sum(s.busy for s in self.slices)
        started: list[PageRequest[M]] = []
        for part in self.slices:
            if busy >= limit:
                break
            if part.busy or part.pager.done:
                continue
            params = part.pager.next_params()
            if params is None:
                continue
            part.busy = True
            busy += 1
            statuses: list[int] = []
            flow = _watched(self._fetch(params), statuses, self)
            started.append(PageRequest(part, params, flow, statuses))
        return started

    def finish(self, request: PageRequest[M], page: Page[M]) -> None:
        """Take the page ``request`` brought back; tell the controller what it cost."""
        now = self._clock()
        seconds, self._last = now - self._last, now
        part = request.part
        part.busy = False
        part.records.extend(part.pager.feed(page))
        results = page.results
        if part.pager.done:
            part.remaining = 0
        else:
            skipped = int(request.params.get("_offset", 0))
            part.remaining = max(0, page.count - skipped - len(results))
        if self._splittable and len(results) > 1:
            span = abs(_id(results[-1]) - _id(results[0]))
            part.density = max(1.0, span / (len(results) - 1))
        overloaded = [s for s in request.statuses if s in (429, 503)]
        status = overloaded[0] if overloaded else (request.statuses or [200])[-1]
        self.concurrency.observe(len(results), seconds, status)

    def cancel(self) -> None:
        """Stop every page request of this listing before its next step (send, wait)."""
        self.cancelled = True

    @property
    def done(self) -> bool:
        """Whether every slice has been fetched to its end."""
        return not any(s.working for s in self.slices)

    def records(self) -> list[M]:
        """Every record listed, in the query's order."""
        return [record for part in self.slices for record in part.records]

    def _split_one(self) -> bool:
        """Cut the idle slice with the most records left in two; False if none is worth it."""
        page_size = self.slices[0].pager.page_size
        idle = [
            s
            for s in self.slices
            if not s.busy
            and not s.pager.done
            and s.pager.cursor is not None
            and s.remaining is not None
            and s.remaining > page_size
        ]
        if not idle:
            return False
        part = max(idle, key=lambda s: s.remaining or 0)
        pager = part.pager
        assert pager.cursor is not None and part.remaining is not None
        ascending = pager.keyset == "id"
        lower, upper = ("id__gt", "id__lte") if ascending else ("id__lt", "id__gte")
        sign = 1 if ascending else -1
        cursor = pager.cursor
        # Leave the first half a whole number of pages, so that (ids being dense) its last
        # page is full and ends it: splitting then costs no request over plain paging.
        pages = max(1, part.remaining // (2 * page_size))
        reach = pages * page_size * part.density
        if upper in pager.bounds:
            # Never beyond the slice's own end.
            reach = min(reach, abs(pager.bounds[upper] - cursor) / 2)
        step = int(reach)
        if step < 1:
            return False
        middle = cursor + sign * step
        rest = {lower: middle}
        if upper in pager.bounds:
            rest[upper] = pager.bounds[upper]
        pager.bounds = {**pager.bounds, upper: middle}
        other = Pager[M](
            state=replace(pager.state, offset=0, limit=None),
            page_size=pager.page_size,
            keyset=pager.keyset,
            bounds=rest,
        )
        part.remaining = min(part.remaining, pages * page_size)
        self.slices.insert(
            self.slices.index(part) + 1, Slice(other, remaining=None, density=part.density)
        )
        return True


def _id(record: Any) -> int:
    return int(record.id)


def _watched(flow: Flow[T], statuses: list[int], listing: Listing[Any]) -> Flow[T]:
    """Run ``flow``, noting the status of every response it receives.

    Once ``listing`` is cancelled the flow stops before its next step: a thread cannot be
    interrupted in the middle of a request, but it sends nothing more.
    """
    with _closing(flow):
        outcome: Any = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            if listing.cancelled:
                raise ListingCancelled("the listing this page belongs to has stopped")
            outcome = yield step
            if isinstance(outcome, httpx.Response):
                statuses.append(outcome.status_code)


# -- page by page ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordPage(Generic[M]):
    """One page of a query's records, as yielded by ``query.pages()``.

    Attributes:
        records: The records of this page, in the query's order.
        count: How many records the whole query yields (all pages), as the server counted
            them when the first page was fetched.
        number: The page's position, from 1.
        has_next: Whether another page may follow.
    """

    records: list[M]
    count: int
    number: int
    has_next: bool

    def __repr__(self) -> str:
        more = ", more follow" if self.has_next else ""
        return f"<RecordPage {self.number}: {len(self.records)} of {self.count} records{more}>"


def page_flows(
    pager: Pager[M], fetch: Callable[[dict[str, str]], Flow[Page[M]]]
) -> Iterator[Flow[RecordPage[M] | None]]:
    """Yield one flow per page request of ``pager``'s query; each returns its `RecordPage`.

    Run each flow before taking the next: what a page brings decides the next request. A
    flow returns None for a page left with no records (nothing matched, or only records
    already yielded), so callers yield only pages that have records.
    """
    # The first page's count is kept: later keyset pages (``id__gt=...``) count only the
    # records after the cursor.
    first: list[int] = []
    numbered: list[int] = [0]

    def flow(params: dict[str, str]) -> Flow[RecordPage[M] | None]:
        page = yield from fetch(params)
        records = pager.feed(page)
        if not first:
            first.append(_query_count(pager.state, page.count))
        if not records:
            return None
        numbered[0] += 1
        return RecordPage(records, first[0], numbered[0], pager.has_next())

    while (params := pager.next_params()) is not None:
        yield flow(params)


def _query_count(state: QueryState, server_count: int) -> int:
    count = max(0, server_count - state.offset)
    return count if state.limit is None else min(count, state.limit)
