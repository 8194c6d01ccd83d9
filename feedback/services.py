"""Every change in the feedback app goes through one of these functions.

Ratings: `dossier_from_token` checks the signed link of the invitation, `submit_rating`
records the one rating of a returned dossier (the dossier row is locked, the database holds
one rating per dossier). Feedback: `submit_feedback` (reference, due date, acknowledgement)
and `reply_feedback` (who may, the transition, the late flag, the message), each writing a
history row and its messages in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.models import Dossier, DossierStatus
from dossiers.notify import RATING_TOKEN_SALT
from dossiers.selectors import today_local
from dossiers.services import is_phone, normalise_phone
from notifications import services as outbox
from notifications.models import Channel, TemplateKey
from portal.counters import next_number
from portal.errors import ServiceError
from portal.models import Role, Unit, User
from procedures.models import Procedure
from workcalendar.clock import WorkCalendar

from .models import (
    FEEDBACK_TRANSITIONS,
    NEW_ROW,
    QUESTIONS,
    Feedback,
    FeedbackAction,
    FeedbackCounter,
    FeedbackEvent,
    Level,
    Rating,
    RatingChannel,
)


class FeedbackError(ServiceError):
    """A refused rating or feedback (portal.errors.ServiceError)."""


class InvalidInput(FeedbackError):
    status_code = 400


class NotAllowed(FeedbackError):
    status_code = 403


class WrongStatus(FeedbackError):
    status_code = 409


class AlreadyRated(FeedbackError):
    status_code = 409


class BadLink(FeedbackError):
    """A rating link that was not made by us (or was cut when copied)."""

    status_code = 400


class ExpiredLink(BadLink):
    status_code = 410


COMMENT_MAX = 2000
CONTENT_MAX = 5000
REPLY_MAX = 5000


# ---------------------------------------------------------------------------------------
# Ratings


def dossier_from_token(token: str) -> Dossier:
    """The dossier a rating link was sent for; ExpiredLink after
    settings.RATING_LINK_MAX_AGE_DAYS, BadLink for anything we did not sign."""
    max_age = dt.timedelta(days=settings.RATING_LINK_MAX_AGE_DAYS)
    try:
        pk = signing.loads(token or "", salt=RATING_TOKEN_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ExpiredLink(_("Đường dẫn đánh giá đã hết hạn.")) from None
    except signing.BadSignature:
        raise BadLink(_("Đường dẫn đánh giá không hợp lệ.")) from None
    dossier = (
        Dossier.objects.select_related("procedure", "receiving_unit", "competent_unit")
        .filter(pk=pk)
        .first()
        if isinstance(pk, int)
        else None
    )
    if dossier is None:
        raise BadLink(_("Đường dẫn đánh giá không hợp lệ."))
    return dossier


def clean_answers(answers: Mapping[str, object]) -> dict[str, int]:
    """Each question answered with a level of the five-level scale."""
    cleaned: dict[str, int] = {}
    errors: dict[str, list[str]] = {}
    for name in QUESTIONS:
        try:
            value = int(answers.get(name))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = None
        if value not in Level.values:
            errors[name] = [_("Chọn một mức đánh giá.")]
        else:
            cleaned[name] = value
    if errors:
        raise InvalidInput(_("Ông/bà chưa trả lời hết các câu hỏi."), errors)
    return cleaned


def may_record_at_counter(user: User, dossier: Dossier) -> bool:
    """The counter tablet is handed over by a desk officer of the dossier's desk."""
    return bool(
        user.is_authenticated
        and user.has_role(Role.DESK_OFFICER)
        and user.unit_id in (dossier.receiving_unit_id, dossier.competent_unit_id)
    )


def submit_rating(
    dossier: Dossier,
    *,
    answers: Mapping[str, object],
    comment: str = "",
    channel: str,
    actor: User | None = None,
    now: dt.datetime | None = None,
) -> Rating:
    """The citizen's one rating of a returned dossier. AlreadyRated on a second try, also
    when two arrive at once (the dossier row is locked; the unique key decides the rest)."""
    now = now or timezone.now()
    if channel not in RatingChannel.values:
        raise InvalidInput(_("Kênh đánh giá không hợp lệ."))
    scores = clean_answers(answers)
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(
            _("Ý kiến dài quá %(max)s ký tự.") % {"max": COMMENT_MAX},
            {"comment": [_("Tối đa %(max)s ký tự.") % {"max": COMMENT_MAX}]},
        )
    if channel == RatingChannel.COUNTER and not (actor and may_record_at_counter(actor, dossier)):
        raise NotAllowed(_("Chỉ cán bộ một cửa của đơn vị mới mở được trang đánh giá tại quầy."))
    with transaction.atomic():
        locked = Dossier.objects.select_for_update().filter(pk=dossier.pk).first()
        if locked is None:
            raise InvalidInput(_("Không tìm thấy hồ sơ."))
        if locked.status != DossierStatus.RETURNED:
            raise WrongStatus(_("Chỉ đánh giá được hồ sơ đã trả kết quả."))
        if Rating.objects.filter(dossier=locked).exists():
            raise AlreadyRated(_("Hồ sơ này đã được đánh giá. Cảm ơn ông/bà!"))
        rating = Rating(
            dossier=locked,
            receiving_unit_id=locked.receiving_unit_id,
            competent_unit_id=locked.competent_unit_id,
            channel=channel,
            comment=comment,
            recorded_by=actor if actor and actor.is_authenticated else None,
            created_at=now,
            **scores,
        )
        try:
            with transaction.atomic():
                rating.save(force_insert=True)
        except IntegrityError:
            raise AlreadyRated(_("Hồ sơ này đã được đánh giá. Cảm ơn ông/bà!")) from None
    return rating


# ---------------------------------------------------------------------------------------
# Feedback


def next_reference(day: dt.date) -> str:
    """`PA-<YYMMDD>-<NNNN>`, the running number per day taken under a row lock."""
    return f"PA-{day:%y%m%d}-{next_number(FeedbackCounter, day=day):04d}"


def reply_due(unit: Unit, received: dt.date) -> dt.date:
    """The N-th working day after the day the feedback arrived, on the unit's calendar."""
    calendar = WorkCalendar.for_unit(unit)
    return calendar.add_working_days(received, settings.FEEDBACK_REPLY_WORKING_DAYS)


def feedback_url(feedback: Feedback) -> str:
    return f"{settings.SITE_URL}/feedback/{feedback.reference}/"


def _messages(feedback: Feedback, template: str, context: dict, event: FeedbackEvent) -> None:
    """To every contact the citizen gave, once per history row and channel."""
    unit = feedback.unit
    english = feedback.language != "vi"
    context = {
        "reference": feedback.reference,
        "name": feedback.name,
        "subject": feedback.subject,
        "unit": (unit.name_en or unit.name_vi) if english else unit.name_vi,
        "due_date": feedback.due_date,
        "feedback_url": feedback_url(feedback),
        **context,
    }
    for channel, recipient in ((Channel.SMS, feedback.phone), (Channel.EMAIL, feedback.email)):
        outbox.enqueue(
            recipient=recipient,
            channel=channel,
            template_key=template,
            language=feedback.language,
            context=context,
            subject_ref=f"feedback:{feedback.reference}",
            dedup_key=f"feedback:{feedback.reference}:event:{event.pk}:{channel}",
        )


def _event(feedback, action, actor, now, from_status, note="") -> FeedbackEvent:
    return FeedbackEvent.objects.create(
        feedback=feedback,
        action=action,
        actor=actor if actor and actor.is_authenticated else None,
        at=now,
        from_status=from_status,
        to_status=feedback.status,
        note=note,
    )


def submit_feedback(
    *,
    name: str,
    phone: str = "",
    email: str = "",
    subject: str,
    content: str,
    unit: Unit | None = None,
    procedure: Procedure | None = None,
    dossier: Dossier | None = None,
    citizen: User | None = None,
    language: str = "vi",
    now: dt.datetime | None = None,
) -> Feedback:
    """A citizen's feedback: a reference, a reply deadline, an acknowledgement message.
    About a dossier, it goes to the dossier's competent unit whatever `unit` says."""
    now = now or timezone.now()
    name = " ".join((name or "").split())
    phone = normalise_phone(phone or "")
    email = (email or "").strip().lower()
    subject = " ".join((subject or "").split())
    content = (content or "").strip()
    if dossier is not None:
        unit = dossier.competent_unit
        procedure = procedure or dossier.procedure
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Nhập họ và tên.")]
    if not phone and not email:
        message = _("Nhập số điện thoại hoặc thư điện tử (ít nhất một) để nhận trả lời.")
        errors["phone"] = [message]
    if phone and not is_phone(phone):
        errors["phone"] = [_("Số điện thoại không hợp lệ.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Địa chỉ thư điện tử không hợp lệ.")]
    if not subject:
        errors["subject"] = [_("Nhập tiêu đề.")]
    elif len(subject) > 255:
        errors["subject"] = [_("Tiêu đề tối đa 255 ký tự.")]
    if not content:
        errors["content"] = [_("Nhập nội dung phản ánh, kiến nghị.")]
    elif len(content) > CONTENT_MAX:
        errors["content"] = [_("Nội dung tối đa %(max)s ký tự.") % {"max": CONTENT_MAX}]
    if unit is None or not unit.is_active:
        errors["unit"] = [_("Chọn đơn vị được phản ánh.")]
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    if errors:
        raise InvalidInput(_("Thông tin phản ánh chưa hợp lệ."), errors)
    if citizen is not None and not (citizen.is_authenticated and citizen.is_citizen):
        citizen = None

    day = today_local(now)
    with transaction.atomic():
        target = FEEDBACK_TRANSITIONS[(NEW_ROW, FeedbackAction.SUBMIT)]
        feedback = Feedback.objects.create(
            reference=next_reference(day),
            unit=unit,
            procedure=procedure,
            dossier=dossier,
            citizen=citizen,
            name=name,
            phone=phone,
            email=email,
            language=language,
            subject=subject,
            content=content,
            status=target,
            created_at=now,
            due_date=reply_due(unit, day),
        )
        event = _event(feedback, FeedbackAction.SUBMIT, citizen, now, NEW_ROW)
        _messages(feedback, TemplateKey.FEEDBACK_RECEIVED, {}, event)
    return feedback


REPLY_ROLES = (Role.LEADER, Role.COMMUNE_ADMIN, Role.DESK_OFFICER)


def may_reply(user: User, feedback: Feedback) -> bool:
    """A leader, commune admin or desk officer of the unit the feedback concerns."""
    return bool(
        user.is_authenticated
        and user.has_role(*REPLY_ROLES)
        and user.unit_id is not None
        and user.unit_id == feedback.unit_id
    )


def reply_feedback(
    feedback: Feedback | str, *, actor: User, reply: str, now: dt.datetime | None = None
) -> Feedback:
    """The unit's reply: new -> answered, late when given after the due date, sent to the
    citizen on every contact they left."""
    now = now or timezone.now()
    reference = feedback if isinstance(feedback, str) else feedback.reference
    reply = (reply or "").strip()
    if not reply:
        raise InvalidInput(_("Nhập nội dung trả lời."), {"reply": [_("Nhập nội dung trả lời.")]})
    if len(reply) > REPLY_MAX:
        raise InvalidInput(
            _("Nội dung trả lời tối đa %(max)s ký tự.") % {"max": REPLY_MAX},
            {"reply": [_("Tối đa %(max)s ký tự.") % {"max": REPLY_MAX}]},
        )
    with transaction.atomic():
        locked = (
            Feedback.objects.select_for_update()
            .select_related("unit")
            .filter(reference=reference)
            .first()
        )
        if locked is None:
            raise InvalidInput(_("Không tìm thấy phản ánh %(ref)s.") % {"ref": reference})
        if not may_reply(actor, locked):
            raise NotAllowed(_("Bạn không có quyền trả lời phản ánh này."))
        target = FEEDBACK_TRANSITIONS.get((locked.status, FeedbackAction.REPLY))
        if target is None:
            raise WrongStatus(_("Phản ánh này đã được trả lời."))
        from_status = locked.status
        locked.status = target
        locked.reply = reply
        locked.replied_by = actor
        locked.replied_at = now
        locked.answered_late = today_local(now) > locked.due_date
        locked.save(update_fields=["status", "reply", "replied_by", "replied_at", "answered_late"])
        event = _event(locked, FeedbackAction.REPLY, actor, now, from_status)
        _messages(
            locked,
            TemplateKey.FEEDBACK_ANSWERED,
            {"reply": reply, "answered_at": today_local(now)},
            event,
        )
    return locked
