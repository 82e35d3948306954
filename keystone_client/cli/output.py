"""Output formats: table, json, ndjson, csv and yaml, written record by record."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Mapping
from typing import IO, Any

__all__ = ["FORMATS", "Writer", "default_format", "make_writer", "pick", "to_plain"]

FORMATS = ("table", "json", "ndjson", "csv", "yaml")


def default_format(stream: IO[str]) -> str:
    """A table for a person at a terminal, NDJSON for a program reading a pipe."""
    isatty = getattr(stream, "isatty", None)
    return "table" if isatty is not None and isatty() else "ndjson"


def to_plain(value: Any) -> Any:
    """A record (pydantic model) as JSON-ready data: ISO 8601 dates, money as exact strings."""
    dump = getattr(value, "model_dump", None)
    if dump is not None:
        return dump(mode="json")
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


_MISSING = object()


def pick(row: Mapping[str, Any], fields: list[str] | None) -> dict[str, Any]:
    """Keep ``fields`` of ``row``; a dotted name follows relations (``team.name``)."""
    if fields is None:
        return dict(row)
    picked: dict[str, Any] = {}
    for name in fields:
        value: Any = row
        for part in name.split("."):
            value = value.get(part, _MISSING) if isinstance(value, Mapping) else _MISSING
            if value is _MISSING:
                break
        picked[name] = None if value is _MISSING else value
    return picked


def check_fields(row: Mapping[str, Any], fields: list[str] | None) -> None:
    """Raise `ValueError` naming a requested field the records do not have."""
    for name in fields or ():
        value: Any = row
        for part in name.split("."):
            if not isinstance(value, Mapping):
                break  # a relation that is null here: nothing to check below it
            if part not in value:
                valid = ", ".join(sorted(value))
                raise ValueError(f"Unknown field {name!r}; fields here: {valid}")
            value = value[part]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _scalar_columns(row: Mapping[str, Any]) -> list[str]:
    return [k for k, v in row.items() if not isinstance(v, dict | list)]


class Writer:
    """Writes one listing (`start`, `row`..., `end`) or one object (`one`)."""

    def __init__(self, out: IO[str], fields: list[str] | None) -> None:
        self.out = out
        self.fields = fields
        self.count = 0

    def start(self) -> None:
        """Begin a listing."""

    def row(self, row: dict[str, Any]) -> None:
        """Write one record of a listing."""
        raise NotImplementedError

    def end(self) -> None:
        """Finish a listing."""

    def flush(self) -> None:
        """Push what is written so far to the reader (called once per page)."""
        self.out.flush()

    def one(self, row: dict[str, Any]) -> None:
        """Write a single object."""
        self.start()
        self.row(row)
        self.end()


class NdjsonWriter(Writer):
    """One compact JSON object per line."""

    def row(self, row: dict[str, Any]) -> None:
        self.out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")


class JsonWriter(Writer):
    """A JSON array for a listing, streamed; a JSON object for one record."""

    def start(self) -> None:
        self.out.write("[")

    def row(self, row: dict[str, Any]) -> None:
        text = json.dumps(row, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        self.out.write(("," if self.count else "") + "\n  " + text)
        self.count += 1

    def end(self) -> None:
        self.out.write("\n]\n" if self.count else "]\n")

    def one(self, row: dict[str, Any]) -> None:
        self.out.write(json.dumps(row, ensure_ascii=False, indent=2) + "\n")


class CsvWriter(Writer):
    """A header line, then one line per record; relations as compact JSON."""

    def __init__(self, out: IO[str], fields: list[str] | None) -> None:
        super().__init__(out, fields)
        self.writer = csv.writer(out, lineterminator="\n")
        self.columns: list[str] | None = fields

    def row(self, row: dict[str, Any]) -> None:
        if self.count == 0:
            self.columns = self.columns or _scalar_columns(row)
            self.writer.writerow(self.columns)
        assert self.columns is not None
        self.writer.writerow([_cell(row.get(c)) for c in self.columns])
        self.count += 1


class YamlWriter(Writer):
    """A YAML sequence for a listing, streamed; a mapping for one record."""

    def row(self, row: dict[str, Any]) -> None:
        import yaml

        self.out.write(yaml.safe_dump([row], sort_keys=False, allow_unicode=True))
        self.count += 1

    def end(self) -> None:
        if not self.count:
            self.out.write("[]\n")

    def one(self, row: dict[str, Any]) -> None:
        import yaml

        self.out.write(yaml.safe_dump(row, sort_keys=False, allow_unicode=True))


class TableWriter(Writer):
    """A rich table, printed page by page; colour and truncation only on a terminal."""

    def __init__(self, out: IO[str], fields: list[str] | None) -> None:
        super().__init__(out, fields)
        self.columns: list[str] | None = fields
        self.pending: list[dict[str, Any]] = []
        self.tty = default_format(out) == "table"

    def row(self, row: dict[str, Any]) -> None:
        if self.columns is None:
            self.columns = _scalar_columns(row)
        self.pending.append(row)
        self.count += 1

    def flush(self) -> None:
        if self.pending:
            self._print(self.pending, header=self.count == len(self.pending))
            self.pending = []
        super().flush()

    def end(self) -> None:
        self.flush()

    def one(self, row: dict[str, Any]) -> None:
        # One record reads best as field / value pairs.
        from rich.table import Table

        table = Table(show_header=False, box=None, pad_edge=False)
        table.add_column(style="bold" if self.tty else None, no_wrap=True)
        table.add_column(overflow="fold")
        for key, value in row.items():
            table.add_row(key, _cell(value))
        self._emit(table)

    def _print(self, rows: list[dict[str, Any]], *, header: bool) -> None:
        from rich import box
        from rich.table import Table

        assert self.columns is not None
        table = Table(box=box.SIMPLE_HEAD, show_header=header, show_edge=False, pad_edge=False)
        for name in self.columns:
            table.add_column(name, overflow="fold" if self.tty else "ignore", no_wrap=not self.tty)
        for row in rows:
            table.add_row(*(_cell(row.get(c)) for c in self.columns))
        self._emit(table)

    def _emit(self, table: Any) -> None:
        from rich.console import Console

        if self.tty:
            Console(file=self.out).print(table)
            return
        # Piped: no colour, no control codes, no column cut short, no trailing blanks.
        buffer = io.StringIO()
        Console(file=buffer, no_color=True, force_terminal=False, width=sys.maxsize).print(table)
        self.out.write("".join(line.rstrip() + "\n" for line in buffer.getvalue().splitlines()))


_WRITERS: dict[str, type[Writer]] = {
    "table": TableWriter,
    "json": JsonWriter,
    "ndjson": NdjsonWriter,
    "csv": CsvWriter,
    "yaml": YamlWriter,
}


def make_writer(fmt: str | None, fields: list[str] | None, out: IO[str] | None = None) -> Writer:
    """The writer of format ``fmt`` (None: the default for ``out``) on ``out`` (stdout)."""
    stream = out if out is not None else sys.stdout
    return _WRITERS[fmt or default_format(stream)](stream, fields)


def write_rows(writer: Writer, rows: Iterable[dict[str, Any]]) -> None:
    """Write a whole listing that is already in memory (choices, stats)."""
    writer.start()
    for row in rows:
        writer.row(row)
    writer.end()
    writer.flush()
