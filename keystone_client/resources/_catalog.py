"""The declaration of every Keystone collection, written once for all managers."""

from __future__ import annotations

from .._filters import BOOL, DATE, DATETIME, ID, IP, NUMBER, TEXT
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
from ._spec import Access, ResourceSpec

USERS = ResourceSpec(
    name="users",
    endpoint="users/users/",
    model=User,
    filters={
        "id": NUMBER,
        "username": TEXT,
        "password": TEXT,
        "first_name": TEXT,
        "last_name": TEXT,
        "email": TEXT,
        "department": TEXT,
        "role": TEXT,
        "is_superuser": BOOL,
        "is_active": BOOL,
        "is_staff": BOOL,
        "is_ldap_user": BOOL,
        "date_joined": DATETIME,
        "last_login": DATETIME,
    },
    create_fields=frozenset(
        {
            "username",
            "password",
            "first_name",
            "last_name",
            "email",
            "department",
            "role",
            "is_superuser",
            "is_active",
            "is_staff",
            "is_ldap_user",
            "groups",
            "user_permissions",
        }
    ),
)

TEAMS = ResourceSpec(
    name="teams",
    endpoint="users/teams/",
    model=Team,
    filters={"id": NUMBER, "name": TEXT, "slug": TEXT, "is_active": BOOL},
    create_fields=frozenset({"name", "is_active"}),
    # The server renames a team only at creation; afterwards it can only be (de)activated.
    update_fields=frozenset({"is_active"}),
)

MEMBERSHIPS = ResourceSpec(
    name="memberships",
    endpoint="users/memberships/",
    model=Membership,
    filters={"id": NUMBER, "role": TEXT, "team": ID, "user": ID},
    create_fields=frozenset({"role", "user", "team"}),
    choices={"role": "users/membership-choices/role/"},
)

CLUSTERS = ResourceSpec(
    name="clusters",
    endpoint="allocations/clusters/",
    model=Cluster,
    filters={
        "id": NUMBER,
        "name": TEXT,
        "description": TEXT,
        "enabled": BOOL,
        "access_mode": TEXT,
    },
    create_fields=frozenset({"name", "description", "enabled", "access_mode", "access_teams"}),
    choices={"access_mode": "allocations/cluster-choices/access-mode/"},
)

ALLOCATIONS = ResourceSpec(
    name="allocations",
    endpoint="allocations/allocations/",
    model=Allocation,
    filters={
        "id": NUMBER,
        "requested": NUMBER,
        "awarded": NUMBER,
        "final": NUMBER,
        "cluster": ID,
        "request": ID,
    },
    create_fields=frozenset({"requested", "awarded", "final", "cluster", "request"}),
)

ALLOCATION_REQUESTS = ResourceSpec(
    name="allocation_requests",
    endpoint="allocations/requests/",
    model=AllocationRequest,
    filters={
        "id": NUMBER,
        "title": TEXT,
        "description": TEXT,
        "status": TEXT,
        "submitted": DATETIME,
        "active": DATE,
        "expire": DATE,
        "submitter": ID,
        "team": ID,
    },
    create_fields=frozenset(
        {
            "title",
            "description",
            "active",
            "expire",
            "status",
            "submitter",
            "team",
            "assignees",
            "publications",
            "grants",
        }
    ),
    choices={"status": "allocations/request-choices/status/"},
)

ALLOCATION_REVIEWS = ResourceSpec(
    name="allocation_reviews",
    endpoint="allocations/reviews/",
    model=AllocationReview,
    filters={
        "id": NUMBER,
        "status": TEXT,
        "submitted": DATETIME,
        "request": ID,
        "reviewer": ID,
    },
    create_fields=frozenset({"status", "request", "reviewer"}),
    choices={"status": "allocations/review-choices/status/"},
)

COMMENTS = ResourceSpec(
    name="comments",
    endpoint="allocations/comments/",
    model=Comment,
    filters={
        "id": NUMBER,
        "content": TEXT,
        "created": DATETIME,
        "private": BOOL,
        "request": ID,
        "user": ID,
    },
    create_fields=frozenset({"user", "content", "private", "request"}),
)

ATTACHMENTS = ResourceSpec(
    name="attachments",
    endpoint="allocations/attachments/",
    model=Attachment,
    filters={"id": NUMBER, "name": TEXT, "uploaded": DATETIME, "request": ID},
    create_fields=frozenset({"file", "name", "request"}),
    file_field="file",
)

GRANTS = ResourceSpec(
    name="grants",
    endpoint="research/grants/",
    model=Grant,
    filters={
        "id": NUMBER,
        "title": TEXT,
        "agency": TEXT,
        "pi": TEXT,
        "amount": NUMBER,
        "grant_number": TEXT,
        "description": TEXT,
        "start_date": DATE,
        "end_date": DATE,
        "team": ID,
    },
    create_fields=frozenset(
        {
            "title",
            "agency",
            "pi",
            "amount",
            "grant_number",
            "start_date",
            "end_date",
            "description",
            "team",
        }
    ),
)

PUBLICATIONS = ResourceSpec(
    name="publications",
    endpoint="research/publications/",
    model=Publication,
    filters={
        "id": NUMBER,
        "title": TEXT,
        "abstract": TEXT,
        "journal": TEXT,
        "doi": TEXT,
        "volume": TEXT,
        "issue": TEXT,
        "published": DATE,
        "submitted": DATE,
        "team": ID,
    },
    create_fields=frozenset(
        {
            "title",
            "abstract",
            "published",
            "submitted",
            "journal",
            "doi",
            "volume",
            "issue",
            "team",
        }
    ),
)

NOTIFICATIONS = ResourceSpec(
    name="notifications",
    endpoint="notifications/notifications/",
    model=Notification,
    filters={
        "id": NUMBER,
        "subject": TEXT,
        "message_text": TEXT,
        "message_html": TEXT,
        "notification_type": TEXT,
        "read": BOOL,
        "time": DATETIME,
        "user": ID,
    },
    update_fields=frozenset({"read"}),
    choices={"notification_type": "notifications/notification-choices/type/"},
    access=Access.UPDATABLE,
)

PREFERENCES = ResourceSpec(
    name="preferences",
    endpoint="notifications/preferences/",
    model=Preference,
    filters={"id": NUMBER, "notify_on_expiration": BOOL},
    create_fields=frozenset({"request_expiry_thresholds", "notify_on_expiration", "user"}),
)

AUDIT_LOGS = ResourceSpec(
    name="audit_logs",
    endpoint="logs/audit/",
    model=AuditLog,
    filters={
        "id": NUMBER,
        "action": NUMBER,
        "actor": ID,
        "actor_email": TEXT,
        "changes_text": TEXT,
        "cid": TEXT,
        "content_type": ID,
        "object_id": NUMBER,
        "object_pk": TEXT,
        "object_repr": TEXT,
        "remote_addr": IP,
        "remote_port": NUMBER,
        "timestamp": DATETIME,
    },
    keyset_order="-id",
    access=Access.READ_ONLY,
)

REQUEST_LOGS = ResourceSpec(
    name="request_logs",
    endpoint="logs/requests/",
    model=RequestLog,
    filters={
        "id": NUMBER,
        "cid": TEXT,
        "endpoint": TEXT,
        "method": TEXT,
        "remote_address": TEXT,
        "response_code": NUMBER,
        "timestamp": DATETIME,
        "user": ID,
    },
    access=Access.READ_ONLY,
)

TASK_LOGS = ResourceSpec(
    name="task_logs",
    endpoint="logs/tasks/",
    model=TaskResult,
    filters={
        "id": NUMBER,
        "task_id": TEXT,
        "task_name": TEXT,
        "periodic_task_name": TEXT,
        "task_args": TEXT,
        "task_kwargs": TEXT,
        "status": TEXT,
        "worker": TEXT,
        "content_type": TEXT,
        "content_encoding": TEXT,
        "result": TEXT,
        "traceback": TEXT,
        "meta": TEXT,
        "date_created": DATETIME,
        "date_started": DATETIME,
        "date_done": DATETIME,
    },
    # The server lists task results newest first (by date done, not id). Paging by descending
    # id keeps that order nearly and, unlike offset paging, yields each record exactly once.
    keyset_order="-id",
    access=Access.READ_ONLY,
)

FEED = ResourceSpec(
    name="feed",
    endpoint="logs/feed/",
    model=FeedEntry,
    filters={
        "id": TEXT,
        "cid": TEXT,
        "record_id": NUMBER,
        "record_type": TEXT,
        "status": TEXT,
        "summary": TEXT,
        "timestamp": DATETIME,
        "user": ID,
    },
    # Feed ids are strings ("r141") merged from three logs: no numeric keyset exists.
    keyset_order=None,
    access=Access.LIST_ONLY,
)

ALL_SPECS: tuple[ResourceSpec, ...] = (  # type: ignore[type-arg]
    USERS,
    TEAMS,
    MEMBERSHIPS,
    CLUSTERS,
    ALLOCATIONS,
    ALLOCATION_REQUESTS,
    ALLOCATION_REVIEWS,
    COMMENTS,
    ATTACHMENTS,
    GRANTS,
    PUBLICATIONS,
    NOTIFICATIONS,
    PREFERENCES,
    AUDIT_LOGS,
    REQUEST_LOGS,
    TASK_LOGS,
    FEED,
)
