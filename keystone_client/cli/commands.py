"""The commands of one collection, generated from its declaration."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from . import grammar
from .completion import complete_choice_field, complete_filter, complete_order, complete_set
from .output import FORMATS
from .values import parse_filters, parse_id, parse_sets, read_json_body, split_fields

if TYPE_CHECKING:
    from keystone_client.resources import ResourceSpec

    from .connection import AppState

__all__ = ["collection_group"]

_FORMAT_HELP = "Output format (default: table on a terminal, ndjson in a pipe)."


def format_option(func: Any) -> Any:
    """``--format``/``-o``, shared by every command that prints records."""
    return click.option(
        "--format", "-o", "fmt", type=click.Choice(FORMATS), default=None, help=_FORMAT_HELP
    )(func)


def fields_option(func: Any) -> Any:
    """``--fields id,title,team.name``."""
    return click.option(
        "--fields",
        "fields",
        default=None,
        metavar="A,B.C",
        help="Fields to show, comma-separated; dotted names follow relations (team.name).",
    )(func)


class CollectionGroup(click.Group):
    """``keystone <collection>``: builds its operations from the declaration on demand."""

    def __init__(self, spec: ResourceSpec[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    def list_commands(self, ctx: click.Context) -> list[str]:
        return grammar.operations_of(self.spec)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in grammar.operations_of(self.spec):
            return None
        command = _BUILDERS[cmd_name](self.spec)
        command.spec = self.spec  # type: ignore[attr-defined]
        return command


def collection_group(name: str, spec: ResourceSpec[Any]) -> click.Group:
    """The ``keystone <name>`` group of collection ``spec``."""
    ops = ", ".join(grammar.operations_of(spec))
    return CollectionGroup(
        spec,
        name=name,
        help=f"The {spec.name.replace('_', ' ')} collection ({spec.endpoint}): {ops}.",
        short_help=ops,
        no_args_is_help=True,
    )


def _state() -> AppState:
    state: AppState = click.get_current_context().find_root().obj
    return state


def _manager(spec: ResourceSpec[Any]) -> Any:
    return getattr(_state().client().resources, spec.name)


# -- reading ---------------------------------------------------------------------------------


def _build_query(
    spec: ResourceSpec[Any], filters: tuple[str, ...], order_by: str | None, search: str | None
) -> Any:
    query = _manager(spec).filter(**parse_filters(filters))
    if order_by:
        query = query.order_by(*[part.strip() for part in order_by.split(",") if part.strip()])
    if search:
        query = query.search(search)
    return query


def _filter_options(func: Any) -> Any:
    func = click.option(
        "--search", default=None, metavar="TEXT", help="Full-text search on the server."
    )(func)
    func = click.option(
        "--order-by",
        default=None,
        metavar="FIELD[,-FIELD]",
        shell_complete=complete_order,
        help="Sort by these fields; a leading - sorts descending.",
    )(func)
    return click.option(
        "--filter",
        "-f",
        "filters",
        multiple=True,
        metavar="FIELD[__LOOKUP]=VALUE",
        shell_complete=complete_filter,
        help="Keep records matching this filter (repeatable; all must match).",
    )(func)


def _list_command(spec: ResourceSpec[Any]) -> click.Command:
    @click.command("list", help=f"List {spec.name.replace('_', ' ')}; every match unless --limit.")
    @_filter_options
    @click.option("--limit", type=click.IntRange(min=0), default=None, help="At most N records.")
    @fields_option
    @format_option
    def command(
        filters: tuple[str, ...],
        order_by: str | None,
        search: str | None,
        limit: int | None,
        fields: str | None,
        fmt: str | None,
    ) -> None:
        from .listing import stream_listing

        query = _build_query(spec, filters, order_by, search)
        if limit is not None:
            query = query[:limit]
        stream_listing(
            query,
            split_fields(fields),
            fmt,
            label=spec.name.replace("_", " "),
            page_size=_state().client().page_size,
        )

    return command


def _count_command(spec: ResourceSpec[Any]) -> click.Command:
    @click.command("count", help=f"Print the number of matching {spec.name.replace('_', ' ')}.")
    @_filter_options
    @format_option
    def command(
        filters: tuple[str, ...], order_by: str | None, search: str | None, fmt: str | None
    ) -> None:
        # The bare number is valid in every format.
        click.echo(_build_query(spec, filters, order_by, search).count())

    return command


def _get_command(spec: ResourceSpec[Any]) -> click.Command:
    @click.command("get", help="Show one record.")
    @click.argument("record_id", metavar="ID")
    @fields_option
    @format_option
    def command(record_id: str, fields: str | None, fmt: str | None) -> None:
        from .listing import print_one

        print_one(_manager(spec).get(parse_id(record_id)), split_fields(fields), fmt)

    return command


def _choices_command(spec: ResourceSpec[Any]) -> click.Command:
    fields = sorted(spec.choices)

    @click.command(
        "choices",
        help=f"List the codes and labels of a choice field ({', '.join(fields) or 'none'}).",
    )
    @click.argument("field", shell_complete=complete_choice_field)
    @format_option
    def command(field: str, fmt: str | None) -> None:
        from .output import make_writer, write_rows

        codes = _manager(spec).choices(field)
        rows = [{"code": code, "label": label} for code, label in codes.items()]
        write_rows(make_writer(fmt, None), rows)

    return command


# -- writing ---------------------------------------------------------------------------------


def _write_options(func: Any) -> Any:
    func = click.option(
        "--json",
        "json_source",
        default=None,
        metavar="-|PATH",
        help="The whole body as a JSON object, from stdin (-) or a file; --set wins over it.",
    )(func)
    return click.option(
        "--set",
        "-s",
        "sets",
        multiple=True,
        metavar="FIELD=VALUE",
        shell_complete=complete_set,
        help="field=text, field:=JSON (numbers, true, null, lists) or field=@path (repeatable).",
    )(func)


def _body(
    spec: ResourceSpec[Any], sets: tuple[str, ...], json_source: str | None
) -> dict[str, Any]:
    body = read_json_body(json_source)
    body.update(parse_sets(sets, spec.file_field))
    return body


def _create_command(spec: ResourceSpec[Any]) -> click.Command:
    upload = f" Upload a file with --set {spec.file_field}=@PATH." if spec.file_field else ""

    @click.command("create", help=f"Create a record from --set fields or --json.{upload}")
    @_write_options
    @fields_option
    @format_option
    def command(
        sets: tuple[str, ...], json_source: str | None, fields: str | None, fmt: str | None
    ) -> None:
        from .listing import print_one

        record = _manager(spec).create(**_body(spec, sets, json_source))
        print_one(record, split_fields(fields), fmt)

    return command


def _update_like(spec: ResourceSpec[Any], name: str) -> click.Command:
    text = (
        "Change the given fields of one record."
        if name == "update"
        else "Replace one record with the given fields (PUT)."
    )

    @click.command(name, help=text)
    @click.argument("record_id", metavar="ID")
    @_write_options
    @fields_option
    @format_option
    def command(
        record_id: str,
        sets: tuple[str, ...],
        json_source: str | None,
        fields: str | None,
        fmt: str | None,
    ) -> None:
        from .listing import print_one

        body = _body(spec, sets, json_source)
        if not body:
            raise click.UsageError(f"{name} needs at least one --set FIELD=VALUE or --json")
        record = getattr(_manager(spec), name)(parse_id(record_id), **body)
        print_one(record, split_fields(fields), fmt)

    return command


def _delete_command(spec: ResourceSpec[Any]) -> click.Command:
    @click.command("delete", help="Delete one record.")
    @click.argument("record_id", metavar="ID")
    def command(record_id: str) -> None:
        _manager(spec).delete(parse_id(record_id))
        click.echo(f"Deleted {spec.name.replace('_', ' ')} {record_id}", err=True)

    return command


_BUILDERS = {
    "list": _list_command,
    "count": _count_command,
    "get": _get_command,
    "create": _create_command,
    "update": lambda spec: _update_like(spec, "update"),
    "replace": lambda spec: _update_like(spec, "replace"),
    "delete": _delete_command,
    "choices": _choices_command,
}


def iter_names() -> Iterator[str]:
    """Dashed names of every collection."""
    yield from grammar.collections()
