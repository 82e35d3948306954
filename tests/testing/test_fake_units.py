"""FakeKeystone's own surface, one behaviour each: its URL, clients, lookups, faults, clock, log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from keystone_client import ConfigurationError
from keystone_client.models import FeedEntry
from keystone_client.testing import FakeKeystone, FakeKeystoneError

KNOWN = (
    "users, teams, memberships, clusters, allocations, allocation_requests, allocation_reviews, "
    "comments, attachments, grants, publications, notifications, preferences, audit_logs, "
    "request_logs, task_logs, feed"
)


@pytest.fixture
def http(run: Any) -> Iterator[Callable[..., Any]]:
    """Plain httpx of the current mode (sync or async) on a fake, with its staff token."""
    made: list[Any] = []

    def build(fake: FakeKeystone) -> Any:
        cls = httpx.AsyncClient if run.is_async else httpx.Client
        client = cls(
            base_url=fake.url,
            transport=fake.transport(),
            headers={"Authorization": f"Token {fake.token}"},
        )
        made.append(client)
        return client

    yield build
    for client in made:
        run(client.aclose() if run.is_async else client.close())


@pytest.fixture
def fake_client(run: Any) -> Iterator[Callable[..., Any]]:
    """``fake.client(...)`` or ``fake.async_client(...)``, by the current mode; closed after."""
    made: list[Any] = []

    def build(fake: FakeKeystone, **options: Any) -> Any:
        client = fake.async_client(**options) if run.is_async else fake.client(**options)
        made.append(client)
        return client

    yield build
    for client in made:
        run(client.close())


# -- construction ---------------------------------------------------------------------------


def test_the_defaults_are_the_servers_address_and_page_cap():
    fake = FakeKeystone()
    assert fake.url == "http://localhost:8000"
    assert fake.page_cap == 1000  # the server's max_limit
    assert repr(fake) == "<FakeKeystone url='http://localhost:8000' staff='admin'>"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://k.test/api/?next=1", "http://k.test/api"),
        ("http://k.test/api#top", "http://k.test/api"),
        ("http://k.test/API-X/", "http://k.test/API-X"),
        ("https://k.test:8443/", "https://k.test:8443"),
    ],
)
def test_the_url_keeps_its_origin_and_path_only(url, expected):
    assert FakeKeystone(url).url == expected


@pytest.mark.parametrize("url", ["ftp://k.test/api", "k.test/api", "/api", "http:///api"])
def test_a_url_that_is_not_absolute_http_is_refused(url):
    with pytest.raises(ValueError) as caught:
        FakeKeystone(url)
    assert str(caught.value) == f"url must be an absolute http(s) URL, not {url!r}"


def test_an_unknown_seed_is_refused_with_the_seeds_offered():
    with pytest.raises(ValueError) as caught:
        FakeKeystone(seed="tiny")
    assert str(caught.value) == "unknown seed 'tiny'; the fake offers: demo"


# -- clients ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"username": "ben"}, "a username is configured but KEYSTONE_PASSWORD is not set"),
        ({"password": "secret"}, "a password is configured but KEYSTONE_USERNAME is not set"),
    ],
)
def test_half_credentials_are_refused_not_replaced_by_the_staff_users(
    fake_client, options, message
):
    with pytest.raises(ConfigurationError) as caught:
        fake_client(FakeKeystone(seed="demo"), **options)
    assert message in str(caught.value)


def test_a_token_client_acts_as_the_tokens_user_and_has_no_login_to_fall_back_on(run, fake_client):
    fake = FakeKeystone(seed="demo")
    client = fake_client(fake, token=fake.token_for("ben"))
    assert {g.team_id for g in run(client.resources.grants.list())} == {1, 2}  # ben's teams
    assert fake.requests[-1].user == "ben"
    with pytest.raises(ConfigurationError, match=r"login\(\) needs a username and password"):
        run(client.login())
    assert len(fake.requests) == 1  # no login was attempted


def test_clients_of_the_fake_read_no_dotenv_file(run, fake_client, monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("KEYSTONE_HEADERS=not json\nKEYSTONE_TIMEOUT=oops\n")
    monkeypatch.chdir(tmp_path)
    fake = FakeKeystone()
    client = fake_client(fake)
    assert run(client.resources.users.count()) == 1
    assert fake.requests[-1].user == "admin"


# -- lookups ---------------------------------------------------------------------------------


def test_load_of_one_collection_takes_exactly_one_list():
    fake = FakeKeystone()
    for extra in [(), ([{"name": "a"}], [{"name": "b"}])]:
        with pytest.raises(TypeError) as caught:
            fake.load("teams", *extra)
        assert str(caught.value) == "load(collection, records) takes exactly one list of records"
    assert fake.all("teams") == []


def test_feed_entries_have_no_detail():
    fake = FakeKeystone(seed="demo")
    with pytest.raises(KeyError) as caught:
        fake.get("feed", 1)
    assert caught.value.args == ("feed entries have no detail; list them with all('feed')",)


def test_all_feed_lists_every_entry_newest_first(raw, fake):
    entries = fake.all("feed")
    served = raw.get("/logs/feed/", params={"_limit": 1000}).json()
    assert all(isinstance(e, FeedEntry) for e in entries)
    assert sorted(e.id for e in entries) == sorted(row["id"] for row in served["results"])
    stamps = [e.timestamp for e in entries]
    assert stamps == sorted(stamps, reverse=True)
    assert stamps[0] > stamps[-1]


@pytest.mark.parametrize("lookup", [lambda f: f.get("widgets", 1), lambda f: f.all("widgets")])
def test_an_unknown_collection_names_the_known_ones(lookup):
    with pytest.raises(ValueError) as caught:
        lookup(FakeKeystone())
    assert str(caught.value) == f"unknown collection 'widgets'; known: {KNOWN}"


def test_added_records_are_made_by_the_staff_user(raw, fake):
    assert fake.add("comments").user_id == 1  # alice, the demo's staff user
    assert fake.add("allocation_reviews").reviewer_id == 1
    # Renamed through the API, the staff user stays the author.
    assert raw.patch("/users/users/1/", json={"username": "alicia"}).status_code == 200
    assert fake.add("comments").user_id == 1


# -- faults ----------------------------------------------------------------------------------


def test_an_injected_status_is_503_by_default(run, http):
    fake = FakeKeystone()
    fake.fail("GET", "users/users")
    client = http(fake)
    answer = run(client.get("users/users/"))
    assert answer.status_code == 503
    assert answer.json() == {"detail": "Service temporarily unavailable, try again later."}
    assert run(client.get("users/users/")).status_code == 200


def test_disconnect_fails_the_given_number_of_requests(run, http):
    fake = FakeKeystone()
    fake.disconnect("GET", "users/users", times=2)
    client = http(fake)
    for _ in range(2):
        with pytest.raises(httpx.ConnectError):
            run(client.get("users/users/"))
    assert run(client.get("users/users/")).status_code == 200
    assert [r.status for r in fake.requests] == [None, None, 200]


def test_time_out_fails_one_request_by_default_and_every_one_with_none(run, http):
    fake = FakeKeystone()
    fake.time_out("GET", "users/users")
    client = http(fake)
    with pytest.raises(httpx.ReadTimeout):
        run(client.get("users/users/"))
    assert run(client.get("users/users/")).status_code == 200
    fake.time_out("GET", "users/teams", times=None)
    for _ in range(3):
        with pytest.raises(httpx.ReadTimeout):
            run(client.get("users/teams/"))


# -- clock -----------------------------------------------------------------------------------


def test_the_clock_is_the_given_clock_plus_every_advance():
    fake = FakeKeystone(clock=lambda: 100.0)
    assert fake.now() == 100.0
    fake.advance(0)
    fake.advance(0.5)
    assert fake.now() == 100.5
    with pytest.raises(ValueError) as caught:
        fake.advance(-0.1)
    assert str(caught.value) == "time only moves forward"
    assert fake.now() == 100.5


# -- serving ---------------------------------------------------------------------------------


def test_a_request_to_another_host_raises_the_fakes_error(run, http):
    fake = FakeKeystone("https://k.test/api")
    with pytest.raises(FakeKeystoneError) as caught:
        run(http(fake).get("http://other.test/api/users/users/"))
    assert str(caught.value) == (
        "FakeKeystone at https://k.test/api received a request for "
        "http://other.test/api/users/users/: only requests to its own URL are served"
    )
    assert fake.requests == []


def test_a_fragment_in_the_url_is_not_part_of_the_request(run):
    fake = FakeKeystone()
    transport = fake.transport()
    request = httpx.Request(
        "GET",
        "http://localhost:8000/users/users/#top",
        headers={"Authorization": f"Token {fake.token}"},
    )
    if run.is_async:
        answer = run(transport.handle_async_request(request))
    else:
        answer = transport.handle_request(request)
    assert answer.status_code == 200
    assert answer.json()["count"] == 1
    assert fake.requests[-1].path == "/users/users/"


def test_page_links_keep_the_scheme_the_client_used(run, http):
    fake = FakeKeystone("https://k.test/api")
    fake.add("users", username="bob")
    page = run(http(fake).get("users/users/", params={"_limit": 1})).json()
    assert page["next"] == "https://k.test/api/users/users/?_limit=1&_offset=1"


def test_serve_answers_status_headers_and_body_with_links_at_the_fakes_url():
    fake = FakeKeystone()
    fake.add("users", username="bob")
    auth = {"Authorization": f"Token {fake.token}"}
    status, headers, body = fake.serve("get", "/users/users/?_limit=1", auth, b"")
    assert (status, headers) == (200, [("Content-Type", "application/json")])
    assert b'"next": "http://localhost:8000/users/users/?_limit=1&_offset=1"' in body
    status, headers, body = fake.serve("GET", "/nowhere/", auth, b"")
    assert (status, headers) == (404, [("Content-Type", "text/html; charset=utf-8")])
    assert b"<h1>Not Found</h1>" in body
    status, headers, body = fake.serve("DELETE", "/users/users/2/", auth, b"")
    assert (status, headers, body) == (204, [], b"")


# -- request log -----------------------------------------------------------------------------


def test_assert_requested_matches_paths_whatever_their_last_character(raw, fake):
    assert raw.get("/users/users/X/").status_code == 404
    (found,) = fake.assert_requested("GET", "users/users/X")
    assert (found.path, found.status) == ("/users/users/X/", 404)


def test_assert_requested_explains_a_miss_with_nothing_received():
    with pytest.raises(AssertionError) as caught:
        FakeKeystone().assert_requested("get", "/users/users/")
    assert str(caught.value) == (
        "expected GET /users/users/ at least once, matched 0; received:\n  (nothing)"
    )


def test_assert_requested_explains_a_wrong_count_with_every_request(raw, fake):
    raw.get("/users/users/", params={"_limit": 1})
    raw.get("/users/teams/")
    with pytest.raises(AssertionError) as caught:
        fake.assert_requested("GET", "users/users", times=2)
    assert str(caught.value) == (
        "expected GET /users/users/ 2 time(s), matched 1; received:\n"
        "  GET /users/users/ {'_limit': '1'} -> 200\n"
        "  GET /users/teams/ {} -> 200"
    )
