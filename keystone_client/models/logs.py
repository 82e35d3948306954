"""Records of the server's ``logging`` app: audit, request and task logs and the feed."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, Field

from ._base import KeystoneModel, OpenEnum, Record
from ._lazy import Lazy
from .enums import FeedRecordType
from .summaries import UserSummary

__all__ = ["AuditLog", "FeedEntry", "RequestLog", "TaskResult"]


class AuditLog(Record):
    """One recorded change to a record (``logs/audit/``)."""

    _repr_fields = ("id", "record_name", "action")

    record_name: str
    record_id: int
    action: str
    #: Changed fields, each ``[old, new]`` as strings, e.g. ``{"title": ["A", "B"]}``.
    changes: dict[str, Any] | None
    cid: str | None
    remote_addr: str | None
    remote_port: int | None
    timestamp: AwareDatetime
    actor_id: int | None = Field(alias="actor")
    actor: Lazy[UserSummary | None] = Field(alias="_actor")


class RequestLog(Record):
    """One HTTP request served by the API (``logs/requests/``)."""

    _repr_fields = ("id", "method", "endpoint")

    user: Lazy[UserSummary | None] = Field(alias="_user")
    method: str
    endpoint: str
    response_code: int
    remote_address: str | None
    timestamp: AwareDatetime
    cid: str | None
    user_id: int | None = Field(alias="user")


class TaskResult(Record):
    """The outcome of one background task run (``logs/tasks/``)."""

    _repr_fields = ("id", "task_name", "status")

    task_id: str
    periodic_task_name: str | None
    task_name: str | None
    task_args: str | None
    task_kwargs: str | None
    status: str
    worker: str | None
    content_type: str
    content_encoding: str
    result: str | None
    date_created: AwareDatetime
    date_started: AwareDatetime | None
    date_done: AwareDatetime
    traceback: str | None
    meta: str | None


class FeedEntry(KeystoneModel):
    """One entry of the activity feed (``logs/feed/``); its ``id`` is a string like ``"r141"``."""

    _repr_fields = ("id", "record_type")

    id: str
    user: UserSummary | None = Field(alias="_user")
    record_id: int
    #: The kind of record: a request log, a task result or an audit log.
    record_type: OpenEnum[FeedRecordType]
    timestamp: AwareDatetime
    summary: str | None = None
    cid: str | None = None
    status: str | None = None
    user_id: int | None = Field(default=None, alias="user")
