"""A closed pipe (``keystone ... | head``) ends the command quietly."""

from __future__ import annotations

import os
import sys

__all__ = ["quiet_stdout"]


def quiet_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
