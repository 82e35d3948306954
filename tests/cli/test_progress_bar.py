"""The progress bar as drawn: on stderr, with the label, records counted of the total, and
erased when the listing ends (rich told it writes to a terminal)."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable

import pytest

from keystone_client.cli.progress import Progress, wanted

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
ERASE_LINE = "\x1b[1A\x1b[2K"


def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a terminal 60 columns wide, to rich.

    Called in the test's body: pytest puts its own capture back on sys.stderr after the
    fixtures are set up.
    """
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


def last_frame(drawn: str) -> str:
    """The bar as last drawn, before rich erased it."""
    frames = [ANSI.sub("", f).strip() for f in drawn.split("\r") if f.strip()]
    frames = [f for f in frames if f]
    return frames[-1]


@pytest.mark.parametrize("total", [10, lambda: 10], ids=["number", "callable"])
def test_the_bar_counts_records_of_the_total(
    total: int | Callable[[], int],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    stderr = terminal(monkeypatch)
    with Progress("teams", enabled=True) as progress:
        progress.set_total(total)
        progress.advance(3)
        progress.advance()
    drawn = stderr.getvalue()
    frame = last_frame(drawn)
    assert frame.startswith("teams ━")
    assert re.search(r" 4/10 (\d+:\d\d:\d\d|-:--:--)$", frame), frame  # and the time left
    assert drawn.endswith(ERASE_LINE)  # transient: gone once the listing ends
    assert capsys.readouterr().out == ""  # never among the records


def test_without_a_total_the_bar_counts_of_an_unknown_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stderr = terminal(monkeypatch)
    with Progress("grants", enabled=True) as progress:
        progress.advance(2)
    frame = last_frame(stderr.getvalue())
    assert frame.startswith("grants ")
    assert re.search(r" 2/\?( |$)", frame), frame


def test_a_disabled_bar_draws_nothing_and_never_asks_for_the_total(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stderr = terminal(monkeypatch)
    asked: list[bool] = []

    def total() -> int:
        asked.append(True)
        return 10

    with Progress("teams", enabled=False) as progress:
        progress.set_total(total)
        progress.advance(5)
    assert stderr.getvalue() == ""
    assert asked == []


def test_a_stream_without_isatty_is_no_terminal() -> None:
    class Plain:
        pass

    assert wanted(Plain(), Plain()) is False  # type: ignore[arg-type]
