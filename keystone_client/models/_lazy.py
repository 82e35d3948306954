"""Relations validated when first read: ``team: Lazy[TeamSummary]``.

A page of records arrives as JSON, and most of what it holds is nested relations
(``_team``, ``_history``, ``_comments``...) that a listing rarely reads. Building a model for
each of them up front costs more than decoding the whole page, and the garbage collector
then has four objects to walk for every nested object the JSON held. So when a record is
parsed from JSON, a ``Lazy`` field keeps the decoded JSON as it came, and the model is
built the first time the field is read (or the record is compared, dumped or printed).
Validating Python data (``Model(...)``, ``model_validate``) stays eager.

What users see does not change: the attribute is the model (or list of models) its
annotation says, equality, ``model_dump`` and change tracking behave as if it had been
built up front. A malformed relation raises `pydantic.ValidationError` when first read
instead of when the page is parsed.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, TypeAdapter
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

__all__ = ["Lazy", "LazyField", "is_lazy"]

T = TypeVar("T")


class _LazyMarker:
    """``Annotated`` metadata: accept any JSON for the field; validate Python input fully."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema = handler(source)
        build = _Builder(source)

        def serialize(value: Any, serializer: core_schema.SerializerFunctionWrapHandler) -> Any:
            # A record dumped before the relation was read: build it for this dump only.
            return serializer(build(value) if _pending(value) else value)

        return core_schema.json_or_python_schema(
            json_schema=core_schema.any_schema(),
            python_schema=schema,
            serialization=core_schema.wrap_serializer_function_ser_schema(serialize, schema=schema),
        )

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(schema["python_schema"])

    def __repr__(self) -> str:
        return "Lazy"


_MARKER = _LazyMarker()

#: A relation built on first read when the record was parsed from JSON.
Lazy = Annotated[T, _MARKER]


def is_lazy(metadata: list[Any]) -> bool:
    """Whether a field's metadata marks it `Lazy`."""
    return any(item is _MARKER for item in metadata)


def _pending(value: Any) -> bool:
    # A relation still as decoded from JSON is an object or a list of objects; a built
    # one is a model, a list of models, None or an empty list.
    return type(value) is dict or (type(value) is list and bool(value) and type(value[0]) is dict)


class _Builder:
    """Validates pending JSON data into the field's type; the validator is made on first use."""

    def __init__(self, annotation: Any) -> None:
        self._annotation = annotation
        self._adapter: TypeAdapter[Any] | None = None

    def __call__(self, value: Any) -> Any:
        if self._adapter is None:
            self._adapter = TypeAdapter(self._annotation)
        return self._adapter.validate_python(value)


class LazyField:
    """Class attribute of a `Lazy` field: builds the model from the stored JSON on first read.

    A data descriptor wins over the instance ``__dict__`` where pydantic keeps the value, so
    every read passes here; assignment still goes through pydantic (``__dict__``).
    """

    def __init__(self, name: str, annotation: Any) -> None:
        self.name = name
        self._build = _Builder(annotation)

    def build(self, instance: Any) -> Any:
        """Return the field's value, building and storing the model if still pending."""
        fields = instance.__dict__
        value = fields[self.name]
        if _pending(value):
            value = fields[self.name] = self._build(value)
        return value

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            raise AttributeError(self.name)
        try:
            return self.build(instance)
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.name] = value
