"""Aggregate statistics: ``client.resources.stats``; endpoints are declared in the catalog."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from .._base_client import Flow
from .._filters import compile_filters
from .._resource_spec import ResourceSpec, StatsSpec
from .._runners import AsyncRunner, FlowSource, SyncRunner
from ..errors import FilterError
from ..models import (
    AllocationRequestStats,
    GrantStats,
    KeystoneModel,
    NotificationStats,
    PublicationStats,
)

__all__ = ["AsyncStats", "Stats", "StatsCore"]

S = TypeVar("S", bound=KeystoneModel)

# Each statistics endpoint and the collection whose filters it takes.
REQUEST_STATS = StatsSpec(
    "requests", "stats/requests/", AllocationRequestStats, "allocation_requests"
)
GRANT_STATS = StatsSpec("grants", "stats/grants/", GrantStats, "grants")
PUBLICATION_STATS = StatsSpec(
    "publications", "stats/publications/", PublicationStats, "publications"
)
NOTIFICATION_STATS = StatsSpec(
    "notifications", "stats/notifications/", NotificationStats, "notifications"
)
ALL_STATS: tuple[StatsSpec[Any], ...] = (
    REQUEST_STATS,
    GRANT_STATS,
    PUBLICATION_STATS,
    NOTIFICATION_STATS,
)


class StatsCore:
    """The stats requests as flows; filters are those of the matching collection."""

    _client: FlowSource

    def __init__(self, client: FlowSource, collections: Mapping[str, ResourceSpec[Any]]) -> None:
        self._client = client
        self._collections = collections

    def _flow(self, stats: StatsSpec[S], filters: dict[str, Any]) -> Flow[S]:
        spec = self._collections[stats.collection]
        params = compile_filters(spec.name, spec.filters, spec.aliases, filters)
        if params is None:
            raise FilterError(
                f"These {spec.name} filters match no record (an empty __in list); "
                "the server cannot compute statistics of nothing"
            )
        return (
            yield from self._client._call_flow("GET", stats.endpoint, stats.adapter, params=params)
        )


class Stats(StatsCore):
    """Statistics over allocation requests, grants, publications and notifications."""

    _client: SyncRunner

    def requests(self, **filters: Any) -> AllocationRequestStats:
        """Counts and service-unit totals of allocation requests matching ``filters``."""
        return self._client._run(self._flow(REQUEST_STATS, filters))

    def grants(self, **filters: Any) -> GrantStats:
        """Counts and funding totals of grants matching ``filters``."""
        return self._client._run(self._flow(GRANT_STATS, filters))

    def publications(self, **filters: Any) -> PublicationStats:
        """Counts of publications matching ``filters``."""
        return self._client._run(self._flow(PUBLICATION_STATS, filters))

    def notifications(self, **filters: Any) -> NotificationStats:
        """Total and unread notifications matching ``filters``."""
        return self._client._run(self._flow(NOTIFICATION_STATS, filters))


class AsyncStats(StatsCore):
    """Statistics over allocation requests, grants, publications and notifications."""

    _client: AsyncRunner

    async def requests(self, **filters: Any) -> AllocationRequestStats:
        """Counts and service-unit totals of allocation requests matching ``filters``."""
        return await self._client._run(self._flow(REQUEST_STATS, filters))

    async def grants(self, **filters: Any) -> GrantStats:
        """Counts and funding totals of grants matching ``filters``."""
        return await self._client._run(self._flow(GRANT_STATS, filters))

    async def publications(self, **filters: Any) -> PublicationStats:
        """Counts of publications matching ``filters``."""
        return await self._client._run(self._flow(PUBLICATION_STATS, filters))

    async def notifications(self, **filters: Any) -> NotificationStats:
        """Total and unread notifications matching ``filters``."""
        return await self._client._run(self._flow(NOTIFICATION_STATS, filters))
