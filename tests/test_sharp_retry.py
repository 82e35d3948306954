"""Retry boundaries: the Retry-After cap, the backoff cap, and the number of retries."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from keystone_client import APIConnectionError, ServerError

from .conftest import BASE, Runner

# The one private import of this file: the policy's documented defaults.
from keystone_client._retry import RetryPolicy  # isort: skip

RAW = BASE + "raw/"
USERS = BASE + "users/users/"


def status(code: int, **headers: str) -> httpx.Response:
    return httpx.Response(code, json={"detail": f"status {code}"}, headers=headers)


@pytest.fixture
def ceiling_draws(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """Make every jittered wait its ceiling and record the (low, high) range drawn from."""
    draws: list[tuple[float, float]] = []

    def highest(low: float, high: float) -> float:
        draws.append((low, high))
        return high

    monkeypatch.setattr(random, "uniform", highest)
    return draws


@pytest.mark.parametrize("seconds", ["60", "60.0", " 60 "])
def test_retry_after_exactly_at_the_cap_is_honoured(
    seconds: str, client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(RAW).mock(
        side_effect=[status(503, **{"Retry-After": seconds}), httpx.Response(200, json={})]
    )

    assert run(client.http_get("raw")).status_code == 200

    assert sleeps == [60.0]
    assert route.call_count == 2


@pytest.mark.parametrize("seconds", ["60.001", "61"])
def test_retry_after_just_past_the_cap_gives_up_at_once(
    seconds: str, client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(USERS + "5/").mock(return_value=status(503, **{"Retry-After": seconds}))

    # A failure (503) whose Retry-After is past the cap is given up at once; a 429 follows
    # the throttle rule instead (tests/test_throttling.py).
    with pytest.raises(ServerError) as caught:
        run(client.resources.users.get(5))

    assert caught.value.status_code == 503
    assert route.call_count == 1
    assert sleeps == []


def test_retry_after_of_zero_retries_without_waiting(
    client: Any, run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    route = api.get(RAW).mock(
        side_effect=[status(503, **{"Retry-After": "0"}), httpx.Response(200, json={})]
    )

    assert run(client.http_get("raw")).status_code == 200
    assert sleeps == [0.0]
    assert route.call_count == 2


def test_backoff_doubles_from_half_a_second_and_never_exceeds_eight(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
    ceiling_draws: list[tuple[float, float]],
) -> None:
    client = make_client(max_retries=10)
    route = api.get(RAW).mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(APIConnectionError):
        run(client.http_get("raw"))

    assert route.call_count == 11
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    # Full jitter: each wait is drawn between half its ceiling and the ceiling.
    assert ceiling_draws == [(w / 2, w) for w in sleeps]


def test_backoff_after_a_status_without_retry_after_is_capped_too(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
    ceiling_draws: list[tuple[float, float]],
) -> None:
    client = make_client(max_retries=6)
    route = api.get(USERS + "5/").mock(return_value=status(502))

    with pytest.raises(ServerError):
        run(client.resources.users.get(5))

    assert route.call_count == 7
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_backoff_with_real_jitter_stays_within_its_bounds(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter, sleeps: list[float]
) -> None:
    client = make_client(max_retries=10)
    api.get(RAW).mock(side_effect=httpx.ConnectError("refused"))

    with pytest.raises(APIConnectionError):
        run(client.http_get("raw"))

    for attempt, wait in enumerate(sleeps):
        ceiling = min(8.0, 0.5 * 2**attempt)
        assert ceiling / 2 <= wait <= ceiling, (attempt, wait)


@pytest.mark.parametrize("retries", [0, 1, 10])
def test_max_retries_is_the_number_of_retries(
    retries: int,
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    sleeps: list[float],
) -> None:
    client = make_client(max_retries=retries)
    route = api.get(RAW).mock(return_value=status(503))

    response = run(client.http_get("raw"))

    assert response.status_code == 503  # raw requests hand back the last response
    assert route.call_count == retries + 1
    assert len(sleeps) == retries


@pytest.mark.parametrize("method", ["OPTIONS", "HEAD", "options"])
def test_other_idempotent_methods_are_retried(method: str) -> None:
    policy = RetryPolicy()
    request = httpx.Request(method.upper(), RAW)

    assert policy.after_response(method, httpx.Response(503, request=request), 0) is not None
    assert policy.after_error(method, httpx.ReadTimeout("slow"), 1) is not None
    assert policy.after_error(method, httpx.ReadTimeout("slow"), 2) is None


def test_policy_defaults() -> None:
    policy = RetryPolicy()

    assert (policy.max_retries, policy.backoff_base, policy.backoff_max) == (2, 0.5, 8.0)
    assert policy.retry_after_max == 60.0
