"""The ``stats/`` endpoints: summaries computed over the filtered records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from ._writes import money

__all__ = ["grant_stats", "publication_stats", "request_stats"]


def _duration(delta: dt.timedelta) -> str:
    """Django's duration format, ``"[D ]HH:MM:SS[.uuuuuu]"``."""
    minutes, seconds = divmod(delta.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if delta.days:
        text = f"{delta.days} {text}"
    if delta.microseconds:
        text += f".{delta.microseconds:06d}"
    return text


def _average(deltas: list[dt.timedelta]) -> dt.timedelta | None:
    return sum(deltas, dt.timedelta()) / len(deltas) if deltas else None


def _days(average: dt.timedelta | None) -> float | None:
    """Whole days of an average duration, as the server sends them (a float)."""
    return float(average.days) if average is not None else None


def request_stats(
    db: dict[str, dict[int, dict[str, Any]]], rows: list[dict[str, Any]], today: dt.date
) -> dict[str, Any]:
    def day(value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    def when(row: dict[str, Any]) -> str | None:
        # A request without dates is in no stage: SQL comparisons with NULL are false.
        active, expire = day(row["active"]), day(row["expire"])
        if active is not None and active > today:
            return "upcoming"
        if expire is not None and expire < today:
            return "expired"
        if active is not None and expire is not None:
            return "active"
        return None

    approved = [r for r in rows if r["status"] == "AP"]
    stages = [(r, when(r)) for r in approved]
    upcoming = [r for r, stage in stages if stage == "upcoming"]
    expired = [r for r, stage in stages if stage == "expired"]
    active = [r for r, stage in stages if stage == "active"]
    ids = {r["id"] for r in rows}
    allocations = [a for a in db["allocations"].values() if a["request"] in ids]

    def awarded(group: list[dict[str, Any]]) -> float:
        members = {r["id"] for r in group}
        return float(sum(a["awarded"] or 0 for a in allocations if a["request"] in members))

    pending = [r for r in rows if r["status"] == "PD"]
    declined = [r for r in rows if r["status"] == "DC"]
    # The server averages ``active - submitted`` and ``expire - active`` over every request
    # that has both dates, a date counting from its midnight (UTC).
    waits = [
        dt.datetime.combine(day(r["active"]), dt.time(), dt.UTC)  # type: ignore[arg-type]
        - dt.datetime.fromisoformat(r["submitted"])
        for r in rows
        if r["active"]
    ]
    spans = [
        day(r["expire"]) - day(r["active"])  # type: ignore[operator]
        for r in rows
        if r["active"] and r["expire"]
    ]
    return {
        "request_count": len(rows),
        "request_pending_count": len(pending),
        "request_approved_count": len(approved),
        "request_declined_count": len(declined),
        "request_upcoming_count": len(upcoming),
        "request_active_count": len(active),
        "request_expired_count": len(expired),
        "su_pending_total": awarded(pending),
        "su_declined_total": awarded(declined),
        "su_approved_total": awarded(approved),
        "su_upcoming_total": awarded(upcoming),
        "su_active_total": awarded(active),
        "su_expired_total": awarded(expired),
        "su_requested_total": float(sum(a["requested"] for a in allocations)),
        "su_awarded_total": float(sum(a["awarded"] or 0 for a in allocations)),
        "su_finalized_total": float(sum(a["final"] or 0 for a in allocations)),
        "days_pending_average": _days(_average(waits)),
        "days_active_average": _days(_average(spans)),
    }


def grant_stats(rows: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    def when(row: dict[str, Any]) -> str | None:
        # An open-ended grant that has started is in no stage: SQL comparisons with NULL fail.
        start = dt.date.fromisoformat(row["start_date"])
        end = dt.date.fromisoformat(row["end_date"]) if row["end_date"] else None
        if start > today:
            return "upcoming"
        if end is None:
            return None
        return "expired" if end <= today else "active"

    def total(group: str | None = None) -> Decimal:
        return sum(
            (Decimal(r["amount"]) for r in rows if group is None or when(r) == group),
            Decimal(0),
        )

    count = len(rows)
    return {
        "grant_count": count,
        "upcoming_count": sum(when(r) == "upcoming" for r in rows),
        "active_count": sum(when(r) == "active" for r in rows),
        "expired_count": sum(when(r) == "expired" for r in rows),
        "agency_count": len({r["agency"] for r in rows}),
        "funding_total": money(total()),
        "funding_upcoming": money(total("upcoming")),
        "funding_active": money(total("active")),
        "funding_expired": money(total("expired")),
        "funding_average": money(total() / count if count else Decimal(0)),
    }


def publication_stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
    reviews = [
        dt.date.fromisoformat(r["published"]) - dt.date.fromisoformat(r["submitted"])
        for r in rows
        if r["published"] and r["submitted"]
    ]
    average = _average(reviews)
    return {
        "publications_count": len(rows),
        "draft_count": sum(not r["submitted"] and not r["published"] for r in rows),
        "submitted_count": sum(bool(r["submitted"]) and not r["published"] for r in rows),
        "accepted_count": sum(bool(r["published"]) for r in rows),
        "journals_count": len({r["journal"] for r in rows if r["journal"] is not None}),
        "review_average": _duration(average) if average is not None else None,
    }
