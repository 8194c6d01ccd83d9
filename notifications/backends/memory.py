"""Tests: keep each sent message in `outbox` (like Django's locmem e-mail backend).

from notifications.backends import memory
memory.outbox.clear(); ...; assert memory.outbox[0].body.startswith("Ho so")
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

outbox: list[SentMessage] = []
_lock = threading.Lock()


@dataclass(frozen=True)
class SentMessage:
    id: str
    channel: str
    recipient: str
    template_key: str
    language: str
    subject: str
    body: str
    payload: dict
    subject_ref: str


class MemoryBackend:
    def send(self, notification) -> str:
        message = SentMessage(
            id=str(notification.id),
            channel=notification.channel,
            recipient=notification.recipient,
            template_key=notification.template_key,
            language=notification.language,
            subject=notification.subject,
            body=notification.body,
            payload=notification.payload,
            subject_ref=notification.subject_ref,
        )
        with _lock:
            outbox.append(message)
        return f"memory-{notification.id}"
