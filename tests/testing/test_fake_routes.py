"""The fake's server-information routes, stats, page links and throttled batch steps."""

from __future__ import annotations

import httpx
import pytest

from keystone_client.testing import FakeKeystone


def _raw(fake: FakeKeystone) -> httpx.Client:
    return httpx.Client(
        base_url=fake.url,
        transport=fake.transport(),
        headers={"Authorization": f"Token {fake.token}"},
    )


def test_each_batch_step_passes_through_the_users_throttle():
    fake = FakeKeystone(seed="demo", throttle=3, clock=lambda: 1000.0)
    steps = [{"method": "GET", "path": "/research/grants/"} for _ in range(3)]
    with _raw(fake) as raw:
        answer = raw.post("/batch/", json={"job": {"actions": steps}})
    # The job itself and two steps use the three requests a minute; step 3 is throttled.
    assert answer.status_code == 422
    assert answer.json()["step"] == 3
    assert answer.json()["detail"] == "Step #3 (GET /research/grants/) failed with status 429"


def test_unthrottled_batch_steps_list_with_their_query():
    fake = FakeKeystone(seed="demo", throttle=10, clock=lambda: 1000.0)
    steps = [{"method": "GET", "path": "/research/grants/"} for _ in range(2)]
    with _raw(fake) as raw:
        answer = raw.post("/batch/", json={"job": {"actions": steps}})
    assert answer.status_code == 200
    assert [step["body"]["count"] for step in answer.json()["results"]] == [4, 4]


def test_a_page_after_the_first_record_links_back_to_the_first_page(fake, raw):
    page = raw.get("/research/grants/", params={"_limit": 2, "_offset": 1}).json()
    assert [g["id"] for g in page["results"]] == [2, 3]
    assert page["previous"] == f"{fake.url}/research/grants/?_limit=2"


def test_notification_stats_count_the_users_unread_notifications():
    fake = FakeKeystone()
    for read in (True, False, False):
        fake.add("notifications", user=1, read=read)
    with _raw(fake) as raw:
        assert raw.get("/stats/notifications/").json() == {"total": 3, "unread": 2}


@pytest.mark.parametrize(
    "path",
    [
        "/stats/nothing/",
        "/stats/grantsX/",
        "/stats/",
        "/logs/feed/1/",  # the feed has no records of its own
        "/research/grants/1/extra/",
        "/research/nothing/",
        "/research/",
    ],
)
def test_a_path_no_view_serves_answers_djangos_404_page(raw, path):
    # The server's URLs resolve exactly: no view, no JSON.
    answer = raw.get(path)
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Not Found</h1>" in answer.text


def test_config_gives_the_servers_default_session_age(raw):
    assert raw.get("/config/").json()["session_age"] == 14 * 24 * 3600


def test_health_reports_each_check(raw):
    data = raw.get("/health/json/").json()["data"]
    assert [(c["check"], c["healthy"], c["error"]) for c in data] == [
        ("Database", True, None),
        ("Storage", True, None),
        ("Redis", True, None),
        ("SMTP", True, None),
    ]
    # Each check takes milliseconds, as on the server.
    assert all(0 < c["time_taken"] < 0.1 for c in data)


def test_health_answers_a_bare_200_as_every_check_passes(fake):
    # The server's bare health view: an empty page, 200 only if every check passes.
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as anonymous:
        answer = anonymous.get("/health/")
        checks = anonymous.get("/health/json/").json()["data"]
    assert all(check["healthy"] for check in checks)
    assert answer.status_code == 200
    assert answer.content == b""
    assert answer.headers["content-type"] == "text/html; charset=utf-8"


def test_an_unhealthy_server_is_a_fault_to_inject(fake):
    fake.fail("GET", "health/", status=500)
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as anonymous:
        assert anonymous.get("/health/").status_code == 500
        assert anonymous.get("/health/").status_code == 200  # one failure by default


def test_logging_out_without_credentials_answers_401(fake):
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as anonymous:
        answer = anonymous.post("/authentication/logout/")
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Authentication credentials were not provided."}


NOT_ALLOWED = [
    ("POST", "/config/"),
    ("POST", "/authentication/whoami/"),
    ("GET", "/authentication/logout/"),
    ("GET", "/authentication/login/"),
    ("GET", "/batch/"),
    ("POST", "/stats/grants/"),
    ("DELETE", "/stats/requests/"),
    ("POST", "/allocations/request-choices/status/"),
    ("POST", "/version/"),
    ("PUT", "/health/"),
    ("POST", "/health/json/"),
    ("OPTIONS", "/config/"),
    ("HEAD", "/batch/"),
    ("DELETE", "/research/grants/"),  # lists take GET and POST only
    ("PATCH", "/research/grants/"),
    ("PUT", "/users/teams/"),
    ("POST", "/logs/feed/"),
    ("DELETE", "/notifications/notifications/1/"),
]


@pytest.mark.parametrize(("method", "path"), NOT_ALLOWED)
def test_a_method_a_view_does_not_take_answers_405(raw, method, path):
    answer = raw.request(method, path)
    assert answer.status_code == 405
    # (Over HTTP a HEAD answer drops its body; the transport keeps it.)
    assert answer.json() == {"detail": f'Method "{method}" not allowed.'}


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        # Open views refuse a method to anyone; the others ask for credentials first.
        ("GET", "/authentication/login/", 405),
        ("POST", "/version/", 405),
        ("GET", "/authentication/logout/", 401),
        ("POST", "/config/", 401),
        ("DELETE", "/research/grants/", 401),
    ],
)
def test_an_anonymous_wrong_method_is_refused_after_authentication(fake, method, path, status):
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as anonymous:
        assert anonymous.request(method, path).status_code == status


def test_a_batch_step_with_a_method_its_view_does_not_take_fails_with_405(raw):
    steps = [{"method": "POST", "path": "/config/"}]
    answer = raw.post("/batch/", json={"job": {"actions": steps}})
    assert answer.status_code == 422
    assert answer.json()["detail"] == "Step #1 (POST /config/) failed with status 405"


def test_head_is_answered_as_get(raw):
    answer = raw.head("/research/grants/")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert raw.head("/research/grants/999/").status_code == 404


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/research/grants", "/research/grants/"),
        ("/research/grants/1?x=1&y=", "/research/grants/1/?x=1&y="),
        ("/health", "/health/"),
        ("/stats/grants", "/stats/grants/"),
    ],
)
def test_a_path_without_its_trailing_slash_is_redirected(fake, target, location):
    # Django's APPEND_SLASH answers before authentication.
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as anonymous:
        answer = anonymous.get(target)
    assert answer.status_code == 301
    assert answer.headers["location"] == location
    assert answer.content == b""


def test_a_redirect_keeps_the_mount_point():
    fake = FakeKeystone(url="http://localhost:8000/api")
    with httpx.Client(transport=fake.transport()) as anonymous:
        answer = anonymous.get("http://localhost:8000/api/config")
    assert (answer.status_code, answer.headers["location"]) == (301, "/api/config/")


def test_a_path_without_a_slash_that_no_view_serves_answers_404(raw):
    answer = raw.get("/research/nothing")
    assert answer.status_code == 404
    assert "<h1>Not Found</h1>" in answer.text


def test_a_delete_made_in_a_session_names_its_user_in_the_audit_log(fake, raw, signed_in):
    created = raw.post(
        "/research/grants/",
        json={
            "title": "Doomed",
            "agency": "NSF",
            "amount": "10.00",
            "grant_number": "D-1",
            "fiscal_year": 2024,
            "start_date": "2024-01-01",
            "end_date": "2024-12-31",
            "team": 1,
        },
    )
    assert created.status_code == 201
    grant = created.json()
    assert signed_in.delete(f"/research/grants/{grant['id']}/").status_code == 204
    entry = raw.get("/logs/audit/", params={"_order": "-id", "_limit": 1}).json()["results"][0]
    assert (entry["record_id"], entry["action"]) == (grant["id"], "delete")
    assert entry["actor"] == raw.get("/authentication/whoami/").json()["id"]
