"""Configuration from arguments, the environment and ``.env``."""

from __future__ import annotations

import os
import ssl
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

import httpx
from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from ._retry import DEFAULT_THROTTLE_WAIT
from .errors import ConfigurationError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_TIMEOUT",
    "ClientOptions",
    "KeystoneSettings",
    "resolve_settings",
    "ssl_verification",
]

DEFAULT_TIMEOUT = 15.0
# Measured (docs/performance.md): against 500, 200 halves memory and time to first record while
# sync listing is only ~15-20% slower; async list() is fastest at 200-500.
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 1000
DEFAULT_ENV_FILE = ".env"
# Headers the client sets itself (authentication, CSRF, correlation id, body framing);
# ``headers=`` may not replace them, or a request would silently lose its session or token.
RESERVED_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        "x-csrftoken",
        "x-keystone-cid",
        "referer",
        "host",
        "content-type",
        "content-length",
    }
)
_TRUE = frozenset({"1", "true", "yes", "on", "t", "y"})
_FALSE = frozenset({"0", "false", "no", "off", "f", "n"})
_UNSET: Any = object()


class KeystoneSettings(BaseSettings):
    """Client settings, read from ``KEYSTONE_*`` variables and a ``.env`` file.

    Precedence: explicit argument > environment > ``.env`` > default. ``env_file`` names the
    ``.env`` file to read (default ``.env`` in the working directory; None reads none).
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
    verify_ssl: bool | str = Field(
        default=True,
        description="Verify the server's TLS certificate: a bool, or the path of a CA file.",
    )
    ca_bundle: str | None = Field(
        default=None, description="CA file (PEM) to verify the server's certificate with."
    )
    max_retries: int = Field(default=2, ge=0, le=10, description="Retries of a failed request.")
    throttle_wait: float = Field(
        default=DEFAULT_THROTTLE_WAIT,
        ge=0,
        allow_inf_nan=False,
        description="Seconds one call may wait in total for the server's throttle (429).",
    )
    rate_limit: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="Requests per minute to space requests to; None sends at once.",
    )
    page_size: int = Field(
        default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Records per page request."
    )
    concurrency: int | None = Field(
        default=None,
        ge=1,
        description="Page requests in flight when listing; None adapts between 1 and 8.",
    )
    headers: dict[str, str] = Field(
        default_factory=dict,
        repr=False,  # a gateway's header may carry a key
        description="Extra headers sent with every request.",
    )
    env_file: str | None = Field(
        default=DEFAULT_ENV_FILE, description="The .env file read (None: none)."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """The sources in order of precedence; a setting given by one replaces the lower ones'.

        pydantic-settings would merge a dict setting (``headers``) key by key across sources,
        so that ``KEYSTONE_HEADERS`` leaked into ``headers=`` given as an argument.
        """
        return (
            init_settings,
            _Yielding(env_settings, init_settings),
            _Yielding(dotenv_settings, init_settings, env_settings),
            file_secret_settings,
        )

    def __init__(self, **values: Any) -> None:
        """Read the settings; a bad value raises `ConfigurationError` naming its variable."""
        env_file = values.pop("env_file", _UNSET)
        if env_file is _UNSET:
            env_file = os.environ.get("KEYSTONE_ENV_FILE", DEFAULT_ENV_FILE)
        if env_file is not None:
            env_file = os.fspath(env_file)
        try:
            super().__init__(_env_file=env_file, env_file=env_file, **values)
        except ValidationError as exc:
            raise _configuration_error(exc, values) from None
        except SettingsError as exc:
            # A variable that should hold JSON (KEYSTONE_HEADERS) does not.
            raise ConfigurationError(f"Invalid configuration: {_json_variable(exc)}") from None

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return normalize_url(value)

    @field_validator("verify_ssl", mode="before")
    @classmethod
    def _check_verify_ssl(cls, value: Any) -> Any:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if not isinstance(value, str):
            return value
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
        return _existing_file(value)

    @field_validator("ca_bundle", mode="before")
    @classmethod
    def _check_ca_bundle(cls, value: Any) -> Any:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        return _existing_file(value) if isinstance(value, str) else value

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            if name.strip().lower() in RESERVED_HEADERS:
                raise ValueError(
                    f"may not set {name!r}: the client sets it (use token= or login() for "
                    "authentication)"
                )
            if not name.isascii() or not name.strip() or any(c in name for c in " :\r\n"):
                raise ValueError(f"{name!r} is not a valid header name")
            if "\r" in text or "\n" in text:
                raise ValueError(f"the value of {name!r} contains a line break")
        return value


def _json_variable(exc: SettingsError) -> str:
    for name in KeystoneSettings.model_fields:
        if f'"{name}"' in str(exc):
            return f"KEYSTONE_{name.upper()}: not valid JSON"
    return "a KEYSTONE_* variable is not valid JSON"


def _existing_file(value: str) -> str:
    path = Path(value).expanduser()
    if not path.is_file():
        # The path is not a secret; naming it tells which file was looked for.
        raise ValueError(f"CA file {value!r} does not exist or is not a file")
    return str(path)


def ssl_verification(settings: KeystoneSettings) -> bool | ssl.SSLContext:
    """Return what httpx's ``verify=`` gets: False, True, or a context trusting the CA file.

    ``verify_ssl=False`` turns verification off; otherwise a CA file given as ``verify_ssl``
    or ``ca_bundle`` is trusted instead of the default store.

    Raises:
        ConfigurationError: The CA file cannot be read as certificates.
    """
    if settings.verify_ssl is False:
        return False
    if isinstance(settings.verify_ssl, str):
        cafile, variable = settings.verify_ssl, "KEYSTONE_VERIFY_SSL"
    elif settings.ca_bundle is not None:
        cafile, variable = settings.ca_bundle, "KEYSTONE_CA_BUNDLE"
    else:
        return True
    try:
        return ssl.create_default_context(cafile=cafile)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ConfigurationError(
            f"Invalid configuration: {variable}: cannot load CA file {cafile!r} ({exc})"
        ) from None


class _Yielding(PydanticBaseSettingsSource):
    """``source`` without the settings that any of the ``higher`` sources gives."""

    def __init__(
        self, source: PydanticBaseSettingsSource, *higher: PydanticBaseSettingsSource
    ) -> None:
        super().__init__(source.settings_cls)
        self.source = source
        self.higher = higher

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.source.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        given = {name for higher in self.higher for name in higher()}
        return {name: value for name, value in self.source().items() if name not in given}


class ClientOptions(TypedDict, total=False):
    """The configuration keywords both clients accept; each wins over the environment."""

    url: str | None
    username: str | None
    password: str | SecretStr | None
    token: str | SecretStr | None
    timeout: float | None
    verify_ssl: bool | str | os.PathLike[str] | None
    ca_bundle: str | os.PathLike[str] | None
    max_retries: int | None
    throttle_wait: float | None
    rate_limit: float | None
    page_size: int | None
    concurrency: int | None
    headers: Mapping[str, str] | None
    env_file: str | os.PathLike[str] | None
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
    if "env_file" in options:
        given["env_file"] = options["env_file"]  # None is meaningful: read no file
    try:
        if settings is None:
            resolved = KeystoneSettings(**given)
            _warn_near_misses(resolved.env_file)
        else:
            given.pop("env_file", None)  # ``settings`` has read its sources already
            base = {name: getattr(settings, name) for name in KeystoneSettings.model_fields}
            resolved = KeystoneSettings.model_validate({**base, **given})
    except ValidationError as exc:
        raise _configuration_error(exc, given) from None
    if resolved.url is None:
        raise ConfigurationError(
            "No Keystone URL configured: pass url=... or set KEYSTONE_URL "
            "(in the environment or a .env file)."
        )
    _check_credentials(resolved)
    return resolved


def _check_credentials(settings: KeystoneSettings) -> None:
    """Refuse half a login: it would go anonymous silently and fail later with a 401."""
    if settings.token is not None:
        return  # the token wins; stray login settings are not used
    if settings.username and settings.password is None:
        missing, present = "KEYSTONE_PASSWORD", "a username"
    elif settings.password is not None and not settings.username:
        missing, present = "KEYSTONE_USERNAME", "a password"
    else:
        return
    raise ConfigurationError(
        f"Incomplete credentials: {present} is configured but {missing} is not set "
        f"(pass {missing.removeprefix('KEYSTONE_').lower()}=..., set {missing}, or use "
        "KEYSTONE_TOKEN)."
    )


def _warn_near_misses(env_file: str | None) -> None:
    """Warn about ``KEYSTONE_*`` names that look like a misspelt setting (they are ignored)."""
    names = set(os.environ)
    if env_file is not None and Path(env_file).is_file():
        names.update(name for name in dotenv_values(env_file) if name)
    known = set(KeystoneSettings.model_fields)
    for name in sorted(names):
        upper = name.upper()
        if not upper.startswith("KEYSTONE_"):
            continue
        key = upper.removeprefix("KEYSTONE_").lower()
        if key in known:
            continue
        meant = _closest(key, known)
        if meant is not None:
            warnings.warn(
                f"{name} is not a Keystone setting and is ignored; did you mean "
                f"KEYSTONE_{meant.upper()}?",
                UserWarning,
                stacklevel=5,
            )


def _closest(name: str, candidates: set[str]) -> str | None:
    """Return the candidate a small edit away from ``name`` (a typo), if there is one."""
    best: tuple[int, str] | None = None
    for candidate in candidates:
        distance = _edit_distance(name, candidate)
        limit = 1 if len(candidate) <= 4 else 2
        if distance <= limit and (best is None or distance < best[0]):
            best = (distance, candidate)
    return best[1] if best else None


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, counting a swap of two neighbours as one edit."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            cost = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, rows[-2][j - 2] + 1)
            row.append(cost)
        rows.append(row)
    return rows[-1][-1]
