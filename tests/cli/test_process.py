"""The installed ``keystone`` script as a real process, on the demo Keystone.

Pipes, exit codes, a closed pipe (``| head``), and the progress bar that appears on a
terminal (driven through a pseudo-terminal) and never in a pipe.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("keystone_client.testing", reason="the demo Keystone is not available")

SCRIPT = shutil.which("keystone", path=str(Path(sys.executable).parent)) or shutil.which("keystone")
if SCRIPT is None:  # pragma: no cover - the dev install always has it
    pytest.skip("the keystone script is not installed", allow_module_level=True)


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYSTONE_")}
    env.update(extra)
    return env


def keystone(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, *args],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=60,
        env=env if env is not None else clean_env(),
    )


def test_demo_listing_in_a_pipe_is_ndjson() -> None:
    result = keystone("--demo", "allocation-requests", "list", "--filter", "status=PD")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows, "the demo data set has pending requests"
    assert {row["status"] for row in rows} == {"PD"}
    assert result.stderr == ""
    assert "\x1b[" not in result.stdout


def test_count_agrees_with_the_listing() -> None:
    count = keystone("--demo", "allocation-requests", "count")
    listing = keystone("--demo", "allocation-requests", "list", "--fields", "id")
    assert count.returncode == listing.returncode == 0
    assert int(count.stdout) == len(listing.stdout.splitlines())


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["grants", "get", "987654321"], 3, "keystone: error: HTTP 404"),
        (["grants", "list", "--filter", "colour=red"], 2, "Unknown filter field 'colour'"),
        (["grants", "update", "1", "--set", "amount:=12,5"], 2, "needs a JSON value"),
        (["widgets", "list"], 2, "No such command 'widgets'"),
    ],
)
def test_exit_codes_and_one_line_errors(args: list[str], code: int, text: str) -> None:
    result = keystone("--demo", *args)
    assert result.returncode == code
    assert text in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stdout == ""


def test_connection_refused_is_5() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again: nothing listens there
    result = keystone("--url", f"http://127.0.0.1:{port}", "--token", "x", "teams", "count")
    assert result.returncode == 5
    assert "keystone: error:" in result.stderr


def test_a_closed_pipe_ends_quietly() -> None:
    """``keystone ... | head -n 1``: the reader leaves early; no traceback, exit 0."""
    proc = subprocess.Popen(
        [SCRIPT, "--demo", "audit-logs", "list"],  # type: ignore[list-item]
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=clean_env(KEYSTONE_PAGE_SIZE="1"),
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    code = proc.wait(timeout=60)
    assert json.loads(first)["id"]
    assert code == 0
    assert proc.stderr.read() == b""


def test_shell_pipeline_with_head() -> None:
    result = subprocess.run(
        f"'{SCRIPT}' --demo audit-logs list | head -n 1; echo \"status=${{PIPESTATUS[0]}}\"",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        timeout=60,
        env=clean_env(KEYSTONE_PAGE_SIZE="1"),
    )
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[1] == "status=0"
    assert result.stderr == ""


@pytest.fixture
def served() -> Iterator[str]:
    """``python -m keystone_client.testing serve`` on a free port of 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "keystone_client.testing",
            "serve",
            "--port",
            str(port),
            "--seed",
            "demo",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
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


def test_against_the_served_demo(served: str) -> None:
    result = keystone("--url", served, "version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    refused = keystone("--url", served, "--token", "not-a-token", "teams", "count")
    assert refused.returncode == 4


# -- progress bar: on a terminal only ---------------------------------------------------------


def _run_with_terminal_stderr(*args: str) -> tuple[int, str, bytes]:
    """Run with stderr on a pseudo-terminal and stdout on a pipe; return code, out, err."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [SCRIPT, *args],  # type: ignore[list-item]
        stdout=subprocess.PIPE,
        stderr=slave,
        stdin=subprocess.DEVNULL,
        env=clean_env(KEYSTONE_PAGE_SIZE="2", TERM="xterm", COLUMNS="100"),
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
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    return proc.wait(timeout=60), out, terminal


def test_progress_bar_on_a_terminal() -> None:
    code, out, terminal = _run_with_terminal_stderr("--demo", "allocation-requests", "list")
    assert code == 0
    assert out.splitlines() and all(json.loads(line) for line in out.splitlines())
    assert b"allocation requests" in terminal  # the bar's label
    assert b"\x1b[" in terminal  # drawn (and cleared) with terminal control codes
    assert b"{" not in terminal  # records never go to stderr


def test_no_progress_bar_in_a_pipe() -> None:
    result = keystone(
        "--demo", "allocation-requests", "list", env=clean_env(KEYSTONE_PAGE_SIZE="2")
    )
    assert result.returncode == 0
    assert result.stderr == ""
