"""The ``keystone`` console script."""

from __future__ import annotations

import signal
import sys

from .pipes import quiet_stdout

__all__ = ["main"]

#: The modules of the ``cli`` extra, imported as commands need them.
CLI_EXTRA = ("click", "rich", "yaml")


def main() -> None:
    """Run ``keystone`` with the process's arguments and exit with its documented code."""
    # With the default SIGPIPE action ignored, a closed pipe raises BrokenPipeError, which
    # the command handles by ending quietly (see app.RootGroup.invoke).
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    try:
        from .app import cli

        cli.main(prog_name="keystone")
    except KeyboardInterrupt:  # pressed before a command started
        sys.stderr.write("keystone: interrupted\n")
        sys.exit(130)
    except BrokenPipeError:
        quiet_stdout()
        sys.exit(0)
    except ModuleNotFoundError as exc:
        # The script is installed with the package; its libraries come with the extra.
        if (exc.name or "").split(".")[0] not in CLI_EXTRA:
            raise
        sys.stderr.write(
            f"keystone: error: the command line needs the 'cli' extra ({exc}); "
            "install it with: pip install 'keystone-client[cli]'\n"
        )
        sys.exit(2)
