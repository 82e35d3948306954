"""`FakeKeystone`: an in-memory Keystone API for tests, demos and examples."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ..models import KeystoneModel
from . import _faults
from ._records import RecordMaker
from ._routes import Api
from ._schema import COLLECTIONS
from ._seed import DEMO_PASSWORD, DEMO_STAFF, DEMO_TOKEN, load_demo
from ._serving import FakeRequest, Front
from ._store import Store

if TYPE_CHECKING:
    from .._client import AsyncKeystoneClient, KeystoneClient
    from ._transport import FakeTransport

__all__ = ["FakeKeystone", "FakeKeystoneError", "FakeRequest"]

STAFF_USERNAME = "admin"
STAFF_PASSWORD = "admin-password"
STAFF_TOKEN = "fa4e0000000000000000000000000000000000ad"
SEEDS = ("demo",)


class FakeKeystoneError(RuntimeError):
    """A request the fake cannot serve at all, such as one sent to another host."""


class FakeKeystone:
    """An in-memory Keystone API: the server's endpoints, answers and quirks, no network.

    It starts with one staff user (``username``, ``password``, ``token``) and nothing else,
    or with the documentation's demo data set when ``seed="demo"`` (then the staff user is
    alice). Mount it with `transport`, or take a client from `client` / `async_client`.

    Args:
        url: The base URL it answers at; requests to any other host raise
            `FakeKeystoneError`.
        seed: None (empty) or ``"demo"``.
        page_cap: The most records one page holds, whatever ``_limit`` asks.
        throttle: Requests allowed per user per minute (the server allows 300), or None.
        clock: Seconds as a float, for the throttle; defaults to ``time.monotonic``.
    """

    def __init__(
        self,
        url: str = "http://localhost:8000",
        *,
        seed: str | None = None,
        page_cap: int = 1000,
        throttle: int | None = None,
        clock: Callable[[], float] | None = None,
    ) -> None:
        if seed is not None and seed not in SEEDS:
            raise ValueError(f"unknown seed {seed!r}; the fake offers: {', '.join(SEEDS)}")
        parts = httpx.URL(url)
        if parts.scheme not in ("http", "https") or not parts.host:
            raise ValueError(f"url must be an absolute http(s) URL, not {url!r}")
        self._origin = str(parts.copy_with(path="/", query=None, fragment=None)).rstrip("/")
        self._root = parts.path.rstrip("/")
        self._lock = threading.RLock()
        self._clock = clock or time.monotonic
        self._offset = 0.0
        self._store = Store()
        self._api = Api(self._store, self._origin + self._root)
        self._records = RecordMaker(self._store, self._api.writer)
        self._front = Front(self._store, self._api, self._origin, self._root)
        self.requests: list[FakeRequest] = self._front.requests
        self.page_cap = page_cap
        if seed == "demo":
            load_demo(self._store)
            self.username, self.password, self.token = DEMO_STAFF, DEMO_PASSWORD, DEMO_TOKEN
        else:
            self.username, self.password, self.token = STAFF_USERNAME, STAFF_PASSWORD, STAFF_TOKEN
            self._records.add(
                "users",
                {"username": STAFF_USERNAME, "password": STAFF_PASSWORD, "is_staff": True},
                staff_id=None,
            )
            self._store.tokens[STAFF_TOKEN] = 1
        self.set_throttle(throttle)

    def __repr__(self) -> str:
        return f"<FakeKeystone url={self.url!r} staff={self.username!r}>"

    # -- mounting ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL the fake answers at."""
        return self._origin + self._root

    def transport(self) -> FakeTransport:
        """An httpx transport (sync and async) that serves requests from this fake."""
        from ._transport import FakeTransport

        return FakeTransport(self)

    def credentials(self, username: str | None = None) -> dict[str, str]:
        """``username`` and ``password`` of a user of the fake (default: the staff user)."""
        name = username or self.username
        if name not in self._store.passwords:
            raise KeyError(f"the fake has no user {name!r}")
        return {"username": name, "password": self._store.passwords[name]}

    def token_for(self, username: str) -> str:
        """An API token of a user of the fake (made on first use, the same every time)."""
        self.credentials(username)  # raises for an unknown user
        with self._lock:
            uid = next(
                u["id"] for u in self._store.db["users"].values() if u["username"] == username
            )
            for key, owner in self._store.tokens.items():
                if owner == uid:
                    return key
            key = hashlib.sha1(f"keystone-fake:{username}".encode()).hexdigest()
            self._store.tokens[key] = uid
            return key

    def client(self, **options: Any) -> KeystoneClient:
        """A `KeystoneClient` mounted on the fake, logged in as its staff user by default.

        ``options`` are the client's keywords; give ``username``/``password`` or ``token``
        to act as someone else. The environment and ``.env`` are not read.
        """
        from .._client import KeystoneClient

        return KeystoneClient(**self._client_options(options))

    def async_client(self, **options: Any) -> AsyncKeystoneClient:
        """An `AsyncKeystoneClient` mounted on the fake; see `client`."""
        from .._client import AsyncKeystoneClient

        return AsyncKeystoneClient(**self._client_options(options))

    def _client_options(self, options: dict[str, Any]) -> dict[str, Any]:
        from .._settings import KeystoneSettings

        merged = dict(options)
        if not {"username", "password", "token"} & merged.keys():
            merged.update(self.credentials())
        merged.setdefault("url", self.url)
        merged.setdefault("transport", self.transport())
        # Every field given, and no file: nothing comes from KEYSTONE_* variables or .env.
        defaults = {
            name: info.get_default(call_default_factory=True)
            for name, info in KeystoneSettings.model_fields.items()
        }
        merged.setdefault(
            "settings", KeystoneSettings(**{**defaults, "url": merged["url"], "env_file": None})
        )
        return merged

    # -- seeding -----------------------------------------------------------------------------

    def add(self, collection: str, /, **fields: Any) -> Any:
        """Store one record and return it as the client's model.

        Required fields left out get deterministic values, and records it depends on (a
        team, a user, a request ...) are created. Fields may use server names (``team``)
        or model names (``team_id``); validation errors raise ValueError.
        """
        with self._lock:
            row = self._records.add(collection, fields, staff_id=self._staff_id())
            return self._model(collection, row)

    def load(
        self, records: Mapping[str, Iterable[Mapping[str, Any]]] | str, /, *more: Any
    ) -> list[Any]:
        """Store many records and return their models, in order.

        Either ``load({"teams": [{...}, ...], "grants": [...]})`` or
        ``load("teams", [{...}, ...])``.
        """
        if isinstance(records, str):
            if len(more) != 1:
                raise TypeError("load(collection, records) takes exactly one list of records")
            records = {records: more[0]}
        return [self.add(name, **dict(item)) for name, items in records.items() for item in items]

    def get(self, collection: str, record_id: int) -> Any:
        """Return one stored record as the client's model; KeyError when absent."""
        self._collection(collection)
        if collection == "feed":
            raise KeyError("feed entries have no detail; list them with all('feed')")
        return self._model(collection, self._store.db[collection][record_id])

    def all(self, collection: str) -> list[Any]:
        """Every stored record of a collection, by id, as the client's models."""
        self._collection(collection)
        if collection == "feed":
            rows = sorted(self._store.feed_rows(), key=lambda r: r["timestamp"], reverse=True)
            return [self._model("feed", row) for row in rows]
        return [
            self._model(collection, row) for _, row in sorted(self._store.db[collection].items())
        ]

    def _model(self, collection: str, row: dict[str, Any]) -> KeystoneModel:
        model: type[KeystoneModel] = COLLECTIONS[collection].spec.model
        return model.model_validate(self._api.renderer.render(collection, row))

    @staticmethod
    def _collection(name: str) -> None:
        if name not in COLLECTIONS:
            raise ValueError(f"unknown collection {name!r}; known: {', '.join(COLLECTIONS)}")

    def _staff_id(self) -> int:
        for row in self._store.db["users"].values():
            if row["username"] == self.username:
                return int(row["id"])
        return 1

    # -- faults and limits -------------------------------------------------------------------

    @property
    def page_cap(self) -> int:
        """The most records one page holds (the server's cap on ``_limit``)."""
        return self._api.page_cap

    @page_cap.setter
    def page_cap(self, value: int) -> None:
        if value < 1:
            raise ValueError(f"page_cap must be at least 1, not {value}")
        self._api.page_cap = value

    def fail(
        self,
        method: str,
        path: str,
        status: int = 503,
        *,
        times: int | None = 1,
        retry_after: float | None = None,
        html: bool = False,
    ) -> _faults.Fault:
        """Answer the next ``times`` matching requests with ``status`` (None: every one).

        ``path`` is relative to the API root and may use ``*`` (``"research/*"``);
        ``method`` may be ``"*"``. ``html=True`` answers the server's HTML error page.
        """
        return self._add_fault(
            _faults.Fault(method, path, "status", status, retry_after, html, times)
        )

    def disconnect(self, method: str, path: str, *, times: int | None = 1) -> _faults.Fault:
        """Raise ``httpx.ConnectError`` for the next ``times`` matching requests."""
        return self._add_fault(_faults.Fault(method, path, "connect", times=times))

    def time_out(self, method: str, path: str, *, times: int | None = 1) -> _faults.Fault:
        """Raise ``httpx.ReadTimeout`` for the next ``times`` matching requests."""
        return self._add_fault(_faults.Fault(method, path, "timeout", times=times))

    def _add_fault(self, fault: _faults.Fault) -> _faults.Fault:
        with self._lock:
            self._front.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        with self._lock:
            self._front.faults.clear()

    def expire_sessions(self) -> None:
        """Forget every session, as when the server's session age passes."""
        with self._lock:
            self._store.sessions.clear()

    def set_throttle(self, rate: int | None, per: float = 60.0) -> None:
        """Allow each user ``rate`` requests per ``per`` seconds (None: no throttle).

        Over the rate the fake answers 429 with ``Retry-After`` before the view runs. Each
        step of a batch counts as a request too; a throttled step fails the batch (422 with
        the step's status 429 and the throttle's message), as on the server.
        """
        throttle = None if rate is None else _faults.Throttle(rate, per, self.now)
        with self._lock:
            self._api.throttle = throttle

    def now(self) -> float:
        """The throttle's clock: ``clock()`` plus every `advance`."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the throttle's clock on, instead of sleeping."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._offset += seconds

    # -- inspection --------------------------------------------------------------------------

    def assert_requested(
        self,
        method: str,
        path: str,
        *,
        times: int | None = None,
        query: Mapping[str, str] | None = None,
        body: Any = None,
        user: str | None = None,
    ) -> list[FakeRequest]:
        """Assert requests matching all given criteria were received; return them.

        ``path`` is relative to the API root (leading and trailing slashes optional);
        ``query`` must be contained in the request's query; ``times`` is the exact count
        (default: at least one).
        """
        wanted = "/" + path.strip("/") + "/"
        found = [
            r
            for r in self.requests
            if r.method == method.upper()
            and r.path == wanted
            and (query is None or all(r.query.get(k) == str(v) for k, v in query.items()))
            and (body is None or r.body == body)
            and (user is None or r.user == user)
        ]
        if (times is None and not found) or (times is not None and len(found) != times):
            seen = "\n".join(
                f"  {r.method} {r.path} {r.query} -> {r.status}" for r in self.requests
            )
            expected = "at least once" if times is None else f"{times} time(s)"
            raise AssertionError(
                f"expected {method.upper()} {wanted} {expected}, matched {len(found)}; "
                f"received:\n{seen or '  (nothing)'}"
            )
        return found

    # -- serving -----------------------------------------------------------------------------

    def handle(self, request: httpx.Request) -> tuple[int, list[tuple[str, str]], bytes]:
        """Serve one request whose body has been read; return status, headers and body."""
        url = request.url
        if str(url.copy_with(path="/", query=None, fragment=None)).rstrip("/") != self._origin:
            raise FakeKeystoneError(
                f"FakeKeystone at {self.url} received a request for {url}: "
                "only requests to its own URL are served"
            )
        target = url.raw_path.decode("ascii")
        return self.serve(request.method, target, request.headers, request.content, request)

    def serve(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        content: bytes,
        request: httpx.Request | None = None,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """Serve a request given as method, path with query, headers and body.

        Header names are matched in any case, as HTTP's are.
        """
        with self._lock:
            result, record = self._front.serve(
                method.upper(), target, httpx.Headers(headers), content, request
            )
            record.status = result.status
            body, out_headers = result.encode()
            return result.status, out_headers, body
