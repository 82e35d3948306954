"""Building the client of one run: settings from flags, ``KEYSTONE_*``, ``.env``, or the demo.

Every run builds a fresh client and logs in anew; nothing is stored between runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from keystone_client import KeystoneClient, KeystoneSettings

__all__ = ["AppState", "ClientFactory", "Connection", "default_factory", "resolved_settings"]


@dataclass
class Connection:
    """Where and as whom to connect, as given on the command line (None: not given)."""

    url: str | None = None
    token: str | None = None
    username: str | None = None
    password: str | None = None
    password_stdin: bool = False
    env_file: str | None = None
    demo: bool = False


#: Builds the client of one run; tests and the demo replace it.
ClientFactory = Callable[[Connection], "KeystoneClient"]


@dataclass
class AppState:
    """What the root command hands to every subcommand."""

    connection: Connection = field(default_factory=Connection)
    factory: ClientFactory | None = None
    debug: bool = False
    _client: KeystoneClient | None = None

    def client(self) -> KeystoneClient:
        """The run's client, built on first use."""
        if self._client is None:
            factory = self.factory or default_factory
            self._client = factory(self.connection)
        return self._client

    def close(self) -> None:
        """Close the client, if one was built."""
        if self._client is not None:
            self._client.close()
            self._client = None


def resolved_settings(conn: Connection, *, ask: bool = True) -> KeystoneSettings:
    """The settings the run uses: flags over ``KEYSTONE_*`` over the ``.env`` file.

    With ``ask``, a username without a password gets one from ``--password-stdin`` or a
    hidden prompt on a terminal.
    """
    from keystone_client import KeystoneSettings

    given: dict[str, Any] = {
        name: value
        for name, value in (("url", conn.url), ("token", conn.token), ("username", conn.username))
        if value is not None
    }
    if conn.env_file is not None:
        given["env_file"] = conn.env_file
    settings = KeystoneSettings(**given)
    if conn.password is None and ask and conn.password_stdin:
        conn.password = _ask_password(conn, settings.username or "")
    if conn.password is not None:
        settings = settings.model_copy(update={"password": _secret(conn.password)})
    elif ask and _needs_password(settings):
        password = _ask_password(conn, settings.username or "")
        if password is not None:
            settings = settings.model_copy(update={"password": _secret(password)})
    return settings


def _secret(value: str) -> Any:
    from pydantic import SecretStr

    return SecretStr(value)


def _needs_password(settings: KeystoneSettings) -> bool:
    return bool(settings.username) and settings.token is None and settings.password is None


def _ask_password(conn: Connection, username: str) -> str | None:
    """Read the password from stdin (``--password-stdin``) or a hidden prompt on a terminal."""
    if conn.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise click.UsageError("--password-stdin: stdin holds no password")
        return line
    if _stdin_is_terminal():
        return str(click.prompt(f"Password for {username}", hide_input=True, err=True))
    return None  # the library reports the missing password as a configuration error


def _stdin_is_terminal() -> bool:
    return sys.stdin.isatty()


def default_factory(conn: Connection) -> KeystoneClient:
    """The client for ``conn``: the embedded demo, or the configured server."""
    if conn.demo:
        from .demo import demo_client

        return demo_client()
    from keystone_client import KeystoneClient

    return KeystoneClient(settings=resolved_settings(conn))
