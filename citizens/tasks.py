"""Periodic work of the citizens app, run by Celery beat (schedule in portal/settings.py)."""

from celery import shared_task

from . import services


@shared_task
def purge_codes() -> int:
    return services.purge_codes()
