"""`QueryState`: what a lazy query has been narrowed to, as an immutable value."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["QueryState"]


@dataclass(frozen=True)
class QueryState:
    """The immutable description of a query: compiled filters, order, search and slice."""

    filters: tuple[tuple[str, str], ...] = ()
    order: str | None = None
    search: str | None = None
    offset: int = 0
    limit: int | None = None
    matches_nothing: bool = False

    def params(self) -> dict[str, str]:
        """Query parameters common to every page of this query."""
        params = dict(self.filters)
        if self.order:
            params["_order"] = self.order
        if self.search is not None:
            params["_search"] = self.search
        return params

    def sliced(self, start: int, stop: int | None) -> QueryState:
        """Return the state of ``query[start:stop]`` applied on top of this one."""
        offset = self.offset + start
        limit = None if stop is None else max(0, stop - start)
        if self.limit is not None:
            room = max(0, self.limit - start)
            limit = room if limit is None else min(limit, room)
        return replace(self, offset=offset, limit=limit)
