"""``python -m keystone_client.testing serve``, in-process: the options reach the fake and the
server, the address line, a busy port, interrupts and bad arguments."""

from __future__ import annotations

import io
import sys
from typing import Any

import pytest

from keystone_client import RateLimitError
from keystone_client.testing import FakeKeystone
from keystone_client.testing import __main__ as command


class StubServer:
    """Stands in for the HTTP server: serving stops at once, as with Ctrl-C."""

    def __init__(self, fake: FakeKeystone, host: str, port: int) -> None:
        self.fake, self.host, self.port = fake, host, port
        self.server_address = (host, port or 54321)
        self.closed = False
        self.served = False

    def serve_forever(self) -> None:
        self.served = True
        raise KeyboardInterrupt

    def server_close(self) -> None:
        self.closed = True


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> list[StubServer]:
    made: list[StubServer] = []

    def make_server(fake: FakeKeystone, host: str, port: int) -> StubServer:
        made.append(StubServer(fake, host, port))
        return made[-1]

    monkeypatch.setattr(command, "make_server", make_server)
    return made


def test_serve_with_every_option(
    servers: list[StubServer], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["serve", "--port", "0", "--seed", "demo", "--page-cap", "50", "--throttle", "1"]
    assert command.main(argv) == 0
    (server,) = servers
    fake = server.fake
    assert (server.host, server.port, server.served, server.closed) == ("127.0.0.1", 0, True, True)
    assert fake.url == "http://127.0.0.1:0"
    assert fake.page_cap == 50
    assert fake.username == "alice"  # the demo data set's staff user
    # One request a minute: the second is throttled, longer than the client waits.
    client = fake.client()
    client.resources.teams.count()
    with pytest.raises(RateLimitError):
        client.resources.teams.count()
    client.close()
    assert capsys.readouterr() == (
        f"Fake Keystone at http://127.0.0.1:54321/ (log in as alice / "
        f"{fake.password}, or with token {fake.token})\n",
        "",
    )


def test_serve_with_the_defaults(
    servers: list[StubServer], capsys: pytest.CaptureFixture[str]
) -> None:
    assert command.main(["serve"]) == 0
    (server,) = servers
    fake = server.fake
    assert (server.host, server.port) == ("127.0.0.1", 8000)
    assert (fake.url, fake.page_cap) == ("http://127.0.0.1:8000", 1000)
    assert fake.username == "admin"  # no data set: the fake's own staff user
    client = fake.client()
    for _ in range(5):
        client.resources.teams.count()
    client.close()
    assert {r.status for r in fake.requests} == {200}  # not throttled
    out = capsys.readouterr().out
    assert out.startswith("Fake Keystone at http://127.0.0.1:8000/ (log in as ")


def test_a_busy_port_is_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def busy(fake: FakeKeystone, host: str, port: int) -> Any:
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(command, "make_server", busy)
    assert command.main(["serve", "--port", "8123"]) == 1
    assert capsys.readouterr() == (
        "",
        "cannot listen on 127.0.0.1:8123: Address already in use\n",
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], ": error: the following arguments are required: command"),
        (["serve", "--seed", "nope"], " serve: error: argument --seed: invalid choice: 'nope'"),
        (["serve", "--port", "x"], " serve: error: argument --port: invalid int value: 'x'"),
        (["serve", "--page-cap", "x"], " serve: error: argument --page-cap: invalid int value"),
        (["serve", "--throttle", "x"], " serve: error: argument --throttle: invalid int value"),
    ],
)
def test_bad_arguments_are_usage_errors(
    argv: list[str], message: str, servers: list[StubServer], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit:
        command.main(argv)
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m keystone_client.testing ")
    assert f"\npython -m keystone_client.testing{message}" in err
    assert servers == []


def test_help_describes_the_command_and_its_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        command.main(["--help"])
    top = " ".join(capsys.readouterr().out.split())
    # Whole words: a text with anything glued to it is another text.
    assert " Serve an in-memory fake Keystone API over HTTP on 127.0.0.1. " in f" {top} "
    assert " serve the fake over HTTP " in f" {top} "
    with pytest.raises(SystemExit):
        command.main(["serve", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    text = f" {text} "
    for expected in (
        "usage: python -m keystone_client.testing serve",
        "--port PORT port (default 8000; 0 picks one)",
        "--seed {demo} load a data set",
        "--page-cap PAGE_CAP most records per page",
        "--throttle THROTTLE requests per user per minute",
    ):
        assert f" {expected} " in text


class Terminal(io.StringIO):
    """stdout, noting each flush (a pipe's reader sees only flushed text)."""

    def __init__(self) -> None:
        super().__init__()
        self.flushed = ""

    def flush(self) -> None:
        self.flushed = self.getvalue()


def test_the_address_is_flushed_before_serving(
    servers: list[StubServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A script reading the address from a pipe gets it while the server runs."""
    out = Terminal()
    monkeypatch.setattr(sys, "stdout", out)
    seen: list[str] = []
    monkeypatch.setattr(StubServer, "serve_forever", lambda self: seen.append(out.flushed))
    assert command.main(["serve"]) == 0
    assert seen == [out.getvalue()]
    assert seen[0].startswith("Fake Keystone at http://127.0.0.1:8000/")
