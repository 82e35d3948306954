"""The root ``keystone`` group: how a run ends (exit status, error line, return value),
shell completion's variable and the ``--debug`` log lines."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

import click
import pytest
from click.testing import Result

from keystone_client.cli import output
from keystone_client.cli.app import _usage_line, cli
from keystone_client.cli.connection import AppState, Connection

from .conftest import Keystone


def invoke(keystone: Keystone, *args: str, **extra: Any) -> Result:
    """Run ``keystone ARGS`` in-process, passing ``extra`` to the group's ``main``."""
    return keystone.runner.invoke(
        cli,
        list(args),
        env=keystone.env,
        obj=AppState(factory=keystone.factory),
        prog_name="keystone",
        catch_exceptions=False,
        **extra,
    )


def test_a_closed_pipe_returns_0_to_a_caller_of_main(
    keystone: Keystone, monkeypatch: pytest.MonkeyPatch
) -> None:
    def closed(self: object, row: object) -> None:
        raise BrokenPipeError

    monkeypatch.setattr(output.NdjsonWriter, "row", closed)
    result = invoke(keystone, "teams", "list", standalone_mode=False)
    assert result.return_value == 0
    assert result.stderr == ""


def test_main_honours_the_completion_variable_it_is_given(keystone: Keystone) -> None:
    env = {"_KS_TAB": "bash_complete", "COMP_WORDS": "keystone gra", "COMP_CWORD": "1"}
    keystone.env.update(env)
    result = invoke(keystone, complete_var="_KS_TAB")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["plain,grants"]
    assert keystone.clients == []


def test_a_command_returning_a_value_still_exits_0(
    keystone: Keystone, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = click.Command("answer", callback=lambda: "forty-two")
    monkeypatch.setitem(cli.commands, "answer", command)
    result = keystone("answer")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


def test_a_click_error_outside_usage_is_one_line_with_its_status(
    keystone: Keystone, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(conn: Connection) -> Any:
        raise click.ClickException("cannot read\n  the token file")

    monkeypatch.setattr(keystone, "factory", refuse)
    result = keystone("version")
    assert result.exit_code == 1
    assert result.stderr == "keystone: error: cannot read the token file\n"


def test_a_usage_error_without_a_context_gets_no_help_hint() -> None:
    assert _usage_line(click.UsageError("bad  value\nhere")) == "bad value here"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """--debug configures logging for the process: put it back after the test."""
    loggers = [logging.getLogger(), logging.getLogger("keystone_client")]
    saved = [(list(logger.handlers), logger.level) for logger in loggers]
    yield
    for logger, (handlers, level) in zip(loggers, saved, strict=True):
        logger.handlers[:] = handlers
        logger.setLevel(level)


LOG_LINE = re.compile(
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} DEBUG keystone_client: "
    r"(Request GET \S+/users/teams/\?\S* \(cid [\w-]+\)"
    r"|Response GET \S+/users/teams/\?\S* -> 200 in [\d.]+ ms \(cid [\w-]+\))"
)


@pytest.mark.usefixtures("restore_logging")
def test_debug_logs_the_library_requests_as_dated_lines(keystone: Keystone) -> None:
    result = keystone("--debug", "teams", "count")
    assert result.exit_code == 0
    lines = [line for line in result.stderr.splitlines() if "/authentication/" not in line]
    assert len(lines) == 2, result.stderr
    for line in lines:
        assert LOG_LINE.fullmatch(line), line
