"""The live tier: the same scenarios against a real Keystone server.

Runs only when ``KEYSTONE_TEST_URL``, ``KEYSTONE_TEST_USERNAME`` and
``KEYSTONE_TEST_PASSWORD`` are set; every test here is marked ``live`` and skipped otherwise.
Tests must delete whatever they create.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from keystone_client import AsyncKeystoneClient, KeystoneClient

from ..conftest import Runner

LIVE_VARS = ("KEYSTONE_TEST_URL", "KEYSTONE_TEST_USERNAME", "KEYSTONE_TEST_PASSWORD")
# The tier sends more than the server's 300 requests a minute, so a call may meet a full
# window many times before a slot frees for it: let it wait out several windows rather than
# the default two minutes.
LIVE_THROTTLE_WAIT = 300.0


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = [name for name in LIVE_VARS if not os.environ.get(name)]
    for item in items:
        if "tests/live/" not in item.nodeid.replace("\\", "/"):
            continue
        item.add_marker(pytest.mark.live)
        if missing:
            item.add_marker(
                pytest.mark.skip(reason=f"live tier: set {', '.join(missing)} to run it")
            )


@pytest.fixture
def live_settings() -> dict[str, str]:
    return {
        "url": os.environ["KEYSTONE_TEST_URL"],
        "username": os.environ["KEYSTONE_TEST_USERNAME"],
        "password": os.environ["KEYSTONE_TEST_PASSWORD"],
    }


@pytest.fixture
def make_live_client(
    run: Runner, live_settings: dict[str, str]
) -> Iterator[Callable[..., KeystoneClient | AsyncKeystoneClient]]:
    """Build a client of the current mode for the live server; closed after the test."""
    made: list[KeystoneClient | AsyncKeystoneClient] = []

    def factory(**kwargs: Any) -> KeystoneClient | AsyncKeystoneClient:
        options = {"throttle_wait": LIVE_THROTTLE_WAIT, **live_settings, **kwargs}
        cls = AsyncKeystoneClient if run.is_async else KeystoneClient
        client = cls(**options)
        made.append(client)
        return client

    yield factory
    for client in made:
        run(client.close())


@pytest.fixture
def live(make_live_client: Callable[..., Any]) -> Any:
    """A live client with the test credentials (it logs in by itself when needed)."""
    return make_live_client()
