"""keystone_client: a typed, sync and async Python client for the Keystone API.

Public names are imported on first use, so ``import keystone_client.cli`` (or any other
submodule) does not pay for httpx, pydantic and the models before it needs them.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._batch import AsyncBatch, Batch
    from ._batch_job import BatchResult
    from ._client import AsyncKeystoneClient, KeystoneClient
    from ._pagination import RecordPage
    from ._placeholders import Placeholder
    from ._query import AsyncQuery, Query
    from ._settings import KeystoneSettings
    from .errors import (
        APIConnectionError,
        APIError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        BatchError,
        ConfigurationError,
        FieldError,
        FilterError,
        KeystoneError,
        NotFoundError,
        PermissionDeniedError,
        RateLimitError,
        ServerError,
    )

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AsyncBatch",
    "AsyncKeystoneClient",
    "AsyncQuery",
    "AuthenticationError",
    "BadRequestError",
    "Batch",
    "BatchError",
    "BatchResult",
    "ConfigurationError",
    "FieldError",
    "FilterError",
    "KeystoneClient",
    "KeystoneError",
    "KeystoneSettings",
    "NotFoundError",
    "PermissionDeniedError",
    "Placeholder",
    "Query",
    "RateLimitError",
    "RecordPage",
    "ServerError",
    "__version__",
]

# Where each public name lives; every other name of ``__all__`` is an exception in ``errors``.
_HOMES: dict[str, str] = {
    "AsyncBatch": "._batch",
    "Batch": "._batch",
    "BatchResult": "._batch_job",
    "AsyncKeystoneClient": "._client",
    "KeystoneClient": "._client",
    "Placeholder": "._placeholders",
    "RecordPage": "._pagination",
    "AsyncQuery": "._query",
    "Query": "._query",
    "KeystoneSettings": "._settings",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name, ".errors" if name in __all__ else None)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
