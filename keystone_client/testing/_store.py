"""The fake's database: records by collection, credentials, and the server's three logs."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from typing import Any

from ._schema import COLLECTIONS, Collection

__all__ = ["AUDIT_ACTIONS", "Store", "now_text"]

AUDIT_ACTIONS = ("create", "update", "delete")  # django-auditlog's action codes 0, 1, 2


def now_text() -> str:
    """The current time as the server writes it."""
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def _text(value: Any) -> str:
    """How the audit log writes a value: ``str()`` of the Python value."""
    return "None" if value is None else str(value)


def slugify(name: str) -> str:
    """The server's team slug."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


class Store:
    """Rows by collection and id, passwords, sessions and tokens."""

    def __init__(self) -> None:
        self.db: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in COLLECTIONS}
        self.next_id: dict[str, int] = dict.fromkeys(COLLECTIONS, 1)
        self.passwords: dict[str, str] = {}
        self.sessions: dict[str, int] = {}  # sessionid -> user id
        self.tokens: dict[str, int] = {}  # token key -> user id
        self.cid: str | None = None  # correlation id of the request being served
        self.session: str | None = None  # session cookie of the request being served

    # -- transactions ------------------------------------------------------------------------

    def snapshot(self) -> Any:
        """Copy everything a batch job may change."""
        return copy.deepcopy((self.db, self.next_id, self.passwords))

    def restore(self, snapshot: Any) -> None:
        """Roll back to a snapshot; the request log survives, as the server's does."""
        db, next_id, passwords = snapshot
        logs, log_id = self.db["request_logs"], self.next_id["request_logs"]
        self.db, self.next_id, self.passwords = db, next_id, passwords
        self.db["request_logs"], self.next_id["request_logs"] = logs, log_id

    # -- rows --------------------------------------------------------------------------------

    def take_id(self, name: str) -> int:
        """Reserve the next id of a collection."""
        pk = self.next_id[name]
        self.next_id[name] = pk + 1
        return pk

    def insert(
        self, name: str, row: dict[str, Any], user: dict[str, Any] | None, when: str | None = None
    ) -> dict[str, Any]:
        """Store a new record with the fields the server derives, and audit it."""
        when = when or now_text()
        pk = self.take_id(name)
        record = {"id": pk, **row}
        if name == "users":
            self.passwords[record["username"]] = record.pop("password", "")
            record.setdefault("date_joined", when)
            record.setdefault("last_login", None)
        elif name == "teams":
            record["slug"] = slugify(record["name"])
        elif name in ("allocation_requests", "allocation_reviews"):
            record.setdefault("submitted", when)
        elif name == "comments":
            record.setdefault("created", when)
        elif name == "attachments":
            record.setdefault("uploaded", when)
        elif name == "notifications":
            record.setdefault("time", when)
        self.db[name][pk] = record
        coll = COLLECTIONS[name]
        if coll.label:
            changes = {k: ["None", _text(v)] for k, v in record.items() if k != "password"}
            self.audit(coll, pk, "create", changes, user, when)
        return record

    def changes(self, before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
        """What the audit log records for an update."""
        return {
            k: [_text(before.get(k)), _text(v)]
            for k, v in after.items()
            if before.get(k) != v and k != "password"
        }

    def audit(
        self,
        coll: Collection,
        record_id: int,
        action: str,
        changes: dict[str, Any],
        user: dict[str, Any] | None,
        when: str | None = None,
    ) -> None:
        """Write one audit log entry (django-auditlog's columns)."""
        pk = self.take_id("audit_logs")
        record = self.db[coll.name].get(record_id, {})
        self.db["audit_logs"][pk] = {
            "id": pk,
            "record_name": coll.label,
            "record_id": record_id,
            "action": AUDIT_ACTIONS.index(action),  # stored and filtered as 0, 1, 2
            "changes": changes,
            "cid": self.cid,
            "remote_addr": "127.0.0.1" if user is not None else None,
            "remote_port": None,
            "timestamp": when or now_text(),
            "actor": user["id"] if user is not None else None,
            "object_id": record_id,
            "object_pk": str(record_id),
            "object_repr": str(record.get("title") or record.get("name") or record_id),
            "content_type": list(COLLECTIONS).index(coll.name) + 1,
            "changes_text": json.dumps(changes),
            "actor_email": user["email"] if user is not None else None,
        }

    def log_request(self, method: str, path: str, status: int, user: dict[str, Any] | None) -> None:
        """Write one request log entry, as the server's middleware does for every request."""
        pk = self.take_id("request_logs")
        self.db["request_logs"][pk] = {
            "id": pk,
            "method": method,
            "endpoint": path,
            "response_code": status,
            "remote_address": "127.0.0.1",
            "timestamp": now_text(),
            "cid": self.cid,
            "user": user["id"] if user is not None else None,
        }

    def feed_rows(self) -> list[dict[str, Any]]:
        """The activity feed: request, audit and task logs merged."""
        rows = [
            {
                "id": f"r{log['id']}",
                "record_id": log["id"],
                "record_type": "request",
                "timestamp": log["timestamp"],
                "summary": log["endpoint"],
                "cid": log["cid"],
                "status": str(log["response_code"]),
                "user": log["user"],
            }
            for log in self.db["request_logs"].values()
        ]
        rows += [
            {
                "id": f"a{log['id']}",
                "record_id": log["id"],
                "record_type": "audit",
                "timestamp": log["timestamp"],
                "summary": (
                    f"{AUDIT_ACTIONS[log['action']]} {log['record_name']} #{log['record_id']}"
                ),
                "cid": log["cid"],
                "status": None,
                "user": log["actor"],
            }
            for log in self.db["audit_logs"].values()
        ]
        rows += [
            {
                "id": f"t{task['id']}",
                "record_id": task["id"],
                "record_type": "task",
                "timestamp": task["date_done"],
                "summary": task["task_name"],
                "cid": None,
                "status": task["status"],
                "user": None,
            }
            for task in self.db["task_logs"].values()
        ]
        return rows
