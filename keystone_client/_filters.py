"""Filter lookups: which lookups each field type offers, validation and value conversion."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Collection, Iterable, Mapping
from decimal import Decimal
from typing import Any

from pydantic import BaseModel

from ._ids import id_of
from .errors import FilterError

__all__ = [
    "BOOL",
    "DATE",
    "DATETIME",
    "ID",
    "IP",
    "LOOKUPS",
    "NUMBER",
    "TEXT",
    "compile_filters",
]

_BASIC = ("", "not_eq", "in", "not_in", "isnull")
_COMPARE = ("lt", "lte", "gt", "gte")
_TEXT = ("contains", "not_contains", "startswith", "not_startswith", "endswith", "not_endswith")
_DATE_PARTS = ("year", "month", "day", "week", "week_day")
_TIME_PARTS = ("hour", "minute", "second")

#: Field type names (as the server's filter sets group them) and the lookups each offers.
BOOL = "boolean"
ID = "relation"
IP = "ip address"
NUMBER = "number"
TEXT = "text"
DATE = "date"
DATETIME = "datetime"

LOOKUPS: dict[str, frozenset[str]] = {
    BOOL: frozenset(_BASIC),
    ID: frozenset(_BASIC),
    IP: frozenset(_BASIC),
    NUMBER: frozenset(_BASIC + _COMPARE),
    TEXT: frozenset(_BASIC + _TEXT),
    DATE: frozenset(_BASIC + _COMPARE + _DATE_PARTS),
    DATETIME: frozenset(_BASIC + _COMPARE + _DATE_PARTS + _TIME_PARTS),
}

_LIST_LOOKUPS = frozenset({"in", "not_in"})


def to_query_value(value: Any) -> str:
    """Convert a filter value to the server's query-string form (lists comma-joined)."""
    value = id_of(value)
    if isinstance(value, list | tuple | set | frozenset):
        return ",".join(to_query_value(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return to_query_value(value.value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, BaseModel):
        raise FilterError(f"Cannot filter by a {type(value).__name__}: it has no id")
    if isinstance(value, Decimal | int | float | str):
        return str(value)
    raise FilterError(f"Cannot use a {type(value).__name__} as a filter value: {value!r}")


def compile_filters(
    resource: str,
    fields: Mapping[str, str],
    aliases: Mapping[str, str],
    filters: Mapping[str, Any],
) -> dict[str, str] | None:
    """Validate ``filters`` against a resource's filter fields and return query parameters.

    Returns None when the filters match no record at all (``field__in=[]``), as in Django.

    Args:
        resource: The resource's name, for messages.
        fields: Server filter field -> field type (a key of `LOOKUPS`).
        aliases: Model field name -> server field name (``team_id`` -> ``team``).
        filters: ``field__lookup`` -> value, as the user wrote them.

    Raises:
        FilterError: A field is unknown, a lookup is not offered for the field's type, or a
            value cannot be converted. Nothing is sent in that case.
    """
    params: dict[str, str] = {}
    matches_nothing = False
    for key, value in filters.items():
        name, _, lookup = key.partition("__")
        server_name = name if name in fields else aliases.get(name, name)
        kind = fields.get(server_name)
        if kind is None:
            valid = _field_names(fields, aliases)
            raise FilterError(
                f"Unknown filter field {name!r} for {resource}; valid fields: {valid}"
            )
        if lookup == "exact":
            lookup = ""
        if lookup not in LOOKUPS[kind]:
            valid = ", ".join(sorted(lk or "exact" for lk in LOOKUPS[kind]))
            raise FilterError(
                f"Lookup {lookup!r} is not available for {resource} field {server_name!r} "
                f"({kind}); valid lookups: {valid}"
            )
        if value is None and lookup in ("", "not_eq"):
            # Django-style: field=None means "is null".
            params[f"{server_name}__isnull"] = "true" if lookup == "" else "false"
            continue
        if lookup in _LIST_LOOKUPS:
            items = [value] if isinstance(value, str | bytes) else value
            items = list(items) if isinstance(items, Iterable) else [items]
            if not items:
                # Excluding nothing is no filter; being one of nothing matches no record. The
                # server would ignore both and return every record.
                matches_nothing = matches_nothing or lookup == "in"
                continue
            text = ",".join(to_query_value(item) for item in items)
        else:
            text = to_query_value(value)
        if text == "":
            # The server skips a filter with an empty value and returns every record.
            raise FilterError(
                f"Empty value for {resource} filter {key!r}: the server would ignore it and "
                "match every record"
            )
        params[f"{server_name}__{lookup}" if lookup else server_name] = text
    return None if matches_nothing else params


def _field_names(fields: Collection[str], aliases: Mapping[str, str]) -> str:
    """List the names a query accepts: server names and the model names that map to them."""
    names = {*fields, *(name for name, server in aliases.items() if server in fields)}
    return ", ".join(sorted(names))


def compile_ordering(
    resource: str, fields: Collection[str], aliases: Mapping[str, str], order: Iterable[str]
) -> str:
    """Validate ``order_by`` fields (``"-submitted"``, ``"team_id"``) and return ``_order``.

    ``fields`` are the server names the collection can be ordered by.
    """
    parts = []
    for item in order:
        descending = item.startswith("-")
        name = item.lstrip("-+")
        server_name = name if name in fields else aliases.get(name, name)
        if server_name not in fields:
            valid = _field_names(fields, aliases)
            raise FilterError(f"Cannot order {resource} by {name!r}; valid fields: {valid}")
        parts.append(f"-{server_name}" if descending else server_name)
    return ",".join(parts)
