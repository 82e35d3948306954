"""The fake's server-information routes, stats, page links and throttled batch steps."""

from __future__ import annotations

import httpx

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


def test_an_unknown_stats_page_answers_404(raw):
    answer = raw.get("/stats/nothing/")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not found."}


def test_config_gives_the_servers_default_session_age(raw):
    assert raw.get("/config/").json()["session_age"] == 14 * 24 * 3600


def test_health_reports_each_check(raw):
    data = raw.get("/health/json/").json()["data"]
    assert [(c["check"], c["healthy"], c["error"]) for c in data] == [
        ("Database", True, None),
        ("Storage", True, None),
        ("Redis", True, None),
        ("SMTP", False, "Unavailable: Connection refused error"),
    ]
    # Each check takes milliseconds, as on the server.
    assert all(0 < c["time_taken"] < 0.1 for c in data)
