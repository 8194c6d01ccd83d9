"""Who comes when, and the rows of each dossier, day by day in the order of reception."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections import Counter, defaultdict
from collections.abc import Iterator

from django.db import models
from django.utils import timezone

from dossiers.models import (
    Dossier,
    DossierChannel,
    DossierDocument,
    DossierStatus,
    DossierStep,
    ResultDelivery,
)
from dossiers.workflow import Action
from workcalendar.clock import TZ

from .lives import (
    COVERAGE,
    CUTOFF,
    DAY,
    OPENS,
    Catalogue,
    Course,
    Days,
    Desk,
    Life,
    Rows,
    plan,
    random_course,
)
from .people import PLACE_ENDS, address, person

S = DossierStatus
A = Action
YEARS = 2

# ---------------------------------------------------------------------------------------
# The generator


class Generator:
    def __init__(
        self,
        *,
        desks: list[Desk],
        procedures: list[Catalogue],
        weights: list[float],
        now: dt.datetime,
        seed: int,
        counters: dict[tuple[int, dt.date], int],
        next_ids: dict[type[models.Model], int],
    ):
        self.desks = desks
        self.procedures = procedures
        self.procedure_cumulative = list(itertools.accumulate(weights))
        self.rng = random.Random(seed)
        self.now = timezone.localtime(now, TZ)
        self.counters = counters
        self.touched: dict[tuple[int, dt.date], int] = {}
        self.rows = Rows(next_ids)
        # Coverage dossiers need a time limit long enough to be due soon, today or late.
        best = max(
            range(len(procedures)), key=lambda i: ((procedures[i].days or 0) >= 5, weights[i])
        )
        self.coverage_procedure = procedures[best]

    def take_batch(self) -> tuple[dict, dict]:
        """The rows made since the last call, and the counters of the days they fill."""
        batch = (self.rows.tables, self.touched)
        self.rows.tables, self.touched = defaultdict(list), {}
        return batch

    def now_moment(self, days: Days) -> int:
        today = self.now.date()
        index = days.on_or_after(today)
        if days.days[index] != today:
            return index * DAY
        return index * DAY + self.now.hour * 3600 + self.now.minute * 60 + self.now.second

    def schedule(self, count: int) -> dict[dt.date, list[tuple]]:
        """Who comes when: (unit, day) for every dossier, drawn with the desks' sizes and
        the days' weights, plus the coverage dossiers. -> {day: [(desk, course-or-None)]}."""
        rng = self.rng
        start = self.now.date() - dt.timedelta(days=365 * YEARS)
        coverage = []
        for desk in sorted(self.desks, key=lambda d: -d.weight):
            for status, due_in, overrides in COVERAGE:
                if status == S.TRANSFERRED and len(self.desks) < 2:
                    continue
                coverage.append((desk, status, due_in, overrides))
        coverage = coverage[: count // 2]
        cells: list[tuple[Desk, int]] = []
        weights: list[float] = []
        for desk in self.desks:
            days = desk.days
            first, today = days.on_or_after(start), days.on_or_after(self.now.date())
            now = self.now_moment(days)
            for index in range(first, today + 1):
                weight = desk.weight * (0.8 + 0.4 * (index - first) / max(1, today - first))
                if days.saturday[index]:
                    weight *= 0.4
                elif days.days[index].weekday() == 0:
                    weight *= 1.2
                if index * DAY + OPENS >= now:
                    continue
                cells.append((desk, index))
                weights.append(weight)
        picks = Counter(rng.choices(range(len(cells)), weights, k=count - len(coverage)))
        plan: dict[dt.date, list[tuple]] = defaultdict(list)
        for cell, n in picks.items():
            desk, index = cells[cell]
            plan[desk.days.days[index]].extend([(desk, index, None)] * n)
        for desk, status, due_in, overrides in coverage:
            days = desk.days
            today = days.on_or_after(self.now.date())
            procedure_days = self.coverage_procedure.days or 0
            index = today if due_in is None else min(today + due_in - procedure_days, today)
            if status in (S.INCOMPLETE, S.SUBMITTED_ONLINE):
                index = today - 1
            if index * DAY + OPENS + 1800 >= self.now_moment(days):
                index -= 1
            course = Course(stop=status, **overrides)
            plan[days.days[index]].append((desk, index, course))
        return plan

    def dossiers(self, count: int) -> Iterator[int]:
        """Generate the rows, day by day in the order of reception; yields after each day
        the number of dossiers made so far (the caller flushes the rows when it likes)."""
        rng = self.rng
        plan = self.schedule(count)
        made = 0
        for day in sorted(plan):
            arrivals = []
            for desk, index, course in plan[day]:
                days = desk.days
                now = self.now_moment(days)
                seconds = days.office_time(rng, index)
                if index * DAY + seconds >= now:
                    seconds = rng.randrange(OPENS, max(OPENS + 1, now - index * DAY))
                if course is not None and course.stop and course.stop != S.SUBMITTED_ONLINE:
                    seconds = min(seconds, CUTOFF - 60)  # counts from that day
                arrivals.append((seconds, desk.index, index, course))
            arrivals.sort(key=lambda a: (a[0], a[1]))
            for seconds, desk_index, index, course in arrivals:
                desk = self.desks[desk_index]
                key = (desk.unit.pk, day)
                number = self.counters.get(key, 0) + 1
                self.counters[key] = self.touched[key] = number
                self.dossier(desk, index * DAY + seconds, number, course)
                made += 1
            yield made

    def dossier(self, desk: Desk, created: int, number: int, course: Course | None) -> None:
        rng, days = self.rng, desk.days
        code = f"{desk.unit.code}-{days.days[created // DAY]:%y%m%d}-{number:04d}"
        dossier_id = self.rows.next_ids[Dossier]
        self.rows.next_ids[Dossier] += 1
        life = Life(self, desk, dossier_id, code, created)
        if course is not None:
            procedure = self.coverage_procedure
        else:
            procedure = self.procedures[
                bisect.bisect_right(
                    self.procedure_cumulative, rng.random() * self.procedure_cumulative[-1]
                )
            ]
        life.procedure = procedure
        channel = rng.choices(
            [DossierChannel.COUNTER, DossierChannel.ONLINE, DossierChannel.POST, "mobile_team"],
            [75, 15, 5, 5],
        )[0]
        delivery = ResultDelivery.COUNTER
        if channel == DossierChannel.ONLINE and rng.random() < 0.5:
            delivery = ResultDelivery.ONLINE
        elif rng.random() < 0.08:
            delivery = ResultDelivery.POST
        life.channel, life.delivery = channel, delivery
        citizen = desk.index * 10_000_000 + rng.randrange(desk.citizens)
        who = person(citizen)
        organisation = ""
        if procedure.business and rng.random() < 0.3:
            organisation = f"Hộ kinh doanh {who.name.split()[-1]} {rng.choice(PLACE_ENDS)}"
        life.applicant = {
            "name": who.name,
            "organisation": organisation,
            "address": address(citizen, desk.unit),
            "phone": who.phone,
            "email": who.email,
        }
        life.id_number = who.id_number
        life.documents = [[*d, True] for d in procedure.documents]

        if course is None:
            same_day_counter = (
                procedure.same_day and channel == DossierChannel.COUNTER and created % DAY < CUTOFF
            )
            course = random_course(rng, same_day_counter, delivery, len(self.desks))
            course.online_wait = channel == DossierChannel.ONLINE and (
                course.reception != A.RECEIVE_AND_RETURN
            )
            stop_at_now = True
        else:
            stop_at_now = False
        if course.transfer_to is not None:
            step = rng.choice((1, 2, 3, -1, -2))
            course.transfer_to = (desk.index + step) % len(self.desks)
            if course.transfer_to == desk.index:
                course.transfer_to = None
        if course.stop == S.SUBMITTED_ONLINE:
            life.channel = DossierChannel.ONLINE
        now = self.now_moment(days)
        if course.online_wait or course.stop == S.SUBMITTED_ONLINE:
            life.status = S.SUBMITTED_ONLINE
        if course.stop != S.SUBMITTED_ONLINE:
            for method, at, *arguments in plan(life, course, rng):
                if stop_at_now:
                    if at >= now:
                        break
                else:
                    at = min(at, now - 60)
                at = max(at, life.last)  # the history keeps its order
                getattr(life, method)(at, *arguments)
                life.last = at
                if course.stop and life.status == course.stop:
                    break
        self.write(life)

    def write(self, life: Life) -> None:
        rows, days = self.rows, life.days
        stamp = days.stamp
        applicant = life.applicant
        rows.tables[Dossier].append(
            (
                life.id,
                life.code,
                life.procedure.id,
                applicant["name"],
                life.id_number,
                applicant["phone"],
                applicant["email"],
                applicant["address"],
                applicant["organisation"],
                "en" if life.id % 53 == 0 else "vi",
                life.desk.unit.pk,
                life.competent.unit.pk,
                life.channel,
                life.delivery,
                life.status,
                life.handler[0] if life.handler else None,
                life.received_by,
                stamp(life.created),
                stamp(life.received_at) if life.received_at is not None else None,
                life.day(life.counts_from),
                life.day(life.due),
                life.day(life.original_due),
                life.day(life.paused_on),
                life.paused_days,
                stamp(life.finished_at) if life.finished_at is not None else None,
                stamp(life.returned_at) if life.returned_at is not None else None,
                life.result,
                life.reason,
                life.supplement_note,
                life.returned_to,
                life.return_method,
                life.version,
                stamp(life.last),
            )
        )
        for position, (catalogue_id, name, required, originals, copies, provided) in enumerate(
            life.documents
        ):
            rows.add(
                DossierDocument,
                life.id,
                catalogue_id,
                position,
                name,
                required,
                originals if provided else 0,
                copies if provided else 0,
                provided,
            )
        for kind, unit_id, handler_id, started, due, finished in life.steps:
            rows.add(
                DossierStep,
                life.id,
                kind,
                unit_id,
                handler_id,
                stamp(started),
                life.day(due),
                stamp(finished) if finished is not None else None,
                "",
            )
