"""Development: print each message on the worker's console (stdout)."""

from __future__ import annotations

import sys
import threading

_lock = threading.Lock()


class ConsoleBackend:
    def send(self, notification) -> str:
        lines = [
            "-" * 72,
            f"{notification.channel.upper()} to {notification.recipient} "
            f"[{notification.template_key}, {notification.language}] id={notification.id}",
        ]
        if notification.subject:
            lines.append(f"Subject: {notification.subject}")
        lines += ["", notification.body, "-" * 72]
        with _lock:
            sys.stdout.write("\n".join(lines) + "\n")
            sys.stdout.flush()
        return f"console-{notification.id}"
