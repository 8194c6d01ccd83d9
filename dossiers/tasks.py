"""Periodic work of the dossiers app, run by Celery beat (schedule in portal/settings.py).

Each task is safe to run twice: the messages it queues carry dedup keys.
"""

from celery import shared_task

from . import notify, online


@shared_task
def send_staff_digests() -> int:
    return notify.send_staff_digests()


@shared_task
def escalate_overdue() -> int:
    return notify.escalate_overdue()


@shared_task
def remind_before_late() -> int:
    return notify.remind_before_late()


@shared_task
def purge_abandoned_drafts() -> int:
    return online.purge_abandoned_drafts()
