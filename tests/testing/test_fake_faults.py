"""Injected faults, the throttle, session expiry and request inspection."""

from __future__ import annotations

import httpx
import pytest

from keystone_client import APIConnectionError, APITimeoutError, RateLimitError, ServerError
from keystone_client.testing import FakeKeystone


def test_an_injected_status_answers_the_given_number_of_times(run, fake, on):
    client = on(max_retries=0)
    fake.fail("GET", "research/grants/*", 503, times=2)
    for _ in range(2):
        with pytest.raises(ServerError) as caught:
            run(client.resources.grants.get(1))
        assert caught.value.status_code == 503
    assert run(client.resources.grants.get(1)).id == 1


def test_the_client_retries_through_an_injected_503(run, fake, on, sleeps):
    fake.fail("GET", "research/grants/1/", 503)
    assert run(on().resources.grants.get(1)).id == 1
    fake.assert_requested("GET", "research/grants/1/", times=2)


def test_an_injected_429_carries_retry_after(fake, raw):
    fake.fail("*", "research/grants/", 429, retry_after=7)
    answer = raw.get("/research/grants/")
    assert (answer.status_code, answer.headers["Retry-After"]) == (429, "7")
    assert answer.json() == {"detail": "Request was throttled. Expected available in 7 seconds."}
    assert raw.get("/research/grants/").status_code == 200


def test_an_injected_500_can_be_the_servers_html_page(fake, raw):
    fake.fail("POST", "batch", 500, html=True)
    answer = raw.post("/batch/", json={})
    assert answer.status_code == 500
    assert answer.headers["Content-Type"] == "text/html"
    assert "<h1>Server Error (500)</h1>" in answer.text


def test_connection_errors_and_timeouts(run, fake, on):
    client = on(max_retries=0)
    fake.disconnect("GET", "version")
    with pytest.raises(APIConnectionError):
        run(client.version())
    fake.time_out("GET", "version", times=None)
    with pytest.raises(APITimeoutError):
        run(client.version())
    with pytest.raises(APITimeoutError):
        run(client.version())
    fake.clear_faults()
    assert run(client.version()) == "1.4.2"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"status": 200}, "4xx or 5xx"),
        ({"times": 0}, "at least 1"),
    ],
)
def test_bad_faults_are_refused(fake, options, message):
    with pytest.raises(ValueError, match=message):
        fake.fail("GET", "version", **options)


def test_the_throttle_answers_429_per_user_until_time_moves_on(fake, raw):
    fake.set_throttle(3)
    assert [raw.get("/version/").status_code for _ in range(3)] == [200, 200, 200]
    refused = raw.get("/version/")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "60"
    other = httpx.Client(base_url=fake.url, transport=fake.transport())
    assert other.get("/version/").status_code == 200  # anonymous is another bucket
    fake.advance(30)
    assert raw.get("/version/").headers["Retry-After"] == "30"
    fake.advance(30)
    assert raw.get("/version/").status_code == 200
    throttled = [r for r in fake.all("request_logs") if r.response_code == 429]
    assert len(throttled) == 2  # answered before the view, still logged


def test_the_client_sees_the_throttle_as_a_rate_limit(run, make_client):
    fake = FakeKeystone(seed="demo", throttle=2, clock=lambda: 100.0)
    client = make_client(max_retries=0, url=fake.url, transport=fake.transport(), token=fake.token)
    run(client.version())
    run(client.version())
    with pytest.raises(RateLimitError):
        run(client.version())
    fake.set_throttle(None)
    assert run(client.version()) == "1.4.2"


def test_time_only_moves_forward(fake):
    with pytest.raises(ValueError):
        fake.advance(-1)


def test_expired_sessions_log_in_again(run, fake, on):
    client = on()
    run(client.resources.teams.count())
    fake.expire_sessions()
    assert run(client.resources.teams.count()) == 3
    fake.assert_requested("POST", "authentication/login", times=2, user=None)


def test_requests_record_what_was_sent(run, fake, on):
    client = on()
    run(client.resources.grants.update(1, pi="Someone"))
    entry = fake.assert_requested("PATCH", "/research/grants/1/", body={"pi": "Someone"})[0]
    assert (entry.user, entry.cid, entry.status, entry.query) == ("alice", client.cid, 200, {})
    listing = run(client.resources.grants.list(agency="NSF"))
    assert len(listing) == 1
    fake.assert_requested("GET", "research/grants", query={"agency": "NSF"})


def test_assert_requested_explains_a_miss(fake, raw):
    raw.get("/version/")
    with pytest.raises(AssertionError, match=r"expected DELETE /research/grants/1/ at least once"):
        fake.assert_requested("DELETE", "research/grants/1")
    with pytest.raises(AssertionError, match=r"GET /version/ \{\} -> 200"):
        fake.assert_requested("GET", "version", times=2)
