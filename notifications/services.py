"""Every state change of a notification goes through here.

The dossiers app calls `enqueue()` inside its own transaction (outbox): the row commits or
rolls back with the state change that caused it, and the delivery task is published only
after the commit. Delivery (`deliver()`) claims the row with a conditional UPDATE before it
calls the provider, so a task run twice, or two workers on one row, send once.
See docs/adr/0005-notifications-outbox.md.
"""

from __future__ import annotations

import logging
import random
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import access

from . import rendering
from .backends import PermanentFailure, TemporaryFailure, get_backend
from .models import (
    AttemptOutcome,
    Channel,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    sources,
    target,
)

logger = logging.getLogger(__name__)
S = NotificationStatus


# --- Recipients ----------------------------------------------------------------------------


class InvalidRecipient(ValueError):
    pass


_PHONE_PUNCTUATION = re.compile(r"[\s.\-()]")
_VN_MOBILE = re.compile(r"0[35789]\d{8}")
_INTERNATIONAL = re.compile(r"\d{8,15}")


def normalize_phone(phone: str) -> str:
    """A mobile number as 84xxxxxxxxx (what gateways and ZNS take); foreign numbers in
    international form without "+". Landlines and anything else are refused."""
    number = _PHONE_PUNCTUATION.sub("", phone or "")
    if number.startswith("+84"):
        number = "0" + number[3:]
    elif number.startswith("0084"):
        number = "0" + number[4:]
    elif number.startswith("84") and len(number) == 11:
        number = "0" + number[2:]
    elif number.startswith("+"):
        if _INTERNATIONAL.fullmatch(number[1:]):
            return number[1:]
        raise InvalidRecipient(_("Số điện thoại không hợp lệ: %(phone)s") % {"phone": phone})
    if _VN_MOBILE.fullmatch(number):
        return "84" + number[1:]
    raise InvalidRecipient(_("Số điện thoại di động không hợp lệ: %(phone)s") % {"phone": phone})


def normalize_recipient(channel: str, recipient: str) -> str:
    recipient = (recipient or "").strip()
    if channel == Channel.EMAIL:
        try:
            validate_email(recipient)
        except ValidationError:
            raise InvalidRecipient(
                _("Địa chỉ thư điện tử không hợp lệ: %(email)s") % {"email": recipient}
            ) from None
        local, _at, domain = recipient.rpartition("@")
        return f"{local}@{domain.lower()}"
    if channel in (Channel.SMS, Channel.ZALO):
        return normalize_phone(recipient)
    raise ValueError(f"unknown channel {channel!r}")


# --- Transitions ---------------------------------------------------------------------------


def _move(queryset: QuerySet[Notification], action: str, **changes: Any) -> int:
    """The one way a status changes: a conditional UPDATE from the statuses that the
    transition table allows for `action`. Returns the number of rows moved (0: someone
    else moved it first, or the action is not allowed from its status now)."""
    return queryset.filter(status__in=sources(action)).update(status=target(action), **changes)


def _one(notification_id) -> QuerySet[Notification]:
    return Notification.objects.filter(pk=notification_id)


def _schedule(ids: Iterable[uuid.UUID | str]) -> None:
    """Publish a delivery task for each id once the current transaction commits.

    robust: a broker that is down at that moment must not turn the caller's committed
    state change into an error page; the sweeper publishes the task later.
    """
    ids = [str(i) for i in ids]
    if not ids:
        return

    def publish() -> None:
        from .tasks import publish_deliveries

        publish_deliveries(ids)

    transaction.on_commit(publish, robust=True)


# --- Enqueue -------------------------------------------------------------------------------


def enqueue(
    *,
    recipient: str,
    channel: str,
    template_key: str,
    language: str,
    context: Mapping[str, Any],
    subject_ref: str = "",
    dedup_key: str | None = None,
) -> Notification | None:
    """Write a message to send, in the caller's transaction; deliver it after commit.

    Returns the new row, or None when there is nothing new to send: the recipient is
    empty (the citizen chose no such channel) or `dedup_key` was already used (the same
    event asked twice). An address that cannot be valid is recorded as a permanently
    failed message (so the dossier page flags it) rather than breaking the caller's state
    change. A template key without a template, or a context without every placeholder,
    raises: that is a bug in the caller.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    if not (recipient or "").strip():
        return None
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    rendered = rendering.render(template_key, channel, language, context)
    now = timezone.now()
    notification = Notification(
        channel=channel,
        recipient=recipient.strip()[:254],
        template_key=template_key,
        language=language,
        subject=rendered.subject,
        body=rendered.body,
        payload=rendered.payload,
        subject_ref=subject_ref,
        dedup_key=dedup_key or None,
        max_attempts=settings.NOTIFY_MAX_ATTEMPTS,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        notification.recipient = normalize_recipient(channel, recipient)
    except InvalidRecipient as exc:
        notification.status = S.FAILED
        notification.permanent_failure = True
        notification.failed_at = now
        notification.last_error = str(exc)
    try:
        # A savepoint, so that a duplicate leaves the caller's transaction usable. The
        # INSERT comes first (no read before it): on PostgreSQL a concurrent duplicate
        # waits for the other transaction and then fails here.
        with transaction.atomic():
            notification.save(force_insert=True)
    except IntegrityError:
        if dedup_key and Notification.objects.filter(dedup_key=dedup_key).exists():
            return None
        raise
    if notification.status == S.PENDING:
        _schedule([notification.pk])
    return notification


# --- Delivery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    notification_id: str
    result: str  # "sent", "retry", "failed", "skipped" (nothing to do), "lost" (lease lost)
    retry_at: datetime | None = None
    error: str = ""


def backoff(attempt: int, *, rng: random.Random | None = None) -> timedelta:
    """Wait before the attempt after `attempt` (1-based): exponential with "equal jitter"
    (half fixed, half random), so retries after a gateway outage spread out instead of
    all arriving in the same second, yet never come sooner than half the nominal delay.
    Nominal (base 30 s, cap 30 min): 30 s, 1, 2, 4, 8, 16, 30, 30, 30 min."""
    nominal = min(
        settings.NOTIFY_RETRY_MAX_SECONDS,
        settings.NOTIFY_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0),
    )
    return timedelta(seconds=nominal / 2 + (rng or random).uniform(0, nominal / 2))


def claim(notification_id, *, now: datetime) -> uuid.UUID | None:
    """Take the row for one attempt: pending and due -> sending, with a new claim token.
    None when it is not ours to send (already sent, being sent, not due, gone)."""
    token = uuid.uuid4()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The claim keeps other workers off the row; it needs to be visible at once,
            # not durable: if the database crashed before flushing it, the row would simply
            # be pending again (resent with the same idempotency key), exactly as after a
            # worker crash. The outcome written after the send is flushed as usual, and the
            # WAL being in order, flushes the claim with it. Saves one disk flush per message.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        moved = _move(
            _one(notification_id).filter(next_attempt_at__lte=now),
            "claim",
            claimed_at=now,
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    return token if moved else None


def deliver(
    notification_id, *, now: datetime | None = None, rng: random.Random | None = None
) -> Delivery:
    """One delivery attempt. Safe to call any number of times, from any number of workers:
    only the caller that claims the row calls the provider."""

    def clock() -> datetime:
        return now if now is not None else timezone.now()

    started = clock()
    token = claim(notification_id, now=started)
    if token is None:
        return Delivery(str(notification_id), "skipped")
    notification = Notification.objects.get(pk=notification_id)
    try:
        provider_id = get_backend(notification.channel).send(notification)
    except PermanentFailure as exc:
        return _fail(notification, token, started, clock(), str(exc), permanent=True)
    except (TemporaryFailure, SoftTimeLimitExceeded) as exc:
        return _temporary(notification, token, started, clock(), _describe(exc), rng)
    except Exception as exc:  # noqa: BLE001 - a backend bug must not strand the row in "sending"
        logger.exception("notification %s: unexpected error in the backend", notification.pk)
        return _temporary(notification, token, started, clock(), _describe(exc), rng)
    finished = clock()
    done = _finish(
        notification,
        token,
        "succeed",
        AttemptOutcome.SENT,
        started,
        finished,
        provider_message_id=(provider_id or "")[:255],
        sent_at=finished,
        last_error="",
    )
    return Delivery(str(notification.pk), "sent" if done else "lost")


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def _temporary(notification, token, started, finished, error, rng) -> Delivery:
    if notification.attempts >= notification.max_attempts:
        error = _("%(error)s (đã thử %(n)s lần)") % {"error": error, "n": notification.attempts}
        return _fail(notification, token, started, finished, error, permanent=False)
    retry_at = finished + backoff(notification.attempts, rng=rng)
    done = _finish(
        notification,
        token,
        "retry_later",
        AttemptOutcome.TEMPORARY,
        started,
        finished,
        error=error,
        next_attempt_at=retry_at,
        last_error=error[:2000],
    )
    if not done:
        return Delivery(str(notification.pk), "lost", error=error)
    return Delivery(str(notification.pk), "retry", retry_at=retry_at, error=error)


def _fail(notification, token, started, finished, error, *, permanent: bool) -> Delivery:
    done = _finish(
        notification,
        token,
        "fail",
        AttemptOutcome.PERMANENT if permanent else AttemptOutcome.TEMPORARY,
        started,
        finished,
        error=error,
        permanent_failure=permanent,
        failed_at=finished,
        last_error=error[:2000],
    )
    return Delivery(str(notification.pk), "failed" if done else "lost", error=error)


def _finish(
    notification: Notification,
    token: uuid.UUID,
    action: str,
    outcome: str,
    started: datetime,
    finished: datetime,
    *,
    error: str = "",
    **changes: Any,
) -> bool:
    """Record the end of our attempt, if the row is still ours (same claim token). It is
    not when our lease expired and the sweeper gave the row to another worker: that one
    records its own attempt."""
    with transaction.atomic():
        moved = _move(_one(notification.pk).filter(claim_token=token), action, **changes)
        if not moved:
            logger.warning("notification %s: lease lost before %s", notification.pk, action)
            return False
        DeliveryAttempt.objects.create(
            notification_id=notification.pk,
            number=notification.attempts,
            claim_token=token,
            started_at=started,
            finished_at=finished,
            outcome=outcome,
            error=error[:2000],
            provider_message_id=changes.get("provider_message_id", ""),
        )
    return True


# --- Sweeper -------------------------------------------------------------------------------


@dataclass
class Sweep:
    requeued: list[str] = field(default_factory=list)  # stale pending rows, task re-sent
    expired: list[str] = field(default_factory=list)  # leases taken back, task re-sent
    failed: list[str] = field(default_factory=list)  # leases expired with no attempt left


def sweep(*, now: datetime | None = None, limit: int = 500) -> Sweep:
    """Find messages whose task was lost and send their task again.

    - "sending" for longer than the lease: the worker died (or the broker lost the task
      after the claim). The row goes back to pending and is delivered again with the same
      idempotency key; if the provider had already accepted it, the provider drops the
      repeat (at-least-once to the provider, exactly-once where it honours the key).
    - "pending" and due for longer than NOTIFY_STALE_SECONDS: its task never ran (worker
      killed before it started, broker restarted, publish failed after commit).
    """
    now = now or timezone.now()
    result = Sweep()
    lease_deadline = now - timedelta(seconds=settings.NOTIFY_LEASE_SECONDS)
    expired = Notification.objects.filter(
        status=S.SENDING, claimed_at__lt=lease_deadline
    ).values_list("pk", "claim_token", "attempts", "max_attempts", "claimed_at")
    for pk, token, attempts, max_attempts, claimed_at in expired[:limit]:
        exhausted = attempts >= max_attempts
        error = _("Tiến trình gửi dừng giữa chừng (quá hạn giữ lượt gửi).")
        changes: dict[str, Any] = {"last_error": error}
        if exhausted:
            changes["failed_at"] = now
        else:
            changes["next_attempt_at"] = now
        with transaction.atomic():
            row = _one(pk).filter(claim_token=token)
            if not _move(row, "expire_exhausted" if exhausted else "expire", **changes):
                continue  # it finished (or was taken back) meanwhile
            DeliveryAttempt.objects.create(
                notification_id=pk,
                number=attempts,
                claim_token=token,
                started_at=claimed_at,
                finished_at=now,
                outcome=AttemptOutcome.EXPIRED,
                error=error,
            )
        (result.failed if exhausted else result.expired).append(str(pk))

    stale_deadline = now - timedelta(seconds=settings.NOTIFY_STALE_SECONDS)
    stale = Notification.objects.filter(status=S.PENDING, next_attempt_at__lt=stale_deadline)
    stale_ids = list(stale.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    if stale_ids:
        # Due "now": the row is not picked again by the next sweep while its new task
        # waits in a long queue.
        stale.filter(pk__in=stale_ids).update(next_attempt_at=now)
        result.requeued = [str(pk) for pk in stale_ids]
    _schedule(result.expired + result.requeued)
    return result


# --- Staff actions and provider reports ----------------------------------------------------


def retry_now(notification: Notification, *, user) -> bool:
    """A failed message gets a new round of attempts (e.g. after the number was fixed at
    the gateway, or the outage is over). Province admins only."""
    if not access.is_province_admin(user):
        raise PermissionDenied(_("Chỉ quản trị cấp tỉnh được gửi lại thông báo."))
    moved = _move(
        _one(notification.pk),
        "retry_now",
        max_attempts=F("attempts") + settings.NOTIFY_MAX_ATTEMPTS,
        next_attempt_at=timezone.now(),
        permanent_failure=False,
        failed_at=None,
    )
    if moved:
        _schedule([notification.pk])
    return bool(moved)


def cancel_pending(*, subject_ref: str, template_keys: Iterable[str] | None = None) -> int:
    """Cancel messages not yet being sent (e.g. a reminder for a dossier just returned).
    A message already claimed by a worker goes out."""
    queryset = Notification.objects.filter(subject_ref=subject_ref)
    if template_keys is not None:
        queryset = queryset.filter(template_key__in=list(template_keys))
    return _move(queryset, "cancel")


def mark_bounced(notification_id, *, reason: str) -> bool:
    """The provider reported after acceptance that the message could not be delivered
    (an e-mail bounce, an SMS delivery report): flag the address as failed permanently."""
    return bool(
        _move(
            _one(notification_id),
            "bounce",
            permanent_failure=True,
            failed_at=timezone.now(),
            last_error=reason[:2000],
        )
    )
