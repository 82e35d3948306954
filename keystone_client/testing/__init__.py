"""Test your code against Keystone without a server: an in-memory fake, a pytest plugin.

`FakeKeystone` serves the Keystone API from memory (see ``docs/testing.md``); the pytest
fixtures ``keystone_fake``, ``keystone_client`` and ``async_keystone_client`` are registered
automatically; ``python -m keystone_client.testing serve`` serves the fake over HTTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._fake import FakeKeystone, FakeKeystoneError
    from ._faults import Fault
    from ._http import serve_in_thread
    from ._serving import FakeRequest
    from ._transport import FakeTransport

__all__ = [
    "FakeKeystone",
    "FakeKeystoneError",
    "FakeRequest",
    "FakeTransport",
    "Fault",
    "serve_in_thread",
]

_HOMES = {
    "FakeKeystone": "._fake",
    "FakeKeystoneError": "._fake",
    "FakeRequest": "._serving",
    "FakeTransport": "._transport",
    "Fault": "._faults",
    "serve_in_thread": "._http",
}


def __getattr__(name: str) -> Any:
    # Loaded on first use, so the pytest plugin (a submodule) stays cheap to import.
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value
