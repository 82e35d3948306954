"""Printing listings page by page, and single records."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import click

from .output import check_fields, make_writer, pick, to_plain
from .progress import Progress, wanted

__all__ = ["print_one", "stream_listing"]


def print_one(record: Any, fields: list[str] | None, fmt: str | None) -> None:
    """Print one record (or any model: the user, the server's config) as an object."""
    row = to_plain(record)
    if not isinstance(row, dict):
        click.echo(row)
        return
    _check(row, fields)
    writer = make_writer(fmt, fields)
    writer.one(pick(row, fields))
    writer.flush()


def stream_listing(
    query: Any, fields: list[str] | None, fmt: str | None, *, label: str, page_size: int = 200
) -> None:
    """Write every record of ``query`` as it arrives, one page at a time.

    Records are never all held: each page is written and flushed before the next is fetched.
    """
    writer = make_writer(fmt, fields)
    with Progress(label, enabled=wanted()) as progress:
        writer.start()
        first = True
        for page in _pages(query, progress, page_size):
            for record in page:
                row = to_plain(record)
                if first:
                    _check(row, fields)
                    first = False
                writer.row(pick(row, fields))
            writer.flush()
            progress.advance(len(page))
        writer.end()
        writer.flush()


def _pages(query: Any, progress: Progress, page_size: int) -> Iterator[list[Any]]:
    """The query's records page by page; the first page's count sets the progress total."""
    pages = getattr(query, "pages", None)
    if pages is not None:
        for index, page in enumerate(pages()):
            if index == 0:
                progress.set_total(page.count)
            yield _records_of(page)
        return
    if progress.enabled:
        progress.set_total(query.count)
    # Iterating the query fetches one page at a time; group what it yields back into pages.
    yield from _chunks(query, page_size)


def _records_of(page: Any) -> list[Any]:
    for name in ("records", "results"):
        records = getattr(page, name, None)
        if isinstance(records, list):
            return records
    return list(page)


def _chunks(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check(row: dict[str, Any], fields: list[str] | None) -> None:
    try:
        check_fields(row, fields)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--fields'") from None
