"""Batch jobs: many actions sent in one atomic ``POST batch/``.

Recording is I/O-free. ``batch.grants.create(...)`` (or the raw `BatchCore.add`) checks its
fields, stores a `BatchAction` and returns a `Placeholder` whose attributes render as
``@ref{alias.key}`` tokens the server resolves from the response of that action, so later
actions can use records that do not exist yet::

    with client.batch() as batch:
        grant = batch.grants.create(title="G", agency="NSF", amount="10", team=1, ...)
        batch.grants.update(grant.id, title="G2")      # path /research/grants/@ref{a1.id}/
    batch.results[0].model                              # the created Grant

Leaving the block sends every action in one request, JSON or, when an action carries a file,
multipart with the job as a JSON string and one file part per upload referenced by an
``@file{name}`` token. The server runs the actions in one transaction: any failing action
raises `BatchError` and nothing is kept. Leaving the block with an exception sends nothing.

`BatchCore` holds all of it once, with `BatchCore._submit_flow` as a flow (see
``_base_client``); `Batch` and `AsyncBatch` only run that flow.
"""

from __future__ import annotations

import logging
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar

import pydantic_core
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from . import _response
from ._base_client import BaseClient, Flow
from ._filters import to_query_value
from ._ids import RecordRef, path_id
from ._payload import WriteBody, merge_input, normalize_file, to_write_value
from .models import (
    Allocation,
    AllocationRequest,
    AllocationReview,
    Attachment,
    AuditLog,
    Cluster,
    Comment,
    Grant,
    KeystoneModel,
    Membership,
    Notification,
    Preference,
    Publication,
    RequestLog,
    TaskResult,
    Team,
    User,
)
from .resources._catalog import ALL_SPECS
from .resources._managers import ManagerCore
from .resources._spec import ResourceSpec, SpecBound

if TYPE_CHECKING:
    from ._client import AsyncKeystoneClient, KeystoneClient

__all__ = [
    "AsyncBatch",
    "Batch",
    "BatchAction",
    "BatchCore",
    "BatchManager",
    "BatchReadManager",
    "BatchResult",
    "BatchUpdatableManager",
    "Placeholder",
]

M = TypeVar("M", bound=KeystoneModel)

logger = logging.getLogger("keystone_client")

#: The batch endpoint, relative to the base URL.
BATCH_ENDPOINT = "batch/"

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_ALIAS = re.compile(r"[A-Za-z0-9_]+")
_MAX_PATH = 2048

#: A file part of a multipart request: (filename, content, content type).
FilePart = tuple[str, bytes, str]


def ref_token(alias: str, path: str) -> str:
    """Return the ``@ref{alias.path}`` token for ``path`` in the response body of ``alias``."""
    return f"@ref{{{alias}.{path}}}"


def file_token(name: str) -> str:
    """Return the ``@file{name}`` token that refers to the multipart file part ``name``."""
    return f"@file{{{name}}}"


# -- placeholders ----------------------------------------------------------------------------------


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


def _normalize_path(path: str) -> str:
    """Return ``path`` as the server expects it: one leading and one trailing slash."""
    route, sep, query = str(path).partition("?")
    route = route.strip().strip("/")
    return f"/{route}/{sep}{query}" if route else f"/{sep}{query}"


def _spec_for_path(method: str, path: str) -> ResourceSpec[Any] | None:
    """Return the resource whose records an action with this method and path returns."""
    route = path.partition("?")[0]
    for spec in ALL_SPECS:
        base = f"/{spec.endpoint}"
        if route == base:
            return spec if method == "POST" else None
        if route.startswith(base):
            rest = route[len(base) :].strip("/")
            if rest and "/" not in rest:
                return spec
    return None


# -- recorded actions and results ------------------------------------------------------------------


@dataclass(frozen=True)
class BatchAction:
    """One recorded action of a batch, as it will be sent.

    Attributes:
        index: 1-based position in the batch (the server's ``step``).
        ref: The alias of this action's response in ``@ref{...}`` tokens.
        method: ``GET``, ``POST``, ``PUT``, ``PATCH`` or ``DELETE``.
        path: Server path with leading and trailing slash, e.g. ``/research/grants/``.
        payload: The JSON body, with ``@ref{...}`` and ``@file{...}`` tokens as values.
        query_params: Query parameters, already converted to strings.
        spec: The resource whose record the action returns, when known.
        files: Multipart file parts this action uploads: part name -> (filename, content,
            content type).
    """

    index: int
    ref: str
    method: str
    path: str
    payload: dict[str, Any] | None = None
    query_params: dict[str, str] | None = None
    spec: ResourceSpec[Any] | None = field(default=None, repr=False, compare=False)
    files: dict[str, FilePart] = field(default_factory=dict, repr=False)

    def to_json(self) -> dict[str, Any]:
        """Return the action as the server's ``JobStepRequest`` object."""
        data: dict[str, Any] = {"ref": self.ref, "method": self.method, "path": self.path}
        if self.payload is not None:
            data["payload"] = self.payload
        if self.query_params is not None:
            data["query_params"] = self.query_params
        return data


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one action of a batch that succeeded.

    Attributes:
        ref: The action's alias, as the server echoes it (None or ``""`` when it had none).
        index: 1-based position of the action.
        method: The HTTP method of the action.
        path: The path the server ran, with its references resolved.
        status: The HTTP status of the action.
        body: The action's response body, as the server's JSON.
        model: ``body`` parsed into the resource's model, when the action targets a known
            resource and the body is one of its records; None otherwise.
    """

    ref: str | None
    index: int
    method: str
    path: str
    status: int
    body: Any
    model: KeystoneModel | None = None


class _StepResult(BaseModel):
    model_config = ConfigDict(extra="ignore")

    ref: str | None = None
    index: int
    method: str
    path: str
    status: int
    body: Any = None


class _JobResult(BaseModel):
    model_config = ConfigDict(extra="ignore")

    results: list[_StepResult]


_JOB_RESULT = TypeAdapter(_JobResult)


def _parse_model(spec: ResourceSpec[Any] | None, step: _StepResult) -> KeystoneModel | None:
    body = step.body
    if spec is None or not 200 <= step.status < 300 or not isinstance(body, dict):
        return None
    if "id" not in body:
        return None
    try:
        model: KeystoneModel = spec.record_adapter.validate_python(body)
    except ValidationError as exc:
        logger.warning(
            "Batch step %d (%s %s): body is not a %s: %s",
            step.index,
            step.method,
            step.path,
            spec.model.__name__,
            exc.errors()[0]["msg"],
        )
        return None
    return model


# -- batch managers --------------------------------------------------------------------------------


class BatchReadManager(SpecBound[M]):
    """Records actions on one collection in a batch: ``get``.

    Each method records one action and returns a `Placeholder` for its response. Which
    operations a resource has in a batch follows its manager in ``client.resources``.
    """

    #: Operations of this class; a resource gets the richest class its manager has all of.
    operations: ClassVar[tuple[str, ...]] = ("get",)

    def __init__(self, batch: BatchCore, spec: ResourceSpec[M]) -> None:
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

    def get(self, id: Any) -> Placeholder[M]:
        """Record reading the record with this id (an id, a record or a placeholder)."""
        alias = self._batch._record("GET", self._detail(id), spec=self._spec)
        return self._placeholder(alias)


class BatchUpdatableManager(BatchReadManager[M]):
    """`BatchReadManager` plus ``update`` (PATCH)."""

    operations: ClassVar[tuple[str, ...]] = ("get", "update")

    def update(self, id: Any, **fields: Any) -> Placeholder[M]:
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

    operations: ClassVar[tuple[str, ...]] = ("get", "update", "create", "replace", "delete")

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

    def replace(self, id: Any, **fields: Any) -> Placeholder[M]:
        """Record replacing a record (PUT): fields not given go back to their defaults.

        Raises:
            FieldError: A field is unknown or read-only; nothing is recorded.
        """
        spec = self._spec
        return self._write("PUT", self._detail(id), spec.writable_on_update, None, fields)

    def delete(self, id: Any) -> Placeholder[M]:
        """Record deleting a record; the placeholder's response body is empty."""
        alias = self._batch._record("DELETE", self._detail(id), spec=self._spec)
        return self._placeholder(alias)


_BATCH_CLASSES: tuple[type[BatchReadManager[Any]], ...] = (
    BatchManager,
    BatchUpdatableManager,
    BatchReadManager,
)


def batch_manager_class(manager_class: type) -> type[BatchReadManager[Any]] | None:
    """Return the batch manager class for a ``client.resources`` manager class.

    It is the richest one whose operations the manager has all of, so a batch offers exactly
    the single-record operations the resource offers; None when it offers none of them.
    """
    for cls in _BATCH_CLASSES:
        if all(callable(getattr(manager_class, op, None)) for op in cls.operations):
            return cls
    return None


# -- the batch -------------------------------------------------------------------------------------


class BatchCore:
    """Recording, request building and result parsing, shared by `Batch` and `AsyncBatch`.

    Attributes:
        dry_run: Run every action on the server, then roll everything back.
    """

    _client: BaseClient

    # For type checkers only: at run time `__getattr__` serves the managers built from
    # ``client.resources`` (a test checks that both agree).
    users: BatchManager[User]
    teams: BatchManager[Team]
    memberships: BatchManager[Membership]
    clusters: BatchManager[Cluster]
    allocations: BatchManager[Allocation]
    allocation_requests: BatchManager[AllocationRequest]
    allocation_reviews: BatchManager[AllocationReview]
    comments: BatchManager[Comment]
    attachments: BatchManager[Attachment]
    grants: BatchManager[Grant]
    publications: BatchManager[Publication]
    notifications: BatchUpdatableManager[Notification]
    preferences: BatchManager[Preference]
    audit_logs: BatchReadManager[AuditLog]
    request_logs: BatchReadManager[RequestLog]
    task_logs: BatchReadManager[TaskResult]

    def __init__(self, client: BaseClient, resources: object, *, dry_run: bool = False) -> None:
        self._client = client
        self.dry_run = bool(dry_run)
        self._actions: list[BatchAction] = []
        self._aliases: set[str] = set()
        self._results: list[BatchResult] = []
        self._state = "open"
        self._managers: dict[str, BatchReadManager[Any]] = {}
        self._no_batch_ops: set[str] = set()
        for name, manager in vars(resources).items():
            if not isinstance(manager, ManagerCore):
                continue
            cls = batch_manager_class(type(manager))
            if cls is None:
                self._no_batch_ops.add(name)
            else:
                self._managers[name] = cls(self, manager.spec)

    # -- access to the managers ------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        managers = self._managers
        if name in managers:
            return managers[name]
        if name in self._no_batch_ops:
            raise AttributeError(f"{name} has no operation a batch can run (it is read-only)")
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self._managers})

    def __repr__(self) -> str:
        count = len(self._actions)
        return (
            f"<{type(self).__name__} {count} action{'' if count == 1 else 's'} "
            f"dry_run={self.dry_run} {self._state}>"
        )

    def __len__(self) -> int:
        return len(self._actions)

    # -- public state ------------------------------------------------------------------------

    @property
    def actions(self) -> tuple[BatchAction, ...]:
        """The recorded actions, in order."""
        return tuple(self._actions)

    @property
    def results(self) -> list[BatchResult]:
        """One result per action once the batch was submitted successfully; empty before."""
        return list(self._results)

    @property
    def submitted(self) -> bool:
        """Whether the batch was submitted (successfully or not)."""
        return self._state == "submitted"

    # -- recording -------------------------------------------------------------------------

    def add(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        query_params: Mapping[str, Any] | None = None,
        ref: str | None = None,
    ) -> Placeholder[Any]:
        """Record a raw action; the managers (``batch.grants.create(...)``) are usually nicer.

        Nothing checks the fields of a raw action: the server judges them.

        Args:
            method: ``GET``, ``POST``, ``PUT``, ``PATCH`` or ``DELETE``.
            path: Server path relative to the API root, e.g. ``"research/grants/"``; a
                leading and a trailing slash are added. May contain ``@ref{...}`` tokens.
            payload: JSON body; placeholders in it become their id tokens and records
                their ids.
            query_params: Query parameters, converted like filter values; placeholders
                become their id tokens.
            ref: The alias of this action's response, for ``@ref{ref.key}`` tokens written
                by hand; letters, digits and underscores. Generated (``a1``, ``a2``, ...)
                when not given.

        Returns:
            A placeholder for the response. When the path is a known resource's record (or
            a POST to its collection), its attributes use that model's field names.

        Raises:
            ValueError: Unknown method, path too long, or an invalid or duplicate ``ref``.
        """
        method = str(method).upper()
        normalized = _normalize_path(path)
        spec = _spec_for_path(method, normalized)
        query = (
            {str(k): to_query_value(v) for k, v in query_params.items()} if query_params else None
        )
        body = to_write_value(payload) if payload is not None else None
        alias = self._record(
            method, normalized, payload=body, query_params=query, ref=ref, spec=spec
        )
        return Placeholder(alias, spec.model if spec is not None else None)

    def _record(
        self,
        method: str,
        path: str,
        *,
        payload: dict[str, Any] | None = None,
        query_params: dict[str, str] | None = None,
        ref: str | None = None,
        spec: ResourceSpec[Any] | None = None,
        upload: tuple[str, FilePart] | None = None,
    ) -> str:
        """Store one action and return its alias."""
        if self._state != "open":
            raise RuntimeError(
                f"This batch was already {self._state}; start a new one with client.batch()"
            )
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"Unknown batch method {method!r}; use one of {sorted(METHODS)}")
        if len(path) > _MAX_PATH:
            raise ValueError(f"A batch action path may have at most {_MAX_PATH} characters")
        index = len(self._actions) + 1
        alias = self._claim_alias(ref, index)
        files: dict[str, FilePart] = {}
        if upload is not None:
            field_name, part = upload
            part_name = f"{alias}_{field_name}"
            files[part_name] = part
            payload = {**(payload or {}), field_name: file_token(part_name)}
        self._actions.append(
            BatchAction(
                index=index,
                ref=alias,
                method=method,
                path=path,
                payload=payload,
                query_params=query_params,
                spec=spec,
                files=files,
            )
        )
        return alias

    def _claim_alias(self, ref: str | None, index: int) -> str:
        if ref is not None:
            if not _ALIAS.fullmatch(ref):
                raise ValueError(
                    f"Invalid batch ref {ref!r}: use letters, digits and underscores only"
                )
            if ref in self._aliases:
                raise ValueError(f"The batch ref {ref!r} is already used by another action")
            alias = ref
        else:
            alias = f"a{index}"
            suffix = 1
            while alias in self._aliases:
                alias = f"a{index}_{suffix}"
                suffix += 1
        self._aliases.add(alias)
        return alias

    def _leave(self, *, failed: bool) -> bool:
        """Handle leaving the block: return whether the job must be submitted now.

        A block that raised drops the batch without sending anything; one that ended
        normally submits it unless `submit()` was already called inside.
        """
        if self._state != "open":
            return False
        if failed:
            self._state = "discarded"
            logger.debug("Batch of %d actions discarded", len(self._actions))
            return False
        return True

    # -- the request -------------------------------------------------------------------------

    def _job(self) -> dict[str, Any]:
        return {"actions": [action.to_json() for action in self._actions], "dry_run": self.dry_run}

    def _body(self) -> WriteBody:
        """Return the request body: JSON, or multipart when an action uploads a file."""
        job = self._job()
        files = {name: part for action in self._actions for name, part in action.files.items()}
        if not files:
            return WriteBody(json={"job": job})
        return WriteBody(data={"job": pydantic_core.to_json(job).decode()}, files=files)

    def _submit_flow(self) -> Flow[list[BatchResult]]:
        """Send every action in one ``POST batch/`` and return the results.

        Raises:
            BatchError: An action failed or a reference could not be resolved (422); the
                server kept nothing.
            RuntimeError: The batch was already submitted or discarded.
        """
        if self._state != "open":
            raise RuntimeError(f"This batch was already {self._state}")
        self._state = "submitted"
        if not self._actions:
            return []
        body = self._body()
        logger.debug(
            "Submitting a batch of %d actions (dry_run=%s)", len(self._actions), self.dry_run
        )
        response = yield from self._client._send_flow(
            "POST", BATCH_ENDPOINT, json=body.json, data=body.data, files=body.files
        )
        job = _response.parse(response, _JOB_RESULT)
        self._results = [self._result(step) for step in job.results]
        return list(self._results)

    def _result(self, step: _StepResult) -> BatchResult:
        actions = self._actions
        action = actions[step.index - 1] if 1 <= step.index <= len(actions) else None
        spec = action.spec if action is not None else None
        return BatchResult(
            ref=step.ref,
            index=step.index,
            method=step.method,
            path=step.path,
            status=step.status,
            body=step.body,
            model=_parse_model(spec, step),
        )


class Batch(BatchCore):
    """A batch of actions for `KeystoneClient`, sent as one atomic job; see ``client.batch()``.

    Use it as a context manager: leaving the block normally submits every action in one
    request (nothing for an empty batch); leaving it with an exception sends nothing. The
    recording calls (``batch.grants.create(...)``, ``batch.add(...)``) send nothing.
    """

    _client: KeystoneClient

    def __init__(self, client: KeystoneClient, *, dry_run: bool = False) -> None:
        super().__init__(client, client.resources, dry_run=dry_run)

    def submit(self) -> list[BatchResult]:
        """Send the batch now (leaving the ``with`` block does it) and return the results.

        Raises:
            BatchError: An action failed or a reference could not be resolved; the server
                kept nothing.
        """
        return self._client._run(self._submit_flow())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._leave(failed=exc_type is not None):
            self.submit()


class AsyncBatch(BatchCore):
    """A batch of actions for `AsyncKeystoneClient`; used with ``async with``.

    The recording calls are plain calls (not awaited); leaving the block sends the job.
    """

    _client: AsyncKeystoneClient

    def __init__(self, client: AsyncKeystoneClient, *, dry_run: bool = False) -> None:
        super().__init__(client, client.resources, dry_run=dry_run)

    async def submit(self) -> list[BatchResult]:
        """Send the batch now (leaving the ``async with`` block does it); return the results.

        Raises:
            BatchError: An action failed or a reference could not be resolved; the server
                kept nothing.
        """
        return await self._client._run(self._submit_flow())

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._leave(failed=exc_type is not None):
            await self.submit()
