"""The pytest plugin: ``keystone_fake``, ``keystone_client`` and ``async_keystone_client``.

Registered through the ``pytest11`` entry point. Importing it loads only pytest; the fake
and the client are imported when a test first uses a fixture.

Choose the fake's set-up with a marker::

    @pytest.mark.keystone(seed="demo", user="ben", page_cap=5, throttle=300)

Every fixture removes ``KEYSTONE_*`` variables and stops clients from reading a ``.env``
file for the test, so a developer's own credentials never reach it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .._client import AsyncKeystoneClient, KeystoneClient
    from ._fake import FakeKeystone

__all__ = ["async_keystone_client", "keystone_client", "keystone_fake"]

_MARKER_OPTIONS = ("seed", "user", "page_cap", "throttle", "url")


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``keystone`` marker."""
    config.addinivalue_line(
        "markers",
        "keystone(seed=None, user=None, page_cap=1000, throttle=None, url=None): "
        "set up the keystone_fake fixture (seed 'demo', the user the clients log in as, "
        "the page cap, requests per user per minute, the fake's base URL)",
    )


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("keystone")
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError("@pytest.mark.keystone takes keywords only, e.g. seed='demo'")
    unknown = sorted(set(marker.kwargs) - set(_MARKER_OPTIONS))
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.keystone got an unknown option {unknown[0]!r}; "
            f"it takes {', '.join(_MARKER_OPTIONS)}"
        )
    return dict(marker.kwargs)


@pytest.fixture
def keystone_fake(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> FakeKeystone:
    """A fresh `FakeKeystone` for the test (empty but for its staff user, unless marked)."""
    from .._settings import KeystoneSettings
    from ._fake import FakeKeystone

    for name in [n for n in os.environ if n.startswith("KEYSTONE_")]:
        monkeypatch.delenv(name)
    monkeypatch.setitem(KeystoneSettings.model_config, "env_file", None)
    options = _options(request)
    options.pop("user", None)
    return FakeKeystone(**options)


def _login(request: pytest.FixtureRequest, fake: FakeKeystone) -> dict[str, str]:
    user = _options(request).get("user")
    return fake.credentials(user)


@pytest.fixture
def keystone_client(
    request: pytest.FixtureRequest, keystone_fake: FakeKeystone
) -> Iterator[KeystoneClient]:
    """A `KeystoneClient` on ``keystone_fake``, logged in as its staff user (or the marker's)."""
    client = keystone_fake.client(**_login(request, keystone_fake))
    yield client
    client.close()


@pytest.fixture
def async_keystone_client(
    request: pytest.FixtureRequest, keystone_fake: FakeKeystone
) -> Iterator[AsyncKeystoneClient]:
    """An `AsyncKeystoneClient` on ``keystone_fake``; see ``keystone_client``.

    A plain fixture, so it works under pytest-asyncio (strict or auto) and anyio alike: the
    client needs no event loop until a test awaits it.
    """
    client = keystone_fake.async_client(**_login(request, keystone_fake))
    yield client
    if not client.is_closed:
        # The fake's transport holds no connections, so any loop can close the client.
        asyncio.run(client.close())
