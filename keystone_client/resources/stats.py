"""Aggregate statistics: ``client.resources.stats``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import TypeAdapter

from .._base_client import BaseClient, Flow
from .._filters import compile_filters
from ..errors import FilterError
from ..models import AllocationRequestStats, GrantStats, NotificationStats, PublicationStats
from ._catalog import ALLOCATION_REQUESTS, GRANTS, NOTIFICATIONS, PUBLICATIONS
from ._spec import ResourceSpec

if TYPE_CHECKING:
    from .._client import AsyncKeystoneClient, KeystoneClient

__all__ = ["AsyncStats", "Stats"]

T = TypeVar("T")

_REQUESTS = TypeAdapter(AllocationRequestStats)
_GRANTS = TypeAdapter(GrantStats)
_PUBLICATIONS = TypeAdapter(PublicationStats)
_NOTIFICATIONS = TypeAdapter(NotificationStats)


class StatsCore:
    """The stats requests as flows; filters are those of the matching collection."""

    _client: BaseClient

    def __init__(self, client: BaseClient) -> None:
        self._client = client

    def _flow(
        self, endpoint: str, adapter: TypeAdapter[T], spec: ResourceSpec[Any], filters: Any
    ) -> Flow[T]:
        params = compile_filters(spec.name, spec.filters, spec.aliases, filters)
        if params is None:
            raise FilterError(
                f"These {spec.name} filters match no record (an empty __in list); "
                "the server cannot compute statistics of nothing"
            )
        return (yield from self._client._call_flow("GET", endpoint, adapter, params=params))


class Stats(StatsCore):
    """Statistics over allocation requests, grants, publications and notifications."""

    _client: KeystoneClient

    def requests(self, **filters: Any) -> AllocationRequestStats:
        """Counts and service-unit totals of allocation requests matching ``filters``."""
        return self._client._run(
            self._flow("stats/requests/", _REQUESTS, ALLOCATION_REQUESTS, filters)
        )

    def grants(self, **filters: Any) -> GrantStats:
        """Counts and funding totals of grants matching ``filters``."""
        return self._client._run(self._flow("stats/grants/", _GRANTS, GRANTS, filters))

    def publications(self, **filters: Any) -> PublicationStats:
        """Counts of publications matching ``filters``."""
        return self._client._run(
            self._flow("stats/publications/", _PUBLICATIONS, PUBLICATIONS, filters)
        )

    def notifications(self, **filters: Any) -> NotificationStats:
        """Total and unread notifications matching ``filters``."""
        return self._client._run(
            self._flow("stats/notifications/", _NOTIFICATIONS, NOTIFICATIONS, filters)
        )


class AsyncStats(StatsCore):
    """Statistics over allocation requests, grants, publications and notifications."""

    _client: AsyncKeystoneClient

    async def requests(self, **filters: Any) -> AllocationRequestStats:
        """Counts and service-unit totals of allocation requests matching ``filters``."""
        return await self._client._run(
            self._flow("stats/requests/", _REQUESTS, ALLOCATION_REQUESTS, filters)
        )

    async def grants(self, **filters: Any) -> GrantStats:
        """Counts and funding totals of grants matching ``filters``."""
        return await self._client._run(self._flow("stats/grants/", _GRANTS, GRANTS, filters))

    async def publications(self, **filters: Any) -> PublicationStats:
        """Counts of publications matching ``filters``."""
        return await self._client._run(
            self._flow("stats/publications/", _PUBLICATIONS, PUBLICATIONS, filters)
        )

    async def notifications(self, **filters: Any) -> NotificationStats:
        """Total and unread notifications matching ``filters``."""
        return await self._client._run(
            self._flow("stats/notifications/", _NOTIFICATIONS, NOTIFICATIONS, filters)
        )
