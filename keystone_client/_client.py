"""`KeystoneClient` and `AsyncKeystoneClient`: thin shells that run the shared flows."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from contextlib import closing
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack

import httpx

from ._base_client import SEND_ERRORS, ClientCore, Flow, Outcome, SessionLogin, Sleep
from ._batch import AsyncBatch, Batch
from ._settings import ClientOptions
from .models import Config, Health, User
from .resources import AsyncResources, Resources

__all__ = ["AsyncKeystoneClient", "KeystoneClient"]

T = TypeVar("T")

# Module-level so tests can observe retry waits without sleeping.
sleep = time.sleep
async_sleep = asyncio.sleep


class KeystoneClient(ClientCore):
    """Synchronous client for the Keystone API.

    Use it as a context manager, or call `close()` when done. Every keyword is optional and
    wins over the environment (``KEYSTONE_*``) and ``.env``.

    Args:
        url: Base URL of the API, e.g. ``"http://localhost:8000"``.
        username: Username for session login.
        password: Password for session login.
        token: API token; sent as ``Authorization: Token <key>``.
        timeout: Seconds before any request gives up (default 15).
        verify_ssl: Verify the server's TLS certificate (default True); a path is a CA file
            to verify it with.
        ca_bundle: A CA file (PEM) to verify the server's certificate with.
        max_retries: Retries of a failed idempotent request (default 2; 0 disables).
        throttle_wait: Seconds one call may wait in total when the server throttles it (429)
            before `RateLimitError` (default 120; 0 disables throttle waits).
        rate_limit: Requests per minute: space requests to stay under a known throttle
            (default None: no pacing).
        page_size: Records per request when paging (1-1000).
        concurrency: Page requests in flight when listing (None adapts; an int fixes it).
        headers: Extra headers sent with every request (not the authentication, CSRF or
            correlation headers the client sets itself).
        env_file: The ``.env`` file to read (default ``.env``; None reads none).
        transport: An ``httpx.BaseTransport``, e.g. ``httpx.MockTransport`` in tests.
        settings: A `KeystoneSettings` to start from instead of the environment.
    """

    _http: httpx.Client

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(**options)
        self._http = httpx.Client(**self._http_options(transport))
        # Threads sharing this client log in one at a time; see `SessionLogin`.
        self._login_lock = threading.Lock()
        self.resources = Resources(self)
        """Managers for every Keystone collection (``client.resources.grants`` ...)."""

    def _run(self, flow: Flow[T]) -> T:
        outcome: Outcome = None
        # Closing the flow when I/O fails otherwise (cancelled, interrupted) runs its cleanup.
        with closing(flow):
            while True:
                try:
                    step = flow.send(outcome)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]
                if isinstance(step, Sleep):
                    sleep(step.seconds)
                    outcome = None
                    continue
                if isinstance(step, SessionLogin):
                    with self._login_lock:
                        self._run(self._login_once_flow(step.generation))
                    outcome = None
                    continue
                try:
                    outcome = self._http.send(step)
                except SEND_ERRORS as exc:
                    outcome = exc

    # -- lifecycle -----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    @property
    def is_closed(self) -> bool:
        """Whether `close()` was called."""
        return self._http.is_closed

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- authentication ------------------------------------------------------------------------

    def login(self, username: str | None = None, password: str | None = None) -> User:
        """Start a session and return the user; without arguments, use configured credentials.

        Raises:
            AuthenticationError: The server refused the credentials.
        """
        return self._run(self._login_flow(username, password))

    def logout(self) -> None:
        """End the session; does nothing when not logged in."""
        self._run(self._logout_flow())

    def whoami(self) -> User | None:
        """Return the authenticated user, or None when anonymous."""
        return self._run(self._whoami_flow())

    def is_authenticated(self) -> bool:
        """Return whether the server sees this client as logged in."""
        return self.whoami() is not None

    # -- raw HTTP ------------------------------------------------------------------------------

    def http_get(
        self, endpoint: str, params: Mapping[str, Any] | None = None, timeout: float | None = None
    ) -> httpx.Response:
        """Send a GET to ``endpoint`` (relative to the base URL) and return the response as is."""
        return self._run(self._send_flow("GET", endpoint, params=params, timeout=timeout))

    def http_post(
        self,
        endpoint: str,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send a POST and return the response as is (no error is raised for its status)."""
        return self._run(
            self._send_flow("POST", endpoint, json=json, data=data, files=files, timeout=timeout)
        )

    def http_put(
        self,
        endpoint: str,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send a PUT and return the response as is."""
        return self._run(
            self._send_flow("PUT", endpoint, json=json, data=data, files=files, timeout=timeout)
        )

    def http_patch(
        self,
        endpoint: str,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send a PATCH and return the response as is."""
        return self._run(
            self._send_flow("PATCH", endpoint, json=json, data=data, files=files, timeout=timeout)
        )

    def http_delete(self, endpoint: str, timeout: float | None = None) -> httpx.Response:
        """Send a DELETE and return the response as is."""
        return self._run(self._send_flow("DELETE", endpoint, timeout=timeout))

    # -- server information --------------------------------------------------------------------

    def version(self) -> str:
        """Return the server's version string."""
        return self._run(self._version_flow())

    def config(self) -> Config:
        """Return the server's public configuration."""
        return self._run(self._config_flow())

    def health(self) -> Health:
        """Return the server's health checks."""
        return self._run(self._health_flow())

    # -- batch jobs ----------------------------------------------------------------------------

    def batch(self, dry_run: bool = False) -> Batch:
        """Start a batch: actions recorded in the ``with`` block are sent as one atomic job.

        Args:
            dry_run: Run every action on the server, then roll everything back.

        Returns:
            A `Batch`; use it as ``with client.batch() as batch:``.
        """
        return Batch(self, dry_run=dry_run)


class AsyncKeystoneClient(ClientCore):
    """Asynchronous client for the Keystone API; the same methods as `KeystoneClient`, awaited.

    Use it with ``async with``, or ``await client.close()`` when done. Arguments are those of
    `KeystoneClient`, with an ``httpx.AsyncBaseTransport`` as ``transport``.
    """

    _http: httpx.AsyncClient

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(**options)
        self._http = httpx.AsyncClient(**self._http_options(transport))
        # Tasks sharing this client log in one at a time; see `SessionLogin`.
        self._login_lock = asyncio.Lock()
        self.resources = AsyncResources(self)
        """Managers for every Keystone collection (``client.resources.grants`` ...)."""

    async def _run(self, flow: Flow[T]) -> T:
        outcome: Outcome = None
        # Closing the flow when I/O fails otherwise (cancelled, interrupted) runs its cleanup.
        with closing(flow):
            while True:
                try:
                    step = flow.send(outcome)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]
                if isinstance(step, Sleep):
                    await async_sleep(step.seconds)
                    outcome = None
                    continue
                if isinstance(step, SessionLogin):
                    async with self._login_lock:
                        await self._run(self._login_once_flow(step.generation))
                    outcome = None
                    continue
                try:
                    outcome = await self._http.send(step)
                except SEND_ERRORS as exc:
                    outcome = exc

    # -- lifecycle -----------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    @property
    def is_closed(self) -> bool:
        """Whether `close()` was called."""
        return self._http.is_closed

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- authentication ------------------------------------------------------------------------

    async def login(self, username: str | None = None, password: str | None = None) -> User:
        """Start a session and return the user; without arguments, use configured credentials.

        Raises:
            AuthenticationError: The server refused the credentials.
        """
        return await self._run(self._login_flow(username, password))

    async def logout(self) -> None:
        """End the session; does nothing when not logged in."""
        await self._run(self._logout_flow())

    async def whoami(self) -> User | None:
        """Return the authenticated user, or None when anonymous."""
        return await self._run(self._whoami_flow())

    async def is_authenticated(self) -> bool:
        """Return whether the server sees this client as logged in."""
        return await self.whoami() is not None

    # -- raw HTTP ------------------------------------------------------------------------------

    async def http_get(
        self, endpoint: str, params: Mapping[str, Any] | None = None, timeout: float | None = None
    ) -> httpx.Response:
        """Send a GET to ``endpoint`` (relative to the base URL) and return the response as is."""
        return await self._run(self._send_flow("GET", endpoint, params=params, timeout=timeout))

    async def http_post(
        self,
        endpoint: str,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send a POST and return the response as is (no error is raised for its status)."""
        return await self._run(
            self._send_flow("POST", endpoint, json=json, data=data, files=files, timeout=timeout)
        )

    async def http_put(
        self,
        endpoint: str,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send a PUT and return the response as is."""
        return await self._run(
            self._send_flow("PUT", endpoint, json=json, data=data, files=files, timeout=timeout)
        )

    async def http_patch(
        self,
        endpoint: str,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send a PATCH and return the response as is."""
        return await self._run(
            self._send_flow("PATCH", endpoint, json=json, data=data, files=files, timeout=timeout)
        )

    async def http_delete(self, endpoint: str, timeout: float | None = None) -> httpx.Response:
        """Send a DELETE and return the response as is."""
        return await self._run(self._send_flow("DELETE", endpoint, timeout=timeout))

    # -- server information --------------------------------------------------------------------

    async def version(self) -> str:
        """Return the server's version string."""
        return await self._run(self._version_flow())

    async def config(self) -> Config:
        """Return the server's public configuration."""
        return await self._run(self._config_flow())

    async def health(self) -> Health:
        """Return the server's health checks."""
        return await self._run(self._health_flow())

    # -- batch jobs ----------------------------------------------------------------------------

    def batch(self, dry_run: bool = False) -> AsyncBatch:
        """Start a batch: actions recorded in the ``async with`` block are sent as one job.

        The recording calls inside the block are plain calls; leaving it sends the job.

        Args:
            dry_run: Run every action on the server, then roll everything back.

        Returns:
            An `AsyncBatch`; use it as ``async with client.batch() as batch:``.
        """
        return AsyncBatch(self, dry_run=dry_run)
