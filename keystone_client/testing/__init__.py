"""Test your code against Keystone without a server: an in-memory fake, a pytest plugin.

``FakeKeystone`` serves the Keystone API from memory (see ``docs/testing.md``); the pytest
fixtures ``keystone_fake``, ``keystone_client`` and ``async_keystone_client`` are registered
automatically; ``python -m keystone_client.testing serve`` serves the fake over HTTP.
"""

from ._fake import FakeKeystone, FakeKeystoneError, FakeRequest
from ._faults import Fault
from ._http import serve_in_thread
from ._transport import FakeTransport

__all__ = [
    "FakeKeystone",
    "FakeKeystoneError",
    "FakeRequest",
    "FakeTransport",
    "Fault",
    "serve_in_thread",
]
