"""Filter lookups, search and ordering over stored rows, as the server's filter sets do them."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .._filters import BOOL, DATE, DATETIME, ID, LOOKUPS, NUMBER
from ._schema import CONTENT_TYPE_IDS, CONTENT_TYPE_TARGET, Collection
from ._wire import BadRequest

__all__ = ["apply_filters", "sort_rows", "typed"]

# Django's form field messages for a filter value it refuses.
_INVALID = {
    ID: "Select a valid choice. That choice is not one of the available choices.",
    NUMBER: "Enter a number.",
    DATE: "Enter a valid date.",
    DATETIME: "Enter a valid date/time.",
}
# django-filter's boolean widget: any other value leaves the filter out.
_BOOLEAN_WORDS = ("true", "1", "false", "0")
_DATE_PARTS = ("year", "month", "day", "week", "week_day", "hour", "minute", "second")
# The order the server's filter sets declare a field's lookups in: its 400 lists bad values
# by field (in the model's order), then in this order.
_LOOKUP_ORDER = (
    *("", "not_eq", "in", "not_in", "isnull", "lt", "lte", "gt", "gte"),
    *("contains", "not_contains", "startswith", "not_startswith", "endswith", "not_endswith"),
    *_DATE_PARTS,
)

Rows = dict[str, dict[int, dict[str, Any]]]


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


def _parse(kind: str, text: str) -> Any:
    """A query value in the form stored values compare in; ValueError if the server refuses it."""
    if kind == BOOL:
        return text.lower() in ("true", "1")
    if kind == ID:
        return Decimal(int(text))
    if kind == NUMBER:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(text) from None
        if not number.is_finite():
            raise ValueError(text)
        return number
    if kind == DATETIME:
        when = dt.datetime.fromisoformat(text)
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    if kind == DATE:
        return dt.date.fromisoformat(text)  # a timestamp is not a date: "Enter a valid date."
    return text


def _stored(kind: str, value: Any) -> Any:
    if kind == BOOL:
        return value
    if kind not in (ID, NUMBER, DATE, DATETIME):
        return str(value)  # text filters compare text, even with a number stored
    value = typed(value)
    if kind == DATE and isinstance(value, dt.datetime):
        value = value.date()
    if kind == DATETIME and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if isinstance(value, dt.datetime):
        # The server holds timestamps in UTC: comparisons and date parts see UTC.
        value = value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return value


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


def _items(lookup: str, text: str) -> list[str]:
    """The values one parameter holds: a list for in/not_in, whose empty items match nothing."""
    if lookup in ("in", "not_in"):
        return [item for item in text.split(",") if item != ""]
    return [text]


def matches(value: Any, kind: str, lookup: str, text: str) -> bool:
    """Whether a stored value passes one filter lookup (``text`` already validated)."""
    stored = _stored(kind, value)
    if lookup == "isnull":
        return (value is None) == (text.lower() in ("true", "1"))
    if lookup in ("in", "not_in"):
        found = value is not None and any(
            stored == _parse(kind, item) for item in _items(lookup, text)
        )
        return found if lookup == "in" else not found
    if lookup in _DATE_PARTS:
        return _date_part(stored, lookup) == Decimal(text)
    if value is None:
        return lookup in ("not_eq", "not_contains", "not_startswith", "not_endswith")
    if lookup in ("", "not_eq"):
        equal = stored == _parse(kind, text)
        return equal if lookup == "" else not equal
    if lookup in ("lt", "lte", "gt", "gte"):
        other = _parse(kind, text)
        return bool(
            {
                "lt": stored < other,
                "lte": stored <= other,
                "gt": stored > other,
                "gte": stored >= other,
            }[lookup]
        )
    negate = lookup.startswith("not_")
    hit = {
        "contains": text in str(value),
        "startswith": str(value).startswith(text),
        "endswith": str(value).endswith(text),
    }[lookup.removeprefix("not_")]
    return not hit if negate else hit


def _active(coll: Collection, query: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """The filters the server applies, as (parameter, field, lookup, kind), in its order."""
    active = []
    for key, text in query.items():
        name, _, lookup = key.partition("__")
        kind = coll.spec.filters.get(name)
        # The server ignores unknown parameters, unknown lookups, filters on passwords and
        # empty values.
        if kind is None or name == "password" or lookup not in LOOKUPS.get(kind, ()):
            continue
        boolean = lookup == "isnull" or (kind == BOOL and lookup in ("", "not_eq"))
        if text == "" or (boolean and text.lower() not in _BOOLEAN_WORDS):
            continue
        active.append((key, name, lookup, kind))
    return sorted(active, key=lambda f: (coll.filter_order.index(f[1]), _LOOKUP_ORDER.index(f[2])))


def _refusal(db: Rows, coll: Collection, name: str, lookup: str, kind: str, text: str) -> str:
    """The server's message for a filter value its filter form refuses, or ""."""
    if lookup == "isnull":
        return ""
    codes = coll.codes.get(name)
    if codes is not None and lookup in ("", "not_eq"):
        ok = text in codes
        return "" if ok else f"Select a valid choice. {text} is not one of the available choices."
    if lookup in _DATE_PARTS:
        kind = NUMBER  # date parts are numbers whatever the field's type
    if kind not in _INVALID:
        return ""
    for item in _items(lookup, text):
        try:
            value = _parse(kind, item)
        except ValueError:
            return _INVALID[kind]
        if kind == ID and not _exists(db, coll.targets[name], int(value)):
            return _INVALID[ID]
    return ""


def _exists(db: Rows, target: str, pk: int) -> bool:
    """Whether a relation's target exists: any record, not only those the caller sees."""
    if target == CONTENT_TYPE_TARGET:
        return pk in CONTENT_TYPE_IDS
    return pk in db[target]


def apply_filters(
    db: Rows, coll: Collection, rows: list[dict[str, Any]], query: dict[str, str]
) -> list[dict[str, Any]]:
    """Narrow rows by the declared filter lookups and ``_search``; ignore everything else.

    Raises:
        BadRequest: Some filter value is refused, checked before any row as the server's
            filter form does; the answer names every refused parameter.
    """
    active = _active(coll, query)
    errors = {
        key: [message]
        for key, name, lookup, kind in active
        if (message := _refusal(db, coll, name, lookup, kind, query[key]))
    }
    if errors:
        raise BadRequest(errors)
    for key, name, lookup, kind in active:
        rows = [row for row in rows if matches(row.get(name), kind, lookup, query[key])]
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
