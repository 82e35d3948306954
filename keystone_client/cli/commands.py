"""The commands of one collection, generated from its declaration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .completion import complete_choice_field, complete_filter, complete_order, complete_set
from .output import FORMATS
from .values import parse_filters, parse_id, parse_sets, read_json_body, split_fields

if TYPE_CHECKING:
    from .connection import AppState
    from .grammar import Collection

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

    def __init__(self, collection: Collection, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.collection = collection

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.collection.operations)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.collection.operations:
            return None
        command = _BUILDERS[cmd_name](self.collection)
        command.collection = self.collection  # type: ignore[attr-defined]
        return command


def collection_group(collection: Collection) -> click.Group:
    """The ``keystone <collection>`` group."""
    ops = ", ".join(collection.operations)
    return CollectionGroup(
        collection,
        name=collection.command,
        help=f"The {collection.label} collection ({collection.endpoint}): {ops}.",
        short_help=ops,
        no_args_is_help=True,
    )


def _state() -> AppState:
    state: AppState = click.get_current_context().find_root().obj
    return state


def _manager(coll: Collection) -> Any:
    manager = getattr(_state().client().resources, coll.name, None)
    if manager is None:
        raise click.UsageError(f"this version of the library has no {coll.name} manager")
    return manager


def _operation(coll: Collection, name: str) -> Any:
    """The manager method behind an operation (declared, so normally present)."""
    method = getattr(_manager(coll), name, None)
    if method is None:
        raise click.UsageError(f"the {coll.name} manager of this library offers no {name}()")
    return method


# -- reading ---------------------------------------------------------------------------------


def _build_query(
    coll: Collection, filters: tuple[str, ...], order_by: str | None, search: str | None
) -> Any:
    query = _manager(coll).filter(**parse_filters(filters))
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


def _list_command(coll: Collection) -> click.Command:
    @click.command("list", help=f"List {coll.label}; every match unless --limit.")
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

        query = _build_query(coll, filters, order_by, search)
        if limit is not None:
            query = query[:limit]
        stream_listing(
            query,
            split_fields(fields),
            fmt,
            label=coll.label,
            page_size=_state().client().page_size,
        )

    return command


def _count_command(coll: Collection) -> click.Command:
    @click.command("count", help=f"Print the number of matching {coll.label}.")
    @_filter_options
    @format_option
    def command(
        filters: tuple[str, ...], order_by: str | None, search: str | None, fmt: str | None
    ) -> None:
        # The bare number is valid in every format.
        click.echo(_build_query(coll, filters, order_by, search).count())

    return command


def _get_command(coll: Collection) -> click.Command:
    @click.command("get", help="Show one record.")
    @click.argument("record_id", metavar="ID")
    @fields_option
    @format_option
    def command(record_id: str, fields: str | None, fmt: str | None) -> None:
        from .listing import print_one

        print_one(_operation(coll, "get")(parse_id(record_id)), split_fields(fields), fmt)

    return command


def _choices_command(coll: Collection) -> click.Command:
    fields = list(coll.choices)

    @click.command(
        "choices",
        help=f"List the codes and labels of a choice field ({', '.join(fields) or 'none'}).",
    )
    @click.argument("field", shell_complete=complete_choice_field)
    @format_option
    def command(field: str, fmt: str | None) -> None:
        from .output import make_writer, write_rows

        codes = _operation(coll, "choices")(field)
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


def _body(coll: Collection, sets: tuple[str, ...], json_source: str | None) -> dict[str, Any]:
    body = read_json_body(json_source)
    body.update(parse_sets(sets, coll.file_field))
    return body


def _create_command(coll: Collection) -> click.Command:
    upload = f" Upload a file with --set {coll.file_field}=@PATH." if coll.file_field else ""

    @click.command("create", help=f"Create a record from --set fields or --json.{upload}")
    @_write_options
    @fields_option
    @format_option
    def command(
        sets: tuple[str, ...], json_source: str | None, fields: str | None, fmt: str | None
    ) -> None:
        from .listing import print_one

        record = _operation(coll, "create")(**_body(coll, sets, json_source))
        print_one(record, split_fields(fields), fmt)

    return command


def _update_like(coll: Collection, name: str) -> click.Command:
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

        body = _body(coll, sets, json_source)
        if not body:
            raise click.UsageError(f"{name} needs at least one --set FIELD=VALUE or --json")
        record = _operation(coll, name)(parse_id(record_id), **body)
        print_one(record, split_fields(fields), fmt)

    return command


def _delete_command(coll: Collection) -> click.Command:
    @click.command("delete", help="Delete one record.")
    @click.argument("record_id", metavar="ID")
    def command(record_id: str) -> None:
        _operation(coll, "delete")(parse_id(record_id))
        click.echo(f"Deleted {coll.label} {record_id}", err=True)

    return command


_BUILDERS = {
    "list": _list_command,
    "count": _count_command,
    "get": _get_command,
    "create": _create_command,
    "update": lambda coll: _update_like(coll, "update"),
    "replace": lambda coll: _update_like(coll, "replace"),
    "delete": _delete_command,
    "choices": _choices_command,
}
