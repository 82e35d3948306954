"""Pagination against a fake collection: exactly once, page by page, concurrent async list()."""

from __future__ import annotations

import asyncio
import contextvars
import itertools
import threading
import time
from collections.abc import Callable
from operator import itemgetter
from typing import Any

import httpx
import pytest
import respx

from keystone_client import APIError, AsyncKeystoneClient, KeystoneClient, KeystoneError
from keystone_client._pagination import Pager, merge_bound
from keystone_client._query_state import QueryState

from . import factories as f
from .conftest import BASE, PageBudget, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient

Record = dict[str, Any]

_BOUNDS: dict[str, Callable[[Any, int], bool]] = {
    "id__gt": lambda a, b: a > b,
    "id__gte": lambda a, b: a >= b,
    "id__lt": lambda a, b: a < b,
    "id__lte": lambda a, b: a <= b,
}


class FakeCollection:
    """A list endpoint honouring ``_limit``, ``_offset``, ``_order``, id bounds and equality.

    ``records`` is in the server's default order. ``after(n, collection)`` runs after the
    n-th request is answered, to change the collection between pages. A request past what
    reading the records can need fails (`PageBudget`).
    """

    def __init__(
        self,
        records: list[Record],
        after: Callable[[int, FakeCollection], None] | None = None,
        max_limit: int | None = None,
    ) -> None:
        self.records = records
        self.after = after
        self.max_limit = max_limit
        self.requests: list[dict[str, str]] = []
        self.budget = PageBudget(len(records))

    def served(self, params: dict[str, str]) -> int:
        """How many records a page asked with ``params`` holds at most."""
        limit = int(params.get("_limit", 100))
        return limit if self.max_limit is None else min(limit, self.max_limit)

    def select(self, params: dict[str, str]) -> tuple[list[Record], int]:
        found = list(self.records)
        for key, value in params.items():
            if key in _BOUNDS:
                found = [r for r in found if _BOUNDS[key](r["id"], int(value))]
            elif key == "id__in":
                wanted = value.split(",")
                found = [r for r in found if str(r["id"]) in wanted]
            elif not key.startswith("_"):
                found = [r for r in found if str(r.get(key)) == value]
        for field in reversed(params.get("_order", "").split(",")):
            if field:
                found.sort(key=itemgetter(field.lstrip("-")), reverse=field.startswith("-"))
        offset = int(params.get("_offset", 0))
        return found[offset : offset + self.served(params)], len(found)

    def respond(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.requests.append(params)
        self.budget.spend(len(self.requests), self.served(params))
        results, count = self.select(params)
        offset = int(params.get("_offset", 0))
        more = offset + len(results) < count
        body = f.page(results, count=count, next=f"{request.url}&more" if more else None)
        response = httpx.Response(200, json=body)
        if self.after is not None:
            self.after(len(self.requests), self)
        return response

    def __call__(self, request: httpx.Request) -> httpx.Response:
        return self.respond(request)

    def delete(self, *ids: Any) -> None:
        self.records = [r for r in self.records if r["id"] not in ids]


def grants(ids: Any) -> list[Record]:
    return [f.grant(i, title=f"Grant {i:04d}") for i in ids]


def ids_of(records: list[Any]) -> list[Any]:
    return [r.id for r in records]


def drain(run: Runner, query: Any) -> tuple[list[Any], BaseException | None]:
    """Iterate ``query``, returning what was yielded and the error that stopped it."""
    got: list[Any] = []
    if run.is_async:

        async def go() -> BaseException | None:
            try:
                async for item in query:
                    got.append(item)
            except Exception as exc:
                return exc
            return None

        return got, run(go())
    try:
        for item in query:
            got.append(item)
    except Exception as exc:
        return got, exc
    return got, None


# -- keyset: exactly once ------------------------------------------------------------------


@pytest.mark.parametrize("how", ["iterate", "list"])
def test_keyset_yields_each_record_once_despite_inserts_and_deletes(
    make_client: Any, run: Runner, api: respx.MockRouter, how: str
) -> None:
    def churn(n: int, collection: FakeCollection) -> None:
        if n == 1:
            # Deleting yielded records shifts offsets; inserting adds at the end.
            collection.delete(1, 2, 3, 9)
            collection.records.extend(grants([21, 22]))
        if n == 2:
            collection.delete(18)

    fake = FakeCollection(grants(range(1, 21)), after=churn)
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=5)
    q = client.resources.grants.all()
    records = run.all(q) if how == "iterate" else run(q.list())
    # Records deleted after being yielded stay yielded; those deleted before are not; new
    # ones are found; nothing is skipped or repeated although the offsets all shifted.
    assert ids_of(records) == [*range(1, 9), *range(10, 18), *range(19, 23)]


def test_keyset_sequence_of_requests(make_client: Any, run: Runner, api: respx.MockRouter) -> None:
    fake = FakeCollection(grants(range(1, 13)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=5)
    assert ids_of(run.all(client.resources.grants.filter(agency="NSF"))) == list(range(1, 13))
    assert fake.requests == [
        {"agency": "NSF", "_limit": "5", "_order": "id"},
        {"agency": "NSF", "_limit": "5", "_order": "id", "id__gt": "5"},
        {"agency": "NSF", "_limit": "5", "_order": "id", "id__gt": "10"},
    ]


def test_full_last_page_without_next_ends_paging(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 11)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=5)
    assert ids_of(run.all(client.resources.grants.all())) == list(range(1, 11))
    # The second page is full but its ``next`` is null: no third request.
    assert len(fake.requests) == 2


KEYSET_RESOURCES = {
    "users": ("users/users/", f.user),
    "teams": ("users/teams/", f.team),
    "memberships": ("users/memberships/", f.membership),
    "clusters": ("allocations/clusters/", f.cluster),
    "allocations": ("allocations/allocations/", f.allocation),
    "allocation_requests": ("allocations/requests/", f.allocation_request),
    "allocation_reviews": ("allocations/reviews/", f.allocation_review),
    "comments": ("allocations/comments/", f.comment),
    "attachments": ("allocations/attachments/", f.attachment),
    "grants": ("research/grants/", f.grant),
    "publications": ("research/publications/", f.publication),
    "notifications": ("notifications/notifications/", f.notification),
    "preferences": ("notifications/preferences/", f.preference),
    "request_logs": ("logs/requests/", f.request_log),
}


@pytest.mark.parametrize("name", sorted(KEYSET_RESOURCES))
def test_default_keyset_order_by_id(
    make_client: Any, run: Runner, api: respx.MockRouter, name: str
) -> None:
    endpoint, builder = KEYSET_RESOURCES[name]
    fake = FakeCollection([builder(i) for i in range(1, 6)])
    api.get(f"{BASE}{endpoint}").mock(side_effect=fake)
    client = make_client(page_size=3)
    assert ids_of(run.all(getattr(client.resources, name).all())) == [1, 2, 3, 4, 5]
    assert fake.requests == [
        {"_limit": "3", "_order": "id"},
        {"_limit": "3", "_order": "id", "id__gt": "3"},
    ]


def test_audit_logs_page_by_descending_keyset(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    def churn(n: int, collection: FakeCollection) -> None:
        if n == 1:
            # New entries arrive at the top: they must not shift later pages.
            collection.records.insert(0, f.audit_log(11))
            collection.delete(10, 5)

    records = [f.audit_log(i) for i in range(10, 0, -1)]
    fake = FakeCollection(records, after=churn)
    api.get(f"{BASE}logs/audit/").mock(side_effect=fake)
    client = make_client(page_size=4)
    got = ids_of(run.all(client.resources.audit_logs.all()))
    assert got == [10, 9, 8, 7, 6, 4, 3, 2, 1]
    assert fake.requests == [
        {"_limit": "4", "_order": "-id"},
        {"_limit": "4", "_order": "-id", "id__lt": "7"},
        {"_limit": "4", "_order": "-id", "id__lt": "2"},
    ]


def test_order_by_id_descending_uses_keyset(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 8)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=3)
    got = ids_of(run.all(client.resources.grants.order_by("-id")))
    assert got == [7, 6, 5, 4, 3, 2, 1]
    assert fake.requests[1] == {"_limit": "3", "_order": "-id", "id__lt": "5"}


# -- offset paging: feed, task logs, custom orders ---------------------------------------------


def feed(ids: Any) -> list[Record]:
    return [f.feed_entry(f"r{i}") for i in ids]


@pytest.mark.parametrize("how", ["iterate", "list"])
def test_feed_pages_by_offset_and_drops_duplicates(
    make_client: Any, run: Runner, api: respx.MockRouter, how: str
) -> None:
    def churn(n: int, collection: FakeCollection) -> None:
        if n == 1:
            # Two new entries at the top push r15 (the anchor) two places down.
            collection.records[:0] = feed([21, 20])

    fake = FakeCollection(feed(range(19, 0, -1)), after=churn)
    api.get(f"{BASE}logs/feed/").mock(side_effect=fake)
    client = make_client(page_size=5)
    q = client.resources.feed.all()
    got = ids_of(run.all(q) if how == "iterate" else run(q.list()))
    assert got == [f"r{i}" for i in range(19, 0, -1)]
    assert fake.requests == [
        {"_limit": "5"},
        # From the anchor r15 (position 4), a full page past it: r15 is found two down.
        {"_limit": "6", "_offset": "4"},
        # One burst is not a trend: the next page starts at the new anchor, unshifted.
        {"_limit": "6", "_offset": "9"},
        {"_limit": "6", "_offset": "14"},
        {"_limit": "6", "_offset": "19"},
    ]


def test_custom_order_pages_by_offset_and_drops_duplicates(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    def churn(n: int, collection: FakeCollection) -> None:
        if n == 1:
            # A new grant sorts first: the last record of page one is served again.
            collection.records.append(f.grant(50, title="Grant 0000"))

    fake = FakeCollection(grants(range(1, 9)), after=churn)
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=3)
    got = ids_of(run.all(client.resources.grants.order_by("title")))
    assert got == [1, 2, 3, 4, 5, 6, 7, 8]
    assert fake.requests == [
        {"_order": "title", "_limit": "3"},
        {"_order": "title", "_limit": "4", "_offset": "2"},
        {"_order": "title", "_limit": "4", "_offset": "5"},
    ]


@pytest.mark.parametrize("how", ["iterate", "list"])
@pytest.mark.parametrize("per_request", [1, 3, 12])
def test_a_feed_growing_on_every_request_is_read_in_full_pages(
    make_client: Any, run: Runner, api: respx.MockRouter, how: str, per_request: int
) -> None:
    """Each request adds ``per_request`` entries at the head, more than a page for 12."""
    made = itertools.count(1000)

    def grow(n: int, collection: FakeCollection) -> None:
        collection.records[:0] = feed(next(made) for _ in range(per_request))[::-1]

    fake = FakeCollection(feed(range(300, 0, -1)), after=grow)
    api.get(f"{BASE}logs/feed/").mock(side_effect=fake)
    client = make_client(page_size=10)
    q = client.resources.feed.all()
    got = ids_of(run.all(q) if how == "iterate" else run(q.list()))
    assert got == [f"r{i}" for i in range(300, 0, -1)]
    # About n / page_size: a few requests learn the drift, then every page is full.
    assert len(fake.requests) <= 300 // 10 + 4
    assert all(r["_limit"] == "11" for r in fake.requests[1:])


def test_an_overshoot_when_the_feed_stops_growing_is_asked_again(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    """Assumed drift that did not happen: the page holds nothing read before, so records
    may have been jumped over; it is asked again from the anchor and nothing is lost."""
    made = itertools.count(1000)

    def grow_then_stop(n: int, collection: FakeCollection) -> None:
        if n <= 3:
            collection.records[:0] = feed([next(made), next(made)])[::-1]

    fake = FakeCollection(feed(range(40, 0, -1)), after=grow_then_stop)
    api.get(f"{BASE}logs/feed/").mock(side_effect=fake)
    client = make_client(page_size=5)
    got = ids_of(run.all(client.resources.feed.all()))
    assert got == [f"r{i}" for i in range(40, 0, -1)]
    offsets = [int(r.get("_offset", 0)) for r in fake.requests]
    assert offsets[:6] == [0, 4, 9, 16, 23, 21]  # 23 assumed a drift of 2: asked again at 21
    assert len(fake.requests) <= 40 // 5 + 3


@pytest.mark.parametrize("how", ["iterate", "list"])
@pytest.mark.parametrize("sliced", [False, True])
def test_an_order_by_title_with_a_record_inserted_ahead_on_every_request(
    make_client: Any, run: Runner, api: respx.MockRouter, how: str, sliced: bool
) -> None:
    made = itertools.count(1000)

    def grow(n: int, collection: FakeCollection) -> None:
        # Sorts before every existing title: ahead of the cursor, shifting every offset.
        collection.records.append(f.grant(next(made), title=f"A {n:04d}"))

    fake = FakeCollection(grants(range(1, 301)), after=grow)
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10)
    q = client.resources.grants.order_by("title")
    q = q[20:220] if sliced else q
    got = ids_of(run.all(q) if how == "iterate" else run(q.list()))
    assert got == (list(range(21, 221)) if sliced else list(range(1, 301)))
    assert len(fake.requests) <= len(got) // 10 + 4
    assert all(r["_order"] == "title" for r in fake.requests)


@pytest.mark.parametrize("how", ["iterate", "list"])
def test_a_slice_of_a_growing_feed_ends_without_chasing_one_record(
    make_client: Any, run: Runner, api: respx.MockRouter, how: str
) -> None:
    made = itertools.count(1000)

    def grow(n: int, collection: FakeCollection) -> None:
        collection.records.insert(0, feed([next(made)])[0])

    fake = FakeCollection(feed(range(300, 0, -1)), after=grow)
    api.get(f"{BASE}logs/feed/").mock(side_effect=fake)
    client = make_client(page_size=10)
    q = client.resources.feed.all()[5:105]
    got = ids_of(run.all(q) if how == "iterate" else run(q.list()))
    assert got == [f"r{i}" for i in range(295, 195, -1)]
    assert len(fake.requests) <= 100 // 10 + 2
    assert all(r["_limit"] == "11" for r in fake.requests[1:])


def test_offset_paging_absorbs_a_deletion_before_the_anchor(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    def churn(n: int, collection: FakeCollection) -> None:
        if n == 1:
            collection.delete(1)

    fake = FakeCollection(grants(range(1, 7)), after=churn)
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=3)
    got = ids_of(run.all(client.resources.grants.order_by("title")))
    assert got == [1, 2, 3, 4, 5, 6]


def test_offset_paging_can_skip_a_record_after_deletions_between_pages(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    """The documented limit of offset paging: deletions shift the next page forward.

    Keyset paging (every id-ordered query) has no such gap; see the tests above.
    """

    def churn(n: int, collection: FakeCollection) -> None:
        if n == 1:
            collection.delete(1, 2)

    fake = FakeCollection(grants(range(1, 8)), after=churn)
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=3)
    got = ids_of(run.all(client.resources.grants.order_by("title")))
    assert got == [1, 2, 3, 5, 6, 7]


def test_task_logs_page_by_descending_keyset(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    def churn(n: int, collection: FakeCollection) -> None:
        if n == 1:
            collection.records.insert(0, f.task_result(10))
            collection.delete(9)

    fake = FakeCollection([f.task_result(i) for i in (9, 7, 4, 3, 1)], after=churn)
    api.get(f"{BASE}logs/tasks/").mock(side_effect=fake)
    client = make_client(page_size=2)
    assert ids_of(run.all(client.resources.task_logs.all())) == [9, 7, 4, 3, 1]
    assert fake.requests == [
        {"_limit": "2", "_order": "-id"},
        {"_limit": "2", "_order": "-id", "id__lt": "7"},
        {"_limit": "2", "_order": "-id", "id__lt": "3"},
    ]


def test_offset_paging_with_a_slice(make_client: Any, run: Runner, api: respx.MockRouter) -> None:
    fake = FakeCollection(feed(range(30, 0, -1)))
    api.get(f"{BASE}logs/feed/").mock(side_effect=fake)
    client = make_client(page_size=4)
    got = ids_of(run(client.resources.feed.all()[3:9].list()))
    assert got == [f"r{i}" for i in range(27, 21, -1)]
    # Past the first page, pages are full (the anchor r27 and four more) and cut at the end.
    assert fake.requests == [{"_limit": "4", "_offset": "3"}, {"_limit": "5", "_offset": "6"}]


@pytest.mark.parametrize("order", [None, "-id", "title"])
@pytest.mark.parametrize("how", ["iterate", "list"])
def test_a_server_page_cap_below_page_size_loses_nothing(
    make_client: Any, run: Runner, api: respx.MockRouter, how: str, order: str | None
) -> None:
    """A short page that still has a ``next`` link is not the last page."""
    fake = FakeCollection(grants(range(1, 24)), max_limit=4)
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10)
    q = client.resources.grants.all() if order is None else client.resources.grants.order_by(order)
    got = ids_of(run.all(q) if how == "iterate" else run(q.list()))
    expected = list(range(1, 24))
    assert got == (expected[::-1] if order == "-id" else expected)


@pytest.mark.parametrize("how", ["iterate", "list"])
def test_a_server_serving_one_record_a_page_still_ends(
    make_client: Any, run: Runner, api: respx.MockRouter, how: str
) -> None:
    """A page holding only the record asked again (the anchor) must not be asked forever."""
    fake = FakeCollection(grants(range(1, 6)), max_limit=1)
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10)
    q = client.resources.grants.order_by("title")
    got = ids_of(run.all(q) if how == "iterate" else run(q.list()))
    assert got == [1, 2, 3, 4, 5]
    assert len(fake.requests) <= 2 * 5


# -- memory and page size ------------------------------------------------------------------


def test_iteration_fetches_one_page_at_a_time(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 31)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10)
    q = client.resources.grants.all()
    if run.is_async:
        iterator: Any = aiter(q)

        def step() -> Any:
            return run(anext(iterator))
    else:
        iterator = iter(q)

        def step() -> Any:
            return next(iterator)

    assert len(fake.requests) == 0
    first_page = [step() for _ in range(10)]
    assert ids_of(first_page) == list(range(1, 11))
    assert len(fake.requests) == 1
    assert step().id == 11
    assert len(fake.requests) == 2
    if run.is_async:
        run(iterator.aclose())


@pytest.mark.parametrize("page_size", [1, 7, 1000])
def test_page_size_is_the_limit_of_every_request(
    make_client: Any, run: Runner, api: respx.MockRouter, page_size: int
) -> None:
    fake = FakeCollection(grants(range(1, 16)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=page_size)
    assert client.page_size == page_size
    assert ids_of(run.all(client.resources.grants.all())) == list(range(1, 16))
    assert {r["_limit"] for r in fake.requests} == {str(page_size)}
    assert len(fake.requests) == -(-15 // page_size)


def test_default_page_size_is_sent(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    fake = FakeCollection(grants(range(1, 4)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    run.all(client.resources.grants.all())
    assert fake.requests == [{"_limit": str(client.page_size), "_order": "id"}]
    assert 1 <= client.page_size <= 1000


# -- user id bounds and the cursor -----------------------------------------------------------


@pytest.mark.parametrize("how", ["iterate", "list"])
def test_user_id_bounds_combine_with_the_cursor(
    make_client: Any, run: Runner, api: respx.MockRouter, how: str
) -> None:
    fake = FakeCollection(grants(range(1, 41)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=5)
    q = client.resources.grants.filter(id__gt=10, id__lte=27)
    got = ids_of(run.all(q) if how == "iterate" else run(q.list()))
    assert got == list(range(11, 28))
    assert fake.requests[0] == {"id__gt": "10", "id__lte": "27", "_limit": "5", "_order": "id"}
    for params in fake.requests:
        if "id__gt" in params:
            assert int(params["id__gt"]) >= 10
        assert "id__lte" in params
        assert int(params["id__lte"]) <= 27
    if how == "iterate":
        assert [p.get("id__gt") for p in fake.requests] == ["10", "15", "20", "25"]


def test_merge_bound_keeps_the_stricter_bound() -> None:
    params = {"id__gt": "50", "id__lt": "20", "id__lte": "abc"}
    merge_bound(params, "id__gt", 30)
    merge_bound(params, "id__lt", 40)
    merge_bound(params, "id__lte", 7)
    merge_bound(params, "id__gte", 3)
    assert params == {"id__gt": "50", "id__lt": "20", "id__lte": "7", "id__gte": "3"}
    merge_bound(params, "id__gt", 60)
    merge_bound(params, "id__lt", 10)
    assert (params["id__gt"], params["id__lt"]) == ("60", "10")


def test_pager_is_io_free_and_plans_keyset_pages() -> None:
    pager: Pager[Any] = Pager.for_query(QueryState(), 2, "id", True)
    assert pager.next_params() == {"_limit": "2", "_order": "id"}
    assert pager.keyset == "id"
    offset: Pager[Any] = Pager.for_query(QueryState(order="title"), 2, "id", True)
    assert offset.keyset is None
    assert offset.next_params() == {"_order": "title", "_limit": "2"}
    strings: Pager[Any] = Pager.for_query(QueryState(order="id"), 2, None, False)
    assert strings.keyset is None


# -- errors mid-pagination -----------------------------------------------------------------


@pytest.mark.parametrize("how", ["iterate", "list"])
def test_connection_reset_mid_pagination_is_retried(
    make_client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float], how: str
) -> None:
    fake = FakeCollection(grants(range(1, 15)))
    calls = {"n": 0}

    def flaky(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 2:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return fake(request)

    api.get(f"{BASE}research/grants/").mock(side_effect=flaky)
    client = make_client(page_size=4)
    q = client.resources.grants.all()
    got = ids_of(run.all(q) if how == "iterate" else run(q.list()))
    assert got == list(range(1, 15))
    assert len(sleeps) == 1
    # The failed request was sent again unchanged.
    assert calls["n"] == len(fake.requests) + 1


@pytest.mark.parametrize(
    "body",
    [
        b'{"count": 12, "next": null, "previous": null, "results": [{"id": 5, "tit',
        b"<html><body>502 Bad Gateway</body></html>",
        b'{"count": 12, "next": null, "previous": null, "results": [{"id": "five"}]}',
    ],
)
def test_broken_page_raises_api_error_after_the_good_pages(
    make_client: Any, run: Runner, api: respx.MockRouter, body: bytes
) -> None:
    fake = FakeCollection(grants(range(1, 13)))

    def broken_second_page(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) == 1:
            fake.requests.append(dict(request.url.params))
            return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})
        return fake(request)

    api.get(f"{BASE}research/grants/").mock(side_effect=broken_second_page)
    client = make_client(page_size=4)
    got, error = drain(run, client.resources.grants.all())
    assert ids_of(got) == [1, 2, 3, 4]
    assert isinstance(error, APIError)
    assert "Unexpected response" in str(error)
    assert len(fake.requests) == 2


def test_broken_page_fails_list_without_partial_result(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 13)))

    def broken(request: httpx.Request) -> httpx.Response:
        if len(fake.requests) == 1:
            fake.requests.append(dict(request.url.params))
            return httpx.Response(
                200,
                content=b'{"count": 12, "results": [',
                headers={"Content-Type": "application/json"},
            )
        return fake(request)

    api.get(f"{BASE}research/grants/").mock(side_effect=broken)
    client = make_client(page_size=4)
    with pytest.raises(APIError, match="truncated JSON"):
        run(client.resources.grants.list())


# -- list(): concurrent slices, sync (threads) and async (tasks) ------------------------------


def walk(run: Runner, query: Any) -> list[Any]:
    """The records of ``query`` fetched one page after another (plain iteration)."""
    return run.all(query)


def spread_ids() -> list[int]:
    """Ids with gaps and dense clusters, like a real table after deletions."""
    return [*range(1, 60), *range(1000, 1010), *range(5000, 5100), 9999]


class InFlight:
    """Wraps a handler; counts requests being served at once (threads or tasks)."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response], is_async: bool):
        self.handler = handler
        self.is_async = is_async
        self.now = 0
        self.max = 0
        self.lock = threading.Lock()

    def _enter(self) -> None:
        with self.lock:
            self.now += 1
            self.max = max(self.max, self.now)

    def _leave(self) -> None:
        with self.lock:
            self.now -= 1

    def sync(self, request: httpx.Request) -> httpx.Response:
        self._enter()
        try:
            time.sleep(0.005)
            return self.handler(request)
        finally:
            self._leave()

    async def async_(self, request: httpx.Request) -> httpx.Response:
        self._enter()
        try:
            await asyncio.sleep(0.005)
            return self.handler(request)
        finally:
            self._leave()

    @property
    def side_effect(self) -> Any:
        return self.async_ if self.is_async else self.sync


@pytest.mark.parametrize("concurrency", [1, 2, 4, None])
def test_list_equals_sequential_in_the_same_order(
    make_client: Any, run: Runner, api: respx.MockRouter, concurrency: int | None
) -> None:
    fake = FakeCollection(grants(spread_ids()))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=7, concurrency=concurrency)
    q = client.resources.grants.filter(agency="NSF")
    listed = run(q.list())
    sliced = [r for r in fake.requests if "id__lte" in r]
    assert bool(sliced) is (concurrency != 1)
    assert all(r["agency"] == "NSF" for r in fake.requests)
    assert all(r["_order"] == "id" and r["_limit"] == "7" for r in fake.requests)
    walked = walk(run, q)
    tail = run(q[5:].list())
    assert ids_of(listed) == ids_of(walked) == spread_ids()
    assert all(type(a) is type(b) and a == b for a, b in zip(listed, walked, strict=True))
    assert ids_of(tail) == spread_ids()[5:]


def test_list_sends_no_extra_request_before_the_first_page(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    """Adaptive listing starts as plain keyset paging: the first request is the first page."""
    fake = FakeCollection(grants(range(1, 31)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10)
    assert ids_of(run(client.resources.grants.list())) == list(range(1, 31))
    assert fake.requests[0] == {"_limit": "10", "_order": "id"}
    assert all(r["_order"] == "id" and r["_limit"] == "10" for r in fake.requests)
    # Every request fetches records: none asks where the id range ends.
    assert all(fake.select(r)[0] for r in fake.requests)


def test_list_of_audit_logs_descending(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    ids = sorted(spread_ids(), reverse=True)
    fake = FakeCollection([f.audit_log(i) for i in ids])
    api.get(f"{BASE}logs/audit/").mock(side_effect=fake)
    client = make_client(page_size=6, concurrency=3)
    listed = run(client.resources.audit_logs.list())
    walked = walk(run, client.resources.audit_logs.all())
    assert ids_of(listed) == ids_of(walked) == ids
    slice_requests = [r for r in fake.requests if "id__gte" in r]
    assert slice_requests, "the rest of the range should be split into slices"
    assert all(r["_order"] == "-id" for r in fake.requests)


@pytest.mark.parametrize("order", ["id", "-id"])
def test_list_keeps_the_users_own_id_bounds(
    make_client: Any, run: Runner, api: respx.MockRouter, order: str
) -> None:
    fake = FakeCollection(grants(range(1, 301)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10, concurrency=4)
    q = client.resources.grants.filter(id__gt=40, id__lte=250).order_by(order)
    listed = run(q.list())
    expected = list(range(41, 251))
    assert ids_of(listed) == (expected if order == "id" else expected[::-1])
    assert any("id__lte" in r and r["id__lte"] != "250" for r in fake.requests) or any(
        "id__gte" in r for r in fake.requests
    ), "the range should have been split"
    # Every request stays inside the user's bounds.
    assert all(int(r["id__lte"]) <= 250 for r in fake.requests)
    assert all(int(r.get("id__gt", 40)) >= 40 for r in fake.requests)


def test_list_is_concurrent_within_the_limit(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 401)))
    counter = InFlight(fake, run.is_async)
    api.get(f"{BASE}research/grants/").mock(side_effect=counter.side_effect)
    client = make_client(page_size=10, concurrency=3)
    listed = run(client.resources.grants.list())
    assert 1 < counter.max <= 3
    counter.max = 0
    walked = walk(run, client.resources.grants.all())
    assert counter.max == 1
    assert ids_of(listed) == ids_of(walked) == list(range(1, 401))


def test_list_with_concurrency_one_pages_sequentially(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 101)))
    counter = InFlight(fake, run.is_async)
    api.get(f"{BASE}research/grants/").mock(side_effect=counter.side_effect)
    client = make_client(page_size=10, concurrency=1)
    assert ids_of(run(client.resources.grants.list())) == list(range(1, 101))
    assert counter.max == 1
    assert [r.get("id__gt") for r in fake.requests] == [None, *map(str, range(10, 100, 10))]


@pytest.mark.parametrize("concurrency", [None, 2, 4, 8])
def test_list_is_exactly_once_despite_inserts_and_deletes(
    make_client: Any, run: Runner, api: respx.MockRouter, concurrency: int | None
) -> None:
    lock = threading.Lock()

    def churn(n: int, collection: FakeCollection) -> None:
        with lock:
            if n == 1:
                # Deleting records shifts offsets; inserting adds at the end.
                collection.delete(*range(2, 200, 3))
                collection.records.extend(grants(range(301, 306)))
            if n == 3:
                collection.delete(250, 251)
                collection.records.extend(grants(range(306, 309)))

    fake = FakeCollection(grants(range(1, 301)), after=churn)
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10, concurrency=concurrency)
    got = ids_of(run(client.resources.grants.list()))
    assert len(got) == len(set(got))  # nothing twice
    assert got == sorted(got)  # in order
    first_page = list(range(1, 11))
    # Everything that existed throughout is there; records deleted or created meanwhile
    # may or may not be, depending on whether their page came before or after the change.
    kept = [i for i in range(11, 301) if not (i < 200 and i % 3 == 2) and i not in (250, 251)]
    assert set(first_page + kept) <= set(got) <= set(range(1, 309))
    # Records created before the slices start are found by the open-ended last slice; those
    # created later are found or not, depending on which thread reaches the end first.
    assert set(range(301, 306)) <= set(got)
    assert any("id__lte" in r for r in fake.requests)


def test_list_of_a_slice_and_of_offset_pages_is_sequential(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 51)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=5, concurrency=4)
    assert ids_of(run(client.resources.grants.all()[3:20].list())) == list(range(4, 21))
    assert all("id__lte" not in r for r in fake.requests)
    fake.requests.clear()
    got = run(client.resources.grants.order_by("-title").list())
    assert ids_of(got) == list(range(50, 0, -1))
    assert all(r["_order"] == "-title" for r in fake.requests)


def test_list_retries_a_reset_slice(
    make_client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    fake = FakeCollection(grants(range(1, 101)))
    failed: list[dict[str, str]] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        if "id__lte" in params and not failed:
            failed.append(params)
            raise httpx.RemoteProtocolError("Connection reset by peer")
        return fake(request)

    api.get(f"{BASE}research/grants/").mock(side_effect=flaky)
    client = make_client(page_size=10, concurrency=3)
    assert ids_of(run(client.resources.grants.list())) == list(range(1, 101))
    assert failed and failed[0] in fake.requests
    assert len(sleeps) == 1


def test_list_backs_off_when_the_server_is_overloaded(
    make_client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    """A 503 met by any page halves the requests in flight; the listing still completes."""
    fake = FakeCollection(grants(range(1, 201)))
    overloaded: list[dict[str, str]] = []

    def busy(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        if "id__lte" in params and len(overloaded) < 2:
            overloaded.append(params)
            return httpx.Response(503, json={"detail": "Service unavailable."})
        return fake(request)

    api.get(f"{BASE}research/grants/").mock(side_effect=busy)
    client = make_client(page_size=10, max_retries=5)
    assert ids_of(run(client.resources.grants.list())) == list(range(1, 201))
    assert overloaded and len(sleeps) >= 1


def test_list_failure_stops_the_other_slices(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    """A failed slice fails list() at once, and no other slice keeps requesting after it."""
    fake = FakeCollection(grants(range(1, 301)))
    failed: list[dict[str, str]] = []

    def one_slice_breaks(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        if "id__lte" in params and not failed:
            failed.append(params)
            return httpx.Response(200, content=b'{"count": 3, "results": [{"id"')
        return fake(request)

    counter = InFlight(one_slice_breaks, run.is_async)
    api.get(f"{BASE}research/grants/").mock(side_effect=counter.side_effect)
    client = make_client(page_size=10, concurrency=3)
    with pytest.raises(APIError, match="truncated JSON"):
        run(client.resources.grants.list())
    sent = len(api.calls)
    assert counter.now == 0  # nothing in flight once list() has raised
    if run.is_async:

        async def others() -> list[asyncio.Task[Any]]:
            await asyncio.sleep(0.05)
            return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]

        assert run(others()) == []
    else:
        time.sleep(0.05)
        assert not [t for t in threading.enumerate() if t.name.startswith("keystone-list")]
    assert len(api.calls) == sent


_CALLER = contextvars.ContextVar("caller", default="none")


def test_list_runs_every_page_in_the_callers_context(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    """Logging and tracing context set by the caller reaches every page, threads included."""
    fake = FakeCollection(grants(range(1, 101)))
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(_CALLER.get())
        return fake(request)

    api.get(f"{BASE}research/grants/").mock(side_effect=handler)
    client = make_client(page_size=10, concurrency=4)
    token = _CALLER.set("job-42")
    try:
        assert ids_of(run(client.resources.grants.list())) == list(range(1, 101))
    finally:
        _CALLER.reset(token)
    assert len(seen) > 1 and set(seen) == {"job-42"}


@pytest.mark.parametrize(
    ("order", "size", "ids", "bound"),
    [
        ("id", 3, [1, 2, 3], "id__gt=3"),
        ("id", 1, [1], "id__gt=1"),
        ("-id", 3, [9, 8, 7], "id__lt=7"),
        ("-id", 1, [9], "id__lt=9"),
    ],
)
def test_keyset_paging_stops_with_an_error_when_the_server_ignores_the_cursor(
    make_client: Any,
    run: Runner,
    api: respx.MockRouter,
    order: str,
    size: int,
    ids: list[int],
    bound: str,
) -> None:
    seen: list[dict[str, str]] = []

    def same_page(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.url.params))
        assert len(seen) <= 3, "the client asked for the same page without end"
        body = [f.grant(i) for i in ids]
        return httpx.Response(
            200, json={"count": 9, "next": "more", "previous": None, "results": body}
        )

    api.get(f"{BASE}research/grants/").mock(side_effect=same_page)
    client = make_client(page_size=size)
    with pytest.raises(KeystoneError) as caught:
        run.all(client.resources.grants.order_by(order))
    assert str(caught.value) == (
        f"the server ignored the paging filter {bound} and served the same records again; "
        "order by another field to page by offset"
    )
    name, value = bound.split("=")
    assert [p.get(name) for p in seen] == [None, value]
