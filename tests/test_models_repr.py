"""Every model has a short ``repr``/``str``: its name, id and the fields that name it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel

from keystone_client.models import (
    Allocation,
    AllocationRequestSummary,
    AllocationSummary,
    Attachment,
    AttachmentSummary,
    AuditLogSummary,
    ClusterSummary,
    Comment,
    CommentSummary,
    Grant,
    GrantSummary,
    KeystoneModel,
    Page,
    Publication,
    PublicationSummary,
    Record,
    TeamRole,
    TeamSummary,
    UserRole,
    UserSummary,
)

from .test_models import GRANT, SAMPLES, page_of, request_summary, team_summary, user_summary

EXPECTED = {
    "User": "User(id=7, username='ada7')",
    "Team": "Team(id=3, name='Team 3')",
    "Membership": "Membership(id=1, team_id=3, user_id=7)",
    "Grant": "Grant(id=5, title='Deep sea sensors')",
    "Cluster": "Cluster(id=2, name='Crane')",
    "AllocationRequest": "AllocationRequest(id=11, title='Cold storage')",
    "AllocationReview": "AllocationReview(id=12, request_id=11, status='CR')",
    "Notification": "Notification(id=100, subject='Your request expires soon')",
    "Preference": "Preference(id=4, user_id=7)",
    "AuditLog": "AuditLog(id=40, record_name='research_products | Grant', action='update')",
    "RequestLog": "RequestLog(id=1, method='GET', endpoint='/version/')",
    "TaskResult": "TaskResult(id=9, task_name='notify_expiring', status='SUCCESS')",
    "FeedEntry": "FeedEntry(id='a40', record_type='audit')",
    # Value models without an id are small: every field is shown.
    "AllocationRequestStats": None,
    "GrantStats": None,
    "PublicationStats": None,
    "NotificationStats": "NotificationStats(total=10, unread=4)",
    "Config": (
        "Config(version='1.2.3', max_upload_size=1024, max_upload_count=3, "
        "allowed_file_types=['application/pdf', 'text/plain'], session_age=3600)"
    ),
    "Health": None,
}

SUMMARIES: list[tuple[KeystoneModel, str]] = [
    # Records the samples of test_models do not cover (their naming fields only).
    (
        Allocation.model_construct(id=3, request_id=11, cluster_id=2, requested=5),
        "Allocation(id=3, request_id=11, cluster_id=2)",
    ),
    (
        Attachment.model_construct(id=4, name="budget.csv", file="/media/budget.csv"),
        "Attachment(id=4, name='budget.csv')",
    ),
    (
        Comment.model_construct(id=5, request_id=11, user_id=7, content="Fine"),
        "Comment(id=5, request_id=11, user_id=7)",
    ),
    (
        Publication.model_construct(id=6, title="On reefs", abstract="Long text"),
        "Publication(id=6, title='On reefs')",
    ),
    (UserSummary.model_validate(user_summary(7)), "UserSummary(id=7, username='ada7')"),
    (TeamSummary.model_validate(team_summary(3)), "TeamSummary(id=3, name='Team 3')"),
    (
        TeamRole.model_validate({"id": 1, "team": 3, "role": "OW", "_team": team_summary(3)}),
        "TeamRole(id=1, team_id=3, role='OW')",
    ),
    (
        UserRole.model_validate({"id": 2, "user": 7, "role": "XX", "_user": user_summary(7)}),
        "UserRole(id=2, user_id=7, role='XX')",
    ),
    (
        AuditLogSummary.model_validate({"id": 40, "action": "update", "_actor": None}),
        "AuditLogSummary(id=40, action='update')",
    ),
    (
        AllocationRequestSummary.model_validate(request_summary()),
        "AllocationRequestSummary(id=11, title='Cold storage')",
    ),
    (
        AttachmentSummary.model_validate({"file": "/media/a.pdf", "name": "a.pdf"}),
        "AttachmentSummary(name='a.pdf')",
    ),
    (ClusterSummary(id=2, name="Crane"), "ClusterSummary(id=2, name='Crane')"),
    (
        AllocationSummary.model_validate(
            {"id": 8, "cluster": 2, "requested": 10, "_cluster": {"id": 2, "name": "Crane"}}
        ),
        "AllocationSummary(id=8, cluster_id=2)",
    ),
    (
        CommentSummary.model_validate(
            {
                "id": 6,
                "user": 7,
                "content": "Looks good",
                "created": "2025-01-01T00:00:00Z",
                "_user": user_summary(7),
            }
        ),
        "CommentSummary(id=6, user_id=7)",
    ),
    (
        GrantSummary.model_validate(
            {
                "id": 5,
                "title": "Deep sea sensors",
                "agency": "NSF",
                "amount": "1.00",
                "start_date": "2025-01-01",
                "team": 3,
            }
        ),
        "GrantSummary(id=5, title='Deep sea sensors')",
    ),
    (
        PublicationSummary.model_validate({"id": 4, "title": "On reefs", "team": 3}),
        "PublicationSummary(id=4, title='On reefs')",
    ),
]


def test_every_model_is_covered() -> None:
    import keystone_client.models as models

    names = {
        name
        for name in models.__all__
        if isinstance(getattr(models, name), type)
        and issubclass(getattr(models, name), KeystoneModel)
    }
    covered = set(EXPECTED) | {type(m).__name__ for m, _ in SUMMARIES}
    assert names - covered == {"KeystoneModel", "Record", "Page", "HealthCheck"}


@pytest.mark.parametrize(("model", "data"), SAMPLES, ids=[m.__name__ for m, _ in SAMPLES])
def test_records_show_their_name_id_and_naming_fields(
    model: type[BaseModel], data: dict[str, Any]
) -> None:
    record = model.model_validate_json(json.dumps(data))
    expected = EXPECTED[model.__name__]
    if expected is None:  # every field, as pydantic shows it
        assert repr(record) == f"{model.__name__}({record.__repr_str__(', ')})"
    else:
        assert repr(record) == expected
        if isinstance(record, Record) or hasattr(record, "id"):
            assert str(record) == expected
            assert "history" not in repr(record)


@pytest.mark.parametrize(("summary", "expected"), SUMMARIES, ids=lambda v: type(v).__name__)
def test_summaries_are_short_too(summary: KeystoneModel, expected: str) -> None:
    assert repr(summary) == expected
    assert str(summary) == expected


def test_the_history_and_password_hashes_stay_out_of_the_repr() -> None:
    data = {
        **GRANT,
        "_history": [
            {
                "id": 1,
                "action": "create",
                "_actor": None,
                "changes": {"password": ["", "pbkdf2_sha256$hash"]},
            }
        ],
    }
    grant = Grant.model_validate(data)
    assert "pbkdf2" not in repr(grant) and "pbkdf2" not in str(grant)
    assert "pbkdf2" in json.dumps(grant.model_dump(mode="json"))  # the full view keeps it
    assert repr(grant.history) == "[AuditLogSummary(id=1, action='create')]"


def test_a_page_shows_its_count_and_size() -> None:
    page = Page[Grant].model_validate_json(json.dumps(page_of(GRANT, {**GRANT, "id": 6})))
    assert repr(page) == "Page[Grant](count=40, results=<2 records>)"
