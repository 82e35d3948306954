"""Records of the server's ``allocations`` app: clusters, requests, reviews and their parts."""

from __future__ import annotations

import datetime as dt

from pydantic import AwareDatetime, Field

from ._base import OpenEnum, Record
from ._lazy import Lazy
from .enums import AccessMode, RequestStatus, ReviewStatus
from .summaries import (
    AllocationRequestSummary,
    AllocationSummary,
    AttachmentSummary,
    AuditLogSummary,
    ClusterSummary,
    CommentSummary,
    GrantSummary,
    PublicationSummary,
    TeamSummary,
    UserSummary,
)

__all__ = [
    "Allocation",
    "AllocationRequest",
    "AllocationReview",
    "Attachment",
    "Cluster",
    "Comment",
]


class Cluster(Record):
    """A compute cluster that service units are allocated on (``allocations/clusters/``)."""

    _repr_fields = ("id", "name")

    access_teams: Lazy[list[TeamSummary]] = Field(alias="_access_teams")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    name: str
    description: str | None
    enabled: bool
    access_mode: OpenEnum[AccessMode]
    access_team_ids: list[int] = Field(alias="access_teams")


class AllocationRequest(Record):
    """A team's request for service units (``allocations/requests/``)."""

    _repr_fields = ("id", "title")

    submitter: Lazy[UserSummary] = Field(alias="_submitter")
    team: Lazy[TeamSummary] = Field(alias="_team")
    assignees: Lazy[list[UserSummary]] = Field(alias="_assignees")
    publications: Lazy[list[PublicationSummary]] = Field(alias="_publications")
    grants: Lazy[list[GrantSummary]] = Field(alias="_grants")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    allocations: Lazy[list[AllocationSummary]] = Field(alias="_allocations")
    attachments: Lazy[list[AttachmentSummary]] = Field(alias="_attachments")
    comments: Lazy[list[CommentSummary]] = Field(alias="_comments")
    title: str
    description: str
    submitted: AwareDatetime
    active: dt.date | None
    expire: dt.date | None
    status: OpenEnum[RequestStatus]
    submitter_id: int = Field(alias="submitter")
    team_id: int = Field(alias="team")
    assignee_ids: list[int] = Field(alias="assignees")
    publication_ids: list[int] = Field(alias="publications")
    grant_ids: list[int] = Field(alias="grants")


class AllocationReview(Record):
    """A reviewer's decision on an allocation request (``allocations/reviews/``)."""

    _repr_fields = ("id", "request_id", "status")

    request: Lazy[AllocationRequestSummary] = Field(alias="_request")
    reviewer: Lazy[UserSummary] = Field(alias="_reviewer")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    status: OpenEnum[ReviewStatus]
    submitted: AwareDatetime
    request_id: int = Field(alias="request")
    reviewer_id: int = Field(alias="reviewer")


class Allocation(Record):
    """Service units requested and awarded on one cluster (server ``ResourceAllocation``)."""

    _repr_fields = ("id", "request_id", "cluster_id")

    cluster: Lazy[ClusterSummary] = Field(alias="_cluster")
    request: Lazy[AllocationRequestSummary] = Field(alias="_request")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    requested: int
    awarded: int | None
    final: int | None
    cluster_id: int = Field(alias="cluster")
    request_id: int = Field(alias="request")


class Comment(Record):
    """A comment on an allocation request (``allocations/comments/``)."""

    _repr_fields = ("id", "request_id", "user_id")

    user_id: int = Field(alias="user")
    user: Lazy[UserSummary] = Field(alias="_user")
    request: Lazy[AllocationRequestSummary] = Field(alias="_request")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    content: str
    created: AwareDatetime
    private: bool
    request_id: int = Field(alias="request")


class Attachment(Record):
    """A file attached to an allocation request (``allocations/attachments/``)."""

    _repr_fields = ("id", "name")

    file: str
    name: str
    request: Lazy[AllocationRequestSummary] = Field(alias="_request")
    history: Lazy[list[AuditLogSummary]] = Field(alias="_history")
    uploaded: AwareDatetime
    request_id: int = Field(alias="request")
