"""Base classes shared by every Keystone model."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

__all__ = ["KeystoneModel", "OpenEnum", "Record"]

E = TypeVar("E", bound=StrEnum)

# A choice value the client does not know yet stays a plain string instead of failing,
# so a server upgrade that adds a status never breaks existing scripts.
OpenEnum = Annotated[E | str, Field(union_mode="left_to_right")]


class KeystoneModel(BaseModel):
    """Base of every model: unknown server fields are kept, never rejected."""

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="constants")


class Record(KeystoneModel):
    """A top-level record with an ``id`` that remembers which fields were assigned.

    ``manager.save(record)`` sends only those fields, so a concurrent change to another
    field on the server is not overwritten.
    """

    id: int

    _changed: set[str] = PrivateAttr(default_factory=set)

    #: Server key of every writable-named field whose model name differs from it
    #: (``{"team_id": "team", "assignee_ids": "assignees"}``). The expanded ``_x`` objects are
    #: read-only and not listed.

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in type(self).model_fields:
            self._changed.add(name)

    def __copy__(self) -> Self:
        copied = super().__copy__()
        copied._changed = set(self._changed)  # a copy must not share the original's changes
        return copied

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Return a copy; fields set through ``update`` count as changed on the copy."""
        copied = super().model_copy(update=update, deep=deep)
        if update:
            copied._changed.update(name for name in update if name in type(self).model_fields)
        return copied

    def changed_fields(self) -> dict[str, Any]:
        """Return the fields assigned since the record was fetched, by model name."""
        return {name: getattr(self, name) for name in sorted(self._changed)}

    def mark_clean(self) -> None:
        """Forget all tracked changes (after a successful save)."""
        self._changed.clear()
