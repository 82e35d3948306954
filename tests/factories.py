"""Hand-written server JSON for tests: small records shaped like the Keystone API's."""

from __future__ import annotations

from typing import Any

BASE = "http://keystone.test/"


def user_summary(id: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "username": f"user{id}",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "display_name": "Ada Lovelace",
        "abbreviation": "AL",
        "email": f"user{id}@example.org",
        "department": "Physics",
        "role": None,
    }
    return {**data, **over}


def team_summary(id: int = 1, **over: Any) -> dict[str, Any]:
    return {"id": id, "slug": f"team-{id}", "name": f"Team {id}", "is_active": True, **over}


def history_entry(id: int = 1, actor: int | None = 1) -> dict[str, Any]:
    return {
        "id": id,
        "timestamp": "2026-03-01T12:00:00.123456Z",
        "action": "create",
        "actor": actor,
        "_actor": user_summary(actor) if actor is not None else None,
        "changes": {"title": ["None", "Created"]},
    }


def user(id: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "display_name": "Ada Lovelace",
        "abbreviation": "AL",
        "_membership": [
            {"id": 7, "team": 1, "role": "OW", "_team": team_summary(1)},
        ],
        "_history": [],
        "is_superuser": False,
        "username": f"user{id}",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": f"user{id}@example.org",
        "department": "Physics",
        "role": None,
        "is_active": True,
        "is_staff": False,
        "is_ldap_user": False,
        "date_joined": "2026-01-02T03:04:05Z",
        "last_login": None,
        "groups": [],
        "user_permissions": [],
    }
    return {**data, **over}


def grant(id: int = 1, team: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "_team": team_summary(team),
        "_history": [history_entry(id * 10)],
        "title": f"Grant {id}",
        "agency": "NSF",
        "pi": None,
        "amount": "1500.50",
        "grant_number": f"G-{id:05d}",
        "start_date": "2026-01-01",
        "end_date": None,
        "description": None,
        "team": team,
    }
    return {**data, **over}


def allocation_request(id: int = 1, team: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "_submitter": user_summary(2),
        "_team": team_summary(team),
        "_assignees": [user_summary(3)],
        "_publications": [],
        "_grants": [],
        "_history": [history_entry(id * 10)],
        "_allocations": [
            {
                "id": 5,
                "cluster": 1,
                "requested": 1000,
                "awarded": None,
                "final": None,
                "_cluster": {"id": 1, "name": "cpu", "enabled": True},
            }
        ],
        "_attachments": [],
        "_comments": [],
        "title": f"Request {id}",
        "description": "Simulations of protein folding.",
        "submitted": "2026-02-03T04:05:06.789Z",
        "active": "2026-03-01",
        "expire": None,
        "status": "AP",
        "submitter": 2,
        "team": team,
        "assignees": [3],
        "publications": [],
        "grants": [],
    }
    return {**data, **over}


def page(
    results: list[dict[str, Any]], count: int | None = None, next: str | None = None
) -> dict[str, Any]:
    return {
        "count": len(results) if count is None else count,
        "next": next,
        "previous": None,
        "results": results,
    }
