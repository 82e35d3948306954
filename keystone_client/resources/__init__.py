"""``client.resources``: one manager per Keystone collection, plus ``stats``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..models import (
    Allocation,
    AllocationRequest,
    AllocationReview,
    Attachment,
    AuditLog,
    Cluster,
    Comment,
    FeedEntry,
    Grant,
    Membership,
    Notification,
    Preference,
    Publication,
    RequestLog,
    TaskResult,
    Team,
    User,
)
from . import _catalog as c
from ._managers import (
    AsyncListManager,
    AsyncManager,
    AsyncReadOnlyManager,
    AsyncUpdatableManager,
    ListManager,
    Manager,
    ReadOnlyManager,
    UpdatableManager,
)
from ._spec import ResourceSpec
from .stats import AsyncStats, Stats

if TYPE_CHECKING:
    from .._client import AsyncKeystoneClient, KeystoneClient

__all__ = [
    "AsyncListManager",
    "AsyncManager",
    "AsyncReadOnlyManager",
    "AsyncResources",
    "AsyncStats",
    "AsyncUpdatableManager",
    "ListManager",
    "Manager",
    "ReadOnlyManager",
    "ResourceSpec",
    "Resources",
    "Stats",
    "UpdatableManager",
]


class Resources:
    """Managers of every collection for `KeystoneClient`; the manager class sets what it can do."""

    def __init__(self, client: KeystoneClient) -> None:
        self.users: Manager[User] = Manager(client, c.USERS)
        self.teams: Manager[Team] = Manager(client, c.TEAMS)
        self.memberships: Manager[Membership] = Manager(client, c.MEMBERSHIPS)
        self.clusters: Manager[Cluster] = Manager(client, c.CLUSTERS)
        self.allocations: Manager[Allocation] = Manager(client, c.ALLOCATIONS)
        self.allocation_requests: Manager[AllocationRequest] = Manager(
            client, c.ALLOCATION_REQUESTS
        )
        self.allocation_reviews: Manager[AllocationReview] = Manager(client, c.ALLOCATION_REVIEWS)
        self.comments: Manager[Comment] = Manager(client, c.COMMENTS)
        self.attachments: Manager[Attachment] = Manager(client, c.ATTACHMENTS)
        self.grants: Manager[Grant] = Manager(client, c.GRANTS)
        self.publications: Manager[Publication] = Manager(client, c.PUBLICATIONS)
        self.notifications: UpdatableManager[Notification] = UpdatableManager(
            client, c.NOTIFICATIONS
        )
        self.preferences: Manager[Preference] = Manager(client, c.PREFERENCES)
        self.audit_logs: ReadOnlyManager[AuditLog] = ReadOnlyManager(client, c.AUDIT_LOGS)
        self.request_logs: ReadOnlyManager[RequestLog] = ReadOnlyManager(client, c.REQUEST_LOGS)
        self.task_logs: ReadOnlyManager[TaskResult] = ReadOnlyManager(client, c.TASK_LOGS)
        self.feed: ListManager[FeedEntry] = ListManager(client, c.FEED)
        self.stats = Stats(client)


class AsyncResources:
    """Managers of every collection for `AsyncKeystoneClient`."""

    def __init__(self, client: AsyncKeystoneClient) -> None:
        self.users: AsyncManager[User] = AsyncManager(client, c.USERS)
        self.teams: AsyncManager[Team] = AsyncManager(client, c.TEAMS)
        self.memberships: AsyncManager[Membership] = AsyncManager(client, c.MEMBERSHIPS)
        self.clusters: AsyncManager[Cluster] = AsyncManager(client, c.CLUSTERS)
        self.allocations: AsyncManager[Allocation] = AsyncManager(client, c.ALLOCATIONS)
        self.allocation_requests: AsyncManager[AllocationRequest] = AsyncManager(
            client, c.ALLOCATION_REQUESTS
        )
        self.allocation_reviews: AsyncManager[AllocationReview] = AsyncManager(
            client, c.ALLOCATION_REVIEWS
        )
        self.comments: AsyncManager[Comment] = AsyncManager(client, c.COMMENTS)
        self.attachments: AsyncManager[Attachment] = AsyncManager(client, c.ATTACHMENTS)
        self.grants: AsyncManager[Grant] = AsyncManager(client, c.GRANTS)
        self.publications: AsyncManager[Publication] = AsyncManager(client, c.PUBLICATIONS)
        self.notifications: AsyncUpdatableManager[Notification] = AsyncUpdatableManager(
            client, c.NOTIFICATIONS
        )
        self.preferences: AsyncManager[Preference] = AsyncManager(client, c.PREFERENCES)
        self.audit_logs: AsyncReadOnlyManager[AuditLog] = AsyncReadOnlyManager(client, c.AUDIT_LOGS)
        self.request_logs: AsyncReadOnlyManager[RequestLog] = AsyncReadOnlyManager(
            client, c.REQUEST_LOGS
        )
        self.task_logs: AsyncReadOnlyManager[TaskResult] = AsyncReadOnlyManager(client, c.TASK_LOGS)
        self.feed: AsyncListManager[FeedEntry] = AsyncListManager(client, c.FEED)
        self.stats = AsyncStats(client)
