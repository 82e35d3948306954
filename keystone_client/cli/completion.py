"""Shell completion, from the declarations alone: no completion ever sends a request.

It completes collections, operations, filter fields and lookups, writable fields and choice
codes (known from the models' enums).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from . import grammar

if TYPE_CHECKING:
    from .grammar import Collection

__all__ = [
    "SHELLS",
    "complete_choice_field",
    "complete_filter",
    "complete_order",
    "complete_set",
    "script",
]

SHELLS = ("bash", "zsh", "fish")


def script(root: click.Command, shell: str) -> str:
    """The completion script of ``shell`` for the ``keystone`` command."""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - click knows every shell of SHELLS
        raise click.UsageError(f"no completion for {shell}")
    return cls(root, {}, "keystone", "_KEYSTONE_COMPLETE").source()


def _collection(ctx: click.Context) -> Collection | None:
    return getattr(ctx.command, "collection", None)


def _items(values: list[str], incomplete: str, **kwargs: Any) -> list[CompletionItem]:
    return [CompletionItem(v, **kwargs) for v in values if v.startswith(incomplete)]


def complete_filter(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """``sta`` -> ``status=``/``status__``; ``status__`` -> lookups; ``status=`` -> codes."""
    coll = _collection(ctx)
    if coll is None:
        return []
    name, sep, _value = incomplete.partition("=")
    if sep:
        field, _, lookup = name.partition("__")
        if lookup in ("", "exact", "in", "not_eq", "not_in"):
            codes = coll.choices.get(field, [])
            return _items([f"{name}={code}" for code in codes], incomplete)
        return []
    field, dunder, _lookup = name.partition("__")
    if dunder and field in coll.filters:
        lookups = grammar.lookups_of(coll, field)
        return _items([f"{field}__{lk}=" for lk in lookups], incomplete, type="nospace")
    fields = sorted(coll.filters)
    return _items(
        [f"{f}=" for f in fields] + [f"{f}__" for f in fields], incomplete, type="nospace"
    )


def complete_order(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Fields the collection can be ordered by, ascending or descending."""
    coll = _collection(ctx)
    if coll is None:
        return []
    fields = coll.order_fields
    return _items([*fields, *(f"-{f}" for f in fields)], incomplete)


def complete_set(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """Writable fields (``title=``), then choice codes after ``status=``.

    ``status:=`` takes JSON, which a bare code is not: it gets no codes.
    """
    coll = _collection(ctx)
    if coll is None:
        return []
    update = ctx.command.name in ("update", "replace")
    name, sep, _value = incomplete.partition("=")
    if sep:
        codes = coll.choices.get(name, [])
        return _items([f"{name}={code}" for code in codes], incomplete)
    fields = coll.update_fields if update else coll.create_fields
    return _items([f"{f}=" for f in fields], incomplete, type="nospace")


def complete_choice_field(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    """The collection's choice fields."""
    coll = _collection(ctx)
    return _items(list(coll.choices), incomplete) if coll is not None else []
