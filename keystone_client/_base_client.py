"""What the sync and async clients share, written once as I/O-free generator "flows".

Configuration, request building, authentication, retries and response handling live here.

A flow is a generator that yields what it needs done (an `httpx.Request` to send, a
`Sleep`, or a `SessionLogin`) and receives the outcome (an `httpx.Response`, the
`httpx.TransportError` raised, or None). `KeystoneClient` runs flows with blocking I/O and
`AsyncKeystoneClient` with ``await``; neither holds any logic of its own.

The core builds every request itself and keeps the session state it needs (cookies, CSRF
token, login generation): the httpx client of a runner only sends.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, TypeVar, Unpack

import httpx
import pydantic_core
from pydantic import SecretStr, TypeAdapter

from . import _response
from ._pacing import Pacer
from ._paths import normalize_endpoint
from ._retry import RetryPolicy, throttle_charge
from ._settings import ClientOptions, resolve_settings, ssl_verification
from ._version import __version__
from .errors import APIConnectionError, APITimeoutError, AuthenticationError, ConfigurationError
from .models import Config, Health, User

__all__ = ["ClientCore", "Flow", "Outcome", "SessionLogin", "Sleep", "Step"]

T = TypeVar("T")

logger = logging.getLogger("keystone_client")


class RequestOptions(TypedDict, total=False):
    """What one request may carry besides its method and endpoint."""

    params: Mapping[str, Any] | None
    json: Any
    data: Mapping[str, Any] | None
    files: Any
    timeout: float | None


@dataclass(frozen=True, slots=True)
class Sleep:
    """Ask the runner to wait before the next step."""

    seconds: float


@dataclass(frozen=True, slots=True)
class SessionLogin:
    """Ask the runner to log in, once for all flows that found session ``generation`` missing.

    The runner holds one lock (a `threading.Lock`, an `asyncio.Lock`) around
    `ClientCore._login_once_flow`: the first flow logs in, the others wait on the lock and then
    find the generation moved on.
    """

    generation: int


Step = httpx.Request | Sleep | SessionLogin
#: What sending can raise short of a response: the connection failed, or the body that came
#: back could not be decoded (a corrupt compressed transfer).
SendError = httpx.TransportError | httpx.DecodingError
SEND_ERRORS = (httpx.TransportError, httpx.DecodingError)
Outcome = httpx.Response | SendError | None
Flow = Generator[Step, Outcome, T]

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LOGIN = "authentication/login/"
LOGOUT = "authentication/logout/"
WHOAMI = "authentication/whoami/"
_AUTH_ENDPOINTS = frozenset({LOGIN, LOGOUT, WHOAMI})

_USER = TypeAdapter(User)
_CONFIG = TypeAdapter(Config)
_HEALTH = TypeAdapter(Health)


class ClientCore:
    """State and logic shared by `KeystoneClient` and `AsyncKeystoneClient`."""

    def __init__(self, **options: Unpack[ClientOptions]) -> None:
        unknown = sorted(set(options) - set(ClientOptions.__annotations__))
        if unknown:
            # **options accepts any name at run time; reject typos as a signature would.
            raise TypeError(
                f"{type(self).__name__}() got an unexpected keyword argument {unknown[0]!r}"
            )
        self._settings = resolve_settings(options)
        self._cid = str(uuid.uuid4())
        self._retry = RetryPolicy(
            max_retries=self._settings.max_retries, throttle_wait=self._settings.throttle_wait
        )
        rate_limit = self._settings.rate_limit
        # Shared by every request of this client (threads, tasks): together they keep the pace.
        self._pacer = Pacer(rate_limit) if rate_limit is not None else None
        self._logged_in = False
        # Bumped on every login so concurrent requests that all saw a 401 log in only once.
        self._session_generation = 0
        # True while a login is in flight, so that a 401 it causes is not logged as expiry.
        self._login_pending = False
        # The session cookie and the CSRF token live here, not in a runner's httpx client.
        self._cookies = httpx.Cookies()
        # A login in another thread replaces both cookies at once; a request must take its
        # CSRF header and its Cookie header from one state of the jar, or Django refuses it.
        self._cookies_lock = threading.Lock()
        # Set by an explicit login(user, password), so a re-login after the session expires
        # comes back as that user, not as the configured one.
        self._login_as: tuple[str, SecretStr] | None = None

    # -- public properties -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The server's base URL, normalized with one trailing slash."""
        url = self._settings.url
        assert url is not None  # resolve_settings guarantees it
        return url

    @property
    def cid(self) -> str:
        """This client's correlation id, sent as ``X-KEYSTONE-CID`` with every request."""
        return self._cid

    @property
    def page_size(self) -> int:
        """Records requested per page when paging through a collection."""
        return self._settings.page_size

    @property
    def concurrency(self) -> int | None:
        """Page requests in flight when listing: None adapts to the server, an int fixes it."""
        return self._settings.concurrency

    @property
    def timeout(self) -> float:
        """Default timeout of every request, in seconds."""
        return self._settings.timeout

    def __repr__(self) -> str:
        s = self._settings
        auth = "token" if s.token else ("session" if s.username else "anonymous")
        user = f" username={s.username!r}" if auth == "session" else ""
        return (
            f"<{type(self).__name__} base_url={self.base_url!r} auth={auth}{user} cid={self.cid!r}>"
        )

    # -- httpx client construction -------------------------------------------------------------

    def _http_options(self, transport: Any) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "timeout": httpx.Timeout(self._settings.timeout),
            "verify": ssl_verification(self._settings),
            "transport": transport,
            "follow_redirects": False,
            "headers": self._default_headers(),
        }

    def _default_headers(self) -> dict[str, str]:
        extra = self._settings.headers
        # Extra headers may replace Accept and User-Agent, never the client's own (settings
        # refuse those names). Names are case-insensitive: an extra "accept" replaces Accept
        # rather than going out beside it.
        replaced = {name.lower() for name in extra}
        defaults = {"Accept": "application/json", "User-Agent": f"keystone-client/{__version__}"}
        return {
            **{name: value for name, value in defaults.items() if name.lower() not in replaced},
            **extra,
            "X-KEYSTONE-CID": self._cid,
        }

    # -- request building ------------------------------------------------------------------------

    @property
    def _can_login(self) -> bool:
        return self._settings.token is None and self._credentials() is not None

    def _credentials(self) -> tuple[str, SecretStr] | None:
        """The user to log in as: the last one logged in explicitly, else the configured one."""
        if self._login_as is not None:
            return self._login_as
        s = self._settings
        return (s.username, s.password) if s.username and s.password is not None else None

    def _csrf_token(self) -> str | None:
        for cookie in self._cookies.jar:
            if cookie.name == "csrftoken":
                return cookie.value
        return None

    def _store_cookies(self, response: httpx.Response) -> None:
        with self._cookies_lock:
            self._cookies.extract_cookies(response)

    def _build_request(
        self, method: str, endpoint: str, **options: Unpack[RequestOptions]
    ) -> httpx.Request:
        method = method.upper()
        headers = self._default_headers()
        if self._settings.token is not None:
            headers["Authorization"] = f"Token {self._settings.token.get_secret_value()}"
        if method in UNSAFE_METHODS:
            # Django checks the Referer of unsafe HTTPS requests against its trusted origins.
            headers["Referer"] = self.base_url
        content: bytes | None = None
        json = options.get("json")
        if json is not None:
            content = pydantic_core.to_json(json)
            headers["Content-Type"] = "application/json"
        url = httpx.URL(self.base_url).join(normalize_endpoint(endpoint))
        params = options.get("params")
        timeout = options.get("timeout")
        if params:
            # httpx's params= would replace a query written in the endpoint; keep both.
            url = url.copy_merge_params(params)
        request = httpx.Request(
            method,
            url,
            content=content,
            data=options.get("data"),
            files=options.get("files"),
            headers=headers,
            extensions={
                "timeout": httpx.Timeout(
                    self._settings.timeout if timeout is None else timeout
                ).as_dict()
            },
        )
        with self._cookies_lock:
            if method in UNSAFE_METHODS:
                csrf = self._csrf_token()
                if csrf:
                    request.headers["X-CSRFToken"] = csrf
            self._cookies.set_cookie_header(request)
        return request

    # -- flows ---------------------------------------------------------------------------------

    def _send_flow(
        self,
        method: str,
        endpoint: str,
        *,
        auto_login: bool = True,
        **options: Unpack[RequestOptions],
    ) -> Flow[httpx.Response]:
        """Send one request with lazy login, retries and one re-login after a 401.

        Failures use up ``max_retries``; throttling (429) waits apart, up to ``throttle_wait``.
        """
        endpoint = normalize_endpoint(endpoint)
        auto_login = auto_login and self._can_login and endpoint not in _AUTH_ENDPOINTS
        if auto_login and not self._logged_in:
            yield from self._shared_login_flow(self._session_generation)
        relogged = False
        attempt = 0
        throttles = 0
        throttled_for = 0.0
        while True:
            if self._pacer is not None:
                delay = self._pacer.reserve()
                if delay > 0:
                    yield Sleep(delay)
            generation = self._session_generation
            request = self._build_request(method, endpoint, **options)
            _log_request(request, self._cid)
            started = time.perf_counter()
            outcome = yield request
            elapsed_ms = (time.perf_counter() - started) * 1000
            if isinstance(outcome, SEND_ERRORS):
                wait = self._retry.after_error(request.method, outcome, attempt)
                reason = f"{type(outcome).__name__}: {outcome}"
                if wait is None:
                    raise _connection_error(outcome, request, attempt) from outcome
            else:
                assert outcome is not None
                response = outcome
                # httpx links a response and its stream in a cycle, which keeps a whole page
                # alive until the next garbage collection; the body is read, so cut the link.
                response.stream = httpx.ByteStream(response.content)
                self._store_cookies(response)
                _log_response(request, response, elapsed_ms, self._cid)
                if response.status_code == 401 and auto_login and not relogged:
                    relogged = True
                    if generation == self._session_generation and not self._login_pending:
                        self._logged_in = False
                        logger.info("Session expired; logging in again (cid %s)", self._cid)
                    yield from self._shared_login_flow(generation)
                    continue
                if response.status_code == 429:
                    wait = self._retry.after_throttle(response, throttled_for, throttles)
                    if wait is None:
                        return response
                    throttles += 1
                    throttled_for += throttle_charge(wait)
                    _log_throttle(
                        request, wait, throttled_for, self._retry.throttle_wait, self._cid
                    )
                    yield Sleep(wait)
                    continue
                wait = self._retry.after_response(request.method, response, attempt)
                if wait is None:
                    return response
                reason = f"{response.status_code} {response.reason_phrase}"
            attempt += 1
            _log_retry(request, attempt, self._retry.max_retries, reason, wait, self._cid)
            yield Sleep(wait)

    def _call_flow(
        self,
        method: str,
        endpoint: str,
        adapter: TypeAdapter[T],
        *,
        auto_login: bool = True,
        **options: Unpack[RequestOptions],
    ) -> Flow[T]:
        """Send a request and parse its JSON body into ``adapter``'s type, raising on errors."""
        response = yield from self._send_flow(method, endpoint, auto_login=auto_login, **options)
        return _response.parse(response, adapter)

    def _shared_login_flow(self, generation: int) -> Flow[None]:
        """Log in, unless another flow has logged in since ``generation``.

        Concurrent requests (async tasks, threads) that all need a session wait for the login
        in flight instead of each starting their own: the runner serializes `SessionLogin`.
        """
        yield SessionLogin(generation)

    def _login_once_flow(self, generation: int) -> Flow[None]:
        """The login a runner runs for `SessionLogin`, under its login lock."""
        if generation == self._session_generation:
            yield from self._login_flow()

    def _login_flow(self, username: str | None = None, password: str | None = None) -> Flow[User]:
        explicit = username is not None or password is not None
        remembered = self._credentials()
        if username is None and remembered is not None:
            username = remembered[0]
        if password is None and remembered is not None:
            password = remembered[1].get_secret_value()
        if not username or password is None:
            raise ConfigurationError(
                "login() needs a username and password: pass them or set "
                "KEYSTONE_USERNAME and KEYSTONE_PASSWORD."
            )
        secret = password
        self._login_pending = True
        try:
            response = yield from self._send_flow(
                "POST", LOGIN, json={"username": username, "password": secret}, auto_login=False
            )
            if response.status_code in (400, 401, 403):
                raise _response.error_for_response(response, error_class=AuthenticationError)
            user = _response.parse(response, _USER)
        finally:
            self._login_pending = False
        self._logged_in = True
        self._session_generation += 1
        if explicit:
            self._login_as = (username, SecretStr(secret))
        return user

    def _logout_flow(self) -> Flow[None]:
        if self._csrf_token() is not None or self._logged_in:
            response = yield from self._send_flow("POST", LOGOUT, auto_login=False)
            if response.status_code not in (401, 403):
                _response.raise_for_status(response)
        with self._cookies_lock:
            self._cookies.clear()
        self._logged_in = False
        self._login_as = None

    def _whoami_flow(self) -> Flow[User | None]:
        response = yield from self._send_flow("GET", WHOAMI, auto_login=False)
        if response.status_code in (401, 403):
            return None
        return _response.parse(response, _USER)

    def _version_flow(self) -> Flow[str]:
        response = yield from self._send_flow("GET", "version", auto_login=False)
        return _response.parse_text(response).strip().strip('"')

    def _config_flow(self) -> Flow[Config]:
        return (yield from self._call_flow("GET", "config", _CONFIG))

    def _health_flow(self) -> Flow[Health]:
        return (yield from self._call_flow("GET", "health/json", _HEALTH, auto_login=False))


# Log records carry their fields as ``extra`` too, for structured logging handlers. Only
# the method and URL of a request are logged: never headers or bodies, which hold secrets.


def _log_request(request: httpx.Request, cid: str) -> None:
    logger.debug(
        "Request %s %s (cid %s)",
        request.method,
        request.url,
        cid,
        extra={"method": request.method, "url": str(request.url), "cid": cid},
    )


def _log_response(
    request: httpx.Request, response: httpx.Response, elapsed_ms: float, cid: str
) -> None:
    logger.debug(
        "Response %s %s -> %d in %.1f ms (cid %s)",
        request.method,
        request.url,
        response.status_code,
        elapsed_ms,
        cid,
        extra={
            "method": request.method,
            "url": str(request.url),
            "status_code": response.status_code,
            "elapsed_ms": round(elapsed_ms, 1),
            "cid": cid,
        },
    )


def _log_retry(
    request: httpx.Request, attempt: int, max_retries: int, reason: str, wait: float, cid: str
) -> None:
    logger.info(
        "Retrying %s %s (retry %d of %d) after %s in %.2fs (cid %s)",
        request.method,
        request.url,
        attempt,
        max_retries,
        reason,
        wait,
        cid,
        extra={"attempt": attempt, "reason": reason, "wait": wait, "cid": cid},
    )


def _log_throttle(
    request: httpx.Request, wait: float, waited: float, bound: float, cid: str
) -> None:
    logger.info(
        "Throttled (429): waiting %.2fs before retrying %s %s (%.0fs of %.0fs allowed) (cid %s)",
        wait,
        request.method,
        request.url,
        waited,
        bound,
        cid,
        extra={
            "reason": "429 Too Many Requests",
            "wait": wait,
            "throttled_for": waited,
            "cid": cid,
        },
    )


def _connection_error(error: SendError, request: httpx.Request, attempt: int) -> APIConnectionError:
    tries = f"after {attempt + 1} attempt{'s' if attempt else ''}"
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(
            f"{request.method} {request.url} timed out {tries} ({type(error).__name__})",
            request=request,
        )
    return APIConnectionError(
        f"{request.method} {request.url} failed {tries}: {type(error).__name__}: {error}",
        request=request,
    )
