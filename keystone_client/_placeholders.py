"""Placeholders: stand-ins for the response of a batch action, rendered as ``@ref{...}``."""

from __future__ import annotations

import types
import typing
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from ._ids import RecordRef
from .models import KeystoneModel

__all__ = ["Placeholder", "file_token", "ref_token"]

M = TypeVar("M", bound=KeystoneModel)


def ref_token(alias: str, path: str) -> str:
    """Return the ``@ref{alias.path}`` token for ``path`` in the response body of ``alias``."""
    return f"@ref{{{alias}.{path}}}"


def file_token(name: str) -> str:
    """Return the ``@file{name}`` token that refers to the multipart file part ``name``."""
    return f"@file{{{name}}}"


class Placeholder(RecordRef, Generic[M]):
    """Stands for the response of a recorded action until the batch runs on the server.

    Every attribute is a reference into that response, rendered with the server's key:
    ``placeholder.id`` is ``"@ref{a1.id}"`` and ``placeholder.team_id`` is
    ``"@ref{a1.team}"``. A field holding a nested record (``placeholder.team``) is itself a
    placeholder (``placeholder.team.name`` is ``"@ref{a1._team.name}"``). A placeholder used
    as a value or an id stands for the record's id: ``team=placeholder`` and
    ``batch.grants.update(placeholder, ...)`` send ``"@ref{a1.id}"``; so does ``str()``.

    When the action's resource is known, naming a field its model does not have raises
    `AttributeError`; otherwise attribute names are used as they are written.
    """

    __slots__ = ("_alias", "_model", "_path")

    def __init__(self, alias: str, model: type[BaseModel] | None = None, path: str = "") -> None:
        self._alias = alias
        self._model = model
        self._path = path

    def _token(self, key: str) -> str:
        return ref_token(self._alias, f"{self._path}.{key}" if self._path else key)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        model = self._model
        if model is None:
            return self._token(name)
        info = model.model_fields.get(name)
        if info is None:
            valid = ", ".join(sorted(model.model_fields))
            raise AttributeError(
                f"{model.__name__} has no field {name!r} to refer to; fields: {valid}"
            )
        key = info.validation_alias if isinstance(info.validation_alias, str) else info.alias
        key = key or name
        nested = _nested_model(info.annotation)
        if nested is not None:
            path = f"{self._path}.{key}" if self._path else key
            return Placeholder(self._alias, nested, path)
        return self._token(key)

    def ref_token(self) -> str:
        """Return the ``@ref{...}`` token of the record's id."""
        return self._token("id")

    def __str__(self) -> str:
        return self.ref_token()

    def __repr__(self) -> str:
        where = f".{self._path}" if self._path else ""
        model = f" {self._model.__name__}" if self._model is not None else ""
        return f"<Placeholder {self._alias}{where}{model} id={self}>"


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    """Return the model of a field that holds one nested record (optionally None)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if len(args) == 1:
            return _nested_model(args[0])
    return None
