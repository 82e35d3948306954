"""``keystone --demo``: every command against the in-memory demo Keystone, with no server."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from keystone_client import KeystoneClient

__all__ = ["demo_client"]


def demo_client() -> KeystoneClient:
    """A client logged in as the demo's staff user, on a fresh copy of the demo data set.

    The connection settings (``KEYSTONE_URL``, credentials, ``.env``) do not apply; only
    ``KEYSTONE_PAGE_SIZE`` does, so that paging (and the progress bar) can be tried too.
    """
    try:
        # Not a dependency of the command line: imported only for --demo.
        testing: Any = importlib.import_module("keystone_client.testing")
    except ImportError as exc:
        raise click.UsageError(
            f"--demo needs keystone_client.testing, which cannot be imported here ({exc})"
        ) from None
    options: dict[str, Any] = {}
    page_size = os.environ.get("KEYSTONE_PAGE_SIZE")
    if page_size:
        options["page_size"] = page_size  # validated (and reported) by the client's settings
    client: KeystoneClient = testing.FakeKeystone(seed="demo").client(**options)
    return client
