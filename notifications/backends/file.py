"""Development and demos: append each message as one JSON line to NOTIFY_FILE_PATH.

Several worker processes may write at once: each line is written under an exclusive lock
in one write() call, so lines never interleave.
"""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import TemporaryFailure


class FileBackend:
    def send(self, notification) -> str:
        path = Path(settings.NOTIFY_FILE_PATH)
        record = {
            "id": str(notification.id),
            "channel": notification.channel,
            "recipient": notification.recipient,
            "template_key": notification.template_key,
            "language": notification.language,
            "subject": notification.subject,
            "body": notification.body,
            "payload": notification.payload,
            "subject_ref": notification.subject_ref,
            "attempt": notification.attempts,
            "written_at": timezone.now().isoformat(),
        }
        line = (json.dumps(record, ensure_ascii=False) + "\n").encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("ab") as stream:
                fcntl.flock(stream, fcntl.LOCK_EX)
                try:
                    stream.write(line)
                    stream.flush()
                finally:
                    fcntl.flock(stream, fcntl.LOCK_UN)
        except OSError as exc:
            raise TemporaryFailure(f"cannot write {path}: {exc}") from exc
        return f"file-{notification.id}"
