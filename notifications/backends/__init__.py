"""Delivery backends: one per kind of provider, all with the same small interface.

    backend.send(notification) -> provider message id (may be "")

raising TemporaryFailure (try again later: the provider is down, slow, rate-limiting) or
PermanentFailure (this message can never be delivered: invalid address, refused number).
The notification's id is the idempotency key every backend passes to its provider, so a
message sent twice after a crash is recognised as the same message where the provider
supports it (docs/adr/0005-notifications-outbox.md).

Which backend serves which channel is a setting (NOTIFY_EMAIL_BACKEND, NOTIFY_SMS_BACKEND,
NOTIFY_ZALO_BACKEND): a short name from ALIASES or a dotted path to a class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from ..models import Notification


class DeliveryError(Exception):
    """The provider did not take the message."""


class TemporaryFailure(DeliveryError):
    """Worth trying again later."""


class PermanentFailure(DeliveryError):
    """Will never succeed: do not try again."""


class Backend(Protocol):
    def send(self, notification: Notification) -> str: ...


ALIASES = {
    "console": "notifications.backends.console.ConsoleBackend",
    "file": "notifications.backends.file.FileBackend",
    "memory": "notifications.backends.memory.MemoryBackend",
    "email": "notifications.backends.email.EmailBackend",
    "sms_http": "notifications.backends.sms_http.SmsHttpBackend",
    "zalo_zns": "notifications.backends.zalo_zns.ZaloZnsBackend",
}

_SETTING = {
    "email": "NOTIFY_EMAIL_BACKEND",
    "sms": "NOTIFY_SMS_BACKEND",
    "zalo": "NOTIFY_ZALO_BACKEND",
}


def get_backend(channel: str) -> Backend:
    name = getattr(settings, _SETTING[channel])
    return import_string(ALIASES.get(name, name))()
