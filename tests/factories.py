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


def request_summary(id: int = 1, **over: Any) -> dict[str, Any]:
    data = {"id": id, "title": f"Request {id}", "status": "AP", "active": None, "expire": None}
    return {**data, **over}


def team(id: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "slug": f"team-{id}",
        "is_active": True,
        "_membership": [{"id": 7, "user": 1, "role": "OW", "_user": user_summary(1)}],
        "_history": [],
        "name": f"Team {id}",
        "users": [1],
    }
    return {**data, **over}


def membership(id: int = 1, user: int = 1, team: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "_user": user_summary(user),
        "_team": team_summary(team),
        "_history": [],
        "role": "MB",
        "user": user,
        "team": team,
    }
    return {**data, **over}


def cluster(id: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "_access_teams": [],
        "_history": [],
        "name": f"Cluster {id}",
        "description": None,
        "enabled": True,
        "access_mode": "OP",
        "access_teams": [],
    }
    return {**data, **over}


def allocation(id: int = 1, cluster: int = 1, request: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "_cluster": {"id": cluster, "name": f"Cluster {cluster}", "enabled": True},
        "_request": request_summary(request),
        "_history": [],
        "requested": 1000,
        "awarded": None,
        "final": None,
        "cluster": cluster,
        "request": request,
    }
    return {**data, **over}


def allocation_review(
    id: int = 1, request: int = 1, reviewer: int = 2, **over: Any
) -> dict[str, Any]:
    data = {
        "id": id,
        "_request": request_summary(request),
        "_reviewer": user_summary(reviewer),
        "_history": [],
        "status": "AP",
        "submitted": "2026-02-04T10:00:00Z",
        "request": request,
        "reviewer": reviewer,
    }
    return {**data, **over}


def comment(id: int = 1, request: int = 1, user: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "user": user,
        "_user": user_summary(user),
        "_request": request_summary(request),
        "_history": [],
        "content": "Looks good.",
        "created": "2026-02-05T10:00:00Z",
        "private": False,
        "request": request,
    }
    return {**data, **over}


def attachment(id: int = 1, request: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "file": "allocations/report.pdf",
        "name": "report.pdf",
        "_request": request_summary(request),
        "_history": [],
        "uploaded": "2026-02-06T10:00:00Z",
        "request": request,
    }
    return {**data, **over}


def publication(id: int = 1, team: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "_team": team_summary(team),
        "_history": [],
        "title": f"Paper {id}",
        "abstract": None,
        "published": None,
        "submitted": "2026-01-15",
        "journal": None,
        "doi": None,
        "volume": None,
        "issue": None,
        "team": team,
    }
    return {**data, **over}


def notification(id: int = 1, user: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "time": "2026-02-07T10:00:00Z",
        "read": False,
        "subject": "Hello",
        "message_html": "<p>Hello</p>",
        "notification_type": "GM",
        "user": user,
        "_user": user_summary(user),
    }
    return {**data, **over}


def preference(id: int = 1, user: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "_user": user_summary(user),
        "request_expiry_thresholds": [30, 14],
        "notify_on_expiration": True,
        "user": user,
    }
    return {**data, **over}


def audit_log(id: int = 1, actor: int | None = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "record_name": "research_products | Grant",
        "record_id": 1,
        "action": "update",
        "changes": {"title": ["A", "B"]},
        "cid": None,
        "remote_addr": "127.0.0.1",
        "remote_port": None,
        "timestamp": "2026-02-08T10:00:00Z",
        "actor": actor,
        "_actor": user_summary(actor) if actor is not None else None,
    }
    return {**data, **over}


def request_log(id: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "_user": None,
        "method": "GET",
        "endpoint": "/version/",
        "response_code": 200,
        "remote_address": "127.0.0.1",
        "timestamp": "2026-02-08T10:00:00Z",
        "cid": None,
        "user": None,
    }
    return {**data, **over}


def task_result(id: int = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "task_id": f"task-{id}",
        "periodic_task_name": None,
        "task_name": "cleanup",
        "task_args": None,
        "task_kwargs": None,
        "status": "SUCCESS",
        "worker": None,
        "content_type": "application/json",
        "content_encoding": "utf-8",
        "result": None,
        "date_created": "2026-02-08T10:00:00Z",
        "date_started": None,
        "date_done": "2026-02-08T10:00:01Z",
        "traceback": None,
        "meta": None,
    }
    return {**data, **over}


def feed_entry(id: str = "r1", user: int | None = 1, **over: Any) -> dict[str, Any]:
    data = {
        "id": id,
        "_user": user_summary(user) if user is not None else None,
        "record_id": int(id[1:]),
        "record_type": "request",
        "timestamp": "2026-02-08T10:00:00Z",
        "summary": "/version/",
        "cid": None,
        "status": "200",
        "user": user,
    }
    return {**data, **over}


def request_stats(**over: Any) -> dict[str, Any]:
    counts = ("", "_pending", "_approved", "_declined", "_upcoming", "_active", "_expired")
    data: dict[str, Any] = {f"request{name}_count": 1 for name in counts}
    totals = ("pending", "declined", "approved", "upcoming", "active", "expired")
    data.update({f"su_{name}_total": 10.0 for name in totals})
    data.update({"su_requested_total": 5.0, "su_awarded_total": 4.0, "su_finalized_total": 3.0})
    data.update({"days_pending_average": None, "days_active_average": 30.5})
    return {**data, **over}


def grant_stats(**over: Any) -> dict[str, Any]:
    data = {
        "grant_count": 3,
        "upcoming_count": 0,
        "active_count": 2,
        "expired_count": 1,
        "agency_count": 2,
        "funding_total": "3000.00",
        "funding_upcoming": "0.00",
        "funding_active": "2000.00",
        "funding_expired": "1000.00",
        "funding_average": "1000.00",
    }
    return {**data, **over}


def publication_stats(**over: Any) -> dict[str, Any]:
    data = {
        "publications_count": 4,
        "draft_count": 1,
        "submitted_count": 1,
        "accepted_count": 2,
        "journals_count": 2,
        "review_average": "2 03:00:00",
    }
    return {**data, **over}


def session_cookies(csrf: str = "csrf-1", session: str = "sess-1") -> list[tuple[str, str]]:
    """``Set-Cookie`` headers as Django sends them after a successful login."""
    return [
        ("Set-Cookie", f"csrftoken={csrf}; expires=Fri, 01 Jan 2100 00:00:00 GMT; Path=/"),
        ("Set-Cookie", f"sessionid={session}; HttpOnly; Path=/; SameSite=Lax"),
    ]


def login_error(message: str = "Invalid username or password.") -> dict[str, Any]:
    """The server's 400 body for refused credentials."""
    return {"non_field_errors": [message]}


def not_authenticated() -> dict[str, Any]:
    """The server's 401 body for an anonymous request."""
    return {"detail": "Authentication credentials were not provided."}


def html_page(title: str = "Not Found") -> str:
    """An HTML error page like Django's or a proxy's."""
    return (
        f'\n<!doctype html>\n<html lang="en">\n<head>\n  <title>{title}</title>\n</head>\n'
        f"<body>\n  <h1>{title}</h1><p>Something went wrong.</p>\n</body>\n</html>\n"
    )
