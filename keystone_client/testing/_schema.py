"""What the fake serves, derived from the library's collection declarations and models.

Each `ResourceSpec` in ``ALL_SPECS`` gives a collection's endpoint, filters, writable fields
and operations; its model gives every field's type, nullability and the collection a related
field points to. Only what the server decides on its own (defaults, fields filled from the
requesting user, audit labels) is written here.
"""

from __future__ import annotations

import datetime as dt
import re
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .._filters import ID
from ..resources._catalog import ALL_SPECS
from ..resources._spec import ResourceSpec

__all__ = [
    "BY_ENDPOINT",
    "CHOICES",
    "COLLECTIONS",
    "CONTENT_TYPES",
    "CONTENT_TYPE_IDS",
    "CONTENT_TYPE_TARGET",
    "Collection",
    "FieldRule",
]

# Defaults the server's models declare for fields a write may leave out.
_DEFAULTS: dict[str, dict[str, Any]] = {
    "users": {"is_active": True},
    "teams": {"is_active": True},
    "clusters": {"enabled": True, "access_mode": "OP"},
    "allocation_requests": {"status": "PD"},
    "preferences": {"request_expiry_thresholds": [30, 14], "notify_on_expiration": True},
}
# Relations the server fills with the requesting user when a create leaves them out.
_CURRENT_USER = {("allocation_reviews", "reviewer"), ("comments", "user"), ("preferences", "user")}
# Non-null fields the server derives when a create leaves them out.
_DERIVED = {("attachments", "name")}
# Fields the models do not show (write-only), with their kind.
_WRITE_ONLY = {"password": "str"}
# Choice labels the server words differently from the enum member names.
_LABELS = {
    ("notification_type", "RE"): "Upcoming Request Expiration",
    ("notification_type", "RD"): "Request Past Expiration",
}
# Django model names where they differ from the client's model name (404 messages, audit labels).
_SERVER_MODEL = {"allocations": "ResourceAllocation"}
# The server's default order where it is not by id.
_DEFAULT_ORDER = {"task_logs": "-date_done", "feed": "-timestamp"}
# The server's content type ids of the audited models (Django numbers every installed model).
CONTENT_TYPES = {
    "allocation_requests": 19,
    "clusters": 20,
    "attachments": 21,
    "allocation_reviews": 22,
    "comments": 23,
    "allocations": 24,
    "grants": 31,
    "publications": 32,
    "users": 33,
    "teams": 34,
    "memberships": 35,
}
# Audit logs point at Django's content types, which no collection serves: the server's 35
# installed models, numbered 1 to 35, the audited ones among them.
CONTENT_TYPE_TARGET = "content_types"
CONTENT_TYPE_IDS = range(1, 36)
_FILTER_TARGETS = {("audit_logs", "content_type"): CONTENT_TYPE_TARGET}
# Choice fields the models declare as plain numbers: django-auditlog's actions (create,
# update, delete, access).
_FILTER_CODES = {("audit_logs", "action"): frozenset({"0", "1", "2", "3"})}


@dataclass(frozen=True)
class FieldRule:
    """A writable field: ``kind`` is str, int, decimal, date, bool, json, file, choice, fk, m2m."""

    kind: str
    required: bool = False
    null: bool = False
    default: Any = None
    target: str = ""  # fk/m2m: the collection referred to
    choices: dict[str, str] = field(default_factory=dict)
    current_user: bool = False


@dataclass(frozen=True)
class Collection:
    """One collection as the fake serves it."""

    spec: ResourceSpec  # type: ignore[type-arg]
    fields: dict[str, FieldRule]
    label: str  # audit log record name, "research_products | Grant"
    model_name: str  # for 404 messages: "No Grant matches the given query."
    default_order: str
    methods: frozenset[str]
    detail: bool
    staff_only: bool
    filter_order: tuple[str, ...]  # filter fields in the server model's order (its 400s' order)
    targets: dict[str, str]  # relation filter -> the collection whose ids it takes
    codes: dict[str, frozenset[str]]  # choice filter -> its codes

    @property
    def name(self) -> str:
        """The collection's name, as in ``client.resources``."""
        return str(self.spec.name)

    @property
    def endpoint(self) -> str:
        """Absolute path of the list endpoint, ``/research/grants/``."""
        return "/" + str(self.spec.endpoint)

    @property
    def update_fields(self) -> frozenset[str]:
        """Fields accepted by PATCH and PUT."""
        return frozenset(self.spec.writable_on_update)


def _methods(operations: frozenset[str]) -> frozenset[str]:
    by_operation = {
        "list": "GET",
        "get": "GET",
        "create": "POST",
        "update": "PATCH",
        "replace": "PUT",
        "delete": "DELETE",
    }
    return frozenset(by_operation[op] for op in operations if op in by_operation)


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Return the annotation without ``| None`` and whether None was allowed."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else typing.Union[tuple(rest)]), True  # noqa: UP007
    return annotation, False


def _enum_of(annotation: Any) -> type[StrEnum] | None:
    for arg in typing.get_args(annotation):
        if isinstance(arg, type) and issubclass(arg, StrEnum):
            return arg
    return None


def _label(choice: str, code: str, member: str) -> str:
    return _LABELS.get((choice, code), member.replace("_", " ").title())


def _target(spec: ResourceSpec, server_name: str) -> str:  # type: ignore[type-arg]
    """The collection a relation points to, from the model's ``_<name>`` summary field."""
    for info in spec.model.model_fields.values():
        if info.alias != f"_{server_name}":
            continue
        inner, _ = _unwrap(info.annotation)
        if typing.get_origin(inner) is list:
            inner = typing.get_args(inner)[0]
        summary = getattr(inner, "__name__", "").removesuffix("Summary")
        for other in ALL_SPECS:
            if other.model.__name__ == summary:
                return str(other.name)
    return ""


def _rule(spec: ResourceSpec, server_name: str) -> FieldRule:  # type: ignore[type-arg]
    name = str(spec.name)
    by_alias = {(info.alias or key): info for key, info in spec.model.model_fields.items()}
    default = _DEFAULTS.get(name, {}).get(server_name)
    current_user = (name, server_name) in _CURRENT_USER
    info = by_alias.get(server_name)
    if server_name == spec.file_field:
        return FieldRule("file", required=True)
    if info is None:
        kind = _WRITE_ONLY.get(server_name, "json")
        required = kind in ("str", "file")
        return FieldRule(kind, required=required, default=default)
    annotation, null = _unwrap(info.annotation)
    target = _target(spec, server_name)
    enum = _enum_of(annotation)
    choices: dict[str, str] = {}
    if target and typing.get_origin(annotation) is list:
        kind = "m2m"
    elif target:
        kind = "fk"
    elif enum is not None:
        kind = "choice"
        choices = _choices(spec, server_name)
    elif annotation is bool:
        kind = "bool"
    elif annotation is int:
        kind = "int"
    elif annotation is Decimal:
        kind = "decimal"
    elif annotation is dt.date:
        kind = "date"
    elif annotation is str:
        kind = "str"
    else:
        kind = "json"
    if default is None and kind == "bool":
        default = False
    if default is None and kind in ("m2m", "json"):
        default = []
    required = (
        not null and default is None and not current_user and (name, server_name) not in _DERIVED
    )
    return FieldRule(
        kind,
        required=required,
        null=null,
        default=default,
        target=target,
        choices=choices,
        current_user=current_user,
    )


def _ordered(spec: ResourceSpec) -> list[str]:  # type: ignore[type-arg]
    """Writable server fields, in the model's field order (the order of the server's answers)."""
    writable = set(spec.create_fields) | set(spec.writable_on_update)
    aliases = [info.alias or key for key, info in spec.model.model_fields.items()]
    known = [a for a in aliases if a in writable]
    return known + sorted(writable - set(known))


# Django app labels where they differ from the endpoint's first segment (audit record names).
_SERVER_APP = {"research": "research_products"}


def words(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name)


def derive(spec: ResourceSpec) -> Collection:  # type: ignore[type-arg]
    """Build the served form of one declared collection."""
    name = str(spec.name)
    model_name = _SERVER_MODEL.get(name, spec.model.__name__)
    logs = str(spec.endpoint).startswith("logs/")
    app = str(spec.endpoint).split("/", 1)[0]
    return Collection(
        spec=spec,
        fields={f: _rule(spec, f) for f in _ordered(spec)},
        label="" if logs else f"{_SERVER_APP.get(app, app)} | {model_name}",
        model_name=model_name,
        default_order=_DEFAULT_ORDER.get(name) or spec.keyset_order or "id",
        methods=_methods(spec.operations),
        detail="get" in spec.operations,
        staff_only=logs,
        filter_order=_filter_order(spec),
        targets={
            f: _FILTER_TARGETS.get((name, f)) or _target(spec, f)
            for f, kind in spec.filters.items()
            if kind == ID
        },
        codes=_filter_codes(spec),
    )


def _filter_order(spec: ResourceSpec) -> tuple[str, ...]:  # type: ignore[type-arg]
    aliases = [info.alias or key for key, info in spec.model.model_fields.items()]
    known = [a for a in aliases if a in spec.filters]
    return (*known, *(f for f in spec.filters if f not in known))


def _filter_codes(spec: ResourceSpec) -> dict[str, frozenset[str]]:  # type: ignore[type-arg]
    codes = {
        (info.alias or key): frozenset(_choices(spec, info.alias or key))
        for key, info in spec.model.model_fields.items()
        if (info.alias or key) in spec.filters and _enum_of(_unwrap(info.annotation)[0])
    }
    codes.update({f: c for (n, f), c in _FILTER_CODES.items() if n == spec.name})
    return codes


def _choices(spec: ResourceSpec, server_name: str) -> dict[str, str]:  # type: ignore[type-arg]
    by_alias = {(info.alias or key): info for key, info in spec.model.model_fields.items()}
    enum = _enum_of(_unwrap(by_alias[server_name].annotation)[0])
    members = list(enum) if enum is not None else []
    return {m.value: _label(server_name, m.value, m.name) for m in members}


CHOICES: dict[str, dict[str, str]] = {
    "/" + str(endpoint): _choices(spec, choice)
    for spec in ALL_SPECS
    for choice, endpoint in spec.choices.items()
}
COLLECTIONS: dict[str, Collection] = {str(s.name): derive(s) for s in ALL_SPECS}
BY_ENDPOINT: dict[str, Collection] = {c.endpoint: c for c in COLLECTIONS.values()}
