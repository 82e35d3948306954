"""The server's front door: every request recorded, then faults, authentication, throttle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from ._auth import authenticate, csrf_failure
from ._faults import HTML, Fault, server_error_page
from ._routes import Api, not_found_page, resolves
from ._store import Store
from ._wire import ParseError, Result, ServerError, Upload, parse_body, parse_cookies

__all__ = ["FakeRequest", "Front"]

# The methods whose views read the body, and so meet a body the parsers refuse.
_READS_BODY = frozenset({"POST", "PUT", "PATCH"})


@dataclass
class FakeRequest:
    """One request the fake received.

    Attributes:
        method: HTTP method, upper case.
        path: Path relative to the API root, with slashes (``/research/grants/``).
        query: Query parameters (the last value of a repeated one).
        body: The decoded JSON body, the fields of a form (uploads as their file names), or
            None (no body, or one the server's parsers refuse).
        user: Username of the authenticated user, or None.
        cid: The ``X-KEYSTONE-CID`` correlation id sent, or None.
        status: The status answered (None when an injected connection error or timeout
            was raised instead).
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    user: str | None
    cid: str | None
    status: int | None = None


class Front:
    """Takes each request to the API: records it, applies faults and the throttle, routes it."""

    def __init__(self, store: Store, api: Api, origin: str, root: str) -> None:
        self.store = store
        self.api = api
        self.origin = origin  # "http://localhost:8000"
        self.root = root  # the URL's path: "" or "/api"
        self.requests: list[FakeRequest] = []
        self.faults: list[Fault] = []

    def serve(
        self,
        method: str,
        target: str,
        headers: Mapping[str, str],
        content: bytes,
        request: httpx.Request | None,
    ) -> tuple[Result, FakeRequest]:
        """Answer one request; injected connection faults raise httpx's errors instead."""
        split = urlsplit(target)
        path = split.path
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        store = self.store
        store.cid = headers.get("X-KEYSTONE-CID")
        # Links (``next``, ``previous``) name the host the client used, as Django's do.
        host = headers.get("host")
        scheme = request.url.scheme if request is not None else "http"
        self.api.base = f"{scheme}://{host}{self.root}" if host else self.origin + self.root
        cookies = parse_cookies(headers.get("cookie", ""))
        store.session = cookies.get("sessionid")
        user, via, refusal = authenticate(store, headers.get("Authorization", ""), cookies)
        try:
            payload, files = parse_body(headers.get("Content-Type", ""), content)
        except ParseError as exc:
            payload, files = exc, {}
        record = FakeRequest(
            method=method,
            path=path[len(self.root) :] if path.startswith(self.root + "/") else path,
            query=query,
            body=_shown_body(payload, files),
            user=user["username"] if user is not None else None,
            cid=store.cid,
        )
        self.requests.append(record)
        if not path.startswith(self.root + "/"):
            return not_found_page(), record
        path = record.path
        for fault in self.faults:
            if fault.matches(method, path):
                return fault.fire(request or httpx.Request(method, self.origin + target)), record
        if resolves(path + "/"):
            # Django's APPEND_SLASH, before any view: a path that resolves only with a slash
            # added is redirected there, keeping the query.
            location = self.root + path + "/" + (f"?{split.query}" if split.query else "")
            return Result(301, text="", headers=[("Location", location)], content_type=HTML), record
        csrf = headers.get("X-CSRFToken")
        if via == "session" and csrf_failure(method, path, csrf, cookies):
            refusal = refusal or Result(403, {"detail": "CSRF Failed: CSRF token missing."})
        result = self._answer(method, path, query, payload, files, user, refusal)
        store.log_request(method, path, result.status, user)
        return result, record

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        payload: Any,
        files: dict[str, Upload],
        user: dict[str, Any] | None,
        refusal: Result | None,
    ) -> Result:
        """The answer after authentication: refusal, throttle, bad JSON, or the view's."""
        if refusal is not None:  # authentication (token, CSRF) comes before throttling
            return refusal
        # One throttle for requests and batch steps alike: the API's.
        throttle = self.api.throttle
        if throttle is not None:
            who = f"user:{user['id']}" if user is not None else "anonymous"
            throttled = throttle.check(who)
            if throttled is not None:
                return throttled
        # Only the views that write read the body; the others never see it refused.
        if isinstance(payload, ParseError) and method in _READS_BODY:
            return Result(payload.status, {"detail": payload.detail})
        try:
            return self.api.route(method, path, query, payload, files, user)
        except ServerError:
            return server_error_page()


def _shown_body(payload: Any, files: dict[str, Upload]) -> Any:
    if isinstance(payload, ParseError):
        return None
    if not files:
        return payload
    return {**(payload or {}), **{name: upload.filename for name, upload in files.items()}}
