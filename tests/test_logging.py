"""Logging on the ``keystone_client`` logger, and secrets kept out of every record."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import respx

from keystone_client import APIConnectionError, AuthenticationError, KeystoneError, ServerError

from .conftest import BASE, Runner
from .factories import login_error, session_cookies, user

PASSWORD = "pw-Narwhal-9906"
TOKEN = "tk-Pangolin-5521"
LOGIN = BASE + "authentication/login/"
USER_5 = BASE + "users/users/5/"


def ours(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("keystone_client")]


@pytest.fixture
def debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG, logger="keystone_client")
    return caplog


def test_one_debug_record_per_request_and_response(
    client: Any, run: Runner, api: respx.MockRouter, debug: pytest.LogCaptureFixture
) -> None:
    api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))

    run(client.resources.users.get(5))

    records = ours(debug)
    assert [r.levelno for r in records] == [logging.DEBUG, logging.DEBUG]
    sent, received = records
    for record in records:
        message = record.getMessage()
        assert "GET" in message
        assert USER_5 in message
        assert client.cid in message
        assert record.__dict__["method"] == "GET"
        assert record.__dict__["url"] == USER_5
        assert record.__dict__["cid"] == client.cid
    assert "200" in received.getMessage()
    assert "ms" in received.getMessage()
    assert received.__dict__["status_code"] == 200
    elapsed = received.__dict__["elapsed_ms"]
    assert isinstance(elapsed, float)
    assert elapsed >= 0
    assert "status_code" not in sent.__dict__


def test_error_response_logged_with_status(
    client: Any, run: Runner, api: respx.MockRouter, debug: pytest.LogCaptureFixture
) -> None:
    api.post(BASE + "raw/").mock(return_value=httpx.Response(404, json={}))

    run(client.http_post("raw"))

    received = ours(debug)[-1]
    assert received.__dict__["status_code"] == 404
    assert received.__dict__["method"] == "POST"
    assert "404" in received.getMessage()


def test_nothing_logged_above_debug_for_a_plain_request(
    client: Any, run: Runner, api: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="keystone_client")
    api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))

    run(client.resources.users.get(5))

    assert ours(caplog) == []


def test_retry_logged_at_info(
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    debug: pytest.LogCaptureFixture,
    sleeps: list[float],
) -> None:
    api.get(USER_5).mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(503, json={}),
            httpx.Response(200, json=user(5)),
        ]
    )

    run(client.resources.users.get(5))

    retries = [r for r in ours(debug) if r.levelno == logging.INFO]
    assert len(retries) == 2
    first, second = retries
    assert first.__dict__["attempt"] == 1
    assert second.__dict__["attempt"] == 2
    assert "ConnectError" in first.__dict__["reason"]
    assert "503" in second.__dict__["reason"]
    assert [r.__dict__["wait"] for r in retries] == sleeps
    for record, wait in zip(retries, sleeps, strict=True):
        message = record.getMessage()
        assert "GET" in message
        assert USER_5 in message
        assert f"{wait:.2f}" in message
        assert record.__dict__["cid"] == client.cid
    assert "retry 1 of 2" in first.getMessage()
    assert "ConnectError" in first.getMessage()
    assert "retry 2 of 2" in second.getMessage()
    assert "503" in second.getMessage()


def test_retry_after_wait_logged(
    client: Any,
    run: Runner,
    api: respx.MockRouter,
    debug: pytest.LogCaptureFixture,
) -> None:
    api.get(USER_5).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "3"}),
            httpx.Response(200, json=user(5)),
        ]
    )

    run(client.resources.users.get(5))

    (retry,) = [r for r in ours(debug) if r.levelno == logging.INFO]
    assert retry.__dict__["wait"] == 3.0
    assert "429" in retry.__dict__["reason"]
    assert "3.00s" in retry.getMessage()


def test_relogin_logged_at_info(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    debug: pytest.LogCaptureFixture,
) -> None:
    client = make_client(username="ada", password=PASSWORD)
    api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1)))
    api.get(USER_5).mock(
        side_effect=[httpx.Response(401, json={}), httpx.Response(200, json=user(5))]
    )

    run(client.resources.users.get(5))

    infos = [r.getMessage() for r in ours(debug) if r.levelno == logging.INFO]
    assert len(infos) == 1
    assert "logging in again" in infos[0]


# -- secrets ---------------------------------------------------------------------------------


def assert_no_secret(text: str) -> None:
    assert PASSWORD not in text
    assert TOKEN not in text


def check_records(caplog: pytest.LogCaptureFixture) -> None:
    assert caplog.records, "nothing was logged: the check would be empty"
    for record in caplog.records:
        assert_no_secret(record.getMessage())
        assert_no_secret(repr(record.__dict__))
        if record.exc_info:
            assert_no_secret("".join(traceback.format_exception(*record.exc_info)))


def check_error(error: BaseException) -> None:
    assert_no_secret(str(error))
    assert_no_secret(repr(error))
    assert_no_secret("".join(traceback.format_exception(error)))


@pytest.fixture
def everything(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Capture every logger (httpx too) at DEBUG."""
    caplog.set_level(logging.DEBUG)
    return caplog


def test_no_password_in_logs_during_login(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    everything: pytest.LogCaptureFixture,
) -> None:
    client = make_client(username="ada", password=PASSWORD)
    api.post(LOGIN).mock(return_value=httpx.Response(200, json=user(1), headers=session_cookies()))
    api.get(USER_5).mock(return_value=httpx.Response(200, json=user(5)))
    api.post(BASE + "authentication/logout/").mock(return_value=httpx.Response(200))

    run(client.login())
    run(client.login("grace", PASSWORD))
    run(client.resources.users.get(5))
    run(client.logout())

    check_records(everything)
    assert_no_secret(repr(client))


def test_no_token_in_logs(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    everything: pytest.LogCaptureFixture,
) -> None:
    client = make_client(token=TOKEN)
    route = api.get(USER_5).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json=user(5))]
    )
    api.post(BASE + "raw/").mock(return_value=httpx.Response(201, json={}))

    run(client.resources.users.get(5))
    run(client.http_post("raw", json={"x": 1}))

    assert route.calls.last.request.headers["Authorization"] == f"Token {TOKEN}"
    check_records(everything)


def test_no_password_in_failed_login(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    everything: pytest.LogCaptureFixture,
) -> None:
    client = make_client(username="ada", password=PASSWORD)
    api.post(LOGIN).mock(
        side_effect=[
            httpx.Response(400, json=login_error()),
            httpx.Response(500, text="Internal error"),
            httpx.ConnectError("refused"),
            httpx.ConnectError("refused"),
            httpx.ConnectError("refused"),
        ]
    )

    with pytest.raises(AuthenticationError) as bad_password:
        run(client.resources.users.get(5))
    with pytest.raises(ServerError) as server_error:
        run(client.login())
    with pytest.raises(APIConnectionError) as unreachable:
        run(client.login())

    for info in (bad_password, server_error, unreachable):
        check_error(info.value)
    check_records(everything)


def test_no_secret_in_failed_token_requests(
    make_client: Callable[..., Any],
    run: Runner,
    api: respx.MockRouter,
    everything: pytest.LogCaptureFixture,
) -> None:
    client = make_client(token=TOKEN, max_retries=1)
    api.get(USER_5).mock(
        side_effect=[
            httpx.Response(401, json={"detail": "Invalid token."}),
            httpx.ReadTimeout("timed out"),
            httpx.ReadTimeout("timed out"),
        ]
    )

    errors: list[KeystoneError] = []
    for _ in range(2):
        with pytest.raises(KeystoneError) as info:
            run(client.resources.users.get(5))
        errors.append(info.value)

    assert isinstance(errors[0], AuthenticationError)
    assert isinstance(errors[1], APIConnectionError)
    for error in errors:
        check_error(error)
    check_records(everything)
