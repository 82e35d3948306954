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
    with fake.mock() as router:
        fake.router = router  # type: ignore[attr-defined]
        yield fake


def sent(server: FakeServer) -> list[tuple[str, str]]:
    """(method, path?query) of every request the server received, logins excluded."""
    calls = server.router.calls  # type: ignore[attr-defined]
    return [
        (c.request.method, c.request.url.raw_path.decode())
        for c in calls
        if not c.request.url.path.startswith("/authentication/")
    ]


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
        return [line.split(",", 1)[1] for line in result.stdout.splitlines()]


@pytest.fixture
def keystone(server: FakeServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Keystone:
    """``keystone(*args)`` -> click Result; credentials of the fake's staff user."""
    monkeypatch.chdir(tmp_path)  # no stray .env of the working directory
    env = {"KEYSTONE_URL": BASE_URL, "KEYSTONE_USERNAME": USERNAME, "KEYSTONE_PASSWORD": PASSWORD}
    return Keystone(CliRunner(), env, [])
