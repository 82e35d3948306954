"""The envelope of list responses."""

from __future__ import annotations

from typing import Generic, TypeVar

from ._base import KeystoneModel

__all__ = ["Page"]

M = TypeVar("M", bound=KeystoneModel)


class Page(KeystoneModel, Generic[M]):
    """One page of a list response: ``Page[Grant].model_validate_json(raw)``."""

    #: Number of matching records on all pages.
    count: int
    #: URL of the next page, None on the last page.
    next: str | None
    #: URL of the previous page, None on the first page.
    previous: str | None
    results: list[M]

    def __repr__(self) -> str:
        kind = type(self).__name__
        return f"{kind}(count={self.count}, results=<{len(self.results)} records>)"
