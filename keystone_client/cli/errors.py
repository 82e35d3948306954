"""Exit codes and one-line error messages for library exceptions."""

from __future__ import annotations

from typing import Any

__all__ = [
    "EXIT_API",
    "EXIT_AUTH",
    "EXIT_CONNECTION",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_USAGE",
    "describe",
]

EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_NOT_FOUND = 3
EXIT_AUTH = 4
EXIT_CONNECTION = 5
EXIT_INTERRUPTED = 130


def describe(exc: BaseException) -> tuple[int, str]:
    """Return the exit code and the one-line message for a library exception."""
    # Imported here: only a failing command pays for the exception module (and httpx).
    from keystone_client import errors as e

    if isinstance(exc, e.FilterError | e.FieldError | e.ConfigurationError):
        return EXIT_USAGE, _one_line(str(exc))
    if isinstance(exc, e.APIConnectionError):
        return EXIT_CONNECTION, _one_line(str(exc))
    if isinstance(exc, e.NotFoundError):
        return EXIT_NOT_FOUND, _api_line(exc)
    if isinstance(exc, e.AuthenticationError | e.PermissionDeniedError):
        return EXIT_AUTH, _api_line(exc)
    if isinstance(exc, e.APIError):
        return EXIT_API, _api_line(exc)
    if isinstance(exc, e.KeystoneError):
        return EXIT_API, _one_line(str(exc))
    raise exc


def _api_line(exc: Any) -> str:
    """``HTTP 400: detail; field: message; other: message`` on one line."""
    line = f"HTTP {exc.status_code}: {exc.detail}"
    errors: dict[str, list[str]] = getattr(exc, "errors", None) or {}
    listed = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
    if listed and listed not in line:
        line = f"{line} ({listed})"
    return _one_line(line)


def _one_line(text: str) -> str:
    return " ".join(text.split())
