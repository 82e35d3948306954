"""``keystone --demo``: every command against the in-memory demo Keystone, with no server."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from keystone_client import KeystoneClient

__all__ = ["demo_client"]


def demo_client() -> KeystoneClient:
    """A client logged in as the demo's staff user, on the demo data set."""
    try:
        # Not a dependency of the command line: imported only for --demo.
        testing: Any = importlib.import_module("keystone_client.testing")
    except ImportError as exc:
        raise click.UsageError(
            f"--demo needs keystone_client.testing, which cannot be imported here ({exc})"
        ) from None
    client: KeystoneClient = testing.FakeKeystone(seed="demo").client()
    return client
