"""Records of the server's ``notifications`` app: notifications and preferences."""

from __future__ import annotations

from pydantic import AwareDatetime, Field

from ._base import OpenEnum, Record
from ._lazy import Lazy
from .enums import NotificationType
from .summaries import UserSummary

__all__ = ["Notification", "Preference"]


class Notification(Record):
    """A message sent to a user (``notifications/notifications/``); only ``read`` is writable."""

    _repr_fields = ("id", "subject")

    time: AwareDatetime
    read: bool
    subject: str
    message_html: str
    notification_type: OpenEnum[NotificationType]
    user_id: int = Field(alias="user")
    user: Lazy[UserSummary] = Field(alias="_user")


class Preference(Record):
    """A user's notification settings (``notifications/preferences/``)."""

    _repr_fields = ("id", "user_id")

    user: Lazy[UserSummary] = Field(alias="_user")
    #: Days before a request expires at which the user is warned, e.g. ``[30, 14]``.
    request_expiry_thresholds: list[int]
    notify_on_expiration: bool
    user_id: int = Field(alias="user")
