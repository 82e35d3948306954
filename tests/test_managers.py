"""Managers: which operations each resource has, and each operation end to end (sync + async)."""

from __future__ import annotations

import json
import textwrap
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from keystone_client import (
    AsyncKeystoneClient,
    FieldError,
    KeystoneClient,
    NotFoundError,
)
from keystone_client.models import (
    AllocationRequestStats,
    Config,
    Grant,
    GrantStats,
    Health,
    Notification,
    NotificationStats,
    PublicationStats,
    RequestStatus,
    Team,
)

from . import factories as f
from .conftest import BASE, Runner

AnyClient = KeystoneClient | AsyncKeystoneClient

QUERY_OPS = {"all", "filter", "order_by", "search", "list", "count"}
READ_OPS = QUERY_OPS | {"get", "choices"}
UPDATE_OPS = READ_OPS | {"update", "save"}
FULL_OPS = UPDATE_OPS | {"create", "replace", "delete"}
EVERY_OP = FULL_OPS

#: Resource name -> (endpoint, operations the contract allows).
CONTRACT: dict[str, tuple[str, set[str]]] = {
    "users": ("users/users/", FULL_OPS),
    "teams": ("users/teams/", FULL_OPS),
    "memberships": ("users/memberships/", FULL_OPS),
    "clusters": ("allocations/clusters/", FULL_OPS),
    "allocations": ("allocations/allocations/", FULL_OPS),
    "allocation_requests": ("allocations/requests/", FULL_OPS),
    "allocation_reviews": ("allocations/reviews/", FULL_OPS),
    "comments": ("allocations/comments/", FULL_OPS),
    "attachments": ("allocations/attachments/", FULL_OPS),
    "grants": ("research/grants/", FULL_OPS),
    "publications": ("research/publications/", FULL_OPS),
    "notifications": ("notifications/notifications/", UPDATE_OPS),
    "preferences": ("notifications/preferences/", FULL_OPS),
    "audit_logs": ("logs/audit/", READ_OPS),
    "request_logs": ("logs/requests/", READ_OPS),
    "task_logs": ("logs/tasks/", READ_OPS),
    "feed": ("logs/feed/", QUERY_OPS),
}


def sent_json(request: httpx.Request) -> Any:
    return json.loads(request.content)


def assert_common_headers(client: AnyClient, request: httpx.Request) -> None:
    assert request.headers["X-KEYSTONE-CID"] == client.cid
    assert request.headers["Accept"] == "application/json"


# -- which operations exist ------------------------------------------------------------------------


def test_every_contract_resource_is_declared(client: AnyClient) -> None:
    managers = {
        name
        for name, value in vars(client.resources).items()
        if not name.startswith("_") and name != "stats"
    }
    assert managers == set(CONTRACT)


@pytest.mark.parametrize("name", sorted(CONTRACT))
def test_manager_has_exactly_the_allowed_operations(client: AnyClient, name: str) -> None:
    endpoint, allowed = CONTRACT[name]
    manager = getattr(client.resources, name)
    assert manager.spec.endpoint == endpoint
    for op in sorted(allowed):
        assert callable(getattr(manager, op)), f"{name}.{op} should exist"
    for op in sorted(EVERY_OP - allowed):
        assert not hasattr(manager, op), f"{name}.{op} should not exist"
        with pytest.raises(AttributeError):
            getattr(manager, op)


def test_notifications_cannot_be_created_replaced_or_deleted(client: AnyClient) -> None:
    notifications = client.resources.notifications
    with pytest.raises(AttributeError):
        notifications.create  # type: ignore[union-attr]  # noqa: B018
    with pytest.raises(AttributeError):
        notifications.replace  # type: ignore[union-attr]  # noqa: B018
    with pytest.raises(AttributeError):
        notifications.delete  # type: ignore[union-attr]  # noqa: B018


def test_feed_has_no_get(client: AnyClient) -> None:
    with pytest.raises(AttributeError):
        client.resources.feed.get  # type: ignore[union-attr]  # noqa: B018
    with pytest.raises(AttributeError):
        client.resources.feed.choices  # type: ignore[union-attr]  # noqa: B018


def test_missing_operations_are_type_errors(tmp_path: Path) -> None:
    """The type checker knows which operations a resource lacks (sync and async)."""
    api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(
        textwrap.dedent(
            """
            from keystone_client import AsyncKeystoneClient, KeystoneClient

            def check(c: KeystoneClient, a: AsyncKeystoneClient) -> None:
                c.resources.notifications.update(1, read=True)
                c.resources.notifications.create(read=True)
                c.resources.feed.get("r1")
                c.resources.audit_logs.delete(1)
                a.resources.notifications.replace(1)
                a.resources.task_logs.update(1)
            """
        )
    )
    out, _, status = api.run(
        ["--strict", "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(snippet)]
    )
    assert status == 1, out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert len(errors) == 5, out
    for attribute in ('"create"', '"get"', '"delete"', '"replace"', '"update"'):
        assert any(attribute in line for line in errors), (attribute, out)


# -- get / list / count ----------------------------------------------------------------------------


def test_get_returns_the_parsed_record(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(f"{BASE}research/grants/5/").respond(200, json=f.grant(5, team=3))
    grant = run(client.resources.grants.get(5))
    assert isinstance(grant, Grant)
    assert grant.id == 5
    assert grant.amount == Decimal("1500.50")
    assert grant.team_id == 3
    assert grant.team.slug == "team-3"
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url.path == "/research/grants/5/"
    assert request.url.query == b""
    assert_common_headers(client, request)


def test_get_accepts_a_model_instead_of_an_id(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(f"{BASE}research/grants/5/").respond(200, json=f.grant(5))
    fetched = Grant.model_validate(f.grant(5))
    assert run(client.resources.grants.get(fetched)).id == 5
    assert route.call_count == 1


def test_get_missing_raises_not_found(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.get(f"{BASE}research/grants/99/").respond(
        404, json={"detail": "No Grant matches the given query."}
    )
    with pytest.raises(NotFoundError) as info:
        run(client.resources.grants.get(99))
    assert info.value.status_code == 404
    assert info.value.detail == "No Grant matches the given query."


def test_list_returns_every_record_with_filters(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(f"{BASE}research/grants/").respond(
        200, json=f.page([f.grant(1), f.grant(4), f.grant(9)])
    )
    grants = run(client.resources.grants.list(agency="NSF", team_id=2))
    assert [g.id for g in grants] == [1, 4, 9]
    assert all(isinstance(g, Grant) for g in grants)
    assert dict(route.calls[0].request.url.params) == {
        "agency": "NSF",
        "team": "2",
        "_limit": str(client.page_size),
        "_order": "id",
    }
    # One page holds them all: no request for the far end of the id range, no slices.
    assert route.call_count == 1


def test_count_sends_one_small_request(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(f"{BASE}allocations/requests/").respond(
        200, json=f.page([f.allocation_request(1)], count=42, next="n")
    )
    assert run(client.resources.allocation_requests.count(status=RequestStatus.APPROVED)) == 42
    assert route.call_count == 1
    assert dict(route.calls.last.request.url.params) == {"status": "AP", "_limit": "1"}


@pytest.mark.parametrize(
    ("name", "endpoint", "builder"),
    [
        ("users", "users/users/", f.user),
        ("teams", "users/teams/", f.team),
        ("memberships", "users/memberships/", f.membership),
        ("clusters", "allocations/clusters/", f.cluster),
        ("allocations", "allocations/allocations/", f.allocation),
        ("allocation_requests", "allocations/requests/", f.allocation_request),
        ("allocation_reviews", "allocations/reviews/", f.allocation_review),
        ("comments", "allocations/comments/", f.comment),
        ("attachments", "allocations/attachments/", f.attachment),
        ("grants", "research/grants/", f.grant),
        ("publications", "research/publications/", f.publication),
        ("notifications", "notifications/notifications/", f.notification),
        ("preferences", "notifications/preferences/", f.preference),
        ("audit_logs", "logs/audit/", f.audit_log),
        ("request_logs", "logs/requests/", f.request_log),
        ("task_logs", "logs/tasks/", f.task_result),
    ],
)
def test_every_resource_lists_and_gets_its_model(
    client: AnyClient, run: Runner, api: respx.MockRouter, name: str, endpoint: str, builder: Any
) -> None:
    manager = getattr(client.resources, name)
    api.get(f"{BASE}{endpoint}").respond(200, json=f.page([builder(1), builder(2)]))
    api.get(f"{BASE}{endpoint}2/").respond(200, json=builder(2))
    records = run(manager.list())
    assert [r.id for r in records] == [1, 2]
    assert all(type(r) is manager.spec.model for r in records)
    record = run(manager.get(2))
    assert type(record) is manager.spec.model
    assert record.id == 2


def test_feed_lists_and_counts(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(f"{BASE}logs/feed/").respond(
        200, json=f.page([f.feed_entry("r2"), f.feed_entry("a7", record_type="audit")])
    )
    entries = run(client.resources.feed.list(record_type="audit"))
    assert [e.id for e in entries] == ["r2", "a7"]
    assert entries[0].user_id == 1
    assert dict(route.calls.last.request.url.params) == {
        "record_type": "audit",
        "_limit": str(client.page_size),
    }
    assert run(client.resources.feed.count()) == 2


# -- writes ----------------------------------------------------------------------------------------


def test_create_posts_json_and_returns_the_record(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(f"{BASE}research/grants/").respond(201, json=f.grant(11, team=2))
    grant = run(
        client.resources.grants.create(
            title="Grant 11", agency="NSF", amount=Decimal("1500.50"), team_id=2
        )
    )
    assert isinstance(grant, Grant)
    assert grant.id == 11
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.url.path == "/research/grants/"
    assert request.headers["Content-Type"] == "application/json"
    assert_common_headers(client, request)
    assert sent_json(request) == {
        "title": "Grant 11",
        "agency": "NSF",
        "amount": "1500.50",
        "team": 2,
    }


def test_update_patches_only_the_given_fields(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(f"{BASE}research/grants/3/").respond(200, json=f.grant(3, title="New"))
    grant = run(client.resources.grants.update(3, title="New"))
    assert grant.title == "New"
    request = route.calls.last.request
    assert request.method == "PATCH"
    assert sent_json(request) == {"title": "New"}
    assert request.headers["Content-Type"] == "application/json"


def test_replace_puts_the_whole_record(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.put(f"{BASE}research/grants/3/").respond(200, json=f.grant(3, title="Whole"))
    grant = run(
        client.resources.grants.replace(
            3, title="Whole", agency="DOE", amount="10.00", start_date="2026-01-01", team=1
        )
    )
    assert grant.title == "Whole"
    request = route.calls.last.request
    assert request.method == "PUT"
    assert sent_json(request) == {
        "title": "Whole",
        "agency": "DOE",
        "amount": "10.00",
        "start_date": "2026-01-01",
        "team": 1,
    }


def test_delete_sends_delete_and_returns_none(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.delete(f"{BASE}research/grants/3/").respond(204)
    assert run(client.resources.grants.delete(3)) is None
    request = route.calls.last.request
    assert request.method == "DELETE"
    assert request.content == b""
    assert_common_headers(client, request)


def test_delete_missing_raises_not_found(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.delete(f"{BASE}research/grants/3/").respond(404, json={"detail": "Not found."})
    with pytest.raises(NotFoundError):
        run(client.resources.grants.delete(3))


def test_save_sends_only_changed_fields(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.get(f"{BASE}research/grants/3/").respond(200, json=f.grant(3))
    route = api.patch(f"{BASE}research/grants/3/").respond(
        200, json=f.grant(3, title="Renamed", team=4)
    )
    grant = run(client.resources.grants.get(3))
    grant.title = "Renamed"
    grant.team_id = 4
    saved = run(client.resources.grants.save(grant))
    assert sent_json(route.calls.last.request) == {"team": 4, "title": "Renamed"}
    assert saved.title == "Renamed"
    assert saved.team_id == 4
    assert grant.changed_fields() == {}


def test_notifications_update_and_save_only_read(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    api.get(f"{BASE}notifications/notifications/8/").respond(200, json=f.notification(8))
    route = api.patch(f"{BASE}notifications/notifications/8/").respond(
        200, json=f.notification(8, read=True)
    )
    notice = run(client.resources.notifications.get(8))
    assert isinstance(notice, Notification)
    notice.read = True
    saved = run(client.resources.notifications.save(notice))
    assert saved.read is True
    assert sent_json(route.calls.last.request) == {"read": True}
    run(client.resources.notifications.update(8, read=False))
    assert sent_json(route.calls.last.request) == {"read": False}
    with pytest.raises(FieldError, match="subject"):
        run(client.resources.notifications.update(8, subject="x"))
    assert route.call_count == 2


def test_teams_update_accepts_only_is_active(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    route = api.patch(f"{BASE}users/teams/2/").respond(200, json=f.team(2, is_active=False))
    team = run(client.resources.teams.update(2, is_active=False))
    assert isinstance(team, Team)
    assert team.is_active is False
    assert sent_json(route.calls.last.request) == {"is_active": False}


# -- choices ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "field", "endpoint", "body"),
    [
        (
            "allocation_requests",
            "status",
            "allocations/request-choices/status/",
            {"PD": "Pending", "AP": "Approved", "DC": "Declined", "CR": "Changes Requested"},
        ),
        (
            "allocation_reviews",
            "status",
            "allocations/review-choices/status/",
            {"AP": "Approved", "DC": "Declined", "CR": "Changes Requested"},
        ),
        (
            "clusters",
            "access_mode",
            "allocations/cluster-choices/access-mode/",
            {"WL": "Whitelist", "BL": "Blacklist", "OP": "Open"},
        ),
        ("memberships", "role", "users/membership-choices/role/", {"OW": "Owner"}),
        (
            "notifications",
            "notification_type",
            "notifications/notification-choices/type/",
            {"GM": "General Message"},
        ),
    ],
)
def test_choices(
    client: AnyClient,
    run: Runner,
    api: respx.MockRouter,
    name: str,
    field: str,
    endpoint: str,
    body: dict[str, str],
) -> None:
    route = api.get(f"{BASE}{endpoint}").respond(200, json=body)
    assert run(getattr(client.resources, name).choices(field)) == body
    assert route.calls.last.request.method == "GET"


def test_choices_of_a_field_without_choices_is_a_clear_error(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(FieldError, match=r"allocation_requests has no choices for 'title'.*status"):
        run(client.resources.allocation_requests.choices("title"))
    with pytest.raises(FieldError, match=r"grants has no choices for 'agency'.*none"):
        run(client.resources.grants.choices("agency"))
    assert len(api.calls) == 0


# -- stats and server information ------------------------------------------------------------------


def test_stats_requests_with_filters(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(f"{BASE}stats/requests/").respond(200, json=f.request_stats())
    stats = run(client.resources.stats.requests(team_id=3, status__in=["AP", "PD"]))
    assert isinstance(stats, AllocationRequestStats)
    assert stats.request_count == 1
    assert stats.days_active_average == 30.5
    assert dict(route.calls.last.request.url.params) == {"team": "3", "status__in": "AP,PD"}


def test_stats_grants_with_filters(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(f"{BASE}stats/grants/").respond(200, json=f.grant_stats())
    stats = run(client.resources.stats.grants(agency="NSF", amount__gte=100))
    assert isinstance(stats, GrantStats)
    assert stats.funding_total == Decimal("3000.00")
    assert dict(route.calls.last.request.url.params) == {"agency": "NSF", "amount__gte": "100"}


def test_stats_publications_and_notifications(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    pubs = api.get(f"{BASE}stats/publications/").respond(200, json=f.publication_stats())
    notes = api.get(f"{BASE}stats/notifications/").respond(200, json={"total": 5, "unread": 2})
    stats = run(client.resources.stats.publications(team=2))
    assert isinstance(stats, PublicationStats)
    assert stats.review_average == timedelta(days=2, hours=3)
    assert dict(pubs.calls.last.request.url.params) == {"team": "2"}
    counts = run(client.resources.stats.notifications(read=False))
    assert isinstance(counts, NotificationStats)
    assert (counts.total, counts.unread) == (5, 2)
    assert dict(notes.calls.last.request.url.params) == {"read": "false"}


def test_stats_reject_unknown_filters_before_sending(
    client: AnyClient, run: Runner, api: respx.MockRouter
) -> None:
    from keystone_client import FilterError

    with pytest.raises(FilterError, match="agencyy"):
        run(client.resources.stats.grants(agencyy="NSF"))
    assert len(api.calls) == 0


def test_version_config_health(client: AnyClient, run: Runner, api: respx.MockRouter) -> None:
    api.get(f"{BASE}version/").respond(200, json="1.2.3")
    api.get(f"{BASE}config/").respond(
        200,
        json={
            "version": "1.2.3",
            "max_upload_size": 1024,
            "max_upload_count": 3,
            "allowed_file_types": ["application/pdf"],
            "session_age": 60,
        },
    )
    api.get(f"{BASE}health/json/").respond(
        200,
        json={
            "data": [
                {"check": "Database", "healthy": True, "error": None, "time_taken": 0.01},
                {"check": "Redis", "healthy": False, "error": "down", "time_taken": 0.02},
            ]
        },
    )
    assert run(client.version()) == "1.2.3"
    config = run(client.config())
    assert isinstance(config, Config)
    assert config.max_upload_size == 1024
    health = run(client.health())
    assert isinstance(health, Health)
    assert not health.healthy
    assert [check.check for check in health.failing] == ["Redis"]


@pytest.mark.parametrize(
    ("pk", "error"),
    [(None, TypeError), (True, TypeError), ("5/../6", ValueError), ("", ValueError)],
)
def test_an_id_that_would_change_the_path_is_refused_before_sending(
    client: AnyClient, run: Runner, api: respx.MockRouter, pk: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        run(client.resources.grants.get(pk))
    with pytest.raises(error):
        run(client.resources.grants.delete(pk))
    assert not api.calls
