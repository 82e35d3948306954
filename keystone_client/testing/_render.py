"""How the server renders each record: its fields, related summaries and history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._schema import COLLECTIONS
from ._store import AUDIT_ACTIONS, Store

__all__ = ["Renderer"]


class Renderer:
    """Renders stored rows as the server's JSON."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def render(self, name: str, row: dict[str, Any]) -> dict[str, Any]:
        """Return the JSON of one record of collection ``name``."""
        renderer: Callable[[dict[str, Any]], dict[str, Any]] | None = getattr(
            self, f"_render_{name}", None
        )
        # A collection declared after this module was written is served as stored.
        return dict(row) if renderer is None else renderer(row)

    def _user_summary(self, uid: int | None) -> dict[str, Any] | None:
        user = self.store.db["users"].get(uid) if uid is not None else None
        if user is None:
            return None
        return {
            "id": user["id"],
            "username": user["username"],
            "first_name": user["first_name"],
            "last_name": user["last_name"],
            "display_name": self._display_name(user),
            "abbreviation": self._abbreviation(user),
            "email": user["email"],
            "department": user["department"],
            "role": user["role"],
        }

    @staticmethod
    def _display_name(user: dict[str, Any]) -> str:
        first, last = user["first_name"], user["last_name"]
        if first and last:
            return f"{first} {last}"
        return str(first or user["username"])  # a last name alone is not used

    @staticmethod
    def _abbreviation(user: dict[str, Any]) -> str:
        first, last = user["first_name"], user["last_name"]
        if first and last:
            return f"{first[0]}{last[0]}".upper()
        return str(first[:1] if first else user["username"][:2]).upper()

    def _team_summary(self, tid: int) -> dict[str, Any]:
        team = self.store.db["teams"][tid]
        return {
            "id": team["id"],
            "slug": team["slug"],
            "name": team["name"],
            "is_active": team["is_active"],
        }

    def _request_summary(self, rid: int) -> dict[str, Any]:
        req = self.store.db["allocation_requests"][rid]
        return {k: req[k] for k in ("id", "title", "status", "active", "expire")}

    def _cluster_summary(self, cid: int) -> dict[str, Any]:
        cluster = self.store.db["clusters"][cid]
        return {k: cluster[k] for k in ("id", "name", "enabled")}

    def _history(self, name: str, record_id: int) -> list[dict[str, Any]]:
        label = COLLECTIONS[name].label
        entries = [
            log
            for log in self.store.db["audit_logs"].values()
            if log["record_name"] == label and log["record_id"] == record_id
        ]
        return [
            {
                "id": log["id"],
                "timestamp": log["timestamp"],
                "action": AUDIT_ACTIONS[log["action"]],
                "actor": log["actor"],
                "_actor": self._user_summary(log["actor"]),
                "changes": log["changes"],
            }
            for log in sorted(entries, key=lambda e: e["id"], reverse=True)
        ]

    def _render_users(self, u: dict[str, Any]) -> dict[str, Any]:
        memberships = [m for m in self.store.db["memberships"].values() if m["user"] == u["id"]]
        return {
            "id": u["id"],
            "display_name": self._display_name(u),
            "abbreviation": self._abbreviation(u),
            "_membership": [
                {
                    "id": m["id"],
                    "team": m["team"],
                    "role": m["role"],
                    "_team": self._team_summary(m["team"]),
                }
                for m in memberships
            ],
            "_history": self._history("users", u["id"]),
            **{
                k: u[k]
                for k in (
                    "is_superuser",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "department",
                    "role",
                    "is_active",
                    "is_staff",
                    "is_ldap_user",
                    "date_joined",
                    "last_login",
                    "groups",
                    "user_permissions",
                )
            },
        }

    def _render_teams(self, t: dict[str, Any]) -> dict[str, Any]:
        memberships = [m for m in self.store.db["memberships"].values() if m["team"] == t["id"]]
        return {
            "id": t["id"],
            "slug": t["slug"],
            "is_active": t["is_active"],
            "_membership": [
                {
                    "id": m["id"],
                    "user": m["user"],
                    "role": m["role"],
                    "_user": self._user_summary(m["user"]),
                }
                for m in memberships
            ],
            "_history": self._history("teams", t["id"]),
            "name": t["name"],
            "users": [m["user"] for m in memberships],
        }

    def _render_memberships(self, m: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": m["id"],
            "_user": self._user_summary(m["user"]),
            "_team": self._team_summary(m["team"]),
            "_history": self._history("memberships", m["id"]),
            "role": m["role"],
            "user": m["user"],
            "team": m["team"],
        }

    def _render_clusters(self, c: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": c["id"],
            "_access_teams": [self._team_summary(t) for t in c["access_teams"]],
            "_history": self._history("clusters", c["id"]),
            **{k: c[k] for k in ("name", "description", "enabled", "access_mode", "access_teams")},
        }

    def _render_allocations(self, a: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": a["id"],
            "_cluster": self._cluster_summary(a["cluster"]),
            "_request": self._request_summary(a["request"]),
            "_history": self._history("allocations", a["id"]),
            **{k: a[k] for k in ("requested", "awarded", "final", "cluster", "request")},
        }

    def _render_allocation_requests(self, r: dict[str, Any]) -> dict[str, Any]:
        rid = r["id"]
        allocations = [a for a in self.store.db["allocations"].values() if a["request"] == rid]
        attachments = [a for a in self.store.db["attachments"].values() if a["request"] == rid]
        comments = [c for c in self.store.db["comments"].values() if c["request"] == rid]
        return {
            "id": rid,
            "_submitter": self._user_summary(r["submitter"]),
            "_team": self._team_summary(r["team"]),
            "_assignees": [self._user_summary(u) for u in r["assignees"]],
            "_publications": [
                self._publication_fields(self.store.db["publications"][p])
                for p in r["publications"]
            ],
            "_grants": [self._grant_fields(self.store.db["grants"][g]) for g in r["grants"]],
            "_history": self._history("allocation_requests", rid),
            "_allocations": [
                {
                    "id": a["id"],
                    "cluster": a["cluster"],
                    "requested": a["requested"],
                    "awarded": a["awarded"],
                    "final": a["final"],
                    "_cluster": self._cluster_summary(a["cluster"]),
                }
                for a in allocations
            ],
            "_attachments": [{"file": a["file"], "name": a["name"]} for a in attachments],
            "_comments": [
                {
                    "id": c["id"],
                    "user": c["user"],
                    "content": c["content"],
                    "created": c["created"],
                    "private": c["private"],
                    "_user": self._user_summary(c["user"]),
                }
                for c in comments
            ],
            **{
                k: r[k]
                for k in (
                    "title",
                    "description",
                    "submitted",
                    "active",
                    "expire",
                    "status",
                    "submitter",
                    "team",
                    "assignees",
                    "publications",
                    "grants",
                )
            },
        }

    def _render_allocation_reviews(self, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": r["id"],
            "_request": self._request_summary(r["request"]),
            "_reviewer": self._user_summary(r["reviewer"]),
            "_history": self._history("allocation_reviews", r["id"]),
            **{k: r[k] for k in ("status", "submitted", "request", "reviewer")},
        }

    def _render_comments(self, c: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": c["id"],
            "user": c["user"],
            "_user": self._user_summary(c["user"]),
            "_request": self._request_summary(c["request"]),
            "_history": self._history("comments", c["id"]),
            **{k: c[k] for k in ("content", "created", "private", "request")},
        }

    def _render_attachments(self, a: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": a["id"],
            "file": a["file"],
            "name": a["name"],
            "_request": self._request_summary(a["request"]),
            "_history": self._history("attachments", a["id"]),
            "uploaded": a["uploaded"],
            "request": a["request"],
        }

    @staticmethod
    def _grant_fields(g: dict[str, Any]) -> dict[str, Any]:
        keys = ("id", "title", "agency", "pi", "amount", "grant_number", "start_date")
        rest = ("end_date", "description", "team")
        return {k: g[k] for k in (*keys, *rest)}

    @staticmethod
    def _publication_fields(p: dict[str, Any]) -> dict[str, Any]:
        keys = ("id", "title", "abstract", "published", "submitted", "journal", "doi")
        return {k: p[k] for k in (*keys, "volume", "issue", "team")}

    def _render_grants(self, g: dict[str, Any]) -> dict[str, Any]:
        fields = self._grant_fields(g)
        return {
            "id": g["id"],
            "_team": self._team_summary(g["team"]),
            "_history": self._history("grants", g["id"]),
            **{k: v for k, v in fields.items() if k != "id"},
        }

    def _render_publications(self, p: dict[str, Any]) -> dict[str, Any]:
        fields = self._publication_fields(p)
        return {
            "id": p["id"],
            "_team": self._team_summary(p["team"]),
            "_history": self._history("publications", p["id"]),
            **{k: v for k, v in fields.items() if k != "id"},
        }

    def _render_notifications(self, n: dict[str, Any]) -> dict[str, Any]:
        keys = ("id", "time", "read", "subject", "message_html", "notification_type")
        return {
            **{k: n[k] for k in keys},
            "user": n["user"],
            "_user": self._user_summary(n["user"]),
        }

    def _render_preferences(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": p["id"],
            "_user": self._user_summary(p["user"]),
            "request_expiry_thresholds": p["request_expiry_thresholds"],
            "notify_on_expiration": p["notify_on_expiration"],
            "user": p["user"],
        }

    def _render_audit_logs(self, a: dict[str, Any]) -> dict[str, Any]:
        keys = ("id", "record_name", "record_id", "action", "changes", "cid", "remote_addr")
        shown = {k: a[k] for k in (*keys, "remote_port", "timestamp", "actor")}
        shown["action"] = AUDIT_ACTIONS[a["action"]]
        return {**shown, "_actor": self._user_summary(a["actor"])}

    def _render_request_logs(self, r: dict[str, Any]) -> dict[str, Any]:
        return {"id": r["id"], "_user": self._user_summary(r["user"]), **r}

    def _render_task_logs(self, t: dict[str, Any]) -> dict[str, Any]:
        return dict(t)

    def _render_feed(self, f: dict[str, Any]) -> dict[str, Any]:
        return {"id": f["id"], "_user": self._user_summary(f["user"]), **f}
