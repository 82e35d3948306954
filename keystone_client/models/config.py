"""Server configuration (``config/``) and health checks (``health/json/``)."""

from __future__ import annotations

from pydantic import Field

from ._base import KeystoneModel

__all__ = ["Config", "Health", "HealthCheck"]


class Config(KeystoneModel):
    """Settings the server exposes to clients (``config/``)."""

    version: str
    #: Largest accepted upload, in bytes.
    max_upload_size: int
    max_upload_count: int
    #: MIME types accepted for attachments.
    allowed_file_types: list[str]
    #: Session lifetime, in seconds.
    session_age: int


class HealthCheck(KeystoneModel):
    """The result of one server health check (database, cache, mail, ...)."""

    check: str
    healthy: bool
    error: str | None = None
    #: Seconds the check took.
    time_taken: float


class Health(KeystoneModel):
    """All server health checks (``health/json/``)."""

    checks: list[HealthCheck] = Field(alias="data")

    @property
    def healthy(self) -> bool:
        """Whether every check passed."""
        return all(check.healthy for check in self.checks)

    @property
    def failing(self) -> list[HealthCheck]:
        """The checks that did not pass."""
        return [check for check in self.checks if not check.healthy]
