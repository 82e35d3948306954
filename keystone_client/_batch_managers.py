"""Batch managers: ``batch.grants.create(...)`` records an action and returns a placeholder."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from ._batch_job import FilePart
from ._ids import path_id
from ._payload import merge_input, normalize_file, to_write_value
from ._placeholders import Placeholder
from ._resource_spec import ResourceSpec, SpecHolder
from .models import KeystoneModel

__all__ = ["BatchManager", "BatchReadManager", "BatchUpdatableManager", "Recorder"]

M = TypeVar("M", bound=KeystoneModel)


class Recorder(Protocol):
    """What a batch manager needs from its batch: a way to record one action."""

    def _record(
        self,
        method: str,
        path: str,
        *,
        payload: dict[str, Any] | None = None,
        spec: ResourceSpec[Any] | None = None,
        upload: tuple[str, FilePart] | None = None,
    ) -> str: ...


class BatchReadManager(SpecHolder[M]):
    """Records actions on one collection in a batch: ``get``.

    Each method records one action and returns a `Placeholder` for its response. Which
    operations a resource has in a batch follows its declaration in the catalog.
    """

    def __init__(self, batch: Recorder, spec: ResourceSpec[M]) -> None:
        self._batch = batch
        self._spec = spec

    def _detail(self, pk: Any) -> str:
        return f"/{self._spec.detail_path(path_id(pk))}"

    def _placeholder(self, alias: str) -> Placeholder[M]:
        return Placeholder(alias, self._spec.model)

    def _write(
        self, method: str, path: str, allowed: frozenset[str], data: Any, fields: Mapping[str, Any]
    ) -> Placeholder[M]:
        spec = self._spec
        fields = dict(fields)
        upload: Any = None
        has_upload = False
        file_field = spec.file_field
        if file_field is not None:
            # The file stays out of the field conversion: it is read into a file part.
            if file_field in fields:
                upload, has_upload = fields.pop(file_field), True
            elif isinstance(data, Mapping) and file_field in data:
                data = dict(data)
                upload, has_upload = data.pop(file_field), True
        if isinstance(data, Mapping):
            data = to_write_value(data)
        payload = merge_input(spec, allowed, data, to_write_value(fields))
        part: tuple[str, FilePart] | None = None
        if has_upload and file_field is not None:
            merge_input(spec, allowed, None, {file_field: None})  # FieldError if not writable
            part = (file_field, normalize_file(upload))
        alias = self._batch._record(method, path, payload=payload, spec=spec, upload=part)
        return self._placeholder(alias)

    def get(self, id: Any, /) -> Placeholder[M]:
        """Record reading the record with this id (an id, a record or a placeholder)."""
        alias = self._batch._record("GET", self._detail(id), spec=self._spec)
        return self._placeholder(alias)


class BatchUpdatableManager(BatchReadManager[M]):
    """`BatchReadManager` plus ``update`` (PATCH)."""

    def update(self, id: Any, /, **fields: Any) -> Placeholder[M]:
        """Record changing only ``fields`` of a record (PATCH).

        Args:
            id: The record's id, the record, or a placeholder of an earlier action.
            **fields: Server or model field names; values may be placeholders.

        Raises:
            FieldError: A field is unknown or read-only; nothing is recorded.
        """
        spec = self._spec
        return self._write("PATCH", self._detail(id), spec.writable_on_update, None, fields)


class BatchManager(BatchUpdatableManager[M]):
    """Full access in a batch: ``get``, ``create``, ``update``, ``replace`` and ``delete``."""

    def create(self, data: Any = None, /, **fields: Any) -> Placeholder[M]:
        """Record creating a record from a dict or model and/or keyword fields.

        Args:
            data: A dict of fields or a model to copy the writable fields of.
            **fields: Server or model field names; values may be placeholders (a
                placeholder as a relation stands for its id). A file field takes a path,
                bytes, an open binary file or a ``(name, bytes[, content_type])`` tuple.

        Raises:
            FieldError: A field is unknown or read-only, or a file cannot be read; nothing
                is recorded.
        """
        return self._write(
            "POST", f"/{self._spec.endpoint}", self._spec.create_fields, data, fields
        )

    def replace(self, id: Any, /, **fields: Any) -> Placeholder[M]:
        """Record replacing a record (PUT): fields not given go back to their defaults.

        Raises:
            FieldError: A field is unknown or read-only; nothing is recorded.
        """
        spec = self._spec
        return self._write("PUT", self._detail(id), spec.writable_on_update, None, fields)

    def delete(self, id: Any, /) -> Placeholder[M]:
        """Record deleting a record; the placeholder's response body is empty."""
        alias = self._batch._record("DELETE", self._detail(id), spec=self._spec)
        return self._placeholder(alias)
