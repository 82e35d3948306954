"""Paging as sent: slices of slices, keyset paging, bound merging, and the id-range split plan."""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

import httpx
import pytest
import respx

from keystone_client import AsyncKeystoneClient

from . import factories as f
from .conftest import BASE, PageBudget, Runner

# The one private import of this file: the I/O-free planner of page requests.

GRANTS = BASE + "research/grants/"
Record = dict[str, Any]

_BOUNDS: dict[str, Callable[[int, int], bool]] = {
    "id__gt": lambda a, b: a > b,
    "id__gte": lambda a, b: a >= b,
    "id__lt": lambda a, b: a < b,
    "id__lte": lambda a, b: a <= b,
}


class Collection:
    """A grant list endpoint honouring ``_limit``, ``_offset``, ``_order`` and id bounds.

    A request past what reading the records can need fails (`PageBudget`).
    """

    def __init__(self, ids: Any) -> None:
        self.records = [f.grant(i, title=f"Grant {i:04d}") for i in ids]
        self.requests: list[dict[str, str]] = []
        self.budget = PageBudget(len(self.records))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = dict(request.url.params)
        self.requests.append(params)
        self.budget.spend(len(self.requests), int(params["_limit"]))
        found = [
            r
            for r in self.records
            if all(_BOUNDS[k](r["id"], int(v)) for k, v in params.items() if k in _BOUNDS)
        ]
        for field in reversed(params.get("_order", "").split(",")):
            if field:
                found.sort(key=itemgetter(field.lstrip("-")), reverse=field.startswith("-"))
        offset = int(params.get("_offset", 0))
        limit = int(params["_limit"])
        results = found[offset : offset + limit]
        more = offset + len(results) < len(found)
        body = f.page(results, count=len(found), next=f"{request.url}&more" if more else None)
        return httpx.Response(200, json=body)


def ids_of(records: list[Any]) -> list[int]:
    return [r.id for r in records]


def paging(params: dict[str, str]) -> dict[str, str]:
    """The paging parameters of a request."""
    return {k: v for k, v in params.items() if k.startswith("_") or k.startswith("id__")}


# -- slices of slices ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("take", "offset", "limit", "expected"),
    [
        (lambda q: q[10:20][5:], "15", "5", range(16, 21)),
        (lambda q: q[10:][5:8], "15", "3", range(16, 19)),
        (lambda q: q[10:20][5:30], "15", "5", range(16, 21)),
        (lambda q: q[10:20][:3], "10", "3", range(11, 14)),
        (lambda q: q[:5][2:], "2", "3", range(3, 6)),
        (lambda q: q[10:][5:], "15", "500", range(16, 41)),  # the default page size
        (lambda q: q[10:20][2:4][1:], "13", "1", range(14, 15)),
    ],
)
def test_slice_of_a_slice_sends_the_combined_offset_and_limit(
    take: Callable[[Any], Any],
    offset: str,
    limit: str,
    expected: range,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
) -> None:
    fake = Collection(range(1, 41))
    api.get(GRANTS).mock(side_effect=fake)

    got = run.all(take(client.resources.grants.all()))

    assert ids_of(got) == list(expected)
    assert fake.requests[0]["_offset"] == offset
    assert fake.requests[0]["_limit"] == limit
    assert len(fake.requests) == 1


@pytest.mark.parametrize("take", [lambda q: q[10:20][10:], lambda q: q[10:20][15:18]])
def test_slice_past_the_end_of_a_slice_sends_nothing(
    take: Callable[[Any], Any], client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(GRANTS).mock(side_effect=Collection(range(1, 41)))

    assert run.all(take(client.resources.grants.all())) == []
    assert route.call_count == 0


def test_index_into_a_slice_fetches_one_record_at_the_combined_offset(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = Collection(range(1, 41))
    api.get(GRANTS).mock(side_effect=fake)

    assert run(client.resources.grants.all()[10:20][5]).id == 16
    assert paging(fake.requests[0]) == {"_offset": "15", "_limit": "1", "_order": "id"}


def test_index_past_the_end_of_a_slice_is_an_index_error(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(IndexError):
        run(client.resources.grants.all()[10:20][10])
    assert len(api.calls) == 0


# -- keyset or offset paging ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("order", "bound", "ids"),
    [("id", "id__gt", range(1, 8)), ("-id", "id__lt", range(7, 0, -1))],
)
def test_order_by_id_pages_by_keyset(
    order: str,
    bound: str,
    ids: range,
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
) -> None:
    fake = Collection(range(1, 8))
    api.get(GRANTS).mock(side_effect=fake)
    client = make_client(page_size=3)

    got = run.all(client.resources.grants.order_by(order))

    assert ids_of(got) == list(ids)
    expected = [str(i) for i in ids][2::3]
    assert [paging(r) for r in fake.requests] == [
        {"_order": order, "_limit": "3"},
        {"_order": order, "_limit": "3", bound: expected[0]},
        {"_order": order, "_limit": "3", bound: expected[1]},
    ]


def test_keyset_paging_of_a_slice_starts_at_its_offset_then_follows_the_cursor(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    fake = Collection(range(1, 21))
    api.get(GRANTS).mock(side_effect=fake)
    client = make_client(page_size=3)

    got = run.all(client.resources.grants.order_by("id")[4:])

    assert ids_of(got) == list(range(5, 21))
    assert paging(fake.requests[0]) == {"_order": "id", "_limit": "3", "_offset": "4"}
    assert paging(fake.requests[1]) == {"_order": "id", "_limit": "3", "id__gt": "7"}


def test_other_orders_page_by_offset(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    fake = Collection(range(1, 8))
    api.get(GRANTS).mock(side_effect=fake)
    client = make_client(page_size=3)

    got = run.all(client.resources.grants.order_by("-title"))

    assert ids_of(got) == list(range(7, 0, -1))
    assert [paging(r) for r in fake.requests] == [
        {"_order": "-title", "_limit": "3"},
        # Later pages start at the last record read, so a shift is seen, never a repeat.
        {"_order": "-title", "_limit": "4", "_offset": "2"},
        {"_order": "-title", "_limit": "4", "_offset": "5"},
    ]


def test_the_users_own_id_bound_is_kept_when_stricter_than_the_cursor(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    fake = Collection(range(1, 30))
    api.get(GRANTS).mock(side_effect=fake)
    client = make_client(page_size=3)

    got = run.all(client.resources.grants.filter(id__gt=20).order_by("id"))

    assert ids_of(got) == list(range(21, 30))
    assert [r["id__gt"] for r in fake.requests] == ["20", "23", "26"]


# -- async list(): bound merging and the split -----------------------------------------------


@pytest.mark.parametrize("concurrency", [2, 4])
async def test_async_list_descending_keeps_the_users_lower_bound(
    api: respx.MockRouter, concurrency: int
) -> None:
    fake = Collection(range(1, 101))
    api.get(GRANTS).mock(side_effect=fake)
    async with AsyncKeystoneClient(url=BASE, page_size=10, concurrency=concurrency) as client:
        query = client.resources.grants.filter(id__gte=40).order_by("-id")
        listed = await query.list()
        walked = [record async for record in query]

    assert ids_of(listed) == ids_of(walked) == list(range(100, 39, -1))
    slices = [r for r in fake.requests if "id__lt" in r]
    assert slices, "the rest of the range should be split into slices"
    # Every request keeps the user's bound, or a stricter one of its own slice.
    assert all(int(r["id__gte"]) >= 40 for r in fake.requests)
    assert any(int(r["id__gte"]) > 40 for r in slices)
    assert any(r["id__gte"] == "40" for r in slices)  # the open-ended last slice


@pytest.mark.parametrize("concurrency", [2, 4])
async def test_async_list_ascending_keeps_the_users_upper_bound(
    api: respx.MockRouter, concurrency: int
) -> None:
    fake = Collection(range(1, 101))
    api.get(GRANTS).mock(side_effect=fake)
    async with AsyncKeystoneClient(url=BASE, page_size=10, concurrency=concurrency) as client:
        listed = await client.resources.grants.filter(id__lte=60, id__gt=5).list()

    assert ids_of(listed) == list(range(6, 61))
    assert all(int(r["id__lte"]) <= 60 for r in fake.requests)
    assert all(int(r["id__gt"]) >= 5 for r in fake.requests)
    assert len(fake.requests) > 3
