"""The shared core, pinned down exactly: repr, logout and whoami edge cases, version text,
and the record logged for a throttle wait."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import respx

from keystone_client import (
    APIConnectionError,
    APITimeoutError,
    AsyncKeystoneClient,
    ConfigurationError,
    KeystoneClient,
    NotFoundError,
)
from keystone_client.models import Config, Health

from .conftest import BASE, Runner
from .factories import session_cookies, user

LOGIN = BASE + "authentication/login/"
LOGOUT = BASE + "authentication/logout/"
WHOAMI = BASE + "authentication/whoami/"
USER_5 = BASE + "users/users/5/"
RAW = BASE + "raw/"


def forbidden() -> httpx.Response:
    return httpx.Response(403, json={"detail": "CSRF Failed: CSRF token missing."})


# -- repr ------------------------------------------------------------------------------------


def test_repr_exact_for_each_auth_kind(make_client: Callable[..., Any], run: Runner) -> None:
    anonymous = make_client()
    token = make_client(token="tk-hidden")
    session = make_client(username="ada", password="pw-hidden")
    name = "AsyncKeystoneClient" if run.is_async else "KeystoneClient"

    assert repr(anonymous) == f"<{name} base_url='{BASE}' auth=anonymous cid='{anonymous.cid}'>"
    assert repr(token) == f"<{name} base_url='{BASE}' auth=token cid='{token.cid}'>"
    assert repr(session) == (
        f"<{name} base_url='{BASE}' auth=session username='ada' cid='{session.cid}'>"
    )


# -- logout ------------------------------------------------------------------------------------


def test_logout_posts_after_a_login_that_set_no_cookie(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    # A proxy may strip Set-Cookie: the client still knows it logged in and tells the server.
    api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1)))
    logout = api.post(LOGOUT).mock(return_value=httpx.Response(200))

    run(client.login("ada", "pw"))
    run(client.logout())

    assert logout.call_count == 1
    assert logout.calls.last.request.method == "POST"


def test_logout_posts_when_a_csrf_cookie_came_without_a_login(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(RAW).mock(return_value=httpx.Response(200, json={}, headers=session_cookies("tok-G")))
    logout = api.post(LOGOUT).mock(return_value=httpx.Response(200))

    run(client.http_get("raw"))
    run(client.logout())

    assert logout.call_count == 1
    assert logout.calls.last.request.headers["X-CSRFToken"] == "tok-G"


def test_logout_refused_with_403_is_silent_and_clears_the_session(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1), headers=session_cookies()))
    logout = api.post(LOGOUT).mock(return_value=forbidden())
    raw = api.post(RAW).mock(return_value=httpx.Response(200, json={}))

    run(client.login("ada", "pw"))
    assert run(client.logout()) is None
    run(client.http_post("raw"))

    assert logout.call_count == 1
    after = raw.calls.last.request
    assert "Cookie" not in after.headers
    assert "X-CSRFToken" not in after.headers


def test_logout_answered_404_raises(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1), headers=session_cookies()))
    api.post(LOGOUT).mock(return_value=httpx.Response(404, json={"detail": "Not found."}))

    run(client.login("ada", "pw"))
    with pytest.raises(NotFoundError) as info:
        run(client.logout())

    assert info.value.status_code == 404


# -- whoami ------------------------------------------------------------------------------------


def test_whoami_forbidden_returns_none(client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(WHOAMI).mock(return_value=forbidden())

    assert run(client.whoami()) is None
    assert route.call_count == 1


def test_whoami_not_found_raises(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(WHOAMI).mock(return_value=httpx.Response(404, json={"detail": "Not found."}))

    with pytest.raises(NotFoundError):
        run(client.whoami())


# -- version -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [('"X1.0-rcX"', "X1.0-rcX"), (' "2.0.1"\n', "2.0.1"), ("3.1.X\n", "3.1.X")],
)
def test_version_strips_only_whitespace_and_quotes(
    body: str, expected: str, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(BASE + "version/").mock(return_value=httpx.Response(200, text=body))

    assert run(client.version()) == expected


# -- throttle log ------------------------------------------------------------------------------


def test_throttle_waits_logged_exactly(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    sleeps: list[float],
) -> None:
    caplog.set_level(logging.DEBUG, logger="keystone_client")
    client = make_client(throttle_wait=10)
    api.get(USER_5).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(429, headers={"Retry-After": "2"}),
            httpx.Response(200, json=user(5)),
        ]
    )

    run(client.resources.users.get(5))

    records = [
        r for r in caplog.records if r.name == "keystone_client" and r.levelno == logging.INFO
    ]
    assert sleeps == [3.0, 2.0]
    assert [r.getMessage() for r in records] == [
        f"Throttled (429): waiting 3.00s before retrying GET {USER_5} "
        f"(3s of 10s allowed) (cid {client.cid})",
        f"Throttled (429): waiting 2.00s before retrying GET {USER_5} "
        f"(5s of 10s allowed) (cid {client.cid})",
    ]
    fields = ("reason", "wait", "throttled_for", "cid")
    assert [{k: r.__dict__.get(k) for k in fields} for r in records] == [
        {"reason": "429 Too Many Requests", "wait": 3.0, "throttled_for": 3.0, "cid": client.cid},
        {"reason": "429 Too Many Requests", "wait": 2.0, "throttled_for": 5.0, "cid": client.cid},
    ]


# -- request, response and retry log records ---------------------------------------------------


class SteppingClock:
    """A `time` stand-in whose perf_counter advances 12.34 ms per reading."""

    def __init__(self) -> None:
        self.now = 100.0

    def perf_counter(self) -> float:
        self.now += 0.01234
        return self.now


def info_and_debug(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "keystone_client"]


def test_request_and_response_logged_exactly(
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG, logger="keystone_client")
    monkeypatch.setattr("keystone_client._base_client.time", SteppingClock())
    api.get(USER_5).mock(return_value=httpx.Response(404, json={"detail": "Not found."}))

    with pytest.raises(NotFoundError):
        run(client.resources.users.get(5))

    sent, received = info_and_debug(caplog)
    assert sent.levelno == received.levelno == logging.DEBUG
    assert sent.getMessage() == f"Request GET {USER_5} (cid {client.cid})"
    assert {k: sent.__dict__.get(k) for k in ("method", "url", "cid")} == {
        "method": "GET",
        "url": USER_5,
        "cid": client.cid,
    }
    assert received.getMessage() == f"Response GET {USER_5} -> 404 in 12.3 ms (cid {client.cid})"
    assert {
        k: received.__dict__.get(k) for k in ("method", "url", "status_code", "elapsed_ms", "cid")
    } == {
        "method": "GET",
        "url": USER_5,
        "status_code": 404,
        "elapsed_ms": 12.3,
        "cid": client.cid,
    }


def test_retry_logged_exactly(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
    sleeps: list[float],
) -> None:
    caplog.set_level(logging.INFO, logger="keystone_client")
    client = make_client(max_retries=3)
    api.get(USER_5).mock(
        side_effect=[
            httpx.Response(503, headers={"Retry-After": "2"}),
            httpx.ConnectError("refused"),
            httpx.Response(200, json=user(5)),
        ]
    )

    run(client.resources.users.get(5))

    first, second = info_and_debug(caplog)
    assert sleeps[0] == 2.0
    assert first.getMessage() == (
        f"Retrying GET {USER_5} (retry 1 of 3) after 503 Service Unavailable in 2.00s "
        f"(cid {client.cid})"
    )
    assert {k: first.__dict__.get(k) for k in ("attempt", "reason", "wait", "cid")} == {
        "attempt": 1,
        "reason": "503 Service Unavailable",
        "wait": 2.0,
        "cid": client.cid,
    }
    assert second.getMessage() == (
        f"Retrying GET {USER_5} (retry 2 of 3) after ConnectError: refused in "
        f"{sleeps[1]:.2f}s (cid {client.cid})"
    )
    assert {k: second.__dict__.get(k) for k in ("attempt", "reason", "wait", "cid")} == {
        "attempt": 2,
        "reason": "ConnectError: refused",
        "wait": sleeps[1],
        "cid": client.cid,
    }


def test_relogin_logged_exactly(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="keystone_client")
    client = make_client(username="ada", password="pw")
    login = api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1)))
    api.get(USER_5).mock(
        side_effect=[httpx.Response(401, json={}), httpx.Response(200, json=user(5))]
    )

    assert run(client.resources.users.get(5)).id == 5

    (record,) = info_and_debug(caplog)
    assert record.levelno == logging.INFO
    assert record.getMessage() == f"Session expired; logging in again (cid {client.cid})"
    assert login.call_count == 2


# -- errors a user reads -----------------------------------------------------------------------


def test_unknown_option_named_with_the_class(make_client: Callable[..., Any], run: Runner) -> None:
    name = "AsyncKeystoneClient" if run.is_async else "KeystoneClient"

    with pytest.raises(TypeError) as info:
        make_client(urll="x", zeta=1)

    assert str(info.value) == f"{name}() got an unexpected keyword argument 'urll'"


def test_login_without_credentials_message(client: Any, run: Runner, api: respx.MockRouter) -> None:
    with pytest.raises(ConfigurationError) as info:
        run(client.login(password="pw"))

    assert str(info.value) == (
        "login() needs a username and password: pass them or set "
        "KEYSTONE_USERNAME and KEYSTONE_PASSWORD."
    )
    assert not api.calls


# -- config ------------------------------------------------------------------------------------

CONFIG = {
    "version": "1.2.3",
    "max_upload_size": 1024,
    "max_upload_count": 3,
    "allowed_file_types": ["application/pdf"],
    "session_age": 60,
}


def test_config_logs_in_then_gets_config(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    client = make_client(username="ada", password="pw")
    api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1), headers=session_cookies()))
    route = api.get(BASE + "config/").mock(return_value=httpx.Response(200, json=CONFIG))

    config = run(client.config())

    assert isinstance(config, Config)
    assert config.model_dump() == CONFIG
    assert [f"{c.request.method} {c.request.url}" for c in api.calls] == [
        f"POST {LOGIN}",
        f"GET {BASE}config/",
    ]
    assert "sessionid=sess-1" in route.calls.last.request.headers["Cookie"]


# -- re-login as the user of an explicit login -------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"username": "grace"}, {"username": "grace", "password": "pw-config"}),
        ({"password": "pw-new"}, {"username": "ada", "password": "pw-new"}),
    ],
)
def test_relogin_repeats_a_partly_explicit_login(
    kwargs: dict[str, str],
    expected: dict[str, str],
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
) -> None:
    client = make_client(username="ada", password="pw-config")
    login = api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1)))
    api.get(USER_5).mock(
        side_effect=[httpx.Response(401, json={}), httpx.Response(200, json=user(5))]
    )

    run(client.login(**kwargs))
    assert run(client.resources.users.get(5)).id == 5

    assert [json.loads(call.request.content) for call in login.calls] == [expected, expected]


# -- connection errors -------------------------------------------------------------------------


def test_timeout_after_one_attempt_message(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    api.get(USER_5).mock(side_effect=httpx.ReadTimeout("read timed out"))

    with pytest.raises(APITimeoutError) as info:
        run(make_client(max_retries=0).resources.users.get(5))

    assert str(info.value) == f"GET {USER_5} timed out after 1 attempt (ReadTimeout)"


def test_timeout_after_retries_message(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    api.get(USER_5).mock(side_effect=httpx.ConnectTimeout("connect timed out"))

    with pytest.raises(APITimeoutError) as info:
        run(make_client(max_retries=1).resources.users.get(5))

    assert str(info.value) == f"GET {USER_5} timed out after 2 attempts (ConnectTimeout)"


@pytest.mark.parametrize(("retries", "tries"), [(0, "1 attempt"), (2, "3 attempts")])
def test_connection_failure_message(
    retries: int, tries: str, make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    api.get(USER_5).mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(APIConnectionError) as info:
        run(make_client(max_retries=retries).resources.users.get(5))

    assert not isinstance(info.value, APITimeoutError)
    assert str(info.value) == f"GET {USER_5} failed after {tries}: ConnectError: refused"


# -- request building --------------------------------------------------------------------------


@pytest.mark.parametrize(("payload", "sent"), [({}, b"{}"), ([], b"[]"), (0, b"0"), ("", b'""')])
def test_empty_json_bodies_are_still_sent_as_json(
    payload: Any, sent: bytes, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(RAW).mock(return_value=httpx.Response(200, json={}))

    run(client.http_post("raw", json=payload))

    request = route.calls.last.request
    assert request.content == sent
    assert request.headers["Content-Type"] == "application/json"


def test_safe_request_carries_no_body_headers_referer_or_csrf(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(RAW).mock(return_value=httpx.Response(200, json={}, headers=session_cookies("tok-S")))

    run(client.http_get("raw"))
    run(client.http_get("raw"))

    request = api.calls.last.request
    assert request.content == b""
    assert "csrftoken=tok-S" in request.headers["Cookie"]
    for name in ("Content-Type", "Referer", "X-CSRFToken", "Authorization"):
        assert name not in request.headers


# -- a 401 met while a login is in flight ------------------------------------------------------


def test_401_during_an_async_login_is_not_logged_as_expiry(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    # Logged in, the client logs in again; that login's answer comes only once the other
    # task has started its own login, so the other task's 401 is met while it is in flight.
    caplog.set_level(logging.INFO, logger="keystone_client")
    second_login = asyncio.Event()
    logins = 0

    async def login(request: httpx.Request) -> httpx.Response:
        nonlocal logins
        logins += 1
        if logins == 2:
            await asyncio.wait_for(second_login.wait(), 10)
        elif logins == 3:
            second_login.set()
        return httpx.Response(200, json=user(1), headers=session_cookies())

    api.post(LOGIN).mock(side_effect=login)
    api.get(USER_5).mock(
        side_effect=[httpx.Response(401, json={}), httpx.Response(200, json=user(5))]
    )

    async def scenario() -> list[Any]:
        async with AsyncKeystoneClient(url=BASE, username="ada", password="pw") as client:
            await client.login()
            return list(await asyncio.gather(client.login(), client.resources.users.get(5)))

    me, found = asyncio.run(scenario())

    assert (me.id, found.id, logins) == (1, 5, 3)
    assert info_and_debug(caplog) == []


def test_401_during_a_login_in_another_thread_is_not_logged_as_expiry(
    api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="keystone_client")
    first_login = threading.Event()
    second_login = threading.Event()
    logins = 0

    def login(request: httpx.Request) -> httpx.Response:
        nonlocal logins
        logins += 1
        if logins == 2:
            first_login.set()
            assert second_login.wait(10)
        elif logins == 3:
            second_login.set()
        return httpx.Response(200, json=user(1), headers=session_cookies())

    api.post(LOGIN).mock(side_effect=login)
    api.get(USER_5).mock(
        side_effect=[httpx.Response(401, json={}), httpx.Response(200, json=user(5))]
    )

    with (
        KeystoneClient(url=BASE, username="ada", password="pw") as client,
        ThreadPoolExecutor(1) as pool,
    ):
        client.login()
        explicit = pool.submit(client.login)
        assert first_login.wait(10)
        found = client.resources.users.get(5)
        me = explicit.result(10)

    assert (me.id, found.id, logins) == (1, 5, 3)
    assert info_and_debug(caplog) == []


# -- when the client logs in -------------------------------------------------------------------


def sent(api: respx.MockRouter) -> list[str]:
    return [f"{call.request.method} {call.request.url.path}" for call in api.calls]


def test_failed_relogin_makes_the_next_call_log_in_first(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    from keystone_client import AuthenticationError

    client = make_client(username="ada", password="pw")
    api.post(LOGIN).mock(
        side_effect=[
            httpx.Response(200, json=user(1)),
            httpx.Response(400, json={"non_field_errors": ["Invalid username or password."]}),
            httpx.Response(200, json=user(1)),
        ]
    )
    api.get(USER_5).mock(
        side_effect=[httpx.Response(401, json={}), httpx.Response(200, json=user(5))]
    )

    with pytest.raises(AuthenticationError):
        run(client.resources.users.get(5))
    assert run(client.resources.users.get(5)).id == 5

    login, get = "POST /authentication/login/", "GET /users/users/5/"
    assert sent(api) == [login, get, login, login, get]


def test_explicit_login_is_used_until_logout_then_configured_user_again(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    client = make_client(username="ada", password="pw-config")
    login = api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1)))
    api.post(LOGOUT).mock(return_value=httpx.Response(200))
    api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))

    run(client.login("grace", "pw-grace"))
    run(client.resources.users.get(5))
    run(client.logout())
    run(client.resources.users.get(5))

    assert sent(api) == [
        "POST /authentication/login/",
        "GET /users/users/5/",
        "POST /authentication/logout/",
        "POST /authentication/login/",
        "GET /users/users/5/",
    ]
    assert [json.loads(call.request.content)["username"] for call in login.calls] == [
        "grace",
        "ada",
    ]


# -- refused logins ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_login_refused_with_401_or_403_is_authentication_error(
    status: int, client: Any, run: Runner, api: respx.MockRouter
) -> None:
    from keystone_client import AuthenticationError

    detail = "CSRF Failed: Origin checking failed."
    api.post(LOGIN).mock(return_value=httpx.Response(status, json={"detail": detail}))

    with pytest.raises(AuthenticationError) as info:
        run(client.login("ada", "pw"))

    assert type(info.value) is AuthenticationError
    assert info.value.status_code == status
    assert info.value.detail == detail


def test_login_answered_404_is_not_found(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.post(LOGIN).mock(return_value=httpx.Response(404, json={"detail": "Not found."}))

    with pytest.raises(NotFoundError) as info:
        run(client.login("ada", "pw"))

    assert info.value.status_code == 404


def test_a_401_after_the_relogin_is_raised_not_retried(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    from keystone_client import AuthenticationError

    client = make_client(username="ada", password="pw")
    login = api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1)))
    api.get(USER_5).mock(
        side_effect=[
            httpx.Response(401, json={"detail": "expired"}),
            httpx.Response(401, json={"detail": "still expired"}),
            httpx.Response(200, json=user(5)),  # never asked for
        ]
    )

    with pytest.raises(AuthenticationError) as info:
        run(client.resources.users.get(5))

    assert info.value.detail == "still expired"
    assert login.call_count == 2
    assert sent(api)[-1] == "GET /users/users/5/"
    assert len(api.calls) == 4


# -- health and version need no session --------------------------------------------------------


def test_health_gets_health_json_without_logging_in(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    client = make_client(username="ada", password="pw")
    api.get(BASE + "health/json/").mock(
        return_value=httpx.Response(
            200,
            json={
                "data": [
                    {"check": "Database", "healthy": True, "error": None, "time_taken": 0.01},
                    {"check": "Redis", "healthy": False, "error": "down", "time_taken": 0.02},
                ]
            },
        )
    )

    health = run(client.health())

    assert isinstance(health, Health)
    assert [(c.check, c.healthy, c.error) for c in health.checks] == [
        ("Database", True, None),
        ("Redis", False, "down"),
    ]
    assert sent(api) == ["GET /health/json/"]


def test_version_gets_version_without_logging_in(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    client = make_client(username="ada", password="pw")
    api.get(BASE + "version/").mock(return_value=httpx.Response(200, text='"4.5.6"'))

    assert run(client.version()) == "4.5.6"
    assert sent(api) == ["GET /version/"]


def test_login_on_a_token_client_with_a_stray_username_is_configuration_error(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    # With a token, a username alone is allowed (and unused): login() still needs a password.
    client = make_client(token="tk-1", username="ada")

    with pytest.raises(ConfigurationError) as info:
        run(client.login())

    assert "KEYSTONE_PASSWORD" in str(info.value)
    assert not api.calls


# -- the response a call returns stands on its own -----------------------------------------------


def test_a_raw_response_can_be_closed_and_its_stream_replayed(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    # The connection's stream is swapped for one holding the body that was read: closing the
    # response works in either mode, and the stream still gives the body to whoever reads it.
    api.get(RAW).mock(return_value=httpx.Response(200, json={"a": 1}))

    response = run(client.http_get("raw"))
    run(response.aclose() if run.is_async else response.close())

    assert response.is_closed
    assert response.json() == {"a": 1}
    replayed = httpx.Response(200, stream=response.stream)
    assert run(replayed.aread() if run.is_async else replayed.read()) == b'{"a":1}'


# -- retries come to an end ----------------------------------------------------------------------


def endless(
    answer: Callable[[], httpx.Response], cap: int = 10
) -> Callable[[httpx.Request], httpx.Response]:
    """Answer every request alike; fail the test at once past ``cap`` requests, not hang it."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls > cap:
            raise AssertionError(f"request {calls} to {request.url}: the client never stops")
        return answer()

    return handler


def test_a_success_is_returned_from_its_one_request(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(side_effect=endless(lambda: httpx.Response(200, json=user(5))))

    found = run(client.resources.users.get(5))

    assert found.id == 5
    assert route.call_count == 1
    assert sleeps == []


def test_a_503_without_end_is_returned_after_max_retries(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    client = make_client(max_retries=2)
    route = api.get(RAW).mock(side_effect=endless(lambda: httpx.Response(503, text="busy")))

    response = run(client.http_get("raw"))

    assert (response.status_code, response.text) == (503, "busy")
    assert route.call_count == 3
    assert len(sleeps) == 2


def test_a_connection_failure_without_end_is_raised_after_max_retries(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    client = make_client(max_retries=2)

    def refuse() -> httpx.Response:
        raise httpx.ConnectError("refused")

    route = api.get(RAW).mock(side_effect=endless(refuse))

    with pytest.raises(APIConnectionError) as info:
        run(client.http_get("raw"))

    assert str(info.value) == f"GET {RAW} failed after 3 attempts: ConnectError: refused"
    assert route.call_count == 3
    assert len(sleeps) == 2


def test_a_401_without_end_logs_in_again_once_then_raises(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    from keystone_client import AuthenticationError

    client = make_client(username="ada", password="pw")
    api.post(LOGIN).mock(side_effect=endless(lambda: httpx.Response(200, json=user(1))))
    api.get(USER_5).mock(
        side_effect=endless(lambda: httpx.Response(401, json={"detail": "expired"}))
    )

    with pytest.raises(AuthenticationError) as info:
        run(client.resources.users.get(5))

    assert info.value.detail == "expired"
    assert sent(api) == [
        "POST /authentication/login/",
        "GET /users/users/5/",
        "POST /authentication/login/",
        "GET /users/users/5/",
    ]
