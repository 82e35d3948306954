"""``query.pages()``: records page by page, each page with the query's total count."""

from __future__ import annotations

from typing import Any

import respx

from keystone_client import RecordPage

from .conftest import BASE, Runner
from .test_pagination import FakeCollection, feed, grants, ids_of


def summary(pages: list[RecordPage[Any]]) -> list[tuple[int, list[Any], int, bool]]:
    return [(p.number, ids_of(p.records), p.count, p.has_next) for p in pages]


def test_keyset_pages_carry_the_records_and_the_total_count(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 13)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=5)
    pages = run.all(client.resources.grants.filter(agency="NSF").pages())
    # Later keyset pages are counted by the server after the cursor (7, then 2): the total
    # stays the first page's.
    assert summary(pages) == [
        (1, [1, 2, 3, 4, 5], 12, True),
        (2, [6, 7, 8, 9, 10], 12, True),
        (3, [11, 12], 12, False),
    ]
    assert all(isinstance(p, RecordPage) for p in pages)
    assert fake.requests == [
        {"agency": "NSF", "_limit": "5", "_order": "id"},
        {"agency": "NSF", "_limit": "5", "_order": "id", "id__gt": "5"},
        {"agency": "NSF", "_limit": "5", "_order": "id", "id__gt": "10"},
    ]


def test_descending_keyset_pages(make_client: Any, run: Runner, api: respx.MockRouter) -> None:
    fake = FakeCollection(grants(range(1, 8)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=4)
    pages = run.all(client.resources.grants.order_by("-id").pages())
    assert summary(pages) == [(1, [7, 6, 5, 4], 7, True), (2, [3, 2, 1], 7, False)]
    assert fake.requests[1] == {"_order": "-id", "_limit": "4", "id__lt": "4"}


def test_offset_pages_of_the_feed(make_client: Any, run: Runner, api: respx.MockRouter) -> None:
    fake = FakeCollection(feed(range(11, 0, -1)))
    api.get(f"{BASE}logs/feed/").mock(side_effect=fake)
    client = make_client(page_size=5)
    pages = run.all(client.resources.feed.all().pages())
    assert summary(pages) == [
        (1, ["r11", "r10", "r9", "r8", "r7"], 11, True),
        (2, ["r6", "r5", "r4", "r3", "r2"], 11, True),
        (3, ["r1"], 11, False),
    ]
    # Each later page starts at the last record read (re-read, then skipped), so a collection
    # growing at its head never makes a record appear twice.
    assert fake.requests == [
        {"_limit": "5"},
        {"_limit": "6", "_offset": "4"},
        {"_limit": "6", "_offset": "9"},
    ]


def test_pages_of_an_offset_slice(make_client: Any, run: Runner, api: respx.MockRouter) -> None:
    fake = FakeCollection(feed(range(30, 0, -1)))
    api.get(f"{BASE}logs/feed/").mock(side_effect=fake)
    client = make_client(page_size=4)
    pages = run.all(client.resources.feed.all()[3:9].pages())
    assert summary(pages) == [
        (1, ["r27", "r26", "r25", "r24"], 6, True),
        (2, ["r23", "r22"], 6, False),
    ]
    assert fake.requests == [{"_limit": "4", "_offset": "3"}, {"_limit": "5", "_offset": "6"}]


def test_pages_of_a_keyset_slice(make_client: Any, run: Runner, api: respx.MockRouter) -> None:
    fake = FakeCollection(grants(range(1, 21)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=5)
    pages = run.all(client.resources.grants.all()[2:9].pages())
    assert summary(pages) == [(1, [3, 4, 5, 6, 7], 7, True), (2, [8, 9], 7, False)]
    assert fake.requests == [
        {"_limit": "5", "_order": "id", "_offset": "2"},
        {"_limit": "2", "_order": "id", "id__gt": "7"},
    ]


def test_a_slice_past_the_end_counts_what_is_left(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 6)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10)
    pages = run.all(client.resources.grants.all()[3:50].pages())
    assert summary(pages) == [(1, [4, 5], 2, False)]


def test_one_page_is_fetched_at_a_time(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection(grants(range(1, 31)))
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10)
    pages = client.resources.grants.all().pages()
    if run.is_async:
        first = run(pages.__anext__())
        assert len(fake.requests) == 1
        second = run(pages.__anext__())
        run(pages.aclose())
    else:
        first = next(pages)
        assert len(fake.requests) == 1
        second = next(pages)
        pages.close()
    assert ids_of(first.records) == list(range(1, 11))
    assert ids_of(second.records) == list(range(11, 21))
    assert len(fake.requests) == 2


def test_an_empty_result_yields_no_page(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    fake = FakeCollection([])
    api.get(f"{BASE}research/grants/").mock(side_effect=fake)
    client = make_client(page_size=10)
    assert run.all(client.resources.grants.all().pages()) == []
    assert len(fake.requests) == 1
    # A filter that cannot match sends nothing at all.
    assert run.all(client.resources.grants.filter(id__in=[]).pages()) == []
    assert len(fake.requests) == 1


def test_record_page_repr() -> None:
    page = RecordPage(records=[1, 2], count=9, number=1, has_next=True)
    assert repr(page) == "<RecordPage 1: 2 of 9 records, more follow>"
    last = RecordPage(records=[9], count=9, number=5, has_next=False)
    assert repr(last) == "<RecordPage 5: 1 of 9 records>"
