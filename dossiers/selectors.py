"""Worklists and lookups shared by the workspace pages, the API and the reminders."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from portal.models import Role, Unit, User
from workcalendar.clock import WorkCalendar

from . import access
from .models import OPEN_STATUSES, Dossier, DossierStatus, DossierStep
from .pagination import CappedPaginator

# The clock runs (and the dossier can be late) in these; a paused dossier is listed apart.
RUNNING = [s for s in OPEN_STATUSES if s != DossierStatus.SUPPLEMENT_REQUESTED]


def with_list_columns(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """What a worklist row shows, in a constant number of queries."""
    return qs.select_related("procedure", "receiving_unit", "competent_unit", "handler")


# What a row of the desk's worklist page shows (templates/dossiers/desk/home.html): only
# these columns are read, and only the related rows it names.
DESK_ROW_FIELDS = (
    "code",
    "status",
    "due_date",
    "applicant_name",
    "applicant_phone",
    "receiving_unit_id",
    "competent_unit_id",
    "procedure__name",
    "procedure__name_vi",
    "procedure__name_en",
    "competent_unit__name",
    "competent_unit__name_vi",
    "competent_unit__name_en",
    "handler__username",
    "handler__first_name",
    "handler__last_name",
)


def with_desk_row_columns(qs: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """A worklist for the desk page: the row's columns only, in one query."""
    return (
        qs.select_related(None)
        .select_related("procedure", "competent_unit", "handler")
        .only(*DESK_ROW_FIELDS)
    )


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
        return self.names_for(self.user)

    @classmethod
    def names_for(cls, user: User) -> tuple[str, ...]:
        """The lists of the user's role, without building a Worklist (no query)."""
        return {
            Role.DESK_OFFICER: cls.DESK,
            Role.SPECIALIST: cls.SPECIALIST,
            Role.LEADER: cls.LEADER,
        }.get(getattr(user, "role", ""), cls.ALL)

    def get(self, name: str) -> QuerySet[Dossier]:
        if name not in self.names() and name not in self.ALL:
            raise KeyError(name)
        qs = getattr(self, f"_{name}")()
        return with_list_columns(qs)

    def counts(self) -> dict[str, int]:
        """How many dossiers each list of the role holds, in one query: each list's count is
        a scalar subquery (PostgreSQL plans each on its own, with its own index). The whole
        history ("all") is counted up to COUNT_CAP + 1 only (CappedPaginator, ADR 0006), in
        a query of its own."""
        names = self.names()
        exact = [name for name in names if name != "all"]
        counts: dict[str, int] = {}
        if exact and self.user.unit_id is not None:
            row = (
                Unit.objects.filter(pk=self.user.unit_id)
                .values(**{f"n{i}": _count(self.get(name)) for i, name in enumerate(exact)})
                .get()
            )
            counts = {name: row[f"n{i}"] for i, name in enumerate(exact)}
        else:
            counts = {name: self.get(name).count() for name in exact}
        if "all" in names:
            counts["all"] = CappedPaginator(self.base, per_page=1).found  # up to cap + 1
        return {name: counts[name] for name in names}

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


def _count(qs: QuerySet) -> Subquery:
    """SELECT COUNT(*) of a queryset, as a subquery: no GROUP BY, one row."""
    return Subquery(
        qs.order_by()
        .annotate(_n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
        .values("_n"),
        output_field=IntegerField(),
    )


# The counts of a user's lists, on every desk page, are kept a few seconds per user. A
# dossier's action moves the "changed" stamp of its units (now and after commit: see
# lists_changed), which makes the counts of those units' users stale at once: officers see
# their own action, and their colleagues', on the next page. What moves without an action
# (the day, a province-wide view of many units) shows within COUNTS_SECONDS.
COUNTS_SECONDS = 10
COUNTS_KEY = "desk-counts:{user}"
CHANGED_KEY = "dossiers-changed:{unit}"


def lists_changed(*unit_ids: int | None) -> None:
    """Dossiers of these units changed (an action, a reception): their users' cached list
    counts are stale. Moved now, for the rest of this transaction, and again after commit,
    in case another request cached counts in between."""
    keys = [CHANGED_KEY.format(unit=pk) for pk in sorted({pk for pk in unit_ids if pk})]
    if not keys:
        return

    def bump():
        stamp = uuid.uuid4().hex
        cache.set_many({key: stamp for key in keys}, None)

    bump()
    transaction.on_commit(bump)


def cached_counts(worklist: Worklist, extra=None) -> dict:
    """Worklist.counts() (and `extra()`, another per-user figure of the page), kept
    COUNTS_SECONDS for this user while their unit's "changed" stamp and the day stay."""
    user = worklist.user
    stamp_key = CHANGED_KEY.format(unit=user.unit_id)
    key = COUNTS_KEY.format(user=user.pk)
    found = cache.get_many([stamp_key, key])
    marker = (found.get(stamp_key), worklist.today.isoformat(), user.role, user.unit_id)
    entry = found.get(key)
    # The age is checked here too, by this process's clock: the cache's own expiry runs on
    # the cache server's clock (Redis), which tests that move time cannot move.
    now = timezone.now().timestamp()
    if entry is not None and entry[0] == marker and 0 <= now - entry[1] < COUNTS_SECONDS:
        return entry[2]
    counts = {"lists": worklist.counts(), "extra": extra() if extra else None}
    cache.set(key, (marker, now, counts), COUNTS_SECONDS)
    return counts


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
