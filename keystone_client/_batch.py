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

The server throttles each action as a request of its own. A throttled action fails the job
(422, step status 429) and rolls it back, so the job is sent again after the wait the step
states (or the backoff), within the client's ``throttle_wait``. A batch that raised may be
submitted again with `submit()`; one that succeeded may not.

`BatchCore` holds the recording and the submission once, with `BatchCore._submit_flow` as a
flow (see ``_base_client``); `Batch` and `AsyncBatch` only run that flow. The placeholders,
the wire format and the batch managers live in ``_placeholders``, ``_batch_job`` and
``_batch_managers``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from . import _response
from ._base_client import Flow, Sleep
from ._batch_job import (
    BATCH_ENDPOINT,
    JOB_RESULT,
    METHODS,
    BatchAction,
    BatchResult,
    BatchState,
    FilePart,
    job_body,
    parse_results,
)
from ._batch_managers import BatchManager, BatchReadManager, BatchUpdatableManager
from ._filters import to_query_value
from ._paths import normalize_endpoint
from ._payload import to_write_value
from ._placeholders import Placeholder, file_token
from ._resource_spec import ResourceSpec
from ._retry import throttle_charge
from ._runners import AsyncRunner, FlowSource, SyncRunner
from .resources._catalog import ALL_SPECS, Collections
from .resources._declarations import BatchFace, Collection, Statistics

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

logger = logging.getLogger("keystone_client")

_ALIAS = re.compile(r"[A-Za-z0-9_]+")
_MAX_PATH = 2048


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


class BatchCore(Collections, BatchFace):
    """Recording, request building and result parsing, shared by `Batch` and `AsyncBatch`.

    Attributes:
        dry_run: Run every action on the server, then roll everything back.
    """

    _client: FlowSource

    def __init__(self, client: FlowSource, *, dry_run: bool = False) -> None:
        self._client = client
        self.dry_run = bool(dry_run)
        self._actions: list[BatchAction] = []
        self._aliases: set[str] = set()
        self._results: list[BatchResult] = []
        self._state = BatchState.OPEN
        super().__init__()

    def __dir__(self) -> list[str]:
        # A declared collection without a manager here (list-only, the statistics) has
        # nothing a batch can run.
        cls = type(self)
        return [
            name
            for name in super().__dir__()
            if name in vars(self)
            or not isinstance(getattr(cls, name, None), Collection | Statistics)
        ]

    def __repr__(self) -> str:
        count = len(self._actions)
        return (
            f"<{type(self).__name__} {count} action{'' if count == 1 else 's'} "
            f"dry_run={self.dry_run} {self._state.value}>"
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
        return self._state in (BatchState.SUBMITTED, BatchState.FAILED)

    @property
    def failed(self) -> bool:
        """Whether the last submission raised; `submit()` may then send the batch again."""
        return self._state is BatchState.FAILED

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
            ValueError: Unknown method, an absolute URL or too long a path, or an invalid or
                duplicate ``ref``.
        """
        method = str(method).upper()
        normalized = f"/{normalize_endpoint(path)}"
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
        if self._state is BatchState.FAILED:
            raise RuntimeError(
                "This batch failed: submit() sends it again as recorded; to change it, start a "
                "new one with client.batch()"
            )
        if self._state is not BatchState.OPEN:
            raise RuntimeError(
                f"This batch was already {self._state.value}; start a new one with client.batch()"
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
        if self._state is not BatchState.OPEN:
            return False
        if failed:
            self._state = BatchState.DISCARDED
            logger.debug("Batch of %d actions discarded", len(self._actions))
            return False
        return True

    # -- the request -------------------------------------------------------------------------

    def _submit_flow(self) -> Flow[list[BatchResult]]:
        """Send every action in one ``POST batch/`` and return the results.

        A throttled step (422 with step status 429) rolled the whole job back: it is sent
        again after the step's wait, for as long as those waits fit in ``throttle_wait``.

        Raises:
            BatchError: An action failed or a reference could not be resolved (422); the
                server kept nothing. The batch may be submitted again.
            RuntimeError: The batch was already submitted successfully, is being sent, or
                was discarded.
        """
        if self._state not in (BatchState.OPEN, BatchState.FAILED):
            raise RuntimeError(f"This batch was already {self._state.value}")
        if not self._actions:
            self._state = BatchState.SUBMITTED
            return []
        self._state = BatchState.SENDING
        try:
            results = yield from self._send_job_flow()
        except BaseException:
            # Nothing of a failed job is kept; after a timeout the server may still have run
            # it, which the caller must judge before sending it again.
            self._state = BatchState.FAILED
            raise
        self._state = BatchState.SUBMITTED
        self._results = results
        return list(results)

    def _send_job_flow(self) -> Flow[list[BatchResult]]:
        body = job_body(self._actions, self.dry_run)
        policy = self._client._retry
        throttles = 0
        waited = 0.0
        while True:
            logger.debug(
                "Submitting a batch of %d actions (dry_run=%s)", len(self._actions), self.dry_run
            )
            response = yield from self._client._send_flow(
                "POST", BATCH_ENDPOINT, json=body.json, data=body.data, files=body.files
            )
            step = _throttled_step(response)
            if step is None:
                break
            wait = policy.after_step_throttle(step.get("body"), waited, throttles)
            if wait is None:
                break
            throttles += 1
            waited += throttle_charge(wait)
            logger.info(
                "Batch step %s throttled (429): waiting %.2fs before sending the batch again "
                "(%.0fs of %.0fs allowed)",
                step.get("step"),
                wait,
                waited,
                policy.throttle_wait,
                extra={"reason": "429 Too Many Requests", "wait": wait, "throttled_for": waited},
            )
            yield Sleep(wait)
        job = _response.parse(response, JOB_RESULT)
        return parse_results(job, self._actions)


def _throttled_step(response: httpx.Response) -> dict[str, Any] | None:
    """The server's answer when a step of the job was throttled (so nothing ran), else None."""
    if response.status_code != 422:
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("status") == 429:
        return data
    return None


class Batch(BatchCore):
    """A batch of actions for `KeystoneClient`, sent as one atomic job; see ``client.batch()``.

    Use it as a context manager: leaving the block normally submits every action in one
    request (nothing for an empty batch); leaving it with an exception sends nothing. The
    recording calls (``batch.grants.create(...)``, ``batch.add(...)``) send nothing.
    """

    _client: SyncRunner

    def submit(self) -> list[BatchResult]:
        """Send the batch now (leaving the ``with`` block does it) and return the results.

        A batch whose submission raised may be submitted again; a successful one may not.

        Raises:
            BatchError: An action failed or a reference could not be resolved; the server
                kept nothing.
            RuntimeError: The batch was already submitted successfully or was discarded.
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

    _client: AsyncRunner

    async def submit(self) -> list[BatchResult]:
        """Send the batch now (leaving the ``async with`` block does it); return the results.

        A batch whose submission raised may be submitted again; a successful one may not.

        Raises:
            BatchError: An action failed or a reference could not be resolved; the server
                kept nothing.
            RuntimeError: The batch was already submitted successfully or was discarded.
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
