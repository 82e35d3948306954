"""Queries, sharpened: the exact messages a user reads and the exact requests each query sends."""

from __future__ import annotations

import asyncio
import contextvars
import os
import re
import threading
from typing import Any

import httpx
import pytest
import respx

from keystone_client import AsyncKeystoneClient, FilterError, KeystoneClient, NotFoundError

from . import factories as f
from .conftest import BASE, Runner
from .test_sharp_pagination import Collection

AnyClient = KeystoneClient | AsyncKeystoneClient

GRANTS = f"{BASE}research/grants/"


def params_of(route: respx.Route, index: int = -1) -> dict[str, str]:
    return dict(route.calls[index].request.url.params)


def exactly(message: str) -> str:
    """A ``pytest.raises(match=...)`` pattern for the whole message and nothing else."""
    return f"^{re.escape(message)}$"


# -- what a user reads ---------------------------------------------------------------------------


def test_repr_names_the_query_class_resource_and_params(client: AnyClient, mode: str) -> None:
    q = client.resources.grants.filter(agency="NSF")
    cls = "AsyncQuery" if mode == "async" else "Query"
    assert repr(q) == f"<{cls} grants {{'agency': 'NSF'}}>"


def test_truth_value_message(client: AnyClient, api: respx.MockRouter) -> None:
    with pytest.raises(
        TypeError,
        match=exactly("The truth value of a query is ambiguous: use query.exists()"),
    ):
        bool(client.resources.grants.all())
    assert not api.calls


def test_negative_index_message(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    with pytest.raises(ValueError, match=exactly("Query indexes must not be negative")):
        run(client.resources.grants.all()[-3])
    assert not api.calls


def test_index_out_of_range_message_names_the_index(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([], count=3))
    with pytest.raises(IndexError, match=exactly("grants query index 3 out of range")):
        run(client.resources.grants.all()[3])
    assert route.call_count == 1
    assert params_of(route) == {"_offset": "3", "_limit": "1", "_order": "id"}


def test_conflicting_filter_message(client: AnyClient, api: respx.MockRouter) -> None:
    q = client.resources.grants.filter(id__gt=100)
    with pytest.raises(
        FilterError,
        match=exactly(
            "This grants query already filters id__gt=100; it cannot also match id__gt=0"
        ),
    ):
        q.filter(id__gt=0)
    assert not api.calls


@pytest.mark.parametrize("take", [lambda q: q[5:], lambda q: q[:5], lambda q: q[2:4]])
@pytest.mark.parametrize(
    "narrow", [lambda q: q.filter(agency="x"), lambda q: q.order_by("-id"), lambda q: q.search("x")]
)
def test_narrowing_any_slice_is_refused(
    client: AnyClient, api: respx.MockRouter, take: Any, narrow: Any
) -> None:
    sliced = take(client.resources.grants.all())
    with pytest.raises(
        TypeError,
        match=exactly("Cannot filter, order or search a query once a slice has been taken"),
    ):
        narrow(sliced)
    assert not api.calls


def test_a_slice_from_zero_to_the_end_is_no_slice(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(1)]))
    q = client.resources.grants.all()[0:].filter(agency="NSF")
    assert [g.id for g in run.all(q)] == [1]
    assert params_of(route) == {"agency": "NSF", "_limit": str(client.page_size), "_order": "id"}


# -- a query that matches nothing sends nothing ----------------------------------------------------


def test_in_an_empty_list_matches_nothing_without_a_request(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    q = client.resources.grants.filter(agency="NSF").filter(id__in=[])
    assert q._state.matches_nothing
    assert run(q.count()) == 0
    assert run(q.list()) == []
    assert run.all(q) == []
    assert run(q.first()) is None
    assert run(q.exists()) is False
    with pytest.raises(IndexError, match=exactly("grants query index 0 out of range")):
        run(q[0])
    # Narrowing further still matches nothing.
    assert run(q.filter(team=1).order_by("-id").search("x").count()) == 0
    assert not api.calls


def test_an_empty_slice_counts_lists_and_finds_nothing_without_a_request(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    q = client.resources.grants.filter(agency="NSF")[3:3]
    assert run(q.count()) == 0
    assert run(q.list()) == []
    assert run(q.first()) is None
    assert run(q.exists()) is False
    assert not api.calls


# -- ordering and slicing as sent ------------------------------------------------------------------


def test_order_by_nothing_restores_the_default_order(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(1)]))
    q = client.resources.grants.order_by("-amount").order_by()
    assert q._state.order is None
    assert [g.id for g in run(q.list())] == [1]
    assert params_of(route) == {"_limit": str(client.page_size), "_order": "id"}


def test_a_step_of_one_is_a_plain_slice(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).respond(200, json=f.page([f.grant(3), f.grant(4)]))
    assert [g.id for g in run.all(client.resources.grants.all()[2:4:1])] == [3, 4]
    assert params_of(route) == {"_offset": "2", "_limit": "2", "_order": "id"}


@pytest.mark.parametrize("step", [0, 2, -1])
def test_slice_step_message(client: AnyClient, api: respx.MockRouter, step: int) -> None:
    with pytest.raises(ValueError, match=exactly("Query slices do not support a step")):
        client.resources.grants.all()[0:10:step]
    assert not api.calls


@pytest.mark.parametrize("key", [slice(-1, None), slice(None, -1), slice(2, -3), slice(-2, 5)])
def test_negative_slice_message(client: AnyClient, api: respx.MockRouter, key: slice) -> None:
    with pytest.raises(ValueError, match=exactly("Query slices do not support negative indexes")):
        client.resources.grants.all()[key]
    assert not api.calls


@pytest.mark.parametrize("key", [slice(None, 0), slice(0, 0), slice(3, 0)])
def test_a_slice_ending_at_zero_is_empty(
    client: AnyClient, run: Runner, api: respx.MockRouter, key: slice
) -> None:
    q = client.resources.grants.all()[key]
    assert q._state.limit == 0
    assert run(q.list()) == []
    assert run.all(q) == []
    assert run(q.first()) is None
    assert not api.calls
    # The count is asked (a limit of nothing still needs no records) and clipped to zero.
    api.get(GRANTS).respond(200, json=f.page([f.grant(1)], count=9, next="n"))
    assert run(q.count()) == 0


# -- list(): where its pages run and how it stops ------------------------------------------------


def test_sync_list_runs_pages_on_named_threads(api: respx.MockRouter) -> None:
    """Threads named ``keystone-list_N`` (as in a log's threadName) serve the slices."""
    collection = Collection(range(1, 101))
    threads: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        threads.append(threading.current_thread().name)
        return collection(request)

    api.get(GRANTS).mock(side_effect=handler)
    client = KeystoneClient(url=BASE, page_size=10, concurrency=3)
    try:
        assert [g.id for g in client.resources.grants.list()] == list(range(1, 101))
    finally:
        client.close()
    assert len(threads) > 1
    assert all(name.startswith("keystone-list_") for name in threads), threads


async def test_async_list_failure_raises_the_error_not_the_cancellation(
    api: respx.MockRouter,
) -> None:
    """The other pages in flight are cancelled; the caller gets the page's own error."""
    collection = Collection(range(1, 301))
    never = asyncio.Event()
    blocked: list[dict[str, str]] = []
    calls: list[dict[str, str]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        calls.append(dict(request.url.params))
        if len(calls) == 1:
            return collection(request)  # the first page: count and ids to split on
        if len(calls) == 2:
            return httpx.Response(404, json={"detail": "Not found."})
        blocked.append(dict(request.url.params))
        await never.wait()
        raise AssertionError("a cancelled page went on")

    api.get(GRANTS).mock(side_effect=handler)
    async with AsyncKeystoneClient(url=BASE, page_size=10, concurrency=3) as client:
        with pytest.raises(NotFoundError):
            await client.resources.grants.list()
        assert blocked  # other pages were in flight when the error came
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert others == []


def test_sync_list_with_concurrency_one_uses_one_thread(api: respx.MockRouter) -> None:
    collection = Collection(range(1, 61))
    threads: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        threads.append(threading.current_thread().name)
        return collection(request)

    api.get(GRANTS).mock(side_effect=handler)
    client = KeystoneClient(url=BASE, page_size=5, concurrency=1)
    try:
        assert [g.id for g in client.resources.grants.list()] == list(range(1, 61))
    finally:
        client.close()
    assert len(threads) == 12
    assert set(threads) == {"keystone-list_0"}


def test_unknown_filter_field_message_names_the_resource(
    client: AnyClient, api: respx.MockRouter
) -> None:
    with pytest.raises(FilterError, match=r"^Unknown filter field 'titel' for grants; valid"):
        client.resources.grants.filter(titel="x")
    assert not api.calls


def test_pages_yield_the_records_page_by_page(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(GRANTS).mock(side_effect=Collection(range(1, 6)))
    client = make_client(page_size=2)
    pages = run.all(client.resources.grants.filter(id__gt=0).pages())
    assert [[g.id for g in p.records] for p in pages] == [[1, 2], [3, 4], [5]]
    assert [p.count for p in pages] == [5, 5, 5]


_CALLER = contextvars.ContextVar("_CALLER", default="none")


def test_sync_list_pages_see_the_callers_context(api: respx.MockRouter) -> None:
    collection = Collection(range(1, 51))
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(_CALLER.get())
        return collection(request)

    api.get(GRANTS).mock(side_effect=handler)
    client = KeystoneClient(url=BASE, page_size=5, concurrency=2)
    token = _CALLER.set("caller-7")
    try:
        assert [g.id for g in client.resources.grants.list()] == list(range(1, 51))
    finally:
        _CALLER.reset(token)
        client.close()
    assert len(seen) > 1 and set(seen) == {"caller-7"}


# -- list(): a finished page starts the next one while the others are still in flight ------------


def test_sync_list_runs_as_many_pages_at_once_as_its_concurrency(
    api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page's count splits the rest into 8 slices, all sent at once.

    With one CPU a thread pool of the default size has 5 threads: too few.
    """
    for name in ("cpu_count", "process_cpu_count"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, lambda: 1)
    collection = Collection(range(1, 1001))
    together = threading.Barrier(8)
    calls: list[dict[str, str]] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            calls.append(dict(request.url.params))
            index = len(calls)
        if 2 <= index <= 9:  # the round after the page that sizes the split
            together.wait(timeout=10)  # broken (and raising) unless all 8 are in flight
        return collection(request)

    api.get(GRANTS).mock(side_effect=handler)
    client = KeystoneClient(url=BASE, page_size=5, concurrency=40)
    try:
        assert [g.id for g in client.resources.grants.list()] == list(range(1, 1001))
    finally:
        client.close()
    assert not together.broken
    # The slices of that round (in any order, as threads race): halves towards id 5.
    bounds = sorted((int(c["id__gt"]), int(c.get("id__lte", 0))) for c in calls[1:9])
    assert bounds == [
        (5, 10),
        (10, 20),
        (20, 35),
        (35, 65),
        (65, 125),
        (125, 250),
        (250, 500),
        (500, 0),
    ]


# Records 1..40, 5 a page, 2 at once: after the first page the rest splits at id 20 into
# A = (5, 20] and B = (20, ...). B's page is held until A's second page is asked for,
# which only happens if A's first page, once back, starts the next while B is in flight.
A_NEXT = {"id__gt": "10", "id__lte": "20", "_order": "id", "_limit": "5"}


def test_sync_list_starts_a_page_as_soon_as_one_is_back(api: respx.MockRouter) -> None:
    collection = Collection(range(1, 41))
    asked = threading.Event()
    calls: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        calls.append(params)
        if params == A_NEXT:
            asked.set()
        if params.get("id__gt") == "20" and not asked.wait(timeout=10):
            raise AssertionError("the next page of A was never asked for")
        return collection(request)

    api.get(GRANTS).mock(side_effect=handler)
    client = KeystoneClient(url=BASE, page_size=5, concurrency=2)
    try:
        assert [g.id for g in client.resources.grants.list()] == list(range(1, 41))
    finally:
        client.close()
    assert A_NEXT in calls


async def test_async_list_starts_a_page_as_soon_as_one_is_back(api: respx.MockRouter) -> None:
    collection = Collection(range(1, 41))
    asked = asyncio.Event()
    calls: list[dict[str, str]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        calls.append(params)
        if params == A_NEXT:
            asked.set()
        if params.get("id__gt") == "20":
            try:
                await asyncio.wait_for(asked.wait(), timeout=10)
            except TimeoutError:
                raise AssertionError("the next page of A was never asked for") from None
        return collection(request)

    api.get(GRANTS).mock(side_effect=handler)
    async with AsyncKeystoneClient(url=BASE, page_size=5, concurrency=2) as client:
        assert [g.id for g in await client.resources.grants.list()] == list(range(1, 41))
    assert A_NEXT in calls
