"""Settings boundaries and the exact messages of configuration errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from keystone_client import ConfigurationError, KeystoneSettings

from . import factories as f
from .conftest import BASE, Runner

USERS = BASE + "users/users/"


@pytest.fixture(autouse=True)
def _no_dotenv(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)


def message(factory: Callable[[], Any]) -> str:
    with pytest.raises(ConfigurationError) as caught:
        factory()
    assert caught.value.__cause__ is None
    return str(caught.value)


def limit_sent(client: Any, run: Runner, api: respx.MockRouter) -> str:
    route = api.get(USERS).mock(return_value=httpx.Response(200, json=f.page([])))
    run.all(client.resources.users.all())
    return str(route.calls.last.request.url.params["_limit"])


# -- page size -----------------------------------------------------------------------------------


def test_default_page_size_is_200(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    client = make_client()

    assert client.page_size == 200
    assert KeystoneSettings().page_size == 200
    assert limit_sent(client, run, api) == "200"


@pytest.mark.parametrize("size", [1, 1000])
def test_page_size_limits_are_accepted_and_sent(
    size: int, make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    client = make_client(page_size=size)

    assert client.page_size == size
    assert limit_sent(client, run, api) == str(size)


def test_page_size_1001_is_refused(make_client: Callable[..., Any]) -> None:
    assert message(lambda: make_client(page_size=1001)) == (
        "Invalid configuration: page_size= argument (or KEYSTONE_PAGE_SIZE): "
        "Input should be less than or equal to 1000"
    )


def test_page_size_1001_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., Any]
) -> None:
    monkeypatch.setenv("KEYSTONE_PAGE_SIZE", "1001")

    assert message(make_client) == (
        "Invalid configuration: KEYSTONE_PAGE_SIZE: Input should be less than or equal to 1000"
    )
    monkeypatch.setenv("KEYSTONE_PAGE_SIZE", "1000")
    assert make_client().page_size == 1000


def test_page_size_0_is_refused(make_client: Callable[..., Any]) -> None:
    assert message(lambda: make_client(page_size=0)).endswith(
        "page_size= argument (or KEYSTONE_PAGE_SIZE): Input should be greater than or equal to 1"
    )


# -- retries -------------------------------------------------------------------------------------


@pytest.mark.parametrize("retries", [0, 10])
def test_max_retries_limits_are_accepted(retries: int, make_client: Callable[..., Any]) -> None:
    make_client(max_retries=retries)

    assert KeystoneSettings(max_retries=retries).max_retries == retries


def test_default_max_retries_and_timeout(make_client: Callable[..., Any]) -> None:
    settings = KeystoneSettings()

    assert settings.max_retries == 2
    assert settings.timeout == 15.0
    assert settings.verify_ssl is True
    assert make_client().timeout == 15.0


def test_max_retries_11_is_refused(make_client: Callable[..., Any]) -> None:
    assert message(lambda: make_client(max_retries=11)) == (
        "Invalid configuration: max_retries= argument (or KEYSTONE_MAX_RETRIES): "
        "Input should be less than or equal to 10"
    )


def test_max_retries_11_from_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_MAX_RETRIES", "11")

    assert message(KeystoneSettings) == (
        "Invalid configuration: KEYSTONE_MAX_RETRIES: Input should be less than or equal to 10"
    )


# -- an explicit argument together with settings= ------------------------------------------------


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            {"timeout": -3},
            "Invalid configuration: timeout= argument (or KEYSTONE_TIMEOUT): "
            "Input should be greater than 0",
        ),
        (
            {"max_retries": 11},
            "Invalid configuration: max_retries= argument (or KEYSTONE_MAX_RETRIES): "
            "Input should be less than or equal to 10",
        ),
        (
            {"url": "ftp://keystone.test"},
            "Invalid configuration: url= argument (or KEYSTONE_URL): Value error, must be an "
            "absolute http:// or https:// URL, like http://localhost:8000",
        ),
        (
            {"page_size": 0, "max_retries": -1},
            "Invalid configuration: max_retries= argument (or KEYSTONE_MAX_RETRIES): Input "
            "should be greater than or equal to 0; page_size= argument (or KEYSTONE_PAGE_SIZE): "
            "Input should be greater than or equal to 1",
        ),
    ],
)
def test_invalid_argument_with_a_settings_object_is_a_configuration_error(
    arguments: dict[str, Any], expected: str, make_client: Callable[..., Any]
) -> None:
    settings = KeystoneSettings(url="http://obj.keystone.test")

    arguments = {"url": None, **arguments}

    assert message(lambda: make_client(settings=settings, **arguments)) == expected


def test_settings_object_values_are_kept_when_arguments_are_valid(
    make_client: Callable[..., Any],
) -> None:
    settings = KeystoneSettings(url="http://obj.keystone.test", page_size=1000, timeout=3)

    client = make_client(url=None, settings=settings, max_retries=10)

    assert (client.base_url, client.page_size, client.timeout) == (
        "http://obj.keystone.test/",
        1000,
        3.0,
    )


def test_settings_object_without_url_and_no_url_argument(
    make_client: Callable[..., Any],
) -> None:
    settings = KeystoneSettings(page_size=5)

    assert message(lambda: make_client(url=None, settings=settings)) == (
        "No Keystone URL configured: pass url=... or set KEYSTONE_URL "
        "(in the environment or a .env file)."
    )


# -- URL messages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://keystone.test/?page=2", "must not contain a query string or fragment"),
        ("http://keystone.test/#top", "must not contain a query string or fragment"),
        (
            "http://ada:secret@keystone.test/",
            "must not contain a user name or password; use KEYSTONE_USERNAME and "
            "KEYSTONE_PASSWORD (or KEYSTONE_TOKEN)",
        ),
        (
            "keystone.test",
            "must be an absolute http:// or https:// URL, like http://localhost:8000",
        ),
        ("http://", "must be an absolute http:// or https:// URL, like http://localhost:8000"),
        (
            "ftp://keystone.test/",
            "must be an absolute http:// or https:// URL, like http://localhost:8000",
        ),
    ],
)
def test_bad_url_argument_says_why(url: str, reason: str, make_client: Callable[..., Any]) -> None:
    assert message(lambda: make_client(url=url)) == (
        f"Invalid configuration: url= argument (or KEYSTONE_URL): Value error, {reason}"
    )


def test_unparsable_url_says_it_is_not_a_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_URL", "http://[::1")

    text = message(KeystoneSettings)

    assert text.startswith("Invalid configuration: KEYSTONE_URL: Value error, not a valid URL (")
