"""The declaration of every Keystone collection, written once for all managers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._filters import BOOL, DATE, DATETIME, ID, IP, NUMBER, TEXT
from .._resource_spec import ResourceSpec
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
from ._declarations import Collection, Full, ListOnly, ReadOnly, Statistics, Updatable


def _order(names: str) -> frozenset[str]:
    """Return the fields the server orders a collection by.

    They are the fields its serializer returns, less to-many relations (ordering by one
    repeats records across pages) and computed properties (the server fails on them).
    """
    return frozenset(names.split())


class Collections:
    """Every Keystone collection, declared once; read from a face, each is that face's manager.

    The attribute name is the collection's name and the descriptor class its operations:
    `Resources`, `AsyncResources` and the batches inherit this table, so a collection added
    here is served everywhere, by the command line and the test fake too.
    """

    users = Full(
        endpoint="users/users/",
        model=User,
        filters={
            "id": NUMBER,
            "username": TEXT,
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
        ordering=_order(
            "date_joined department email first_name id is_active is_ldap_user is_staff"
            " is_superuser last_login last_name role username"
        ),
    )

    teams = Full(
        endpoint="users/teams/",
        model=Team,
        filters={"id": NUMBER, "name": TEXT, "slug": TEXT, "is_active": BOOL},
        create_fields=frozenset({"name", "is_active"}),
        # The server renames a team only at creation; afterwards it can only be (de)activated.
        update_fields=frozenset({"is_active"}),
        ordering=_order("id is_active name slug"),
    )

    memberships = Full(
        endpoint="users/memberships/",
        model=Membership,
        filters={"id": NUMBER, "role": TEXT, "team": ID, "user": ID},
        create_fields=frozenset({"role", "user", "team"}),
        choices={"role": "users/membership-choices/role/"},
        ordering=_order("id role team user"),
    )

    clusters = Full(
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
        ordering=_order("access_mode description enabled id name"),
    )

    allocations = Full(
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
        ordering=_order("awarded cluster final id request requested"),
    )

    allocation_requests = Full(
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
        ordering=_order("active description expire id status submitted submitter team title"),
    )

    allocation_reviews = Full(
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
        ordering=_order("id request reviewer status submitted"),
    )

    comments = Full(
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
        ordering=_order("content created id private request user"),
    )

    attachments = Full(
        endpoint="allocations/attachments/",
        model=Attachment,
        filters={"id": NUMBER, "name": TEXT, "uploaded": DATETIME, "request": ID},
        create_fields=frozenset({"file", "name", "request"}),
        file_field="file",
        ordering=_order("file id name request uploaded"),
    )

    grants = Full(
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
        ordering=_order(
            "agency amount description end_date grant_number id pi start_date team title"
        ),
    )

    publications = Full(
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
        ordering=_order("abstract doi id issue journal published submitted team title volume"),
    )

    notifications = Updatable(
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
        ordering=_order("id message_html notification_type read subject time user"),
    )

    preferences = Full(
        endpoint="notifications/preferences/",
        model=Preference,
        filters={"id": NUMBER, "notify_on_expiration": BOOL},
        create_fields=frozenset({"request_expiry_thresholds", "notify_on_expiration", "user"}),
        ordering=_order("id notify_on_expiration request_expiry_thresholds user"),
    )

    audit_logs = ReadOnly(
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
        ordering=_order("actor changes cid id object_pk remote_addr remote_port timestamp"),
    )

    request_logs = ReadOnly(
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
        ordering=_order("cid endpoint id method remote_address response_code timestamp user"),
    )

    task_logs = ReadOnly(
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
        ordering=_order(
            "content_encoding content_type date_created date_done date_started id meta"
            " periodic_task_name result status task_args task_id task_kwargs task_name traceback"
            " worker"
        ),
    )

    feed = ListOnly(
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
    )
    stats = Statistics()


def iter_specs(table: type = Collections) -> Iterator[ResourceSpec[Any]]:
    """Yield the declaration of every collection of ``table``, in declaration order."""
    for declaration in vars(table).values():
        if isinstance(declaration, Collection):
            yield declaration.spec


#: Every collection, in the order declared above.
ALL_SPECS: tuple[ResourceSpec[Any], ...] = tuple(iter_specs())
