"""A small in-memory Keystone API for the documentation examples.

`FakeServer` keeps a handful of made-up users, teams, allocation requests, grants ... in
dictionaries and answers HTTP requests through respx side-effect functions, so every example
in ``README.md`` and ``docs/`` runs without a network (see ``tests/test_docs_examples.py``).
It imitates the real server where an example can see it:

- session login that sets ``csrftoken`` and ``sessionid`` cookies, a CSRF check on every
  unsafe request made with a session, ``Authorization: Token <key>``, ``whoami`` and ``logout``;
- list endpoints paged by ``_limit``/``_offset`` (``count``, ``next``, ``previous``), ordered by
  ``_order``, narrowed by ``_search`` and by the filter lookups (``field``, ``__not_eq``,
  ``__in``, ``__gt`` ...); unknown query parameters are ignored, as the server does;
- detail, POST, PUT, PATCH and DELETE with DRF-style 400 bodies; unknown and read-only fields
  in a write are dropped silently, as the server does; multipart attachment uploads;
- choices, stats, version, config and health endpoints;
- ``POST batch/``: every action in one transaction, ``@ref{alias.path}`` and ``@file{name}``
  tokens, ``dry_run``, 422 on a failing step;
- a request log of every request with its ``X-KEYSTONE-CID`` header, an audit log of every
  change (shown as the ``_history`` of each record) and the merged activity feed.

Usage::

    server = FakeServer()
    with server.mock():          # a started respx router; unmatched requests fail
        KeystoneClient(url=BASE_URL, username=USERNAME, password=PASSWORD).version()
"""

from __future__ import annotations

import copy
import datetime as dt
import email.parser
import email.policy
import json
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
import respx

BASE_URL = "http://localhost:8000"
USERNAME = "alice"
PASSWORD = "example-password"
TOKEN = "0123456789abcdef0123456789abcdef01234567"
VERSION = "1.4.2"

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
FORBIDDEN = {"detail": "You do not have permission to perform this action."}

REQUEST_STATUS = {"PD": "Pending", "AP": "Approved", "DC": "Declined", "CR": "Changes Requested"}
REVIEW_STATUS = {"AP": "Approved", "DC": "Declined", "CR": "Changes Requested"}
ACCESS_MODE = {"WL": "Whitelist", "BL": "Blacklist", "OP": "Open"}
MEMBERSHIP_ROLE = {"OW": "Owner", "AD": "Admin", "MB": "Member"}
NOTIFICATION_TYPE = {
    "GM": "General Message",
    "RE": "Upcoming Request Expiration",
    "RD": "Request Past Expiration",
}

CHOICES = {
    "/allocations/request-choices/status/": REQUEST_STATUS,
    "/allocations/review-choices/status/": REVIEW_STATUS,
    "/allocations/cluster-choices/access-mode/": ACCESS_MODE,
    "/users/membership-choices/role/": MEMBERSHIP_ROLE,
    "/notifications/notification-choices/type/": NOTIFICATION_TYPE,
}

AUDIT_ACTIONS = ("create", "update", "delete")  # django-auditlog's action codes 0, 1, 2

ALLOWED_FILE_TYPES = [
    "application/pdf",
    "text/plain",
    "text/markdown",
    "text/csv",
    "image/png",
    "image/jpeg",
]


# -- declarations --------------------------------------------------------------------------


@dataclass(frozen=True)
class F:
    """A writable field: ``kind`` is str, int, decimal, date, bool, json, file, choice, fk, m2m."""

    kind: str
    required: bool = False
    null: bool = False
    default: Any = None
    target: str = ""  # fk/m2m: the collection referred to
    choices: dict[str, str] = field(default_factory=dict)
    current_user: bool = False  # fk to users defaulting to the requesting user


@dataclass(frozen=True)
class Collection:
    """One collection of the fake server."""

    name: str
    endpoint: str  # "/research/grants/"
    label: str  # audit log record name, "research | Grant"
    model: str  # for 404 messages: "No Grant matches the given query."
    fields: dict[str, F] = field(default_factory=dict)
    methods: frozenset[str] = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
    update_fields: frozenset[str] | None = None
    default_order: str = "id"
    staff_only: bool = False
    detail: bool = True


def _str(**kw: Any) -> F:
    return F("str", **kw)


COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in [
        Collection(
            "users",
            "/users/users/",
            "users | User",
            "User",
            {
                "username": _str(required=True),
                "password": _str(required=True),
                "first_name": _str(null=True),
                "last_name": _str(null=True),
                "email": _str(null=True),
                "department": _str(null=True),
                "role": _str(null=True),
                "is_superuser": F("bool", default=False),
                "is_active": F("bool", default=True),
                "is_staff": F("bool", default=False),
                "is_ldap_user": F("bool", default=False),
                "groups": F("json", default=[]),
                "user_permissions": F("json", default=[]),
            },
        ),
        Collection(
            "teams",
            "/users/teams/",
            "users | Team",
            "Team",
            {"name": _str(required=True), "is_active": F("bool", default=True)},
            update_fields=frozenset({"is_active"}),
        ),
        Collection(
            "memberships",
            "/users/memberships/",
            "users | Membership",
            "Membership",
            {
                "role": F("choice", required=True, choices=MEMBERSHIP_ROLE),
                "user": F("fk", required=True, target="users"),
                "team": F("fk", required=True, target="teams"),
            },
        ),
        Collection(
            "clusters",
            "/allocations/clusters/",
            "allocations | Cluster",
            "Cluster",
            {
                "name": _str(required=True),
                "description": _str(null=True),
                "enabled": F("bool", default=True),
                "access_mode": F("choice", default="OP", choices=ACCESS_MODE),
                "access_teams": F("m2m", default=[], target="teams"),
            },
        ),
        Collection(
            "allocations",
            "/allocations/allocations/",
            "allocations | Resource Allocation",
            "ResourceAllocation",
            {
                "requested": F("int", required=True),
                "awarded": F("int", null=True),
                "final": F("int", null=True),
                "cluster": F("fk", required=True, target="clusters"),
                "request": F("fk", required=True, target="allocation_requests"),
            },
        ),
        Collection(
            "allocation_requests",
            "/allocations/requests/",
            "allocations | Allocation Request",
            "AllocationRequest",
            {
                "title": _str(required=True),
                "description": _str(required=True),
                "active": F("date", null=True),
                "expire": F("date", null=True),
                "status": F("choice", default="PD", choices=REQUEST_STATUS),
                "submitter": F("fk", required=True, target="users"),
                "team": F("fk", required=True, target="teams"),
                "assignees": F("m2m", default=[], target="users"),
                "publications": F("m2m", default=[], target="publications"),
                "grants": F("m2m", default=[], target="grants"),
            },
        ),
        Collection(
            "allocation_reviews",
            "/allocations/reviews/",
            "allocations | Allocation Review",
            "AllocationReview",
            {
                "status": F("choice", required=True, choices=REVIEW_STATUS),
                "request": F("fk", required=True, target="allocation_requests"),
                "reviewer": F("fk", target="users", current_user=True),
            },
        ),
        Collection(
            "comments",
            "/allocations/comments/",
            "allocations | Comment",
            "Comment",
            {
                "user": F("fk", target="users", current_user=True),
                "content": _str(required=True),
                "private": F("bool", default=False),
                "request": F("fk", required=True, target="allocation_requests"),
            },
        ),
        Collection(
            "attachments",
            "/allocations/attachments/",
            "allocations | Attachment",
            "Attachment",
            {
                "file": F("file", required=True),
                "name": _str(),
                "request": F("fk", required=True, target="allocation_requests"),
            },
        ),
        Collection(
            "grants",
            "/research/grants/",
            "research | Grant",
            "Grant",
            {
                "title": _str(required=True),
                "agency": _str(required=True),
                "pi": _str(null=True),
                "amount": F("decimal", required=True),
                "grant_number": _str(null=True),
                "start_date": F("date", required=True),
                "end_date": F("date", null=True),
                "description": _str(null=True),
                "team": F("fk", required=True, target="teams"),
            },
        ),
        Collection(
            "publications",
            "/research/publications/",
            "research | Publication",
            "Publication",
            {
                "title": _str(required=True),
                "abstract": _str(null=True),
                "published": F("date", null=True),
                "submitted": F("date", null=True),
                "journal": _str(null=True),
                "doi": _str(null=True),
                "volume": _str(null=True),
                "issue": _str(null=True),
                "team": F("fk", required=True, target="teams"),
            },
        ),
        Collection(
            "notifications",
            "/notifications/notifications/",
            "notifications | Notification",
            "Notification",
            {"read": F("bool", default=False)},
            methods=frozenset({"GET", "PATCH"}),
        ),
        Collection(
            "preferences",
            "/notifications/preferences/",
            "notifications | Preference",
            "Preference",
            {
                "request_expiry_thresholds": F("json", default=[30, 14]),
                "notify_on_expiration": F("bool", default=True),
                "user": F("fk", target="users", current_user=True),
            },
        ),
        Collection(
            "audit_logs",
            "/logs/audit/",
            "",
            "LogEntry",
            methods=frozenset({"GET"}),
            default_order="-id",
            staff_only=True,
        ),
        Collection(
            "request_logs",
            "/logs/requests/",
            "",
            "RequestLog",
            methods=frozenset({"GET"}),
            staff_only=True,
        ),
        Collection(
            "task_logs",
            "/logs/tasks/",
            "",
            "TaskResult",
            methods=frozenset({"GET"}),
            default_order="-date_done",
            staff_only=True,
        ),
        Collection(
            "feed",
            "/logs/feed/",
            "",
            "",
            methods=frozenset({"GET"}),
            default_order="-timestamp",
            staff_only=True,
            detail=False,
        ),
    ]
}
BY_ENDPOINT = {c.endpoint: c for c in COLLECTIONS.values()}


@dataclass(frozen=True)
class Upload:
    """A file received in a multipart request."""

    filename: str
    content: bytes
    content_type: str


@dataclass
class Result:
    """What a handler answers: status, JSON body (or text) and extra headers."""

    status: int
    body: Any = None
    text: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


class BadRequest(Exception):
    """Raised inside handlers to answer 400 with DRF field errors."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


class _RefError(Exception):
    def __init__(self, token: str, reason: str) -> None:
        super().__init__(reason)
        self.token = token
        self.reason = reason


# -- helpers -------------------------------------------------------------------------------


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z")


def _text(value: Any) -> str:
    """How the audit log writes a value: ``str()`` of the Python value."""
    return "None" if value is None else str(value)


def _slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _typed(value: Any) -> Any:
    """A comparable form of a stored value: dates and timestamps parsed, numbers as Decimal."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return Decimal(str(value))
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d\d-\d\dT.*", value):
            return dt.datetime.fromisoformat(value)
        if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
            return dt.date.fromisoformat(value)
        if re.fullmatch(r"-?\d+(\.\d+)?", value):
            return Decimal(value)
    return value


def _parse_param(sample: Any, text: str) -> Any:
    """Parse a query-string value into the type of ``sample`` (a typed stored value)."""
    if isinstance(sample, bool):
        return text.lower() in ("true", "1", "yes")
    if isinstance(sample, Decimal):
        return Decimal(text)  # InvalidOperation becomes "Enter a number."
    if isinstance(sample, dt.datetime):
        when = dt.datetime.fromisoformat(text)
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    if isinstance(sample, dt.date):
        return dt.date.fromisoformat(text[:10])
    return text


def _date_part(value: Any, part: str) -> int | None:
    if not isinstance(value, dt.date):
        return None
    if part == "week":
        return value.isocalendar()[1]
    if part == "week_day":
        return value.isoweekday() % 7 + 1  # Django: 1 = Sunday ... 7 = Saturday
    if part in ("hour", "minute", "second"):
        return getattr(value, part, None) if isinstance(value, dt.datetime) else None
    return int(getattr(value, part))


def _matches(value: Any, lookup: str, text: str) -> bool:
    """Whether a stored value passes one filter lookup."""
    typed = _typed(value)
    if lookup == "isnull":
        return (value is None) == (text.lower() in ("true", "1"))
    if lookup in ("in", "not_in"):
        options = [item for item in text.split(",") if item != ""]
        found = value is not None and any(typed == _parse_param(typed, item) for item in options)
        return found if lookup == "in" else not found
    if lookup in ("year", "month", "day", "week", "week_day", "hour", "minute", "second"):
        return _date_part(typed, lookup) == int(text)
    if value is None:
        return lookup in ("not_eq", "not_contains", "not_startswith", "not_endswith")
    if lookup in ("", "not_eq"):
        equal = typed == _parse_param(typed, text)
        return equal if lookup == "" else not equal
    if lookup in ("lt", "lte", "gt", "gte"):
        other = _parse_param(typed, text)
        if isinstance(typed, dt.datetime) and not isinstance(other, dt.datetime):
            other = dt.datetime.combine(other, dt.time(), dt.UTC)
        return {
            "lt": typed < other,
            "lte": typed <= other,
            "gt": typed > other,
            "gte": typed >= other,
        }[lookup]
    negate = lookup.startswith("not_")
    op = lookup.removeprefix("not_")
    if op not in ("contains", "startswith", "endswith"):
        return True  # an unknown lookup is ignored, as the server ignores unknown parameters
    stored = str(value)
    hit = {
        "contains": text in stored,
        "startswith": stored.startswith(text),
        "endswith": stored.endswith(text),
    }[op]
    return not hit if negate else hit


def _sort(rows: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """Sort like PostgreSQL: by each key in turn, NULLs last ascending and first descending."""
    rows = list(rows)
    keys = [k.strip() for k in order.split(",") if k.strip()]
    for key in reversed(keys):
        name = key.lstrip("-+")
        if rows and name not in rows[0]:
            continue  # unknown ordering fields are ignored

        def sort_key(row: dict[str, Any], name: str = name) -> tuple[bool, Any]:
            value = _typed(row.get(name))
            return (value is None, 0 if value is None else value)

        rows.sort(key=sort_key, reverse=key.startswith("-"))
    return rows


def _duration(delta: dt.timedelta) -> str:
    """Django's duration format, ``"[D ]HH:MM:SS[.uuuuuu]"``."""
    minutes, seconds = divmod(delta.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    if delta.days:
        text = f"{delta.days} {text}"
    if delta.microseconds:
        text += f".{delta.microseconds:06d}"
    return text


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, Upload]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(head + body)
    data: dict[str, Any] = {}
    files: dict[str, Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = Upload(filename, payload, part.get_content_type())
        elif name in data:  # repeated field: a list (m2m ids)
            previous = data[name] if isinstance(data[name], list) else [data[name]]
            data[str(name)] = [*previous, payload.decode()]
        else:
            data[str(name)] = payload.decode()
    return data, files


# -- the server ----------------------------------------------------------------------------


class FakeServer:
    """An in-memory Keystone API; `mock()` installs it at `BASE_URL` with respx."""

    def __init__(self) -> None:
        self.db: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in COLLECTIONS}
        self.next_id: dict[str, int] = dict.fromkeys(COLLECTIONS, 1)
        self.sessions: dict[str, int] = {}  # sessionid -> user id
        self.tokens: dict[str, int] = {TOKEN: 1}
        self.passwords: dict[str, str] = {}
        self._cid: str | None = None
        self._seed()

    # -- installation ----------------------------------------------------------------------

    def install(self, router: respx.MockRouter) -> None:
        """Add this server's routes to a respx router."""
        host = re.escape(BASE_URL)
        router.post(f"{BASE_URL}/batch/", name="batch").mock(side_effect=self._respond)
        router.route(url__regex=rf"^{host}/authentication/", name="auth").mock(
            side_effect=self._respond
        )
        router.route(url__regex=rf"^{host}/(version|config|health)/", name="server").mock(
            side_effect=self._respond
        )
        router.route(url__regex=rf"^{host}/stats/", name="stats").mock(side_effect=self._respond)
        router.route(url__regex=rf"^{host}/[a-z]+/[a-z-]+-choices/", name="choices").mock(
            side_effect=self._respond
        )
        router.route(url__regex=rf"^{host}/", name="collections").mock(side_effect=self._respond)

    @contextmanager
    def mock(self) -> Iterator[respx.MockRouter]:
        """Route requests to `BASE_URL` here while the block runs; any other request fails."""
        with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
            self.install(router)
            yield router

    def expire_sessions(self) -> None:
        """Forget every session, as when the server's session age passes."""
        self.sessions.clear()

    # -- request handling ------------------------------------------------------------------

    def _respond(self, request: httpx.Request) -> httpx.Response:
        cookies = self._cookies(request)
        user, via = self._authenticate(request, cookies)
        method = request.method
        path = request.url.path
        self._cid = request.headers.get("X-KEYSTONE-CID")
        if isinstance(user, Result):
            result = user
            user = None
        elif (
            via == "session"
            and method in UNSAFE
            and path != "/authentication/login/"
            and (
                not request.headers.get("X-CSRFToken")
                or request.headers.get("X-CSRFToken") != cookies.get("csrftoken")
            )
        ):
            result = Result(403, {"detail": "CSRF Failed: CSRF token missing."})
        else:
            query = dict(request.url.params.multi_items())
            try:
                payload, files = self._payload(request)
            except ValueError:
                result = Result(400, {"detail": "JSON parse error - Expecting value"})
            else:
                result = self._route(method, path, query, payload, files, user, request.url)
        self._log(method, path, result.status, user)
        headers = list(result.headers)
        if result.text is not None:
            headers.append(("Content-Type", "text/plain"))
            return httpx.Response(result.status, text=result.text, headers=headers)
        if result.body is None:
            return httpx.Response(result.status, headers=headers)
        return httpx.Response(result.status, json=result.body, headers=headers)

    @staticmethod
    def _cookies(request: httpx.Request) -> dict[str, str]:
        jar: dict[str, str] = {}
        for part in request.headers.get("cookie", "").split(";"):
            name, sep, value = part.strip().partition("=")
            if sep:
                jar[name] = value
        return jar

    def _authenticate(
        self, request: httpx.Request, cookies: dict[str, str]
    ) -> tuple[dict[str, Any] | Result | None, str | None]:
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Token "):
            uid = self.tokens.get(auth.removeprefix("Token ").strip())
            if uid is None:
                return Result(401, {"detail": "Invalid token."}), None
            return self.db["users"][uid], "token"
        uid = self.sessions.get(cookies.get("sessionid", ""))
        if uid is not None and uid in self.db["users"]:
            return self.db["users"][uid], "session"
        return None, None

    @staticmethod
    def _payload(request: httpx.Request) -> tuple[dict[str, Any] | None, dict[str, Upload]]:
        content_type = request.headers.get("Content-Type", "")
        body = request.content
        if not body:
            return None, {}
        if content_type.startswith("multipart/form-data"):
            return _parse_multipart(content_type, body)
        if content_type.startswith("application/json"):
            data = json.loads(body)
            return data, {}
        return None, {}

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any] | None,
        url: httpx.URL,
    ) -> Result:
        if path == "/version/":
            return Result(200, text=VERSION)
        if path == "/health/json/":
            return Result(200, self._health())
        if path == "/authentication/login/" and method == "POST":
            return self._login(payload)
        if path == "/authentication/logout/" and method == "POST":
            return self._logout(user)
        if path == "/authentication/whoami/" and method == "GET":
            if user is None:
                return Result(401, NOT_AUTHENTICATED)
            return Result(200, self._render("users", user))
        if user is None:
            return Result(401, NOT_AUTHENTICATED)
        try:
            if path == "/config/" and method == "GET":
                return Result(200, self._config())
            if path in CHOICES and method == "GET":
                return Result(200, dict(CHOICES[path]))
            if path.startswith("/stats/") and method == "GET":
                return self._stats(path, query, user)
            if path == "/batch/" and method == "POST":
                return self._batch(payload, files, user)
            return self._collection(method, path, query, payload, files, user, url)
        except BadRequest as exc:
            return Result(400, exc.errors)

    # -- authentication --------------------------------------------------------------------

    def _login(self, payload: Any) -> Result:
        payload = payload or {}
        missing = {
            name: ["This field is required."]
            for name in ("username", "password")
            if not payload.get(name)
        }
        if missing:
            return Result(400, missing)
        user = next(
            (u for u in self.db["users"].values() if u["username"] == payload["username"]),
            None,
        )
        if (
            user is None
            or not user["is_active"]
            or self.passwords.get(user["username"]) != payload["password"]
        ):
            return Result(400, {"non_field_errors": ["Invalid username or password."]})
        session = secrets.token_hex(16)
        csrf = secrets.token_hex(16)
        self.sessions[session] = user["id"]
        user["last_login"] = _now()
        return Result(
            200,
            self._render("users", user),
            headers=[
                ("Set-Cookie", f"csrftoken={csrf}; Path=/; SameSite=Lax"),
                ("Set-Cookie", f"sessionid={session}; HttpOnly; Path=/; SameSite=Lax"),
            ],
        )

    def _logout(self, user: dict[str, Any] | None) -> Result:
        if user is not None:
            for key in [k for k, uid in self.sessions.items() if uid == user["id"]]:
                del self.sessions[key]
        expired = "expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/"
        return Result(200, headers=[("Set-Cookie", f'sessionid=""; {expired}')])

    # -- server information ----------------------------------------------------------------

    @staticmethod
    def _config() -> dict[str, Any]:
        return {
            "version": VERSION,
            "max_upload_size": 2621440,
            "max_upload_count": 15,
            "allowed_file_types": list(ALLOWED_FILE_TYPES),
            "session_age": 1209600,
        }

    @staticmethod
    def _health() -> dict[str, Any]:
        checks = [
            ("Database", True, None, 0.0021),
            ("Storage", True, None, 0.0034),
            ("Redis", True, None, 0.0012),
            ("SMTP", False, "Unavailable: Connection refused error", 0.0040),
        ]
        return {
            "data": [
                {"check": c, "healthy": h, "error": e, "time_taken": t} for c, h, e, t in checks
            ]
        }

    # -- collections -----------------------------------------------------------------------

    def _collection(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any],
        url: httpx.URL,
    ) -> Result:
        match = re.fullmatch(r"(/[a-z]+/[a-z]+/)(?:([^/]+)/)?", path)
        coll = BY_ENDPOINT.get(match.group(1)) if match else None
        if match is None or coll is None:
            return Result(404, {"detail": "Not found."})
        if coll.staff_only and not user["is_staff"]:
            return Result(403, FORBIDDEN)
        pk = match.group(2)
        if method not in coll.methods or (pk is None and method not in ("GET", "POST")):
            return Result(405, {"detail": f'Method "{method}" not allowed.'})
        if pk is None:
            if method == "GET":
                return self._list(coll, query, user, url)
            return self._create(coll, payload, files, user)
        if not coll.detail:
            return Result(404)
        record = self._visible(coll, user).get(int(pk)) if pk.isdigit() else None
        if record is None:
            return Result(404, {"detail": f"No {coll.model} matches the given query."})
        if coll.name == "notifications" and record["user"] != user["id"]:
            return Result(403, FORBIDDEN)
        if method == "GET":
            return Result(200, self._render(coll.name, record))
        if method == "DELETE":
            self._audit(coll, record["id"], "delete", {}, user)
            del self.db[coll.name][record["id"]]
            return Result(204)
        return self._update(coll, record, payload, files, user, partial=method == "PATCH")

    def _visible(self, coll: Collection, user: dict[str, Any]) -> dict[int, dict[str, Any]]:
        if coll.name == "feed":
            return {i: row for i, row in enumerate(self._feed_rows())}
        return self.db[coll.name]

    def _rows(self, coll: Collection, user: dict[str, Any]) -> list[dict[str, Any]]:
        rows = list(self._visible(coll, user).values())
        if coll.name == "notifications":
            rows = [r for r in rows if r["user"] == user["id"]]
        return rows

    def _filtered(
        self, coll: Collection, query: dict[str, str], user: dict[str, Any]
    ) -> list[dict[str, Any]]:
        rows = self._rows(coll, user)
        known = set().union(*(row.keys() for row in rows)) if rows else set()
        for key, text in query.items():
            if key.startswith("_"):
                continue
            name, _, lookup = key.partition("__")
            if name not in known or name == "password":
                continue  # the server ignores unknown parameters
            try:
                rows = [row for row in rows if _matches(row.get(name), lookup, text)]
            except (InvalidOperation, ValueError):
                raise BadRequest({key: ["Enter a valid value."]}) from None
        search = query.get("_search")
        if search:
            needle = search.lower()
            rows = [
                row
                for row in rows
                if any(
                    isinstance(v, str) and needle in v.lower()
                    for k, v in row.items()
                    if k != "password"
                )
            ]
        return rows

    def _list(
        self, coll: Collection, query: dict[str, str], user: dict[str, Any], url: httpx.URL
    ) -> Result:
        rows = _sort(self._filtered(coll, query, user), query.get("_order") or coll.default_order)
        try:
            limit = min(max(int(query.get("_limit", "100")), 1), 1000)
        except ValueError:
            limit = 100
        try:
            offset = max(int(query.get("_offset", "0")), 0)
        except ValueError:
            offset = 0
        page = rows[offset : offset + limit]
        count = len(rows)
        nxt = (
            str(url.copy_set_param("_limit", limit).copy_set_param("_offset", offset + limit))
            if offset + limit < count
            else None
        )
        prev = None
        if offset > 0:
            back = url.copy_set_param("_limit", limit)
            back = (
                back.copy_set_param("_offset", offset - limit)
                if offset - limit > 0
                else back.copy_remove_param("_offset")
            )
            prev = str(back)
        return Result(
            200,
            {
                "count": count,
                "next": nxt,
                "previous": prev,
                "results": [self._render(coll.name, row) for row in page],
            },
        )

    # -- writes ----------------------------------------------------------------------------

    def _validate(
        self,
        coll: Collection,
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any],
        *,
        partial: bool,
        creating: bool,
    ) -> dict[str, Any]:
        if payload is not None and not isinstance(payload, dict):
            raise BadRequest({"non_field_errors": ["Invalid data. Expected a dictionary."]})
        given = dict(payload or {})
        given.update(files)
        writable = coll.fields
        if not creating and coll.update_fields is not None:
            writable = {k: v for k, v in writable.items() if k in coll.update_fields}
        clean: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for name, spec in writable.items():
            if name not in given:
                if partial:
                    continue
                if spec.current_user:
                    if creating:
                        clean[name] = user["id"]
                elif spec.required:
                    errors[name] = ["This field is required."]
                elif spec.kind == "file":
                    continue
                else:
                    clean[name] = copy.deepcopy(spec.default)
                continue
            try:
                clean[name] = self._value(spec, given[name])
            except ValueError as exc:
                errors[name] = [str(exc)]
        if errors:
            raise BadRequest(errors)
        return clean

    def _value(self, spec: F, value: Any) -> Any:
        if value is None or (value == "" and spec.kind in ("date", "int", "decimal", "fk")):
            if spec.null:
                return None
            raise ValueError("This field may not be null.")
        kind = spec.kind
        if kind == "str":
            if isinstance(value, dict | list):
                raise ValueError("Not a valid string.")
            text = str(value)
            if not text.strip():
                raise ValueError("This field may not be blank.")
            return text
        if kind == "int":
            try:
                number = int(str(value))
            except ValueError:
                raise ValueError("A valid integer is required.") from None
            if number < 0:
                raise ValueError("Ensure this value is greater than or equal to 0.")
            return number
        if kind == "decimal":
            try:
                amount = Decimal(str(value))
            except InvalidOperation:
                raise ValueError("A valid number is required.") from None
            if not amount.is_finite():
                raise ValueError("A valid number is required.")
            if amount.as_tuple().exponent < -2:  # type: ignore[operator]
                raise ValueError("Ensure that there are no more than 2 decimal places.")
            return _money(amount)
        if kind == "date":
            try:
                return dt.date.fromisoformat(str(value)).isoformat()
            except ValueError:
                raise ValueError(
                    "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
                ) from None
        if kind == "bool":
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "1"):
                return True
            if str(value).lower() in ("false", "0"):
                return False
            raise ValueError("Must be a valid boolean.")
        if kind == "choice":
            if value not in spec.choices:
                raise ValueError(f'"{value}" is not a valid choice.')
            return value
        if kind == "fk":
            return self._pk(spec.target, value)
        if kind == "m2m":
            items = value if isinstance(value, list) else [value]
            return [self._pk(spec.target, item) for item in items]
        if kind == "file":
            if not isinstance(value, Upload):
                raise ValueError(
                    "The submitted data was not a file. Check the encoding type on the form."
                )
            if value.content_type not in ALLOWED_FILE_TYPES:
                raise ValueError(f"File type {value.content_type} is not allowed.")
            return value
        return value

    def _pk(self, target: str, value: Any) -> int:
        if isinstance(value, bool) or not str(value).isdigit():
            raise ValueError(f"Incorrect type. Expected pk value, received {type(value).__name__}.")
        pk = int(str(value))
        if pk not in self.db[target]:
            raise ValueError(f'Invalid pk "{pk}" - object does not exist.')
        return pk

    def _finish(self, coll: Collection, row: dict[str, Any]) -> None:
        """Derived fields and uniqueness checks shared by create and update."""
        if "file" in row and isinstance(row["file"], Upload):
            upload = row.pop("file")
            row["file"] = f"allocations/{upload.filename}"
            row.setdefault("name", upload.filename)
            if not row.get("name"):
                row["name"] = upload.filename
        if coll.name == "users":
            for other in self.db["users"].values():
                if other["id"] != row.get("id") and other["username"] == row["username"]:
                    raise BadRequest({"username": ["A user with that username already exists."]})
        if coll.name == "teams":
            for other in self.db["teams"].values():
                if other["id"] != row.get("id") and other["name"] == row["name"]:
                    raise BadRequest({"name": ["team with this name already exists."]})

    def _create(
        self,
        coll: Collection,
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any],
    ) -> Result:
        row = self._validate(coll, payload, files, user, partial=False, creating=True)
        self._finish(coll, row)
        record = self._insert(coll.name, row, user)
        return Result(201, self._render(coll.name, record))

    def _update(
        self,
        coll: Collection,
        record: dict[str, Any],
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any],
        *,
        partial: bool,
    ) -> Result:
        clean = self._validate(coll, payload, files, user, partial=partial, creating=False)
        password = clean.pop("password", None)
        merged = {**record, **clean}
        self._finish(coll, merged)
        changes = {
            k: [_text(record.get(k)), _text(v)]
            for k, v in merged.items()
            if record.get(k) != v and k != "password"
        }
        record.update(merged)
        if password is not None:
            self.passwords[record["username"]] = password
            changes["password"] = ["********", "********"]
        if changes:
            self._audit(coll, record["id"], "update", changes, user)
        return Result(200, self._render(coll.name, record))

    def _insert(
        self, name: str, row: dict[str, Any], user: dict[str, Any] | None, when: str | None = None
    ) -> dict[str, Any]:
        when = when or _now()
        pk = self.next_id[name]
        self.next_id[name] = pk + 1
        record = {"id": pk, **row}
        if name == "users":
            self.passwords[record["username"]] = record.pop("password", "")
            record.setdefault("date_joined", when)
            record.setdefault("last_login", None)
        elif name == "teams":
            record["slug"] = _slugify(record["name"])
        elif name in ("allocation_requests", "allocation_reviews"):
            record.setdefault("submitted", when)
        elif name == "comments":
            record.setdefault("created", when)
        elif name == "attachments":
            record.setdefault("uploaded", when)
        self.db[name][pk] = record
        coll = COLLECTIONS[name]
        if coll.label:
            changes = {k: ["None", _text(v)] for k, v in record.items() if k != "password"}
            self._audit(coll, pk, "create", changes, user, when)
        return record

    def _audit(
        self,
        coll: Collection,
        record_id: int,
        action: str,
        changes: dict[str, Any],
        user: dict[str, Any] | None,
        when: str | None = None,
    ) -> None:
        pk = self.next_id["audit_logs"]
        self.next_id["audit_logs"] = pk + 1
        record = self.db[coll.name].get(record_id, {})
        self.db["audit_logs"][pk] = {
            "id": pk,
            "record_name": coll.label,
            "record_id": record_id,
            "action": AUDIT_ACTIONS.index(action),  # stored and filtered as 0, 1, 2
            "changes": changes,
            "cid": self._cid,
            "remote_addr": "127.0.0.1" if user is not None else None,
            "remote_port": None,
            "timestamp": when or _now(),
            "actor": user["id"] if user is not None else None,
            # What the server filters audit logs by (django-auditlog's columns):
            "object_id": record_id,
            "object_pk": str(record_id),
            "object_repr": str(record.get("title") or record.get("name") or record_id),
            "content_type": list(COLLECTIONS).index(coll.name) + 1,
            "changes_text": json.dumps(changes),
            "actor_email": user["email"] if user is not None else None,
        }

    def _log(self, method: str, path: str, status: int, user: dict[str, Any] | None) -> None:
        pk = self.next_id["request_logs"]
        self.next_id["request_logs"] = pk + 1
        self.db["request_logs"][pk] = {
            "id": pk,
            "method": method,
            "endpoint": path,
            "response_code": status,
            "remote_address": "127.0.0.1",
            "timestamp": _now(),
            "cid": self._cid,
            "user": user["id"] if user is not None else None,
        }

    def _feed_rows(self) -> list[dict[str, Any]]:
        rows = []
        for log in self.db["request_logs"].values():
            rows.append(
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
            )
        for log in self.db["audit_logs"].values():
            rows.append(
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
            )
        for task in self.db["task_logs"].values():
            rows.append(
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
            )
        return rows

    # -- rendering -------------------------------------------------------------------------

    def _user_summary(self, uid: int | None) -> dict[str, Any] | None:
        user = self.db["users"].get(uid) if uid is not None else None
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
        name = " ".join(p for p in (user["first_name"], user["last_name"]) if p)
        return name or user["username"]

    @staticmethod
    def _abbreviation(user: dict[str, Any]) -> str:
        parts = [p for p in (user["first_name"], user["last_name"]) if p]
        return "".join(p[0].upper() for p in parts) or user["username"][:1].upper()

    def _team_summary(self, tid: int) -> dict[str, Any]:
        team = self.db["teams"][tid]
        return {
            "id": team["id"],
            "slug": team["slug"],
            "name": team["name"],
            "is_active": team["is_active"],
        }

    def _request_summary(self, rid: int) -> dict[str, Any]:
        req = self.db["allocation_requests"][rid]
        return {k: req[k] for k in ("id", "title", "status", "active", "expire")}

    def _cluster_summary(self, cid: int) -> dict[str, Any]:
        cluster = self.db["clusters"][cid]
        return {k: cluster[k] for k in ("id", "name", "enabled")}

    def _history(self, name: str, record_id: int) -> list[dict[str, Any]]:
        label = COLLECTIONS[name].label
        entries = [
            log
            for log in self.db["audit_logs"].values()
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

    def _render(self, name: str, row: dict[str, Any]) -> dict[str, Any]:
        renderer: Callable[[dict[str, Any]], dict[str, Any]] = getattr(self, f"_render_{name}")
        return renderer(row)

    def _render_users(self, u: dict[str, Any]) -> dict[str, Any]:
        memberships = [m for m in self.db["memberships"].values() if m["user"] == u["id"]]
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
        memberships = [m for m in self.db["memberships"].values() if m["team"] == t["id"]]
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
        allocations = [a for a in self.db["allocations"].values() if a["request"] == rid]
        attachments = [a for a in self.db["attachments"].values() if a["request"] == rid]
        comments = [c for c in self.db["comments"].values() if c["request"] == rid]
        return {
            "id": rid,
            "_submitter": self._user_summary(r["submitter"]),
            "_team": self._team_summary(r["team"]),
            "_assignees": [self._user_summary(u) for u in r["assignees"]],
            "_publications": [
                self._publication_fields(self.db["publications"][p]) for p in r["publications"]
            ],
            "_grants": [self._grant_fields(self.db["grants"][g]) for g in r["grants"]],
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

    # -- stats -----------------------------------------------------------------------------

    def _stats(self, path: str, query: dict[str, str], user: dict[str, Any]) -> Result:
        today = dt.date.today()
        name = path.removeprefix("/stats/").strip("/")
        if name == "requests":
            rows = self._filtered(COLLECTIONS["allocation_requests"], query, user)
            return Result(200, self._request_stats(rows, today))
        if name == "grants":
            rows = self._filtered(COLLECTIONS["grants"], query, user)
            return Result(200, self._grant_stats(rows, today))
        if name == "publications":
            rows = self._filtered(COLLECTIONS["publications"], query, user)
            return Result(200, self._publication_stats(rows))
        if name == "notifications":
            rows = self._filtered(COLLECTIONS["notifications"], query, user)
            return Result(200, {"total": len(rows), "unread": sum(not r["read"] for r in rows)})
        return Result(404, {"detail": "Not found."})

    def _request_stats(self, rows: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
        def day(value: str | None) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        approved = [r for r in rows if r["status"] == "AP"]
        upcoming = [r for r in approved if (a := day(r["active"])) and a > today]
        expired = [r for r in approved if (e := day(r["expire"])) and e <= today]
        active = [r for r in approved if r not in upcoming and r not in expired]
        ids = {r["id"] for r in rows}
        allocations = [a for a in self.db["allocations"].values() if a["request"] in ids]

        def awarded(group: list[dict[str, Any]]) -> float:
            members = {r["id"] for r in group}
            return float(sum(a["awarded"] or 0 for a in allocations if a["request"] in members))

        pending = [r for r in rows if r["status"] == "PD"]
        declined = [r for r in rows if r["status"] == "DC"]
        now = dt.datetime.now(dt.UTC)
        waits = [(now - dt.datetime.fromisoformat(r["submitted"])).days for r in pending]
        spans = [
            (day(r["expire"]) - day(r["active"])).days  # type: ignore[operator]
            for r in approved
            if r["active"] and r["expire"]
        ]
        return {
            "request_count": len(rows),
            "request_pending_count": len(pending),
            "request_approved_count": len(approved),
            "request_declined_count": len(declined),
            "request_upcoming_count": len(upcoming),
            "request_active_count": len(active),
            "request_expired_count": len(expired),
            "su_pending_total": awarded(pending),
            "su_declined_total": awarded(declined),
            "su_approved_total": awarded(approved),
            "su_upcoming_total": awarded(upcoming),
            "su_active_total": awarded(active),
            "su_expired_total": awarded(expired),
            "su_requested_total": float(sum(a["requested"] for a in allocations)),
            "su_awarded_total": float(sum(a["awarded"] or 0 for a in allocations)),
            "su_finalized_total": float(sum(a["final"] or 0 for a in allocations)),
            "days_pending_average": sum(waits) / len(waits) if waits else None,
            "days_active_average": sum(spans) / len(spans) if spans else None,
        }

    @staticmethod
    def _grant_stats(rows: list[dict[str, Any]], today: dt.date) -> dict[str, Any]:
        def when(row: dict[str, Any]) -> str:
            start = dt.date.fromisoformat(row["start_date"])
            end = dt.date.fromisoformat(row["end_date"]) if row["end_date"] else None
            if start > today:
                return "upcoming"
            if end is not None and end < today:
                return "expired"
            return "active"

        def total(group: str | None = None) -> Decimal:
            return sum(
                (Decimal(r["amount"]) for r in rows if group is None or when(r) == group),
                Decimal(0),
            )

        count = len(rows)
        return {
            "grant_count": count,
            "upcoming_count": sum(when(r) == "upcoming" for r in rows),
            "active_count": sum(when(r) == "active" for r in rows),
            "expired_count": sum(when(r) == "expired" for r in rows),
            "agency_count": len({r["agency"] for r in rows}),
            "funding_total": _money(total()),
            "funding_upcoming": _money(total("upcoming")),
            "funding_active": _money(total("active")),
            "funding_expired": _money(total("expired")),
            "funding_average": _money(total() / count if count else Decimal(0)),
        }

    @staticmethod
    def _publication_stats(rows: list[dict[str, Any]]) -> dict[str, Any]:
        reviews = [
            dt.date.fromisoformat(r["published"]) - dt.date.fromisoformat(r["submitted"])
            for r in rows
            if r["published"] and r["submitted"]
        ]
        average = sum(reviews, dt.timedelta()) / len(reviews) if reviews else None
        return {
            "publications_count": len(rows),
            "draft_count": sum(not r["submitted"] and not r["published"] for r in rows),
            "submitted_count": sum(bool(r["submitted"]) and not r["published"] for r in rows),
            "accepted_count": sum(bool(r["published"]) for r in rows),
            "journals_count": len({r["journal"] for r in rows if r["journal"]}),
            "review_average": _duration(average) if average is not None else None,
        }

    # -- batch -----------------------------------------------------------------------------

    def _batch(self, payload: Any, files: dict[str, Upload], user: dict[str, Any]) -> Result:
        if isinstance(payload, dict) and isinstance(payload.get("job"), str):
            try:
                payload = {**payload, "job": json.loads(payload["job"])}
            except ValueError:
                raise BadRequest({"job": ["Value must be valid JSON."]}) from None
        job = payload.get("job") if isinstance(payload, dict) else None
        if not isinstance(job, dict):
            raise BadRequest({"job": ["This field is required."]})
        actions = job.get("actions")
        if not isinstance(actions, list) or not actions:
            raise BadRequest({"job": {"actions": ["This field is required."]}})  # type: ignore[dict-item]
        dry_run = bool(job.get("dry_run", False))
        snapshot = copy.deepcopy((self.db, self.next_id, self.passwords))
        results: list[dict[str, Any]] = []
        by_ref: dict[str, Any] = {}
        try:
            for index, action in enumerate(actions, start=1):
                method = str(action.get("method", "")).upper()
                ref = action.get("ref") or ""
                try:
                    path = self._resolve(action.get("path", ""), by_ref, files)
                    body = self._resolve(action.get("payload"), by_ref, files)
                    params = self._resolve(action.get("query_params") or {}, by_ref, files)
                except _RefError as exc:
                    self._restore(snapshot)
                    detail = f'Cannot resolve reference "{exc.token}": {exc.reason}'
                    return Result(422, {"detail": detail, "token": exc.token})
                path = "/" + str(path).strip("/") + "/"
                step_files = {k: v for k, v in (body or {}).items() if isinstance(v, Upload)}
                step_body = {k: v for k, v in (body or {}).items() if not isinstance(v, Upload)}
                url = httpx.URL(BASE_URL + path, params={k: str(v) for k, v in params.items()})
                try:
                    outcome = self._route(
                        method,
                        path,
                        {k: str(v) for k, v in params.items()},
                        step_body if body is not None else None,
                        step_files,
                        user,
                        url,
                    )
                except BadRequest as exc:
                    outcome = Result(400, exc.errors)
                if outcome.status >= 400:
                    self._restore(snapshot)
                    return Result(
                        422,
                        {
                            "detail": (
                                f"Step #{index} ({method} {path}) failed with status "
                                f"{outcome.status}"
                            ),
                            "step": index,
                            "status": outcome.status,
                            "body": outcome.body if outcome.body is not None else {},
                        },
                    )
                step = {
                    "ref": ref,
                    "index": index,
                    "method": method,
                    "path": path,
                    "status": outcome.status,
                    "body": outcome.body if outcome.body is not None else {},
                }
                results.append(step)
                if ref:
                    by_ref[ref] = step["body"]
        except Exception:
            self._restore(snapshot)
            raise
        if dry_run:
            self._restore(snapshot)
        return Result(200, {"results": results})

    def _restore(self, snapshot: Any) -> None:
        db, next_id, passwords = snapshot
        # The request log of the batch itself survives a rollback; nothing else does.
        logs, log_id = self.db["request_logs"], self.next_id["request_logs"]
        self.db, self.next_id, self.passwords = db, next_id, passwords
        self.db["request_logs"], self.next_id["request_logs"] = logs, log_id

    def _resolve(self, value: Any, refs: dict[str, Any], files: dict[str, Upload]) -> Any:
        """Replace ``@ref{alias.path}`` and ``@file{name}`` tokens in a step."""
        if isinstance(value, dict):
            return {k: self._resolve(v, refs, files) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v, refs, files) for v in value]
        if not isinstance(value, str):
            return value
        whole = re.fullmatch(r"@(ref|file)\{([^}]*)\}", value)
        if whole:
            return self._token(whole.group(1), whole.group(2), refs, files)

        def substitute(match: re.Match[str]) -> str:
            return str(self._token(match.group(1), match.group(2), refs, files))

        return re.sub(r"@(ref|file)\{([^}]*)\}", substitute, value)

    @staticmethod
    def _token(kind: str, inner: str, refs: dict[str, Any], files: dict[str, Upload]) -> Any:
        token = f"@{kind}{{{inner}}}"
        if kind == "file":
            if inner not in files:
                raise _RefError(token, f'No file named "{inner}" was uploaded with the job')
            return files[inner]
        alias, _, dotted = inner.partition(".")
        if alias not in refs:
            raise _RefError(token, f'Alias "{alias}" has not been defined by a previous step')
        value = refs[alias]
        for part in dotted.split(".") if dotted else []:
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                raise _RefError(token, f'Path "{dotted}" does not exist in the result of "{alias}"')
        return value

    # -- seed data -------------------------------------------------------------------------

    def _seed(self) -> None:
        def add(collection: str, when: str, /, **row: Any) -> dict[str, Any]:
            return self._insert(collection, row, None, when)

        people = [
            ("alice", "Alice", "Moreau", "Research Computing", "HPC administrator", True),
            ("ben", "Ben", "Mensah", "Genomics", "Postdoctoral researcher", False),
            ("carla", "Carla", "Ortiz", "Earth Sciences", "Professor", False),
            ("dan", "Dan", "Kim", "Materials Science", "PhD student", False),
        ]
        for i, (username, first, last, dept, role, staff) in enumerate(people):
            add(
                "users",
                f"2024-0{i + 1}-15T09:00:00Z",
                username=username,
                password=PASSWORD if username == USERNAME else f"{username}-password",
                first_name=first,
                last_name=last,
                email=f"{username}@example.edu",
                department=dept,
                role=role,
                is_superuser=staff,
                is_active=True,
                is_staff=staff,
                is_ldap_user=False,
                groups=[],
                user_permissions=[],
            )
        for name in ("Genomics Lab", "Climate Modeling", "Materials Simulation"):
            add("teams", "2024-05-01T10:00:00Z", name=name, is_active=True)
        for user, team, role in [
            (2, 1, "OW"),
            (4, 1, "MB"),
            (3, 2, "OW"),
            (2, 2, "AD"),
            (4, 3, "OW"),
        ]:
            add("memberships", "2024-05-01T10:05:00Z", user=user, team=team, role=role)
        for name, description, enabled, mode, teams in [
            ("arc", "General-purpose CPU cluster", True, "OP", []),
            ("nova", "GPU cluster for machine learning", True, "WL", [1, 2]),
            ("legacy", "Retired in 2025", False, "OP", []),
        ]:
            add(
                "clusters",
                "2024-04-01T08:00:00Z",
                name=name,
                description=description,
                enabled=enabled,
                access_mode=mode,
                access_teams=teams,
            )
        requests = [
            ("Genome assembly pipeline", 1, 2, "AP", "2025-01-01", "2025-12-31"),
            ("Variant calling at scale", 1, 2, "AP", "2025-07-01", "2026-06-30"),
            ("Single-cell RNA atlas", 1, 4, "PD", None, None),
            ("Ocean circulation ensemble", 2, 3, "AP", "2025-03-01", "2026-02-28"),
            ("Regional climate downscaling", 2, 3, "DC", None, None),
            ("Alloy phase diagrams", 3, 4, "CR", None, None),
            ("Metagenome binning", 1, 4, "AP", "2025-10-01", "2026-09-30"),
        ]
        for i, (title, team, submitter, status, active, expire) in enumerate(requests):
            add(
                "allocation_requests",
                f"2024-{i + 6:02d}-0{i + 1}T14:30:00Z",
                title=title,
                description=f"{title}: compute time for the {self.db['teams'][team]['name']}.",
                active=active,
                expire=expire,
                status=status,
                submitter=submitter,
                team=team,
                assignees=[1],
                publications=[],
                grants=[],
            )
        for request, cluster, requested, awarded, final in [
            (1, 1, 50000, 50000, 48210),
            (2, 2, 20000, 15000, None),
            (3, 1, 10000, None, None),
            (4, 1, 80000, 80000, None),
            (5, 2, 40000, None, None),
            (6, 1, 5000, None, None),
            (7, 1, 30000, 25000, None),
        ]:
            add(
                "allocations",
                "2024-12-01T12:00:00Z",
                requested=requested,
                awarded=awarded,
                final=final,
                cluster=cluster,
                request=request,
            )
        for request, status in [(1, "AP"), (2, "AP"), (4, "AP"), (5, "DC"), (6, "CR"), (7, "AP")]:
            add(
                "allocation_reviews",
                "2024-12-10T16:00:00Z",
                status=status,
                request=request,
                reviewer=1,
                submitted=f"2024-12-{request + 10}T16:00:00Z",
            )
        add(
            "comments",
            "2025-01-05T11:00:00Z",
            user=1,
            content="Please add a scaling study for the GPU runs.",
            private=False,
            request=6,
            created="2025-01-05T11:00:00Z",
        )
        add(
            "attachments",
            "2024-11-20T09:30:00Z",
            file="allocations/assembly-proposal.pdf",
            name="assembly-proposal.pdf",
            request=1,
            uploaded="2024-11-20T09:30:00Z",
        )
        grants = [
            (
                "Population genomics of coral reefs",
                "NSF",
                "Ben Mensah",
                "450000.00",
                1,
                "2024-09-01",
                "2027-08-31",
            ),
            (
                "Sequencing infrastructure",
                "NIH",
                "Ben Mensah",
                "1200000.00",
                1,
                "2023-01-01",
                "2025-12-31",
            ),
            (
                "Coastal climate risk",
                "NOAA",
                "Carla Ortiz",
                "300000.00",
                2,
                "2024-07-01",
                "2026-06-30",
            ),
            ("High-entropy alloys", "DOE", "Dan Kim", "750000.00", 3, "2025-01-01", None),
        ]
        for i, (title, agency, pi, amount, team, start, end) in enumerate(grants):
            add(
                "grants",
                "2024-08-01T10:00:00Z",
                title=title,
                agency=agency,
                pi=pi,
                amount=amount,
                grant_number=f"{agency}-{2024000 + i + 1}",
                start_date=start,
                end_date=end,
                description=None,
                team=team,
            )
        pubs = [
            ("Reef genomes at scale", "Genome Research", "2025-02-10", "2025-05-20", 1),
            ("Variant calling on a budget", "Bioinformatics", "2025-09-01", None, 1),
            ("Downscaling with diffusion models", None, None, None, 2),
        ]
        for i, (title, journal, submitted, published, team) in enumerate(pubs):
            add(
                "publications",
                "2025-01-10T10:00:00Z",
                title=title,
                abstract=None,
                published=published,
                submitted=submitted,
                journal=journal,
                doi=f"10.5555/example.{i + 1}" if journal else None,
                volume=None,
                issue=None,
                team=team,
            )
        notes = [
            (1, "GM", "Scheduled maintenance on arc", False),
            (1, "RE", "Allocation request expiring soon", False),
            (1, "RD", "Allocation request expired", True),
            (2, "GM", "Welcome to Keystone", True),
        ]
        for user, kind, subject, read in notes:
            add(
                "notifications",
                "2025-06-01T08:00:00Z",
                user=user,
                notification_type=kind,
                subject=subject,
                message_text=f"{subject}.",
                message_html=f"<p>{subject}.</p>",
                read=read,
                time="2025-06-01T08:00:00Z",
                metadata={},
            )
        add(
            "preferences",
            "2024-05-02T10:00:00Z",
            user=1,
            request_expiry_thresholds=[30, 14],
            notify_on_expiration=True,
        )
        add(
            "preferences",
            "2024-05-02T10:00:00Z",
            user=2,
            request_expiry_thresholds=[7],
            notify_on_expiration=False,
        )
        for i, (name, status) in enumerate(
            [("notify_upcoming_expirations", "SUCCESS"), ("clear_expired_sessions", "SUCCESS")]
        ):
            done = f"2025-06-0{i + 1}T03:00:05Z"
            self.db["task_logs"][i + 1] = {
                "id": i + 1,
                "task_id": f"5c0ffee0-0000-4000-8000-00000000000{i + 1}",
                "periodic_task_name": name,
                "task_name": f"apps.tasks.{name}",
                "task_args": "()",
                "task_kwargs": "{}",
                "status": status,
                "worker": "celery@worker-1",
                "content_type": "application/json",
                "content_encoding": "utf-8",
                "result": "null",
                "date_created": f"2025-06-0{i + 1}T03:00:00Z",
                "date_started": f"2025-06-0{i + 1}T03:00:01Z",
                "date_done": done,
                "traceback": None,
                "meta": "{}",
            }
            self.next_id["task_logs"] = i + 2
