"""Configuration from arguments, the environment and ``.env``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

import httpx
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ConfigurationError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_TIMEOUT",
    "ClientOptions",
    "KeystoneSettings",
    "resolve_settings",
]

DEFAULT_TIMEOUT = 15.0
# Measured (docs/performance.md): against 500, 200 halves memory and time to first record while
# sync listing is only ~15-20% slower; async list() is fastest at 200-500.
DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000


class KeystoneSettings(BaseSettings):
    """Client settings, read from ``KEYSTONE_*`` variables and a ``.env`` file.

    Precedence: explicit argument > environment > ``.env`` > default.
    """

    model_config = SettingsConfigDict(
        env_prefix="KEYSTONE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    url: str | None = Field(default=None, description="Base URL of the Keystone API.")
    username: str | None = Field(default=None, description="Username for session login.")
    password: SecretStr | None = Field(default=None, description="Password for session login.")
    token: SecretStr | None = Field(default=None, description="API token (``Token`` auth).")
    timeout: float = Field(
        default=DEFAULT_TIMEOUT, gt=0, allow_inf_nan=False, description="Seconds per request."
    )
    verify_ssl: bool = Field(default=True, description="Verify the server's TLS certificate.")
    max_retries: int = Field(default=2, ge=0, le=10, description="Retries of a failed request.")
    page_size: int = Field(
        default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page request."
    )

    def __init__(self, **values: Any) -> None:
        """Read the settings; a bad value raises `ConfigurationError` naming its variable."""
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _configuration_error(exc, values) from None

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return normalize_url(value)


class ClientOptions(TypedDict, total=False):
    """The configuration keywords both clients accept; each wins over the environment."""

    url: str | None
    username: str | None
    password: str | SecretStr | None
    token: str | SecretStr | None
    timeout: float | None
    verify_ssl: bool | None
    max_retries: int | None
    page_size: int | None
    settings: KeystoneSettings | None


def normalize_url(value: str) -> str:
    """Return ``value`` as an absolute http(s) URL with exactly one trailing slash."""
    text = value.strip()
    try:
        url = httpx.URL(text)
    except (httpx.InvalidURL, TypeError) as exc:
        raise ValueError(f"not a valid URL ({exc})") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("must be an absolute http:// or https:// URL, like http://localhost:8000")
    if url.query or url.fragment:
        raise ValueError("must not contain a query string or fragment")
    if url.userinfo:
        # It would show in every log record and error message that names a URL.
        raise ValueError(
            "must not contain a user name or password; use KEYSTONE_USERNAME and "
            "KEYSTONE_PASSWORD (or KEYSTONE_TOKEN)"
        )
    return str(url.copy_with(path=url.path.rstrip("/") + "/"))


def _configuration_error(exc: ValidationError, given: Mapping[str, Any]) -> ConfigurationError:
    """Name every invalid variable without repeating its value (it may be a secret)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "settings"
        label = f"KEYSTONE_{name.upper()}"
        if name in given:
            label = f"{name}= argument (or {label})"
        problems.append(f"{label}: {error['msg']}")
    return ConfigurationError("Invalid configuration: " + "; ".join(problems))


def resolve_settings(options: ClientOptions) -> KeystoneSettings:
    """Merge explicit arguments over ``settings`` (or the environment) and validate the result.

    Raises:
        ConfigurationError: No URL is configured, or a value is invalid. The message names
            the variable and never repeats the offending value (it may be a secret).
    """
    settings = options.get("settings")
    given = {k: v for k, v in options.items() if k != "settings" and v is not None}
    try:
        if settings is None:
            resolved = KeystoneSettings(**given)
        else:
            base = {name: getattr(settings, name) for name in KeystoneSettings.model_fields}
            resolved = KeystoneSettings.model_validate({**base, **given})
    except ValidationError as exc:
        raise _configuration_error(exc, given) from None
    if resolved.url is None:
        raise ConfigurationError(
            "No Keystone URL configured: pass url=... or set KEYSTONE_URL "
            "(in the environment or a .env file)."
        )
    return resolved
