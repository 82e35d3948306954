"""Records of the server's ``users`` app: users, teams and memberships."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from ._base import OpenEnum, Record
from ._lazy import Lazy
from .enums import MembershipRole
from .summaries import AuditLogSummary, TeamRole, TeamSummary, UserRole, UserSummary

__all__ = ["Membership", "Team", "User"]


class User(Record):
    """A user account (``users/users/``; server schema ``RestrictedUser``)."""

    _repr_fields = ("id", "username")

    display_name: str
    abbreviation: str
    membership: Lazy[list[TeamRole]] = Field(alias="_membership")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    is_superuser: bool
    username: str
    first_name: str | None
    last_name: str | None
    email: str | None
    department: str | None
    role: str | None
    is_active: bool
    is_staff: bool
    is_ldap_user: bool
    date_joined: AwareDatetime
    last_login: AwareDatetime | None
    groups: list[int]
    user_permissions: list[int]


class Team(Record):
    """A team of users that owns requests, grants and publications (``users/teams/``)."""

    _repr_fields = ("id", "name")

    slug: str
    # Optional in ``TeamUpdate`` (the PUT/PATCH response), which also parses into Team.
    is_active: bool = True
    membership: Lazy[list[UserRole]] = Field(alias="_membership")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    name: str
    users: list[int]


class Membership(Record):
    """The role of one user in one team (``users/memberships/``)."""

    _repr_fields = ("id", "team_id", "user_id")

    user: Lazy[UserSummary] = Field(alias="_user")
    team: Lazy[TeamSummary] = Field(alias="_team")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    role: OpenEnum[MembershipRole]
    user_id: int = Field(alias="user")
    team_id: int = Field(alias="team")
