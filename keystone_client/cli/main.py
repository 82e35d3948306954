"""The ``keystone`` console script."""

from __future__ import annotations

import signal
import sys

from .pipes import quiet_stdout

__all__ = ["main"]


def main() -> None:
    """Run ``keystone`` with the process's arguments and exit with its documented code."""
    # With the default SIGPIPE action ignored, a closed pipe raises BrokenPipeError, which
    # the command handles by ending quietly (see app.RootGroup.invoke).
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    from .app import cli

    try:
        cli.main(prog_name="keystone")
    except KeyboardInterrupt:  # pressed before a command started
        sys.stderr.write("keystone: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(0)
