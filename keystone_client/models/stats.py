"""Aggregated statistics returned by ``stats/...`` endpoints."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

from ._base import KeystoneModel

__all__ = [
    "AllocationRequestStats",
    "GrantStats",
    "NotificationStats",
    "PublicationStats",
]

# Django's own duration format: "[DD ]HH:MM:SS[.uuuuuu]" (days may be negative).
_DJANGO_DURATION = re.compile(
    r"^(?:(?P<days>-?\d+) (?:days?, )?)?"
    r"(?P<sign>-?)"
    r"(?:(?P<hours>\d+):(?=\d+:\d+))?"
    r"(?:(?P<minutes>\d+):)?"
    r"(?P<seconds>\d+)"
    r"(?:[.,](?P<microseconds>\d{1,6})\d{0,6})?$"
)


def _parse_duration(value: Any) -> Any:
    """Turn Django's duration text (``"39 16:48:44.421594"``) into a ``timedelta``.

    Anything else (ISO 8601 text such as ``"P3DT4H"``, numbers, timedeltas) is passed on
    unchanged to pydantic's own ``timedelta`` validation, which also reports bad values.

    Args:
        value: The raw field value.

    Returns:
        The duration, or ``value`` unchanged.
    """
    match = _DJANGO_DURATION.match(value) if isinstance(value, str) else None
    if match is None:
        return value
    days = timedelta(days=int(match["days"] or 0))
    sign = -1 if match["sign"] == "-" else 1
    rest = timedelta(
        hours=int(match["hours"] or 0),
        minutes=int(match["minutes"] or 0),
        seconds=int(match["seconds"]),
        microseconds=int((match["microseconds"] or "0").ljust(6, "0")),
    )
    return days + sign * rest


def _format_duration(value: timedelta) -> str:
    """Format a duration exactly as Django does (``django.utils.duration.duration_string``).

    Args:
        value: The duration.

    Returns:
        ``"[D ]HH:MM:SS[.uuuuuu]"``, e.g. ``"39 16:48:44.421594"``.
    """
    minutes, seconds = divmod(value.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if value.days:
        text = f"{value.days} {text}"
    if value.microseconds:
        text += f".{value.microseconds:06d}"
    return text


#: A ``timedelta`` read from and written back as Django's duration text.
_DjangoDuration = Annotated[
    timedelta,
    BeforeValidator(_parse_duration),
    PlainSerializer(_format_duration, return_type=str, when_used="json"),
]


class AllocationRequestStats(KeystoneModel):
    """Counts and service-unit totals of allocation requests (``stats/requests/``)."""

    request_count: int
    request_pending_count: int
    request_approved_count: int
    request_declined_count: int
    request_upcoming_count: int
    request_active_count: int
    request_expired_count: int
    su_pending_total: float
    su_declined_total: float
    su_approved_total: float
    su_upcoming_total: float
    su_active_total: float
    su_expired_total: float
    su_requested_total: float
    su_awarded_total: float
    su_finalized_total: float
    days_pending_average: float | None
    days_active_average: float | None


class GrantStats(KeystoneModel):
    """Counts and funding totals of grants (``stats/grants/``)."""

    grant_count: int
    upcoming_count: int
    active_count: int
    expired_count: int
    agency_count: int
    funding_total: Decimal
    funding_upcoming: Decimal
    funding_active: Decimal
    funding_expired: Decimal
    funding_average: Decimal


class PublicationStats(KeystoneModel):
    """Counts of publications and their average review time (``stats/publications/``)."""

    publications_count: int
    draft_count: int
    submitted_count: int
    accepted_count: int
    journals_count: int
    #: Average time from submission to publication; the server sends ``"39 16:48:44.421594"``.
    review_average: _DjangoDuration | None


class NotificationStats(KeystoneModel):
    """Total and unread notifications of the current user (``stats/notifications/``)."""

    total: int
    unread: int
