"""What the command line knows of each collection, read from the library's declarations.

Nothing here is written per collection: a collection, an operation or a filter added to
``keystone_client.resources._catalog.ALL_SPECS`` appears in the command line as it is.
"""

from __future__ import annotations

import enum
import typing
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keystone_client.resources import ResourceSpec

__all__ = [
    "OPERATIONS",
    "STATS",
    "choice_codes",
    "collections",
    "command_name",
    "lookups_of",
    "spec_for",
    "writable_fields",
]

#: The CLI operations, in the order help lists them (``save`` is a Python-only operation).
OPERATIONS = ("list", "count", "get", "create", "update", "replace", "delete", "choices")

#: ``keystone stats NAME`` -> the `Stats` method and the collection whose filters it takes.
STATS = {
    "requests": "allocation_requests",
    "grants": "grants",
    "publications": "publications",
    "notifications": "notifications",
}


def command_name(spec_name: str) -> str:
    """``allocation_requests`` -> ``allocation-requests``."""
    return spec_name.replace("_", "-")


def collections() -> dict[str, ResourceSpec[Any]]:
    """Dashed command name -> declaration, for every declared collection."""
    # Read at every call (not cached) so that the declarations are the single source.
    from keystone_client.resources import _catalog

    return {command_name(spec.name): spec for spec in _catalog.ALL_SPECS}


def spec_for(spec_name: str) -> ResourceSpec[Any]:
    """The declaration named ``spec_name`` (underscored, as under ``client.resources``)."""
    for spec in collections().values():
        if spec.name == spec_name:
            return spec
    raise LookupError(spec_name)


def operations_of(spec: ResourceSpec[Any]) -> list[str]:
    """The CLI operations ``spec`` offers, in help order (``choices`` only with choice fields)."""
    offered = set(spec.operations)
    if not spec.choices:
        offered.discard("choices")
    return [op for op in OPERATIONS if op in offered]


def lookups_of(kind: str) -> list[str]:
    """The lookups a filter field type offers (``exact`` first)."""
    from keystone_client._filters import LOOKUPS

    return ["exact", *sorted(lk for lk in LOOKUPS.get(kind, ()) if lk)]


def writable_fields(spec: ResourceSpec[Any], *, update: bool) -> list[str]:
    """Field names ``--set`` accepts for create (or update/replace)."""
    allowed = spec.writable_on_update if update else spec.create_fields
    aliases = {model for model, server in spec.aliases.items() if server in allowed}
    return sorted(allowed | aliases)


def choice_codes(spec: ResourceSpec[Any], field: str) -> list[str]:
    """The codes of a choice field, known from the model's enum (no request is sent)."""
    info = spec.model.model_fields.get(field)
    if info is None:
        for name, candidate in spec.model.model_fields.items():
            if candidate.alias == field:
                info = spec.model.model_fields[name]
                break
    if info is None:
        return []
    found = _enum_in(info.annotation)
    return [str(member.value) for member in found] if found else []


@cache
def _enum_in(annotation: Any) -> type[enum.Enum] | None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    for arg in typing.get_args(annotation):
        found = _enum_in(arg)
        if found is not None:
            return found
    return None
