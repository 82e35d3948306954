"""What the command line knows of each collection, read from the library's declarations.

Nothing here is written per collection: a collection, an operation or a filter added to
``keystone_client.resources._catalog.Collections`` appears in the command line as it is.

Help and shell completion need only names, so they read a plain snapshot of the
declarations. When the declarations are not loaded yet, the snapshot comes from a cache file
made from them (rebuilt whenever a library source file changes), so that ``keystone --help``
and a completion request need not import the models.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import sys
import typing
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keystone_client.resources import ResourceSpec

__all__ = ["OPERATIONS", "STATS", "Collection", "collections", "command_name", "lookups_of"]

#: The CLI operations, in the order help lists them (``save`` is a Python-only operation).
OPERATIONS = ("list", "count", "get", "create", "update", "replace", "delete", "choices")

#: ``keystone stats NAME`` -> the collection whose filters it takes.
STATS = {
    "requests": "allocation_requests",
    "grants": "grants",
    "publications": "publications",
    "notifications": "notifications",
}

_CATALOG = "keystone_client.resources._catalog"
_FORMAT = 1  # bumped when the snapshot's layout changes


@dataclass(frozen=True)
class Collection:
    """One collection as the command line sees it: plain names, no models."""

    name: str
    endpoint: str
    operations: list[str]
    filters: dict[str, str]
    lookups: dict[str, list[str]]
    order_fields: list[str]
    create_fields: list[str]
    update_fields: list[str]
    choices: dict[str, list[str]]
    file_field: str | None

    @property
    def command(self) -> str:
        """The dashed command name."""
        return command_name(self.name)

    @property
    def label(self) -> str:
        """``allocation requests``, for messages."""
        return self.name.replace("_", " ")


def command_name(spec_name: str) -> str:
    """``allocation_requests`` -> ``allocation-requests``."""
    return spec_name.replace("_", "-")


def lookups_of(collection: Collection, field: str) -> list[str]:
    """The lookups the filter field offers (``exact`` first), or none for an unknown field."""
    kind = collection.filters.get(field)
    return collection.lookups.get(kind, []) if kind is not None else []


def collections() -> dict[str, Collection]:
    """Dashed command name -> collection, for every declared collection."""
    if _CATALOG in sys.modules:
        # Loaded already (by the library or a test): read the declarations as they are now.
        return _index(_from_declarations())
    return _index(_cached())


def _index(items: list[Collection]) -> dict[str, Collection]:
    return {item.command: item for item in items}


# -- from the declarations -------------------------------------------------------------------


def _from_declarations() -> list[Collection]:
    from keystone_client._filters import LOOKUPS
    from keystone_client.resources import _catalog

    lookups = {
        kind: ["exact", *sorted(lk for lk in offered if lk)] for kind, offered in LOOKUPS.items()
    }
    return [_describe(spec, lookups) for spec in _catalog.iter_specs()]


def _describe(spec: ResourceSpec[Any], lookups: dict[str, list[str]]) -> Collection:
    offered = set(spec.operations)
    if not spec.choices:
        offered.discard("choices")
    return Collection(
        name=spec.name,
        endpoint=spec.endpoint,
        operations=[op for op in OPERATIONS if op in offered],
        filters=dict(spec.filters),
        lookups={kind: lookups[kind] for kind in set(spec.filters.values()) if kind in lookups},
        order_fields=sorted(spec.order_fields),
        create_fields=_writable(spec, spec.create_fields),
        update_fields=_writable(spec, spec.writable_on_update),
        choices={field: _choice_codes(spec, field) for field in sorted(spec.choices)},
        file_field=spec.file_field,
    )


def _writable(spec: ResourceSpec[Any], allowed: frozenset[str]) -> list[str]:
    aliases = {model for model, server in spec.aliases.items() if server in allowed}
    return sorted(allowed | aliases)


def _choice_codes(spec: ResourceSpec[Any], field: str) -> list[str]:
    """The codes of a choice field, known from the model's enum (no request is sent)."""
    for name, info in spec.model.model_fields.items():
        if field in (name, info.alias):
            found = _enum_in(info.annotation)
            return [str(member.value) for member in found] if found else []
    return []


def _enum_in(annotation: Any) -> type[enum.Enum] | None:
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return annotation
    for arg in typing.get_args(annotation):
        found = _enum_in(arg)
        if found is not None:
            return found
    return None


# -- the cache file --------------------------------------------------------------------------


def _cached() -> list[Collection]:
    path = _cache_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Collection(**item) for item in data]
    except (OSError, ValueError, TypeError):
        pass
    items = _from_declarations()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(json.dumps([asdict(item) for item in items]), encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        pass  # a read-only home: the snapshot is rebuilt on every run
    return items


def _cache_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "keystone-client" / f"grammar-{_fingerprint()}.json"


def _fingerprint() -> str:
    """Changes whenever a source file of the library (outside the CLI) changes."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{_FORMAT}:{package}".encode())
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d not in ("cli", "__pycache__"))
        for name in sorted(files):
            if name.endswith(".py"):
                stat = os.stat(os.path.join(folder, name))
                digest.update(f"{folder}/{name}:{stat.st_mtime_ns}:{stat.st_size};".encode())
    return digest.hexdigest()[:16]
