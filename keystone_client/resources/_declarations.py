"""Collection declarations: one descriptor per collection serves its three faces.

``grants = Full(endpoint=..., model=Grant, ...)`` in `Collections` reads as the sync manager
on `Resources`, the async manager on `AsyncResources` and the batch manager on a batch. The
descriptor class states the operations, for the type checker and (as the spec's `Access`) at
run time. An operation a collection lacks is absent on every face.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from functools import partial
from typing import Any, ClassVar, Generic, Self, TypeVar, overload

from .._batch_managers import BatchManager, BatchReadManager, BatchUpdatableManager
from .._resource_spec import Access, ResourceSpec
from .._runners import AsyncRunner, SyncRunner
from ..models import KeystoneModel
from ._managers import (
    AsyncListManager,
    AsyncManager,
    AsyncReadOnlyManager,
    AsyncUpdatableManager,
    ListManager,
    Manager,
    ManagerCore,
    ReadOnlyManager,
    UpdatableManager,
)
from .stats import AsyncStats, Stats

__all__ = [
    "AsyncFace",
    "BatchFace",
    "Collection",
    "Face",
    "Full",
    "ListOnly",
    "ReadOnly",
    "Statistics",
    "SyncFace",
    "Updatable",
    "serve_collections",
]

M = TypeVar("M", bound=KeystoneModel)


class Face(enum.Enum):
    """The three ways a collection is served."""

    SYNC = "sync"
    ASYNC = "async"
    BATCH = "batch"


def serve_collections(face: object, kind: Face, owner: object) -> None:
    """Give ``face`` the manager of every collection declared on its class.

    ``owner`` is what the managers run through: the client, or for a batch the batch itself.
    A collection with nothing to offer on this face is left out: reading it raises
    `AttributeError`, as its descriptor says.
    """
    for cls in reversed(type(face).__mro__):
        for name, declaration in vars(cls).items():
            if isinstance(declaration, Collection | Statistics):
                manager = declaration.build(kind, owner)
                if manager is not None:
                    vars(face)[name] = manager


class SyncFace:
    """Hosts the sync managers of the declared collections (`Resources`)."""

    def __init__(self, client: SyncRunner) -> None:
        serve_collections(self, Face.SYNC, client)


class AsyncFace:
    """Hosts the async managers of the declared collections (`AsyncResources`)."""

    def __init__(self, client: AsyncRunner) -> None:
        serve_collections(self, Face.ASYNC, client)


class BatchFace:
    """Hosts the batch managers of the declared collections: a batch, which records actions."""

    def __init__(self) -> None:
        serve_collections(self, Face.BATCH, self)


#: The manager classes of each access level, in `Face` order (None: nothing to batch).
_MANAGERS: dict[
    Access,
    tuple[type[ManagerCore[Any]], type[ManagerCore[Any]], type[BatchReadManager[Any]] | None],
] = {
    Access.LIST_ONLY: (ListManager, AsyncListManager, None),
    Access.READ_ONLY: (ReadOnlyManager, AsyncReadOnlyManager, BatchReadManager),
    Access.UPDATABLE: (UpdatableManager, AsyncUpdatableManager, BatchUpdatableManager),
    Access.FULL: (Manager, AsyncManager, BatchManager),
}


class Collection(Generic[M]):
    """The declaration of one collection, read as an attribute of a face.

    Each face builds its managers when it is created (`serve_collections`); the descriptor
    itself is read only where a face has no manager for the collection, and then says why.
    """

    #: The operations this declaration offers: the descriptor class states them once.
    access: ClassVar[Access]
    #: The collection, complete once the descriptor is named in its table.
    spec: ResourceSpec[M]

    def __init__(
        self,
        *,
        endpoint: str,
        model: type[M],
        filters: Mapping[str, str],
        create_fields: frozenset[str] = frozenset(),
        update_fields: frozenset[str] | None = None,
        choices: Mapping[str, str] | None = None,
        keyset_order: str | None = "id",
        file_field: str | None = None,
        ordering: frozenset[str] | None = None,
    ) -> None:
        # The attribute name becomes the collection's name (``__set_name__``), so a
        # collection is declared by one line of its table and nothing else.
        self._declare = partial(
            ResourceSpec,
            endpoint=endpoint,
            model=model,
            filters=filters,
            create_fields=create_fields,
            update_fields=update_fields,
            choices=dict(choices or {}),
            keyset_order=keyset_order,
            file_field=file_field,
            access=self.access,
            ordering=ordering,
        )

    def __set_name__(self, owner: type, name: str) -> None:
        self.spec = self._declare(name=name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.spec.name})"

    def build(self, kind: Face, owner: Any) -> Any:
        """Return this collection's manager for a face of ``kind``; None if it has none."""
        cls = _MANAGERS[self.access][list(Face).index(kind)]
        return None if cls is None else cls(owner, self.spec)

    def _absent(self, face: object) -> Any:
        # Reached only when the face holds no manager for this collection.
        raise AttributeError(
            f"{self.spec.name} has no operation a batch can run (it is read-only)"
            if isinstance(face, BatchFace)
            else f"{type(face).__name__!r} object has no attribute {self.spec.name!r}"
        )


class ListOnly(Collection[M]):
    """A collection that can only be listed and counted (no batch operation)."""

    access = Access.LIST_ONLY

    @overload
    def __get__(self, face: None, owner: type) -> Self: ...
    @overload
    def __get__(self, face: SyncFace, owner: type) -> ListManager[M]: ...
    @overload
    def __get__(self, face: AsyncFace, owner: type) -> AsyncListManager[M]: ...
    def __get__(self, face: object, owner: type) -> Any:
        return self if face is None else self._absent(face)


class ReadOnly(Collection[M]):
    """A collection whose records can be read one by one, not written."""

    access = Access.READ_ONLY

    @overload
    def __get__(self, face: None, owner: type) -> Self: ...
    @overload
    def __get__(self, face: SyncFace, owner: type) -> ReadOnlyManager[M]: ...
    @overload
    def __get__(self, face: AsyncFace, owner: type) -> AsyncReadOnlyManager[M]: ...
    @overload
    def __get__(self, face: BatchFace, owner: type) -> BatchReadManager[M]: ...
    def __get__(self, face: object, owner: type) -> Any:
        return self if face is None else self._absent(face)


class Updatable(Collection[M]):
    """A collection whose records can be read and changed, not created or deleted."""

    access = Access.UPDATABLE

    @overload
    def __get__(self, face: None, owner: type) -> Self: ...
    @overload
    def __get__(self, face: SyncFace, owner: type) -> UpdatableManager[M]: ...
    @overload
    def __get__(self, face: AsyncFace, owner: type) -> AsyncUpdatableManager[M]: ...
    @overload
    def __get__(self, face: BatchFace, owner: type) -> BatchUpdatableManager[M]: ...
    def __get__(self, face: object, owner: type) -> Any:
        return self if face is None else self._absent(face)


class Full(Collection[M]):
    """A collection with every operation: read, create, update, replace and delete."""

    access = Access.FULL

    @overload
    def __get__(self, face: None, owner: type) -> Self: ...
    @overload
    def __get__(self, face: SyncFace, owner: type) -> Manager[M]: ...
    @overload
    def __get__(self, face: AsyncFace, owner: type) -> AsyncManager[M]: ...
    @overload
    def __get__(self, face: BatchFace, owner: type) -> BatchManager[M]: ...
    def __get__(self, face: object, owner: type) -> Any:
        return self if face is None else self._absent(face)


class Statistics:
    """The statistics endpoints, filtered like the collections of their table; not in a batch."""

    _table: type

    def __set_name__(self, owner: type, name: str) -> None:
        self._table = owner

    def build(self, kind: Face, owner: Any) -> Stats | AsyncStats | None:
        """Return the statistics manager for a face of ``kind``; None in a batch."""
        collections = {
            d.spec.name: d.spec for d in vars(self._table).values() if isinstance(d, Collection)
        }
        if kind is Face.SYNC:
            return Stats(owner, collections)
        return AsyncStats(owner, collections) if kind is Face.ASYNC else None

    @overload
    def __get__(self, face: None, owner: type) -> Self: ...
    @overload
    def __get__(self, face: SyncFace, owner: type) -> Stats: ...
    @overload
    def __get__(self, face: AsyncFace, owner: type) -> AsyncStats: ...
    def __get__(self, face: object, owner: type) -> Any:
        if face is None:
            return self
        raise AttributeError("Statistics cannot be read in a batch")
