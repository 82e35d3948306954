"""``client.resources``: one manager per Keystone collection, plus ``stats``.

The collections are declared once, in `Collections` (``_catalog``);
`Resources` and `AsyncResources` are its sync and async faces.
"""

from __future__ import annotations

from .._resource_spec import ResourceSpec
from ._catalog import Collections
from ._declarations import AsyncFace, SyncFace
from ._managers import (
    AsyncListManager,
    AsyncManager,
    AsyncReadOnlyManager,
    AsyncUpdatableManager,
    ListManager,
    Manager,
    ReadOnlyManager,
    UpdatableManager,
)
from .stats import AsyncStats, Stats

__all__ = [
    "AsyncListManager",
    "AsyncManager",
    "AsyncReadOnlyManager",
    "AsyncResources",
    "AsyncStats",
    "AsyncUpdatableManager",
    "ListManager",
    "Manager",
    "ReadOnlyManager",
    "ResourceSpec",
    "Resources",
    "Stats",
    "UpdatableManager",
]


class Resources(Collections, SyncFace):
    """Managers of every collection for `KeystoneClient`; the declaration sets what each can do."""


class AsyncResources(Collections, AsyncFace):
    """Managers of every collection for `AsyncKeystoneClient`."""
