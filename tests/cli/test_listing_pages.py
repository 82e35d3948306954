"""How a listing reads its pages (``cli/listing.py``): which page sets the total, the page
shapes it accepts, the default grouping of a plain iterable, and field checks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import click
import pytest

from keystone_client.cli.listing import print_one, stream_listing

from .test_streaming import Recorder, recorder  # noqa: F401  (the fixture)


@dataclass
class ResultsPage:
    """A page holding its records as ``results`` (the raw page model); not iterable."""

    results: list[dict[str, Any]]
    count: int


class Pages:
    def __init__(self, *pages: Any) -> None:
        self._pages = pages

    def pages(self) -> Iterator[Any]:
        return iter(self._pages)


class IterablePage:
    """A page that is only an iterable of records, with the count the server gave with it."""

    def __init__(self, rows: list[dict[str, Any]], count: int) -> None:
        self.rows = rows
        self.count = count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)


def test_the_total_is_the_first_pages_count_even_if_later_ones_differ(
    capsys: pytest.CaptureFixture[str],
    recorder: type[Recorder],  # noqa: F811
) -> None:
    query = Pages(ResultsPage([{"id": 1}], 3), ResultsPage([{"id": 2}], 9))
    stream_listing(query, None, "ndjson", label="grants")
    (bar,) = recorder.made
    assert (bar.total, bar.advanced) == (3, [1, 1])
    assert capsys.readouterr().out == '{"id":1}\n{"id":2}\n'


def test_a_page_that_is_an_iterable_is_its_records(
    capsys: pytest.CaptureFixture[str],
    recorder: type[Recorder],  # noqa: F811
) -> None:
    stream_listing(Pages(IterablePage([{"id": 7}, {"id": 8}], 2)), None, "ndjson", label="x")
    assert capsys.readouterr().out == '{"id":7}\n{"id":8}\n'
    assert recorder.made[0].advanced == [2]


def test_an_iterable_query_is_written_in_groups_of_200(
    capsys: pytest.CaptureFixture[str],
    recorder: type[Recorder],  # noqa: F811
) -> None:
    class Query:
        def count(self) -> int:
            return 450

        def __iter__(self) -> Iterator[dict[str, int]]:
            return iter({"id": i} for i in range(450))

    stream_listing(Query(), None, "ndjson", label="things")
    assert recorder.made[0].advanced == [200, 200, 50]
    assert len(capsys.readouterr().out.splitlines()) == 450


def test_only_the_first_record_is_checked_for_the_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Records of a listing may lack a field the first one has (a feed): that is a null."""
    rows: list[dict[str, Any]] = [{"id": 1, "extra": "a"}, {"id": 2}]
    stream_listing(Pages(ResultsPage(rows, 2)), ["id", "extra"], "ndjson", label="feed")
    assert capsys.readouterr().out == '{"id":1,"extra":"a"}\n{"id":2,"extra":null}\n'


def test_an_unknown_field_is_a_usage_error_naming_the_option() -> None:
    with pytest.raises(click.BadParameter) as raised:
        stream_listing(Pages(ResultsPage([{"id": 1}], 1)), ["nope"], "ndjson", label="x")
    assert raised.value.format_message() == (
        "Invalid value for '--fields': Unknown field 'nope'; fields here: id"
    )


def test_csv_columns_are_the_fields_asked_for_relations_included(
    capsys: pytest.CaptureFixture[str],
) -> None:
    rows: list[dict[str, Any]] = [{"id": 1, "team": {"id": 4, "name": "Lab"}, "title": "t"}]
    stream_listing(Pages(ResultsPage(rows, 1)), ["id", "team"], "csv", label="grants")
    assert capsys.readouterr().out == 'id,team\n1,"{""id"":4,""name"":""Lab""}"\n'


def test_one_record_with_fields_keeps_those_fields(capsys: pytest.CaptureFixture[str]) -> None:
    print_one({"id": 1, "team": {"id": 4}, "title": "t"}, ["title", "team"], "csv")
    assert capsys.readouterr().out == 'title,team\nt,"{""id"":4}"\n'


def test_one_record_with_an_unknown_field_names_the_option() -> None:
    with pytest.raises(click.BadParameter, match=r"^Unknown field 'nope'; fields here: id$"):
        print_one({"id": 1}, ["nope"], "json")


def test_one_value_that_is_no_record_is_printed_as_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    print_one("pong", ["ignored"], "json")
    assert capsys.readouterr().out == "pong\n"
