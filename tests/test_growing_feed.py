"""Reading the activity feed of FakeKeystone, which grows by one entry per request served.

As on the real server, every request the client makes is logged and appears at the head of
the feed, so each page request shifts every later offset by one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from keystone_client.testing import FakeKeystone

from .conftest import Runner

PAGE = 20


@pytest.fixture
def fake() -> FakeKeystone:
    server = FakeKeystone()
    with server.client() as seeder:
        for _ in range(260):
            seeder.version()
    return server


@pytest.fixture
def client(fake: FakeKeystone, run: Runner) -> Iterator[Any]:
    made = fake.async_client(page_size=PAGE) if run.is_async else fake.client(page_size=PAGE)
    run(made.resources.users.all().first())  # logged in: the first feed read sees the feed as now
    yield made
    run(made.close())


def feed_reads(fake: FakeKeystone, since: int) -> list[dict[str, str]]:
    return [r.query for r in fake.requests[since:] if r.path == "/logs/feed/"]


def test_each_request_is_logged_at_the_head_of_the_feed(fake: FakeKeystone) -> None:
    with fake.client() as c:
        before = c.resources.feed.all()[:1].list()
        after = c.resources.feed.all()[:2].list()
    # The first read was itself logged: it heads the feed the second read sees.
    assert after[1].id == before[0].id
    assert after[0].id != before[0].id


@pytest.mark.parametrize("how", ["iterate", "list"])
def test_a_slice_of_the_growing_feed_takes_about_n_over_page_size_requests(
    fake: FakeKeystone, client: Any, run: Runner, how: str
) -> None:
    expected = [e.id for e in fake.all("feed")][5:205]
    since = len(fake.requests)
    q = client.resources.feed.all()[5:205]
    got = [e.id for e in (run.all(q) if how == "iterate" else run(q.list()))]
    assert got == expected  # in order, none twice, none of the new entries
    reads = feed_reads(fake, since)
    assert len(reads) <= 200 // PAGE + 2
    assert all(int(r["_limit"]) >= PAGE for r in reads)


def test_the_whole_growing_feed_is_read_once(fake: FakeKeystone, client: Any, run: Runner) -> None:
    expected = [e.id for e in fake.all("feed")]
    since = len(fake.requests)
    got = [e.id for e in run.all(client.resources.feed.all())]
    assert len(got) == len(set(got))
    # Everything there before the read, once; entries logged during the read may be missed.
    assert got[-len(expected) :] == expected
    assert len(feed_reads(fake, since)) <= len(got) // PAGE + 3


def test_another_offset_order_of_the_growing_feed(
    fake: FakeKeystone, client: Any, run: Runner
) -> None:
    """Newest request logs first by ``-record_id``: every read lands ahead of the cursor."""
    expected = [e.id for e in sorted(fake.all("feed"), key=lambda e: -e.record_id)][:150]
    since = len(fake.requests)
    got = [e.id for e in run(client.resources.feed.order_by("-record_id")[:150].list())]
    assert got == expected
    reads = feed_reads(fake, since)
    assert all(r["_order"] == "-record_id" for r in reads)
    assert len(reads) <= 150 // PAGE + 2
