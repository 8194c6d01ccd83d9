"""Celery tasks: thin wrappers around the services. They take ids, re-read the database and
exit quietly when there is nothing left to do, so running one twice is harmless.

Time limits: the provider call has its own timeout (NOTIFY_HTTP_TIMEOUT, 10 s); the soft
limit turns a stuck call into a temporary failure (prefork pool only), the hard limit kills
the child, and the row is then taken back by the sweeper once its lease expires
(NOTIFY_LEASE_SECONDS, longer than the hard limit).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from celery import shared_task

from . import services

logger = logging.getLogger(__name__)

DELIVER_SOFT_TIME_LIMIT = 45
DELIVER_TIME_LIMIT = 60
# Publishing happens after the caller's commit: give a flapping broker a few quick tries,
# then give up and leave the row to the sweeper rather than hang the web request.
PUBLISH_RETRY_POLICY = {
    "max_retries": 3,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 2,
}


@shared_task(
    name="notifications.tasks.deliver",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=DELIVER_SOFT_TIME_LIMIT,
    time_limit=DELIVER_TIME_LIMIT,
)
def deliver(notification_id: str) -> str:
    delivery = services.deliver(notification_id)
    if delivery.retry_at is not None:
        publish_deliveries([notification_id], eta=delivery.retry_at)
    return delivery.result


@shared_task(
    name="notifications.tasks.sweep",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=50,
    time_limit=60,
)
def sweep() -> dict[str, int]:
    result = services.sweep()
    if result.requeued or result.expired or result.failed:
        logger.warning(
            "notifications sweep: %d stale pending re-sent, %d expired leases re-sent, "
            "%d failed after their last attempt",
            len(result.requeued),
            len(result.expired),
            len(result.failed),
        )
    return {
        "requeued": len(result.requeued),
        "expired": len(result.expired),
        "failed": len(result.failed),
    }


def publish_deliveries(ids: Iterable[str], *, eta: datetime | None = None) -> None:
    """Send one delivery task per id. A failure to publish is logged, not raised: the row
    is in the database and the sweeper will publish again."""
    for notification_id in ids:
        try:
            deliver.apply_async(
                (str(notification_id),),
                eta=eta,
                retry=True,
                retry_policy=PUBLISH_RETRY_POLICY,
            )
        except Exception:  # noqa: BLE001 - any broker error: the sweeper takes over
            logger.exception("could not publish delivery of notification %s", notification_id)
