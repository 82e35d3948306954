"""A batch job on the wire: recorded actions, the request body, and the parsed results."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from typing import Any

import pydantic_core
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from ._payload import WriteBody
from ._resource_spec import ResourceSpec
from .models import KeystoneModel

__all__ = [
    "BATCH_ENDPOINT",
    "JOB_RESULT",
    "METHODS",
    "BatchAction",
    "BatchResult",
    "BatchState",
    "FilePart",
    "job_body",
    "parse_results",
]

logger = logging.getLogger("keystone_client")

#: The batch endpoint, relative to the base URL.
BATCH_ENDPOINT = "batch/"

METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})

#: A file part of a multipart request: (filename, content, content type).
FilePart = tuple[str, bytes, str]


class BatchState(enum.Enum):
    """Where a batch is in its life.

    OPEN records actions; SENDING is in flight; SUBMITTED succeeded (final); FAILED raised
    on its way (the server keeps nothing of a failed job) and may be submitted again;
    DISCARDED left its block with an exception, unsent (final).
    """

    OPEN = "open"
    SENDING = "being sent"
    SUBMITTED = "submitted"
    FAILED = "failed"
    DISCARDED = "discarded"


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


#: Parses the response of ``POST batch/``.
JOB_RESULT = TypeAdapter(_JobResult)


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


def job_body(actions: list[BatchAction], dry_run: bool) -> WriteBody:
    """Return the request body: JSON, or multipart when an action uploads a file."""
    job = {"actions": [action.to_json() for action in actions], "dry_run": dry_run}
    files = {name: part for action in actions for name, part in action.files.items()}
    if not files:
        return WriteBody(json={"job": job})
    return WriteBody(data={"job": pydantic_core.to_json(job).decode()}, files=files)


def parse_results(response_body: _JobResult, actions: list[BatchAction]) -> list[BatchResult]:
    """Return one result per step of the job, parsed into its resource's model when known."""
    results = []
    for step in response_body.results:
        action = actions[step.index - 1] if 1 <= step.index <= len(actions) else None
        spec = action.spec if action is not None else None
        results.append(
            BatchResult(
                ref=step.ref,
                index=step.index,
                method=step.method,
                path=step.path,
                status=step.status,
                body=step.body,
                model=_parse_model(spec, step),
            )
        )
    return results
