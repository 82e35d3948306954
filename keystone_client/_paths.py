"""The one path normalizer: endpoints relative to the base URL, with one trailing slash."""

from __future__ import annotations

import httpx

__all__ = ["normalize_endpoint"]


def normalize_endpoint(endpoint: str) -> str:
    """Return ``endpoint`` relative to the base URL, with one trailing slash before any query.

    Raises:
        ValueError: ``endpoint`` is an absolute URL. Session cookies and the token are meant
            for the Keystone server only, never for another host.
    """
    url = httpx.URL(str(endpoint))
    if url.scheme or url.host:
        raise ValueError("endpoint must be a path relative to the client's base_url, not a URL")
    path, sep, query = str(endpoint).partition("?")
    path = path.strip().strip("/")
    path = f"{path}/" if path else ""
    return f"{path}{sep}{query}"
