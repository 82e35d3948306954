"""Reading the real server's activity feed, which grows by one entry per request served.

Every request is logged and appears at the head of the feed, so each page the client asks
for shifts every later offset. A read of 1000 entries must still take about 1000 / page_size
requests and yield each entry once. Run with ``-s`` to see the numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from ..conftest import Runner

ENTRIES = 1000


class _FeedRequests(logging.Handler):
    """Collects the query strings of the feed requests the client sends."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.urls: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        url = str(record.__dict__.get("url", ""))
        if record.msg.startswith("Request ") and "/logs/feed/" in url:
            self.urls.append(url)


@pytest.fixture
def feed_requests() -> Iterator[_FeedRequests]:
    handler = _FeedRequests()
    logger = logging.getLogger("keystone_client")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


@pytest.mark.parametrize("page_size", [100, 1000])
def test_a_read_of_1000_feed_entries_ends_in_about_n_over_page_size_requests(
    make_live_client: Any, run: Runner, feed_requests: _FeedRequests, page_size: int
) -> None:
    client = make_live_client(page_size=page_size)
    if run(client.resources.feed.count()) < ENTRIES + 10:
        pytest.skip(f"the live feed has fewer than {ENTRIES} entries")
    feed_requests.urls.clear()
    entries = run(client.resources.feed.all()[:ENTRIES].list())
    ids = [entry.id for entry in entries]
    print(
        f"\nfeed read: {len(ids)} entries in {len(feed_requests.urls)} requests "
        f"(page size {page_size})"
    )
    assert len(ids) == ENTRIES
    assert len(set(ids)) == ENTRIES
    assert len(feed_requests.urls) <= -(-ENTRIES // page_size) + 2
    stamps = [entry.timestamp for entry in entries]
    assert stamps == sorted(stamps, reverse=True)  # newest first, in order


def test_a_feed_read_by_another_order_yields_each_entry_once(
    make_live_client: Any, run: Runner, feed_requests: _FeedRequests
) -> None:
    client = make_live_client(page_size=50)
    entries = run(client.resources.feed.order_by("-record_id")[:300].list())
    ids = [entry.id for entry in entries]
    assert len(ids) == len(set(ids))
    assert len(feed_requests.urls) <= -(-300 // 50) + 2
