"""Records of the server's ``research`` app: grants and publications."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import Field

from ._base import Record
from ._lazy import Lazy
from .summaries import AuditLogSummary, TeamSummary

__all__ = ["Grant", "Publication"]


class Grant(Record):
    """A research grant held by a team (``research/grants/``)."""

    _repr_fields = ("id", "title")

    team: Lazy[TeamSummary] = Field(alias="_team")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    title: str
    agency: str
    pi: str | None
    amount: Decimal
    grant_number: str | None
    start_date: dt.date
    end_date: dt.date | None
    description: str | None
    team_id: int = Field(alias="team")


class Publication(Record):
    """A publication by a team (``research/publications/``)."""

    _repr_fields = ("id", "title")

    team: Lazy[TeamSummary] = Field(alias="_team")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    title: str
    abstract: str | None
    published: dt.date | None
    submitted: dt.date | None
    journal: str | None
    doi: str | None
    volume: str | None
    issue: str | None
    team_id: int = Field(alias="team")
