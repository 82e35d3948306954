"""Listings are written page by page: output starts before the listing is fully fetched."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from keystone_client.cli.listing import stream_listing


@dataclass
class FakePage:
    records: list[dict[str, Any]]
    count: int


class PagedQuery:
    """A query whose pages() checks, before yielding page 2, what was printed already."""

    def __init__(self, capsys: pytest.CaptureFixture[str], pages: int, size: int) -> None:
        self.capsys = capsys
        self.pages_total = pages
        self.size = size
        self.fetched = 0
        self.seen_before_second: str | None = None

    def pages(self) -> Iterator[FakePage]:
        for number in range(self.pages_total):
            if number == 1:
                self.seen_before_second = self.capsys.readouterr().out
            self.fetched += 1
            first = number * self.size
            rows = [{"id": first + i + 1} for i in range(self.size)]
            yield FakePage(rows, self.pages_total * self.size)


@pytest.mark.parametrize("fmt", ["ndjson", "json", "csv", "yaml", "table"])
def test_first_page_is_printed_before_the_second_is_fetched(
    capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    query = PagedQuery(capsys, pages=3, size=2)
    stream_listing(query, None, fmt, label="things")
    assert query.seen_before_second is not None
    assert "1" in query.seen_before_second and "2" in query.seen_before_second
    assert "3" not in query.seen_before_second  # page 2 not yet written
    assert query.fetched == 3


def test_a_long_listing_is_never_held_in_memory(capsys: pytest.CaptureFixture[str]) -> None:
    """100,000 records from a lazy iterator: each page is written as it comes."""
    printed_when: list[int] = []

    class Lazy:
        def __iter__(self) -> Iterator[dict[str, int]]:
            for i in range(100_000):
                if i % 20_000 == 0:
                    printed_when.append(capsys.readouterr().out.count("\n"))
                yield {"id": i}

    stream_listing(Lazy(), None, "ndjson", label="things", page_size=1000)
    # Before record 20,000 was made, the 20,000 before it had already been written.
    assert printed_when == [0, 20_000, 20_000, 20_000, 20_000]
    rest = capsys.readouterr().out.splitlines()
    assert len(rest) == 20_000
    assert json.loads(rest[-1]) == {"id": 99_999}


class Recorder:
    """Stands in for the progress bar and records what it is told."""

    made: list[Recorder] = []

    def __init__(self, label: str, enabled: bool) -> None:
        self.label, self.enabled = label, enabled
        self.total: int | None = None
        self.advanced: list[int] = []
        Recorder.made.append(self)

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def set_total(self, total: Any) -> None:
        self.total = total() if callable(total) else total

    def advance(self, records: int = 1) -> None:
        self.advanced.append(records)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> type[Recorder]:
    from keystone_client.cli import listing

    Recorder.made = []
    monkeypatch.setattr(listing, "Progress", Recorder)
    monkeypatch.setattr(listing, "wanted", lambda: True)
    return Recorder


def test_progress_total_comes_from_the_first_page(
    capsys: pytest.CaptureFixture[str], recorder: type[Recorder]
) -> None:
    stream_listing(PagedQuery(capsys, pages=3, size=2), None, "ndjson", label="things")
    (bar,) = recorder.made
    assert (bar.label, bar.enabled, bar.total, bar.advanced) == ("things", True, 6, [2, 2, 2])


def test_progress_of_a_query_without_pages_asks_the_count(
    capsys: pytest.CaptureFixture[str], recorder: type[Recorder]
) -> None:
    class Query:
        counted = 0

        def count(self) -> int:
            Query.counted += 1
            return 5

        def __iter__(self) -> Iterator[dict[str, int]]:
            return iter({"id": i} for i in range(5))

    stream_listing(Query(), None, "ndjson", label="things", page_size=2)
    (bar,) = recorder.made
    assert (bar.total, bar.advanced, Query.counted) == (5, [2, 2, 1], 1)


def test_no_count_is_asked_when_no_bar_is_shown(capsys: pytest.CaptureFixture[str]) -> None:
    class Query:
        def count(self) -> int:
            raise AssertionError("count() sent although stderr is not a terminal")

        def __iter__(self) -> Iterator[dict[str, int]]:
            return iter([{"id": 1}])

    stream_listing(Query(), None, "ndjson", label="things")
    captured = capsys.readouterr()
    assert captured.out == '{"id":1}\n'
    assert captured.err == ""


class Stream:
    def __init__(self, terminal: bool) -> None:
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@pytest.mark.parametrize(
    ("stderr", "stdout", "shown"),
    [
        (True, False, True),  # records to a file or pipe: the bar meters them
        (True, True, False),  # records on the terminal: they show their own progress
        (False, False, False),
        (False, True, False),
    ],
)
def test_a_bar_only_on_a_terminal_while_the_records_go_elsewhere(
    stderr: bool, stdout: bool, shown: bool
) -> None:
    from keystone_client.cli.progress import wanted

    assert wanted(Stream(stderr), Stream(stdout)) is shown  # type: ignore[arg-type]
