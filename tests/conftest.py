"""Shared fixtures: every behaviour runs against the sync and the async client alike.

``client`` is parametrized over ``sync`` and ``async``; ``run(x)`` returns ``x`` for the sync
client and awaits it on a private event loop for the async one, and ``run.all(query)``
collects a query by iterating it (``for`` or ``async for``).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import respx

from keystone_client import AsyncKeystoneClient, KeystoneClient

BASE = "http://keystone.test/"

AnyClient = KeystoneClient | AsyncKeystoneClient


class Runner:
    """Runs sync results as they are and awaitables on one event loop per test."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.loop = asyncio.new_event_loop() if mode == "async" else None

    @property
    def is_async(self) -> bool:
        return self.loop is not None

    def __call__(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            assert self.loop is not None, "an awaitable in sync mode"
            return self.loop.run_until_complete(value)
        return value

    def all(self, query: Any) -> list[Any]:
        """Iterate a query (``for`` / ``async for``) into a list."""
        if self.loop is None:
            return list(query)

        async def collect() -> list[Any]:
            return [item async for item in query]

        return self.loop.run_until_complete(collect())

    def close(self) -> None:
        if self.loop is not None:
            self.loop.close()


class RunawayPaging(AssertionError):
    """Raised by `PageBudget` when paging asks a fake collection for pages without end."""


class PageBudget:
    """Fails the request that asks a fake collection for more pages than reading it needs.

    Reading ``records`` records in pages of p (the first request's page) takes
    ceil(records / p) requests; slice ends, overshoots, empty slices and a test reading the
    same collection three times stay within four times that plus ten. Paging that never ends
    then fails within a few hundred requests instead of hanging the test.
    """

    def __init__(self, records: int) -> None:
        self.records = records
        self.cap: int | None = None

    def spend(self, sent: int, page: int) -> None:
        """Account for the ``sent``-th request, served in pages of ``page`` records."""
        if self.cap is None:
            self.cap = 4 * -(-self.records // max(1, page)) + 10
        if sent > self.cap:
            raise RunawayPaging(
                f"request {sent} to a collection of {self.records} records in pages of "
                f"{page}: reading it takes no more than {self.cap}, so the paging does not end"
            )


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def run(mode: str) -> Iterator[Runner]:
    runner = Runner(mode)
    yield runner
    runner.close()


@pytest.fixture
def make_client(run: Runner) -> Iterator[Callable[..., AnyClient]]:
    """Build a client of the current mode (default url ``BASE``, no retry waits); closed after."""
    made: list[AnyClient] = []

    def factory(**kwargs: Any) -> AnyClient:
        kwargs.setdefault("url", BASE)
        cls = AsyncKeystoneClient if run.is_async else KeystoneClient
        client = cls(**kwargs)
        made.append(client)
        return client

    yield factory
    for client in made:
        run(client.close())


@pytest.fixture
def client(make_client: Callable[..., AnyClient]) -> AnyClient:
    return make_client()


@pytest.fixture
def api(respx_mock: respx.MockRouter) -> respx.MockRouter:
    """The respx router for the test server at ``BASE`` (unmatched requests fail the test)."""
    return respx_mock


class RunawayWaits(AssertionError):
    """Raised by the ``_no_sleep`` fixture when a test's client waits without end."""


#: No test waits this often: a client that retries for ever fails its test instead of hanging.
MAX_WAITS = 1000


@pytest.fixture(autouse=True)
def _no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record retry waits instead of sleeping; see the ``sleeps`` fixture."""
    waits: list[float] = []
    real_sleep = asyncio.sleep

    def record(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) > MAX_WAITS:
            raise RunawayWaits(f"{len(waits)} waits in one test: the client never stops")

    async def fake_async_sleep(seconds: float) -> None:
        record(seconds)
        await real_sleep(0)  # still let other tasks run, as a real sleep would

    monkeypatch.setattr("keystone_client._client.sleep", record)
    monkeypatch.setattr("keystone_client._client.async_sleep", fake_async_sleep)
    return waits


@pytest.fixture
def sleeps(_no_sleep: list[float]) -> list[float]:
    """The retry waits requested during the test, in seconds."""
    return _no_sleep


SETTINGS_VARS = (
    "URL",
    "USERNAME",
    "PASSWORD",
    "TOKEN",
    "TIMEOUT",
    "VERIFY_SSL",
    "MAX_RETRIES",
    "PAGE_SIZE",
    "THROTTLE_WAIT",
    "RATE_LIMIT",
    "CA_BUNDLE",
    "CONCURRENCY",
    "HEADERS",
    "ENV_FILE",
)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the machine's own KEYSTONE_* settings out of the tests."""
    for name in SETTINGS_VARS:
        monkeypatch.delenv(f"KEYSTONE_{name}", raising=False)
