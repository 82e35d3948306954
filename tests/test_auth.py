"""Authentication: login, logout, whoami, session cookies, CSRF, tokens, lazy login, 401s."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from keystone_client import AuthenticationError, ConfigurationError
from keystone_client.models import User

from .conftest import BASE, Runner
from .factories import login_error, not_authenticated, session_cookies, user

LOGIN = BASE + "authentication/login/"
LOGOUT = BASE + "authentication/logout/"
WHOAMI = BASE + "authentication/whoami/"
USER_5 = BASE + "users/users/5/"


def logged_in(id: int = 1, csrf: str = "csrf-1", session: str = "sess-1") -> httpx.Response:
    return httpx.Response(200, json=user(id), headers=session_cookies(csrf, session))


def unauthorized() -> httpx.Response:
    return httpx.Response(401, json=not_authenticated())


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


def paths(api: respx.MockRouter) -> list[str]:
    return [f"{call.request.method} {call.request.url.path}" for call in api.calls]


@pytest.fixture
def session_client(make_client: Callable[..., Any]) -> Any:
    """A client configured with a username and password (logs in by itself)."""
    return make_client(username="ada", password="pw-secret")


# -- login -----------------------------------------------------------------------------------


def test_login_posts_credentials_and_returns_user(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(LOGIN).mock(return_value=logged_in(7))

    result = run(client.login("ada", "pw-secret"))

    assert isinstance(result, User)
    assert result.id == 7
    assert result.username == "user7"
    request = route.calls.last.request
    assert request.method == "POST"
    assert request.url == LOGIN
    assert request.headers["Content-Type"] == "application/json"
    assert body(request) == {"username": "ada", "password": "pw-secret"}
    assert route.call_count == 1


def test_login_uses_configured_credentials(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(LOGIN).mock(return_value=logged_in())

    run(session_client.login())

    assert body(route.calls.last.request) == {"username": "ada", "password": "pw-secret"}


def test_login_arguments_win_over_configuration(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(LOGIN).mock(return_value=logged_in())

    run(session_client.login("grace", "other-pw"))

    assert body(route.calls.last.request) == {"username": "grace", "password": "other-pw"}


def test_login_with_secret_str_password(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    from pydantic import SecretStr

    client = make_client(username="ada", password=SecretStr("pw-wrapped"))
    route = api.post(LOGIN).mock(return_value=logged_in())

    run(client.login())

    assert body(route.calls.last.request) == {"username": "ada", "password": "pw-wrapped"}


def test_wrong_credentials_raise_authentication_error(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(return_value=httpx.Response(400, json=login_error()))

    with pytest.raises(AuthenticationError) as info:
        run(client.login("ada", "wrong"))

    error = info.value
    assert error.status_code == 400
    assert error.detail == "Invalid username or password."
    assert "Invalid username or password." in str(error)
    assert error.response.status_code == 400
    assert error.body == login_error()
    assert "wrong" not in str(error)


def test_failed_login_leaves_client_anonymous(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    login = api.post(LOGIN).mock(side_effect=[httpx.Response(400, json=login_error()), logged_in()])
    api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))

    with pytest.raises(AuthenticationError):
        run(session_client.login())
    # The next request that needs a session logs in again.
    run(session_client.resources.users.get(5))

    assert login.call_count == 2
    assert paths(api) == [
        "POST /authentication/login/",
        "POST /authentication/login/",
        "GET /users/users/5/",
    ]


@pytest.mark.parametrize("kwargs", [{}, {"username": "ada"}, {"password": "pw"}])
def test_login_without_credentials_is_configuration_error(
    kwargs: dict[str, str], client: Any, run: Runner, api: respx.MockRouter
) -> None:
    with pytest.raises(ConfigurationError) as info:
        run(client.login(**kwargs))

    assert "KEYSTONE_USERNAME" in str(info.value)
    assert not api.calls


def test_login_server_error_is_not_authentication_error(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    from keystone_client import ServerError

    route = api.post(LOGIN).mock(return_value=httpx.Response(500, json={"detail": "boom"}))

    with pytest.raises(ServerError):
        run(client.login("ada", "pw"))
    assert route.call_count == 1  # a POST is not retried after a 5xx


# -- session cookies and CSRF ---------------------------------------------------------------


def test_csrf_header_on_unsafe_requests_after_login(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(return_value=logged_in(csrf="tok-AAA", session="sid-BBB"))
    raw = api.route(path="/raw/").mock(return_value=httpx.Response(200, json={}))

    run(client.login("ada", "pw"))
    for verb in ("get", "post", "put", "patch", "delete"):
        run(getattr(client, f"http_{verb}")("raw"))

    requests = [call.request for call in raw.calls]
    assert [r.method for r in requests] == ["GET", "POST", "PUT", "PATCH", "DELETE"]
    get, *unsafe = requests
    assert "X-CSRFToken" not in get.headers
    for request in requests:
        cookies = request.headers["Cookie"]
        assert "csrftoken=tok-AAA" in cookies
        assert "sessionid=sid-BBB" in cookies
    for request in unsafe:
        assert request.headers["X-CSRFToken"] == "tok-AAA"
        assert request.headers["Referer"] == BASE


def test_csrf_header_on_resource_writes(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.post(LOGIN).mock(return_value=logged_in(csrf="tok-W"))
    route = api.patch(USER_5).mock(return_value=httpx.Response(200, json=user(5)))
    delete = api.delete(USER_5).mock(return_value=httpx.Response(204))

    run(client.login("ada", "pw"))
    run(client.resources.users.update(5, first_name="Grace"))
    run(client.resources.users.delete(5))

    request = route.calls.last.request
    assert request.headers["X-CSRFToken"] == "tok-W"
    assert request.headers["Referer"] == BASE
    assert body(request) == {"first_name": "Grace"}
    assert delete.calls.last.request.headers["X-CSRFToken"] == "tok-W"


def test_no_csrf_header_before_login(client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.post(BASE + "raw/").mock(return_value=httpx.Response(403, json={}))

    run(client.http_post("raw", json={}))

    request = route.calls.last.request
    assert "X-CSRFToken" not in request.headers
    assert "Cookie" not in request.headers
    assert request.headers["Referer"] == BASE


def test_rotated_csrf_cookie_is_followed(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.post(LOGIN).mock(return_value=logged_in(csrf="tok-1"))
    raw = api.post(BASE + "raw/").mock(
        side_effect=[
            httpx.Response(200, json={}, headers={"Set-Cookie": "csrftoken=tok-2; Path=/"}),
            httpx.Response(200, json={}),
        ]
    )

    run(client.login("ada", "pw"))
    run(client.http_post("raw"))
    run(client.http_post("raw"))

    first, second = (call.request for call in raw.calls)
    assert first.headers["X-CSRFToken"] == "tok-1"
    assert second.headers["X-CSRFToken"] == "tok-2"


def test_each_client_has_its_own_session(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    first = make_client()
    second = make_client()
    api.post(LOGIN).mock(return_value=logged_in(csrf="tok-first", session="sid-first"))
    raw = api.post(BASE + "raw/").mock(return_value=httpx.Response(200, json={}))

    run(first.login("ada", "pw"))
    run(second.http_post("raw"))
    run(first.http_post("raw"))

    from_second, from_first = (call.request for call in raw.calls)
    assert "Cookie" not in from_second.headers
    assert "X-CSRFToken" not in from_second.headers
    assert "sessionid=sid-first" in from_first.headers["Cookie"]
    assert from_first.headers["X-CSRFToken"] == "tok-first"


# -- logout ------------------------------------------------------------------------------------


def test_logout_posts_and_clears_the_session(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(return_value=logged_in(csrf="tok-L", session="sid-L"))
    logout = api.post(LOGOUT).mock(return_value=httpx.Response(200))
    raw = api.post(BASE + "raw/").mock(return_value=httpx.Response(200, json={}))

    run(client.login("ada", "pw"))
    assert run(client.logout()) is None
    run(client.http_post("raw"))

    request = logout.calls.last.request
    assert request.method == "POST"
    assert request.headers["X-CSRFToken"] == "tok-L"
    assert "sessionid=sid-L" in request.headers["Cookie"]
    after = raw.calls.last.request
    assert "Cookie" not in after.headers
    assert "X-CSRFToken" not in after.headers


def test_logout_when_not_logged_in_is_silent(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    assert run(client.logout()) is None
    assert not api.calls


def test_logout_with_expired_session_is_silent(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(return_value=logged_in())
    logout = api.post(LOGOUT).mock(return_value=unauthorized())

    run(client.login("ada", "pw"))
    run(client.logout())

    assert logout.call_count == 1


def test_logout_then_lazy_login_again(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    login = api.post(LOGIN).mock(
        side_effect=[logged_in(csrf="a", session="s1"), logged_in(csrf="b", session="s2")]
    )
    api.post(LOGOUT).mock(return_value=httpx.Response(200))
    users = api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))

    run(session_client.resources.users.get(5))
    run(session_client.logout())
    run(session_client.resources.users.get(5))

    assert login.call_count == 2
    assert "sessionid=s2" in users.calls.last.request.headers["Cookie"]


# -- whoami / is_authenticated ---------------------------------------------------------------


def test_whoami_returns_user(client: Any, run: Runner, api: respx.MockRouter) -> None:
    route = api.get(WHOAMI).mock(return_value=httpx.Response(200, json=user(3)))

    me = run(client.whoami())

    assert isinstance(me, User)
    assert me.id == 3
    assert route.calls.last.request.method == "GET"


def test_whoami_anonymous_returns_none(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(WHOAMI).mock(return_value=unauthorized())

    assert run(client.whoami()) is None


def test_whoami_does_not_log_in(session_client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(WHOAMI).mock(return_value=unauthorized())

    assert run(session_client.whoami()) is None
    assert paths(api) == ["GET /authentication/whoami/"]


def test_is_authenticated(client: Any, run: Runner, api: respx.MockRouter) -> None:
    api.get(WHOAMI).mock(side_effect=[unauthorized(), httpx.Response(200, json=user(1))])

    assert run(client.is_authenticated()) is False
    assert run(client.is_authenticated()) is True


def test_whoami_server_error_raises(client: Any, run: Runner, api: respx.MockRouter) -> None:
    from keystone_client import ServerError

    api.get(WHOAMI).mock(return_value=httpx.Response(500, json={"detail": "down"}))

    with pytest.raises(ServerError):
        run(client.whoami())


# -- token auth --------------------------------------------------------------------------------


def test_token_sent_on_every_request_and_never_logs_in(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    client = make_client(token="tk-123", username="ada", password="pw")
    api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))
    api.get(BASE + "version/").mock(return_value=httpx.Response(200, text="1"))
    api.get(WHOAMI).mock(return_value=httpx.Response(200, json=user(5)))
    api.route(path="/raw/").mock(return_value=httpx.Response(200, json={}))

    run(client.resources.users.get(5))
    run(client.version())
    run(client.whoami())
    for verb in ("get", "post", "put", "patch", "delete"):
        run(getattr(client, f"http_{verb}")("raw"))

    assert len(api.calls) == 8
    assert not any(call.request.url.path == "/authentication/login/" for call in api.calls)
    for call in api.calls:
        assert call.request.headers["Authorization"] == "Token tk-123"


def test_token_from_environment(
    monkeypatch: pytest.MonkeyPatch,
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
) -> None:
    monkeypatch.setenv("KEYSTONE_TOKEN", "tk-env")
    client = make_client()
    route = api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))

    run(client.resources.users.get(5))

    assert route.calls.last.request.headers["Authorization"] == "Token tk-env"


def test_token_401_raises_without_login(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    client = make_client(token="tk-bad", username="ada", password="pw")
    api.get(USER_5).mock(return_value=httpx.Response(401, json={"detail": "Invalid token."}))

    with pytest.raises(AuthenticationError) as info:
        run(client.resources.users.get(5))

    assert info.value.detail == "Invalid token."
    assert paths(api) == ["GET /users/users/5/"]


def test_no_authorization_header_without_token(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(return_value=logged_in())
    route = api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))

    run(session_client.resources.users.get(5))

    assert "Authorization" not in route.calls.last.request.headers
    assert all("Authorization" not in call.request.headers for call in api.calls)


# -- lazy login --------------------------------------------------------------------------------


def test_lazy_login_before_first_request_and_only_once(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    login = api.post(LOGIN).mock(return_value=logged_in(session="sid-lazy"))
    users = api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))
    raw = api.post(BASE + "raw/").mock(return_value=httpx.Response(201, json={}))

    assert run(session_client.resources.users.get(5)).id == 5
    run(session_client.resources.users.get(5))
    run(session_client.http_get("users/users/5"))
    run(session_client.http_post("raw", json={"x": 1}))

    assert login.call_count == 1
    assert paths(api) == [
        "POST /authentication/login/",
        "GET /users/users/5/",
        "GET /users/users/5/",
        "GET /users/users/5/",
        "POST /raw/",
    ]
    assert body(login.calls.last.request) == {"username": "ada", "password": "pw-secret"}
    for call in users.calls:
        assert "sessionid=sid-lazy" in call.request.headers["Cookie"]
    assert raw.calls.last.request.headers["X-CSRFToken"] == "csrf-1"


def test_lazy_login_for_raw_verb_first(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(return_value=logged_in())
    api.delete(BASE + "raw/1/").mock(return_value=httpx.Response(204))

    response = run(session_client.http_delete("raw/1"))

    assert response.status_code == 204
    assert paths(api) == ["POST /authentication/login/", "DELETE /raw/1/"]


def test_no_lazy_login_for_version_and_health(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(BASE + "version/").mock(
        return_value=httpx.Response(200, text="2.0.1", headers={"content-type": "text/plain"})
    )
    api.get(BASE + "health/json/").mock(
        return_value=httpx.Response(
            200, json={"data": [{"check": "DB", "healthy": True, "time_taken": 0.1}]}
        )
    )

    assert run(session_client.version()) == "2.0.1"
    assert run(session_client.health()).healthy is True
    assert paths(api) == ["GET /version/", "GET /health/json/"]


def test_no_lazy_login_after_explicit_login(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    login = api.post(LOGIN).mock(return_value=logged_in())
    api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))

    run(session_client.login())
    run(session_client.resources.users.get(5))

    assert login.call_count == 1


def test_lazy_login_failure_raises_and_sends_nothing_else(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(return_value=httpx.Response(400, json=login_error()))

    with pytest.raises(AuthenticationError) as info:
        run(session_client.resources.users.get(5))

    assert info.value.status_code == 400
    assert paths(api) == ["POST /authentication/login/"]


# -- expired session: one re-login ------------------------------------------------------------


def test_expired_session_relogin_and_repeat_resource_call(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    login = api.post(LOGIN).mock(side_effect=[logged_in(session="s1"), logged_in(session="s2")])
    users = api.get(USER_5).mock(
        side_effect=[
            httpx.Response(200, json=user(5)),
            unauthorized(),
            httpx.Response(200, json=user(5, first_name="Again")),
        ]
    )

    run(session_client.resources.users.get(5))
    again = run(session_client.resources.users.get(5))

    assert again.first_name == "Again"
    assert login.call_count == 2
    assert paths(api) == [
        "POST /authentication/login/",
        "GET /users/users/5/",
        "GET /users/users/5/",
        "POST /authentication/login/",
        "GET /users/users/5/",
    ]
    assert "sessionid=s2" in users.calls.last.request.headers["Cookie"]


@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete"])
def test_expired_session_relogin_and_repeat_raw_verb(
    verb: str, session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(
        side_effect=[logged_in(csrf="c1", session="s1"), logged_in(csrf="c2", session="s2")]
    )
    raw = api.route(path="/raw/").mock(
        side_effect=[unauthorized(), httpx.Response(200, json={"ok": True})]
    )

    response = run(getattr(session_client, f"http_{verb}")("raw"))

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert paths(api) == [
        "POST /authentication/login/",
        f"{verb.upper()} /raw/",
        "POST /authentication/login/",
        f"{verb.upper()} /raw/",
    ]
    repeated = raw.calls.last.request
    assert "sessionid=s2" in repeated.headers["Cookie"]
    if verb != "get":
        assert repeated.headers["X-CSRFToken"] == "c2"


def test_post_body_repeated_after_relogin(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(side_effect=[logged_in(), logged_in()])
    raw = api.post(BASE + "raw/").mock(side_effect=[unauthorized(), httpx.Response(201, json={})])

    run(session_client.http_post("raw", json={"title": "T"}))

    assert [body(call.request) for call in raw.calls] == [{"title": "T"}, {"title": "T"}]


def test_second_401_is_raised_not_looped(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    login = api.post(LOGIN).mock(return_value=logged_in())
    users = api.get(USER_5).mock(return_value=unauthorized())

    with pytest.raises(AuthenticationError) as info:
        run(session_client.resources.users.get(5))

    assert info.value.status_code == 401
    assert info.value.detail == "Authentication credentials were not provided."
    assert login.call_count == 2
    assert users.call_count == 2


def test_second_401_is_returned_by_raw_verb(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    login = api.post(LOGIN).mock(return_value=logged_in())
    raw = api.get(BASE + "raw/").mock(return_value=unauthorized())

    response = run(session_client.http_get("raw"))

    assert response.status_code == 401
    assert login.call_count == 2
    assert raw.call_count == 2


def test_relogin_once_per_call_not_per_client(
    session_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    """Each request that meets an expired session may log in again once."""
    login = api.post(LOGIN).mock(return_value=logged_in())
    api.get(USER_5).mock(
        side_effect=[
            unauthorized(),
            httpx.Response(200, json=user(5)),
            unauthorized(),
            httpx.Response(200, json=user(5)),
        ]
    )

    run(session_client.resources.users.get(5))
    run(session_client.resources.users.get(5))

    assert login.call_count == 3


# -- 401 without credentials ------------------------------------------------------------------


def test_401_without_credentials_raises_on_resource_call(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(USER_5).mock(return_value=unauthorized())

    with pytest.raises(AuthenticationError) as info:
        run(client.resources.users.get(5))

    assert info.value.status_code == 401
    assert info.value.detail == "Authentication credentials were not provided."
    assert paths(api) == ["GET /users/users/5/"]


def test_401_without_credentials_returned_by_raw_verb(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.get(BASE + "users/users/").mock(return_value=unauthorized())

    response = run(client.http_get("users/users"))

    assert response.status_code == 401
    assert response.json() == not_authenticated()
    assert paths(api) == ["GET /users/users/"]


def test_401_after_explicit_login_without_configured_credentials(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    api.post(LOGIN).mock(return_value=logged_in())
    api.get(USER_5).mock(return_value=unauthorized())

    run(client.login("ada", "pw"))
    with pytest.raises(AuthenticationError):
        run(client.resources.users.get(5))

    # The credentials given to login() serve the one re-login; a second 401 is raised.
    assert paths(api) == [
        "POST /authentication/login/",
        "GET /users/users/5/",
        "POST /authentication/login/",
        "GET /users/users/5/",
    ]
    assert json.loads(api.calls[2].request.content) == {"username": "ada", "password": "pw"}


def test_relogin_after_explicit_login_uses_that_user_not_the_configured_one(
    make_client: Any, run: Runner, api: respx.MockRouter
) -> None:
    client = make_client(username="alice", password="alice-pw")
    api.post(LOGIN).mock(return_value=logged_in())
    api.get(USER_5).mock(side_effect=[unauthorized(), httpx.Response(200, json=user(5))])
    api.post(LOGOUT).mock(return_value=httpx.Response(200))

    run(client.login("bob", "bob-pw"))
    assert run(client.resources.users.get(5)).id == 5

    logins = [json.loads(c.request.content) for c in api.calls if c.request.url == LOGIN]
    assert logins == [{"username": "bob", "password": "bob-pw"}] * 2
    run(client.logout())
    # After logout the configured user is back for the next lazy login.
    assert client._credentials()[0] == "alice"


# -- concurrent requests share one login (async) ----------------------------------------------


def test_concurrent_requests_share_one_login(
    monkeypatch: pytest.MonkeyPatch, api: respx.MockRouter
) -> None:
    import asyncio

    from keystone_client import AsyncKeystoneClient

    # Waiting for another task's login needs a sleep that really yields to the event loop.
    monkeypatch.setattr("keystone_client._client.async_sleep", asyncio.sleep)
    sessions = iter(["s1", "s2", "s3"])
    expired = {"session": "none-yet"}

    async def login(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.02)
        return logged_in(session=next(sessions))

    async def get_user(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        if f"sessionid={expired['session']}" in request.headers.get("Cookie", ""):
            return unauthorized()
        return httpx.Response(200, json=user(5))

    login_route = api.post(LOGIN).mock(side_effect=login)
    api.get(USER_5).mock(side_effect=get_user)

    async def scenario() -> tuple[int, int]:
        async with AsyncKeystoneClient(url=BASE, username="ada", password="pw") as client:
            found = await asyncio.gather(*(client.resources.users.get(5) for _ in range(4)))
            assert [u.id for u in found] == [5] * 4
            first = login_route.call_count
            expired["session"] = "s1"  # the server forgets the session
            found = await asyncio.gather(*(client.resources.users.get(5) for _ in range(4)))
            assert [u.id for u in found] == [5] * 4
            return first, login_route.call_count

    assert asyncio.run(scenario()) == (1, 2)


def test_login_interrupted_by_a_foreign_error_does_not_block_the_next_one(
    session_client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    login = api.post(LOGIN).mock(side_effect=[RuntimeError("interrupted"), logged_in()])
    api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))

    with pytest.raises(RuntimeError) as info:
        run(session_client.resources.users.get(5))
    # The error (and its traceback) is still alive, as in a REPL; the next call goes ahead.
    assert run(session_client.resources.users.get(5)).id == 5

    assert info.value is not None
    assert login.call_count == 2
    assert sleeps == []
