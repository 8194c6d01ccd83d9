"""A dossier's life: decided up front (Course), played action by action (Life) by the
same rules as dossiers/services.py, on the desk's own list of working days (Days)."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import models

from dossiers.models import (
    DossierEvent,
    DossierStatus,
    Paper,
    PaperKind,
    ResultDelivery,
    StepKind,
)
from dossiers.workflow import TRANSITIONS, Action
from portal.models import Unit
from workcalendar.clock import WorkCalendar

from .people import DENIALS, EXTENSIONS, REFUSALS, SEND_BACKS, SUPPLEMENTS, WITHDRAWALS

if TYPE_CHECKING:
    from .generator import Generator

S = DossierStatus
A = Action

# ---------------------------------------------------------------------------------------
# Time: moments are integers `working day index * 86400 + seconds of the day` on the
# receiving desk's own list of working days, so the legal clock is index arithmetic.

DAY = 86_400
OPENS, NOON, AFTERNOON, CLOSES, CUTOFF = 7 * 3600, 41_400, 48_600, 17 * 3600, 15 * 3600
_HMS: list[str] = []


def hms(seconds: int) -> str:
    if not _HMS:
        _HMS.extend(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY))
    return _HMS[seconds]


class Days:
    """The working days of one kind of desk (a province calendar, with or without Saturday
    service) from `first` to `last`, as WorkCalendar says."""

    def __init__(self, calendar: WorkCalendar, first: dt.date, last: dt.date):
        self.days: list[dt.date] = []
        self._first_on_or_after: list[int] = []
        day = first
        while day <= last:
            self._first_on_or_after.append(len(self.days))
            if calendar.is_working_day(day):
                self.days.append(day)
            day += dt.timedelta(days=1)
        self.first = first
        self.iso = [day.isoformat() for day in self.days]
        self.saturday = [day.weekday() == 5 for day in self.days]

    def on_or_after(self, day: dt.date) -> int:
        return self._first_on_or_after[(day - self.first).days]

    def stamp(self, moment: int) -> str:
        index, seconds = divmod(moment, DAY)
        return f"{self.iso[index]} {hms(seconds)}+07:00"

    def iso_local(self, moment: int) -> str:
        index, seconds = divmod(moment, DAY)
        return f"{self.iso[index]}T{hms(seconds)}+07:00"

    def office_time(self, rng: random.Random, index: int) -> int:
        """A time of reception: mornings busier; Saturday service is a morning."""
        if self.saturday[index] or rng.random() < 0.6:
            return rng.randrange(OPENS, NOON)
        return rng.randrange(AFTERNOON, CLOSES)

    def later(self, moment: int, days: int, rng: random.Random) -> int:
        """A moment `days` working days after `moment` (0: later the same day, or the next
        morning once the office has closed), always after `moment`."""
        index, seconds = divmod(moment, DAY)
        if days <= 0:
            earliest = max(seconds + 300, OPENS)
            if earliest < CLOSES - 600:
                span = CLOSES - earliest
                return index * DAY + earliest + int(span * rng.random() ** 2)
            days = 1
        return (index + days) * DAY + rng.randrange(OPENS, CLOSES)


# ---------------------------------------------------------------------------------------
# A dossier's life, decided up front (Course), played action by action (Life) like the
# services do, and stopped at `now` (or at a chosen status, for the coverage dossiers).


@dataclass(slots=True)
class Course:
    reception: str = A.RECEIVE  # receive | receive_and_return | refuse | receive_incomplete
    online_wait: bool = False  # submitted online, checked at the desk later
    after_incomplete: str = A.COMPLETE  # complete | withdraw | refuse | "" (never came back)
    transfer_to: int | None = None  # index of the competent unit, if another
    supplement: str = ""  # "" | receive_supplement | withdraw | "stay"
    late_days: int = 0
    extend: bool = False
    send_back: bool = False
    decision: str = A.APPROVE
    withdraw: bool = False
    stuck: bool = False  # forgotten in processing
    collect_days: int | None = 0  # None: the result is never collected
    stop: str = ""  # stop once the dossier reaches this status


def random_course(rng: random.Random, same_day_counter: bool, delivery: str, units: int) -> Course:
    course = Course()
    r = rng.random()
    if same_day_counter and r < 0.85:
        course.reception = A.RECEIVE_AND_RETURN
        return course
    if r < 0.008:
        course.reception = A.REFUSE
        return course
    if r < 0.048:
        course.reception = A.RECEIVE_INCOMPLETE
        course.after_incomplete = rng.choices(
            [A.COMPLETE, A.WITHDRAW, A.REFUSE, ""], [75, 5, 5, 15]
        )[0]
    if units > 1 and rng.random() < 0.04:
        course.transfer_to = -1  # chosen by the caller: a neighbouring commune
    if rng.random() < 0.07:
        course.supplement = rng.choices([A.RECEIVE_SUPPLEMENT, "stay", A.WITHDRAW], [88, 6, 6])[0]
    if rng.random() < 0.03:
        course.late_days = rng.randint(1, 5)
        course.extend = rng.random() < 0.6
    course.send_back = rng.random() < 0.03
    course.decision = A.DENY if rng.random() < 0.025 else A.APPROVE
    course.withdraw = rng.random() < 0.003
    course.stuck = rng.random() < 0.0008
    if delivery != ResultDelivery.COUNTER:
        course.collect_days = rng.choice((0, 0, 1))
    else:
        r = rng.random()
        if r < 0.004:
            course.collect_days = None
        elif r < 0.4:
            course.collect_days = 0
        elif r < 0.65:
            course.collect_days = 1
        elif r < 0.9:
            course.collect_days = rng.randint(2, 5)
        else:
            course.collect_days = rng.randint(6, 20)
    return course


# One dossier of each open status in every commune, so that no worklist is empty:
# (status to stop at, due date in working days from today or None: received today, course).
COVERAGE: list[tuple[str, int | None, dict]] = [
    (S.RECEIVED, None, {}),  # received this morning, not assigned yet
    (S.TRANSFERRED, 2, {"transfer_to": -1}),
    (S.IN_PROCESSING, 0, {}),  # due today; its processing step is already late
    (S.IN_PROCESSING, -3, {}),  # overdue
    (S.IN_PROCESSING, 1, {}),  # due soon
    (S.SUPPLEMENT_REQUESTED, 2, {"supplement": "stay"}),
    (S.AWAITING_APPROVAL, 1, {}),
    (S.APPROVED, 1, {}),
    (S.DENIED, 1, {"decision": A.DENY}),
    (S.RESULT_READY, 0, {}),
    (S.INCOMPLETE, 2, {"reception": A.RECEIVE_INCOMPLETE, "after_incomplete": ""}),
    (S.SUBMITTED_ONLINE, 2, {"online_wait": True}),
]


@dataclass(slots=True)
class Catalogue:
    """A procedure as the generator needs it."""

    id: int
    code: str
    days: int | None
    same_day: bool
    result: str
    documents: list[tuple[int, str, bool, int, int]]  # id, name, required, originals, copies
    snapshot: dict
    business: bool


@dataclass(slots=True)
class Desk:
    """A commune with its desk calendar and staff: (id, username, printed name)."""

    index: int
    unit: Unit
    days: Days
    data: dict
    desks: list[tuple[int, str, str]]
    specialists: list[tuple[int, str, str]]
    leaders: list[tuple[int, str, str]]
    weight: float = 1.0  # share of the province's dossiers
    citizens: int = 50  # how many different people come to this desk
    staff_ids: set[int] = field(default_factory=set)


class Rows:
    """The rows a batch writes, per table, with ids handed out here."""

    def __init__(self, next_ids: dict[type[models.Model], int]):
        self.next_ids = next_ids
        self.tables: dict[type[models.Model], list[tuple]] = defaultdict(list)

    def add(self, model: type[models.Model], *values) -> int:
        pk = self.next_ids[model]
        self.next_ids[model] = pk + 1
        self.tables[model].append((pk, *values))
        return pk


class Life:
    """One dossier, changed by the same rules as dossiers/services.py. Each method is the
    service of the same name, reduced to what it writes."""

    def __init__(self, gen: Generator, desk: Desk, dossier_id: int, code: str, created: int):
        self.gen, self.desk, self.days, self.rows = gen, desk, desk.days, gen.rows
        self.id, self.code, self.created = dossier_id, code, created
        self.competent = desk
        self.status = ""
        self.handler: tuple[int, str, str] | None = None
        self.received_by: int | None = None
        self.received_at = self.counts_from = self.due = self.original_due = None
        self.paused_on: int | None = None
        self.paused_days = 0
        self.finished_at = self.returned_at = None
        self.result = self.reason = self.supplement_note = self.returned_to = ""
        self.return_method = ""
        self.version = 1
        self.last = created
        self.steps: list[list] = []  # [kind, unit id, handler id, started, due, finished]
        self.documents: list[list] = []  # [catalogue id, name, required, originals, copies,
        # provided]

    # -- helpers --------------------------------------------------------------------------
    def event(self, action: str, actor: int | None, at: int, before: str, note="", data=None):
        self.rows.add(
            DossierEvent,
            self.id,
            action,
            actor,
            self.days.stamp(at),
            before,
            self.status,
            note,
            json.dumps(data, ensure_ascii=False) if data else "{}",
        )

    def step_dues(self) -> dict[str, int | None]:
        due = self.due
        processing = due
        if due is not None and (self.procedure.days or 0) >= 3:
            processing = max(due - 1, self.counts_from)
        return {
            StepKind.RECEPTION: self.counts_from,
            StepKind.PROCESSING: processing,
            StepKind.APPROVAL: due,
            StepKind.RETURN: due,
        }

    def open_step(self, kind: str, unit: Desk, handler: int | None, at: int) -> None:
        due = self.step_dues()[kind] if self.due is not None else None
        self.steps.append([kind, unit.unit.pk, handler, at, due, None])

    def close_open_steps(self, at: int, handler: int | None = None) -> None:
        for step in self.steps:
            if step[5] is None:
                step[5] = at
                if handler is not None:
                    step[2] = handler

    def start_clock(self, at: int) -> None:
        index, seconds = divmod(at, DAY)
        self.received_at = at
        self.counts_from = index if seconds < CUTOFF else index + 1
        days = 0 if self.procedure.same_day else self.procedure.days
        self.due = self.original_due = None if days is None else self.counts_from + days

    def paper(self, kind: str, actor: tuple[int, str, str], at: int, **content) -> None:
        issuing = self.competent if actor[0] in self.competent.staff_ids else self.desk
        snapshot = {
            "code": self.code,
            "unit": issuing.data,
            "receiving_unit": self.desk.data,
            "competent_unit": self.competent.data,
            "applicant": self.applicant,
            "procedure": self.procedure.snapshot,
            "documents": [
                {
                    "name": d[1],
                    "required": d[2],
                    "provided": d[5],
                    "originals": d[3],
                    "copies": d[4],
                }
                for d in self.documents
            ],
            "channel": self.channel,
            "result_delivery": self.delivery,
            "received_at": self.days.iso_local(self.received_at) if self.received_at else None,
            "counts_from": self.day(self.counts_from),
            "due_date": self.day(self.due),
            "returned_at": self.days.iso_local(self.returned_at) if self.returned_at else None,
            "result": self.result if self.status == S.RETURNED else "",
            "issued_by": actor[2],
        }
        content["dossier"] = snapshot
        self.rows.add(
            Paper,
            kind,
            self.id,
            Paper.new_token(),  # unguessable, as the verification page needs
            self.days.stamp(at),
            actor[0],
            json.dumps(content, ensure_ascii=False),
            0,
        )

    def day(self, index: int | None) -> str | None:
        return None if index is None else self.days.iso[index]

    # -- the services ---------------------------------------------------------------------
    def receive(self, at: int, actor, before: str = "") -> None:
        self.status = S.RECEIVED
        self.version += bool(before)  # checked at the desk after an online submission
        self.received_by = actor[0]
        self.start_clock(at)
        self.event(A.RECEIVE, actor[0], at, before)
        self.steps.append(
            [StepKind.RECEPTION, self.desk.unit.pk, actor[0], at, self.counts_from, at]
        )
        self.open_step(StepKind.PROCESSING, self.competent, None, at)
        self.paper(PaperKind.RECEIPT, actor, at)

    def receive_incomplete(self, at: int, actor, before: str = "") -> None:
        self.status = S.INCOMPLETE
        self.version += bool(before)
        self.received_by = actor[0]
        missing = [d for d in self.documents if d[2]][-1:] or self.documents[-1:]
        for document in missing:
            document[5] = False
        self.supplement_note = "\n".join(f"- {d[1]}" for d in missing)
        self.event(A.RECEIVE_INCOMPLETE, actor[0], at, before)
        self.paper(PaperKind.SUPPLEMENT, actor, at, missing=self.supplement_note, stage="reception")

    def complete(self, at: int, actor) -> None:
        for document in self.documents:
            document[5] = True
        self.start_clock(at)
        self.supplement_note = ""
        self.status = S.RECEIVED
        self.steps.append(
            [StepKind.RECEPTION, self.desk.unit.pk, actor[0], at, self.counts_from, at]
        )
        self.open_step(StepKind.PROCESSING, self.competent, None, at)
        self.paper(PaperKind.RECEIPT, actor, at)
        self.version += 1
        self.event(A.COMPLETE, actor[0], at, S.INCOMPLETE)

    def refuse(self, at: int, actor, before: str = "") -> None:
        self.status = S.REFUSED
        self.received_by = self.received_by or actor[0]
        self.reason = self.gen.rng.choice(REFUSALS)
        if before:
            self.version += 1
        self.event(A.REFUSE, actor[0], at, before, note=self.reason)
        self.paper(PaperKind.REFUSAL, actor, at, reason=self.reason, stage="reception")

    def receive_and_return(self, at: int, actor) -> None:
        self.status = S.RETURNED
        self.received_by = actor[0]
        self.start_clock(at)
        self.result = self.procedure.result
        self.returned_to = self.applicant["name"]
        self.return_method = ResultDelivery.COUNTER
        self.finished_at = self.returned_at = at
        self.event(A.RECEIVE_AND_RETURN, actor[0], at, "")
        self.steps.append([StepKind.RECEPTION, self.desk.unit.pk, actor[0], at, self.due, at])
        self.paper(PaperKind.RECEIPT, actor, at, no_appointment=True)

    def act(self, action: str, at: int, actor, note: str = "", **data) -> None:
        """What every later action shares (_act): new status, version, history row."""
        before = self.status
        self.status = TRANSITIONS[(before, action)]
        self.version += 1
        self.last = at
        self.event(action, actor[0], at, before, note=note, data=data)

    def transfer(self, at: int, actor, to: Desk) -> None:
        self.competent = to
        for step in self.steps:
            if step[5] is None:
                step[1] = to.unit.pk
        self.act(A.TRANSFER, at, actor, to_unit=to.unit.code)

    def assign(self, at: int, actor, handler) -> None:
        open_steps = [s for s in self.steps if s[5] is None]
        if open_steps and open_steps[0][2] is None:
            open_steps[0][2] = handler[0]
        else:
            self.close_open_steps(at)
            self.open_step(StepKind.PROCESSING, self.competent, handler[0], at)
        self.handler = handler
        self.act(A.ASSIGN, at, actor, handler=handler[1])

    def request_supplement(self, at: int, actor) -> None:
        self.paused_on = at // DAY
        self.supplement_note = self.gen.rng.choice(SUPPLEMENTS)
        self.paper(
            PaperKind.SUPPLEMENT, actor, at, missing=self.supplement_note, stage="processing"
        )
        self.act(A.REQUEST_SUPPLEMENT, at, actor, note=self.supplement_note)

    def receive_supplement(self, at: int, actor) -> None:
        paused = at // DAY - self.paused_on
        old_due = self.due
        if paused and self.due is not None:
            self.due += paused
            for step in self.steps:
                if step[5] is None and step[4] is not None:
                    step[4] += paused
        self.paused_days += paused
        self.paused_on = None
        self.supplement_note = ""
        self.act(
            A.RECEIVE_SUPPLEMENT,
            at,
            actor,
            paused_working_days=paused,
            old_due=str(self.day(old_due)),
            new_due=str(self.day(self.due)),
        )

    def submit_for_approval(self, at: int, actor) -> None:
        self.close_open_steps(at)
        self.open_step(StepKind.APPROVAL, self.competent, None, at)
        self.result = self.procedure.result
        self.act(A.SUBMIT_FOR_APPROVAL, at, actor, note=self.result)

    def send_back(self, at: int, actor) -> None:
        self.close_open_steps(at)
        self.open_step(StepKind.PROCESSING, self.competent, self.handler[0], at)
        self.act(A.SEND_BACK, at, actor, note=self.gen.rng.choice(SEND_BACKS))

    def decide(self, at: int, actor) -> None:
        self.close_open_steps(at, handler=actor[0])
        self.finished_at = at
        self.open_step(StepKind.RETURN, self.desk, None, at)

    def approve(self, at: int, actor) -> None:
        self.decide(at, actor)
        self.act(A.APPROVE, at, actor, note=self.result)

    def deny(self, at: int, actor) -> None:
        self.reason = self.gen.rng.choice(DENIALS)
        self.decide(at, actor)
        self.paper(PaperKind.REFUSAL, actor, at, reason=self.reason, stage="processing")
        self.act(A.DENY, at, actor, note=self.reason)

    def extend(self, at: int, actor, new_due: int) -> None:
        reason = self.gen.rng.choice(EXTENSIONS)
        old_due = self.due
        self.due = new_due
        dues = self.step_dues()
        for step in self.steps:
            if step[5] is None:
                step[4] = dues[step[0]]
        self.paper(
            PaperKind.APOLOGY,
            actor,
            at,
            reason=reason,
            old_due=str(self.day(old_due)),
            new_due=str(self.day(new_due)),
        )
        self.act(
            A.EXTEND, at, actor, note=reason, old_due=self.day(old_due), new_due=self.day(new_due)
        )

    def mark_result_ready(self, at: int, actor) -> None:
        self.act(A.MARK_RESULT_READY, at, actor)

    def return_result(self, at: int, actor, method: str) -> None:
        self.returned_to = self.applicant["name"]
        self.return_method = method
        self.returned_at = at
        self.close_open_steps(at)
        self.act(A.RETURN_RESULT, at, actor, returned_to=self.returned_to, method=method)

    def withdraw(self, at: int, actor) -> None:
        self.reason = self.gen.rng.choice(WITHDRAWALS)
        self.close_open_steps(at)
        self.act(A.WITHDRAW, at, actor, note=self.reason)


def plan(life: Life, course: Course, rng: random.Random) -> Iterator[tuple]:
    """The actions of a dossier's life in order: (method, moment, arguments...). Moments
    depend on the dossier as it is when the action comes (a pause moves the due date)."""
    days, desk = life.days, life.desk
    pick = rng.choice
    t = life.created
    if course.online_wait:
        t = days.later(t, rng.choice((0, 0, 1)), rng)
    desk_officer = pick(desk.desks)
    if course.reception == A.RECEIVE_AND_RETURN:
        yield "receive_and_return", t, desk_officer
        return
    if course.reception == A.REFUSE:
        yield "refuse", t, desk_officer, S.SUBMITTED_ONLINE if course.online_wait else ""
        return
    if course.reception == A.RECEIVE_INCOMPLETE:
        yield (
            "receive_incomplete",
            t,
            desk_officer,
            S.SUBMITTED_ONLINE if course.online_wait else "",
        )
        if not course.after_incomplete:
            return
        t = days.later(t, rng.randint(1, 6), rng)
        if course.after_incomplete == A.REFUSE:
            yield "refuse", t, pick(desk.desks), S.INCOMPLETE
            return
        if course.after_incomplete == A.WITHDRAW:
            yield "withdraw", t, pick(desk.desks)
            return
        yield "complete", t, pick(desk.desks)
    else:
        yield "receive", t, desk_officer, S.SUBMITTED_ONLINE if course.online_wait else ""
    if course.transfer_to is not None:
        t = days.later(t, rng.choice((0, 0, 1)), rng)
        yield "transfer", t, desk_officer, life.gen.desks[course.transfer_to]
    competent = life.competent
    t = days.later(t, 0 if rng.random() < 0.7 else 1, rng)
    handler = competent.specialists[0] if course.stop else pick(competent.specialists)
    yield "assign", t, pick(competent.leaders + competent.desks[:1]), handler
    if course.stuck or course.stop == S.IN_PROCESSING:
        return
    if course.supplement:
        t = days.later(t, rng.randint(0, max(0, (life.procedure.days or 1) - 1)), rng)
        yield "request_supplement", t, handler
        if course.supplement == "stay":
            return
        t = days.later(t, rng.randint(1, 8), rng)
        yield course.supplement, t, pick(desk.desks) if course.supplement == A.WITHDRAW else handler
        if course.supplement == A.WITHDRAW:
            return
    if course.withdraw:
        yield "withdraw", days.later(t, 1, rng), pick(desk.desks)
        return
    due = life.due if life.due is not None else t // DAY + 3
    processing_due = life.step_dues()[StepKind.PROCESSING] or due
    submit_day = max(t // DAY, processing_due - rng.choice((0, 0, 1, 1, 2)) + course.late_days)
    if course.extend:
        ask = max(t // DAY, due - 1)
        if ask < submit_day:
            t = max(days.later(t, 0, rng), days.later(ask * DAY, 0, rng))
            yield "extend", t, handler, due + course.late_days + rng.randint(0, 2)
    t = max(days.later(t, 0, rng), submit_day * DAY + rng.randrange(OPENS, CLOSES))
    yield "submit_for_approval", t, handler
    leader = pick(competent.leaders)
    if course.send_back:
        t = days.later(t, rng.choice((0, 1)), rng)
        yield "send_back", t, leader
        t = days.later(t, rng.choice((0, 1)), rng)
        yield "submit_for_approval", t, handler
    t = days.later(t, rng.choice((0, 0, 1)) if (life.procedure.days or 0) >= 3 else 0, rng)
    yield ("deny" if course.decision == A.DENY else "approve"), t, leader
    t = days.later(t, 0, rng)
    yield "mark_result_ready", t, pick(desk.desks) if rng.random() < 0.7 else handler
    if course.collect_days is None:
        return
    t = days.later(t, course.collect_days, rng)
    method = life.delivery
    yield "return_result", t, pick(desk.desks), method
