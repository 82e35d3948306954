"""``query.pages()`` at its edges: the last record of a slice, a lagging count, runaway paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import respx

from keystone_client import RecordPage

from . import factories as f
from .conftest import BASE, Runner
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
