"""keystone_client: a typed, sync and async Python client for the Keystone API."""

from ._batch import AsyncBatch, Batch, BatchResult, Placeholder
from ._client import AsyncKeystoneClient, KeystoneClient
from ._pagination import RecordPage
from ._query import AsyncQuery, Query
from ._settings import KeystoneSettings
from ._version import __version__
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
