"""What the dossiers app tells people, and when. The notifications app only delivers.

Citizens hear of the changes that matter to them, on the channels they chose at reception;
every message is written in the transaction of the change that caused it, with a dedup key
made of the history row, so one change gives exactly one message per channel. Staff get a
daily digest, a reminder one working day before a dossier would be late, and leaders an
escalation when one becomes overdue.
"""

from __future__ import annotations

import datetime as dt
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications import services as outbox
from notifications.models import Channel, TemplateKey
from portal.models import Role, User
from workcalendar.clock import WorkCalendar

from .models import Dossier, DossierChannel, DossierEvent, NotifyChannel
from .selectors import RUNNING, Worklist, with_list_columns
from .workflow import Action

logger = logging.getLogger(__name__)

# The status changes a citizen is told about, and with which template.
CITIZEN_TEMPLATES: dict[str, str] = {
    Action.RECEIVE: TemplateKey.DOSSIER_RECEIVED,
    Action.COMPLETE: TemplateKey.DOSSIER_RECEIVED,
    Action.RECEIVE_INCOMPLETE: TemplateKey.SUPPLEMENT_REQUESTED,
    Action.REQUEST_SUPPLEMENT: TemplateKey.SUPPLEMENT_REQUESTED,
    Action.REFUSE: TemplateKey.REFUSED,
    Action.DENY: TemplateKey.REFUSED,
    Action.EXTEND: TemplateKey.EXTENDED,
    Action.MARK_RESULT_READY: TemplateKey.RESULT_READY,
    Action.RETURN_RESULT: TemplateKey.RETURNED,
    Action.RECEIVE_AND_RETURN: TemplateKey.RETURNED,
}

# Online dossiers (dossiers/online.py) are told in words of their own where it matters:
# "received, awaiting the desk's check", then "accepted" with the receipt in the account.
ONLINE_TEMPLATES: dict[str, str] = {
    Action.SUBMIT_ONLINE: TemplateKey.ONLINE_SUBMITTED,
    Action.RECEIVE: TemplateKey.ONLINE_RECEIVED,
}

_CHANNEL = {NotifyChannel.SMS: Channel.SMS, NotifyChannel.EMAIL: Channel.EMAIL}


def subject_ref(dossier: Dossier) -> str:
    return f"dossier:{dossier.code}"


def tracking_url(dossier: Dossier) -> str:
    return f"{settings.SITE_URL}{reverse('tracking:track')}?{urlencode({'code': dossier.code})}"


def desk_url(dossier: Dossier) -> str:
    return f"{settings.SITE_URL}/desk/dossiers/{dossier.code}/"


# The rating link: a signed dossier id, valid settings.RATING_LINK_MAX_AGE_DAYS. The feedback
# app checks it (with this salt) and serves the page at this path; dossiers only sends it.
RATING_TOKEN_SALT = "dossiers.rating-invitation"  # noqa: S105 (a salt, not a secret)
RATING_PATH = "/rate/"
# After these actions the result is in the citizen's hands: time to ask how it went.
RATING_ACTIONS = (Action.RETURN_RESULT, Action.RECEIVE_AND_RETURN)


def rating_token(dossier: Dossier) -> str:
    return signing.dumps(dossier.pk, salt=RATING_TOKEN_SALT)


def rating_url(dossier: Dossier) -> str:
    return f"{settings.SITE_URL}{RATING_PATH}{rating_token(dossier)}"


def default_channels(phone: str, email: str) -> list[str]:
    pairs = ((NotifyChannel.SMS, phone), (NotifyChannel.EMAIL, email))
    return [channel for channel, present in pairs if present]


def _citizen_context(dossier: Dossier) -> dict:
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.name_vi
        if dossier.language == "vi"
        else (dossier.procedure.name_en or dossier.procedure.name_vi),
        "applicant_name": dossier.applicant_name,
        "unit": dossier.receiving_unit.name_vi
        if dossier.language == "vi"
        else (dossier.receiving_unit.name_en or dossier.receiving_unit.name_vi),
        "tracking_url": tracking_url(dossier),
    }


def _specific_context(dossier: Dossier, event: DossierEvent, template: str) -> dict:
    if template == TemplateKey.DOSSIER_RECEIVED:
        return {
            "received_at": timezone.localtime(dossier.received_at).date(),
            "due_date": dossier.due_date,
        }
    if template == TemplateKey.SUPPLEMENT_REQUESTED:
        lines = [line.strip() for line in dossier.supplement_note.splitlines() if line.strip()]
        remarks = []
        if "missing_rows" in (event.data or {}):
            # The desk's check of an online dossier: "- <paper>" lines, then the officer's
            # "note for the citizen", which is a remark and not one more paper.
            remarks = [line for line in lines if not line.startswith("- ")]
            lines = [line for line in lines if line.startswith("- ")]
        if dossier.channel == DossierChannel.ONLINE and dossier.citizen_id:
            from . import online

            remarks.append(online.supplement_note(dossier))
        missing = [line.lstrip("- ").strip() for line in lines]
        return {"missing": [line for line in missing if line], "note": " ".join(remarks)}
    if template == TemplateKey.REFUSED:
        return {"reason": dossier.reason}
    if template == TemplateKey.EXTENDED:
        return {
            "old_due_date": dt.date.fromisoformat(event.data["old_due"]),
            "new_due_date": dt.date.fromisoformat(event.data["new_due"]),
            "reason": event.note,
        }
    if template == TemplateKey.RESULT_READY:
        unit = dossier.receiving_unit
        english = dossier.language != "vi"
        address = (unit.address_en or unit.address_vi) if english else unit.address_vi
        hours = (
            unit.opening_hours_vi
            if dossier.language == "vi"
            else (unit.opening_hours_en or unit.opening_hours_vi)
        )
        return {
            "collect_at": ", ".join(filter(None, [_citizen_context(dossier)["unit"], address])),
            "collect_how": hours or "",
        }
    if template == TemplateKey.RETURNED:
        return {"returned_at": timezone.localtime(dossier.returned_at or event.at).date()}
    if template in (TemplateKey.ONLINE_SUBMITTED, TemplateKey.ONLINE_RECEIVED):
        from . import online  # online builds on the services, which use this module

        return online.message_context(dossier, event, template)
    raise ValueError(template)


def citizen_about(dossier: Dossier, event: DossierEvent) -> None:
    """Queue the citizen's messages for this history row, in the current transaction."""
    template = CITIZEN_TEMPLATES.get(event.action)
    if dossier.channel == DossierChannel.ONLINE:
        template = ONLINE_TEMPLATES.get(event.action, template)
    if template is None:
        return
    context = {**_citizen_context(dossier), **_specific_context(dossier, event, template)}
    for channel in dossier.notify_channels:
        recipient = {
            NotifyChannel.SMS: dossier.applicant_phone,
            NotifyChannel.EMAIL: dossier.applicant_email,
        }.get(channel, "")
        outbox.enqueue(
            recipient=recipient,
            channel=_CHANNEL[channel],
            template_key=template,
            language=dossier.language,
            context=context,
            subject_ref=subject_ref(dossier),
            dedup_key=f"dossier:{dossier.code}:event:{event.pk}:{channel}",
        )
    if event.action in RATING_ACTIONS:
        _invite_to_rate(dossier)


def _invite_to_rate(dossier: Dossier) -> None:
    """Once per dossier and channel (the dedup key has no event in it)."""
    context = {**_citizen_context(dossier), "rating_url": rating_url(dossier)}
    for channel in dossier.notify_channels:
        recipient = {
            NotifyChannel.SMS: dossier.applicant_phone,
            NotifyChannel.EMAIL: dossier.applicant_email,
        }.get(channel, "")
        outbox.enqueue(
            recipient=recipient,
            channel=_CHANNEL[channel],
            template_key=TemplateKey.RATE_INVITATION,
            language=dossier.language,
            context=context,
            subject_ref=subject_ref(dossier),
            dedup_key=f"dossier:{dossier.code}:rating-invitation:{channel}",
        )


# --- Staff ---------------------------------------------------------------------------------


def _item(dossier: Dossier) -> dict:
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.name_vi,
        "applicant_name": dossier.applicant_name,
        "due_date": dossier.due_date,
        "url": desk_url(dossier),
    }


DIGEST_ROLES = (Role.DESK_OFFICER, Role.SPECIALIST, Role.LEADER)


def send_staff_digests(now: dt.datetime | None = None) -> int:
    """One digest per officer with something due, on the officer's working days only.
    Returns how many were queued (a digest already queued today is not queued again)."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    queued = 0
    staff = (
        User.objects.filter(is_active=True, role__in=DIGEST_ROLES, unit__isnull=False)
        .exclude(email="")
        .select_related("unit")
    )
    for user in staff.iterator():
        if not WorkCalendar.for_unit(user.unit).is_working_day(today):
            continue
        lists = Worklist(user, now=now)
        mine = _digest_scope(user, lists)
        due_today = [_item(d) for d in mine.filter(due_date=today)[:50]]
        soon_limit = lists.calendar.add_working_days(today, 2)
        due_soon = [
            _item(d) for d in mine.filter(due_date__gt=today, due_date__lte=soon_limit)[:50]
        ]
        overdue = [_item(d) for d in mine.filter(due_date__lt=today)[:50]]
        if not (due_today or due_soon or overdue):
            continue
        with transaction.atomic():
            sent = outbox.enqueue(
                recipient=user.email,
                channel=Channel.EMAIL,
                template_key=TemplateKey.STAFF_DIGEST,
                language="vi",
                context={
                    "officer_name": user.get_full_name() or user.get_username(),
                    "unit": user.unit.name_vi,
                    "date": today,
                    "due_today": due_today,
                    "due_soon": due_soon,
                    "overdue": overdue,
                    "worklist_url": f"{settings.SITE_URL}/desk/",
                },
                subject_ref=f"staff:{user.pk}",
                dedup_key=f"digest:{user.pk}:{today.isoformat()}",
            )
        queued += sent is not None
    return queued


def _digest_scope(user: User, lists: Worklist):
    """What the officer answers for: a specialist their own dossiers, a leader the unit's
    dossiers to process, a desk officer the unit's dossiers received or to return."""
    base = lists.base.filter(status__in=RUNNING)
    if user.role == Role.SPECIALIST:
        base = base.filter(handler=user)
    elif user.role == Role.LEADER:
        base = base.filter(competent_unit_id=user.unit_id)
    else:
        base = base.filter(receiving_unit_id=user.unit_id)
    return with_list_columns(base).order_by("due_date", "code")


def _staff_context(dossier: Dossier) -> dict:
    return {
        "code": dossier.code,
        "procedure": dossier.procedure.name_vi,
        "applicant_name": dossier.applicant_name,
        "unit": dossier.competent_unit.name_vi,
        "due_date": dossier.due_date,
        "dossier_url": desk_url(dossier),
    }


def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Tell the competent unit's leaders, once per due date, of each dossier now overdue."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    queued = 0
    overdue = with_list_columns(
        Dossier.objects.filter(status__in=RUNNING, due_date__lt=today)
    ).order_by("due_date")
    leaders: dict[int, list[User]] = {}
    for dossier in overdue.iterator(chunk_size=500):
        unit_leaders = leaders.setdefault(
            dossier.competent_unit_id,
            list(
                User.objects.filter(
                    unit_id=dossier.competent_unit_id, role=Role.LEADER, is_active=True
                ).exclude(email="")
            ),
        )
        calendar = WorkCalendar.for_unit(dossier.receiving_unit)
        late_by = calendar.working_days_between(dossier.due_date, today)
        handler = dossier.handler
        for leader in unit_leaders:
            with transaction.atomic():
                sent = outbox.enqueue(
                    recipient=leader.email,
                    channel=Channel.EMAIL,
                    template_key=TemplateKey.OVERDUE_ESCALATION,
                    language="vi",
                    context={
                        **_staff_context(dossier),
                        "leader_name": leader.get_full_name() or leader.get_username(),
                        "handler_name": (handler.get_full_name() or handler.get_username())
                        if handler
                        else "—",
                        "days_overdue": late_by,
                    },
                    subject_ref=subject_ref(dossier),
                    dedup_key=f"dossier:{dossier.code}:overdue:{dossier.due_date}:{leader.pk}",
                )
            queued += sent is not None
    return queued


def remind_before_late(now: dt.datetime | None = None) -> int:
    """One working day before a dossier would be late, its handler gets a reminder with a
    link to a pre-filled draft of the apology letter (form 04) to edit and issue."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    queued = 0
    candidates = with_list_columns(
        # The next working day is never more than a fortnight away, even over Tết.
        Dossier.objects.filter(
            status__in=RUNNING,
            due_date__gt=today,
            due_date__lte=today + dt.timedelta(days=15),
            handler__isnull=False,
        ).exclude(handler__email="")
    ).order_by("due_date")
    calendars: dict[int, WorkCalendar] = {}
    for dossier in candidates.iterator(chunk_size=500):
        calendar = calendars.setdefault(
            dossier.receiving_unit_id, WorkCalendar.for_unit(dossier.receiving_unit)
        )
        if calendar.next_working_day(today) != dossier.due_date:
            continue
        handler = dossier.handler
        with transaction.atomic():
            sent = outbox.enqueue(
                recipient=handler.email,
                channel=Channel.EMAIL,
                template_key=TemplateKey.LATE_REMINDER,
                language="vi",
                context={
                    **_staff_context(dossier),
                    "handler_name": handler.get_full_name() or handler.get_username(),
                    "apology_url": f"{desk_url(dossier)}apology/",
                },
                subject_ref=subject_ref(dossier),
                dedup_key=f"dossier:{dossier.code}:reminder:{dossier.due_date}",
            )
        queued += sent is not None
    return queued
