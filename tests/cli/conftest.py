"""Fixtures of the command-line tests: the ``keystone`` command run in-process by click's
runner, its clients mounted on a `FakeKeystone` holding the demo data set."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from click.testing import CliRunner, Result

from keystone_client import KeystoneClient
from keystone_client.cli.app import cli
from keystone_client.cli.connection import AppState, Connection, resolved_settings
from keystone_client.testing import FakeKeystone, FakeTransport


@pytest.fixture
def server() -> FakeKeystone:
    """The fake Keystone every client of the test talks to, seeded with the demo data."""
    return FakeKeystone(seed="demo")


def sent(server: FakeKeystone) -> list[tuple[str, str]]:
    """(method, path?query) of every request the server received, logins excluded."""
    return [
        (r.method, r.path + (f"?{urlencode(r.query)}" if r.query else ""))
        for r in server.requests
        if not r.path.startswith("/authentication/")
    ]


class WireTransport(FakeTransport):
    """The fake's transport, keeping each request as sent (headers and raw body)."""

    def __init__(self, server: FakeKeystone, wire: list[httpx.Request]) -> None:
        super().__init__(server)
        self.wire = wire

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.wire.append(request)
        return super().handle_request(request)


def mounted_factory(
    server: FakeKeystone, wire: list[httpx.Request] | None = None
) -> Callable[[Connection], KeystoneClient]:
    """A client factory like the CLI's own (same settings), whose clients talk to ``server``."""

    def factory(conn: Connection) -> KeystoneClient:
        transport = server.transport() if wire is None else WireTransport(server, wire)
        return KeystoneClient(settings=resolved_settings(conn), transport=transport)

    return factory


@dataclass
class Keystone:
    """Runs ``keystone ARGS`` in-process and records the clients it built."""

    runner: CliRunner
    env: dict[str, str]
    clients: list[KeystoneClient]
    server: FakeKeystone
    wire: list[httpx.Request] = field(default_factory=list)
    """Every request as sent, raw body included (the fake's own log keeps it decoded)."""

    def factory(self, conn: Connection) -> KeystoneClient:
        client = mounted_factory(self.server, self.wire)(conn)
        self.clients.append(client)
        return client

    def __call__(self, *args: str, input: str | bytes | None = None, **env: str | None) -> Result:
        state = AppState(factory=self.factory)
        return self.runner.invoke(
            cli,
            list(args),
            input=input,
            env={**self.env, **env},
            obj=state,
            prog_name="keystone",
            catch_exceptions=False,
        )

    def complete(self, *words: str) -> list[str]:
        """What bash completion offers for the last of ``words`` (no client may be built)."""
        env = {
            **self.env,
            "_KEYSTONE_COMPLETE": "bash_complete",
            "COMP_WORDS": " ".join(["keystone", *words]),
            "COMP_CWORD": str(len(words)),
        }
        state = AppState(factory=self.factory)
        result = self.runner.invoke(cli, [], env=env, obj=state, prog_name="keystone")
        assert result.exit_code == 0, result.output
        assert self.clients == [], "completion built a client"
        return [line.split(",", 1)[1] for line in result.stdout.splitlines() if line]


def staff_env(server: FakeKeystone) -> dict[str, str]:
    """``KEYSTONE_*`` variables that log in to ``server`` as its staff user."""
    return {
        "KEYSTONE_URL": server.url,
        "KEYSTONE_USERNAME": server.username,
        "KEYSTONE_PASSWORD": server.password,
    }


@pytest.fixture
def keystone(server: FakeKeystone, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Keystone:
    """``keystone(*args)`` -> click Result; credentials of the fake's staff user."""
    monkeypatch.chdir(tmp_path)  # no stray .env of the working directory
    for name in [n for n in os.environ if n.startswith("KEYSTONE_")]:
        monkeypatch.delenv(name)  # nor settings of the shell running the tests
    return Keystone(CliRunner(), staff_env(server), [], server)
