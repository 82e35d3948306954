"""Writes the fake checks and records as the server does: passwords, audit actors, and the
inactive-team rule applied only to the team a write names."""

from __future__ import annotations

import httpx

from keystone_client.testing import FakeKeystone


def _as(fake: FakeKeystone, username: str) -> httpx.Client:
    headers = {"Authorization": f"Token {fake.token_for(username)}"}
    return httpx.Client(base_url=fake.url, transport=fake.transport(), headers=headers)


def _newest_audit(raw: httpx.Client) -> dict:
    answer = raw.get("/logs/audit/", params={"_order": "-id", "_limit": 1})
    assert answer.status_code == 200
    entry: dict = answer.json()["results"][0]
    return entry


def _login(fake: FakeKeystone, username: str, password: str) -> httpx.Response:
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as http:
        return http.post(
            "/authentication/login/", json={"username": username, "password": password}
        )


def test_a_password_changed_by_patch_logs_in_and_is_audited_masked(fake, raw):
    old = fake.credentials("dan")["password"]
    answer = raw.patch("/users/users/4/", json={"password": "a-new-secret-42"})
    assert answer.status_code == 200
    assert "password" not in answer.json()
    assert _login(fake, "dan", "a-new-secret-42").status_code == 200
    refused = _login(fake, "dan", old)
    assert (refused.status_code, refused.json()) == (
        400,
        {"non_field_errors": ["Invalid username or password."]},
    )
    entry = _newest_audit(raw)
    assert (entry["record_name"], entry["record_id"], entry["action"]) == (
        "users | User",
        4,
        "update",
    )
    assert entry["changes"] == {"password": ["********", "********"]}


def test_a_password_changed_by_put_logs_in(fake, raw):
    body = {"username": "dan", "password": "put-secret-77"}
    answer = raw.put("/users/users/4/", json=body)
    assert answer.status_code == 200
    assert _login(fake, "dan", "put-secret-77").status_code == 200
    assert _newest_audit(raw)["changes"]["password"] == ["********", "********"]


def test_a_create_is_audited_with_the_session_user(fake, raw, signed_in):
    answer = signed_in.post("/users/teams/", json={"name": "Audited Lab"})
    assert answer.status_code == 201
    entry = _newest_audit(raw)
    assert (entry["record_name"], entry["record_id"], entry["action"]) == (
        "users | Team",
        answer.json()["id"],
        "create",
    )
    assert (entry["actor"], entry["remote_addr"]) == (1, "127.0.0.1")
    assert entry["_actor"]["username"] == "alice"


def test_a_write_made_with_a_token_is_audited_without_an_actor(fake, raw):
    # django-auditlog takes the actor from Django's session; the API reads a token later.
    answer = raw.post("/users/teams/", json={"name": "Token Lab"})
    assert answer.status_code == 201
    entry = _newest_audit(raw)
    assert (entry["record_id"], entry["action"]) == (answer.json()["id"], "create")
    assert (entry["actor"], entry["_actor"], entry["remote_addr"]) == (None, None, "127.0.0.1")
    feed = raw.get("/logs/feed/", params={"record_type": "audit", "_limit": 1}).json()
    assert (feed["results"][0]["record_id"], feed["results"][0]["user"]) == (entry["id"], None)
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as http:
        http.post("/authentication/login/", json=fake.credentials())
        # A session cookie names the actor even when a token authenticates the request.
        http.headers["Authorization"] = f"Token {fake.token}"
        http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
        assert http.patch("/research/grants/1/", json={"title": "Renamed"}).is_success
    assert (_newest_audit(raw)["record_name"], _newest_audit(raw)["actor"]) == (
        "research_products | Grant",
        1,
    )


def test_an_inactive_team_does_not_block_a_change_that_names_no_team(fake, raw):
    assert raw.patch("/users/teams/1/", json={"is_active": False}).status_code == 200
    carla = _as(fake, "carla")  # owner of team 2
    answer = carla.patch("/users/memberships/4/", json={"role": "MB"})
    assert (answer.status_code, answer.json()["role"], answer.json()["team"]) == (200, "MB", 2)
    # A write that names the inactive team is refused.
    ben = _as(fake, "ben")  # owner of team 1
    answer = ben.post("/users/memberships/", json={"team": 1, "user": 3, "role": "MB"})
    assert (answer.status_code, answer.json()) == (
        400,
        {"team": ["Non-staff cannot create a membership for an inactive team."]},
    )
