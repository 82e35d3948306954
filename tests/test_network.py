"""The real transport: a server on 127.0.0.1 answers over sockets, no HTTP mocking.

Paging, retries after a broken connection, timeouts, refused connections, bodies that are
not JSON, session cookies and CSRF, and the correlation id, as httpx's connection pool,
keep-alive and cookie jar really handle them, for the sync and the async client alike.
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pydantic
import pytest

from keystone_client import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AsyncKeystoneClient,
    KeystoneClient,
    ServerError,
)
from keystone_client.models import Grant

from . import factories as f
from .conftest import Runner
from .local_server import LocalServer, Reply, Seen

AnyClient = KeystoneClient | AsyncKeystoneClient

GRANTS = "/research/grants/"
LOGIN = "/authentication/login/"
ALL_450 = list(range(1, 451))


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests to 127.0.0.1 go straight there, whatever proxy the machine configures."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as local:
        yield local
    assert local.errors == []


@pytest.fixture
def connect(server: LocalServer, make_client: Callable[..., AnyClient]) -> Callable[..., AnyClient]:
    """Build a client of the current mode for ``server``, with a short timeout."""

    def factory(**kwargs: Any) -> AnyClient:
        kwargs.setdefault("url", server.url)
        kwargs.setdefault("timeout", 0.5)
        kwargs.setdefault("page_size", 100)
        return make_client(**kwargs)

    return factory


_BOUNDS: dict[str, Callable[[int, int], bool]] = {
    "id__gt": lambda a, b: a > b,
    "id__gte": lambda a, b: a >= b,
    "id__lt": lambda a, b: a < b,
    "id__lte": lambda a, b: a <= b,
}


class Grants:
    """The grants list endpoint: id bounds, ``_order`` by id, ``_limit`` and ``_offset``."""

    def __init__(self, count: int) -> None:
        self.records = [f.grant(i) for i in range(1, count + 1)]
        self.served: list[int] = []  # ids of every record sent, edge requests aside

    def __call__(self, seen: Seen) -> Reply:
        query = seen.query
        found = [
            r
            for r in self.records
            if all(test(r["id"], int(query[key])) for key, test in _BOUNDS.items() if key in query)
        ]
        if query.get("_order") == "-id":
            found.reverse()
        offset, limit = int(query.get("_offset", 0)), int(query.get("_limit", 100))
        results = found[offset : offset + limit]
        more = offset + len(results) < len(found)
        nxt = f"http://{seen.headers['Host']}{seen.path}?_offset={offset + limit}" if more else None
        if limit > 1:
            self.served.extend(r["id"] for r in results)
        return Reply(body=f.page(results, count=len(found), next=nxt))


def grants_list(client: AnyClient, run: Runner, collect: str) -> list[Grant]:
    """Every grant, by iteration (``for`` / ``async for``) or by ``list()``."""
    query = client.resources.grants.all()
    return run.all(query) if collect == "iterate" else run(query.list())


def ids(records: list[Grant]) -> list[int]:
    return [record.id for record in records]


# -- paging ----------------------------------------------------------------------------------


def test_iteration_pages_by_keyset_over_one_kept_alive_connection(
    server: LocalServer, connect: Callable[..., AnyClient], run: Runner
) -> None:
    server.route("GET", GRANTS, Grants(450))
    client = connect()

    grants = run.all(client.resources.grants.all())

    assert ids(grants) == ALL_450
    assert all(isinstance(g, Grant) for g in grants)
    assert grants[449].title == "Grant 450"
    assert [s.query for s in server.requests] == [
        {"_limit": "100", "_order": "id"},
        {"_limit": "100", "_order": "id", "id__gt": "100"},
        {"_limit": "100", "_order": "id", "id__gt": "200"},
        {"_limit": "100", "_order": "id", "id__gt": "300"},
        {"_limit": "100", "_order": "id", "id__gt": "400"},
    ]
    assert {s.path for s in server.requests} == {GRANTS}
    assert len({s.peer for s in server.requests}) == 1  # one connection, kept alive


def test_list_fetches_every_record_once(
    server: LocalServer, connect: Callable[..., AnyClient], run: Runner
) -> None:
    collection = Grants(450)
    server.route("GET", GRANTS, collection)
    client = connect()

    grants = run(client.resources.grants.list())

    assert ids(grants) == ALL_450
    queries = [s.query for s in server.requests]
    assert queries[0] == {"_limit": "100", "_order": "id"}  # the first page, alone
    rest = queries[1:]
    # No extra request for the far end of the id range: every request fetches records.
    assert all(q["_order"] == "id" and q["_limit"] == "100" for q in queries)
    assert all(int(q["id__gt"]) >= 100 for q in rest)
    # The first page's count and ids placed a split: slices bounded above ran at once.
    assert any("id__lte" in q for q in rest)
    # No record crossed the wire twice: the pages fetched disjoint id ranges.
    assert sorted(collection.served) == ALL_450
    assert 1 <= len({s.peer for s in server.requests}) <= 8


def test_post_after_the_server_closed_a_kept_alive_connection(
    server: LocalServer, connect: Callable[..., AnyClient], run: Runner, sleeps: list[float]
) -> None:
    # A full answer, then the server closes the connection (its keep-alive time is up).
    server.route("GET", GRANTS + "5/", lambda seen: Reply(body=f.grant(5), close=True))
    server.route("POST", GRANTS, lambda seen: Reply(201, f.grant(9)))
    client = connect()

    run(client.resources.grants.get(5))
    assert server.wait_idle()
    created = run(client.resources.grants.create(title="G", agency="NSF", team=1))

    # The pool noticed the closed connection and opened another: no error, no retry.
    assert created.id == 9
    assert [s.method for s in server.requests] == ["GET", "POST"]
    assert server.requests[0].peer != server.requests[1].peer
    assert sleeps == []


# -- broken connections ----------------------------------------------------------------------


def cut_body(reply: Reply) -> Reply:
    """Headers with the full Content-Length, half the body, then the socket closes."""
    return dataclasses.replace(reply, cut_after=len(reply.payload()) // 2)


def hang_up(reply: Reply) -> Reply:
    """The socket closes without any response."""
    return Reply(hang_up=True)


FAULTS = {"cut_body": cut_body, "hang_up": hang_up}
CAUSES = {
    "cut_body": "peer closed connection without sending complete message body",
    "hang_up": "Server disconnected without sending a response",
}


def break_page_2(collection: Grants, fault: str) -> Callable[[Seen], Reply]:
    """Answer the first request for the records after id 100 with ``fault``."""
    broken: list[Seen] = []

    def handler(seen: Seen) -> Reply:
        reply = collection(seen)
        if seen.query.get("id__gt") == "100" and not broken:
            broken.append(seen)
            return FAULTS[fault](reply)
        return reply

    return handler


@pytest.mark.parametrize("collect", ["iterate", "list"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_connection_broken_mid_pagination_is_retried(
    fault: str,
    collect: str,
    server: LocalServer,
    connect: Callable[..., AnyClient],
    run: Runner,
    sleeps: list[float],
) -> None:
    server.route("GET", GRANTS, break_page_2(Grants(450), fault))
    client = connect(max_retries=2)

    grants = grants_list(client, run, collect)

    assert ids(grants) == ALL_450  # complete, in order, no duplicates
    page_2 = [s for s in server.requests if s.query.get("id__gt") == "100"]
    assert len(page_2) == 2
    assert page_2[0].target == page_2[1].target  # the same request, repeated
    assert page_2[0].peer != page_2[1].peer  # on a new connection
    assert page_2[0].headers["X-KEYSTONE-CID"] == page_2[1].headers["X-KEYSTONE-CID"] == client.cid
    assert len(sleeps) == 1
    if collect == "iterate":
        assert len(server.requests) == 6


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_connection_broken_without_retries_raises_connection_error(
    fault: str,
    server: LocalServer,
    connect: Callable[..., AnyClient],
    run: Runner,
    sleeps: list[float],
) -> None:
    server.route("GET", GRANTS, break_page_2(Grants(450), fault))
    client = connect(max_retries=0)

    with pytest.raises(APIConnectionError) as info:
        run.all(client.resources.grants.all())

    error = info.value
    assert type(error) is APIConnectionError
    assert not isinstance(error, httpx.HTTPError)
    assert len(server.requests) == 2
    broken = server.requests[1]
    assert broken.query == {"_limit": "100", "_order": "id", "id__gt": "100"}
    url = server.url.rstrip("/") + broken.target
    assert str(error).startswith(
        f"GET {url} failed after 1 attempt: RemoteProtocolError: {CAUSES[fault]}"
    )
    assert error.request is not None
    assert str(error.request.url) == url
    assert isinstance(error.__cause__, httpx.RemoteProtocolError)
    assert sleeps == []


# -- timeouts --------------------------------------------------------------------------------


def late(reply: Reply, seconds: float = 2.0) -> Callable[[Seen], Reply]:
    """Answer with ``reply`` after ``seconds`` (cut short when the server stops)."""
    return lambda seen: dataclasses.replace(reply, delay=seconds)


def test_read_timeout_of_get_is_retried_then_raises(
    server: LocalServer, connect: Callable[..., AnyClient], run: Runner, sleeps: list[float]
) -> None:
    server.route("GET", GRANTS + "5/", late(Reply(body=f.grant(5))))
    client = connect(timeout=0.3, max_retries=1)

    started = time.monotonic()
    with pytest.raises(APITimeoutError) as info:
        run(client.resources.grants.get(5))
    elapsed = time.monotonic() - started

    assert str(info.value) == (
        f"GET {server.url}research/grants/5/ timed out after 2 attempts (ReadTimeout)"
    )
    assert isinstance(info.value.__cause__, httpx.ReadTimeout)
    assert [(s.method, s.path) for s in server.requests] == [("GET", GRANTS + "5/")] * 2
    assert len(sleeps) == 1
    assert 0.55 < elapsed < 1.5  # two waits of 0.3 s, not the server's 2 s


def test_read_timeout_of_post_is_not_retried(
    server: LocalServer, connect: Callable[..., AnyClient], run: Runner, sleeps: list[float]
) -> None:
    server.route("POST", GRANTS, late(Reply(201, f.grant(9))))
    client = connect(timeout=0.3, max_retries=2)

    with pytest.raises(APITimeoutError) as info:
        run(client.resources.grants.create(title="G", agency="NSF", team=1))

    assert str(info.value) == (
        f"POST {server.url}research/grants/ timed out after 1 attempt (ReadTimeout)"
    )
    assert len(server.requests) == 1  # it reached the server: repeating could create twice
    assert server.requests[0].json() == {"title": "G", "agency": "NSF", "team": 1}
    assert sleeps == []


def test_timeout_of_one_call_overrides_the_client_timeout(
    server: LocalServer, connect: Callable[..., AnyClient], run: Runner
) -> None:
    server.route("GET", "/version/", late(Reply(body="1.4.2")))
    client = connect(timeout=5, max_retries=0)

    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        run(client.http_get("version", timeout=0.2))

    assert time.monotonic() - started < 1.0
    assert len(server.requests) == 1


# -- nothing listening ------------------------------------------------------------------------


@pytest.fixture
def dead_url() -> str:
    """The URL of a loopback port that nothing listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("GET", lambda c: c.resources.grants.get(5)),
        ("POST", lambda c: c.resources.grants.create(title="G", agency="NSF", team=1)),
    ],
)
def test_connection_refused_is_retried_then_raises(
    method: str,
    call: Callable[[AnyClient], Any],
    dead_url: str,
    make_client: Callable[..., AnyClient],
    run: Runner,
    sleeps: list[float],
) -> None:
    client = make_client(url=dead_url, timeout=0.5, max_retries=2)

    with pytest.raises(APIConnectionError) as info:
        run(call(client))

    # A refused connection never reached a server, so even a POST is retried.
    assert len(sleeps) == 2
    assert type(info.value) is APIConnectionError
    path = "research/grants/5/" if method == "GET" else "research/grants/"
    assert str(info.value).startswith(
        f"{method} {dead_url}{path} failed after 3 attempts: ConnectError: "
    )
    assert isinstance(info.value.__cause__, httpx.ConnectError)


# -- bodies that are not the JSON they should be -----------------------------------------------


def test_html_502_from_a_proxy_raises_server_error_after_retries(
    server: LocalServer, connect: Callable[..., AnyClient], run: Runner, sleeps: list[float]
) -> None:
    html = f.html_page("502 Bad Gateway")
    server.route(
        "GET", GRANTS + "3/", lambda seen: Reply(502, html, content_type="text/html; charset=utf-8")
    )
    client = connect(max_retries=2)

    with pytest.raises(ServerError) as info:
        run(client.resources.grants.get(3))

    error = info.value
    detail = "Bad Gateway (the server sent an HTML page, not JSON)"
    assert str(error) == f"502 Bad Gateway for GET {server.url}research/grants/3/: {detail}"
    assert error.detail == detail
    assert error.status_code == 502
    assert error.body == html
    assert len(server.requests) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("collect", ["iterate", "list"])
def test_truncated_json_raises_api_error(
    collect: str,
    server: LocalServer,
    connect: Callable[..., AnyClient],
    run: Runner,
    sleeps: list[float],
) -> None:
    body = '{"count": 3, "results": [{"id": 1,'
    server.route("GET", GRANTS, lambda seen: Reply(body=body))  # Content-Length is len(body)
    client = connect()

    with pytest.raises(APIError) as info:
        grants_list(client, run, collect)

    error = info.value
    assert type(error) is APIError
    assert not isinstance(error, (ValueError, pydantic.ValidationError))
    assert error.status_code == 200
    assert error.body == body
    assert error.detail == f"the body is invalid or truncated JSON: {body!r}"
    assert str(error).startswith(f"Unexpected response to GET {server.url}research/grants/?")
    assert str(error).endswith(f"(200): {error.detail}")
    assert sleeps == []  # a complete answer: nothing to retry


# -- sessions --------------------------------------------------------------------------------


class Sessions:
    """Django's session login and CSRF check; ``expire()`` forgets every session."""

    def __init__(self) -> None:
        self.valid: set[str] = set()
        self.logins = 0

    def login(self, seen: Seen) -> Reply:
        self.logins += 1
        session = f"sess-{self.logins}"
        self.valid.add(session)
        cookies = f.session_cookies(csrf=f"csrf-{self.logins}", session=session)
        return Reply(200, f.user(1), headers=cookies)

    def expire(self) -> None:
        self.valid.clear()

    def guard(self, handler: Callable[[Seen], Reply]) -> Callable[[Seen], Reply]:
        def guarded(seen: Seen) -> Reply:
            if seen.cookies.get("sessionid") not in self.valid:
                return Reply(401, f.not_authenticated())
            csrf = seen.cookies.get("csrftoken")
            if seen.method != "GET" and (not csrf or seen.headers["X-CSRFToken"] != csrf):
                return Reply(403, {"detail": "CSRF Failed: CSRF token missing or incorrect."})
            return handler(seen)

        return guarded


def test_session_cookies_csrf_and_login_again_after_expiry(
    server: LocalServer, connect: Callable[..., AnyClient], run: Runner
) -> None:
    sessions = Sessions()
    server.route("POST", LOGIN, sessions.login)
    server.route("POST", GRANTS, sessions.guard(lambda seen: Reply(201, f.grant(9, title="G"))))
    server.route("GET", GRANTS + "9/", sessions.guard(lambda seen: Reply(body=f.grant(9))))
    server.route("PATCH", GRANTS + "9/", sessions.guard(lambda seen: Reply(body=f.grant(9))))
    client = connect(username="alice", password="pw-secret")

    created = run(client.resources.grants.create(title="G", agency="NSF", team=1))
    sessions.expire()
    fetched = run(client.resources.grants.get(9))
    run(client.resources.grants.update(9, title="H"))

    assert created.id == fetched.id == 9
    exchanges = zip(server.requests, server.replies, strict=True)
    assert [(s.method, s.path, r.status) for s, r in exchanges] == [
        ("POST", LOGIN, 200),  # lazy login before the first request
        ("POST", GRANTS, 201),
        ("GET", GRANTS + "9/", 401),  # the session expired
        ("POST", LOGIN, 200),  # one login again
        ("GET", GRANTS + "9/", 200),  # the request, repeated
        ("PATCH", GRANTS + "9/", 200),
    ]
    login, create, expired, relogin, repeated, patch = server.requests
    assert login.json() == {"username": "alice", "password": "pw-secret"}
    assert login.cookies == {}
    assert create.cookies == {"csrftoken": "csrf-1", "sessionid": "sess-1"}
    assert create.headers["X-CSRFToken"] == "csrf-1"
    assert create.headers["Referer"] == server.url
    assert create.headers["Content-Type"] == "application/json"
    assert create.json() == {"title": "G", "agency": "NSF", "team": 1}
    assert expired.cookies["sessionid"] == "sess-1"
    assert "X-CSRFToken" not in expired.headers  # only unsafe methods carry it
    assert relogin.json() == login.json()
    assert repeated.cookies == {"csrftoken": "csrf-2", "sessionid": "sess-2"}
    assert patch.headers["X-CSRFToken"] == "csrf-2"  # the token rotated by the new login
    assert patch.json() == {"title": "H"}
    assert sessions.logins == 2


# -- correlation id --------------------------------------------------------------------------


def test_cid_header_on_every_request(
    server: LocalServer,
    connect: Callable[..., AnyClient],
    run: Runner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Concurrent async pages wait for one lazy login by polling every 20 ms for at most the
    # client's timeout; the instant fake sleep would end that wait at once. Nothing here
    # is retried, so real sleeps cost nothing.
    monkeypatch.setattr("keystone_client._client.async_sleep", asyncio.sleep)
    monkeypatch.setattr("keystone_client._client.sleep", time.sleep)
    sessions = Sessions()
    server.route("POST", LOGIN, sessions.login)
    server.route("GET", GRANTS, sessions.guard(Grants(250)))
    server.route("POST", GRANTS, sessions.guard(lambda seen: Reply(201, f.grant(9))))
    server.route("DELETE", GRANTS + "9/", sessions.guard(lambda seen: Reply(204)))
    server.route("GET", "/version/", lambda seen: Reply(body="1.4.2"))
    client = connect(username="alice", password="pw-secret")
    other = connect()

    run(client.resources.grants.list())
    run(client.http_post("research/grants", json={"title": "G"}))
    run(client.resources.grants.delete(9))
    run(other.version())

    assert sessions.logins == 1  # concurrent pages waited for one lazy login
    *mine, theirs = server.requests
    assert len(mine) >= 6  # login, three pages or more, POST, DELETE
    assert all(s.headers.get_all("X-KEYSTONE-CID") == [client.cid] for s in mine)
    assert theirs.headers.get_all("X-KEYSTONE-CID") == [other.cid]
    assert client.cid != other.cid
    assert str(uuid.UUID(client.cid)) == client.cid


# -- failures stop every request -------------------------------------------------------------


def test_failed_list_leaves_no_request_running(
    server: LocalServer, connect: Callable[..., AnyClient], run: Runner
) -> None:
    collection = Grants(450)

    def grants(seen: Seen) -> Reply:
        if "id__lte" in seen.query:  # the first slice fails at once
            return Reply(400, {"detail": "Bad request."})
        if "id__gt" in seen.query:  # the open-ended one is slow and busy
            return Reply(503, {"detail": "Service unavailable."}, delay=0.1)
        return collection(seen)

    server.route("GET", GRANTS, grants)
    client = connect(max_retries=3, concurrency=2)

    with pytest.raises(APIError):
        run(client.resources.grants.list())
    # The application carries on (long enough for a retry of the busy slice).
    run(asyncio.sleep(0.6)) if run.is_async else time.sleep(0.6)

    # Once list() has raised, nothing it started may keep requesting: the busy slice
    # sent at most its one request, and no retry.
    assert server.requests[0].query == {"_limit": "100", "_order": "id"}
    assert any("id__lte" in s.query for s in server.requests)  # the failed slice
    open_ended = [s for s in server.requests if "id__gt" in s.query and "id__lte" not in s.query]
    assert len(open_ended) <= 1
    assert len(server.requests) <= 3
