"""keystone_client: a typed, sync and async Python client for the Keystone API."""

from ._client import AsyncKeystoneClient, KeystoneClient
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
    "AsyncKeystoneClient",
    "AsyncQuery",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "ConfigurationError",
    "FieldError",
    "FilterError",
    "KeystoneClient",
    "KeystoneError",
    "KeystoneSettings",
    "NotFoundError",
    "PermissionDeniedError",
    "Query",
    "RateLimitError",
    "ServerError",
    "__version__",
]
