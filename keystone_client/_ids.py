"""Values that stand for a record: the record itself, its id, or a batch placeholder."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["RecordRef", "id_of", "path_id"]


class RecordRef:
    """Base of objects that stand for a record whose id is not known yet (batch placeholders)."""

    __slots__ = ()

    def ref_token(self) -> str:
        """Return the token the server replaces with the record's id."""
        raise NotImplementedError


def id_of(value: Any) -> Any:
    """Return the id ``value`` stands for: a record's id, a placeholder's token, or ``value``."""
    if isinstance(value, RecordRef):
        return value.ref_token()
    if isinstance(value, BaseModel) and hasattr(value, "id"):
        return value.id
    return value


def path_id(value: Any) -> str:
    """Return a record id (given as an id, a record or a placeholder) as a URL path segment.

    Raises:
        TypeError: ``value`` cannot be an id (None, a bool, a model without an id).
        ValueError: ``value`` would change the path (empty, or containing ``/`` or ``?``).
    """
    value = id_of(value)
    if value is None or isinstance(value, bool | BaseModel):
        raise TypeError(f"A record id is needed, not {value!r}")
    text = str(value)
    if not text or "/" in text or "?" in text:
        raise ValueError(f"Not a record id: {text!r}")
    return text
