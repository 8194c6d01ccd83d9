"""The real thing: Redis broker, real worker processes, a gateway on 127.0.0.1, a SIGKILL.

1,000 status changes each enqueue one SMS in their own transaction. The worker is killed
with SIGKILL while the gateway is answering the 300th message (so that message was
accepted by the provider but never marked sent), and the tasks it had reserved are lost
with it. A new worker, with the sweeper on beat, must finish the job: every message
delivered exactly once as the provider counts it (one idempotency key each), no row
failed. Repeated requests for a key (the at-least-once side of a crash) are counted and
reported separately; they can only come from leases the sweeper took back.

Runs when REDIS_URL is set (CI sets it). The broker is another database number on the
same Redis (NOTIFY_TEST_BROKER_URL, default: REDIS_URL with database 9), flushed first.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from django.db import connection, transaction

from notifications import services
from notifications.models import AttemptOutcome, DeliveryAttempt, Notification
from notifications.testing import (
    FakeGateway,
    celery_broker,
    database_url,
    kill_worker,
    redis_db_url,
    start_worker,
    stop_worker,
    wait_until,
    worker_env,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs REDIS_URL (real Redis)"),
]

COUNT = 1000
KILL_AT = 300


@pytest.fixture
def broker_url():
    import redis

    url = os.environ.get("NOTIFY_TEST_BROKER_URL") or redis_db_url(os.environ["REDIS_URL"], 9)
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()
    client.close()


@pytest.fixture
def shared_database(transactional_db):
    """The test database, committed for real, reachable by other processes."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # readers never block the writers
            cursor.execute("PRAGMA journal_mode=WAL")
    return database_url(connection.settings_dict)


def test_worker_killed_mid_run_still_delivers_each_message_exactly_once(
    shared_database, broker_url, received_context, tmp_path, record_property
):
    workers = []
    killed = threading.Event()
    first = None

    def kill_on_300th(count: int) -> None:
        # Called by the gateway while it holds the 300th new message, before answering:
        # the provider has it, the worker will never hear so.
        if count == KILL_AT and first is not None:
            kill_worker(first)
            killed.set()

    gateway = FakeGateway(on_delivery=kill_on_300th, delay=0.002).start()
    env = worker_env(
        DATABASE_URL=shared_database,
        CELERY_BROKER_URL=broker_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        NOTIFY_SMS_BACKEND="sms_http",
        NOTIFY_SMS_URL=gateway.url,
        NOTIFY_HTTP_TIMEOUT="5",
        NOTIFY_LEASE_SECONDS="8",
        NOTIFY_STALE_SECONDS="3",
        NOTIFY_SWEEP_INTERVAL="1",
        NOTIFY_RETRY_BASE_SECONDS="1",
    )
    try:
        first = start_worker(env, concurrency=4, name="first", log_path=tmp_path / "first.log")
        workers.append(first)
        started = time.monotonic()
        with celery_broker(broker_url):
            for n in range(COUNT):
                with transaction.atomic():  # one status change
                    services.enqueue(
                        recipient=f"09{n:08d}",
                        channel="sms",
                        template_key="dossier_received",
                        language="vi",
                        context=received_context,
                        subject_ref=f"dossier:000.00.23.H56-261123-{n:04d}",
                        dedup_key=f"dossier:000.00.23.H56-261123-{n:04d}:event:1:sms",
                    )
        enqueued_in = time.monotonic() - started
        assert killed.wait(timeout=60), _log(tmp_path / "first.log")
        in_flight = Notification.objects.filter(status="sending").count()
        sent_at_kill = Notification.objects.filter(status="sent").count()

        second = start_worker(
            env, concurrency=4, beat=True, name="second", log_path=tmp_path / "second.log"
        )
        workers.append(second)
        done = wait_until(
            lambda: Notification.objects.filter(status="sent").count() == COUNT,
            timeout=120,
            interval=0.5,
        )
        elapsed = time.monotonic() - started
        stop_worker(second)
        assert done, f"{_status_counts()}\n{_log(tmp_path / 'second.log')}"
    finally:
        for worker in workers:
            stop_worker(worker, timeout=10)
        gateway.stop()

    ids = {str(pk) for pk in Notification.objects.values_list("pk", flat=True)}
    expired = DeliveryAttempt.objects.filter(outcome=AttemptOutcome.EXPIRED).count()
    report = (
        f"{COUNT} messages in {elapsed:.1f}s (enqueued in {enqueued_in:.1f}s); killed at "
        f"{KILL_AT} delivered ({sent_at_kill} marked sent, {in_flight} in flight); "
        f"gateway: {len(gateway.delivered)} delivered, {gateway.duplicates} duplicate "
        f"request(s) deduplicated by idempotency key; {expired} lease(s) taken back"
    )
    record_property("notify_kill_test", report)
    print(report)

    assert len(ids) == COUNT
    assert set(gateway.delivered) == ids  # every message reached the provider ...
    assert all(gateway.attempts[key] >= 1 for key in ids)
    assert not Notification.objects.exclude(status="sent").exists()  # ... none failed
    # The 300th was accepted but never marked sent: taken back by the sweeper and sent
    # again with the same key, which the provider recognised. Duplicate requests can only
    # come from leases the sweeper took back.
    assert in_flight >= 1
    assert 1 <= gateway.duplicates <= expired
    assert sum(gateway.attempts.values()) == COUNT + gateway.duplicates


def _status_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Notification.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def _log(path) -> str:
    try:
        return path.read_text(errors="replace")[-4000:]
    except FileNotFoundError:
        return "(no worker log)"
