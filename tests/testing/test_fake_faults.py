"""Injected faults, the throttle, session expiry and request inspection."""

from __future__ import annotations

import httpx
import pytest

from keystone_client import APIConnectionError, APITimeoutError, RateLimitError, ServerError
from keystone_client.testing import FakeKeystone, Fault


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
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
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


def test_a_fault_of_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError) as caught:
        Fault("GET", "version", kind="hang")
    assert str(caught.value) == "fault kind must be one of status, connect, timeout, not 'hang'"


@pytest.mark.parametrize("status", [399, 600, 200])
def test_an_injected_status_outside_4xx_5xx_is_refused(fake, status):
    with pytest.raises(ValueError) as caught:
        fake.fail("GET", "version", status)
    assert str(caught.value) == f"an injected status must be 4xx or 5xx, not {status}"


@pytest.mark.parametrize(
    ("status", "detail"),
    [
        (400, "A server error occurred."),
        (500, "A server error occurred."),
        (502, "A server error occurred."),
        (503, "Service temporarily unavailable, try again later."),
        (504, "A server error occurred."),
        (599, "A server error occurred."),
    ],
)
def test_an_injected_status_answers_its_body(fake, raw, status, detail):
    fake.fail("GET", "version", status)
    answer = raw.get("/version/")
    assert (answer.status_code, answer.json()) == (status, {"detail": detail})
    assert "Retry-After" not in answer.headers


def test_an_injected_429_without_a_wait_says_only_throttled(fake, raw):
    fake.fail("GET", "version", 429)
    answer = raw.get("/version/")
    assert (answer.status_code, answer.json()) == (429, {"detail": "Request was throttled."})
    assert "Retry-After" not in answer.headers


def test_an_injected_wait_is_rounded_up_and_sent_as_the_server_spells_it(fake, raw):
    fake.fail("GET", "version", 429, retry_after=0.2)
    answer = raw.get("/version/")
    assert (b"Retry-After", b"1") in answer.headers.raw
    assert answer.json() == {"detail": "Request was throttled. Expected available in 1 second."}


def test_an_html_error_page_keeps_its_retry_after(fake, raw):
    fake.fail("GET", "version", 503, html=True, retry_after=5)
    answer = raw.get("/version/")
    assert (answer.status_code, answer.headers["Retry-After"]) == (503, "5")
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"


@pytest.mark.parametrize(
    ("given", "stored"), [("", "/"), ("/", "/"), ("/version", "/version/"), ("X", "/X/")]
)
def test_a_fault_path_is_the_api_path_with_slashes(fake, raw, given, stored):
    fault = fake.fail("GET", given, 502)
    assert fault.path == stored
    assert raw.get(stored).status_code == 502


def test_a_fault_path_is_taken_literally(fake, raw):
    fake.fail("GET", "Xtra/", 502)
    assert raw.get("/Xtra/").status_code == 502


def _send(fake, method="GET", path="/version/"):
    request = httpx.Request(method, fake.url + path)
    return request, fake.transport()


def test_an_injected_disconnect_raises_connect_error_for_the_request(fake):
    fake.disconnect("GET", "version")
    request, transport = _send(fake)
    with pytest.raises(httpx.ConnectError) as caught:
        transport.handle_request(request)
    assert str(caught.value) == "Connection refused (injected by FakeKeystone)"
    assert caught.value.request is request


def test_an_injected_timeout_raises_read_timeout_for_the_request(fake):
    fake.time_out("GET", "version")
    request, transport = _send(fake)
    with pytest.raises(httpx.ReadTimeout) as caught:
        transport.handle_request(request)
    assert str(caught.value) == "Read timed out (injected by FakeKeystone)"
    assert caught.value.request is request


async def test_async_injected_failures_carry_the_request(fake):
    fake.disconnect("GET", "version")
    fake.time_out("GET", "version")
    request, transport = _send(fake)
    with pytest.raises(httpx.ConnectError) as refused:
        await transport.handle_async_request(request)
    with pytest.raises(httpx.ReadTimeout) as timed_out:
        await transport.handle_async_request(request)
    assert (refused.value.request, timed_out.value.request) == (request, request)
    assert str(refused.value) == "Connection refused (injected by FakeKeystone)"
    assert str(timed_out.value) == "Read timed out (injected by FakeKeystone)"


def test_the_client_reports_an_injected_disconnect(run, fake, on):
    fake.disconnect("GET", "version")
    with pytest.raises(APIConnectionError) as caught:
        run(on(max_retries=0).version())
    assert str(caught.value) == (
        "GET http://localhost:8000/version/ failed after 1 attempt: "
        "ConnectError: Connection refused (injected by FakeKeystone)"
    )
