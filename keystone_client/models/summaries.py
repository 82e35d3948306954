"""Summaries of records that the server nests inside other records (``_team``, ``_history``, ...).

They live in one module, apart from the records, because they refer to each other across
server apps (an audit log summary names a user, a user record lists audit log summaries).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, Field

from ._base import KeystoneModel, OpenEnum
from .enums import MembershipRole, RequestStatus

__all__ = [
    "AllocationRequestSummary",
    "AllocationSummary",
    "AttachmentSummary",
    "AuditLogSummary",
    "ClusterSummary",
    "CommentSummary",
    "GrantSummary",
    "PublicationSummary",
    "TeamRole",
    "TeamSummary",
    "UserRole",
    "UserSummary",
]


class UserSummary(KeystoneModel):
    """A user as nested in other records."""

    _repr_fields = ("id", "username")

    id: int
    username: str
    first_name: str | None = None
    last_name: str | None = None
    display_name: str
    abbreviation: str
    email: str | None = None
    department: str | None = None
    role: str | None = None


class TeamSummary(KeystoneModel):
    """A team as nested in other records."""

    _repr_fields = ("id", "name")

    id: int
    slug: str
    name: str
    is_active: bool = True


class TeamRole(KeystoneModel):
    """A user's membership as listed on the user: the team and the role held in it."""

    _repr_fields = ("id", "team_id", "role")

    id: int
    team_id: int = Field(alias="team")
    role: OpenEnum[MembershipRole]
    team: TeamSummary = Field(alias="_team")


class UserRole(KeystoneModel):
    """A team's membership as listed on the team: the user and the role they hold."""

    _repr_fields = ("id", "user_id", "role")

    id: int
    user_id: int = Field(alias="user")
    role: OpenEnum[MembershipRole]
    user: UserSummary = Field(alias="_user")


class AuditLogSummary(KeystoneModel):
    """One entry of a record's change history (``history``)."""

    _repr_fields = ("id", "action")

    id: int
    timestamp: AwareDatetime | None = None
    action: str
    actor_id: int | None = Field(default=None, alias="actor")
    # The schema does not mark ``_actor`` nullable, but changes made by the system
    # (fixtures, migrations, tasks) have no actor and the server sends null.
    actor: UserSummary | None = Field(alias="_actor")
    changes: dict[str, Any] | None = None


class AllocationRequestSummary(KeystoneModel):
    """An allocation request as nested in other records."""

    _repr_fields = ("id", "title")

    id: int
    title: str
    status: OpenEnum[RequestStatus] = RequestStatus.PENDING
    active: dt.date | None = None
    expire: dt.date | None = None


class AttachmentSummary(KeystoneModel):
    """A file attached to an allocation request, as nested in the request."""

    _repr_fields = ("name",)

    file: str
    name: str


class ClusterSummary(KeystoneModel):
    """A cluster as nested in other records."""

    _repr_fields = ("id", "name")

    id: int
    name: str
    enabled: bool = True


class AllocationSummary(KeystoneModel):
    """Service units requested and awarded on one cluster, as nested in a request."""

    _repr_fields = ("id", "cluster_id")

    id: int
    cluster_id: int = Field(alias="cluster")
    requested: int
    awarded: int | None = None
    final: int | None = None
    cluster: ClusterSummary = Field(alias="_cluster")


class CommentSummary(KeystoneModel):
    """A comment as nested in an allocation request."""

    _repr_fields = ("id", "user_id")

    id: int
    user_id: int | None = Field(default=None, alias="user")
    content: str
    created: AwareDatetime
    private: bool = False
    user: UserSummary = Field(alias="_user")


class GrantSummary(KeystoneModel):
    """A grant as nested in other records."""

    _repr_fields = ("id", "title")

    id: int
    title: str
    agency: str
    pi: str | None = None
    amount: Decimal
    grant_number: str | None = None
    start_date: dt.date
    end_date: dt.date | None = None
    description: str | None = None
    team: int


class PublicationSummary(KeystoneModel):
    """A publication as nested in other records."""

    _repr_fields = ("id", "title")

    id: int
    title: str
    abstract: str | None = None
    published: dt.date | None = None
    submitted: dt.date | None = None
    journal: str | None = None
    doi: str | None = None
    volume: str | None = None
    issue: str | None = None
    team: int
