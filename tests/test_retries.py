"""Retries: which methods and failures are retried, how often, and how long each wait is."""

from __future__ import annotations

import email.utils
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from keystone_client import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    RateLimitError,
    ServerError,
)
from keystone_client._retry import RetryPolicy, parse_retry_after

from .conftest import BASE, Runner
from .factories import user

USER_5 = BASE + "users/users/5/"
RAW = BASE + "raw/"


def ok() -> httpx.Response:
    return httpx.Response(200, json=user(5))


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, json={"detail": f"status {code}"}, headers=headers)


def raw(client: Any, verb: str) -> Any:
    if verb in ("get", "delete"):
        return getattr(client, f"http_{verb}")("raw")
    return getattr(client, f"http_{verb}")("raw", json={"n": 1})


# -- GET: transport errors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (httpx.ConnectError("connection refused"), APIConnectionError),
        (httpx.ReadTimeout("read timed out"), APITimeoutError),
        (httpx.ConnectTimeout("connect timed out"), APITimeoutError),
        (httpx.RemoteProtocolError("connection reset by peer"), APIConnectionError),
        (httpx.ReadError("connection reset"), APIConnectionError),
    ],
)
def test_get_retried_on_transport_error_then_raises(
    error: httpx.TransportError,
    raised: type[Exception],
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.get(USER_5).mock(side_effect=error)

    with pytest.raises(raised) as info:
        run(client.resources.users.get(5))

    assert route.call_count == 3  # 1 + max_retries (2)
    assert len(sleeps) == 2
    assert type(info.value) is raised
    assert "GET" in str(info.value)
    assert "users/users/5/" in str(info.value)
    assert "3 attempts" in str(info.value)
    assert info.value.request is not None
    assert info.value.request.url == USER_5
    assert info.value.__cause__ is not None


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("boom"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
    ],
)
def test_get_successful_retry_returns_good_response(
    error: httpx.TransportError,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.get(USER_5).mock(side_effect=[error, ok()])

    found = run(client.resources.users.get(5))

    assert found.id == 5
    assert route.call_count == 2
    assert len(sleeps) == 1


def test_raw_get_transport_error_raises_after_retries(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.get(RAW).mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(APIConnectionError):
        run(client.http_get("raw"))

    assert route.call_count == 3


# -- GET: retryable statuses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "raised"),
    [(502, ServerError), (503, ServerError), (504, ServerError)],
)
def test_get_retried_on_status_then_raises(
    code: int,
    raised: type[APIError],
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.get(USER_5).mock(return_value=status(code))

    with pytest.raises(raised) as info:
        run(client.resources.users.get(5))

    assert info.value.status_code == code
    assert route.call_count == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("code", [502, 503, 504, 429])
def test_get_retried_on_status_then_succeeds(
    code: int, client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(side_effect=[status(code), status(code), ok()])

    assert run(client.resources.users.get(5)).id == 5
    assert route.call_count == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("code", [400, 401, 403, 404, 405, 409, 500, 501])
def test_get_not_retried_on_other_statuses(
    code: int,
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.get(RAW).mock(return_value=status(code))

    response = run(make_client().http_get("raw"))

    assert response.status_code == code
    assert route.call_count == 1
    assert sleeps == []


def test_raw_get_returns_last_503_after_retries(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(RAW).mock(
        side_effect=[status(503), status(503), httpx.Response(503, text="final")]
    )

    response = run(client.http_get("raw"))

    assert response.status_code == 503
    assert response.text == "final"
    assert route.call_count == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("max_retries", [0, 1, 4])
def test_call_count_follows_max_retries(
    max_retries: int,
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.get(USER_5).mock(return_value=status(503))

    with pytest.raises(ServerError):
        run(make_client(max_retries=max_retries).resources.users.get(5))

    assert route.call_count == max_retries + 1
    assert len(sleeps) == max_retries


def test_max_retries_zero_disables_on_errors(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    client = make_client(max_retries=0)
    route = api.get(USER_5).mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(APIConnectionError) as info:
        run(client.resources.users.get(5))

    assert route.call_count == 1
    assert sleeps == []
    assert "1 attempt" in str(info.value)


def test_max_retries_from_environment(
    monkeypatch: pytest.MonkeyPatch,
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
) -> None:
    monkeypatch.setenv("KEYSTONE_MAX_RETRIES", "1")
    route = api.get(RAW).mock(return_value=status(502))

    run(make_client().http_get("raw"))

    assert route.call_count == 2


# -- Retry-After ---------------------------------------------------------------------------------


def test_retry_after_seconds_honoured(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(side_effect=[status(429, **{"Retry-After": "3"}), ok()])

    assert run(client.resources.users.get(5)).id == 5
    assert sleeps == [3.0]
    assert route.call_count == 2


def test_retry_after_on_503(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.get(RAW).mock(side_effect=[status(503, **{"Retry-After": "1.5"}), status(200)])

    assert run(client.http_get("raw")).status_code == 200
    assert sleeps == [1.5]


def test_retry_after_http_date(
    monkeypatch: pytest.MonkeyPatch,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    now = 1_800_000_000.0
    monkeypatch.setattr("keystone_client._retry.time.time", lambda: now)
    when = email.utils.formatdate(now + 7, usegmt=True)
    api.get(USER_5).mock(side_effect=[status(429, **{"Retry-After": when}), ok()])

    run(client.resources.users.get(5))

    assert sleeps == [7.0]


def test_retry_after_date_in_the_past_waits_zero(
    monkeypatch: pytest.MonkeyPatch,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    now = 1_800_000_000.0
    monkeypatch.setattr("keystone_client._retry.time.time", lambda: now)
    when = email.utils.formatdate(now - 30, usegmt=True)
    api.get(USER_5).mock(side_effect=[status(503, **{"Retry-After": when}), ok()])

    run(client.resources.users.get(5))

    assert sleeps == [0.0]


def test_unparsable_retry_after_falls_back_to_backoff(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.get(USER_5).mock(side_effect=[status(429, **{"Retry-After": "soon"}), ok()])

    run(client.resources.users.get(5))

    assert len(sleeps) == 1
    assert 0.25 <= sleeps[0] <= 0.5


def test_throttle_retry_after_past_the_bound_gives_up_at_once(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(return_value=status(429, **{"Retry-After": "121"}))

    with pytest.raises(RateLimitError):
        run(client.resources.users.get(5))

    assert route.call_count == 1
    assert sleeps == []


# -- backoff -------------------------------------------------------------------------------------


def test_backoff_grows_between_retries(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    client = make_client(max_retries=4)
    api.get(RAW).mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(APIConnectionError):
        run(client.http_get("raw"))

    assert len(sleeps) == 4
    for attempt, wait in enumerate(sleeps):
        ceiling = 0.5 * 2**attempt
        assert ceiling / 2 <= wait <= ceiling, (attempt, wait)


def test_policy_backoff_bounds_and_growth() -> None:
    policy = RetryPolicy(max_retries=10, backoff_base=0.5, backoff_max=8.0)
    for attempt in range(10):
        ceiling = min(8.0, 0.5 * 2**attempt)
        waits = [policy.backoff(attempt) for _ in range(200)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits), attempt
        assert len(set(waits)) > 100  # jittered, not a fixed value
    # The expected wait doubles until the cap.
    means = [sum(policy.backoff(a) for _ in range(500)) / 500 for a in range(6)]
    assert means[0] < means[1] < means[2] < means[3] < means[4]
    assert means[5] == pytest.approx(means[4], rel=0.15)  # capped at backoff_max


def test_policy_backoff_uses_the_random_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    draws: list[tuple[float, float]] = []

    def fake_uniform(low: float, high: float) -> float:
        draws.append((low, high))
        return high

    monkeypatch.setattr("keystone_client._retry.random.uniform", fake_uniform)
    policy = RetryPolicy(backoff_base=1.0, backoff_max=5.0)

    assert [policy.backoff(a) for a in range(4)] == [1.0, 2.0, 4.0, 5.0]
    assert draws == [(0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (2.5, 5.0)]


def test_policy_decisions() -> None:
    policy = RetryPolicy(max_retries=2)
    request = httpx.Request("GET", BASE)

    def response(code: int, **headers: str) -> httpx.Response:
        return httpx.Response(code, headers=headers, request=request)

    connect = httpx.ConnectError("refused")
    read_timeout = httpx.ReadTimeout("slow")
    reset = httpx.RemoteProtocolError("reset")
    for method in ("GET", "PUT", "DELETE", "get"):
        assert policy.after_error(method, connect, 0) is not None
        assert policy.after_error(method, read_timeout, 1) is not None
        assert policy.after_error(method, reset, 0) is not None
        assert policy.after_error(method, connect, 2) is None
        for code in (502, 503, 504):
            assert policy.after_response(method, response(code), 0) is not None
        for code in (200, 201, 204, 400, 401, 404, 429, 500):
            assert policy.after_response(method, response(code), 0) is None
        assert policy.after_response(method, response(503), 2) is None
    for method in ("POST", "PATCH"):
        assert policy.after_error(method, connect, 0) is not None
        assert policy.after_error(method, httpx.ConnectTimeout("t"), 0) is not None
        assert policy.after_error(method, httpx.PoolTimeout("t"), 0) is not None
        assert policy.after_error(method, read_timeout, 0) is None
        assert policy.after_error(method, reset, 0) is None
        assert policy.after_error(method, httpx.WriteTimeout("t"), 0) is None
        for code in (429, 502, 503, 504):
            assert policy.after_response(method, response(code), 0) is None
    assert RetryPolicy(max_retries=0).after_error("GET", connect, 0) is None
    assert policy.after_response("GET", response(503, **{"Retry-After": "2"}), 0) == 2.0


def test_policy_throttle_decisions() -> None:
    policy = RetryPolicy(max_retries=0, throttle_wait=10)
    request = httpx.Request("POST", BASE)

    def throttled(**headers: str) -> httpx.Response:
        return httpx.Response(429, headers=headers, request=request)

    assert policy.after_throttle(throttled(**{"Retry-After": "4"}), 0.0, 0) == 4.0
    assert policy.after_throttle(throttled(**{"Retry-After": "4"}), 6.0, 1) == 4.0  # 10: at
    assert policy.after_throttle(throttled(**{"Retry-After": "4"}), 6.5, 1) is None  # past
    assert policy.after_throttle(throttled(**{"Retry-After": "11"}), 0.0, 0) is None
    assert policy.after_throttle(httpx.Response(503, request=request), 0.0, 0) is None
    backoff = policy.after_throttle(throttled(), 0.0, 0)
    assert backoff is not None and 0.25 <= backoff <= 0.5
    assert RetryPolicy(throttle_wait=0).after_throttle(throttled(), 0.0, 0) is None
    zero = RetryPolicy(throttle_wait=0).after_throttle(throttled(**{"Retry-After": "0"}), 0, 0)
    assert zero is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("3", 3.0),
        (" 2.5 ", 2.5),
        ("-4", 0.0),
        ("soon", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date(monkeypatch: pytest.MonkeyPatch) -> None:
    now = 1_800_000_000.0
    monkeypatch.setattr("keystone_client._retry.time.time", lambda: now)

    assert parse_retry_after(email.utils.formatdate(now + 120, usegmt=True)) == 120.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


# -- unsafe methods ------------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["post", "patch"])
@pytest.mark.parametrize("code", [502, 503, 504])
def test_post_patch_not_retried_after_status(
    verb: str,
    code: int,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.route(method=verb.upper(), path="/raw/").mock(return_value=status(code))

    response = run(raw(client, verb))

    assert response.status_code == code
    assert route.call_count == 1
    assert sleeps == []


@pytest.mark.parametrize("verb", ["post", "patch"])
@pytest.mark.parametrize(
    "error",
    [
        httpx.ReadTimeout("slow"),
        httpx.WriteTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("reset"),
    ],
)
def test_post_patch_not_retried_once_sent(
    verb: str,
    error: httpx.TransportError,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.route(method=verb.upper(), path="/raw/").mock(side_effect=error)

    with pytest.raises(APIConnectionError) as info:
        run(raw(client, verb))

    assert route.call_count == 1
    assert sleeps == []
    assert verb.upper() in str(info.value)
    if isinstance(error, httpx.TimeoutException):
        assert isinstance(info.value, APITimeoutError)


@pytest.mark.parametrize("verb", ["post", "patch"])
@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow"), httpx.PoolTimeout("full")],
)
def test_post_patch_retried_when_never_sent(
    verb: str,
    error: httpx.TransportError,
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.route(method=verb.upper(), path="/raw/").mock(
        side_effect=[error, httpx.Response(201, json={"id": 1})]
    )

    response = run(raw(client, verb))

    assert response.status_code == 201
    assert route.call_count == 2
    assert len(sleeps) == 1
    assert [c.request.content for c in route.calls] == [b'{"n":1}', b'{"n":1}']


def test_post_connect_error_gives_up_after_max_retries(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.post(RAW).mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(APIConnectionError):
        run(client.http_post("raw"))

    assert route.call_count == 3


def test_resource_create_not_retried_after_503(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    route = api.post(BASE + "users/users/").mock(return_value=status(503))

    with pytest.raises(ServerError):
        run(make_client().resources.users.create(username="ada", password="x"))

    assert route.call_count == 1


# -- idempotent writes ---------------------------------------------------------------------------


@pytest.mark.parametrize("verb", ["put", "delete"])
@pytest.mark.parametrize(
    "failure",
    [
        lambda: status(503),
        lambda: status(502),
        lambda: status(429),
        lambda: httpx.ReadTimeout("slow"),
        lambda: httpx.ConnectError("refused"),
        lambda: httpx.RemoteProtocolError("reset"),
    ],
    ids=["503", "502", "429", "read-timeout", "connect", "reset"],
)
def test_put_delete_retried(
    verb: str,
    failure: Callable[[], Any],
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.route(method=verb.upper(), path="/raw/").mock(
        side_effect=[failure(), httpx.Response(200, json={"ok": 1})]
    )

    response = run(raw(client, verb))

    assert response.status_code == 200
    assert route.call_count == 2
    assert len(sleeps) == 1


def test_resource_delete_retried_then_raises(
    client: Any, run: Runner, api: respx.MockRouter
) -> None:
    route = api.delete(USER_5).mock(return_value=status(504))

    with pytest.raises(ServerError):
        run(client.resources.users.delete(5))

    assert route.call_count == 3


# -- retries and sessions --------------------------------------------------------------------


def test_login_post_not_retried_after_503(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    route = api.post(BASE + "authentication/login/").mock(return_value=status(503))
    client = make_client(username="ada", password="pw")

    with pytest.raises(ServerError):
        run(client.resources.users.get(5))

    assert route.call_count == 1


def test_login_retried_after_connect_error(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    login = api.post(BASE + "authentication/login/").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json=user(1))]
    )
    api.get(USER_5).mock(return_value=ok())
    client = make_client(username="ada", password="pw")

    assert run(client.resources.users.get(5)).id == 5
    assert login.call_count == 2
