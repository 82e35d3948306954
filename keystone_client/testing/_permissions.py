"""What a user may see and change, as the server's permission classes decide.

Staff see and change everything, except that a notification is read and changed by its own
user only (staff list them all). Everyone else:

- inactive users and teams, and the memberships of either, do not exist for them: not
  found by id, missing from lists;
- users, teams, memberships, clusters: read by all, though the team list holds only the
  user's own teams and the cluster list those their teams may use; users change and delete
  only their own record; team owners and admins change their team and its memberships, and
  add members to it; a member may delete their own membership; clusters are written by
  staff only;
- grants and publications: read and written by members of their team; a team named in the
  body must be one of theirs too;
- allocation requests and attachments: read by team members, created by team owners and
  admins; allocations: read by team members, created by team owners and admins on a
  cluster open to the team, changed by staff; reviews: read by team members, written by
  staff;
- comments: team members read, create, change and delete the public ones (the writer refuses
  a private one with a validation error);
- notifications and preferences: each user's own;
- logs: staff only (the whole collection answers 403).
"""

from __future__ import annotations

from typing import Any

from ._schema import Collection
from ._store import Store

__all__ = ["can_write", "hidden", "listed", "visible"]

_TEAM_SCOPED = frozenset({"grants", "publications", "allocation_requests"})
_REQUEST_SCOPED = frozenset({"allocations", "allocation_reviews", "comments", "attachments"})
_OWNED = frozenset({"notifications", "preferences"})
_ADMIN_ROLES = frozenset({"OW", "AD"})


def _teams(store: Store, user: dict[str, Any], roles: frozenset[str] | None = None) -> set[int]:
    return {
        m["team"]
        for m in store.db["memberships"].values()
        if m["user"] == user["id"] and (roles is None or m["role"] in roles)
    }


def _team_of(store: Store, coll: Collection, row: dict[str, Any]) -> Any:
    if coll.name in _REQUEST_SCOPED:
        request = store.db["allocation_requests"].get(_as_id(row.get("request")) or 0, {})
        return request.get("team")
    return row.get("team")


def _open_to(cluster: dict[str, Any], teams: set[int]) -> bool:
    """Whether a cluster's access mode lets ``teams`` use it (for lists: any of a user's)."""
    listed = bool(teams & set(cluster["access_teams"]))
    mode = cluster["access_mode"]
    return mode == "OP" or (mode == "WL" and listed) or (mode == "BL" and not listed)


def _as_id(value: Any) -> int | None:
    text = str(value)
    return int(text) if text.isdigit() else None


def hidden(store: Store, coll: Collection, user: dict[str, Any], row: dict[str, Any]) -> bool:
    """Whether ``row`` is outside ``user``'s records altogether: not found, not listed."""
    if user["is_staff"]:
        return False
    if coll.name in ("users", "teams"):
        return not row["is_active"]
    if coll.name == "memberships":
        # A membership goes with its team and its user (deletes cascade), so both exist.
        team, member = store.db["teams"][row["team"]], store.db["users"][row["user"]]
        return not (team["is_active"] and member["is_active"])
    return False


def visible(store: Store, coll: Collection, user: dict[str, Any], row: dict[str, Any]) -> bool:
    """Whether ``user`` may read ``row``."""
    if coll.name == "notifications":  # read by its own user only, staff too
        return bool(row.get("user") == user["id"])
    if user["is_staff"]:
        return True
    if coll.name in _OWNED:
        return bool(row.get("user") == user["id"])
    if coll.name == "comments" and row.get("private"):
        return False
    if coll.name in _TEAM_SCOPED or coll.name in _REQUEST_SCOPED:
        return _team_of(store, coll, row) in _teams(store, user)
    return True


def listed(store: Store, coll: Collection, user: dict[str, Any], row: dict[str, Any]) -> bool:
    """Whether ``row`` is in ``user``'s list: a readable record, and of teams only their own."""
    if user["is_staff"]:
        return True
    if hidden(store, coll, user, row):
        return False
    if coll.name == "teams":
        return row["id"] in _teams(store, user)
    if coll.name == "clusters":
        return _open_to(row, _teams(store, user))
    return visible(store, coll, user, row)


def can_write(
    store: Store,
    coll: Collection,
    user: dict[str, Any],
    method: str,
    record: dict[str, Any] | None,
    payload: Any,
) -> bool:
    """Whether ``user`` may send ``method`` to the list (``record`` None) or a record."""
    if user["is_staff"]:
        return True
    data = payload if isinstance(payload, dict) else {}
    row = record if record is not None else data
    name = coll.name
    if name == "users":
        return record is not None and record["id"] == user["id"]
    if name in _OWNED:
        return record is None or record.get("user") == user["id"]
    if name == "teams":
        return record is None or record["id"] in _teams(store, user, _ADMIN_ROLES)
    if name == "memberships":
        # The team named in the body is checked first, on every write; a missing or unknown
        # team is left to validation.
        team = _as_id(data.get("team"))
        if team in store.db["teams"] and team not in _teams(store, user, _ADMIN_ROLES):
            return False
        if record is None:
            return True
        if method == "DELETE" and record["user"] == user["id"]:
            return True
        return record["team"] in _teams(store, user, _ADMIN_ROLES)
    if name in ("grants", "publications"):
        # As for memberships: a known team in the body must be the user's; an unknown one is
        # left to validation.
        team = _as_id(data.get("team"))
        if team in store.db["teams"] and team not in _teams(store, user):
            return False
        return record is None or record["team"] in _teams(store, user)
    if name in ("allocation_requests", "attachments"):
        if record is not None:
            return False
        return _as_id(_team_of(store, coll, row)) in _teams(store, user, _ADMIN_ROLES)
    if name == "comments":
        return _as_id(_team_of(store, coll, row)) in _teams(store, user)
    if name == "allocations" and record is None:
        # A team's owners and admins, on a cluster open to the request's team.
        team = _as_id(_team_of(store, coll, row))
        cluster = store.db["clusters"].get(_as_id(data.get("cluster")) or 0)
        if cluster is None or team not in _teams(store, user, _ADMIN_ROLES):
            return False
        return _open_to(cluster, {team})
    return False  # clusters, reviews, changes to allocations: staff only
