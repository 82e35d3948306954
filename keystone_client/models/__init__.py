"""Pydantic models of the Keystone API's records, summaries, statistics and choices.

Relations follow the Django ORM: the server sends a related record as an id (``team``)
and as an object (``_team``); the model calls the object ``team`` and the id ``team_id``.
``model.model_dump(mode="json", by_alias=True)`` gives back the server's JSON.

Relations of a record parsed from a response are built into their models when first read
(see ``_lazy``), which makes listing cheap; ``repr()`` shows a model's name, id and the
fields that name it, ``model_dump()`` every field.
"""

from ._base import KeystoneModel, OpenEnum, Record
from .allocations import (
    Allocation,
    AllocationRequest,
    AllocationReview,
    Attachment,
    Cluster,
    Comment,
)
from .config import Config, Health, HealthCheck
from .enums import (
    AccessMode,
    FeedRecordType,
    MembershipRole,
    NotificationType,
    RequestStatus,
    ReviewStatus,
)
from .logs import AuditLog, FeedEntry, RequestLog, TaskResult
from .notifications import Notification, Preference
from .pagination import Page
from .research import Grant, Publication
from .stats import AllocationRequestStats, GrantStats, NotificationStats, PublicationStats
from .summaries import (
    AllocationRequestSummary,
    AllocationSummary,
    AttachmentSummary,
    AuditLogSummary,
    ClusterSummary,
    CommentSummary,
    GrantSummary,
    PublicationSummary,
    TeamRole,
    TeamSummary,
    UserRole,
    UserSummary,
)
from .users import Membership, Team, User

__all__ = [
    "AccessMode",
    "Allocation",
    "AllocationRequest",
    "AllocationRequestStats",
    "AllocationRequestSummary",
    "AllocationReview",
    "AllocationSummary",
    "Attachment",
    "AttachmentSummary",
    "AuditLog",
    "AuditLogSummary",
    "Cluster",
    "ClusterSummary",
    "Comment",
    "CommentSummary",
    "Config",
    "FeedEntry",
    "FeedRecordType",
    "Grant",
    "GrantStats",
    "GrantSummary",
    "Health",
    "HealthCheck",
    "KeystoneModel",
    "Membership",
    "MembershipRole",
    "Notification",
    "NotificationStats",
    "NotificationType",
    "OpenEnum",
    "Page",
    "Preference",
    "Publication",
    "PublicationStats",
    "PublicationSummary",
    "Record",
    "RequestLog",
    "RequestStatus",
    "ReviewStatus",
    "TaskResult",
    "Team",
    "TeamRole",
    "TeamSummary",
    "User",
    "UserRole",
    "UserSummary",
]
