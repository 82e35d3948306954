"""Settings boundaries and the exact messages of configuration errors."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from keystone_client import (
    AsyncKeystoneClient,
    ConfigurationError,
    KeystoneClient,
    KeystoneSettings,
)

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


def test_default_page_size_is_500(
    make_client: Callable[..., Any], run: Runner, api: respx.MockRouter
) -> None:
    client = make_client()

    assert client.page_size == 500
    assert KeystoneSettings().page_size == 500
    assert limit_sent(client, run, api) == "500"


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


# -- near misses of setting names ----------------------------------------------------------------

# The private imports of this section: the typo finder, tested on names of its own.
from keystone_client._settings import _closest, _edit_distance  # noqa: E402  # isort: skip


@functools.cache
def _reference_distance(a: str, b: str) -> int:
    """Edit distance by its recursive definition: insert, delete, substitute, swap neighbours."""
    if not a or not b:
        return len(a) + len(b)
    best = min(
        _reference_distance(a[:-1], b) + 1,
        _reference_distance(a, b[:-1]) + 1,
        _reference_distance(a[:-1], b[:-1]) + (a[-1] != b[-1]),
    )
    if len(a) > 1 and len(b) > 1 and a[-1] == b[-2] and a[-2] == b[-1]:
        best = min(best, _reference_distance(a[:-2], b[:-2]) + 1)
    return best


def _words(alphabet: str, longest: int) -> list[str]:
    return [
        "".join(letters)
        for size in range(longest + 1)
        for letters in itertools.product(alphabet, repeat=size)
    ]


def test_edit_distance_matches_its_definition_on_every_short_pair() -> None:
    words = _words("abc", 4)
    for a in words:
        for b in words:
            assert _edit_distance(a, b) == _reference_distance(a, b), (a, b)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("", "", 0),
        ("url", "", 3),
        ("", "url", 3),
        ("timeout", "timeout", 0),
        ("timout", "timeout", 1),
        ("timeoutt", "timeout", 1),
        ("tineout", "timeout", 1),
        ("tiemout", "timeout", 1),
        ("kitten", "sitting", 3),
        ("ca", "abc", 3),
    ],
)
def test_edit_distance_examples(a: str, b: str, distance: int) -> None:
    assert _edit_distance(a, b) == distance


@pytest.mark.parametrize(
    ("name", "candidates", "meant"),
    [
        ("urk", {"url"}, "url"),  # one edit from a short name
        ("uzz", {"url"}, None),  # two edits from a short name are too many
        ("abxy", {"abcd"}, None),  # four letters is still short
        ("abxye", {"abcde"}, "abcde"),  # five letters allows two edits
        ("tmeouy", {"timeout"}, "timeout"),
        ("tmeoyy", {"timeout"}, None),  # three edits are too many
        ("timeoutx", {"timeout", "timeoxx"}, "timeout"),  # the nearest wins
        ("timeouxx", {"timeout", "timeoxxx"}, "timeoxxx"),
    ],
)
def test_closest_finds_a_typo_within_its_limit(
    name: str, candidates: set[str], meant: str | None
) -> None:
    assert _closest(name, candidates) == meant


def test_closest_with_two_equally_near_candidates_returns_one_of_them() -> None:
    assert _closest("abcz", {"abcx", "abcy"}) in {"abcx", "abcy"}


def test_a_known_setting_before_a_near_miss_does_not_hide_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEYSTONE_TIMEOUT", "5")  # sorts before the misspelt name
    monkeypatch.setenv("KEYSTONE_URLL", "x")

    with pytest.warns(UserWarning) as warned:
        KeystoneClient(url=BASE).close()

    assert [str(w.message) for w in warned] == [
        "KEYSTONE_URLL is not a Keystone setting and is ignored; did you mean KEYSTONE_URL?"
    ]


def test_a_near_miss_in_a_named_env_file_warns(tmp_path: Path) -> None:
    custom = tmp_path / "conf" / "keystone.env"
    custom.parent.mkdir()
    custom.write_text("KEYSTONE_TIMOUT=5\n", encoding="utf-8")

    with pytest.warns(UserWarning) as warned:
        KeystoneClient(url=BASE, env_file=str(custom)).close()

    assert [str(w.message) for w in warned] == [
        "KEYSTONE_TIMOUT is not a Keystone setting and is ignored; did you mean KEYSTONE_TIMEOUT?"
    ]


# -- credentials, base URL and settings objects -------------------------------------------------


@pytest.mark.parametrize("cls", [KeystoneClient, AsyncKeystoneClient])
@pytest.mark.parametrize(
    ("given", "text"),
    [
        (
            {"username": "ada"},
            "Incomplete credentials: a username is configured but KEYSTONE_PASSWORD is not set "
            "(pass password=..., set KEYSTONE_PASSWORD, or use KEYSTONE_TOKEN).",
        ),
        (
            {"password": "pw-1"},
            "Incomplete credentials: a password is configured but KEYSTONE_USERNAME is not set "
            "(pass username=..., set KEYSTONE_USERNAME, or use KEYSTONE_TOKEN).",
        ),
    ],
)
def test_half_a_login_names_what_is_missing_and_how_to_give_it(
    cls: type[Any], given: dict[str, str], text: str
) -> None:
    assert message(lambda: cls(url=BASE, **given)) == text


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://keystone.test/X", "http://keystone.test/X/"),
        ("http://keystone.test/apiX//", "http://keystone.test/apiX/"),
    ],
)
def test_a_path_prefix_keeps_its_last_letter_and_gets_one_slash(url: str, base: str) -> None:
    with KeystoneClient(url=url) as client:
        assert client.base_url == base


def test_a_settings_object_keeps_its_own_env_file(tmp_path: Path) -> None:
    settings = KeystoneSettings(url=BASE, env_file=None)

    with KeystoneClient(settings=settings, env_file=str(tmp_path / "other.env")) as client:
        assert client._settings.env_file is None


@pytest.mark.parametrize("text", ["{not json", "[1, 2"])
def test_a_variable_that_is_not_json_is_named(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_HEADERS", text)

    expected = "Invalid configuration: KEYSTONE_HEADERS: not valid JSON"
    assert message(lambda: KeystoneClient(url=BASE)) == expected
    assert message(lambda: KeystoneSettings(url=BASE)) == expected


@pytest.mark.parametrize("cls", [KeystoneClient, AsyncKeystoneClient])
@pytest.mark.parametrize("argument", ["ca_bundle", "verify_ssl"])
def test_a_ca_file_that_is_no_certificate_is_named_with_its_variable(
    cls: type[Any], argument: str, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n", encoding="utf-8")

    text = message(lambda: cls(url=BASE, **{argument: str(junk)}))

    assert text.startswith(
        f"Invalid configuration: KEYSTONE_{argument.upper()}: cannot load CA file {str(junk)!r} ("
    )


def test_a_yielding_source_answers_a_field_as_the_source_it_wraps(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pydantic_settings import EnvSettingsSource, InitSettingsSource

    from keystone_client._settings import KeystoneSettings, _Yielding

    monkeypatch.setenv("KEYSTONE_TIMEOUT", "7")
    env = EnvSettingsSource(KeystoneSettings, env_prefix="KEYSTONE_")
    init = InitSettingsSource(KeystoneSettings, init_kwargs={"url": "http://x/"})
    source = _Yielding(env, init)
    field = KeystoneSettings.model_fields["timeout"]
    assert source.get_field_value(field, "timeout") == env.get_field_value(field, "timeout")
    assert source.get_field_value(field, "timeout")[0] == "7"
    assert source() == {"timeout": "7"}
