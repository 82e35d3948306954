"""The fake's database: records by collection, credentials, and the server's three logs."""

from __future__ import annotations

import copy
import datetime as dt
import re
import unicodedata
from typing import Any

from ._deletes import plan_delete
from ._schema import COLLECTIONS, CONTENT_TYPES, Collection
from ._wire import ServerError

__all__ = ["AUDIT_ACTIONS", "Store", "now_text"]

AUDIT_ACTIONS = ("create", "update", "delete")  # django-auditlog's action codes 0, 1, 2


def now_text() -> str:
    """The current time as the server writes it."""
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def _text(value: Any) -> str:
    """How the audit log writes a value: ``str()`` of the Python value.

    Timestamps are Python datetimes there, written naive in UTC: ``2024-01-15 09:00:00``.
    """
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d.*", value):
        when = dt.datetime.fromisoformat(value)
        if when.tzinfo is not None:
            when = when.astimezone(dt.UTC).replace(tzinfo=None)
        return str(when)
    return "None" if value is None else str(value)


def slugify(name: str) -> str:
    """The server's team slug (Django's ``slugify``).

    Accents fold to ASCII and other non-ASCII letters drop; punctuation drops; runs of spaces
    and hyphens become one hyphen; underscores stay, except at the ends.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    kept = re.sub(r"[^\w\s-]", "", ascii_name.lower())
    return re.sub(r"[-\s]+", "-", kept).strip("-_")


def _short(text: str) -> str:
    """Django's ``truncatechars`` at 100, as the server's record names use it."""
    return text if len(text) <= 100 else text[:99] + "\u2026"


def object_repr(db: dict[str, dict[int, dict[str, Any]]], name: str, record: dict[str, Any]) -> str:
    """The server's name of a record (its model's ``__str__``), as audit entries keep it."""

    def row(collection: str, pk: Any) -> dict[str, Any]:
        return db[collection].get(pk) or {}

    def team(pk: Any) -> str:
        return f"Team #{pk} - {row('teams', pk).get('name')}"

    def username(pk: Any) -> str:
        return str(row("users", pk).get("username"))

    pk = record["id"]
    request = record.get("request")
    if name == "users":
        return f"User #{pk} - {record['username']}"
    if name == "teams":
        return team(pk)
    if name == "memberships":
        return f"Membership #{pk} - {username(record['user'])} in {team(record['team'])}"
    if name == "clusters":
        return f"Cluster #{pk} - {record['name']}"
    if name == "allocations":
        cluster = f"Cluster #{record['cluster']} - {row('clusters', record['cluster']).get('name')}"
        owner = team(row("allocation_requests", request).get("team"))
        return f"Resource Allocation #{pk} - {cluster} allocation for {owner}"
    if name == "allocation_requests":
        return f"Allocation Request #{pk} - '{_short(record['title'])}' for {team(record['team'])}"
    if name == "allocation_reviews":
        reviewer = username(record.get("reviewer"))
        return f"Allocation Review #{pk} - {reviewer} review of request #{request}"
    if name == "attachments":
        return f"Attachment #{pk} - '{record['name']}' on request #{request}"
    if name == "comments":
        return f"Comment #{pk} - by {username(record['user'])} on request #{request}"
    if name == "grants":
        return f"Grant #{pk} - {_short(record['title'])}"
    if name == "publications":
        return f"Publication #{pk} - {_short(record['title'])}"
    raise ValueError(f"the server does not audit {name}")


def _logged(record: dict[str, Any]) -> dict[str, str]:
    """The fields a create or delete entry lists, as text.

    As django-auditlog: a field that is None does not change, and lists (the server's
    many-to-many fields) are not logged.
    """
    return {
        k: _text(v)
        for k, v in record.items()
        if _text(v) != "None" and k != "password" and not isinstance(v, list)
    }


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
        return copy.deepcopy((self.db, self.next_id, self.passwords, self.tokens))

    def restore(self, snapshot: Any) -> None:
        """Roll back to a snapshot; the request log survives, as the server's does."""
        db, next_id, passwords, tokens = snapshot
        logs, log_id = self.db["request_logs"], self.next_id["request_logs"]
        self.db, self.next_id, self.passwords, self.tokens = db, next_id, passwords, tokens
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
            self.passwords[record["username"]] = record.pop("password")  # every user has one
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
        changes = {k: ["None", text] for k, text in _logged(record).items()}
        self.audit(COLLECTIONS[name], pk, "create", changes, user, when)
        return record

    def delete(self, name: str, pk: int, user: dict[str, Any] | None) -> None:
        """Remove a record with what cascades from it, auditing each one removed.

        As the server: keys to it that are SET_NULL empty, many-to-many links to it drop, and
        a record referring to it through a PROTECT key refuses the whole delete with
        `ServerError` (Django's unhandled ``ProtectedError``), before anything changes.
        """
        plan = plan_delete(self.db, name, pk)
        if plan.protected:
            refusing = ", ".join(f"{coll} #{row}" for coll, row in plan.protected)
            raise ServerError(f"{name} #{pk} is protected by {refusing}")
        for coll, row, key in plan.nulls:
            self.db[coll][row][key] = None
        for coll, row, key, ref in plan.unlinks:
            links = self.db[coll][row][key]
            self.db[coll][row][key] = [link for link in links if link != ref]
        for coll, row in plan.deletes:
            # Audited before it goes, so its name still reads the records it points to.
            changes = {k: [text, "None"] for k, text in _logged(self.db[coll][row]).items()}
            self.audit(COLLECTIONS[coll], row, "delete", changes, user)
            record = self.db[coll].pop(row)
            if coll == "users":
                del self.passwords[record["username"]]
                self.tokens = {key: uid for key, uid in self.tokens.items() if uid != row}

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
        """Write one audit log entry (django-auditlog's columns), for the audited models only."""
        if coll.name not in CONTENT_TYPES:
            return
        pk = self.take_id("audit_logs")
        record = self.db[coll.name][record_id]
        # django-auditlog's middleware names the actor from Django's session, before the API
        # view reads a token: a write made with a token has no actor.
        uid = self.sessions.get(self.session or "") if user is not None else None
        actor = self.db["users"].get(uid) if uid is not None else None
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
            "actor": actor["id"] if actor is not None else None,
            "object_id": record_id,
            "object_pk": str(record_id),
            "object_repr": object_repr(self.db, coll.name, record),
            "content_type": CONTENT_TYPES[coll.name],
            "changes_text": "",  # django-auditlog 3 keeps changes as JSON only
            "actor_email": actor["email"] if actor is not None else None,
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
                "summary": log["object_repr"],
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
                "timestamp": task["date_created"],
                "summary": task["task_name"],
                "cid": None,
                "status": task["status"],
                "user": None,
            }
            for task in self.db["task_logs"].values()
        ]
        return rows
