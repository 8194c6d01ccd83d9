"""Queries other apps use: a dossier's messages, its flagged addresses, failed counts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from .models import Notification, NotificationStatus


def for_subject(subject_ref: str) -> QuerySet[Notification]:
    """Every message about one subject, newest first (the dossier page's message list)."""
    return Notification.objects.filter(subject_ref=subject_ref).order_by("-created_at")


@dataclass(frozen=True)
class RecipientFlag:
    channel: str
    recipient: str
    error: str
    failed_at: datetime | None


def recipient_flags(subject_ref: str) -> list[RecipientFlag]:
    """Addresses of this subject that failed permanently (invalid, bounced, refused by the
    provider), one flag per channel and address, most recent first: for the officer to
    correct the applicant's contact details."""
    rows = (
        Notification.objects.filter(
            subject_ref=subject_ref, status=NotificationStatus.FAILED, permanent_failure=True
        )
        .order_by("-failed_at", "-created_at")
        .values_list("channel", "recipient", "last_error", "failed_at")
    )
    flags: dict[tuple[str, str], RecipientFlag] = {}
    for channel, recipient, error, failed_at in rows:
        flags.setdefault((channel, recipient), RecipientFlag(channel, recipient, error, failed_at))
    return list(flags.values())


def failed(
    *, subject_refs: Iterable[str] | None = None, subject_ref_prefix: str | None = None
) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(status=NotificationStatus.FAILED)
    if subject_refs is not None:
        queryset = queryset.filter(subject_ref__in=list(subject_refs))
    if subject_ref_prefix:
        queryset = queryset.filter(subject_ref__startswith=subject_ref_prefix)
    return queryset


def failed_count(
    *, subject_refs: Iterable[str] | None = None, subject_ref_prefix: str | None = None
) -> int:
    """Failed messages, all of them or those of some subjects (a list of refs, or a
    prefix such as "dossier:000.00.23.H56-" for the dossiers a unit received): the count
    on the leader's page."""
    return failed(subject_refs=subject_refs, subject_ref_prefix=subject_ref_prefix).count()
