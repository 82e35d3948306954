"""Records added by tests: required fields filled, missing related records created."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ._schema import COLLECTIONS, Collection, FieldRule
from ._schema import words as _words
from ._store import Store
from ._wire import BadRequest, Upload
from ._writes import Writer

__all__ = ["RecordMaker"]

# Fields the server sets itself (not writable through the API) that a stored record needs.
_SERVER_SET: dict[str, dict[str, Any]] = {
    "notifications": {
        "notification_type": "GM",
        "subject": "Notification {n}",
        "message_text": "Notification {n}.",
        "message_html": "<p>Notification {n}.</p>",
        "metadata": None,  # what the server stores for a message sent without metadata
    },
}
_READ_ONLY_COLLECTIONS = frozenset({"audit_logs", "request_logs", "feed"})
# The type a file given to add() is sent as; like the server, the fake judges a file by its name.
_SENT_AS = "application/octet-stream"


class RecordMaker:
    """Builds valid records the way a test means them, with the server's own validation."""

    def __init__(self, store: Store, writer: Writer) -> None:
        self.store = store
        self.writer = writer

    def add(self, name: str, fields: dict[str, Any], *, staff_id: int | None) -> dict[str, Any]:
        """Validate, complete and store one record; return the stored row."""
        if name not in COLLECTIONS:
            raise ValueError(f"unknown collection {name!r}; known: {', '.join(COLLECTIONS)}")
        if name in _READ_ONLY_COLLECTIONS:
            raise ValueError(f"{name} are written by the fake as it serves requests")
        coll = COLLECTIONS[name]
        given = self._server_names(coll, fields)
        n = self.store.next_id[name]
        if name == "task_logs":
            return self._task(given, n)
        writable = dict(coll.fields)
        if name == "notifications":  # the API only updates ``read``; tests create them
            writable["user"] = FieldRule("fk", target="users", current_user=True)
        extra = {k: v for k, v in given.items() if k not in writable}
        unknown = sorted(set(extra) - self._model_fields(coll) - _SERVER_SET.get(name, {}).keys())
        if unknown:
            raise ValueError(f"{name} have no field {unknown[0]!r}")
        data = {k: v for k, v in given.items() if k in writable}
        for field, rule in writable.items():
            if rule.kind == "file" and field in data:
                data[field] = _upload(data[field])
        for field, rule in writable.items():
            if field not in data and rule.required:
                data[field] = self._filler(coll, field, rule, n, data, staff_id)
        for field, template in _SERVER_SET.get(name, {}).items():
            extra.setdefault(field, template.format(n=n) if isinstance(template, str) else template)
        # Set-up writes act as the fake's staff user: current-user fields get its id, and
        # the checks the server makes on non-staff writers never apply.
        staff = {"id": staff_id, "is_staff": True}
        try:
            row = self.writer.validate(
                coll,
                data,
                {},
                staff,
                partial=False,
                creating=True,
                fields=writable,
            )
            self.writer.finish(coll, row)
        except BadRequest as exc:
            raise ValueError(f"invalid {name} record: {exc.errors}") from None
        return self.store.insert(name, {**row, **extra}, None)

    @staticmethod
    def _server_names(coll: Collection, fields: dict[str, Any]) -> dict[str, Any]:
        aliases = coll.spec.aliases
        return {aliases.get(k, k): _id_of(v) for k, v in fields.items()}

    @staticmethod
    def _model_fields(coll: Collection) -> set[str]:
        model = coll.spec.model
        return {info.alias or key for key, info in model.model_fields.items()}

    def _filler(
        self,
        coll: Collection,
        field: str,
        rule: FieldRule,
        n: int,
        data: dict[str, Any],
        staff_id: int | None,
    ) -> Any:
        """A deterministic value for a required field the test left out."""
        kind = rule.kind
        if kind == "fk":
            return self._dependency(rule.target, staff_id)
        if kind == "choice":
            return next(iter(rule.choices))
        if kind == "int":
            return 1000
        if kind == "decimal":
            return "10000.00"
        if kind == "date":
            return "2025-01-01"
        if kind == "file":
            return Upload(f"file-{n}.txt", b"example file\n", _SENT_AS)
        if field == "username":
            return f"user{n}"
        if field == "password":
            return f"{data.get('username', f'user{n}')}-password"
        if field in ("name", "title"):
            return f"{_words(coll.spec.model.__name__)} {n}"
        return f"{field.replace('_', ' ').capitalize()} {n}"

    def _dependency(self, target: str, staff_id: int | None) -> int:
        """Create the record a new one points to."""
        return int(self.add(target, {}, staff_id=staff_id)["id"])

    def _task(self, given: dict[str, Any], n: int) -> dict[str, Any]:
        pk = self.store.take_id("task_logs")
        # As django-celery-results stores a run with extended results and the JSON
        # serializer: argument reprs and meta JSON-encoded, no start time unless tracked.
        row = {
            "id": pk,
            "task_id": f"00000000-0000-4000-8000-{pk:012d}",
            "periodic_task_name": None,
            "task_name": f"apps.tasks.task_{n}",
            "task_args": '"()"',
            "task_kwargs": '"{}"',
            "status": "SUCCESS",
            "worker": "celery@worker-1",
            "content_type": "application/json",
            "content_encoding": "utf-8",
            "result": "null",
            "date_created": "2025-06-01T03:00:00Z",
            "date_started": None,
            "date_done": "2025-06-01T03:00:05Z",
            "traceback": None,
            "meta": '{"children": []}',
            **given,
        }
        self.store.db["task_logs"][pk] = row
        return row


def _upload(value: Any) -> Any:
    """A file given to add(): an Upload, a path to read, bytes, or just a file name."""
    if isinstance(value, os.PathLike):
        path = Path(value)
        return Upload(path.name, path.read_bytes(), _SENT_AS)
    if isinstance(value, bytes):
        return Upload("upload.txt", value, _SENT_AS)
    if isinstance(value, str):
        return Upload(Path(value).name, b"", _SENT_AS)
    return value


def _id_of(value: Any) -> Any:
    """A model or summary given for a relation stands for its id."""
    if isinstance(value, list):
        return [_id_of(v) for v in value]
    record_id = getattr(value, "id", None)
    return record_id if record_id is not None and not isinstance(value, dict | str | int) else value
