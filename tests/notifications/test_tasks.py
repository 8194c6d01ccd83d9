"""The Celery tasks (eager): thin, safe to run twice, and never lose a row."""

import datetime

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from kombu.exceptions import OperationalError

from notifications import services, tasks
from notifications.backends import TemporaryFailure, memory
from notifications.models import Notification, NotificationStatus
from portal.celery import app

S = NotificationStatus


@pytest.fixture
def published(monkeypatch):
    calls = []
    monkeypatch.setattr(
        tasks.deliver, "apply_async", lambda args, **options: calls.append((args, options))
    )
    return calls


def _enqueue(context):
    return services.enqueue(
        recipient="0912345678",
        channel="sms",
        template_key="dossier_received",
        language="en",
        context=context,
        subject_ref="dossier:000.00.23.H56-261123-0007",
    )


def test_tasks_are_registered_and_the_sweeper_is_on_the_beat_schedule():
    assert {"notifications.tasks.deliver", "notifications.tasks.sweep"} <= set(app.tasks)
    entry = django_settings.CELERY_BEAT_SCHEDULE["notifications-sweep"]
    assert entry["task"] == "notifications.tasks.sweep"
    assert 0 < entry["schedule"] <= 300


def test_deliver_is_late_acked_and_requeued_if_the_worker_dies():
    task = app.tasks["notifications.tasks.deliver"]
    assert task.acks_late is True and task.reject_on_worker_lost is True
    assert task.soft_time_limit < task.time_limit < django_settings.NOTIFY_LEASE_SECONDS


def test_enqueue_publishes_one_task_after_commit(transactional_db, published, received_context):
    with transaction.atomic():
        notification = _enqueue(received_context)
        assert published == []
    assert published == [((str(notification.pk),), published[0][1])]
    assert published[0][1]["retry"] is True


def test_a_temporary_failure_publishes_the_retry_for_its_time(
    db, settings, published, received_context, monkeypatch
):
    notification = _enqueue(received_context)

    def unavailable(self, notification):
        raise TemporaryFailure("HTTP 503")

    monkeypatch.setattr(memory.MemoryBackend, "send", unavailable)
    assert tasks.deliver(str(notification.pk)) == "retry"
    row = Notification.objects.get()
    [(args, options)] = published
    assert args == (str(notification.pk),)
    assert options["eta"] == row.next_attempt_at
    assert row.next_attempt_at > row.created_at + datetime.timedelta(seconds=14)


def test_the_task_run_twice_sends_once(db, published, received_context):
    notification = _enqueue(received_context)
    assert tasks.deliver(str(notification.pk)) == "sent"
    assert tasks.deliver(str(notification.pk)) == "skipped"
    assert len(memory.outbox) == 1


def test_a_missing_row_is_nothing_to_do(db):
    assert tasks.deliver("0193a6b2-0000-7000-8000-000000000000") == "skipped"


def test_broker_down_at_commit_keeps_the_state_change_and_the_row(
    transactional_db, monkeypatch, received_context, caplog
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver, "apply_async", broker_down)
    with transaction.atomic():
        notification = _enqueue(received_context)
    assert Notification.objects.get().status == S.PENDING
    assert "could not publish" in caplog.text
    # Later, the sweeper publishes it again and it goes out.
    monkeypatch.undo()
    Notification.objects.update(
        next_attempt_at=notification.created_at - datetime.timedelta(hours=1)
    )
    assert tasks.sweep() == {"requeued": 1, "expired": 0, "failed": 0}
    assert Notification.objects.get().status == S.SENT
    assert len(memory.outbox) == 1
