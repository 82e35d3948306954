"""Exceptions raised by keystone_client.

Every exception derives from `KeystoneError`. Errors for HTTP status codes derive from
`APIError`, which is also an `httpx.HTTPStatusError`, so code written for httpx keeps working.
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchError",
    "ConfigurationError",
    "FieldError",
    "FilterError",
    "KeystoneError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
]


class KeystoneError(Exception):
    """Base class of every error raised by keystone_client."""


class ConfigurationError(KeystoneError):
    """The client's configuration (arguments, environment, ``.env``) is missing or invalid."""


class FilterError(KeystoneError, ValueError):
    """A query names a field or lookup that the resource does not offer."""


class FieldError(KeystoneError, ValueError):
    """A write names a field that the resource does not accept."""


class APIConnectionError(KeystoneError):
    """The server could not be reached, or the connection broke, after all retries."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    """The request timed out after all retries."""


class APIError(KeystoneError, httpx.HTTPStatusError):
    """The server answered with an error status, or with a body that is not what it should be.

    Attributes:
        status_code: The HTTP status code.
        response: The `httpx.Response` as received.
        detail: The server's message (``detail``, ``non_field_errors``, or a summary).
        body: The decoded JSON body, or the text when the body is not JSON.
    """

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: Any = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(message, request=response.request, response=response)
        self.status_code = response.status_code
        self.body = body
        self.detail = detail if detail is not None else message
        self._read_body(body)

    def _read_body(self, body: Any) -> None:
        """Pick the subclass's own attributes out of the decoded body."""


class BadRequestError(APIError):
    """The server rejected the request as invalid (400).

    Attributes:
        errors: Field name -> list of messages, as DRF reports them.
    """

    def _read_body(self, body: Any) -> None:
        self.errors: dict[str, list[str]] = field_errors(body)


class AuthenticationError(APIError):
    """Authentication failed or is required (401, and a refused login)."""


class PermissionDeniedError(APIError):
    """The authenticated user may not do this (403)."""


class NotFoundError(APIError):
    """The record or endpoint does not exist (404)."""


class RateLimitError(APIError):
    """The server's throttle refused the request (429), and waiting longer would pass the bound.

    A call waits out ``Retry-After`` for as long as its throttle waits add up to at most
    ``throttle_wait`` seconds; this is raised when the next wait would go past it.
    """


class ServerError(APIError):
    """The server failed (5xx) after all retries."""


class BatchError(APIError):
    """A batch job failed (422) and the server kept none of its actions.

    Attributes:
        step: The 1-based index of the failing action, when one failed.
        status: The HTTP status of the failing action.
        errors: Field name -> messages of the failing action.
        token: The unresolvable ``@ref{...}`` token, for reference errors.
    """

    def _read_body(self, body: Any) -> None:
        data = body if isinstance(body, dict) else {}
        step, status, token = data.get("step"), data.get("status"), data.get("token")
        self.step: int | None = step if isinstance(step, int) else None
        self.status: int | None = status if isinstance(status, int) else None
        self.errors: dict[str, list[str]] = field_errors(data.get("body"))
        self.token: str | None = token if isinstance(token, str) else None


def field_errors(body: Any) -> dict[str, list[str]]:
    """Flatten a DRF validation body into field -> messages."""
    if not isinstance(body, dict):
        return {}
    errors: dict[str, list[str]] = {}
    for key, value in body.items():
        if isinstance(value, list):
            errors[str(key)] = [_message(v) for v in value]
        elif isinstance(value, (str, dict)):
            errors[str(key)] = [_message(value)]
    return errors


def _message(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_message(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_message(v) for v in value)
    return str(value)
