"""`ResourceSpec`: everything the generic managers need to know about one collection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Generic, TypeVar

from pydantic import TypeAdapter

from .models import KeystoneModel, Page

__all__ = ["Access", "ResourceSpec", "SpecHolder", "StatsSpec"]

M = TypeVar("M", bound=KeystoneModel)
S = TypeVar("S", bound=KeystoneModel)


class Access(Enum):
    """Which operations a collection offers, from the fewest to all of them."""

    LIST_ONLY = frozenset({"list", "count"})
    READ_ONLY = LIST_ONLY | {"get", "choices"}
    UPDATABLE = READ_ONLY | {"update", "save"}
    FULL = UPDATABLE | {"create", "replace", "delete"}


@dataclass(frozen=True, eq=False)
class ResourceSpec(Generic[M]):
    """The declaration of one collection: endpoint, model, filters and writable fields.

    Attributes:
        name: The attribute name under ``client.resources``.
        endpoint: Path relative to the base URL, with a trailing slash.
        model: The pydantic model of one record.
        filters: Server filter field -> field type (see ``keystone_client._filters.LOOKUPS``).
        create_fields: Server field names accepted by POST (and PUT).
        update_fields: Server field names accepted by PATCH and PUT, when they differ.
        choices: Choice field -> endpoint that lists its codes and labels.
        keyset_order: The server's default order when it is by id (``"id"`` or ``"-id"``),
            which allows keyset pagination; None when records must be paged by offset.
        file_field: The field sent as a multipart file upload, if any.
        access: Which operations the collection offers.
        ordering: Fields the server can order by; None means the filter fields.
    """

    name: str
    endpoint: str
    model: type[M]
    filters: Mapping[str, str]
    create_fields: frozenset[str] = frozenset()
    update_fields: frozenset[str] | None = None
    choices: Mapping[str, str] = field(default_factory=dict)
    keyset_order: str | None = "id"
    file_field: str | None = None
    access: Access = Access.FULL
    ordering: frozenset[str] | None = None

    @property
    def operations(self) -> frozenset[str]:
        """Names of the manager operations this collection offers."""
        return self.access.value

    @property
    def order_fields(self) -> frozenset[str]:
        """Fields the server can order this collection by."""
        return frozenset(self.filters) if self.ordering is None else self.ordering

    @property
    def writable_on_update(self) -> frozenset[str]:
        """Server field names accepted by PATCH and PUT."""
        return self.create_fields if self.update_fields is None else self.update_fields

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Model field name -> server name, for names that differ (``team_id`` -> ``team``)."""
        known = {*self.filters, *self.create_fields}
        return {
            name: info.alias
            for name, info in self.model.model_fields.items()
            if info.alias and info.alias != name and info.alias in known
        }

    @cached_property
    def record_adapter(self) -> TypeAdapter[M]:
        """Parses one record straight from JSON bytes."""
        return TypeAdapter(self.model)

    @cached_property
    def page_adapter(self) -> TypeAdapter[Page[M]]:
        """Parses one list page straight from JSON bytes."""
        return TypeAdapter(Page[self.model])  # type: ignore[name-defined]

    def detail_path(self, record_id: object) -> str:
        """Return the endpoint of one record."""
        return f"{self.endpoint}{record_id}/"


@dataclass(frozen=True, eq=False)
class StatsSpec(Generic[S]):
    """The declaration of one statistics endpoint, filtered like the collection it sums up.

    Attributes:
        name: The method name under ``client.resources.stats``.
        endpoint: Path relative to the base URL, with a trailing slash.
        model: The pydantic model of the statistics.
        collection: The name of the collection whose filters the endpoint accepts.
    """

    name: str
    endpoint: str
    model: type[S]
    collection: str

    @cached_property
    def adapter(self) -> TypeAdapter[S]:
        """Parses the statistics straight from JSON bytes."""
        return TypeAdapter(self.model)


class SpecHolder(Generic[M]):
    """Base of everything that serves one collection: managers and batch managers."""

    _spec: ResourceSpec[M]

    @property
    def spec(self) -> ResourceSpec[M]:
        """The declaration of this collection."""
        return self._spec

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._spec.name} at {self._spec.endpoint}>"
