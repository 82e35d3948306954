"""The console script's own handling, in-process: SIGPIPE, interrupts, closed pipes and a
missing ``cli`` extra, each with its exit code and its one line on stderr."""

from __future__ import annotations

import io
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from keystone_client.cli import app
from keystone_client.cli import main as script
from keystone_client.cli.pipes import quiet_stdout


class Raising:
    """Stands in for the click group: ``main`` raises what the test gives it."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error
        self.calls: list[dict[str, Any]] = []

    def main(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)
        if self.error is not None:
            raise self.error


@pytest.fixture
def signals(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, Any]]:
    """The handlers ``main`` installs, recorded instead of installed."""
    installed: list[tuple[int, Any]] = []

    def record(number: int, handler: Any) -> None:
        installed.append((number, handler))

    monkeypatch.setattr(signal, "signal", record)
    return installed


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Callable[[BaseException | None], Raising]:
    def install(error: BaseException | None) -> Raising:
        group = Raising(error)
        monkeypatch.setattr(app, "cli", group)
        return group

    return install


def test_a_run_ignores_sigpipe_and_names_the_program(
    signals: list[tuple[int, Any]], run: Callable[[BaseException | None], Raising]
) -> None:
    group = run(None)
    script.main()
    assert signals == [(signal.SIGPIPE, signal.SIG_IGN)]
    assert group.calls == [{"prog_name": "keystone"}]


def test_an_interrupt_before_a_command_is_130(
    signals: list[tuple[int, Any]],
    run: Callable[[BaseException | None], Raising],
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(KeyboardInterrupt())
    with pytest.raises(SystemExit) as exit:
        script.main()
    assert exit.value.code == 130
    assert capsys.readouterr() == ("", "keystone: interrupted\n")


def test_a_closed_pipe_ends_quietly_with_0(
    signals: list[tuple[int, Any]],
    run: Callable[[BaseException | None], Raising],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    quieted: list[bool] = []
    monkeypatch.setattr(script, "quiet_stdout", lambda: quieted.append(True))
    run(BrokenPipeError())
    with pytest.raises(SystemExit) as exit:
        script.main()
    assert exit.value.code == 0
    assert quieted == [True]
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("name", ["click", "rich.console", "yaml"])
def test_a_missing_extra_says_how_to_install_it(
    name: str,
    signals: list[tuple[int, Any]],
    run: Callable[[BaseException | None], Raising],
    capsys: pytest.CaptureFixture[str],
) -> None:
    run(ModuleNotFoundError(f"No module named '{name}'", name=name))
    with pytest.raises(SystemExit) as exit:
        script.main()
    assert exit.value.code == 2
    assert capsys.readouterr() == (
        "",
        f"keystone: error: the command line needs the 'cli' extra "
        f"(No module named '{name}'); install it with: pip install 'keystone-client[cli]'\n",
    )


@pytest.mark.parametrize("name", ["numpy", None, "clicks", "keystone_client.rich"])
def test_any_other_missing_module_is_a_bug_and_propagates(
    name: str | None,
    signals: list[tuple[int, Any]],
    run: Callable[[BaseException | None], Raising],
    capsys: pytest.CaptureFixture[str],
) -> None:
    error = ModuleNotFoundError("No module", name=name)
    run(error)
    with pytest.raises(ModuleNotFoundError) as raised:
        script.main()
    assert raised.value is error
    assert capsys.readouterr() == ("", "")


def test_without_sigpipe_nothing_is_installed(
    signals: list[tuple[int, Any]],
    run: Callable[[BaseException | None], Raising],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(signal, "SIGPIPE")
    group = run(None)
    script.main()
    assert signals == []
    assert group.calls == [{"prog_name": "keystone"}]


def test_quiet_stdout_points_the_descriptor_at_devnull(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out"
    with target.open("w") as stream:
        monkeypatch.setattr(sys, "stdout", stream)
        quiet_stdout()
        os.write(stream.fileno(), b"lost")
        stream.write("lost too")
    assert target.read_text() == ""


@pytest.mark.parametrize("stdout", [io.StringIO(), None], ids=["no-descriptor", "none"])
def test_quiet_stdout_without_a_descriptor_does_nothing(
    stdout: io.StringIO | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdout", stdout)
    quiet_stdout()
    assert sys.stdout is stdout


def test_quiet_stdout_survives_a_closed_stream(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stream = (tmp_path / "out").open("w")
    stream.close()
    monkeypatch.setattr(sys, "stdout", stream)
    quiet_stdout()  # fileno() of a closed file raises ValueError
    assert sys.stdout is stream
