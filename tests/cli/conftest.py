"""Fixtures of the command-line tests: the ``keystone`` command run in-process by click's
runner, its clients mounted on the in-memory fake server of ``tests/fake_server.py``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner, Result

from keystone_client import KeystoneClient
from keystone_client.cli.app import cli
from keystone_client.cli.connection import AppState, Connection, default_factory

from ..fake_server import BASE_URL, PASSWORD, USERNAME, FakeServer


# -- the server behind the tests: the one place to switch to keystone_client.testing ---------
# With FakeKeystone: `fake = FakeKeystone(seed=...)`, and `factory` returns
# `fake.client(...)` (or passes `transport=fake.transport()`), with no respx mock needed.
@pytest.fixture
def server() -> Iterator[FakeServer]:
    """The fake Keystone every client of the test talks to (at ``BASE_URL``)."""
    fake = FakeServer()
    with fake.mock():
        yield fake


@dataclass
class Keystone:
    """Runs ``keystone ARGS`` in-process and records the clients it built."""

    runner: CliRunner
    env: dict[str, str]
    clients: list[KeystoneClient]

    def factory(self, conn: Connection) -> KeystoneClient:
        client = default_factory(conn)
        self.clients.append(client)
        return client

    def __call__(self, *args: str, input: str | bytes | None = None, **env: str) -> Result:
        state = AppState(factory=self.factory)
        return self.runner.invoke(
            cli, list(args), input=input, env={**self.env, **env}, obj=state, catch_exceptions=False
        )


@pytest.fixture
def keystone(server: FakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Keystone:
    """``keystone(*args)`` -> click Result; credentials of the fake's staff user."""
    monkeypatch.chdir(tmp_path)  # no stray .env of the working directory
    env = {"KEYSTONE_URL": BASE_URL, "KEYSTONE_USERNAME": USERNAME, "KEYSTONE_PASSWORD": PASSWORD}
    return Keystone(CliRunner(), env, [])
