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


def request_stats(
    db: dict[str, dict[int, dict[str, Any]]], rows: list[dict[str, Any]], today: dt.date
) -> dict[str, Any]:
    def day(value: str | None) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    approved = [r for r in rows if r["status"] == "AP"]
    upcoming = [r for r in approved if (a := day(r["active"])) and a > today]
    expired = [r for r in approved if (e := day(r["expire"])) and e <= today]
    active = [r for r in approved if r not in upcoming and r not in expired]
    ids = {r["id"] for r in rows}
    allocations = [a for a in db["allocations"].values() if a["request"] in ids]

    def awarded(group: list[dict[str, Any]]) -> float:
        members = {r["id"] for r in group}
        return float(sum(a["awarded"] or 0 for a in allocations if a["request"] in members))

    pending = [r for r in rows if r["status"] == "PD"]
    declined = [r for r in rows if r["status"] == "DC"]
    now = dt.datetime.now(dt.UTC)
    waits = [(now - dt.datetime.fromisoformat(r["submitted"])).days for r in pending]
    spans = [
        (day(r["expire"]) - day(r["active"])).days  # type: ignore[operator]
        for r in approved
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
        "days_pending_average": sum(waits) / len(waits) if waits else None,
        "days_active_average": sum(spans) / len(spans) if spans else None,
    }


def grant_stats(rows: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
    def when(row: dict[str, Any]) -> str:
        start = dt.date.fromisoformat(row["start_date"])
        end = dt.date.fromisoformat(row["end_date"]) if row["end_date"] else None
        if start > today:
            return "upcoming"
        if end is not None and end < today:
            return "expired"
        return "active"

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
    average = sum(reviews, dt.timedelta()) / len(reviews) if reviews else None
    return {
        "publications_count": len(rows),
        "draft_count": sum(not r["submitted"] and not r["published"] for r in rows),
        "submitted_count": sum(bool(r["submitted"]) and not r["published"] for r in rows),
        "accepted_count": sum(bool(r["published"]) for r in rows),
        "journals_count": len({r["journal"] for r in rows if r["journal"]}),
        "review_average": _duration(average) if average is not None else None,
    }
