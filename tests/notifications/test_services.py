"""The outbox: enqueue in the caller's transaction, deliver once, retry, fail, sweep."""

import datetime
import random
import threading
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from notifications import selectors, services
from notifications.backends import PermanentFailure, TemporaryFailure, memory
from notifications.models import (
    TRANSITIONS,
    AttemptOutcome,
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    sources,
)

S = NotificationStatus
REF = "dossier:000.00.23.H56-261123-0007"
T0 = datetime.datetime(2030, 1, 7, 2, 0, tzinfo=datetime.UTC)  # after any row's creation


def enqueue(context, **overrides):
    arguments = {
        "recipient": "0912 345 678",
        "channel": "sms",
        "template_key": "dossier_received",
        "language": "vi",
        "context": context,
        "subject_ref": REF,
        "dedup_key": None,
    } | overrides
    return services.enqueue(**arguments)


class ScriptedBackend:
    """Answers with the next item of `script` (an exception to raise, or a provider id)."""

    script: list = []
    calls: list = []

    def send(self, notification):
        ScriptedBackend.calls.append(notification.pk)
        outcome = ScriptedBackend.script.pop(0) if ScriptedBackend.script else "ok-id"
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@pytest.fixture
def scripted(settings):
    settings.NOTIFY_SMS_BACKEND = "tests.notifications.test_services.ScriptedBackend"
    ScriptedBackend.script = []
    ScriptedBackend.calls = []
    return ScriptedBackend


class FixedRandom(random.Random):
    """uniform() returns the upper bound: the nominal delay."""

    def uniform(self, a, b):
        return b


# --- Enqueue -------------------------------------------------------------------------------


def test_enqueue_writes_the_row_and_delivers_after_commit(
    db, received_context, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = enqueue(received_context)
        assert Notification.objects.get().status == S.PENDING  # written, not sent yet
        assert memory.outbox == []
    assert len(callbacks) == 1
    notification.refresh_from_db()
    assert notification.status == S.SENT
    assert notification.recipient == "84912345678"
    assert notification.attempts == 1
    assert notification.sent_at is not None
    assert notification.provider_message_id == f"memory-{notification.pk}"
    assert notification.body.startswith("Ho so 000.00.23.H56-261123-0007 da tiep nhan")
    [message] = memory.outbox
    assert message.id == str(notification.pk) and message.recipient == "84912345678"
    [attempt] = notification.delivery_attempts.all()
    assert attempt.outcome == AttemptOutcome.SENT and attempt.number == 1


def test_rollback_leaves_no_row_and_sends_nothing(transactional_db, received_context):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(received_context, dedup_key="dossier:X:event:1:sms")
        raise RuntimeError("the dossier's state change failed")
    assert not Notification.objects.exists()
    assert memory.outbox == []
    # The same event, committed this time, is sent once.
    with transaction.atomic():
        enqueue(received_context, dedup_key="dossier:X:event:1:sms")
    assert Notification.objects.get().status == S.SENT
    assert len(memory.outbox) == 1


def test_same_dedup_key_gives_one_message(transactional_db, received_context):
    key = "dossier:000.00.23.H56-261123-0007:event:41:sms"
    with transaction.atomic():
        first = enqueue(received_context, dedup_key=key)
    with transaction.atomic():
        second = enqueue(received_context, dedup_key=key)
        # the caller's transaction is still usable after the duplicate
        third = enqueue(
            received_context,
            dedup_key=key.replace(":sms", ":email"),
            channel="email",
            recipient="binh@example.vn",
        )
    assert first is not None and second is None and third is not None
    assert Notification.objects.count() == 2
    assert sorted(m.channel for m in memory.outbox) == ["email", "sms"]


def test_same_dedup_key_twice_in_one_transaction(db, received_context):
    key = "dossier:X:event:2:sms"
    with transaction.atomic():
        assert enqueue(received_context, dedup_key=key) is not None
        assert enqueue(received_context, dedup_key=key) is None
        assert Notification.objects.filter(dedup_key=key).count() == 1


def test_no_recipient_means_nothing_to_send(db, received_context):
    assert enqueue(received_context, recipient="  ") is None
    assert not Notification.objects.exists()


def test_unknown_language_falls_back_to_vietnamese(db, received_context):
    notification = enqueue(
        received_context, language="fr", channel="email", recipient="binh@example.vn"
    )
    assert notification.language == "vi"
    assert notification.subject.startswith("Đã tiếp nhận hồ sơ")


def test_invalid_address_is_a_permanent_failure_flagged_on_the_subject(
    db, received_context, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = enqueue(received_context, recipient="0263 3874 123")  # a landline
    assert callbacks == []  # nothing to deliver
    notification.refresh_from_db()
    assert notification.status == S.FAILED and notification.permanent_failure
    assert "0263 3874 123" in notification.last_error
    [flag] = selectors.recipient_flags(REF)
    assert flag.channel == "sms" and flag.recipient == "0263 3874 123"
    assert memory.outbox == []


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("0912345678", "84912345678"),
        ("0912 345 678", "84912345678"),
        ("+84 912.345.678", "84912345678"),
        ("84912345678", "84912345678"),
        ("0084912345678", "84912345678"),
        ("(+84) 38-123-4567", "84381234567"),
        ("+33 6 12 34 56 78", "33612345678"),
    ],
)
def test_phone_numbers_are_normalized(raw, normalized):
    assert services.normalize_phone(raw) == normalized


@pytest.mark.parametrize("raw", ["0263 3874 123", "091234567", "01234567890", "abc", "+12"])
def test_phone_numbers_that_cannot_receive_sms_are_refused(raw):
    with pytest.raises(services.InvalidRecipient):
        services.normalize_phone(raw)


def test_email_domain_is_lowercased_and_bad_addresses_refused():
    assert services.normalize_recipient("email", " Binh@Example.VN ") == "Binh@example.vn"
    with pytest.raises(services.InvalidRecipient):
        services.normalize_recipient("email", "binh@")


# --- Idempotent delivery -------------------------------------------------------------------


def test_deliver_twice_sends_once(db, received_context, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = enqueue(received_context)
    again = services.deliver(notification.pk)
    assert again.result == "skipped"
    assert len(memory.outbox) == 1
    assert Notification.objects.get().attempts == 1


def test_claim_is_conditional(db, received_context):
    notification = enqueue(received_context)
    now = timezone.now()
    token = services.claim(notification.pk, now=now)
    assert token is not None
    assert services.claim(notification.pk, now=now) is None  # already sending
    row = Notification.objects.get()
    assert row.status == S.SENDING and row.claim_token == token and row.attempts == 1


def test_not_due_yet_is_not_claimed(db, received_context):
    notification = enqueue(received_context)
    Notification.objects.update(next_attempt_at=timezone.now() + datetime.timedelta(minutes=5))
    assert services.deliver(notification.pk).result == "skipped"
    assert memory.outbox == []


class SlowBackend:
    """Holds the first caller inside send() until the other worker has tried its claim."""

    entered = threading.Event()
    release = threading.Event()
    sent: list = []

    def send(self, notification):
        SlowBackend.entered.set()
        SlowBackend.release.wait(timeout=10)
        SlowBackend.sent.append(notification.pk)
        return "slow-id"


def test_two_workers_on_one_row_send_once(
    transactional_db, settings, monkeypatch, received_context
):
    """Two threads, each with its own database connection, deliver the same row at once."""
    settings.NOTIFY_SMS_BACKEND = "tests.notifications.test_services.SlowBackend"
    SlowBackend.entered.clear()
    SlowBackend.release.clear()
    SlowBackend.sent = []
    with monkeypatch.context() as patch:
        patch.setattr(services, "_schedule", lambda ids: None)  # the two "workers" below
        notification = enqueue(received_context)
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait(timeout=10)
            results.append(services.deliver(notification.pk).result)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    # Whoever claimed first is now inside send(); the other one finds the row taken.
    assert SlowBackend.entered.wait(timeout=10)
    deadline = timezone.now() + datetime.timedelta(seconds=10)
    while len(results) < 1 and timezone.now() < deadline:
        threading.Event().wait(0.01)
    SlowBackend.release.set()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(results) == ["sent", "skipped"]
    assert SlowBackend.sent == [notification.pk]
    row = Notification.objects.get()
    assert row.status == S.SENT and row.attempts == 1
    assert DeliveryAttempt.objects.count() == 1


# --- Retries and failures ------------------------------------------------------------------


def test_backoff_is_exponential_capped_and_jittered(settings):
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    settings.NOTIFY_RETRY_MAX_SECONDS = 1800
    nominal = [services.backoff(n, rng=FixedRandom()).total_seconds() for n in range(1, 10)]
    assert nominal == [30, 60, 120, 240, 480, 960, 1800, 1800, 1800]

    class Low(random.Random):
        def uniform(self, a, b):
            return a

    assert services.backoff(3, rng=Low()).total_seconds() == 60  # never under half
    spread = {services.backoff(5, rng=random.Random(seed)).total_seconds() for seed in range(20)}
    assert len(spread) > 10 and all(240 <= s <= 480 for s in spread)


def test_temporary_failures_are_retried_on_the_backoff_schedule(
    db, settings, scripted, received_context
):
    settings.NOTIFY_RETRY_BASE_SECONDS = 30
    scripted.script = [TemporaryFailure("HTTP 503"), TemporaryFailure("timeout"), "gw-77"]
    notification = enqueue(received_context)
    now = T0
    expected_waits = [30, 60]
    for wait in expected_waits:
        delivery = services.deliver(notification.pk, now=now, rng=FixedRandom())
        assert delivery.result == "retry"
        assert delivery.retry_at == now + datetime.timedelta(seconds=wait)
        row = Notification.objects.get()
        assert row.status == S.PENDING and row.next_attempt_at == delivery.retry_at
        # Not due yet: a second task (or the sweeper) finds nothing to do.
        early = services.deliver(notification.pk, now=delivery.retry_at - datetime.timedelta(1))
        assert early.result == "skipped"
        now = delivery.retry_at
    assert services.deliver(notification.pk, now=now).result == "sent"
    row = Notification.objects.get()
    assert row.status == S.SENT and row.attempts == 3 and row.provider_message_id == "gw-77"
    outcomes = list(row.delivery_attempts.values_list("number", "outcome", "error"))
    assert outcomes == [
        (1, "temporary", "HTTP 503"),
        (2, "temporary", "timeout"),
        (3, "sent", ""),
    ]


def test_attempts_exhausted_means_failed(db, settings, scripted, received_context):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    scripted.script = [TemporaryFailure("HTTP 500")] * 3
    notification = enqueue(received_context)
    now = T0
    for _ in range(3):
        delivery = services.deliver(notification.pk, now=now, rng=FixedRandom())
        now = delivery.retry_at or now
    assert delivery.result == "failed"
    row = Notification.objects.get()
    assert row.status == S.FAILED and not row.permanent_failure
    assert row.attempts == 3 and row.failed_at is not None
    assert "HTTP 500" in row.last_error and "3" in row.last_error
    assert services.deliver(notification.pk, now=now + datetime.timedelta(days=1)).result == (
        "skipped"
    )
    assert len(scripted.calls) == 3
    assert selectors.failed_count() == 1
    assert selectors.recipient_flags(REF) == []  # not the address's fault


def test_permanent_failure_is_not_retried(db, scripted, received_context):
    scripted.script = [PermanentFailure("HTTP 400: invalid phone")]
    notification = enqueue(received_context)
    assert services.deliver(notification.pk, now=T0).result == "failed"
    assert services.deliver(notification.pk, now=T0 + datetime.timedelta(days=1)).result == (
        "skipped"
    )
    row = Notification.objects.get()
    assert row.status == S.FAILED and row.permanent_failure and row.attempts == 1
    assert len(scripted.calls) == 1
    [flag] = selectors.recipient_flags(REF)
    assert flag.recipient == "84912345678" and "invalid phone" in flag.error


def test_a_bug_in_a_backend_is_a_temporary_failure(db, scripted, received_context):
    scripted.script = [KeyError("oops")]
    notification = enqueue(received_context)
    delivery = services.deliver(notification.pk, now=T0)
    assert delivery.result == "retry"
    assert Notification.objects.get().status == S.PENDING


# --- Sweeper -------------------------------------------------------------------------------


def test_sweeper_resends_stale_pending_and_expired_sending(
    db, settings, received_context, django_capture_on_commit_callbacks
):
    settings.NOTIFY_STALE_SECONDS = 120
    settings.NOTIFY_LEASE_SECONDS = 120
    lost_task = enqueue(received_context, dedup_key="a")  # its task never ran
    killed = enqueue(received_context, dedup_key="b")  # the worker died while sending
    fresh = enqueue(received_context, dedup_key="c")  # its task is on its way
    busy = enqueue(received_context, dedup_key="d")  # a live worker is sending it
    now = timezone.now()
    Notification.objects.filter(pk__in=[lost_task.pk, killed.pk, busy.pk]).update(
        next_attempt_at=now - datetime.timedelta(minutes=15)
    )
    services.claim(killed.pk, now=now - datetime.timedelta(minutes=10))
    services.claim(busy.pk, now=now - datetime.timedelta(seconds=30))

    with django_capture_on_commit_callbacks(execute=True):
        result = services.sweep(now=now)

    assert set(result.requeued) == {str(lost_task.pk)}
    assert set(result.expired) == {str(killed.pk)}
    status = dict(Notification.objects.values_list("pk", "status"))
    assert status[lost_task.pk] == S.SENT
    assert status[killed.pk] == S.SENT
    assert status[fresh.pk] == S.PENDING
    assert status[busy.pk] == S.SENDING
    killed_attempts = list(
        DeliveryAttempt.objects.filter(notification=killed).values_list("number", "outcome")
    )
    assert killed_attempts == [(1, "expired"), (2, "sent")]
    assert sorted(m.id for m in memory.outbox) == sorted([str(lost_task.pk), str(killed.pk)])


def test_sweeper_fails_an_expired_lease_without_attempts_left(db, settings, received_context):
    settings.NOTIFY_MAX_ATTEMPTS = 1
    notification = enqueue(received_context)
    services.claim(notification.pk, now=T0)
    result = services.sweep(now=T0 + datetime.timedelta(hours=1))
    assert result.failed == [str(notification.pk)] and result.expired == []
    row = Notification.objects.get()
    assert row.status == S.FAILED and not row.permanent_failure


def test_worker_that_lost_its_lease_does_not_overwrite_the_new_attempt(
    db, scripted, received_context
):
    """Worker A claims and stalls; its lease expires; worker B sends; A finally returns."""
    notification = enqueue(received_context)
    token_a = services.claim(notification.pk, now=T0)
    services.sweep(now=T0 + datetime.timedelta(hours=1))
    assert services.deliver(notification.pk, now=T0 + datetime.timedelta(hours=1)).result == "sent"
    row = Notification.objects.get()
    assert (
        services._finish(row, token_a, "fail", AttemptOutcome.PERMANENT, T0, T0, error="late")
        is False
    )
    row.refresh_from_db()
    assert row.status == S.SENT and row.last_error == ""


def test_sweeper_does_not_pick_the_same_stale_row_twice_while_its_task_waits(
    db, settings, received_context
):
    settings.NOTIFY_STALE_SECONDS = 60
    notification = enqueue(received_context)
    Notification.objects.update(next_attempt_at=T0)
    assert services.sweep(now=T0 + datetime.timedelta(minutes=5)).requeued == [str(notification.pk)]
    assert services.sweep(now=T0 + datetime.timedelta(minutes=5, seconds=30)).requeued == []


# --- Staff actions, provider reports, queries ----------------------------------------------


def test_retry_now_gives_a_failed_message_a_new_round(
    db,
    scripted,
    received_context,
    province_admin,
    desk_officer,
    django_capture_on_commit_callbacks,
):
    scripted.script = [PermanentFailure("HTTP 400")]
    notification = enqueue(received_context)
    services.deliver(notification.pk)
    with pytest.raises(PermissionDenied):
        services.retry_now(notification, user=desk_officer)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retry_now(notification, user=province_admin) is True
    row = Notification.objects.get()
    assert row.status == S.SENT and row.attempts == 2 and not row.permanent_failure
    assert row.max_attempts == 2 + 9  # attempts so far plus a full round (10 by default)
    assert services.retry_now(row, user=province_admin) is False  # not failed any more


def test_cancel_pending_leaves_messages_being_sent(db, received_context):
    pending = enqueue(received_context, dedup_key="p")
    sending = enqueue(received_context, dedup_key="s")
    other = enqueue(received_context, dedup_key="o", subject_ref="dossier:other")
    services.claim(sending.pk, now=timezone.now())
    assert services.cancel_pending(subject_ref=REF) == 1
    status = dict(Notification.objects.values_list("pk", "status"))
    assert status == {pending.pk: S.CANCELLED, sending.pk: S.SENDING, other.pk: S.PENDING}
    assert services.cancel_pending(subject_ref="dossier:other", template_keys=["refused"]) == 0


def test_bounce_flags_the_address(db, received_context, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = enqueue(received_context, channel="email", recipient="binh@example.vn")
    assert services.mark_bounced(notification.pk, reason="550 mailbox unavailable")
    [flag] = selectors.recipient_flags(REF)
    assert flag.channel == "email" and flag.error == "550 mailbox unavailable"
    assert not services.mark_bounced(uuid.uuid4(), reason="unknown id")


def test_failed_count_by_subjects_and_prefix(db, scripted, received_context):
    refs = [
        "dossier:000.00.23.H56-261123-0001",
        "dossier:000.00.23.H56-261123-0002",
        "dossier:000.00.24.H56-261123-0001",
    ]
    for ref in refs:
        scripted.script = [PermanentFailure("refused")]
        services.deliver(enqueue(received_context, subject_ref=ref).pk)
    enqueue(received_context, subject_ref=refs[0])  # pending: not counted
    assert selectors.failed_count() == 3
    assert selectors.failed_count(subject_ref_prefix="dossier:000.00.23.H56-") == 2
    assert selectors.failed_count(subject_refs=refs[1:]) == 2
    assert selectors.failed_count(subject_refs=[]) == 0
    assert [n.subject_ref for n in selectors.for_subject(refs[0])] == [refs[0], refs[0]]


# --- The transition table ------------------------------------------------------------------

ACTIONS = sorted({action for (_status, action) in TRANSITIONS})


@pytest.mark.parametrize(("status", "action"), [(s, a) for s in S.values for a in ACTIONS])
def test_transition_table_row_by_row(db, received_context, status, action):
    notification = enqueue(received_context)
    Notification.objects.update(status=status)
    moved = services._move(Notification.objects.filter(pk=notification.pk), action)
    after = Notification.objects.get().status
    if (status, action) in TRANSITIONS:
        assert moved == 1 and after == TRANSITIONS[(status, action)]
    else:
        assert moved == 0 and after == status
        assert status not in sources(action)
