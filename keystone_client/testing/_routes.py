"""Which handler answers a request: authentication, server information, collections, batch."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlencode

from . import _auth, _stats
from ._batch import run_batch
from ._faults import HTML, Throttle
from ._filtering import apply_filters, sort_rows
from ._permissions import can_write, hidden, listed, visible
from ._render import Renderer
from ._schema import BY_ENDPOINT, CHOICES, COLLECTIONS, Collection
from ._store import Store
from ._wire import BadRequest, Result, Upload
from ._writes import ALLOWED_FILE_TYPES, MAX_UPLOAD_SIZE, Writer

__all__ = ["FORBIDDEN", "VERSION", "Api", "not_found_page", "resolves"]

VERSION = "1.4.2"
FORBIDDEN = {"detail": "You do not have permission to perform this action."}
DEFAULT_PAGE_SIZE = 100
NOT_FOUND_PAGE = (
    '\n<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n'
    "<body>\n  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n"
    "</body>\n</html>\n"
)


class Api:
    """Answers one authenticated (or anonymous) request from the store."""

    def __init__(self, store: Store, base: str) -> None:
        self.store = store
        self.base = base  # "http://localhost:8000", for ``next`` and ``previous`` links
        self.renderer = Renderer(store)
        self.writer = Writer(store, self.renderer)
        self.page_cap = 1000
        # Each batch step runs through its view, and so through the throttle, as on the server.
        self.throttle: Throttle | None = None

    def route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any] | None,
    ) -> Result:
        """Answer a request whose path is relative to the API root (``/research/grants/``)."""
        if method == "HEAD":  # Django answers HEAD as GET wherever GET is served
            answer = self.route("GET", path, query, payload, files, user)
            return _not_allowed(method) if answer.status == 405 else answer
        if path in _PUBLIC:  # views open to anyone
            if method != _PUBLIC[path]:
                return _not_allowed(method)
            if path == "/version/":
                return Result(200, text=VERSION)
            if path == "/health/json/":
                return Result(200, _health())
            if path == "/health/":
                # The server's bare status: 200 as every check passes (500 if one fails; a
                # test makes the fake unhealthy with ``fail("GET", "health/", status=500)``).
                return Result(200, text="", content_type=HTML)
            return _auth.login(self.store, self.renderer, payload)
        if not _known(path):
            return not_found_page()  # URLs resolve before authentication
        if user is None:
            return Result(401, _auth.NOT_AUTHENTICATED)
        if path in _VIEWS and method != _VIEWS[path]:
            return _not_allowed(method)
        try:
            if path == "/authentication/logout/":
                return _auth.logout(self.store)
            if path == "/authentication/whoami/":
                return Result(200, self.renderer.render("users", user))
            if path == "/config/":
                return Result(200, _config())
            if path in CHOICES:
                return Result(200, dict(CHOICES[path]))
            if path in _STATS:
                return self._stats(path, query, user)
            if path == "/batch/":
                return run_batch(
                    self.store,
                    payload,
                    files,
                    lambda m, p, q, b, f: self._step(m, p, q, b, f, user),
                    _known,
                )
            return self._collection(method, path, query, payload, files, user)
        except BadRequest as exc:
            return Result(400, exc.errors)

    def _step(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any],
    ) -> Result:
        """One step of a batch: throttled like a request of its own, then answered."""
        if self.throttle is not None:
            throttled = self.throttle.check(f"user:{user['id']}")
            if throttled is not None:
                return throttled
        return self.route(method, path, query, payload, files, user)

    # -- collections -------------------------------------------------------------------------

    def rows(
        self, coll: Collection, user: dict[str, Any], query: dict[str, str]
    ) -> list[dict[str, Any]]:
        """The records ``user`` sees, narrowed by the query's filters and search."""
        if coll.name == "feed":
            rows = self.store.feed_rows()
        else:
            rows = list(self.store.db[coll.name].values())
        rows = [row for row in rows if listed(self.store, coll, user, row)]
        return apply_filters(self.store.db, coll, rows, query)

    def _collection(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any],
    ) -> Result:
        coll, pk = _endpoint(path)
        assert coll is not None  # ``_known`` has matched the path
        allowed = coll.methods if pk is not None else coll.methods & {"GET", "POST"}
        if method not in allowed:
            return _not_allowed(method)
        if coll.staff_only and not user["is_staff"]:
            return Result(403, FORBIDDEN)
        if pk is None:
            if method == "GET":
                return self._list(coll, path, query, user)
            if not can_write(self.store, coll, user, method, None, payload):
                return Result(403, FORBIDDEN)
            return self.writer.create(coll, payload, files, user)
        record = self.store.db[coll.name].get(int(pk)) if pk.isdigit() else None
        if record is None or hidden(self.store, coll, user, record):
            return Result(404, {"detail": f"No {coll.model_name} matches the given query."})
        if not visible(self.store, coll, user, record):
            # Lists are scoped to the user; a record outside the scope is refused, not hidden.
            return Result(403, FORBIDDEN)
        if method == "GET":
            return Result(200, self.renderer.render(coll.name, record))
        if not can_write(self.store, coll, user, method, record, payload):
            return Result(403, FORBIDDEN)
        if method == "DELETE":
            self.store.delete(coll.name, record["id"], user)
            return Result(204)
        return self.writer.update(coll, record, payload, files, user, partial=method == "PATCH")

    def _list(
        self, coll: Collection, path: str, query: dict[str, str], user: dict[str, Any]
    ) -> Result:
        rows = sort_rows(
            coll, self.rows(coll, user, query), query.get("_order") or coll.default_order
        )
        limit = _int(query.get("_limit"), DEFAULT_PAGE_SIZE)
        limit = min(max(limit, 1), self.page_cap)
        offset = max(_int(query.get("_offset"), 0), 0)
        count = len(rows)

        def link(new_offset: int) -> str:
            params = {k: v for k, v in query.items() if k not in ("_limit", "_offset")}
            params["_limit"] = str(limit)
            if new_offset > 0:
                params["_offset"] = str(new_offset)
            return f"{self.base}{path}?{urlencode(params)}"

        return Result(
            200,
            {
                "count": count,
                "next": link(offset + limit) if offset + limit < count else None,
                "previous": link(max(offset - limit, 0)) if offset > 0 else None,
                "results": [
                    self.renderer.render(coll.name, r) for r in rows[offset : offset + limit]
                ],
            },
        )

    def _stats(self, path: str, query: dict[str, str], user: dict[str, Any]) -> Result:
        name = _STATS[path]
        rows = self.rows(COLLECTIONS[name], user, query)
        if name == "allocation_requests":
            return Result(200, _stats.request_stats(self.store.db, rows, dt.date.today()))
        if name == "grants":
            return Result(200, _stats.grant_stats(rows, dt.date.today()))
        if name == "publications":
            return Result(200, _stats.publication_stats(rows))
        return Result(200, {"total": len(rows), "unread": sum(not r["read"] for r in rows)})


# Views open to anyone, at fixed paths, each with the one method it takes.
_PUBLIC = {
    "/version/": "GET",
    "/health/": "GET",
    "/health/json/": "GET",
    "/authentication/login/": "POST",
}
# Stats pages and the collection each counts.
_STATS = {
    "/stats/requests/": "allocation_requests",
    "/stats/grants/": "grants",
    "/stats/publications/": "publications",
    "/stats/notifications/": "notifications",
}
# Views for signed-in users at fixed paths, each with the one method it takes.
_VIEWS = {
    "/authentication/logout/": "POST",
    "/authentication/whoami/": "GET",
    "/config/": "GET",
    "/batch/": "POST",
    **{path: "GET" for path in _STATS},
    **{path: "GET" for path in CHOICES},
}
_ENDPOINT = re.compile(r"(/[a-z]+/[a-z-]+/)(?:([^/]+)/)?")


def _endpoint(path: str) -> tuple[Collection | None, str | None]:
    """The collection a path names, and the record's key if it names one."""
    match = _ENDPOINT.fullmatch(path)
    if match is None:
        return None, None
    return BY_ENDPOINT.get(match.group(1)), match.group(2)


def _known(path: str) -> bool:
    """Whether the server has a view at ``path`` (for a signed-in user; batch steps too)."""
    if path in _VIEWS:
        return True
    coll, pk = _endpoint(path)
    return coll is not None and (pk is None or coll.detail)


def resolves(path: str) -> bool:
    """Whether any view, open or not, serves ``path``."""
    return path in _PUBLIC or _known(path)


def _not_allowed(method: str) -> Result:
    return Result(405, {"detail": f'Method "{method}" not allowed.'})


def not_found_page() -> Result:
    """Django's answer for a URL no view serves: an HTML page, not JSON."""
    return Result(404, text=NOT_FOUND_PAGE, content_type=HTML)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _config() -> dict[str, Any]:
    return {
        "version": VERSION,
        "max_upload_size": MAX_UPLOAD_SIZE,
        "max_upload_count": 15,
        "allowed_file_types": list(ALLOWED_FILE_TYPES),
        "session_age": 1209600,
    }


def _health() -> dict[str, Any]:
    checks = [
        ("Database", True, None, 0.0021),
        ("Storage", True, None, 0.0034),
        ("Redis", True, None, 0.0012),
        ("SMTP", True, None, 0.0040),
    ]
    return {
        "data": [{"check": c, "healthy": h, "error": e, "time_taken": t} for c, h, e, t in checks]
    }
