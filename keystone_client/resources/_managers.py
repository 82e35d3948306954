"""Generic managers that serve every collection, sync and async.

`ManagerCore` holds each operation once, as an I/O-free flow. The sync and async classes
only run those flows; their hierarchy decides which operations a resource has:

- `ListManager`: ``all``, ``filter``, ``order_by``, ``search``, ``list``, ``count``
- `ReadOnlyManager`: + ``get``, ``choices``
- `UpdatableManager`: + ``update``, ``save``
- `Manager`: + ``create``, ``replace``, ``delete``
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import TypeAdapter

from .. import _response
from .._base_client import Flow
from .._ids import path_id
from .._payload import build_body, check_fields, merge_input
from .._query import AsyncQuery, Query
from .._resource_spec import ResourceSpec, SpecHolder
from .._runners import AsyncRunner, FlowSource, SyncRunner
from ..errors import FieldError
from ..models import KeystoneModel, Record

__all__ = [
    "AsyncListManager",
    "AsyncManager",
    "AsyncReadOnlyManager",
    "AsyncUpdatableManager",
    "ListManager",
    "Manager",
    "ManagerCore",
    "ReadOnlyManager",
    "UpdatableManager",
]

M = TypeVar("M", bound=KeystoneModel)
R = TypeVar("R", bound=Record)

_CHOICES = TypeAdapter(dict[str, str])


class ManagerCore(SpecHolder[M]):
    """Every manager operation as a flow; shared by the sync and async managers."""

    _client: FlowSource

    def __init__(self, client: FlowSource, spec: ResourceSpec[M]) -> None:
        self._client = client
        self._spec = spec

    def _get_flow(self, pk: Any) -> Flow[M]:
        return (
            yield from self._client._call_flow(
                "GET", self._spec.detail_path(path_id(pk)), self._spec.record_adapter
            )
        )

    def _write_flow(self, method: str, path: str, payload: dict[str, Any]) -> Flow[M]:
        body = build_body(self._spec, payload)
        return (
            yield from self._client._call_flow(
                method,
                path,
                self._spec.record_adapter,
                json=body.json,
                data=body.data,
                files=body.files,
            )
        )

    def _create_flow(self, data: Any, fields: Mapping[str, Any]) -> Flow[M]:
        payload = merge_input(self._spec, self._spec.create_fields, data, fields)
        return (yield from self._write_flow("POST", self._spec.endpoint, payload))

    def _update_flow(self, pk: Any, fields: Mapping[str, Any], method: str = "PATCH") -> Flow[M]:
        payload = check_fields(self._spec, self._spec.writable_on_update, fields)
        path = self._spec.detail_path(path_id(pk))
        return (yield from self._write_flow(method, path, payload))

    def _save_flow(self, obj: M) -> Flow[M]:
        # Another resource's record would PATCH the record of this one that has its id.
        if not isinstance(obj, self._spec.model) or not isinstance(obj, Record):
            raise TypeError(f"save() needs a {self._spec.model.__name__} fetched from the server")
        changes = obj.changed_fields()
        if not changes:
            return obj
        saved = yield from self._update_flow(obj.id, changes)
        obj.mark_clean()
        return saved

    def _delete_flow(self, pk: Any) -> Flow[None]:
        response = yield from self._client._send_flow("DELETE", self._spec.detail_path(path_id(pk)))
        _response.raise_for_status(response)

    def _choices_flow(self, field: str) -> Flow[dict[str, str]]:
        endpoint = self._spec.choices.get(field)
        if endpoint is None:
            valid = ", ".join(sorted(self._spec.choices)) or "none"
            raise FieldError(
                f"{self._spec.name} has no choices for {field!r}; fields with choices: {valid}"
            )
        return (yield from self._client._call_flow("GET", endpoint, _CHOICES))


# -- sync ------------------------------------------------------------------------------------


class ListManager(ManagerCore[M]):
    """Read access by query: ``all``, ``filter``, ``order_by``, ``search``, ``list``, ``count``."""

    _client: SyncRunner

    def all(self) -> Query[M]:
        """Return a lazy query over every record."""
        return Query(self._client, self._spec)

    def filter(self, **filters: Any) -> Query[M]:
        """Return a lazy query narrowed by ``field__lookup=value`` filters."""
        return self.all().filter(**filters)

    def order_by(self, *fields: str) -> Query[M]:
        """Return a lazy query ordered by ``fields`` (``"-field"`` descending)."""
        return self.all().order_by(*fields)

    def search(self, text: str) -> Query[M]:
        """Return a lazy query of records matching ``text``."""
        return self.all().search(text)

    def list(self, **filters: Any) -> list[M]:
        """Return every record matching ``filters``, across all pages."""
        return self.filter(**filters).list()

    def count(self, **filters: Any) -> int:
        """Return the number of records matching ``filters``."""
        return self.filter(**filters).count()


class ReadOnlyManager(ListManager[M]):
    """`ListManager` plus ``get`` and ``choices``."""

    def get(self, id: Any, /) -> M:
        """Return the record with this id.

        Raises:
            NotFoundError: No such record (or not visible to this user).
        """
        return self._client._run(self._get_flow(id))

    def choices(self, field: str) -> dict[str, str]:
        """Return code -> label of a choice field (e.g. ``"status"``)."""
        return self._client._run(self._choices_flow(field))


class UpdatableManager(ReadOnlyManager[M]):
    """`ReadOnlyManager` plus ``update`` (PATCH) and ``save``."""

    def update(self, id: Any, /, **fields: Any) -> M:
        """Change only ``fields`` of a record (PATCH) and return it as saved."""
        return self._client._run(self._update_flow(id, fields))

    def save(self, obj: M) -> M:
        """Send only the fields assigned on ``obj`` since it was fetched (PATCH)."""
        return self._client._run(self._save_flow(obj))


class Manager(UpdatableManager[M]):
    """Full access: `UpdatableManager` plus ``create``, ``replace`` (PUT) and ``delete``."""

    def create(self, data: Any = None, /, **fields: Any) -> M:
        """Create a record from a dict or model and/or keyword fields; return it."""
        return self._client._run(self._create_flow(data, fields))

    def replace(self, id: Any, /, **fields: Any) -> M:
        """Replace a record (PUT): every field the server requires must be given."""
        return self._client._run(self._update_flow(id, fields, "PUT"))

    def delete(self, id: Any, /) -> None:
        """Delete a record."""
        self._client._run(self._delete_flow(id))


# -- async -----------------------------------------------------------------------------------


class AsyncListManager(ManagerCore[M]):
    """Async read access by query: ``all``, ``filter``, ``order_by``, ``search``, ..."""

    _client: AsyncRunner

    def all(self) -> AsyncQuery[M]:
        """Return a lazy query over every record."""
        return AsyncQuery(self._client, self._spec)

    def filter(self, **filters: Any) -> AsyncQuery[M]:
        """Return a lazy query narrowed by ``field__lookup=value`` filters."""
        return self.all().filter(**filters)

    def order_by(self, *fields: str) -> AsyncQuery[M]:
        """Return a lazy query ordered by ``fields`` (``"-field"`` descending)."""
        return self.all().order_by(*fields)

    def search(self, text: str) -> AsyncQuery[M]:
        """Return a lazy query of records matching ``text``."""
        return self.all().search(text)

    async def list(self, **filters: Any) -> list[M]:
        """Return every record matching ``filters``, fetching pages concurrently."""
        return await self.filter(**filters).list()

    async def count(self, **filters: Any) -> int:
        """Return the number of records matching ``filters``."""
        return await self.filter(**filters).count()


class AsyncReadOnlyManager(AsyncListManager[M]):
    """`AsyncListManager` plus ``get`` and ``choices``."""

    async def get(self, id: Any, /) -> M:
        """Return the record with this id.

        Raises:
            NotFoundError: No such record (or not visible to this user).
        """
        return await self._client._run(self._get_flow(id))

    async def choices(self, field: str) -> dict[str, str]:
        """Return code -> label of a choice field (e.g. ``"status"``)."""
        return await self._client._run(self._choices_flow(field))


class AsyncUpdatableManager(AsyncReadOnlyManager[M]):
    """`AsyncReadOnlyManager` plus ``update`` (PATCH) and ``save``."""

    async def update(self, id: Any, /, **fields: Any) -> M:
        """Change only ``fields`` of a record (PATCH) and return it as saved."""
        return await self._client._run(self._update_flow(id, fields))

    async def save(self, obj: M) -> M:
        """Send only the fields assigned on ``obj`` since it was fetched (PATCH)."""
        return await self._client._run(self._save_flow(obj))


class AsyncManager(AsyncUpdatableManager[M]):
    """Full async access: plus ``create``, ``replace`` (PUT) and ``delete``."""

    async def create(self, data: Any = None, /, **fields: Any) -> M:
        """Create a record from a dict or model and/or keyword fields; return it."""
        return await self._client._run(self._create_flow(data, fields))

    async def replace(self, id: Any, /, **fields: Any) -> M:
        """Replace a record (PUT): every field the server requires must be given."""
        return await self._client._run(self._update_flow(id, fields, "PUT"))

    async def delete(self, id: Any, /) -> None:
        """Delete a record."""
        await self._client._run(self._delete_flow(id))
