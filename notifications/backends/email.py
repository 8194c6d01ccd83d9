"""E-mail through Django's e-mail backends (SMTP in production: EMAIL_URL).

The Message-ID is derived from the notification id, so a message re-sent after a crash
carries the same Message-ID and mail systems and readers can tell it is the same message.
SMTP replies are classified by their code: 5xx is permanent (the address is refused),
4xx and network trouble temporary.
"""

from __future__ import annotations

import smtplib
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMessage, get_connection

from . import PermanentFailure, TemporaryFailure


def message_id(notification) -> str:
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{notification.id}@{domain}>"


def _is_permanent(code: int | None) -> bool:
    return code is not None and 500 <= code < 600


class EmailBackend:
    def send(self, notification) -> str:
        msgid = message_id(notification)
        email = EmailMessage(
            subject=notification.subject,
            body=notification.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.recipient],
            headers={"Message-ID": msgid, "X-Notification-Id": str(notification.id)},
        )
        try:
            connection = get_connection(timeout=settings.NOTIFY_HTTP_TIMEOUT)
            sent = connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(_is_permanent(code) for code in codes):
                raise PermanentFailure(f"recipient refused: {exc.recipients}") from exc
            raise TemporaryFailure(f"recipient deferred: {exc.recipients}") from exc
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            if _is_permanent(exc.smtp_code):
                raise PermanentFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
            raise TemporaryFailure(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}") from exc
        except (BadHeaderError, ValueError) as exc:  # unusable address or header
            raise PermanentFailure(str(exc)) from exc
        except (smtplib.SMTPException, OSError) as exc:  # OSError: timeouts, refused, reset
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        if not sent:
            raise TemporaryFailure("the e-mail backend sent nothing")
        return msgid
