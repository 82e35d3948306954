"""Base classes shared by every Keystone model."""

from __future__ import annotations

import typing
from collections.abc import Mapping
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ..errors import FieldError
from ._lazy import LazyField, is_lazy

__all__ = ["KeystoneModel", "OpenEnum", "Record"]

_CHANGED = "changed"  # names of fields assigned since fetched
_LISTS = "lists"  # lists of ids as fetched

E = TypeVar("E", bound=StrEnum)

# A choice value the client does not know yet stays a plain string instead of failing,
# so a server upgrade that adds a status never breaks existing scripts.
OpenEnum = Annotated[E | str, Field(union_mode="left_to_right")]


class KeystoneModel(BaseModel):
    """Base of every model: unknown server fields are kept, never rejected.

    ``repr()`` and ``str()`` are short: the model name and the fields that name the record,
    ``User(id=5, username='alice')``; ``model_dump()`` gives every field.
    """

    model_config = ConfigDict(extra="allow", ser_json_inf_nan="constants")

    #: The fields ``repr()`` shows, in order; None shows every field (small value models).
    _repr_fields: ClassVar[tuple[str, ...] | None] = None

    def __repr__(self) -> str:
        names = self._repr_fields
        if names is None:
            return super().__repr__()
        shown = ", ".join(f"{name}={_short(getattr(self, name, None))}" for name in names)
        return f"{type(self).__name__}({shown})"

    def __str__(self) -> str:
        return self.__repr__() if self._repr_fields is not None else super().__str__()


class Record(KeystoneModel):
    """A top-level record with an ``id`` that remembers which fields changed since fetched.

    ``manager.save(record)`` sends only those fields, so a concurrent change to another
    field on the server is not overwritten. Assigning a name that is not a field raises
    `FieldError`, so a typo cannot make ``save()`` silently send nothing.
    """

    id: int

    # Lists of ids can change in place (``record.assignee_ids.append(3)``), which no
    # assignment reveals: a copy of each as fetched is kept to compare against.
    _list_fields: ClassVar[tuple[str, ...]] = ()
    # Relations declared ``Lazy[...]``, built on first read (see ``_lazy``).
    _lazy_fields: ClassVar[tuple[LazyField, ...]] = ()

    # Change tracking lives in pydantic's per-instance private dict under these keys rather
    # than in declared private attributes: pydantic initialises declared ones in Python for
    # every record it builds, which cost more than validating a small record itself.
    # Nothing is stored until a field is assigned or the class has lists of ids.

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._list_fields = tuple(
            name for name, info in cls.model_fields.items() if _is_scalar_list(info.annotation)
        )
        lazy = []
        for name, info in cls.model_fields.items():
            if is_lazy(info.metadata):
                field = LazyField(name, info.annotation)
                setattr(cls, name, field)
                lazy.append(field)
        cls._lazy_fields = tuple(lazy)

    def _build_relations(self) -> None:
        """Build every relation still pending, before the fields are read all at once."""
        for field in self._lazy_fields:
            field.build(self)

    def __repr_args__(self) -> Any:
        self._build_relations()
        return super().__repr_args__()

    def __iter__(self) -> Any:
        self._build_relations()
        return super().__iter__()

    def model_post_init(self, context: Any, /) -> None:
        """Remember the lists of ids as fetched."""
        if self._list_fields:
            fields = self.__dict__
            self._tracking()[_LISTS] = {name: list(fields[name]) for name in self._list_fields}

    def _tracking(self) -> dict[str, Any]:
        private = self.__pydantic_private__
        if private is None:
            private = {}
            object.__setattr__(self, "__pydantic_private__", private)
        return private

    def __setattr__(self, name: str, value: Any) -> None:
        cls = type(self)
        known = name in cls.model_fields or name in (self.__pydantic_extra__ or {})
        if not known and not name.startswith("_"):
            fields = ", ".join(sorted(cls.model_fields))
            raise FieldError(f"{cls.__name__} has no field {name!r}; fields: {fields}")
        super().__setattr__(name, value)
        if known:
            self._tracking().setdefault(_CHANGED, set()).add(name)

    def __eq__(self, other: object) -> bool:
        # Change tracking is bookkeeping, not content: equal fields make equal records.
        if not isinstance(other, BaseModel):
            return NotImplemented
        if type(self) is type(other):
            self._build_relations()
            other._build_relations()
        return (
            type(self) is type(other)
            and self.__dict__ == other.__dict__
            and self.__pydantic_extra__ == other.__pydantic_extra__
        )

    __hash__ = None  # type: ignore[assignment]

    def __copy__(self) -> Self:
        copied = super().__copy__()
        # A copy must not share the original's bookkeeping.
        private = self.__pydantic_private__
        if private is not None:
            mine = dict(private)
            for key in (_CHANGED, _LISTS):
                if key in mine:
                    mine[key] = type(mine[key])(mine[key])
            object.__setattr__(copied, "__pydantic_private__", mine)
        return copied

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """Return a copy; fields set through ``update`` count as changed on the copy."""
        copied = super().model_copy(update=update, deep=deep)
        names = [name for name in update or () if name in type(self).model_fields]
        if names:
            copied._tracking().setdefault(_CHANGED, set()).update(names)
        return copied

    def changed_fields(self) -> dict[str, Any]:
        """Return the fields changed since the record was fetched, by model name.

        A field counts as changed when it was assigned, or, for a list of ids, when its
        content differs from what was fetched.
        """
        private = self.__pydantic_private__ or {}
        names = set(private.get(_CHANGED, ()))
        names.update(
            name
            for name, fetched in private.get(_LISTS, {}).items()
            if getattr(self, name) != fetched
        )
        return {name: getattr(self, name) for name in sorted(names)}

    def mark_clean(self) -> None:
        """Forget all tracked changes (after a successful save)."""
        private = self.__pydantic_private__ or {}
        private.pop(_CHANGED, None)
        private.pop(_LISTS, None)
        self.model_post_init(None)


def _short(value: Any) -> str:
    # A choice shows its code ('PD'), not the member's long repr.
    return repr(value.value if isinstance(value, StrEnum) else value)


def _is_scalar_list(annotation: Any) -> bool:
    """Whether a field holds a list of plain values (ids, numbers, strings), not records."""
    if typing.get_origin(annotation) is not list:
        return False
    (item,) = typing.get_args(annotation) or (Any,)
    return not (isinstance(item, type) and issubclass(item, BaseModel))
