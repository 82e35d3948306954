"""Filter lookups, search and ordering over stored rows, as the server's filter sets do them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .._filters import BOOL, DATE, DATETIME, ID, LOOKUPS, NUMBER
from ._schema import Collection
from ._wire import BadRequest

__all__ = ["apply_filters", "sort_rows", "typed"]

# Django's form field messages for a filter value it cannot parse (only these kinds parse).
_INVALID = {
    ID: "Select a valid choice. That choice is not one of the available choices.",
    NUMBER: "Enter a number.",
    DATE: "Enter a valid date.",
    DATETIME: "Enter a valid date/time.",
}
# django-filter's boolean widget: any other value leaves the filter out.
_BOOLEAN_WORDS = ("true", "1", "false", "0")
_DATE_PARTS = ("year", "month", "day", "week", "week_day", "hour", "minute", "second")


def typed(value: Any) -> Any:
    """A comparable form of a stored value: dates and timestamps parsed, numbers as Decimal."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d\d-\d\dT.*", value):
            return dt.datetime.fromisoformat(value)
        if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            return dt.date.fromisoformat(value)
        if re.fullmatch(r"-?\d+(\.\d+)?", value):
            return Decimal(value)
    return value


def _parse_param(sample: Any, text: str) -> Any:
    """Parse a query-string value into the type of ``sample`` (a typed stored value)."""
    if isinstance(sample, bool):
        return text.lower() in ("true", "1")
    if isinstance(sample, Decimal):
        return Decimal(text)  # InvalidOperation becomes a 400
    if isinstance(sample, dt.datetime):
        when = dt.datetime.fromisoformat(text)
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    if isinstance(sample, dt.date):
        return dt.date.fromisoformat(text)  # a timestamp is not a date: "Enter a valid date."
    return text


def _date_part(value: Any, part: str) -> int | None:
    if not isinstance(value, dt.date):
        return None
    if part == "week":
        return value.isocalendar()[1]
    if part == "week_day":
        return value.isoweekday() % 7 + 1  # Django: 1 = Sunday ... 7 = Saturday
    if part in ("hour", "minute", "second"):
        return getattr(value, part, None) if isinstance(value, dt.datetime) else None
    return int(getattr(value, part))


def matches(value: Any, lookup: str, text: str) -> bool:
    """Whether a stored value passes one filter lookup."""
    value_typed = typed(value)
    if lookup == "isnull":
        return (value is None) == (text.lower() in ("true", "1"))
    if lookup in ("in", "not_in"):
        options = [item for item in text.split(",") if item != ""]
        found = value is not None and any(
            value_typed == _parse_param(value_typed, item) for item in options
        )
        return found if lookup == "in" else not found
    if lookup in _DATE_PARTS:
        return _date_part(value_typed, lookup) == int(text)
    if value is None:
        return lookup in ("not_eq", "not_contains", "not_startswith", "not_endswith")
    if lookup in ("", "not_eq"):
        equal = value_typed == _parse_param(value_typed, text)
        return equal if lookup == "" else not equal
    if lookup in ("lt", "lte", "gt", "gte"):
        other = _parse_param(value_typed, text)
        return bool(
            {
                "lt": value_typed < other,
                "lte": value_typed <= other,
                "gt": value_typed > other,
                "gte": value_typed >= other,
            }[lookup]
        )
    negate = lookup.startswith("not_")
    stored = str(value)
    hit = {
        "contains": text in stored,
        "startswith": stored.startswith(text),
        "endswith": stored.endswith(text),
    }[lookup.removeprefix("not_")]
    return not hit if negate else hit


def apply_filters(
    coll: Collection, rows: list[dict[str, Any]], query: dict[str, str]
) -> list[dict[str, Any]]:
    """Narrow rows by the declared filter lookups and ``_search``; ignore everything else."""
    filters = coll.spec.filters
    for key, text in query.items():
        name, _, lookup = key.partition("__")
        kind = filters.get(name)
        # The server ignores unknown parameters, unknown lookups and filters on passwords.
        if kind is None or name == "password" or lookup not in LOOKUPS.get(kind, ()):
            continue
        boolean = lookup == "isnull" or (kind == BOOL and lookup in ("", "not_eq"))
        if boolean and text.lower() not in _BOOLEAN_WORDS:
            continue
        try:
            rows = [row for row in rows if matches(row.get(name), lookup, text)]
        except (InvalidOperation, ValueError):
            # Date parts (year, hour ...) are numbers whatever the field's type.
            message = _INVALID[NUMBER if lookup in _DATE_PARTS else kind]
            raise BadRequest({key: [message]}) from None
    search = query.get("_search")
    if search:
        needle = search.lower()
        rows = [
            row
            for row in rows
            if any(
                isinstance(v, str) and needle in v.lower()
                for k, v in row.items()
                if k != "password"
            )
        ]
    return rows


def sort_rows(coll: Collection, rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Sort like PostgreSQL: by each key in turn, NULLs last ascending and first descending."""
    allowed = set(coll.spec.order_fields)
    keys = [k.strip() for k in order.split(",")]
    # The server drops fields it cannot order by, and falls back to its default order.
    keys = [k for k in keys if k.removeprefix("-") in allowed] or [coll.default_order]
    rows = list(rows)
    for key in reversed(keys):
        name = key.removeprefix("-")

        def sort_key(row: dict[str, Any], name: str = name) -> tuple[bool, Any]:
            value = typed(row.get(name))
            return (value is None, 0 if value is None else value)

        rows.sort(key=sort_key, reverse=key.startswith("-"))
    return rows
