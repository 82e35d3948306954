"""Pages and listings at their edges: slice ends, lagging counts, drift, runaway paging, cuts."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from keystone_client import RecordPage
from keystone_client._concurrency import HIGHEST, Concurrency
from keystone_client._pagination import Listing, ListingCancelled, Pager, PageRequest
from keystone_client._query_state import QueryState
from keystone_client.models import Grant, KeystoneModel, Page

from . import factories as f
from .conftest import BASE, PageBudget, RunawayPaging, Runner
from .test_pagination import FakeCollection, feed, grants, ids_of

GRANTS = f"{BASE}research/grants/"
FEED = f"{BASE}logs/feed/"


class TooManyRequests(Exception):
    """Raised by `Capped` when paging asks more than the test allows."""


class Capped:
    """Serve ``fake`` but fail loudly past ``cap`` requests, so that runaway paging stops."""

    def __init__(self, fake: FakeCollection, cap: int) -> None:
        self.fake = fake
        self.cap = cap

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if len(self.fake.requests) >= self.cap:
            raise TooManyRequests(f"more than {self.cap} requests")
        return self.fake(request)


def summary(pages: list[RecordPage[Any]]) -> list[tuple[int, list[Any], int, bool]]:
    return [(p.number, ids_of(p.records), p.count, p.has_next) for p in pages]


@pytest.mark.parametrize("order", ["id", "feed"])
def test_a_page_leaving_one_record_of_the_slice_says_more_follow(
    make_client: Any, run: Runner, api: respx.MockRouter, order: str
) -> None:
    first: list[Any]
    last: list[Any]
    if order == "id":
        fake = FakeCollection(grants(range(1, 21)))
        api.get(GRANTS).mock(side_effect=Capped(fake, cap=5))
        query = make_client(page_size=5).resources.grants.all()
        first, last = [1, 2, 3, 4, 5], [6]
    else:
        fake = FakeCollection(feed(range(30, 0, -1)))
        api.get(FEED).mock(side_effect=Capped(fake, cap=5))
        query = make_client(page_size=5).resources.feed.all()
        first, last = ["r30", "r29", "r28", "r27", "r26"], ["r25"]
    pages = run.all(query[0:6].pages())
    assert summary(pages) == [(1, first, 6, True), (2, last, 6, False)]
    assert len(fake.requests) == 2


def test_a_count_lagging_behind_the_offset_is_zero_not_negative(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    """The server counted 2 records, then 2 more were created before it read the page."""
    sent: list[dict[str, str]] = []

    def lagging(request: httpx.Request) -> httpx.Response:
        if len(sent) >= 5:
            raise TooManyRequests("more than 5 requests")
        sent.append(dict(request.url.params))
        body = f.page([f.grant(4), f.grant(5)], count=2, next=None)
        return httpx.Response(200, json=body)

    api.get(GRANTS).mock(side_effect=lagging)
    client = make_client(page_size=5)
    pages = run.all(client.resources.grants.all()[3:].pages())
    assert summary(pages) == [(1, [4, 5], 0, False)]
    assert sent == [{"_limit": "5", "_order": "id", "_offset": "3"}]


@pytest.mark.parametrize("order", ["id", "feed"])
def test_each_page_advances_the_paging(
    make_client: Any, run: Runner, api: respx.MockRouter, order: str
) -> None:
    """Every page fed moves the next request on: three pages take three requests."""
    if order == "id":
        fake = FakeCollection(grants(range(1, 8)))
        api.get(GRANTS).mock(side_effect=Capped(fake, cap=6))
        query = make_client(page_size=3).resources.grants.all()
        expected: list[list[Any]] = [[1, 2, 3], [4, 5, 6], [7]]
    else:
        fake = FakeCollection(feed(range(7, 0, -1)))
        api.get(FEED).mock(side_effect=Capped(fake, cap=6))
        query = make_client(page_size=3).resources.feed.all()
        expected = [["r7", "r6", "r5"], ["r4", "r3", "r2"], ["r1"]]
    pages = run.all(query.pages())
    assert [ids_of(p.records) for p in pages] == expected
    assert [p.number for p in pages] == [1, 2, 3]
    assert len(fake.requests) == 3


# -- offset paging: the drift estimate ----------------------------------------------------------


def offsets(fake: FakeCollection) -> list[int]:
    return [int(r.get("_offset", 0)) for r in fake.requests]


def test_after_an_overshoot_one_page_of_drift_is_not_yet_a_trend(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    """The re-asked page starts the estimate afresh at no drift: one more drifting page
    alone does not shift the next request."""
    made = itertools.count(1000)

    def churn(n: int, collection: FakeCollection) -> None:
        if n <= 3:
            collection.records[:0] = feed([next(made), next(made)])[::-1]
        elif n == 5:
            collection.records[:0] = feed([next(made)])

    fake = FakeCollection(feed(range(40, 0, -1)), after=churn)
    api.get(FEED).mock(side_effect=Capped(fake, cap=30))
    client = make_client(page_size=5)
    got = ids_of(run.all(client.resources.feed.all()))
    assert got == [f"r{i}" for i in range(40, 0, -1)]
    # 23 assumed a drift of 2 and overshot: asked again at 21, where the anchor turned up
    # one place down. That drift alone is not assumed: the next page starts at the anchor.
    assert offsets(fake)[:7] == [0, 4, 9, 16, 23, 21, 26]


def test_the_drift_is_measured_at_the_anchor_not_at_a_record_that_moved_past_it(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    """A record already read was renamed to sort after the anchor: the anchor's own place
    tells the drift (none), so the next pages still start at their anchors."""

    def churn(n: int, collection: FakeCollection) -> None:
        if n == 1:
            collection.records.append(f.grant(50, title="Grant 0000"))
            collection.records[0]["title"] = "Grant 0003a"
        elif n == 2:
            collection.records.append(f.grant(51, title="Grant 0000a"))

    fake = FakeCollection(grants(range(1, 13)), after=churn)
    api.get(GRANTS).mock(side_effect=Capped(fake, cap=20))
    client = make_client(page_size=3)
    got = ids_of(run.all(client.resources.grants.order_by("title")))
    assert got == list(range(1, 13))
    assert [(r["_limit"], int(r.get("_offset", 0))) for r in fake.requests] == [
        ("3", 0),
        ("4", 2),  # [3, 1, 4, 5]: the anchor 3 where it stood, 1 moved past it
        ("4", 5),  # [4, 5, 6, 7]: the anchor 5 one place down (51 inserted)
        ("4", 8),  # drifts 0 and 1: none assumed
        ("4", 11),
    ]


# -- records without an id -----------------------------------------------------------------


class Line(KeystoneModel):
    """A record with no id, which offset paging cannot recognise on a later page."""

    text: str


def lines(*texts: str, more: bool = True) -> Page[Line]:
    return Page[Line](
        count=9,
        next="http://keystone.test/more" if more else None,
        previous=None,
        results=[Line(text=t) for t in texts],
    )


def test_records_without_an_id_are_paged_plainly_past_the_last_one() -> None:
    pager: Pager[Line] = Pager.for_query(QueryState(order="text"), 2, None, False)
    assert pager.next_params() == {"_order": "text", "_limit": "2"}
    assert [r.text for r in pager.feed(lines("a", "b"))] == ["a", "b"]
    # No anchor can be found again: the next page starts right after the last record.
    assert pager.next_params() == {"_order": "text", "_limit": "3", "_offset": "2"}
    assert [r.text for r in pager.feed(lines("c", "d", "e"))] == ["c", "d", "e"]
    assert pager.next_params() == {"_order": "text", "_limit": "3", "_offset": "5"}
    assert [r.text for r in pager.feed(lines("f", more=False))] == ["f"]
    assert pager.done
    assert pager.next_params() is None
    assert pager.fetched == 6


# -- the listing's plan: where slices are cut ------------------------------------------------


class Table:
    """Answers page requests from a list of ids: id bounds, ``_order``, ``_offset``, ``_limit``."""

    TESTS: dict[str, Callable[[int, int], bool]] = {
        "id__gt": lambda a, b: a > b,
        "id__gte": lambda a, b: a >= b,
        "id__lt": lambda a, b: a < b,
        "id__lte": lambda a, b: a <= b,
    }

    def __init__(self, ids: list[int], cap: int | None = None) -> None:
        self.ids = ids
        self.cap = cap  # the most records the server serves a page, whatever ``_limit`` says
        self.asked: list[dict[str, str]] = []

    def page(self, params: dict[str, str]) -> Page[Grant]:
        if len(self.asked) >= 1000:
            raise TooManyRequests("more than 1000 requests")
        self.asked.append(params)
        bounds = [(self.TESTS[k], int(v)) for k, v in params.items() if k in self.TESTS]
        found = sorted(
            (i for i in self.ids if all(test(i, v) for test, v in bounds)),
            reverse=params["_order"] == "-id",
        )
        offset = int(params.get("_offset", 0))
        limit = min(int(params["_limit"]), self.cap or len(found) + 1)
        results = found[offset : offset + limit]
        more = offset + len(results) < len(found)
        body = f.page([f.grant(i) for i in results], count=len(found), next="n" if more else None)
        return Page[Grant].model_validate(body)


def fetch_never(params: dict[str, str]) -> Any:
    raise AssertionError("the planner sends nothing itself")
    yield  # a flow: created by the planner, run only by a runner


def plan_for(
    keyset: str, fixed: int | None, state: QueryState | None = None, page_size: int = 10
) -> Listing[Grant]:
    pager: Pager[Grant] = Pager(state=state or QueryState(), page_size=page_size, keyset=keyset)
    clock = itertools.count()
    return Listing(pager, fetch_never, Concurrency(fixed), clock=lambda: float(next(clock)))


def drive(plan: Listing[Grant], table: Table) -> None:
    """Answer the listing's requests, oldest first, until it is done."""
    pending: list[PageRequest[Grant]] = []
    while True:
        pending += plan.start()
        if not pending:
            assert plan.done
            return
        request = pending.pop(0)
        plan.finish(request, table.page(request.params))


def cuts(plan: Listing[Grant]) -> list[dict[str, int]]:
    return [dict(s.pager.bounds) for s in plan.slices]


def test_dense_ids_are_cut_after_a_whole_number_of_pages() -> None:
    table = Table(list(range(1, 61)))
    plan = plan_for("id", 2)
    drive(plan, table)
    assert [g.id for g in plan.records()] == list(range(1, 61))
    # 50 records follow the first page: two pages stay with it, the rest is a new slice.
    assert table.asked == [
        {"_limit": "10", "_order": "id"},
        {"_limit": "10", "_order": "id", "id__lte": "30", "id__gt": "10"},
        {"_limit": "10", "_order": "id", "id__gt": "30"},
        {"_limit": "10", "_order": "id", "id__lte": "30", "id__gt": "20"},
        {"_limit": "10", "_order": "id", "id__gt": "40"},
        {"_limit": "10", "_order": "id", "id__gt": "50"},
    ]
    assert cuts(plan) == [{"id__lte": 30}, {"id__gt": 30}]
    assert [len(s.records) for s in plan.slices] == [30, 30]


def test_descending_ids_are_cut_below_the_cursor() -> None:
    table = Table(list(range(1, 61)))
    plan = plan_for("-id", 2)
    drive(plan, table)
    assert [g.id for g in plan.records()] == list(range(60, 0, -1))
    assert table.asked == [
        {"_limit": "10", "_order": "-id"},
        {"_limit": "10", "_order": "-id", "id__gte": "31", "id__lt": "51"},
        {"_limit": "10", "_order": "-id", "id__lt": "31"},
        {"_limit": "10", "_order": "-id", "id__gte": "31", "id__lt": "41"},
        {"_limit": "10", "_order": "-id", "id__lt": "21"},
        {"_limit": "10", "_order": "-id", "id__lt": "11"},
    ]
    assert cuts(plan) == [{"id__gte": 31}, {"id__lt": 31}]


def test_a_cut_slice_is_cut_again_within_its_own_end_and_sparse_ids_reach_further() -> None:
    ids = [*range(1, 31), *range(100, 400, 10)]
    table = Table(ids)
    plan = plan_for("id", 3)
    drive(plan, table)
    assert [g.id for g in plan.records()] == ids
    assert table.asked == [
        {"_limit": "10", "_order": "id"},
        {"_limit": "10", "_order": "id", "id__lte": "20", "id__gt": "10"},
        {"_limit": "10", "_order": "id", "id__gt": "20", "id__lte": "30"},
        {"_limit": "10", "_order": "id", "id__gt": "30"},
        # Ten ids per record on that page: two pages reach 200 ids further.
        {"_limit": "10", "_order": "id", "id__gt": "190", "id__lte": "290"},
        {"_limit": "10", "_order": "id", "id__gt": "290"},
    ]
    assert cuts(plan) == [
        {"id__lte": 20},
        {"id__gt": 20, "id__lte": 30},
        {"id__gt": 30, "id__lte": 290},
        {"id__gt": 290},
    ]
    assert [s.density for s in plan.slices] == [1.0, 1.0, 10.0, 10.0]


def test_a_listing_from_an_offset_counts_only_what_follows_its_first_page() -> None:
    table = Table(list(range(1, 61)))
    plan = plan_for("id", 2, QueryState(offset=20))
    drive(plan, table)
    assert [g.id for g in plan.records()] == list(range(21, 61))
    # 60 counted, 20 skipped, 10 read: 30 follow, so one page stays with the first slice.
    assert table.asked == [
        {"_limit": "10", "_order": "id", "_offset": "20"},
        {"_limit": "10", "_order": "id", "id__lte": "40", "id__gt": "30"},
        {"_limit": "10", "_order": "id", "id__gt": "40"},
        {"_limit": "10", "_order": "id", "id__gt": "50"},
    ]


@pytest.mark.parametrize("status", [429, 503])
def test_a_page_retried_after_overload_halves_the_limit(status: int) -> None:
    plan = plan_for("id", None)
    plan.concurrency.limit = 6
    (request,) = plan.start()
    request.statuses += [status, 200]
    plan.finish(request, Table(list(range(1, 100))).page(request.params))
    assert plan.limit == 3


def test_two_records_a_page_already_measure_how_sparse_the_ids_are() -> None:
    ids = list(range(1, 1000, 10))
    table = Table(ids, cap=2)
    plan = plan_for("id", 2)
    drive(plan, table)
    assert [g.id for g in plan.records()] == ids
    # [1, 11]: ten ids per record; 98 follow, so four pages of ten records reach 400 ids on.
    assert table.asked[:3] == [
        {"_limit": "10", "_order": "id"},
        {"_limit": "10", "_order": "id", "id__lte": "411", "id__gt": "11"},
        {"_limit": "10", "_order": "id", "id__gt": "411"},
    ]


def test_one_record_a_page_is_still_cut_one_id_on() -> None:
    table = Table([1, 2, 3])
    plan = plan_for("id", 2, page_size=1)
    drive(plan, table)
    assert [g.id for g in plan.records()] == [1, 2, 3]
    assert table.asked == [
        {"_limit": "1", "_order": "id"},
        {"_limit": "1", "_order": "id", "id__lte": "2", "id__gt": "1"},
        {"_limit": "1", "_order": "id", "id__gt": "2"},
    ]
    assert cuts(plan) == [{"id__lte": 2}, {"id__gt": 2}]


def test_a_limit_grows_while_more_requests_bring_more_records_a_second() -> None:
    """Each page comes back 1/limit seconds after the one before: throughput rises with
    every request added, so the listing keeps adding one up to the ceiling."""
    now = [100.0]
    table = Table(list(range(1, 3001)))
    pager: Pager[Grant] = Pager(state=QueryState(), page_size=10, keyset="id")
    plan = Listing(pager, fetch_never, Concurrency(None), clock=lambda: now[0])
    pending: list[PageRequest[Grant]] = []
    limits: list[int] = []
    most = 0
    while True:
        pending += plan.start()
        most = max(most, len(pending))
        if not pending:
            break
        request = pending.pop(0)
        now[0] += 1.0 / plan.limit
        plan.finish(request, table.page(request.params))
        limits.append(plan.limit)
    assert [g.id for g in plan.records()] == list(range(1, 3001))
    assert limits[:10] == [2, 2, 3, 3, 3, 4, 4, 4, 4, 5]
    assert limits == sorted(limits) and limits[-1] == HIGHEST
    assert most == HIGHEST


def test_a_limited_listing_is_done_once_its_limit_is_read() -> None:
    table = Table(list(range(1, 201)))
    plan = plan_for("id", 4, QueryState(limit=35))
    drive(plan, table)  # asserts that the listing says it is done
    assert [g.id for g in plan.records()] == list(range(1, 36))
    assert [r["_limit"] for r in table.asked] == ["10", "10", "10", "5"]
    assert plan.slices[0].pager.done
    assert not plan.slices[0].working


def test_pages_answered_together_cut_the_slices_with_the_most_left_first() -> None:
    table = Table(list(range(1, 151)))
    plan = plan_for("id", 4)
    rounds: list[list[dict[str, str]]] = []
    while pending := plan.start():
        rounds.append([{k: v for k, v in r.params.items() if k.startswith("id")} for r in pending])
        for request in pending:
            plan.finish(request, table.page(request.params))
    assert plan.done
    assert [g.id for g in plan.records()] == list(range(1, 151))
    assert rounds[1:3] == [
        [
            {"id__lte": "20", "id__gt": "10"},
            {"id__gt": "20", "id__lte": "40"},
            {"id__gt": "40", "id__lte": "80"},
            {"id__gt": "80"},
        ],
        # (10, 20] is done: of the idle slices (80, ...) has the most left (60), so it is cut.
        [
            {"id__gt": "30", "id__lte": "40"},
            {"id__gt": "50", "id__lte": "80"},
            {"id__gt": "90", "id__lte": "120"},
            {"id__gt": "120"},
        ],
    ]
    assert cuts(plan) == [
        {"id__lte": 20},
        {"id__gt": 20, "id__lte": 40},
        {"id__gt": 40, "id__lte": 70},
        {"id__gt": 70, "id__lte": 80},
        {"id__gt": 80, "id__lte": 120},
        {"id__gt": 120},
    ]


def test_a_cut_never_reaches_past_half_of_what_is_left_of_its_slice() -> None:
    ids = [*range(20, 201, 20), *range(208, 281, 8), *range(290, 391, 10), *range(410, 451, 10)]
    table = Table(ids)
    plan = plan_for("id", 4)
    drive(plan, table)
    assert [g.id for g in plan.records()] == ids
    # (200, 400] read up to 280 at eight ids a record: a page reaches 80 ids on, but eleven
    # records are left in 120 ids, so the cut is halfway, at 340.
    assert [{k: v for k, v in p.items() if k.startswith("id")} for p in table.asked] == [
        {},
        {"id__lte": "400", "id__gt": "200"},
        {"id__gt": "400"},
        {"id__lte": "340", "id__gt": "280"},
        {"id__gt": "340", "id__lte": "400"},
    ]


def test_a_new_slice_keeps_the_density_measured_before_it_was_cut_off() -> None:
    """After the first page the server serves one record a page, so no slice measures
    its ids again: each cut reaches as far as the ten ids a record first seen."""
    ids = list(range(10, 1000, 10))
    table = Table(ids)
    plan = plan_for("id", 3)
    pending: list[PageRequest[Grant]] = []
    while True:
        pending += plan.start()
        if not pending:
            break
        request = pending.pop(0)
        plan.finish(request, table.page(request.params))
        table.cap = 1
    assert [g.id for g in plan.records()] == ids
    assert cuts(plan) == [
        {"id__lte": 300},
        {"id__gt": 300, "id__lte": 500},
        {"id__gt": 500, "id__lte": 800},
        {"id__gt": 800, "id__lte": 910},
        {"id__gt": 910},
    ]
    assert [s.density for s in plan.slices] == [10.0] * 5


def test_a_lowered_limit_starts_no_more_than_it_allows() -> None:
    table = Table(list(range(1, 201)))
    plan = plan_for("id", 4)
    (first,) = plan.start()
    plan.finish(first, table.page(first.params))
    started = plan.start()
    assert len(started) == 4
    for request in started:
        plan.finish(request, table.page(request.params))
    plan.concurrency.limit = 2  # as an overloaded server would make it
    again = plan.start()
    # The first two slices with pages left; the others wait for a request to come back.
    assert [{k: v for k, v in r.params.items() if k.startswith("id")} for r in again] == [
        {"id__lte": "30", "id__gt": "20"},
        {"id__gt": "40", "id__lte": "50"},
    ]
    assert len(again) == 2
    assert sum(s.busy for s in plan.slices) == 2
    for request in again:
        plan.finish(request, table.page(request.params))
    # The first slice is read to its end, the listing is not.
    assert not plan.slices[0].working
    assert not plan.done


def test_a_cancelled_listing_says_so_in_its_page_requests() -> None:
    def fetch(params: dict[str, str]) -> Any:
        yield "request"
        yield "request"

    pager: Pager[Grant] = Pager(state=QueryState(), page_size=10, keyset="id")
    plan = Listing(pager, fetch, Concurrency(2))
    (request,) = plan.start()
    assert request.flow.send(None) == "request"
    plan.cancel()
    with pytest.raises(ListingCancelled) as caught:
        request.flow.send(None)
    assert str(caught.value) == "the listing this page belongs to has stopped"


@pytest.mark.parametrize("order", ["feed", "title"])
def test_a_head_growing_by_more_than_a_page_per_request_is_read_once_each(
    make_client: Any, run: Runner, api: respx.MockRouter, order: str
) -> None:
    """Seven records are added ahead of the cursor on every request, more than a page:
    the anchor is carried past the next page, which holds only records already read."""
    made = itertools.count(1000)

    def grow(n: int, collection: FakeCollection) -> None:
        if order == "feed":
            collection.records[:0] = feed(next(made) for _ in range(7))[::-1]
        else:
            collection.records += [f.grant(next(made), title=f"A {n:04d}") for _ in range(7)]

    if order == "feed":
        fake = FakeCollection(feed(range(40, 0, -1)), after=grow)
        query = make_client(page_size=5).resources.feed.all()
        expected: list[Any] = [f"r{i}" for i in range(40, 0, -1)]
    else:
        fake = FakeCollection(grants(range(1, 41)), after=grow)
        query = make_client(page_size=5).resources.grants.order_by("title")
        expected = list(range(1, 41))
    api.route(path__in=["/logs/feed/", "/research/grants/"]).mock(side_effect=Capped(fake, cap=40))
    assert ids_of(run.all(query)) == expected
    # Once two pages have shown the drift, each request starts 12 on: 5 read, 7 inserted.
    assert offsets(fake) == [0, 4, 9, 19, 29, 41, 53, 65, 77, 89, 101, 113]


# -- what a listing notes about its slices and requests -----------------------------------------


def grant_page(ids: list[int], count: int, more: bool) -> Page[Grant]:
    body = f.page([f.grant(i) for i in ids], count=count, next="n" if more else None)
    return Page[Grant].model_validate(body)


def test_a_new_listing_is_not_cancelled_until_cancel_is_called() -> None:
    plan = plan_for("id", 2)
    assert plan.cancelled is False
    plan.cancel()
    assert plan.cancelled is True


def test_a_slice_read_to_its_end_has_nothing_left() -> None:
    plan = plan_for("id", 1)
    (request,) = plan.start()
    plan.finish(request, Table([1, 2, 3]).page(request.params))
    assert plan.slices[0].pager.done
    assert plan.slices[0].remaining == 0
    assert plan.done


def test_a_count_with_nothing_past_the_page_leaves_nothing_though_next_links_on() -> None:
    plan = plan_for("id", 1)
    (request,) = plan.start()
    plan.finish(request, grant_page(list(range(1, 11)), count=10, more=True))
    assert not plan.slices[0].pager.done
    assert plan.slices[0].remaining == 0


def test_a_slice_with_less_than_one_id_before_its_end_is_not_cut() -> None:
    """The count says eight records lie in (5, 6]: no id is left to cut at, so the slice
    is paged on as it stands."""
    plan = plan_for("id", 2, page_size=2)
    (first,) = plan.start()
    plan.finish(first, grant_page([1, 2], count=10, more=True))
    below, above = plan.start()
    assert cuts(plan) == [{"id__lte": 6}, {"id__gt": 6}]
    plan.finish(below, grant_page([4, 5], count=10, more=True))
    plan.finish(above, grant_page([7, 8], count=2, more=False))
    assert [r.params for r in plan.start()] == [
        {"_limit": "2", "_order": "id", "id__lte": "6", "id__gt": "5"}
    ]
    assert cuts(plan) == [{"id__lte": 6}, {"id__gt": 6}]


def test_a_page_request_notes_the_status_of_every_response_its_flow_met() -> None:
    def fetch(params: dict[str, str]) -> Any:
        yield "send"
        yield "send again"
        return Table([1, 2, 3]).page(params)

    pager: Pager[Grant] = Pager(state=QueryState(), page_size=10, keyset="id")
    plan = Listing(pager, fetch, Concurrency(None))
    (request,) = plan.start()
    assert request.flow.send(None) == "send"
    assert request.flow.send(httpx.Response(503)) == "send again"
    with pytest.raises(StopIteration) as stop:
        request.flow.send(httpx.Response(200))
    assert [g.id for g in stop.value.value.results] == [1, 2, 3]
    assert request.statuses == [503, 200]


def test_an_overloaded_first_page_leaves_room_for_one_request(
    make_client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    """The 503 met by the first page keeps the limit at one: the next page is sent alone,
    not cut into slices sent at once."""
    fake = FakeCollection(grants(range(1, 101)))
    overloaded: list[dict[str, str]] = []

    def busy_once(request: httpx.Request) -> httpx.Response:
        if not overloaded:
            overloaded.append(dict(request.url.params))
            return httpx.Response(503, json={"detail": "Service unavailable."})
        return fake(request)

    api.get(GRANTS).mock(side_effect=busy_once)
    client = make_client(page_size=10, max_retries=2)
    assert ids_of(run(client.resources.grants.list())) == list(range(1, 101))
    assert overloaded == [{"_limit": "10", "_order": "id"}]
    assert len(sleeps) == 1
    assert fake.requests[:2] == [
        {"_limit": "10", "_order": "id"},
        {"_limit": "10", "_order": "id", "id__gt": "10"},
    ]


def test_a_fake_collection_refuses_paging_past_what_reading_it_takes() -> None:
    budget = PageBudget(records=20)
    for sent in range(1, 27):  # four pages of five, four times over, and ten
        budget.spend(sent, page=5)
    with pytest.raises(RunawayPaging, match="request 27 to a collection of 20 records"):
        budget.spend(27, page=5)
