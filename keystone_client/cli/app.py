"""The root ``keystone`` command: global options, server commands, collection groups.

The collection groups are generated from the declarations when first asked for.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click

from . import grammar
from .commands import fields_option, format_option
from .completion import SHELLS
from .connection import AppState, Connection
from .errors import EXIT_INTERRUPTED, describe

__all__ = ["cli"]

#: Commands that are not collections, in help order.
STATIC = ("whoami", "version", "health", "config", "settings", "stats", "completion")


class RootGroup(click.Group):
    """Lists the collections lazily and turns every failure into its exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*sorted(grammar.collections()), *STATIC]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        collection = grammar.collections().get(cmd_name)
        if collection is None:
            return None
        from .commands import collection_group

        return collection_group(collection)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            # The reader (``| head``) has what it wanted; caught here, before click would
            # turn it into exit status 1.
            from .pipes import quiet_stdout

            quiet_stdout()
            ctx.exit(0)
        finally:
            state = ctx.obj
            if isinstance(state, AppState):
                state.close()

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        """Run the command; as a program, report every failure in one line and exit."""
        run: Callable[[], Any] = functools.partial(
            super().main, args, prog_name, complete_var, standalone_mode=False, **extra
        )
        if not standalone_mode:
            return run()
        code: Any
        try:
            code = run()
        except click.ClickException as exc:
            if type(exc).__name__ == "NoArgsIsHelpError":
                exc.show()  # the help page itself, as click prints it
            else:
                click.echo(f"keystone: error: {_usage_line(exc)}", err=True)
            code = exc.exit_code
        except (KeyboardInterrupt, click.Abort):
            click.echo("keystone: interrupted", err=True)
            code = EXIT_INTERRUPTED
        except Exception as exc:
            code, message = _failure(exc)
            click.echo(f"keystone: error: {message}", err=True)
        sys.exit(code if isinstance(code, int) else 0)


def _usage_line(exc: click.ClickException) -> str:
    message = " ".join(exc.format_message().split())
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        message += f" (see '{ctx.command_path} --help')"
    return message


def _failure(exc: Exception) -> tuple[int, str]:
    if not type(exc).__module__.startswith("keystone_client"):
        raise exc
    return describe(exc)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--url", envvar=None, default=None, help="Base URL of the API (KEYSTONE_URL).")
@click.option("--token", default=None, help="API token (KEYSTONE_TOKEN); the recommended login.")
@click.option("--username", "-u", default=None, help="Username (KEYSTONE_USERNAME).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of stdin (otherwise KEYSTONE_PASSWORD, "
    "or a hidden prompt on a terminal).",
)
@click.option(
    "--env-file",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Read KEYSTONE_* settings from this file instead of ./.env.",
)
@click.option("--demo", is_flag=True, help="Run against the built-in demo Keystone (no server).")
@click.option("--debug", is_flag=True, help="Log every request to stderr.")
@click.version_option(
    package_name="keystone-client", prog_name="keystone", message="%(prog)s %(version)s"
)
@click.pass_context
def cli(
    ctx: click.Context,
    url: str | None,
    token: str | None,
    username: str | None,
    password_stdin: bool,
    env_file: str | None,
    demo: bool,
    debug: bool,
) -> None:
    r"""Work with a Keystone HPC allocation server from the shell.

    Settings come from KEYSTONE_* variables and .env, as for the Python client; the options
    above win over them. Each run logs in anew: nothing is stored between runs.

    \b
    Exit codes: 0 ok, 1 API error, 2 usage/filter/field/configuration error,
    3 not found, 4 authentication or permission refused, 5 connection error or timeout,
    130 interrupted.
    """
    if demo:
        given = [
            option
            for option, value in (
                ("--url", url),
                ("--token", token),
                ("--username", username),
                ("--password-stdin", password_stdin),
                ("--env-file", env_file),
            )
            if value
        ]
        if given:
            raise click.UsageError(f"--demo needs no server: drop {', '.join(given)}", ctx)
    state = ctx.ensure_object(AppState)
    state.connection = Connection(
        url=url,
        token=token,
        username=username,
        password_stdin=password_stdin,
        env_file=env_file,
        demo=demo,
    )
    state.debug = debug
    if debug:
        _log_requests()


def _log_requests() -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("keystone_client")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)


def _state() -> AppState:
    state: AppState = click.get_current_context().find_root().obj
    return state


@cli.command()
@fields_option
@format_option
def whoami(fields: str | None, fmt: str | None) -> None:
    """Log in with the configured credentials and show the user."""
    from .listing import print_one
    from .values import split_fields

    client = _state().client()
    user = client.whoami()
    if user is None:
        # Anonymous: log in explicitly so the refusal (or missing credentials) is reported.
        user = client.login()
    print_one(user, split_fields(fields), fmt)


@cli.command()
def version() -> None:
    """Print the server's version."""
    click.echo(_state().client().version())


@cli.command()
@format_option
def health(fmt: str | None) -> None:
    """Show the server's health checks."""
    from .listing import print_one

    print_one(_state().client().health(), None, fmt)


@cli.command()
@fields_option
@format_option
def config(fields: str | None, fmt: str | None) -> None:
    """Show the server's public configuration."""
    from .listing import print_one
    from .values import split_fields

    print_one(_state().client().config(), split_fields(fields), fmt)


@cli.command()
@format_option
def settings(fmt: str | None) -> None:
    """Show the resolved client settings (secrets masked); sends nothing."""
    from .connection import resolved_settings
    from .listing import print_one

    conn = _state().connection
    if conn.demo:
        row: dict[str, Any] = {"url": "(built-in demo)", "demo": True}
    else:
        resolved = resolved_settings(conn, ask=False)
        row = resolved.model_dump(mode="json")
        for name, value in row.items():
            if getattr(resolved, name).__class__.__name__ == "SecretStr" and value is not None:
                row[name] = "********"
        # A gateway header may carry a credential: show which are set, not their values.
        row["headers"] = dict.fromkeys(resolved.headers, "********")
    print_one(row, None, fmt)


@cli.command()
@click.argument("name", type=click.Choice(sorted(grammar.STATS)))
@click.option(
    "--filter",
    "-f",
    "filters",
    multiple=True,
    metavar="FIELD[__LOOKUP]=VALUE",
    help="Only records matching this filter (the collection's filters; repeatable).",
)
@format_option
def stats(name: str, filters: tuple[str, ...], fmt: str | None) -> None:
    """Aggregate statistics: requests, grants, publications or notifications."""
    from .listing import print_one
    from .values import parse_filters

    method = getattr(_state().client().resources.stats, name)
    print_one(method(**parse_filters(filters)), None, fmt)


@cli.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    r"""Print the completion script of SHELL.

    \b
    bash:  eval "$(keystone completion bash)"        (in ~/.bashrc)
    zsh:   eval "$(keystone completion zsh)"         (in ~/.zshrc)
    fish:  keystone completion fish > ~/.config/fish/completions/keystone.fish
    """
    from .completion import script

    click.echo(script(cli, shell))
