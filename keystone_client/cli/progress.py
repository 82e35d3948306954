"""A progress bar on stderr for long listings, while the records go to a file or a pipe."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any

__all__ = ["Progress", "wanted"]


def wanted(stderr: IO[str] | None = None, stdout: IO[str] | None = None) -> bool:
    """Whether a progress bar belongs on ``stderr``: a terminal, while ``stdout`` is not one.

    Records printed on the terminal show their own progress, and a bar drawn on the same
    screen would tangle with them (as curl, which meters only output sent elsewhere).
    """
    return _is_terminal(stderr or sys.stderr) and not _is_terminal(stdout or sys.stdout)


def _is_terminal(stream: IO[str]) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """Counts records on stderr; the total comes from the listing's first page."""

    def __init__(self, label: str, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=None)
        return self

    def set_total(self, total: int | Callable[[], int]) -> None:
        """Set the number of records expected (a callable is only called when shown)."""
        if self._bar is not None:
            self._bar.update(self._task, total=total() if callable(total) else total)

    def advance(self, records: int = 1) -> None:
        """Count ``records`` more records written."""
        if self._bar is not None:
            self._bar.advance(self._task, records)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()
