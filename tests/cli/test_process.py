"""The installed ``keystone`` script as a real process.

It talks to the demo Keystone served over real HTTP on 127.0.0.1 by `serve_in_thread`
(and once by ``python -m keystone_client.testing serve``), or runs ``--demo`` on its own
in-memory copy. Covered: pipes, exit codes, a closed pipe (``| head``), and the progress
bar that appears on a terminal (driven through a pseudo-terminal) and never in a pipe.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from keystone_client.testing import FakeKeystone, serve_in_thread

SCRIPT = shutil.which("keystone", path=str(Path(sys.executable).parent)) or shutil.which("keystone")
if SCRIPT is None:  # pragma: no cover - the dev install always has it
    pytest.skip("the keystone script is not installed", allow_module_level=True)


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any KEYSTONE_* setting, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYSTONE_")}
    env.update(extra)
    return env


@dataclass
class Target:
    """Where a run's requests go: leading arguments and environment of the command."""

    name: str
    args: list[str]
    env: dict[str, str]
    fake: FakeKeystone | None  # the served fake; None for --demo (inside the process)

    def run(self, *args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SCRIPT, *self.args, *args],  # type: ignore[list-item]
            capture_output=True,
            text=True,
            timeout=60,
            cwd=cwd,
            env={**self.env, **extra},
        )


@pytest.fixture
def http_demo() -> Iterator[Target]:
    """The demo data set served over HTTP on a free port, logged in as its staff user."""
    fake = FakeKeystone(seed="demo")
    url, server = serve_in_thread(fake, port=0)
    try:
        env = clean_env(
            KEYSTONE_URL=url, KEYSTONE_USERNAME=fake.username, KEYSTONE_PASSWORD=fake.password
        )
        yield Target("http", [], env, fake)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(params=["http", "demo"])
def target(request: pytest.FixtureRequest) -> Target:
    """Each test twice: on the served demo, and with ``--demo``."""
    if request.param == "demo":
        return Target("demo", ["--demo"], clean_env(), None)
    served: Target = request.getfixturevalue("http_demo")
    return served


def test_listing_in_a_pipe_is_ndjson(target: Target, tmp_path: Path) -> None:
    result = target.run("allocation-requests", "list", "--filter", "status=PD", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(row["id"], row["title"]) for row in rows] == [(3, "Single-cell RNA atlas")]
    assert {row["status"] for row in rows} == {"PD"}
    assert result.stderr == ""
    assert "\x1b[" not in result.stdout
    if target.fake is not None:
        target.fake.assert_requested("GET", "allocations/requests", query={"status": "PD"})


def test_count_agrees_with_the_listing(target: Target, tmp_path: Path) -> None:
    count = target.run("allocation-requests", "count", cwd=tmp_path)
    listing = target.run("allocation-requests", "list", "--fields", "id", cwd=tmp_path)
    assert count.returncode == listing.returncode == 0
    assert int(count.stdout) == len(listing.stdout.splitlines()) == 7


def test_csv_in_a_pipe(target: Target, tmp_path: Path) -> None:
    result = target.run(
        "grants", "list", "-o", "csv", "--fields", "id,team.name,amount", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["id,team.name,amount", "1,Genomics Lab,450000.00"]


def test_a_write_reaches_the_server(http_demo: Target, tmp_path: Path) -> None:
    result = http_demo.run(
        "notifications", "update", "1", "--set", "read:=true", "--fields", "id,read", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"id": 1, "read": True}
    assert http_demo.fake is not None
    http_demo.fake.assert_requested("PATCH", "notifications/notifications/1", body={"read": True})
    assert http_demo.fake.get("notifications", 1).read is True


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["grants", "get", "987654321"], 3, "keystone: error: HTTP 404"),
        (["grants", "list", "--filter", "colour=red"], 2, "Unknown filter field 'colour'"),
        (["grants", "update", "1", "--set", "amount:=12,5"], 2, "needs a JSON value"),
        (["widgets", "list"], 2, "No such command 'widgets'"),
        (["grants", "list", "--filter", "amount__gt=lots"], 1, "keystone: error: HTTP 400"),
    ],
)
def test_exit_codes_and_one_line_errors(
    http_demo: Target, tmp_path: Path, args: list[str], code: int, text: str
) -> None:
    result = http_demo.run(*args, cwd=tmp_path)
    assert result.returncode == code
    assert text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_not_found_in_the_demo_is_3(tmp_path: Path) -> None:
    result = Target("demo", ["--demo"], clean_env(), None).run("teams", "get", "99", cwd=tmp_path)
    assert result.returncode == 3
    assert result.stderr == "keystone: error: HTTP 404: No Team matches the given query.\n"
    assert result.stdout == ""


def test_refused_login_is_4(http_demo: Target, tmp_path: Path) -> None:
    result = http_demo.run("teams", "count", cwd=tmp_path, KEYSTONE_PASSWORD="wrong")
    assert result.returncode == 4
    assert result.stderr.startswith("keystone: error: HTTP 4")
    assert result.stdout == ""


def test_connection_refused_is_5(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    result = subprocess.run(
        [SCRIPT, "--url", f"http://127.0.0.1:{port}", "--token", "x", "teams", "count"],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=clean_env(KEYSTONE_MAX_RETRIES="0"),
    )
    assert result.returncode == 5
    assert result.stderr.startswith("keystone: error:")
    assert len(result.stderr.splitlines()) == 1


# -- a reader that leaves early: ``| head`` ----------------------------------------------------


class PageGate:
    """Holds back every page of a listing after the first until `open` is called."""

    def __init__(self, fake: FakeKeystone, path: str) -> None:
        self.path = path
        self.opened = threading.Event()
        self.pages = 0
        self._serve = fake.serve
        fake.serve = self  # type: ignore[method-assign]

    def __call__(self, method: str, target: str, *args: Any) -> Any:
        if target.startswith(self.path):
            self.pages += 1
            if self.pages > 1:
                self.opened.wait(timeout=30)
        return self._serve(method, target, *args)

    def open(self) -> None:
        self.opened.set()


def test_a_closed_pipe_ends_quietly(http_demo: Target, tmp_path: Path) -> None:
    """The reader closes the pipe before page 2 arrives: writing it fails; no traceback, 0."""
    assert http_demo.fake is not None
    gate = PageGate(http_demo.fake, "/logs/audit/")
    proc = subprocess.Popen(
        [SCRIPT, "audit-logs", "list"],  # type: ignore[list-item]
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env={**http_demo.env, "KEYSTONE_PAGE_SIZE": "1"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    gate.open()
    code = proc.wait(timeout=60)
    assert json.loads(first)["id"]
    assert code == 0
    assert proc.stderr.read() == b""
    assert gate.pages == 2  # it stopped at the first page it could not write


def test_shell_pipeline_with_head(target: Target, tmp_path: Path) -> None:
    command = shlex.join([SCRIPT, *target.args, "audit-logs", "list"])  # type: ignore[list-item]
    result = subprocess.run(
        f'{command} | head -n 1; echo "status=${{PIPESTATUS[0]}}"',
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env={**target.env, "KEYSTONE_PAGE_SIZE": "1"},
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[1] == "status=0"
    assert json.loads(lines[0])["id"]
    assert result.stderr == ""


# -- python -m keystone_client.testing serve ---------------------------------------------------


@pytest.fixture
def served_module(tmp_path: Path) -> Iterator[str]:
    """``python -m keystone_client.testing serve --seed demo`` on a free port of 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "keystone_client.testing", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--seed", "demo"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("the demo server did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_against_the_module_server(served_module: str, tmp_path: Path) -> None:
    demo = Target("module", ["--url", served_module], clean_env(), None)
    result = demo.run("version", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    token = FakeKeystone(seed="demo").token  # the demo's staff token, as the server prints it
    whoami = demo.run("--token", token, "whoami", "--fields", "username", cwd=tmp_path)
    assert whoami.returncode == 0, whoami.stderr
    assert json.loads(whoami.stdout) == {"username": "alice"}
    refused = demo.run("--token", "not-a-token", "teams", "count", cwd=tmp_path)
    assert refused.returncode == 4
    assert "Invalid token." in refused.stderr


# -- progress bar: on a terminal only ---------------------------------------------------------


def _run_on_a_terminal(
    args: list[str], env: Mapping[str, str], cwd: Path, *, stdout_too: bool = False
) -> tuple[int, str, bytes]:
    """Run with stderr (and with ``stdout_too`` stdout) on a pseudo-terminal, else stdout on
    a pipe; return the exit code, what the pipe got and what the terminal got."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [SCRIPT, *args],  # type: ignore[list-item]
        stdout=slave if stdout_too else subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        cwd=cwd,
        env={**env, "KEYSTONE_PAGE_SIZE": "2", "TERM": "xterm", "COLUMNS": "100"},
    )
    os.close(slave)
    terminal = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:  # EIO: the process closed its side
            break
        if not chunk:
            break
        terminal += chunk
    os.close(master)
    out = proc.stdout.read().decode() if proc.stdout is not None else ""
    return proc.wait(timeout=60), out, terminal


def test_progress_bar_on_a_terminal(target: Target, tmp_path: Path) -> None:
    code, out, terminal = _run_on_a_terminal(
        [*target.args, "allocation-requests", "list"], target.env, tmp_path
    )
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["id"] for row in rows] == list(range(1, 8))
    assert b"allocation requests" in terminal  # the bar's label
    assert b"7/7" in terminal  # its count, with the total from the first page
    assert b"\x1b[" in terminal  # drawn (and cleared) with terminal control codes
    assert b"{" not in terminal  # records never go to stderr


def test_no_progress_bar_under_a_table_on_the_terminal(target: Target, tmp_path: Path) -> None:
    code, out, terminal = _run_on_a_terminal(
        [*target.args, "allocation-requests", "list", "--fields", "id,title"],
        target.env,
        tmp_path,
        stdout_too=True,
    )
    assert code == 0
    assert out == ""
    text = terminal.decode()
    assert "Genome assembly pipeline" in text and "Metagenome binning" in text  # the table
    assert "allocation requests" not in text  # no bar drawn across it


def test_no_progress_bar_in_a_pipe(target: Target, tmp_path: Path) -> None:
    result = target.run("allocation-requests", "list", cwd=tmp_path, KEYSTONE_PAGE_SIZE="2")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 7
    assert result.stderr == ""
