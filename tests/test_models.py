"""Models parse the server's JSON, name relations like the Django ORM and dump it back unchanged.

All data here is small, made up and written by hand; ``test_models_contract.py`` checks the
same models against the real captured responses and the OpenAPI spec.
"""

from __future__ import annotations

import copy
import inspect
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

import keystone_client.models as models
from keystone_client.models import (
    AccessMode,
    AllocationRequest,
    AllocationRequestStats,
    AllocationRequestSummary,
    AuditLog,
    Cluster,
    Config,
    FeedEntry,
    Grant,
    GrantStats,
    Health,
    KeystoneModel,
    Membership,
    MembershipRole,
    Notification,
    NotificationStats,
    NotificationType,
    Page,
    Preference,
    PublicationStats,
    Record,
    RequestLog,
    RequestStatus,
    ReviewStatus,
    TaskResult,
    Team,
    TeamSummary,
    User,
    UserSummary,
)

# --------------------------------------------------------------------------- sample JSON


def user_summary(id: int = 7) -> dict[str, Any]:
    return {
        "id": id,
        "username": f"ada{id}",
        "first_name": "Ada",
        "last_name": None,
        "display_name": "Ada",
        "abbreviation": "A",
        "email": None,
        "department": "Maths",
        "role": None,
    }


def team_summary(id: int = 3) -> dict[str, Any]:
    return {"id": id, "slug": f"team-{id}", "name": f"Team {id}", "is_active": True}


def history(actor: int | None = 7) -> list[dict[str, Any]]:
    return [
        {
            "id": 40,
            "timestamp": "2025-02-03T04:05:06.000007Z",
            "action": "update",
            "actor": actor,
            "_actor": user_summary(actor) if actor is not None else None,
            "changes": {"title": ["Old", "New"]},
        },
        {
            "id": 39,
            "timestamp": "2025-02-01T00:00:00Z",
            "action": "create",
            "actor": None,
            "_actor": None,
            "changes": None,
        },
    ]


def request_summary() -> dict[str, Any]:
    return {"id": 11, "title": "Cold storage", "status": "AP", "active": None, "expire": None}


USER: dict[str, Any] = {
    "id": 7,
    "display_name": "Ada",
    "abbreviation": "A",
    "_membership": [{"id": 1, "team": 3, "role": "OW", "_team": team_summary(3)}],
    "_history": history(),
    "is_superuser": False,
    "username": "ada7",
    "first_name": "Ada",
    "last_name": None,
    "email": None,
    "department": None,
    "role": None,
    "is_active": True,
    "is_staff": False,
    "is_ldap_user": False,
    "date_joined": "2024-12-31T23:59:59.500000Z",
    "last_login": None,
    "groups": [],
    "user_permissions": [2, 5],
}

TEAM: dict[str, Any] = {
    "id": 3,
    "slug": "team-3",
    "is_active": True,
    "_membership": [{"id": 1, "user": 7, "role": "AD", "_user": user_summary(7)}],
    "_history": [],
    "name": "Team 3",
    "users": [7],
}

MEMBERSHIP: dict[str, Any] = {
    "id": 1,
    "_user": user_summary(7),
    "_team": team_summary(3),
    "_history": [],
    "role": "MB",
    "user": 7,
    "team": 3,
}

GRANT: dict[str, Any] = {
    "id": 5,
    "_team": team_summary(3),
    "_history": history(),
    "title": "Deep sea sensors",
    "agency": "NSF",
    "pi": None,
    "amount": "10.00",
    "grant_number": "NSF-1",
    "start_date": "2025-01-01",
    "end_date": None,
    "description": None,
    "team": 3,
}

CLUSTER: dict[str, Any] = {
    "id": 2,
    "_access_teams": [team_summary(3), team_summary(4)],
    "_history": [],
    "name": "Crane",
    "description": None,
    "enabled": True,
    "access_mode": "WL",
    "access_teams": [3, 4],
}

ALLOCATION_REQUEST: dict[str, Any] = {
    "id": 11,
    "_submitter": user_summary(7),
    "_team": team_summary(3),
    "_assignees": [user_summary(8), user_summary(9)],
    "_publications": [
        {
            "id": 21,
            "title": "On ice",
            "abstract": None,
            "published": "2024-06-30",
            "submitted": None,
            "journal": "Cold Letters",
            "doi": None,
            "volume": "2",
            "issue": None,
            "team": 3,
        }
    ],
    "_grants": [
        {
            "id": 5,
            "title": "Deep sea sensors",
            "agency": "NSF",
            "pi": "Dr. Who",
            "amount": "1234567.50",
            "grant_number": None,
            "start_date": "2025-01-01",
            "end_date": "2026-01-01",
            "description": None,
            "team": 3,
        }
    ],
    "_history": history(actor=None),
    "_allocations": [
        {
            "id": 31,
            "cluster": 2,
            "requested": 1000,
            "awarded": None,
            "final": None,
            "_cluster": {"id": 2, "name": "Crane", "enabled": True},
        }
    ],
    "_attachments": [{"file": "/media/a.pdf", "name": "a.pdf"}],
    "_comments": [
        {
            "id": 41,
            "user": 8,
            "content": "Looks fine.",
            "created": "2025-03-04T05:06:07Z",
            "private": False,
            "_user": user_summary(8),
        }
    ],
    "title": "Cold storage",
    "description": "We need it.",
    "submitted": "2025-03-01T10:00:00.250000Z",
    "active": "2025-04-01",
    "expire": None,
    "status": "AP",
    "submitter": 7,
    "team": 3,
    "assignees": [8, 9],
    "publications": [21],
    "grants": [5],
}

REVIEW: dict[str, Any] = {
    "id": 12,
    "_request": request_summary(),
    "_reviewer": user_summary(9),
    "_history": [],
    "status": "CR",
    "submitted": "2025-03-02T10:00:00Z",
    "request": 11,
    "reviewer": 9,
}

NOTIFICATION: dict[str, Any] = {
    "id": 100,
    "time": "2025-05-05T05:05:05.555555Z",
    "read": False,
    "subject": "Your request expires soon",
    "message_html": "<p>Soon.</p>",
    "notification_type": "RE",
    "user": 7,
    "_user": user_summary(7),
}

PREFERENCE: dict[str, Any] = {
    "id": 4,
    "_user": user_summary(7),
    "request_expiry_thresholds": [30, 14, 0],
    "notify_on_expiration": True,
    "user": 7,
}

AUDIT_LOG: dict[str, Any] = {
    "id": 40,
    "record_name": "research_products | Grant",
    "record_id": 5,
    "action": "update",
    "changes": {"title": ["Old", "New"], "team": ["1", "3"]},
    "cid": None,
    "remote_addr": "10.0.0.1",
    "remote_port": None,
    "timestamp": "2025-02-03T04:05:06.000007Z",
    "actor": None,
    "_actor": None,
}

REQUEST_LOG: dict[str, Any] = {
    "id": 1,
    "_user": None,
    "method": "GET",
    "endpoint": "/version/",
    "response_code": 200,
    "remote_address": "127.0.0.1",
    "timestamp": "2025-02-03T04:05:06Z",
    "cid": "abc-123",
    "user": None,
}

TASK_RESULT: dict[str, Any] = {
    "id": 9,
    "task_id": "0f0e-1",
    "periodic_task_name": None,
    "task_name": "notify_expiring",
    "task_args": "[]",
    "task_kwargs": "{}",
    "status": "SUCCESS",
    "worker": "celery@node1",
    "content_type": "application/json",
    "content_encoding": "utf-8",
    "result": "null",
    "date_created": "2025-02-03T04:05:06Z",
    "date_started": None,
    "date_done": "2025-02-03T04:05:07.100000Z",
    "traceback": None,
    "meta": None,
}

FEED_ENTRY: dict[str, Any] = {
    "id": "a40",
    "_user": None,
    "record_id": 40,
    "record_type": "audit",
    "timestamp": "2025-02-03T04:05:06Z",
    "summary": "Grant updated",
    "cid": None,
    "status": None,
    "user": None,
}

REQUEST_STATS: dict[str, Any] = {
    "request_count": 3,
    "request_pending_count": 1,
    "request_approved_count": 1,
    "request_declined_count": 1,
    "request_upcoming_count": 0,
    "request_active_count": 1,
    "request_expired_count": 0,
    "su_pending_total": 0.0,
    "su_declined_total": 10.0,
    "su_approved_total": 2500.5,
    "su_upcoming_total": 0.0,
    "su_active_total": 2500.5,
    "su_expired_total": 0.0,
    "su_requested_total": 4000.0,
    "su_awarded_total": 2500.5,
    "su_finalized_total": 0.0,
    "days_pending_average": None,
    "days_active_average": 30.5,
}

GRANT_STATS: dict[str, Any] = {
    "grant_count": 2,
    "upcoming_count": 0,
    "active_count": 1,
    "expired_count": 1,
    "agency_count": 2,
    "funding_total": "1010.00",
    "funding_upcoming": "0.00",
    "funding_active": "1000.00",
    "funding_expired": "10.00",
    "funding_average": "505.00",
}

PUBLICATION_STATS: dict[str, Any] = {
    "publications_count": 4,
    "draft_count": 1,
    "submitted_count": 1,
    "accepted_count": 2,
    "journals_count": 2,
    "review_average": "12 03:04:05.060708",
}

NOTIFICATION_STATS: dict[str, Any] = {"total": 10, "unread": 4}

CONFIG: dict[str, Any] = {
    "version": "1.2.3",
    "max_upload_size": 1024,
    "max_upload_count": 3,
    "allowed_file_types": ["application/pdf", "text/plain"],
    "session_age": 3600,
}

HEALTH: dict[str, Any] = {
    "data": [
        {"check": "Database", "healthy": True, "error": None, "time_taken": 0.25},
        {"check": "Redis", "healthy": False, "error": "Connection refused", "time_taken": 0.5},
    ]
}

SAMPLES: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (User, USER),
    (Team, TEAM),
    (Membership, MEMBERSHIP),
    (Grant, GRANT),
    (Cluster, CLUSTER),
    (AllocationRequest, ALLOCATION_REQUEST),
    (models.AllocationReview, REVIEW),
    (Notification, NOTIFICATION),
    (Preference, PREFERENCE),
    (AuditLog, AUDIT_LOG),
    (RequestLog, REQUEST_LOG),
    (TaskResult, TASK_RESULT),
    (FeedEntry, FEED_ENTRY),
    (AllocationRequestStats, REQUEST_STATS),
    (GrantStats, GRANT_STATS),
    (PublicationStats, PUBLICATION_STATS),
    (NotificationStats, NOTIFICATION_STATS),
    (Config, CONFIG),
    (Health, HEALTH),
]

SAMPLE_IDS = [model.__name__ for model, _ in SAMPLES]


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize(("model", "data"), SAMPLES, ids=SAMPLE_IDS)
def test_round_trip_gives_back_the_server_json(
    model: type[BaseModel], data: dict[str, Any]
) -> None:
    parsed = model.model_validate_json(json.dumps(data))
    assert parsed.model_dump(mode="json", by_alias=True) == data
    # ... key order included, so a dump reads like the server's response
    assert list(parsed.model_dump(mode="json", by_alias=True)) == list(data)
    # python input parses the same as JSON input
    assert model.model_validate(copy.deepcopy(data)) == parsed


@pytest.mark.parametrize(("model", "data"), SAMPLES, ids=SAMPLE_IDS)
def test_dump_to_json_text_round_trips(model: type[BaseModel], data: dict[str, Any]) -> None:
    parsed = model.model_validate(data)
    assert json.loads(parsed.model_dump_json(by_alias=True)) == data


# --------------------------------------------------------------------------- relations


def test_grant_relation_naming_and_types() -> None:
    grant = Grant.model_validate(GRANT)
    assert grant.team.name == "Team 3"
    assert isinstance(grant.team, TeamSummary)
    assert grant.team_id == 3
    assert grant.amount == Decimal("10.00")
    assert isinstance(grant.amount, Decimal)
    assert str(grant.amount) == "10.00"
    assert grant.start_date == date(2025, 1, 1)
    assert grant.end_date is None
    assert grant.pi is None
    assert grant.history[0].actor is not None
    assert grant.history[0].actor.username == "ada7"
    assert grant.history[0].actor_id == 7
    assert grant.history[0].changes == {"title": ["Old", "New"]}
    assert grant.history[1].actor is None
    assert grant.history[1].changes is None


def test_model_names_differ_from_server_names() -> None:
    grant = Grant.model_validate(GRANT)
    dumped = grant.model_dump()
    assert dumped["team"] == team_summary(3)
    assert dumped["team_id"] == 3
    assert "_team" not in dumped
    assert "history" in dumped


def test_allocation_request_nested_relations() -> None:
    req = AllocationRequest.model_validate_json(json.dumps(ALLOCATION_REQUEST))
    assert req.submitter.display_name == "Ada"
    assert req.submitter_id == 7
    assert req.team.slug == "team-3"
    assert req.team_id == 3
    assert [u.username for u in req.assignees] == ["ada8", "ada9"]
    assert req.assignee_ids == [8, 9]
    assert req.publications[0].published == date(2024, 6, 30)
    assert req.publications[0].team == 3
    assert req.publication_ids == [21]
    assert req.grants[0].amount == Decimal("1234567.50")
    assert req.grant_ids == [5]
    assert req.allocations[0].cluster.name == "Crane"
    assert req.allocations[0].cluster_id == 2
    assert req.allocations[0].awarded is None
    assert req.attachments[0].name == "a.pdf"
    assert req.comments[0].user.username == "ada8"
    assert req.comments[0].user_id == 8
    assert req.comments[0].created == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert req.history[0].actor is None
    assert req.status is RequestStatus.APPROVED
    assert req.active == date(2025, 4, 1)
    assert req.expire is None
    assert req.submitted == datetime(2025, 3, 1, 10, 0, 0, 250000, tzinfo=UTC)
    assert req.submitted.tzinfo is not None


def test_user_membership_and_nullable_fields() -> None:
    user = User.model_validate(USER)
    assert user.membership[0].team.name == "Team 3"
    assert user.membership[0].team_id == 3
    assert user.membership[0].role is MembershipRole.OWNER
    assert user.last_login is None
    assert user.email is None
    assert user.date_joined == datetime(2024, 12, 31, 23, 59, 59, 500000, tzinfo=UTC)
    assert user.user_permissions == [2, 5]
    assert len(user.history) == 2


def test_team_membership_and_users() -> None:
    team = Team.model_validate(TEAM)
    assert team.membership[0].user.username == "ada7"
    assert team.membership[0].user_id == 7
    assert team.membership[0].role == "AD"
    assert team.users == [7]


def test_team_parses_the_update_response_without_is_active() -> None:
    data = {k: v for k, v in TEAM.items() if k != "is_active"}
    assert Team.model_validate(data).is_active is True


def test_membership_relations() -> None:
    membership = Membership.model_validate(MEMBERSHIP)
    assert membership.user.username == "ada7"
    assert membership.user_id == 7
    assert membership.team.name == "Team 3"
    assert membership.team_id == 3
    assert membership.role is MembershipRole.MEMBER


def test_cluster_access_teams() -> None:
    cluster = Cluster.model_validate(CLUSTER)
    assert [t.name for t in cluster.access_teams] == ["Team 3", "Team 4"]
    assert cluster.access_team_ids == [3, 4]
    assert cluster.access_mode is AccessMode.WHITELIST
    assert cluster.description is None


def test_review_relations() -> None:
    review = models.AllocationReview.model_validate(REVIEW)
    assert review.request.title == "Cold storage"
    assert review.request.status is RequestStatus.APPROVED
    assert review.request_id == 11
    assert review.reviewer.username == "ada9"
    assert review.reviewer_id == 9
    assert review.status is ReviewStatus.CHANGES_REQUESTED


def test_notification_and_preference() -> None:
    note = Notification.model_validate(NOTIFICATION)
    assert note.notification_type is NotificationType.REQUEST_EXPIRING
    assert note.user.username == "ada7"
    assert note.user_id == 7
    assert note.read is False
    pref = Preference.model_validate(PREFERENCE)
    assert pref.request_expiry_thresholds == [30, 14, 0]
    assert pref.user_id == 7
    assert pref.user.id == 7


def test_logs() -> None:
    log = AuditLog.model_validate(AUDIT_LOG)
    assert log.actor is None
    assert log.actor_id is None
    assert log.remote_port is None
    assert log.changes == {"title": ["Old", "New"], "team": ["1", "3"]}
    request_log = RequestLog.model_validate(REQUEST_LOG)
    assert request_log.user is None
    assert request_log.user_id is None
    task = TaskResult.model_validate(TASK_RESULT)
    assert task.date_started is None
    assert task.date_done.microsecond == 100000


def test_feed_entry_has_a_string_id() -> None:
    entry = FeedEntry.model_validate(FEED_ENTRY)
    assert entry.id == "a40"
    assert not isinstance(entry, Record)
    assert isinstance(entry, KeystoneModel)
    assert entry.user is None
    assert entry.record_type is models.FeedRecordType.AUDIT


def test_feed_entry_optional_fields_default_to_none() -> None:
    data = {k: FEED_ENTRY[k] for k in ("id", "_user", "record_id", "record_type", "timestamp")}
    entry = FeedEntry.model_validate(data)
    assert (entry.summary, entry.cid, entry.status, entry.user_id) == (None, None, None, None)


def test_summary_optional_fields_get_defaults() -> None:
    summary = AllocationRequestSummary.model_validate({"id": 1, "title": "T"})
    assert summary.status is RequestStatus.PENDING
    assert summary.active is None
    user = UserSummary.model_validate(
        {"id": 1, "username": "u", "display_name": "U", "abbreviation": "U"}
    )
    assert (user.first_name, user.email, user.role) == (None, None, None)
    assert TeamSummary.model_validate({"id": 1, "slug": "t", "name": "T"}).is_active is True


# --------------------------------------------------------------------------- stats, config, health


def test_request_stats() -> None:
    stats = AllocationRequestStats.model_validate(REQUEST_STATS)
    assert stats.su_approved_total == 2500.5
    assert stats.days_pending_average is None
    assert stats.days_active_average == 30.5


def test_grant_stats_are_decimals() -> None:
    stats = GrantStats.model_validate(GRANT_STATS)
    assert stats.funding_total == Decimal("1010.00")
    assert isinstance(stats.funding_upcoming, Decimal)
    assert stats.model_dump(mode="json")["funding_upcoming"] == "0.00"


def test_publication_stats_review_average_is_a_timedelta() -> None:
    stats = PublicationStats.model_validate(PUBLICATION_STATS)
    assert stats.review_average == timedelta(
        days=12, hours=3, minutes=4, seconds=5, microseconds=60708
    )
    assert stats.model_dump()["review_average"] == stats.review_average
    assert stats.model_dump(mode="json")["review_average"] == "12 03:04:05.060708"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("39 16:48:44.421594", timedelta(days=39, seconds=60524, microseconds=421594)),
        ("00:00:05", timedelta(seconds=5)),
        ("1 00:00:00", timedelta(days=1)),
        ("02:03:04.500000", timedelta(hours=2, minutes=3, seconds=4, microseconds=500000)),
        ("-1 23:59:59", timedelta(seconds=-1)),
        ("-3 00:00:00", timedelta(days=-3)),
    ],
)
def test_review_average_django_format_round_trips(text: str, expected: timedelta) -> None:
    stats = PublicationStats.model_validate({**PUBLICATION_STATS, "review_average": text})
    assert stats.review_average == expected
    assert stats.model_dump(mode="json")["review_average"] == text


def test_review_average_accepts_iso_8601_and_null() -> None:
    stats = PublicationStats.model_validate({**PUBLICATION_STATS, "review_average": "P2DT3H"})
    assert stats.review_average == timedelta(days=2, hours=3)
    assert stats.model_dump(mode="json")["review_average"] == "2 03:00:00"
    empty = PublicationStats.model_validate({**PUBLICATION_STATS, "review_average": None})
    assert empty.review_average is None
    assert empty.model_dump(mode="json")["review_average"] is None


def test_review_average_rejects_garbage() -> None:
    with pytest.raises(ValidationError):
        PublicationStats.model_validate({**PUBLICATION_STATS, "review_average": "soon"})


def test_notification_stats() -> None:
    assert NotificationStats.model_validate(NOTIFICATION_STATS).unread == 4


def test_config() -> None:
    config = Config.model_validate(CONFIG)
    assert config.allowed_file_types == ["application/pdf", "text/plain"]
    assert config.session_age == 3600


def test_health() -> None:
    health = Health.model_validate(HEALTH)
    assert [c.check for c in health.checks] == ["Database", "Redis"]
    assert health.healthy is False
    assert [c.check for c in health.failing] == ["Redis"]
    assert health.checks[1].error == "Connection refused"
    assert health.checks[0].time_taken == 0.25
    good = Health.model_validate({"data": [HEALTH["data"][0]]})
    assert good.healthy is True
    assert Health.model_validate({"data": []}).healthy is True


# --------------------------------------------------------------------------- pages


def page_of(*records: dict[str, Any]) -> dict[str, Any]:
    return {
        "count": 40,
        "next": "http://keystone.test/research/grants/?_limit=2&_offset=2",
        "previous": None,
        "results": list(records),
    }


def test_page_parses_in_one_pass() -> None:
    raw = json.dumps(page_of(GRANT, {**GRANT, "id": 6})).encode()
    page = TypeAdapter(Page[Grant]).validate_json(raw)
    assert page.count == 40
    assert page.previous is None
    assert page.next is not None
    assert [g.id for g in page.results] == [5, 6]
    assert isinstance(page.results[0], Grant)
    assert page.results[0].team.name == "Team 3"
    assert Page[Grant].model_validate_json(raw) == page
    assert page.model_dump(mode="json", by_alias=True) == json.loads(raw)


def test_empty_page() -> None:
    page = Page[Grant].model_validate({"count": 0, "next": None, "previous": None, "results": []})
    assert page.results == []


def test_page_rejects_a_bad_record() -> None:
    with pytest.raises(ValidationError):
        Page[Grant].model_validate(page_of({**GRANT, "amount": "lots"}))


# --------------------------------------------------------------------------- forward compatibility


def test_unknown_fields_are_kept_and_dumped() -> None:
    data = copy.deepcopy(GRANT)
    data["funder_url"] = "https://example.org"
    data["_team"]["colour"] = "blue"
    data["_history"][0]["_actor"]["pronouns"] = None
    grant = Grant.model_validate(data)
    assert grant.model_extra == {"funder_url": "https://example.org"}
    assert grant.team.model_extra == {"colour": "blue"}
    assert grant.model_dump(mode="json", by_alias=True) == data


def test_unknown_enum_value_stays_a_string() -> None:
    req = AllocationRequest.model_validate({**ALLOCATION_REQUEST, "status": "XX"})
    assert req.status == "XX"
    assert type(req.status) is str
    assert req.model_dump(mode="json", by_alias=True)["status"] == "XX"
    note = Notification.model_validate({**NOTIFICATION, "notification_type": "ZZ"})
    assert type(note.notification_type) is str
    cluster = Cluster.model_validate({**CLUSTER, "access_mode": "AL"})
    assert cluster.access_mode == "AL"


def test_known_enum_values_are_enum_members() -> None:
    req = AllocationRequest.model_validate(ALLOCATION_REQUEST)
    assert isinstance(req.status, RequestStatus)
    assert req.status == "AP"
    assert req.status == RequestStatus.APPROVED
    assert str(req.status) == "AP"


# --------------------------------------------------------------------------- strictness


def test_naive_datetime_is_rejected() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        Grant.model_validate(
            {**GRANT, "_history": [{**history()[0], "timestamp": "2025-02-03T04:05:06"}]}
        )
    with pytest.raises(ValidationError):
        Notification.model_validate({**NOTIFICATION, "time": "2025-05-05T05:05:05"})


def test_offset_datetimes_are_kept_aware() -> None:
    note = Notification.model_validate({**NOTIFICATION, "time": "2025-05-05T05:05:05+02:00"})
    assert note.time.utcoffset() == timedelta(hours=2)
    assert note.model_dump(mode="json")["time"] == "2025-05-05T05:05:05+02:00"


def test_utc_is_written_as_z_like_the_server() -> None:
    note = Notification.model_validate({**NOTIFICATION, "time": "2025-05-05T05:05:05+00:00"})
    assert note.time == datetime(2025, 5, 5, 5, 5, 5, tzinfo=UTC)
    assert note.model_dump(mode="json")["time"] == "2025-05-05T05:05:05Z"


def test_missing_required_field_is_rejected() -> None:
    data = {k: v for k, v in GRANT.items() if k != "title"}
    with pytest.raises(ValidationError, match="title"):
        Grant.model_validate(data)


def test_model_names_are_not_accepted_as_input() -> None:
    # Aliases only: ``team`` in input is always the server's id, never the object.
    with pytest.raises(ValidationError):
        Grant.model_validate({**GRANT, "team": team_summary(3)})


# --------------------------------------------------------------------------- change tracking


def test_change_tracking() -> None:
    grant = Grant.model_validate(GRANT)
    assert grant.changed_fields() == {}
    grant.title = "Shallow sea sensors"
    grant.team_id = 4
    assert grant.changed_fields() == {"team_id": 4, "title": "Shallow sea sensors"}
    grant.mark_clean()
    assert grant.changed_fields() == {}
    grant.amount = Decimal("11.00")
    assert grant.changed_fields() == {"amount": Decimal("11.00")}


def test_change_tracking_is_per_instance() -> None:
    first = Grant.model_validate(GRANT)
    second = Grant.model_validate(GRANT)
    first.title = "Changed"
    assert second.changed_fields() == {}


def test_copies_track_changes_apart_from_the_original() -> None:
    grant = Grant.model_validate(GRANT)
    grant.title = "Mine"
    for copied in (grant.model_copy(), copy.copy(grant), copy.deepcopy(grant)):
        copied.pi = "Dr. Copy"
        assert copied.changed_fields() == {"pi": "Dr. Copy", "title": "Mine"}
    assert grant.changed_fields() == {"title": "Mine"}


def test_model_copy_update_counts_as_a_change() -> None:
    grant = Grant.model_validate(GRANT)
    updated = grant.model_copy(update={"team_id": 4})
    assert updated.team_id == 4
    assert updated.changed_fields() == {"team_id": 4}
    assert grant.changed_fields() == {}


def test_parsing_a_page_marks_nothing_changed() -> None:
    page = Page[AllocationRequest].model_validate(page_of(ALLOCATION_REQUEST))
    assert page.results[0].changed_fields() == {}


# --------------------------------------------------------------------------- package contract


def record_classes() -> list[type[Record]]:
    return [
        obj
        for obj in vars(models).values()
        if inspect.isclass(obj) and issubclass(obj, Record) and obj is not Record
    ]


def test_every_record_model_is_exported() -> None:
    names = {cls.__name__ for cls in record_classes()}
    assert names == {
        "User",
        "Team",
        "Membership",
        "Cluster",
        "Allocation",
        "AllocationRequest",
        "AllocationReview",
        "Comment",
        "Attachment",
        "Grant",
        "Publication",
        "Notification",
        "Preference",
        "AuditLog",
        "RequestLog",
        "TaskResult",
    }


def test_all_exports_exist_and_are_documented() -> None:
    assert len(models.__all__) == len(set(models.__all__))
    for name in models.__all__:
        obj = getattr(models, name)
        if inspect.isclass(obj):
            assert obj.__doc__, name
            assert obj.__module__.startswith("keystone_client.models"), name


def test_enum_values_are_the_server_codes() -> None:
    assert [m.value for m in RequestStatus] == ["PD", "AP", "DC", "CR"]
    assert [m.value for m in ReviewStatus] == ["AP", "DC", "CR"]
    assert [m.value for m in AccessMode] == ["WL", "BL", "OP"]
    assert [m.value for m in MembershipRole] == ["OW", "AD", "MB"]
    assert [m.value for m in NotificationType] == ["GM", "RE", "RD"]
    assert NotificationType("RD") is NotificationType.REQUEST_EXPIRED
