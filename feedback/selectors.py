"""Lookups of the feedback app: what a citizen or an officer may see, the inbox, and the
indicators per unit and month (aggregate SQL, a constant number of queries)."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers import access as dossier_access
from dossiers.models import Dossier, DossierStatus
from dossiers.services import normalise_phone
from portal import access
from portal.models import Role, Unit, UnitKind, User
from workcalendar.clock import WorkCalendar

from .models import QUESTIONS, SATISFIED_FROM, Feedback, FeedbackStatus, Rating

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DUE_SOON_WORKING_DAYS = 2
_STAND_IN = "\x00" * 12


def today_local(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now()).date()


# ---------------------------------------------------------------------------------------
# Citizens


def is_citizen(user) -> bool:
    """An active citizen account holding no staff rights (dossiers.access decides)."""
    return dossier_access.citizen_dossier_match(user) is not None


def citizen_dossiers(user: User) -> QuerySet[Dossier]:
    """Dossiers of a citizen account: the same rule as "My dossiers" (dossiers.access)."""
    match = dossier_access.citizen_dossier_match(user)
    return Dossier.objects.none() if match is None else Dossier.objects.filter(match)


def _same(given: str, stored: str) -> bool:
    equal = hmac.compare_digest(given.encode(), stored.encode())
    return equal and bool(given) and bool(stored)


def find_feedback(reference: str, contact: str) -> Feedback | None:
    """The feedback with this reference whose phone or e-mail is `contact`; None for an
    unknown reference and for a wrong contact alike (one query, the same comparisons)."""
    reference = "".join((reference or "").split()).upper()[:20]
    feedback = (
        Feedback.objects.select_related("unit", "procedure", "dossier")
        .filter(reference=reference)
        .first()
        if reference
        else None
    )
    contact = (contact or "").strip()
    phone_ok = _same(normalise_phone(contact), feedback.phone if feedback else _STAND_IN)
    email_ok = _same(contact.lower(), feedback.email if feedback else _STAND_IN)
    if feedback is None or not (phone_ok or email_ok):
        return None
    return feedback


def citizen_feedback(user: User) -> QuerySet[Feedback]:
    if not is_citizen(user):
        return Feedback.objects.none()
    return Feedback.objects.filter(citizen=user).select_related("unit")


# ---------------------------------------------------------------------------------------
# Staff: the inbox


def visible_feedback(user: User) -> QuerySet[Feedback]:
    """Feedback about a unit the user belongs to (a province admin: every unit of theirs)."""
    if not access.is_staff_member(user):
        return Feedback.objects.none()
    if user.is_superuser:
        return Feedback.objects.all()
    return Feedback.objects.filter(unit__in=access.visible_units(user))


@dataclass
class InboxFilter:
    status: str = ""  # "", new, answered
    flag: str = ""  # "", overdue, due_soon
    unit: int | None = None
    q: str = ""


def inbox(user: User, filters: InboxFilter, *, today: dt.date | None = None):
    """The user's scoped inbox, oldest deadline first, with the due-soon limit used."""
    today = today or today_local()
    qs = visible_feedback(user).select_related("unit", "procedure", "dossier")
    if filters.status in FeedbackStatus.values:
        qs = qs.filter(status=filters.status)
    calendar = WorkCalendar.for_unit(user.unit)
    soon = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS)
    if filters.flag == "overdue":
        qs = qs.filter(status=FeedbackStatus.NEW, due_date__lt=today)
    elif filters.flag == "due_soon":
        qs = qs.filter(status=FeedbackStatus.NEW, due_date__gte=today, due_date__lte=soon)
    if filters.unit:
        qs = qs.filter(unit_id=filters.unit)
    q = " ".join((filters.q or "").split())[:100]
    if q:
        qs = qs.filter(
            Q(reference__iexact=q)
            | Q(name__icontains=q)
            | Q(subject__icontains=q)
            | Q(phone=normalise_phone(q))
        )
    if filters.status == FeedbackStatus.ANSWERED:
        return qs.order_by("-replied_at", "-pk"), soon
    # Open ones first ("new" sorts after "answered"), the nearest deadline first.
    return qs.order_by("-status", "due_date", "-created_at", "-pk"), soon


def flags(feedback: Feedback, today: dt.date, soon: dt.date) -> list[tuple[str, str]]:
    """Badges of an inbox row: (css class, text)."""
    if feedback.status == FeedbackStatus.ANSWERED:
        if feedback.answered_late:
            return [("late", _("Trả lời quá hạn"))]
        return []
    if feedback.due_date < today:
        return [("late", _("Quá hạn"))]
    if feedback.due_date <= soon:
        return [("today", _("Sắp đến hạn"))]
    return []


# ---------------------------------------------------------------------------------------
# Indicators per unit and month


def indicator_units(user: User) -> QuerySet[Unit]:
    """Leaders and commune admins: their own unit; a province admin: every commune and
    ward of the province. Nobody else."""
    if access.is_province_admin(user):
        return access.visible_units(user).exclude(kind=UnitKind.PROVINCE).filter(is_active=True)
    if user.is_authenticated and user.has_role(Role.LEADER, Role.COMMUNE_ADMIN) and user.unit_id:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The month in Vietnam's time: [first day 00:00, first day of the next month 00:00)."""
    start = dt.datetime(year, month, 1, tzinfo=TZ)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=TZ)
    return start, end


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _avg(total: int, count: int) -> float | None:
    return round(total / count, 2) if count else None


@dataclass
class Indicators:
    unit: Unit | None  # None: the total row
    ratings: int = 0
    score_sums: dict[str, int] = field(default_factory=dict)
    satisfied: dict[str, int] = field(default_factory=dict)
    returned: int = 0
    returned_rated: int = 0
    feedback_received: int = 0
    feedback_answered: int = 0
    feedback_on_time: int = 0
    feedback_overdue_open: int = 0

    def add(self, other: Indicators) -> None:
        self.ratings += other.ratings
        for name in QUESTIONS:
            self.score_sums[name] = self.score_sums.get(name, 0) + other.score_sums.get(name, 0)
            self.satisfied[name] = self.satisfied.get(name, 0) + other.satisfied.get(name, 0)
        self.returned += other.returned
        self.returned_rated += other.returned_rated
        self.feedback_received += other.feedback_received
        self.feedback_answered += other.feedback_answered
        self.feedback_on_time += other.feedback_on_time
        self.feedback_overdue_open += other.feedback_overdue_open

    @property
    def questions(self) -> list[dict]:
        return [
            {
                "name": name,
                "score": _avg(self.score_sums.get(name, 0), self.ratings),
                "satisfied_pct": _pct(self.satisfied.get(name, 0), self.ratings),
            }
            for name in QUESTIONS
        ]

    @property
    def overall_score(self) -> float | None:
        return _avg(self.score_sums.get("overall", 0), self.ratings)

    @property
    def overall_satisfied_pct(self) -> float | None:
        return _pct(self.satisfied.get("overall", 0), self.ratings)

    @property
    def response_rate(self) -> float | None:
        """Dossiers returned in the month that have a rating, of those returned."""
        return _pct(self.returned_rated, self.returned)

    @property
    def on_time_pct(self) -> float | None:
        """Answered by the deadline, of the feedback whose answer is due or given."""
        return _pct(self.feedback_on_time, self.feedback_answered + self.feedback_overdue_open)


def unit_indicators(
    units: list[Unit], year: int, month: int, *, today: dt.date | None = None
) -> list[Indicators]:
    """One row per unit (in the order given). Three aggregate queries whatever the number
    of units and rows: ratings given in the month, dossiers returned in the month (and
    whether they were rated), feedback received in the month."""
    today = today or today_local()
    start, end = month_bounds(year, month)
    ids = [u.pk for u in units]
    rows = {u.pk: Indicators(unit=u) for u in units}

    aggregates = {"n": Count("pk")}
    for name in QUESTIONS:
        aggregates[f"{name}_sum"] = Sum(name)
        aggregates[f"{name}_ok"] = Count("pk", filter=Q(**{f"{name}__gte": SATISFIED_FROM}))
    ratings = (
        Rating.objects.filter(competent_unit_id__in=ids, created_at__gte=start, created_at__lt=end)
        .values("competent_unit_id")
        .annotate(**aggregates)
        .order_by()
    )
    for r in ratings:
        row = rows[r["competent_unit_id"]]
        row.ratings = r["n"]
        row.score_sums = {name: r[f"{name}_sum"] or 0 for name in QUESTIONS}
        row.satisfied = {name: r[f"{name}_ok"] for name in QUESTIONS}

    returned = (
        Dossier.objects.filter(
            competent_unit_id__in=ids,
            status=DossierStatus.RETURNED,
            returned_at__gte=start,
            returned_at__lt=end,
        )
        .values("competent_unit_id")
        .annotate(n=Count("pk"), rated=Count("rating"))
        .order_by()
    )
    for r in returned:
        row = rows[r["competent_unit_id"]]
        row.returned, row.returned_rated = r["n"], r["rated"]

    answered = Q(status=FeedbackStatus.ANSWERED)
    feedback = (
        Feedback.objects.filter(unit_id__in=ids, created_at__gte=start, created_at__lt=end)
        .values("unit_id")
        .annotate(
            n=Count("pk"),
            answered=Count("pk", filter=answered),
            on_time=Count("pk", filter=answered & Q(answered_late=False)),
            overdue_open=Count("pk", filter=Q(status=FeedbackStatus.NEW, due_date__lt=today)),
        )
        .order_by()
    )
    for r in feedback:
        row = rows[r["unit_id"]]
        row.feedback_received = r["n"]
        row.feedback_answered = r["answered"]
        row.feedback_on_time = r["on_time"]
        row.feedback_overdue_open = r["overdue_open"]
    return [rows[u.pk] for u in units]


def total(rows: list[Indicators]) -> Indicators:
    whole = Indicators(unit=None)
    for row in rows:
        whole.add(row)
    return whole
