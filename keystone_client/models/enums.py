"""String enums for the server's choice fields (values are the server's codes)."""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "AccessMode",
    "FeedRecordType",
    "MembershipRole",
    "NotificationType",
    "RequestStatus",
    "ReviewStatus",
]


class RequestStatus(StrEnum):
    """Status of an allocation request."""

    PENDING = "PD"
    APPROVED = "AP"
    DECLINED = "DC"
    CHANGES_REQUESTED = "CR"


class ReviewStatus(StrEnum):
    """Decision recorded by an allocation review."""

    APPROVED = "AP"
    DECLINED = "DC"
    CHANGES_REQUESTED = "CR"


class AccessMode(StrEnum):
    """How a cluster's ``access_teams`` list is applied."""

    WHITELIST = "WL"
    BLACKLIST = "BL"
    OPEN = "OP"


class MembershipRole(StrEnum):
    """Role of a user inside a team."""

    OWNER = "OW"
    ADMIN = "AD"
    MEMBER = "MB"


class NotificationType(StrEnum):
    """Kind of a user notification."""

    GENERAL_MESSAGE = "GM"
    REQUEST_EXPIRING = "RE"
    """An allocation request expires soon (server label: "Upcoming Request Expiration")."""
    REQUEST_EXPIRED = "RD"
    """An allocation request has expired (server label: "Request Past Expiration")."""


class FeedRecordType(StrEnum):
    """The kind of record an activity feed entry points to."""

    REQUEST = "request"
    """An HTTP request log (``logs/requests/``)."""
    TASK = "task"
    """A background task result (``logs/tasks/``)."""
    AUDIT = "audit"
    """An audit log of a record change (``logs/audit/``)."""
