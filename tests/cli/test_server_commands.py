"""whoami, version, health, config, stats, settings, and how a run is configured."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import respx

from keystone_client.testing import FakeKeystone

from .conftest import Keystone, sent


def logins(server: FakeKeystone) -> list[object]:
    return [r.body for r in server.requests if r.path == "/authentication/login/"]


def test_whoami_logs_in_and_prints_the_user(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("whoami", "-o", "json", "--fields", "id,username,is_staff")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"id": 1, "username": "alice", "is_staff": True}
    assert logins(server) == [{"username": "alice", "password": server.password}]


def test_whoami_with_a_token(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone(
        "--token",
        server.token,
        "whoami",
        "--fields",
        "username",
        KEYSTONE_USERNAME=None,
        KEYSTONE_PASSWORD=None,
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"username": "alice"}
    assert logins(server) == []


def test_no_session_is_kept_between_runs(keystone: Keystone, server: FakeKeystone) -> None:
    keystone("whoami")
    keystone("whoami")
    assert len(logins(server)) == 2


def test_flags_win_over_the_environment(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone(
        "--username",
        "ben",
        "--password-stdin",
        "whoami",
        "--fields",
        "username",
        input="ben-password\n",
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"username": "ben"}
    assert logins(server) == [{"username": "ben", "password": "ben-password"}]


def test_password_stdin_that_is_empty(keystone: Keystone) -> None:
    result = keystone("--password-stdin", "whoami", input="", KEYSTONE_PASSWORD=None)
    assert result.exit_code == 2
    assert result.stderr == (
        "keystone: error: --password-stdin: stdin holds no password"
        " (see 'keystone whoami --help')\n"
    )


@pytest.mark.parametrize(
    ("line", "password"),
    [
        ("pass word \n", "pass word "),
        ("windows\r\n", "windows"),
        ("last", "last"),
        ("endsinX\n", "endsinX"),
    ],
)
def test_password_stdin_keeps_all_but_the_line_end(
    keystone: Keystone, server: FakeKeystone, line: str, password: str
) -> None:
    keystone("--username", "ben", "--password-stdin", "whoami", input=line)
    assert logins(server) == [{"username": "ben", "password": password}]


def test_a_username_without_password_off_a_terminal_is_a_configuration_error(
    keystone: Keystone,
) -> None:
    result = keystone("whoami", KEYSTONE_PASSWORD=None)
    assert result.exit_code == 2
    assert result.stderr.startswith("keystone: error: ")
    assert "password" in result.stderr.lower()


def test_a_password_is_never_a_flag(keystone: Keystone) -> None:
    result = keystone("--password", "x", "whoami")
    assert result.exit_code == 2
    assert "No such option '--password'" in result.stderr


def test_password_prompt_on_a_terminal(
    keystone: Keystone, server: FakeKeystone, monkeypatch: pytest.MonkeyPatch
) -> None:
    from keystone_client.cli import connection

    asked: list[tuple[str, bool, bool]] = []

    def prompt(text: str, hide_input: bool = False, err: bool = False) -> str:
        asked.append((text, hide_input, err))
        return server.password

    monkeypatch.setattr("click.prompt", prompt)
    monkeypatch.setattr(connection, "_stdin_is_terminal", lambda: True)
    result = keystone("whoami", "--fields", "username", KEYSTONE_PASSWORD=None)
    assert result.exit_code == 0, result.stderr
    assert asked == [("Password for alice", True, True)]  # hidden, and on stderr
    assert logins(server) == [{"username": "alice", "password": server.password}]


def test_env_file(keystone: Keystone, server: FakeKeystone, tmp_path: Path) -> None:
    env = tmp_path / "other.env"
    env.write_text(
        f"KEYSTONE_URL={server.url}\nKEYSTONE_USERNAME=carla\nKEYSTONE_PASSWORD=carla-password\n"
    )
    result = keystone(
        "--env-file",
        str(env),
        "whoami",
        "--fields",
        "username",
        KEYSTONE_URL=None,
        KEYSTONE_USERNAME=None,
        KEYSTONE_PASSWORD=None,
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"username": "carla"}


def test_dot_env_of_the_working_directory(
    keystone: Keystone, server: FakeKeystone, tmp_path: Path
) -> None:
    (tmp_path / ".env").write_text(
        f"KEYSTONE_URL={server.url}\nKEYSTONE_USERNAME=dan\nKEYSTONE_PASSWORD=dan-password\n"
    )
    result = keystone(
        "whoami",
        "--fields",
        "username",
        KEYSTONE_URL=None,
        KEYSTONE_USERNAME=None,
        KEYSTONE_PASSWORD=None,
    )
    assert json.loads(result.stdout) == {"username": "dan"}


def test_settings_masks_secrets_and_sends_nothing(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("--token", "secret-token-value", "settings", "-o", "json")
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["url"] == server.url + "/"
    assert shown["username"] == "alice"
    assert shown["password"] == "********" and shown["token"] == "********"
    assert "secret-token-value" not in result.stdout and server.password not in result.stdout
    assert server.requests == []


def test_version(keystone: Keystone) -> None:
    result = keystone("version")
    assert result.stdout == "1.4.2\n"


def test_health(keystone: Keystone) -> None:
    result = keystone("health", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert isinstance(json.loads(result.stdout), dict)


def test_config(keystone: Keystone) -> None:
    result = keystone("config", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["max_upload_size"] == 2621440


def test_client_version_flag(keystone: Keystone) -> None:
    from keystone_client import __version__

    assert keystone("--version").stdout == f"keystone {__version__}\n"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("requests", "request_count"),
        ("grants", "grant_count"),
        ("publications", "publications_count"),
        ("notifications", "total"),
    ],
)
def test_stats(keystone: Keystone, server: FakeKeystone, name: str, key: str) -> None:
    result = keystone("stats", name, "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert key in json.loads(result.stdout)
    assert sent(server)[-1][1].startswith(f"/stats/{name}/")


def test_stats_with_filters(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("stats", "requests", "--filter", "status=PD", "-o", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["request_count"] == 1
    assert sent(server) == [("GET", "/stats/requests/?status=PD")]


def test_stats_filter_is_checked(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("stats", "grants", "--filter", "colour=red")
    assert result.exit_code == 2
    assert "Unknown filter field 'colour' for grants" in result.stderr
    assert sent(server) == []


def test_debug_logs_requests_on_stderr(keystone: Keystone) -> None:
    import logging

    logger = logging.getLogger("keystone_client")
    before = list(logger.handlers), logger.level
    try:
        result = keystone("--debug", "teams", "count")
    finally:
        logger.handlers[:], _ = before
        logger.setLevel(before[1])
    assert result.exit_code == 0
    assert result.stdout.strip().isdigit()
    assert "GET" in result.stderr and "users/teams/" in result.stderr


def test_the_default_client_uses_the_flags_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from keystone_client.cli.connection import Connection, default_factory

    monkeypatch.setenv("KEYSTONE_URL", "http://env.test/")
    monkeypatch.setenv("KEYSTONE_TOKEN", "env-token")
    client = default_factory(Connection(url="http://flag.test/", env_file=os.devnull))
    try:
        with respx.mock(assert_all_called=True) as mock:
            route = mock.get("http://flag.test/users/teams/").respond(json=[])
            client.http_get("users/teams/")
        assert route.calls.last.request.headers["Authorization"] == "Token env-token"
    finally:
        client.close()


def test_the_default_client_of_the_demo_is_the_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    from keystone_client.cli.connection import Connection, default_factory

    monkeypatch.setenv("KEYSTONE_URL", "http://env.test/")
    client = default_factory(Connection(demo=True))
    try:
        assert client.resources.teams.count() > 0  # the demo data, not a server at env.test
    finally:
        client.close()
