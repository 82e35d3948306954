"""The listing's I/O-free parts: the concurrency controller and the slice planner.

Timings here are synthetic: the controller is fed (records, seconds, status) directly.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from keystone_client._concurrency import HIGHEST, HOLD, LOWEST, Concurrency
from keystone_client._pagination import Listing, Pager, PageRequest
from keystone_client._query_state import QueryState
from keystone_client.models import Grant, Page

from . import factories as f

# -- the controller ------------------------------------------------------------------------------


def window(c: Concurrency, rate: float, status: int = 200) -> int:
    """Feed one full window (one page per request in flight) at ``rate`` records per second."""
    limit = c.limit
    for _ in range(limit):
        c.observe(100, 100 / rate, status)
    return c.limit


def test_adaptive_starts_sequential() -> None:
    c = Concurrency()
    assert c.adaptive and c.limit == 1 and c.ceiling == HIGHEST


def test_grows_by_one_while_throughput_rises() -> None:
    c = Concurrency()
    assert [window(c, rate) for rate in (100, 200, 300, 400)] == [2, 3, 4, 5]


def test_never_grows_past_the_ceiling() -> None:
    c = Concurrency()
    for rate in range(100, 3000, 100):
        window(c, rate)
    assert c.limit == HIGHEST


def test_steps_back_when_a_probe_brings_no_gain_and_holds() -> None:
    c = Concurrency()
    assert window(c, 100) == 2  # the first window probes upward
    assert window(c, 102) == 1  # two in flight did no better: back to one
    for _ in range(HOLD):
        assert window(c, 100) == 1  # and stay, not probing at every window
    assert window(c, 100) == 2  # then probe again


def test_halves_when_throughput_drops() -> None:
    c = Concurrency()
    for rate in (100, 200, 300, 400, 500, 600):
        window(c, rate)
    assert c.limit == 7
    assert window(c, 200) == 3


@pytest.mark.parametrize("status", [429, 503])
def test_halves_at_once_on_overload(status: int) -> None:
    c = Concurrency()
    for rate in (100, 200, 300, 400, 500, 600):
        window(c, rate)
    assert c.limit == 7
    assert c.observe(100, 0.1, status) == 3
    assert c.observe(100, 0.1, status) == 1
    assert c.observe(100, 0.1, status) == LOWEST  # never below one


def test_ordinary_errors_are_not_overload() -> None:
    c = Concurrency()
    assert c.observe(100, 1.0, 404) == 2


def test_a_window_is_one_page_per_request_in_flight() -> None:
    c = Concurrency()
    window(c, 100)
    assert c.limit == 2
    assert c.observe(100, 0.1) == 2  # half a window: no decision yet
    assert c.observe(100, 0.1) == 3  # 1000/s beats 100/s


@pytest.mark.parametrize("fixed", [1, 3, 8, 12])
def test_a_fixed_concurrency_never_changes(fixed: int) -> None:
    c = Concurrency(fixed)
    assert not c.adaptive and c.ceiling == fixed
    for rate, status in [(100, 200), (1000, 200), (10, 200), (100, 429), (100, 503)]:
        assert window(c, rate, status) == fixed


@pytest.mark.parametrize("fixed", [0, -1])
def test_a_fixed_concurrency_below_one_is_refused(fixed: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Concurrency(fixed)


def test_zero_seconds_counts_as_a_rise() -> None:
    c = Concurrency()
    assert c.observe(100, 0.0) == 2


# -- the slice planner ---------------------------------------------------------------------------


class Table:
    """Answers a listing's page requests from a list of ids, as the server would."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self.asked: list[dict[str, str]] = []

    def page(self, params: dict[str, str]) -> Page[Grant]:
        self.asked.append(params)
        tests = {
            "id__gt": lambda a, b: a > b,
            "id__gte": lambda a, b: a >= b,
            "id__lt": lambda a, b: a < b,
            "id__lte": lambda a, b: a <= b,
        }
        bounds = [(tests[k], int(v)) for k, v in params.items() if k in tests]
        found = sorted(
            (i for i in self.ids if all(test(i, v) for test, v in bounds)),
            reverse=params["_order"] == "-id",
        )
        limit = int(params["_limit"])
        results = found[:limit]
        more = len(found) > limit
        body = f.page([f.grant(i) for i in results], count=len(found), next="n" if more else None)
        return Page[Grant].model_validate(body)


def fetch_never(params: dict[str, str]) -> Any:
    raise AssertionError("the planner sends nothing itself")
    yield  # a flow: created by the planner, run only by a runner


def listing(keyset: str, fixed: int | None, state: QueryState | None = None) -> Listing[Grant]:
    pager: Pager[Grant] = Pager(state=state or QueryState(), page_size=10, keyset=keyset)
    clock = itertools.count()
    return Listing(pager, fetch_never, Concurrency(fixed), clock=lambda: float(next(clock)))


def drive(plan: Listing[Grant], table: Table, changes: dict[int, Any] | None = None) -> int:
    """Answer the listing's requests, oldest first; return the most ever in flight."""
    pending: list[PageRequest[Grant]] = []
    most = 0
    answered = 0
    while True:
        pending += plan.start()
        most = max(most, len(pending))
        if not pending:
            return most
        request = pending.pop(0)
        plan.finish(request, table.page(request.params))
        answered += 1
        if changes and answered in changes:
            changes[answered](table)


def test_the_first_request_is_the_first_page_alone() -> None:
    plan = listing("id", 4)
    first = plan.start()
    assert [r.params for r in first] == [{"_limit": "10", "_order": "id"}]
    assert plan.start() == []  # nothing else until its count and ids are known


@pytest.mark.parametrize("keyset", ["id", "-id"])
@pytest.mark.parametrize("fixed", [None, 2, 3, 8])
def test_slices_are_disjoint_and_in_order(keyset: str, fixed: int | None) -> None:
    ids = [*range(1, 60), *range(1000, 1010), *range(5000, 5100), 9999]
    table = Table(ids)
    plan = listing(keyset, fixed)
    most = drive(plan, table)
    got = [g.id for g in plan.records()]
    assert got == (ids if keyset == "id" else ids[::-1])
    assert plan.done and len(plan.slices) > 1
    assert most <= (fixed or HIGHEST)
    lower = "id__gt" if keyset == "id" else "id__lt"
    upper = "id__lte" if keyset == "id" else "id__gte"
    for before, after in itertools.pairwise(plan.slices):
        # Adjacent and disjoint: each slice starts where the one before ends.
        assert before.pager.bounds[upper] == after.pager.bounds[lower]
    assert upper not in plan.slices[-1].pager.bounds  # open-ended: new records are found


def test_a_fixed_limit_is_reached_and_kept() -> None:
    table = Table(list(range(1, 1001)))
    plan = listing("id", 4)
    assert drive(plan, table) == 4
    assert [g.id for g in plan.records()] == list(range(1, 1001))


def test_exactly_once_with_inserts_and_deletes_during_the_listing() -> None:
    table = Table(list(range(1, 501)))

    def delete_some(t: Table) -> None:
        t.ids = [i for i in t.ids if i % 7 != 0 or i < 20]

    def insert_some(t: Table) -> None:
        t.ids += list(range(501, 520))

    plan = listing("id", None)
    drive(plan, table, {1: delete_some, 4: insert_some, 9: delete_some})
    got = [g.id for g in plan.records()]
    assert got == sorted(set(got))  # once each, in order
    survivors = [i for i in range(1, 501) if i % 7 != 0 or i < 20]
    assert set(survivors) <= set(got)
    created = [i for i in range(501, 520) if i % 7 != 0]  # the last change deleted the rest
    assert set(created) <= set(got)  # the open-ended slice found them


def test_the_users_own_bounds_hold_in_every_slice() -> None:
    table = Table(list(range(1, 501)))
    state = QueryState(filters=(("id__gt", "100"), ("id__lte", "400")))
    plan = listing("id", 4, state)
    drive(plan, table)
    assert [g.id for g in plan.records()] == list(range(101, 401))
    assert all(int(p["id__gt"]) >= 100 and int(p["id__lte"]) <= 400 for p in table.asked)


def test_a_limited_query_is_never_split() -> None:
    table = Table(list(range(1, 201)))
    plan = listing("id", 8, QueryState(limit=35))
    assert drive(plan, table) == 1
    assert [g.id for g in plan.records()] == list(range(1, 36))


def test_offset_paging_is_never_split() -> None:
    pager: Pager[Grant] = Pager(state=QueryState(), page_size=10, keyset=None)
    plan = Listing(pager, fetch_never, Concurrency(8))
    pending = plan.start()
    assert len(pending) == 1 and "id__gt" not in pending[0].params


def test_a_small_remainder_is_not_split() -> None:
    table = Table(list(range(1, 16)))  # one page and a bit: splitting costs a request
    plan = listing("id", 8)
    drive(plan, table)
    assert len(plan.slices) == 1
    assert len(table.asked) == 2


def test_overload_seen_by_a_page_halves_the_limit() -> None:
    plan = listing("id", None)
    plan.concurrency.limit = 6
    (request,) = plan.start()
    request.statuses += [503, 200]
    plan.finish(request, Table(list(range(1, 100))).page(request.params))
    assert plan.limit == 3


def test_cancel_stops_a_request_before_its_next_step() -> None:
    sent: list[str] = []

    def fetch(params: dict[str, str]) -> Any:
        sent.append("first")
        yield "request"
        sent.append("second")
        yield "request"
        return None

    pager: Pager[Grant] = Pager(state=QueryState(), page_size=10, keyset="id")
    plan = Listing(pager, fetch, Concurrency(2))
    (request,) = plan.start()
    assert request.flow.send(None) == "request"
    plan.cancel()
    with pytest.raises(Exception, match="stopped"):
        request.flow.send(None)
    assert sent == ["first", "second"]  # the flow went on to its next step and no further
