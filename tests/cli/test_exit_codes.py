"""Documented exit codes and one-line error messages on stderr."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from click.testing import CliRunner

from keystone_client import KeystoneClient
from keystone_client.cli.app import cli
from keystone_client.cli.connection import AppState, Connection
from keystone_client.testing import FakeKeystone

from .conftest import Keystone, sent


def test_success_is_0(keystone: Keystone) -> None:
    assert keystone("teams", "count").exit_code == 0


def test_not_found_is_3(keystone: Keystone) -> None:
    result = keystone("grants", "get", "999")
    assert result.exit_code == 3
    assert result.stderr == "keystone: error: HTTP 404: No Grant matches the given query.\n"
    assert result.stdout == ""


def test_refused_login_is_4(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone("teams", "list", KEYSTONE_PASSWORD="wrong")
    assert result.exit_code == 4
    assert result.stderr.startswith("keystone: error: HTTP 4")
    assert len(result.stderr.splitlines()) == 1
    assert sent(server) == []


def test_refused_permission_is_4(keystone: Keystone, server: FakeKeystone) -> None:
    result = keystone(
        "audit-logs", "count", KEYSTONE_USERNAME="ben", KEYSTONE_PASSWORD="ben-password"
    )
    assert result.exit_code == 4
    assert result.stderr == (
        "keystone: error: HTTP 403: You do not have permission to perform this action.\n"
    )


def test_bad_token_is_4(keystone: Keystone) -> None:
    result = keystone(
        "--token", "not-a-token", "teams", "count", KEYSTONE_USERNAME="", KEYSTONE_PASSWORD=""
    )
    assert result.exit_code == 4
    assert "Invalid token." in result.stderr


def test_filter_error_is_2(keystone: Keystone) -> None:
    result = keystone("teams", "list", "--filter", "name__gt=A")
    assert result.exit_code == 2
    assert result.stderr.startswith("keystone: error: Lookup 'gt' is not available for teams field")


def test_missing_configuration_is_2(keystone: Keystone) -> None:
    result = keystone("teams", "count", KEYSTONE_URL=None)
    assert result.exit_code == 2
    assert "No Keystone URL configured" in result.stderr


def test_invalid_configuration_is_2(keystone: Keystone) -> None:
    result = keystone("--url", "ftp://example.org", "teams", "count")
    assert result.exit_code == 2
    assert "KEYSTONE_URL" in result.stderr and "http" in result.stderr


def test_usage_error_is_2(keystone: Keystone) -> None:
    result = keystone("teams", "get")
    assert result.exit_code == 2
    assert "Missing argument 'ID'" in result.stderr


@pytest.mark.parametrize(
    ("inject", "text"),
    [
        (FakeKeystone.disconnect, "Connection refused"),
        (FakeKeystone.time_out, "timed out after 1 attempt"),
    ],
)
def test_connection_error_or_timeout_is_5(
    keystone: Keystone, server: FakeKeystone, inject: Callable[..., object], text: str
) -> None:
    inject(server, "GET", "users/teams", times=None)
    result = keystone("teams", "count", KEYSTONE_MAX_RETRIES="0")
    assert result.exit_code == 5
    assert result.stderr.startswith("keystone: error: ")
    assert text in result.stderr
    assert len(result.stderr.splitlines()) == 1
    server.assert_requested("GET", "users/teams", times=1)


def test_other_api_error_is_1(keystone: Keystone, server: FakeKeystone) -> None:
    server.fail("GET", "users/teams", 500, times=None)
    result = keystone("teams", "count", KEYSTONE_MAX_RETRIES="0")
    assert result.exit_code == 1
    assert result.stderr == "keystone: error: HTTP 500: A server error occurred.\n"
    server.assert_requested("GET", "users/teams", times=1)


def _run_with(handler: Callable[[httpx.Request], httpx.Response], *args: str) -> object:
    def factory(conn: Connection) -> KeystoneClient:
        return KeystoneClient(
            url="http://keystone.test",
            token="t",
            max_retries=0,
            transport=httpx.MockTransport(handler),
        )

    return CliRunner().invoke(cli, list(args), obj=AppState(factory=factory))


def test_interrupt_is_130() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    result = _run_with(handler, "teams", "list")
    assert result.exit_code == 130  # type: ignore[attr-defined]
    assert result.stderr.strip() == "keystone: interrupted"  # type: ignore[attr-defined]


def test_a_closed_pipe_ends_quietly(keystone: Keystone, monkeypatch: pytest.MonkeyPatch) -> None:
    from keystone_client.cli import output

    def closed(self: object, row: object) -> None:
        raise BrokenPipeError

    monkeypatch.setattr(output.NdjsonWriter, "row", closed)
    result = keystone("teams", "list")
    assert result.exit_code == 0
    assert result.stderr == ""


def test_clients_are_closed_after_the_run(keystone: Keystone) -> None:
    assert keystone("teams", "count").exit_code == 0
    (client,) = keystone.clients
    assert client.is_closed
