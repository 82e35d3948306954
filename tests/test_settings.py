"""Configuration: arguments, ``KEYSTONE_*`` variables, ``.env``, defaults, and secrets."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import SecretStr

from keystone_client import (
    AsyncKeystoneClient,
    ConfigurationError,
    KeystoneClient,
    KeystoneSettings,
)

from .conftest import BASE, Runner
from .factories import user

# The one private import of this file: to see whether mutation testing mutated it.
from keystone_client import _settings as settings_module  # isort: skip

PASSWORD = "pw-Zebra-7731"
TOKEN = "tok-Quokka-4408"

ENV_URL = "http://env.keystone.test/"
DOTENV_URL = "http://dotenv.keystone.test/"


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No ``KEYSTONE_*`` variable and no ``.env`` leaks in from the machine running the tests."""
    for name in list(os.environ):
        if name.upper().startswith("KEYSTONE_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_dotenv(directory: Path, **values: Any) -> None:
    lines = [f"KEYSTONE_{name.upper()}={value}" for name, value in values.items()]
    (directory / ".env").write_text("\n".join(lines) + "\n", encoding="utf-8")


def config_error(factory: Callable[[], Any]) -> ConfigurationError:
    with pytest.raises(ConfigurationError) as info:
        factory()
    return info.value


# -- sources ---------------------------------------------------------------------------------


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_URL", "http://env.keystone.test")
    monkeypatch.setenv("KEYSTONE_USERNAME", "ada")
    monkeypatch.setenv("KEYSTONE_PASSWORD", PASSWORD)
    monkeypatch.setenv("KEYSTONE_TOKEN", TOKEN)
    monkeypatch.setenv("KEYSTONE_TIMEOUT", "7.5")
    monkeypatch.setenv("KEYSTONE_VERIFY_SSL", "false")
    monkeypatch.setenv("KEYSTONE_MAX_RETRIES", "5")
    monkeypatch.setenv("KEYSTONE_PAGE_SIZE", "50")

    settings = KeystoneSettings()

    assert settings.url == ENV_URL
    assert settings.username == "ada"
    assert isinstance(settings.password, SecretStr)
    assert settings.password.get_secret_value() == PASSWORD
    assert isinstance(settings.token, SecretStr)
    assert settings.token.get_secret_value() == TOKEN
    assert settings.timeout == 7.5
    assert settings.verify_ssl is False
    assert settings.max_retries == 5
    assert settings.page_size == 50


def test_settings_from_dotenv_file(tmp_path: Path) -> None:
    write_dotenv(
        tmp_path,
        url="http://dotenv.keystone.test/api",
        username="grace",
        password=PASSWORD,
        timeout=3,
        max_retries=0,
        page_size=25,
    )

    settings = KeystoneSettings()

    assert settings.url == "http://dotenv.keystone.test/api/"
    assert settings.username == "grace"
    assert settings.password is not None
    assert settings.password.get_secret_value() == PASSWORD
    assert settings.timeout == 3.0
    assert settings.max_retries == 0
    assert settings.page_size == 25


def test_defaults() -> None:
    settings = KeystoneSettings(url="http://keystone.test")

    assert settings.username is None
    assert settings.password is None
    assert settings.token is None
    assert settings.timeout == 15.0
    assert settings.verify_ssl is True
    assert settings.max_retries == 2
    assert 1 <= settings.page_size <= 1000


def test_precedence_argument_over_env_over_dotenv_over_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    write_dotenv(tmp_path, url=DOTENV_URL, timeout=1, page_size=10, username="from-dotenv")
    monkeypatch.setenv("KEYSTONE_URL", ENV_URL)
    monkeypatch.setenv("KEYSTONE_TIMEOUT", "2")

    settings = KeystoneSettings(timeout=3)

    assert settings.timeout == 3.0  # argument
    assert settings.url == ENV_URL  # environment beats .env
    assert settings.page_size == 10  # only in .env
    assert settings.username == "from-dotenv"
    assert settings.max_retries == 2  # default


def test_client_precedence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_client: Callable[..., Any]
) -> None:
    write_dotenv(tmp_path, url=DOTENV_URL, timeout=1, page_size=10, max_retries=4)
    monkeypatch.setenv("KEYSTONE_URL", ENV_URL)
    monkeypatch.setenv("KEYSTONE_TIMEOUT", "2")
    monkeypatch.setenv("KEYSTONE_PAGE_SIZE", "20")

    client = make_client(url=None, page_size=30)

    assert client.base_url == ENV_URL
    assert client.timeout == 2.0
    assert client.page_size == 30
    assert client._retry.max_retries == 4


def test_client_without_arguments_is_configured_from_env(
    monkeypatch: pytest.MonkeyPatch, run: Runner, respx_mock: respx.MockRouter
) -> None:
    monkeypatch.setenv("KEYSTONE_URL", "http://env.keystone.test/api")
    monkeypatch.setenv("KEYSTONE_USERNAME", "ada")
    monkeypatch.setenv("KEYSTONE_PASSWORD", PASSWORD)
    monkeypatch.setenv("KEYSTONE_TIMEOUT", "4")
    login = respx_mock.post("http://env.keystone.test/api/authentication/login/").mock(
        return_value=httpx.Response(200, json=user(1))
    )
    users = respx_mock.get("http://env.keystone.test/api/users/users/1/").mock(
        return_value=httpx.Response(200, json=user(1))
    )

    client = AsyncKeystoneClient() if run.is_async else KeystoneClient()
    try:
        found = run(client.resources.users.get(1))
    finally:
        run(client.close())

    assert client.base_url == "http://env.keystone.test/api/"
    assert found.id == 1
    assert login.call_count == 1
    assert json.loads(login.calls.last.request.content) == {
        "username": "ada",
        "password": PASSWORD,
    }
    timeout = users.calls.last.request.extensions["timeout"]
    assert timeout == {"connect": 4.0, "read": 4.0, "write": 4.0, "pool": 4.0}


def test_client_from_dotenv_only(tmp_path: Path, make_client: Callable[..., Any]) -> None:
    write_dotenv(tmp_path, url=DOTENV_URL)

    client = make_client(url=None)

    assert client.base_url == DOTENV_URL


# -- settings= object ----------------------------------------------------------------------


def test_settings_object_with_overriding_argument(
    monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., Any]
) -> None:
    settings = KeystoneSettings(url="http://obj.keystone.test", timeout=5, page_size=40)
    # The environment must not override what the settings object says.
    monkeypatch.setenv("KEYSTONE_TIMEOUT", "99")

    client = make_client(url=None, settings=settings, page_size=7)

    assert client.base_url == "http://obj.keystone.test/"
    assert client.timeout == 5.0
    assert client.page_size == 7
    assert settings.page_size == 40  # the object given is not changed


def test_settings_object_url_overridden_by_argument(make_client: Callable[..., Any]) -> None:
    settings = KeystoneSettings(url="http://obj.keystone.test", username="ada", password=PASSWORD)

    client = make_client(url="http://arg.keystone.test/x", settings=settings)

    assert client.base_url == "http://arg.keystone.test/x/"
    assert client._settings.username == "ada"
    assert client._settings.password.get_secret_value() == PASSWORD


def test_settings_object_bad_override_is_configuration_error(
    make_client: Callable[..., Any],
) -> None:
    settings = KeystoneSettings(url="http://obj.keystone.test")

    error = config_error(lambda: make_client(url=None, settings=settings, timeout=-3))

    assert "timeout" in str(error)


# -- URL normalization -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://keystone.test", "http://keystone.test/"),
        ("http://keystone.test/", "http://keystone.test/"),
        ("http://keystone.test///", "http://keystone.test/"),
        ("http://keystone.test/api", "http://keystone.test/api/"),
        ("http://keystone.test/api/", "http://keystone.test/api/"),
        ("http://keystone.test/api//", "http://keystone.test/api/"),
        ("https://keystone.test:8443/a/b", "https://keystone.test:8443/a/b/"),
        ("  http://localhost:8000  ", "http://localhost:8000/"),
    ],
)
def test_base_url_normalized(given: str, expected: str, make_client: Callable[..., Any]) -> None:
    assert make_client(url=given).base_url == expected


def test_requests_keep_the_path_prefix(
    run: Runner, make_client: Callable[..., Any], respx_mock: respx.MockRouter
) -> None:
    route = respx_mock.get("http://keystone.test/api/v1/version/").mock(
        return_value=httpx.Response(200, text="1.2.3", headers={"content-type": "text/plain"})
    )
    client = make_client(url="http://keystone.test/api/v1//")

    assert run(client.version()) == "1.2.3"
    assert route.call_count == 1


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [KeystoneClient, AsyncKeystoneClient])
def test_missing_url_names_keystone_url(cls: type[Any]) -> None:
    error = config_error(cls)

    assert "KEYSTONE_URL" in str(error)


def test_missing_url_with_other_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_USERNAME", "ada")

    error = config_error(lambda: KeystoneClient(timeout=3))

    assert "KEYSTONE_URL" in str(error)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("URL", "not a url"),
        ("URL", "ftp://keystone.test/"),
        ("URL", "keystone.test"),
        ("URL", "http://keystone.test/?q=1"),
        ("TIMEOUT", "-1"),
        ("TIMEOUT", "0"),
        ("TIMEOUT", "soon"),
        ("TIMEOUT", "inf"),
        ("TIMEOUT", "nan"),
        ("PAGE_SIZE", "0"),
        ("PAGE_SIZE", "5000"),
        ("MAX_RETRIES", "two"),
        ("MAX_RETRIES", "1.5"),
        ("MAX_RETRIES", "-1"),
        ("VERIFY_SSL", "perhaps"),
    ],
)
def test_bad_environment_value_names_the_variable(
    variable: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if variable != "URL":
        monkeypatch.setenv("KEYSTONE_URL", BASE)
    monkeypatch.setenv(f"KEYSTONE_{variable}", value)

    error = config_error(KeystoneClient)

    assert f"KEYSTONE_{variable}" in str(error)
    assert error.__cause__ is None


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("url", "not a url"),
        ("timeout", -1),
        ("timeout", float("inf")),
        ("page_size", 0),
        ("page_size", 5000),
        ("max_retries", 1.5),
        ("max_retries", "two"),
    ],
)
def test_bad_argument_names_it(argument: str, value: Any, make_client: Callable[..., Any]) -> None:
    error = config_error(lambda: make_client(**{argument: value}))

    message = str(error)
    assert f"KEYSTONE_{argument.upper()}" in message
    assert argument in message


@pytest.mark.parametrize("variable", ["TIMEOUT", "PAGE_SIZE"])
def test_keystone_settings_bad_value_is_configuration_error(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"KEYSTONE_{variable}", "-5")

    error = config_error(KeystoneSettings)

    assert f"KEYSTONE_{variable}" in str(error)


def test_bad_dotenv_value_names_the_variable(tmp_path: Path) -> None:
    write_dotenv(tmp_path, url=BASE, page_size=5000)

    error = config_error(KeystoneClient)

    assert "KEYSTONE_PAGE_SIZE" in str(error)


def test_several_bad_values_are_all_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_URL", BASE)
    monkeypatch.setenv("KEYSTONE_TIMEOUT", "-1")
    monkeypatch.setenv("KEYSTONE_PAGE_SIZE", "0")

    message = str(config_error(KeystoneClient))

    assert "KEYSTONE_TIMEOUT" in message
    assert "KEYSTONE_PAGE_SIZE" in message


# -- secrets ---------------------------------------------------------------------------------


def test_secrets_are_secret_str() -> None:
    settings = KeystoneSettings(url=BASE, password=PASSWORD, token=TOKEN)

    assert isinstance(settings.password, SecretStr)
    assert isinstance(settings.token, SecretStr)
    for text in (str(settings), repr(settings), str(settings.model_dump())):
        assert PASSWORD not in text
        assert TOKEN not in text


def test_secrets_not_in_client_repr(make_client: Callable[..., Any]) -> None:
    for kwargs in ({"username": "ada", "password": PASSWORD}, {"token": TOKEN}):
        client = make_client(**kwargs)
        text = repr(client) + str(client) + repr(client._settings) + str(client._settings)
        assert PASSWORD not in text
        assert TOKEN not in text
        assert BASE in repr(client)


@pytest.mark.parametrize(
    ("variable", "bad"),
    [("TIMEOUT", "-1"), ("URL", "no-scheme"), ("PAGE_SIZE", PASSWORD), ("MAX_RETRIES", TOKEN)],
)
def test_secrets_not_in_configuration_errors(
    variable: str,
    bad: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("KEYSTONE_URL", BASE)
    monkeypatch.setenv("KEYSTONE_USERNAME", "ada")
    monkeypatch.setenv("KEYSTONE_PASSWORD", PASSWORD)
    monkeypatch.setenv("KEYSTONE_TOKEN", TOKEN)
    monkeypatch.setenv(f"KEYSTONE_{variable}", bad)

    for factory in (KeystoneClient, KeystoneSettings):
        error = config_error(factory)
        text = "".join(traceback.format_exception(error))
        assert f"KEYSTONE_{variable}" in text
        assert PASSWORD not in text
        assert TOKEN not in text
    for record in caplog.records:
        assert PASSWORD not in record.getMessage()
        assert TOKEN not in record.getMessage()


def test_secret_arguments_not_in_configuration_errors() -> None:
    error = config_error(
        lambda: KeystoneClient(url=BASE, password=PASSWORD, token=TOKEN, timeout=-2)
    )

    text = "".join(traceback.format_exception(error))
    assert "timeout" in text
    assert PASSWORD not in text
    assert TOKEN not in text


def test_credentials_in_the_url_are_refused_without_repeating_them() -> None:
    from keystone_client import ConfigurationError, KeystoneClient

    with pytest.raises(ConfigurationError, match=r"KEYSTONE_URL.*user name or password") as info:
        KeystoneClient(url="http://alice:s3cret@keystone.test")
    assert "s3cret" not in str(info.value)


# -- credentials -----------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [KeystoneClient, AsyncKeystoneClient])
@pytest.mark.parametrize(
    ("given", "missing"),
    [
        ({"username": "ada"}, "KEYSTONE_PASSWORD"),
        ({"password": PASSWORD}, "KEYSTONE_USERNAME"),
        ({"username": "", "password": PASSWORD}, "KEYSTONE_USERNAME"),
    ],
)
def test_half_a_login_is_refused_naming_what_is_missing(
    cls: type[Any], given: dict[str, str], missing: str
) -> None:
    error = config_error(lambda: cls(url=BASE, **given))

    assert missing in str(error)
    assert PASSWORD not in str(error)


@pytest.mark.parametrize(
    ("variable", "missing"),
    [("USERNAME", "KEYSTONE_PASSWORD"), ("PASSWORD", "KEYSTONE_USERNAME")],
)
def test_half_a_login_from_the_environment_or_dotenv_is_refused(
    variable: str, missing: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(f"KEYSTONE_{variable}", "value-1")

    assert missing in str(config_error(lambda: KeystoneClient(url=BASE)))

    monkeypatch.delenv(f"KEYSTONE_{variable}")
    write_dotenv(tmp_path, **{variable.lower(): "value-2"})

    assert missing in str(config_error(lambda: KeystoneClient(url=BASE)))


def test_a_password_from_the_environment_completes_a_username_argument(
    monkeypatch: pytest.MonkeyPatch, make_client: Callable[..., Any]
) -> None:
    monkeypatch.setenv("KEYSTONE_PASSWORD", PASSWORD)

    client = make_client(username="ada")

    assert client._settings.username == "ada"
    assert client._settings.password.get_secret_value() == PASSWORD


@pytest.mark.parametrize("stray", [{"username": "ada"}, {"password": PASSWORD}])
def test_with_a_token_stray_login_settings_are_fine_and_the_token_wins(
    stray: dict[str, str], run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    route = api.get(BASE + "users/users/1/").mock(return_value=httpx.Response(200, json=user(1)))

    client = make_client(token=TOKEN, **stray)
    run(client.resources.users.get(1))

    assert route.calls.last.request.headers["Authorization"] == f"Token {TOKEN}"
    assert "auth=token" in repr(client)


def test_no_credentials_at_all_is_anonymous(make_client: Callable[..., Any]) -> None:
    assert "auth=anonymous" in repr(make_client())


# -- near misses of setting names --------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "meant"),
    [
        ("KEYSTONE_PASWORD", "KEYSTONE_PASSWORD"),
        ("KEYSTONE_USERNAEM", "KEYSTONE_USERNAME"),
        ("KEYSTONE_TOKN", "KEYSTONE_TOKEN"),
        ("KEYSTONE_PAGESIZE", "KEYSTONE_PAGE_SIZE"),
        ("KEYSTONE_MAXRETRIES", "KEYSTONE_MAX_RETRIES"),
        ("KEYSTONE_URI", "KEYSTONE_URL"),
        ("KEYSTONE_TIMOUT", "KEYSTONE_TIMEOUT"),
        ("KEYSTONE_RATELIMIT", "KEYSTONE_RATE_LIMIT"),
    ],
)
def test_a_near_miss_of_a_setting_name_warns_naming_the_setting(
    variable: str, meant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(variable, "some-value-8812")

    with pytest.warns(UserWarning) as warned:
        KeystoneClient(url=BASE).close()

    (warning,) = warned
    message = str(warning.message)
    assert variable in message
    assert f"did you mean {meant}?" in message
    assert "some-value-8812" not in message
    # It points at the caller's line, or, when mutation testing has mutated a module on the
    # way from the client to the warning, at the one frame of its own it puts between them.
    chain = (
        settings_module,
        sys.modules["keystone_client._base_client"],
        sys.modules["keystone_client._client"],
    )
    mutated = any("__mutmut_" in name for module in chain for name in vars(module))
    assert warning.filename.endswith("trampoline.py") if mutated else warning.filename == __file__


def test_a_near_miss_in_the_dotenv_file_warns(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("KEYSTONE_PASWORD=x\n", encoding="utf-8")

    with pytest.warns(UserWarning, match="KEYSTONE_PASWORD.*KEYSTONE_PASSWORD"):
        KeystoneClient(url=BASE).close()


@pytest.mark.parametrize(
    "variable",
    ["KEYSTONE_TEST_URL", "KEYSTONE_TEST_USERNAME", "KEYSTONE_TEST_PASSWORD", "KEYSTONE_HOME"],
)
def test_other_keystone_names_get_no_warning(
    variable: str, monkeypatch: pytest.MonkeyPatch, recwarn: pytest.WarningsRecorder
) -> None:
    monkeypatch.setenv(variable, "x")
    monkeypatch.setenv("KEYSTONE_PAGE_SIZE", "10")

    KeystoneClient(url=BASE).close()

    assert [str(w.message) for w in recwarn] == []


# -- env_file ----------------------------------------------------------------------------------


def test_env_file_none_reads_no_file(tmp_path: Path, make_client: Callable[..., Any]) -> None:
    write_dotenv(tmp_path, url=DOTENV_URL, username="ada", password=PASSWORD)

    client = make_client(url=BASE, env_file=None)

    assert client._settings.username is None
    assert client._settings.password is None
    assert "auth=anonymous" in repr(client)
    assert client._settings.env_file is None
    assert KeystoneSettings(env_file=None).url is None


def test_env_file_points_to_another_file(tmp_path: Path, make_client: Callable[..., Any]) -> None:
    write_dotenv(tmp_path, url=DOTENV_URL)
    other = tmp_path / "site" / "keystone.env"
    other.parent.mkdir()
    other.write_text("KEYSTONE_URL=http://other.keystone.test\nKEYSTONE_PAGE_SIZE=17\n")

    client = make_client(url=None, env_file=other)
    settings = KeystoneSettings(env_file=str(other))

    assert client.base_url == "http://other.keystone.test/"
    assert client.page_size == 17
    assert settings.url == "http://other.keystone.test/"


def test_env_file_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_client: Callable[..., Any]
) -> None:
    other = tmp_path / "other.env"
    other.write_text("KEYSTONE_URL=http://other.keystone.test\n")
    monkeypatch.setenv("KEYSTONE_ENV_FILE", str(other))

    assert make_client(url=None).base_url == "http://other.keystone.test/"


def test_env_file_keeps_the_precedence(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_client: Callable[..., Any]
) -> None:
    other = tmp_path / "other.env"
    other.write_text("KEYSTONE_URL=http://other.keystone.test\nKEYSTONE_TIMEOUT=3\n")
    monkeypatch.setenv("KEYSTONE_TIMEOUT", "4")

    client = make_client(url="http://arg.keystone.test", env_file=other)

    assert client.base_url == "http://arg.keystone.test/"  # argument > env_file
    assert client.timeout == 4.0  # environment > env_file


def test_a_missing_env_file_is_not_an_error(
    tmp_path: Path, make_client: Callable[..., Any]
) -> None:
    client = make_client(env_file=tmp_path / "absent.env")

    assert client.base_url == BASE


def test_env_file_with_only_url_does_not_log_in(
    tmp_path: Path, run: Runner, make_client: Callable[..., Any], api: respx.MockRouter
) -> None:
    write_dotenv(tmp_path, username="ada", password=PASSWORD)
    route = api.get(BASE + "users/users/1/").mock(return_value=httpx.Response(200, json=user(1)))

    run(make_client(url=BASE, env_file=None).resources.users.get(1))

    assert route.call_count == 1  # no login request before it (respx would refuse one)
