"""One scenario against the fake and the real server: the answers must agree.

The scenario creates its own team and grants (and deletes them), so the counts it compares
do not depend on either side's data. Compared: every status, the keys of every JSON body (and
of the first record of a list), counts, and DRF error bodies word for word. A second scenario
compares a non-staff user's answers (``KEYSTONE_TEST_MEMBER_USERNAME`` and
``KEYSTONE_TEST_MEMBER_PASSWORD``; dan on the fake).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from keystone_client.testing import FakeKeystone


class Side:
    """A logged-in HTTP session on one side, recording (step, status, shape) per request."""

    def __init__(self, http: httpx.Client, username: str, password: str) -> None:
        self.http = http
        self.log: list[tuple[str, int, Any]] = []
        answer = http.post(
            "/authentication/login/", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        http.headers["X-CSRFToken"] = http.cookies["csrftoken"]

    def call(self, step: str, method: str, path: str, **kwargs: Any) -> Any:
        answer = self.http.request(method, path, **kwargs)
        body = answer.json() if "json" in answer.headers.get("Content-Type", "") else None
        self.log.append((step, answer.status_code, shape(body)))
        return body


def shape(body: Any) -> Any:
    """What must agree: keys, counts and error messages, not ids, timestamps or names."""
    if not isinstance(body, dict):
        return None
    if "results" in body and "count" in body:
        first = body["results"][0] if body["results"] else {}
        return {"count": body["count"], "keys": sorted(body), "record": sorted(first)}
    if "results" in body:  # a batch answer
        return {"steps": [(s["status"], sorted(s["body"])) for s in body["results"]]}
    if set(body) <= {"detail", "step", "status", "body", "token"}:
        return body
    if all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body.values()):
        return body  # field errors
    return sorted(body)


def scenario(side: Side) -> None:
    name = f"keystone-client differential {uuid.uuid4().hex[:10]}"
    team = side.call("create team", "POST", "/users/teams/", json={"name": name, "slug": "x"})
    tid = team["id"]
    grant = {"agency": "NSF", "start_date": "2026-01-01", "team": tid}
    job = {
        "actions": [
            {
                "method": "POST",
                "path": "/research/grants/",
                "payload": {**grant, "title": f"{name} {i}", "amount": f"{i}000.00"},
            }
            for i in (1, 2, 3)
        ]
    }
    created: list[int] = []
    try:
        done = side.call("batch", "POST", "/batch/", json={"job": job})
        created = [step["body"]["id"] for step in done["results"]]
        side.call("list", "GET", "/research/grants/", params={"team": tid})
        side.call("filter", "GET", "/research/grants/", params={"team": tid, "amount__gt": "1500"})
        side.call(
            "unknown param", "GET", "/research/grants/", params={"team": tid, "colour": "red"}
        )
        side.call(
            "order",
            "GET",
            "/research/grants/",
            params={"team": tid, "_order": "-amount", "_limit": 1},
        )
        side.call("search", "GET", "/research/grants/", params={"team": tid, "_search": name})
        side.call("bad filter", "GET", "/research/grants/", params={"amount__gt": "lots"})
        side.call("bad create", "POST", "/research/grants/", json={"title": "", "amount": "x"})
        side.call(
            "read-only", "PATCH", f"/users/teams/{tid}/", json={"slug": "y", "is_active": True}
        )
        side.call("no object", "POST", "/users/teams/", json=[name])
        side.call("boolean for a body", "PATCH", f"/users/teams/{tid}/", json=True)
        side.call("word", "PATCH", f"/users/teams/{tid}/", json={"is_active": "Yes"})
        side.call("not a word", "PATCH", f"/users/teams/{tid}/", json={"is_active": "1.0"})
        # Not logged: the two sides hold different clusters.
        cluster = side.http.get("/allocations/clusters/", params={"_limit": 1}).json()
        path = f"/allocations/clusters/{cluster['results'][0]['id']}/"
        side.call("one for a list", "PATCH", path, json={"access_teams": 5})
        side.call("keys for a list", "PATCH", path, json={"access_teams": {"lab": 1}})
        side.call("no file", "POST", "/allocations/attachments/", json={"file": "notes.txt"})
        bad_json = {"content": b'{"title": NaN}', "headers": {"Content-Type": "application/json"}}
        side.call("malformed json", "POST", "/research/grants/", **bad_json)
        csv = {"content": b"title\nx\n", "headers": {"Content-Type": "text/csv"}}
        side.call("media type", "POST", "/research/grants/", **csv)
        side.call("form", "PATCH", f"/users/teams/{tid}/", data={"is_active": "on"})
        side.call("dry run", "POST", "/batch/", json={"job": {**job, "dry_run": True}})
        failing = {
            "actions": [
                job["actions"][0],
                {"method": "POST", "path": "/research/grants/", "payload": {"title": ""}},
            ]
        }
        side.call("failing batch", "POST", "/batch/", json={"job": failing})
        bad_ref = {"actions": [{"method": "GET", "path": "/research/grants/@ref{nope.id}/"}]}
        side.call("bad ref", "POST", "/batch/", json={"job": bad_ref})
        no_route = {"actions": [{"method": "GET", "path": "research/grants/"}]}
        side.call("no route", "POST", "/batch/", json={"job": no_route})
        side.call("missing", "GET", "/research/grants/999999999/")
        side.call("nowhere", "GET", "/nowhere/")
        side.call("count after", "GET", "/research/grants/", params={"team": tid})
        side.call("choices", "GET", "/allocations/request-choices/status/")
        side.call("whoami", "GET", "/authentication/whoami/")
    finally:
        for gid in created:
            side.call("delete grant", "DELETE", f"/research/grants/{gid}/")
        side.call("delete team", "DELETE", f"/users/teams/{tid}/")
    side.call("deleted", "GET", f"/users/teams/{tid}/")


@pytest.fixture
def real(live_settings: dict[str, str]) -> Iterator[Side]:
    with httpx.Client(base_url=live_settings["url"], timeout=30) as http:
        yield Side(http, live_settings["username"], live_settings["password"])


@pytest.fixture
def fake_side() -> Iterator[Side]:
    fake = FakeKeystone(seed="demo")
    with httpx.Client(base_url=fake.url, transport=fake.transport()) as http:
        yield Side(http, fake.username, fake.password)


def test_the_fake_and_the_server_agree(real: Side, fake_side: Side) -> None:
    scenario(real)
    scenario(fake_side)
    assert [step for step, _, _ in fake_side.log] == [step for step, _, _ in real.log]
    for (step, status, body), (_, fake_status, fake_body) in zip(
        real.log, fake_side.log, strict=True
    ):
        assert (step, fake_status) == (step, status)
        assert (step, fake_body) == (step, body)


MEMBER_VARS = ("KEYSTONE_TEST_MEMBER_USERNAME", "KEYSTONE_TEST_MEMBER_PASSWORD")


def member_scenario(side: Side) -> None:
    side.call("whoami", "GET", "/authentication/whoami/")
    side.call("audit logs", "GET", "/logs/audit/")
    side.call("request logs", "GET", "/logs/requests/")
    side.call("feed", "GET", "/logs/feed/")
    side.call("create cluster", "POST", "/allocations/clusters/", json={"name": "mine"})
    side.call("create user", "POST", "/users/users/", json={"username": "x", "password": "y"})
    side.call("choices", "GET", "/users/membership-choices/role/")


def test_the_fake_and_the_server_agree_for_a_member(live_settings: dict[str, str]) -> None:
    missing = [name for name in MEMBER_VARS if not os.environ.get(name)]
    if missing:
        pytest.skip(f"set {', '.join(missing)} (a non-staff user) to compare member answers")
    with httpx.Client(base_url=live_settings["url"], timeout=30) as http:
        real = Side(http, *(os.environ[name] for name in MEMBER_VARS))
        fake = FakeKeystone(seed="demo")
        with httpx.Client(base_url=fake.url, transport=fake.transport()) as fake_http:
            member = Side(fake_http, **fake.credentials("dan"))
            member_scenario(real)
            member_scenario(member)
    assert [(s, status) for s, status, _ in member.log] == [
        (s, status) for s, status, _ in real.log
    ]
    for (step, _, body), (_, _, fake_body) in zip(real.log, member.log, strict=True):
        if isinstance(body, dict) and "detail" in body:
            assert (step, fake_body) == (step, body)
