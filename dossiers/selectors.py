"""Worklists and lookups shared by the workspace pages, the API and the reminders."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from portal.models import Role, User
from workcalendar.clock import WorkCalendar

from . import access
from .models import OPEN_STATUSES, Dossier, DossierStatus, DossierStep

# The clock runs (and the dossier can be late) in these; a paused dossier is listed apart.
RUNNING = [s for s in OPEN_STATUSES if s != DossierStatus.SUPPLEMENT_REQUESTED]


def with_list_columns(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """What a worklist row shows, in a constant number of queries."""
    return qs.select_related("procedure", "receiving_unit", "competent_unit", "handler")


def today_local(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now()).date()


class Worklist:
    """The named lists of the workspace. Each is a queryset scoped to what the user sees."""

    DESK = ("reception_today", "incomplete", "to_return", "due_today", "overdue")
    SPECIALIST = ("assigned_to_me", "step_overdue", "paused", "due_soon", "overdue")
    LEADER = ("awaiting_approval", "unassigned", "overdue", "step_overdue", "due_soon", "paused")
    ALL = ("all", "due_today", "due_soon", "overdue", "paused")

    def __init__(self, user: User, *, now: dt.datetime | None = None):
        self.user = user
        self.now = now or timezone.now()
        self.today = today_local(self.now)
        self.calendar = WorkCalendar.for_unit(user.unit)
        self.base = access.visible_dossiers(user)

    def names(self) -> tuple[str, ...]:
        return {
            Role.DESK_OFFICER: self.DESK,
            Role.SPECIALIST: self.SPECIALIST,
            Role.LEADER: self.LEADER,
        }.get(self.user.role, self.ALL)

    def get(self, name: str) -> QuerySet[Dossier]:
        if name not in self.names() and name not in self.ALL:
            raise KeyError(name)
        qs = getattr(self, f"_{name}")()
        return with_list_columns(qs)

    # Lists everybody needs.
    def _all(self):
        return self.base.order_by("-created_at")

    def _due_today(self):
        return self.base.filter(status__in=RUNNING, due_date=self.today).order_by("code")

    def _due_soon(self):
        limit = self.calendar.add_working_days(self.today, 2)
        return self.base.filter(
            status__in=RUNNING, due_date__gte=self.today, due_date__lte=limit
        ).order_by("due_date", "code")

    def _overdue(self):
        return self.base.filter(status__in=RUNNING, due_date__lt=self.today).order_by(
            "due_date", "code"
        )

    def _late_steps(self, **where) -> QuerySet[DossierStep]:
        return DossierStep.objects.filter(
            dossier=OuterRef("pk"), finished_at__isnull=True, due__lt=self.today, **where
        )

    def flag_late_steps(self, qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
        """Rows get `step_overdue`: an open step is past its share of the time limit (form
        05) while the clock runs, flagged before the whole dossier is late."""
        late = Q(status__in=RUNNING) & Exists(self._late_steps())
        return qs.annotate(step_overdue=Case(When(late, then=Value(True)), default=Value(False)))

    def _step_overdue(self):
        # A specialist sees the steps they hold; a leader every late step of the unit.
        mine = {"handler": self.user} if self.user.role == Role.SPECIALIST else {}
        return (
            self.base.filter(status__in=RUNNING)
            .filter(Exists(self._late_steps(**mine)))
            .order_by("due_date", "code")
        )

    def _paused(self):
        return self.base.filter(status=DossierStatus.SUPPLEMENT_REQUESTED).order_by("due_date")

    # Desk officer.
    def _reception_today(self):
        start = timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
        return self.base.filter(
            receiving_unit_id=self.user.unit_id, created_at__gte=start
        ).order_by("-created_at")

    def _incomplete(self):
        return self.base.filter(
            receiving_unit_id=self.user.unit_id,
            status__in=[DossierStatus.INCOMPLETE, DossierStatus.SUBMITTED_ONLINE],
        ).order_by("created_at")

    def _to_return(self):
        return self.base.filter(
            receiving_unit_id=self.user.unit_id, status=DossierStatus.RESULT_READY
        ).order_by("due_date")

    # Specialist.
    def _assigned_to_me(self):
        return self.base.filter(
            handler=self.user,
            status__in=[DossierStatus.IN_PROCESSING, DossierStatus.SUPPLEMENT_REQUESTED],
        ).order_by("due_date", "code")

    # Leader.
    def _awaiting_approval(self):
        return self.base.filter(
            competent_unit_id=self.user.unit_id, status=DossierStatus.AWAITING_APPROVAL
        ).order_by("due_date")

    def _unassigned(self):
        return self.base.filter(
            competent_unit_id=self.user.unit_id,
            status__in=[DossierStatus.RECEIVED, DossierStatus.TRANSFERRED],
        ).order_by("due_date")


_CODE_LIKE = re.compile(r"^[0-9A-Za-z.]+-\d{6}(-\d{1,5})?$")
_DIGITS = re.compile(r"^\+?[\d\s.]{9,15}$")


def search(qs: QuerySet[Dossier], term: str) -> QuerySet[Dossier]:
    """Find by dossier code, applicant phone or ID number (exact, indexed), or name."""
    term = (term or "").strip()
    if not term:
        return qs
    if _CODE_LIKE.match(term):
        return qs.filter(code__startswith=term.upper())
    if _DIGITS.match(term):
        digits = re.sub(r"\D", "", term)
        if digits.startswith("84") and len(digits) == 11:
            digits = "0" + digits[2:]
        return qs.filter(Q(applicant_phone=digits) | Q(applicant_id_number=digits))
    return qs.filter(applicant_name__icontains=term)


def citizen_dossiers(user: User) -> QuerySet[Dossier]:
    """The dossiers of a citizen account (access.citizen_dossier_match), newest first, with
    what a list row shows; none for any other user."""
    match = access.citizen_dossier_match(user)
    if match is None:
        return Dossier.objects.none()
    return (
        Dossier.objects.filter(match)
        .select_related("procedure", "receiving_unit")
        .order_by("-created_at", "-pk")
    )
