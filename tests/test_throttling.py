"""The server's throttle (429): every method waits and tries again, within ``throttle_wait``.

And client-side pacing (``rate_limit``), which spaces requests so the throttle is not hit.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from keystone_client import (
    APIConnectionError,
    AsyncKeystoneClient,
    ConfigurationError,
    KeystoneClient,
    RateLimitError,
    ServerError,
)
from keystone_client._pacing import Pacer

from .conftest import BASE, Runner
from .factories import team, user

USER_5 = BASE + "users/users/5/"
USERS = BASE + "users/users/"
RAW = BASE + "raw/"
BATCH = BASE + "batch/"
LOGIN = BASE + "authentication/login/"


def throttled(retry_after: str | None = "1") -> httpx.Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after}
    return httpx.Response(429, json={"detail": "Request was throttled."}, headers=headers)


def ok(body: Any = None, code: int = 200) -> httpx.Response:
    return httpx.Response(code, json=user(5) if body is None else body)


# -- every method is retried on 429 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "call"),
    [
        ("GET", USER_5, lambda c: c.resources.users.get(5)),
        ("POST", USERS, lambda c: c.resources.users.create(username="ada", password="x")),
        ("PATCH", USER_5, lambda c: c.resources.users.update(5, first_name="Ada")),
        (
            "PUT",
            USER_5,
            lambda c: c.resources.users.replace(5, username="ada", first_name="A", last_name="L"),
        ),
        ("DELETE", USER_5, lambda c: c.resources.users.delete(5)),
    ],
    ids=["get", "create", "update", "replace", "delete"],
)
def test_resource_calls_wait_and_retry_on_429(
    method: str,
    url: str,
    call: Callable[[Any], Any],
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    done = httpx.Response(204) if method == "DELETE" else ok(code=201 if method == "POST" else 200)
    route = api.route(method=method, url=url).mock(
        side_effect=[throttled("2"), throttled("3"), done]
    )

    result = run(call(client))

    assert route.call_count == 3
    assert sleeps == [2.0, 3.0]
    bodies = {c.request.content for c in route.calls}
    assert len(bodies) == 1  # the same request each time
    if method != "DELETE":
        assert result.id == 5


@pytest.mark.parametrize("verb", ["get", "post", "put", "patch", "delete"])
def test_raw_verbs_wait_and_retry_on_429(
    verb: str, client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.route(method=verb.upper(), url=RAW).mock(
        side_effect=[throttled("1"), httpx.Response(200, json={"ok": True})]
    )

    kwargs = {} if verb in ("get", "delete") else {"json": {"n": 1}}
    response = run(getattr(client, f"http_{verb}")("raw", **kwargs))

    assert response.status_code == 200
    assert response.json() == {"ok": True}
    assert route.call_count == 2
    assert sleeps == [1.0]


@pytest.mark.parametrize("verb", ["get", "post"])
def test_raw_verbs_return_the_last_429_past_the_bound(
    verb: str,
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    route = api.route(method=verb.upper(), url=RAW).mock(
        side_effect=[throttled("2"), throttled("2"), throttled("7")]
    )

    response = run(getattr(make_client(throttle_wait=5), f"http_{verb}")("raw"))

    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert route.call_count == 3
    assert sleeps == [2.0, 2.0]


def test_batch_waits_and_retries_on_429(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    created = team(9, name="T")
    step = {
        "ref": "a1",
        "index": 1,
        "method": "POST",
        "path": "/users/teams/",
        "status": 201,
        "body": created,
    }
    route = api.post(BATCH).mock(
        side_effect=[throttled("4"), httpx.Response(200, json={"results": [step]})]
    )

    async def go_async() -> Any:
        async with client.batch() as batch:
            batch.teams.create(name="T")
        return batch

    if run.is_async:
        batch = run(go_async())
    else:
        with client.batch() as batch:
            batch.teams.create(name="T")

    assert route.call_count == 2
    assert sleeps == [4.0]
    assert route.calls[0].request.content == route.calls[1].request.content
    assert json.loads(route.calls[1].request.content)["job"]["actions"][0]["method"] == "POST"
    assert batch.results[0].model.id == 9


def test_login_waits_and_retries_on_429(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    login = api.post(LOGIN).mock(side_effect=[throttled("2"), ok(user(1))])
    api.get(USER_5).mock(return_value=ok())
    client = make_client(username="ada", password="pw")

    assert run(client.resources.users.get(5)).id == 5
    assert login.call_count == 2
    assert sleeps == [2.0]


# -- the bound -------------------------------------------------------------------------------------


def test_waits_exactly_at_the_bound_are_honoured(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.post(USERS).mock(side_effect=[throttled("4"), throttled("6"), ok(code=201)])
    client = make_client(throttle_wait=10)

    created = run(client.resources.users.create(username="ada", password="x"))

    assert created.id == 5
    assert route.call_count == 3
    assert sleeps == [4.0, 6.0]


def test_a_wait_just_past_the_bound_raises(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.post(USERS).mock(
        side_effect=[throttled("4"), throttled("6"), throttled("1"), ok(code=201)]
    )
    client = make_client(throttle_wait=10)

    with pytest.raises(RateLimitError) as info:
        run(client.resources.users.create(username="ada", password="x"))

    assert info.value.status_code == 429
    assert info.value.detail == "Request was throttled."
    assert route.call_count == 3
    assert sleeps == [4.0, 6.0]


def test_default_bound_is_120_seconds(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(
        side_effect=[throttled("60"), throttled("60"), throttled("1"), ok()]
    )

    with pytest.raises(RateLimitError):
        run(client.resources.users.get(5))

    assert route.call_count == 3
    assert sleeps == [60.0, 60.0]


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_throttle_wait_zero_turns_waits_off(
    source: str,
    monkeypatch: pytest.MonkeyPatch,
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    if source == "environment":
        monkeypatch.setenv("KEYSTONE_THROTTLE_WAIT", "0")
        client = make_client()
    else:
        client = make_client(throttle_wait=0)
    route = api.get(USER_5).mock(side_effect=[throttled("0"), ok()])

    with pytest.raises(RateLimitError):
        run(client.resources.users.get(5))

    assert client._settings.throttle_wait == 0
    assert route.call_count == 1
    assert sleeps == []


def test_without_retry_after_the_backoff_grows(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(side_effect=[throttled(None)] * 4 + [ok()])

    assert run(make_client().resources.users.get(5)).id == 5

    assert route.call_count == 5
    for attempt, wait in enumerate(sleeps):
        ceiling = 0.5 * 2**attempt
        assert ceiling / 2 <= wait <= ceiling, (attempt, wait)


def test_retry_after_zero_cannot_hold_a_call_forever(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(return_value=throttled("0"))

    with pytest.raises(RateLimitError):
        run(make_client(throttle_wait=3).resources.users.get(5))

    # Each wait counts at least one second against the bound.
    assert route.call_count == 4
    assert sleeps == [0.0, 0.0, 0.0]


# -- throttle waits and max_retries ---------------------------------------------------------------


def test_throttle_waits_do_not_use_up_max_retries(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(
        side_effect=[
            throttled("1"),
            throttled("1"),
            throttled("1"),
            httpx.Response(503),
            throttled("1"),
            httpx.ConnectError("refused"),
            ok(),
        ]
    )
    client = make_client(max_retries=2)

    assert run(client.resources.users.get(5)).id == 5
    assert route.call_count == 7
    assert len(sleeps) == 6


def test_max_retries_zero_still_waits_for_the_throttle(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(side_effect=[throttled("1"), throttled("1"), ok()])

    assert run(make_client(max_retries=0).resources.users.get(5)).id == 5
    assert route.call_count == 3
    assert sleeps == [1.0, 1.0]


def test_failures_after_throttling_still_have_their_own_budget(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(
        side_effect=[throttled("1"), httpx.Response(503), httpx.Response(503)]
    )

    with pytest.raises(ServerError):
        run(make_client(max_retries=1).resources.users.get(5))

    assert route.call_count == 3
    assert len(sleeps) == 2


def test_post_after_a_throttle_is_still_not_retried_on_503(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.post(USERS).mock(side_effect=[throttled("1"), httpx.Response(503), ok()])

    with pytest.raises(ServerError):
        run(client.resources.users.create(username="ada", password="x"))

    assert route.call_count == 2
    assert sleeps == [1.0]


def test_connection_errors_still_raise_after_max_retries(
    run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    route = api.get(USER_5).mock(
        side_effect=[throttled("1"), httpx.ConnectError("a"), httpx.ConnectError("b")]
    )

    with pytest.raises(APIConnectionError):
        run(make_client(max_retries=1).resources.users.get(5))

    assert route.call_count == 3


# -- logging ---------------------------------------------------------------------------------------


def test_each_throttle_wait_logged_at_info_with_its_length(
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="keystone_client")
    api.post(USERS).mock(side_effect=[throttled("2"), throttled("5"), ok(code=201)])

    run(client.resources.users.create(username="ada", password="x"))

    records = [r for r in caplog.records if r.name == "keystone_client"]
    assert [r.levelno for r in records] == [logging.INFO, logging.INFO]
    assert [r.__dict__["wait"] for r in records] == [2.0, 5.0]
    assert "2.00s" in records[0].getMessage()
    assert "5.00s" in records[1].getMessage()
    assert "POST" in records[0].getMessage()
    assert "429" in records[0].getMessage()
    assert records[1].__dict__["throttled_for"] == 7.0


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "soon", "inf", "nan"])
def test_bad_throttle_wait_names_the_variable(
    value: str, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., Any]
) -> None:
    monkeypatch.setenv("KEYSTONE_THROTTLE_WAIT", value)

    with pytest.raises(ConfigurationError, match="KEYSTONE_THROTTLE_WAIT"):
        make_client()


@pytest.mark.parametrize("value", ["0", "-5", "fast", "inf"])
def test_bad_rate_limit_names_the_variable(
    value: str, monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., Any]
) -> None:
    monkeypatch.setenv("KEYSTONE_RATE_LIMIT", value)

    with pytest.raises(ConfigurationError, match="KEYSTONE_RATE_LIMIT"):
        make_client()


def test_rate_limit_argument_zero_names_it(make_client: Callable[..., Any]) -> None:
    with pytest.raises(ConfigurationError, match="rate_limit"):
        make_client(rate_limit=0)


# -- pacing ----------------------------------------------------------------------------------------


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pacer's clock: it stands still (recorded sleeps do not move it) unless moved."""
    now = [1000.0]
    monkeypatch.setattr("keystone_client._pacing.time.monotonic", lambda: now[0])
    return now


def test_no_pacing_by_default(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    api.get(USER_5).mock(return_value=ok())

    for _ in range(5):
        run(client.resources.users.get(5))

    assert client._settings.rate_limit is None
    assert sleeps == []


@pytest.mark.parametrize("source", ["argument", "environment"])
def test_rate_limit_spaces_requests(
    source: str,
    monkeypatch: pytest.MonkeyPatch,
    frozen_clock: list[float],
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    if source == "environment":
        monkeypatch.setenv("KEYSTONE_RATE_LIMIT", "120")
        client = make_client()
    else:
        client = make_client(rate_limit=120)
    route = api.get(USER_5).mock(return_value=ok())

    for _ in range(4):
        run(client.resources.users.get(5))

    assert route.call_count == 4
    assert sleeps == [0.5, 1.0, 1.5]  # 120 a minute: one slot every half second


def test_pacing_waits_only_for_what_is_left_of_the_interval(
    frozen_clock: list[float],
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    client = make_client(rate_limit=60)
    api.get(USER_5).mock(return_value=ok())

    run(client.resources.users.get(5))
    frozen_clock[0] += 0.25
    run(client.resources.users.get(5))
    frozen_clock[0] += 5.0  # idle: the next request goes at once
    run(client.resources.users.get(5))

    assert sleeps == [0.75]


def test_pacing_covers_retries(
    frozen_clock: list[float],
    run: Runner,
    make_client: Callable[..., Any],
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    client = make_client(rate_limit=60)
    api.get(USER_5).mock(side_effect=[httpx.Response(503, headers={"Retry-After": "0"}), ok()])

    run(client.resources.users.get(5))

    assert sleeps == [0.0, 1.0]  # the retry's own wait, then its pacing slot


def test_pacing_is_shared_by_concurrent_async_tasks(
    frozen_clock: list[float], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(return_value=ok())

    async def go() -> None:
        async with AsyncKeystoneClient(url=BASE, rate_limit=60) as client:
            await asyncio.gather(*(client.resources.users.get(5) for _ in range(6)))

    asyncio.run(go())

    assert route.call_count == 6
    assert sorted(sleeps) == [1.0, 2.0, 3.0, 4.0, 5.0]


def test_pacing_is_shared_by_threads_of_a_sync_client(
    frozen_clock: list[float], api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USER_5).mock(return_value=ok())
    errors: list[BaseException] = []

    with KeystoneClient(url=BASE, rate_limit=60) as client:

        def work() -> None:
            try:
                for _ in range(3):
                    client.resources.users.get(5)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert route.call_count == 12
    # Twelve distinct slots one second apart: no two threads were given the same one.
    assert sorted(sleeps) == [float(n) for n in range(1, 12)]


def test_pacer_reserves_distinct_slots_under_contention(frozen_clock: list[float]) -> None:
    pacer = Pacer(rate_limit=600)
    delays: list[float] = []

    def take() -> None:
        for _ in range(200):
            delays.append(pacer.reserve())

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(delays) == 1600
    assert sorted(round(d * 10) for d in delays) == list(range(1600))


def test_pacer_refuses_a_rate_that_is_not_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        Pacer(0)
