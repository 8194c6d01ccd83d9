"""`manage.py seed_bench --dossiers N [--units K] [--seed S] [--now ISO] [--append]`: realistic
dossiers for benchmarks, e.g. 1,000,000 of them over two years of a province's communes.

What it makes, so that the worklists and the tracking lookup are measured on data shaped like
a real province's:
- units: the existing communes of the province (seed_demo's, say), plus new ones until there
  are K (default 100); a province and the sample catalogue first if there are none;
- staff per commune: 2 desk officers, 3 specialists, 1 leader (password: seed_demo's);
- dossiers received on the desks' working days of the last ~2 years (Saturday mornings at
  desks that serve then), busy wards and quiet communes (Zipf-like sizes), procedures
  weighted by popularity, citizens who come back (Vietnamese names, 12-digit ID numbers,
  mobile numbers), codes `<unit code>-<YYMMDD>-<NNNN>` numbered per unit and day in the
  order of reception, and DossierCounter brought up to date;
- each dossier lives its life through the same steps as dossiers/services.py (reception,
  transfer, assignment, supplement with the clock paused, approval or denial, apology with
  a new date, result ready, returned; same-day dossiers returned at the counter) up to the
  moment `--now`: the history rows, the control-slip steps, the documents and the papers
  (01-04, with their content snapshot) are those the services would have written. Most are
  returned; the recent ones are open in every status, a few are late, paused or stuck;
- every commune gets, among its most recent dossiers, one in each open status (due today,
  due soon, overdue, paused, awaiting approval ...), so that no worklist is empty.

Rows are written in batches of about 5,000 dossiers (one transaction each, counters
included): COPY on PostgreSQL, multi-row INSERTs elsewhere (SQLite, for tests). Nothing is
dropped or disabled; the sequences are reset and the tables analysed at the end. It refuses
to run on a database that already has dossiers unless --append. For benchmark databases
only: it creates staff accounts with a published password (refused when HTTPS is on unless
--force), and the audit history rows it writes were never acted by anyone.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import queue
import random
import threading
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from dossiers.models import (
    Dossier,
    DossierChannel,
    DossierCounter,
    DossierDocument,
    DossierEvent,
    DossierStatus,
    DossierStep,
    Paper,
    PaperKind,
    ResultDelivery,
    StepKind,
)
from dossiers.papers import person_name, unit_data
from dossiers.workflow import TRANSITIONS, Action
from portal.models import Role, Unit, UnitKind, User
from procedures.models import Level, Procedure
from workcalendar.clock import TZ, WorkCalendar

S = DossierStatus
A = Action
BATCH = 5_000
YEARS = 2
SAMPLE_CATALOGUE = Path(settings.BASE_DIR) / "demo" / "sample-catalogue.json"
STAFF = ((Role.DESK_OFFICER, "desk", 2), (Role.SPECIALIST, "cv", 3), (Role.LEADER, "ld", 1))

# ---------------------------------------------------------------------------------------
# People: everything about a citizen follows from a person number, so a citizen who comes
# back to the desk has the same name, ID number and phone, without keeping them in memory.

FAMILY = [
    ("Nguyễn", 380), ("Trần", 110), ("Lê", 95), ("Phạm", 70), ("Hoàng", 40), ("Phan", 45),
    ("Vũ", 30), ("Võ", 25), ("Huỳnh", 30), ("Đặng", 20), ("Bùi", 20), ("Đỗ", 15), ("Hồ", 13),
    ("Ngô", 13), ("Dương", 10), ("Lý", 5), ("Đinh", 10), ("Trương", 10), ("Lâm", 5), ("Mai", 5),
]  # fmt: skip
MIDDLE = (
    ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Đình", "Ngọc", "Quang"],
    ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Kim", "Phương", "Mỹ", "Hồng", "Bích"],
)
GIVEN = (
    "An Bình Cường Dũng Duy Đạt Hải Hiếu Hoàng Hùng Huy Khang Khoa Kiên Lâm Long Lộc Minh Nam "
    "Nghĩa Nhân Phát Phong Phúc Quân Quang Sơn Tài Tâm Thắng Thành Thịnh Tiến Toàn Trí Trung "
    "Tuấn Tùng Việt Vinh".split(),
    "Anh Châu Chi Dung Duyên Giang Hà Hạnh Hằng Hiền Hoa Hồng Huệ Hương Lan Liên Linh Loan Mai "
    "My Nga Ngân Ngọc Nhung Oanh Phương Quyên Quỳnh Tâm Thảo Thu Thủy Trang Trinh Tuyết Uyên "
    "Vân Vy Xuân Yến".split(),
)
PHONE_PREFIXES = (
    "032 033 034 035 036 037 038 039 070 076 077 078 079 081 082 083 084 085 086 088 089 "
    "090 091 093 094 096 097 098 056 058".split()
)
# First three digits of a 12-digit ID number: the province of birth (Lâm Đồng 068 first).
BIRTH_PROVINCES = ["068"] * 14 + ["067", "060", "066", "056", "038", "040", "036", "001", "079"]
STREETS = "Trần Phú, Lê Lợi, Hùng Vương, Nguyễn Văn Cừ, Phan Bội Châu, Quang Trung, Nguyễn Trãi, "
STREETS += "Hai Bà Trưng, Lý Thường Kiệt, Ba Tháng Hai"
STREET_NAMES = STREETS.split(", ")
_FAMILY_NAMES = [name for name, _weight in FAMILY]
_FAMILY_CUMULATIVE = list(itertools.accumulate(weight for _name, weight in FAMILY))
MASK64 = (1 << 64) - 1


def plain(text: str) -> str:
    """Vietnamese without diacritics ("Đức Hòa" -> "Duc Hoa"), for e-mails and English names."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def mix(value: int) -> int:
    """splitmix64: a well-spread 64-bit number from any integer."""
    value = (value + 0x9E3779B97F4A7C15) & MASK64
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & MASK64
    return value ^ (value >> 31)


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    id_number: str
    phone: str
    email: str
    female: bool


def person(number: int) -> Person:
    """The citizen with this number: name, 12-digit ID number (province of birth, century
    and sex, year of birth, serial), 10-digit mobile number (4% have none), e-mail (12%)."""
    h, g = mix(number), mix(number ^ 0x5DEECE66D)
    female = bool(h & 1)
    family = _FAMILY_NAMES[
        bisect.bisect_right(_FAMILY_CUMULATIVE, (h >> 1) % _FAMILY_CUMULATIVE[-1])
    ]
    middle = MIDDLE[female][(h >> 12) % len(MIDDLE[female])]
    given = GIVEN[female][(h >> 20) % len(GIVEN[female])]
    born = 1950 + (h >> 28) % 57
    century_sex = (0 if born < 2000 else 2) + female
    province = BIRTH_PROVINCES[(g >> 4) % len(BIRTH_PROVINCES)]
    id_number = f"{province}{century_sex}{born % 100:02d}{(g >> 12) % 1_000_000:06d}"
    phone = ""
    if (g >> 40) % 100 >= 4:
        phone = PHONE_PREFIXES[(g >> 32) % len(PHONE_PREFIXES)] + f"{(h >> 36) % 10_000_000:07d}"
    email = ""
    if (g >> 48) % 100 < 12:
        email = plain(f"{given}.{family}{born % 100:02d}").lower() + "@gmail.com"
    return Person(f"{family} {middle} {given}", id_number, phone, email, female)


def address(number: int, unit: Unit) -> str:
    h = mix(number ^ 0xADD12E55)
    if unit.kind == UnitKind.WARD:
        place = f"Số {h % 200 + 1} đường {STREET_NAMES[(h >> 8) % len(STREET_NAMES)]}, "
        place += f"tổ dân phố {(h >> 16) % 30 + 1}"
    else:
        place = f"Thôn {(h >> 16) % 15 + 1}"
    return f"{place}, {unit.name_vi or unit.name}"


# Texts officers write, drawn at random.
REFUSALS = [
    "Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân cấp xã.",
    "Người nộp không thuộc đối tượng được giải quyết theo quy định.",
    "Giấy tờ nộp là bản chụp không có chứng thực, không đủ điều kiện tiếp nhận.",
]
SUPPLEMENTS = [
    "- Bản sao giấy tờ chứng minh nơi cư trú",
    "- Tờ khai còn thiếu thông tin, đề nghị khai lại đầy đủ",
    "- Văn bản ủy quyền có chứng thực\n- Bản sao giấy tờ tùy thân của người được ủy quyền",
]
DENIALS = [
    "Hồ sơ không đáp ứng điều kiện theo quy định.",
    "Kết quả xác minh tại địa phương không phù hợp với nội dung đề nghị.",
]
EXTENSIONS = [
    "Cần xác minh thêm thông tin tại nơi cư trú trước đây của người nộp.",
    "Chờ ý kiến của cơ quan chuyên môn cấp tỉnh.",
]
SEND_BACKS = ["Đề nghị bổ sung ý kiến thẩm định.", "Kiểm tra lại nội dung dự thảo kết quả."]
WITHDRAWALS = ["Công dân xin rút hồ sơ.", "Công dân không còn nhu cầu giải quyết."]
PLACE_WORDS = (
    "Tân Phúc Hòa An Bình Đức Lộc Gia Hiệp Quảng Liên Ninh Đại Đông Tây Xuân Thạnh Phú Mỹ Long"
).split()
PLACE_ENDS = "Hà Thọ Phát Thanh Lâm Nghĩa Trung Sơn Thành Hưng Lợi Hải Định Tiến Yên".split()

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
# A dossier's life, decided up front (Path), played action by action (Life) like the
# services do, and stopped at `now` (or at a chosen status, for the coverage dossiers).


@dataclass(slots=True)
class Path:
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


def random_path(rng: random.Random, same_day_counter: bool, delivery: str, units: int) -> Path:
    path = Path()
    r = rng.random()
    if same_day_counter and r < 0.85:
        path.reception = A.RECEIVE_AND_RETURN
        return path
    if r < 0.008:
        path.reception = A.REFUSE
        return path
    if r < 0.048:
        path.reception = A.RECEIVE_INCOMPLETE
        path.after_incomplete = rng.choices([A.COMPLETE, A.WITHDRAW, A.REFUSE, ""], [75, 5, 5, 15])[
            0
        ]
    if units > 1 and rng.random() < 0.04:
        path.transfer_to = -1  # chosen by the caller: a neighbouring commune
    if rng.random() < 0.07:
        path.supplement = rng.choices([A.RECEIVE_SUPPLEMENT, "stay", A.WITHDRAW], [88, 6, 6])[0]
    if rng.random() < 0.03:
        path.late_days = rng.randint(1, 5)
        path.extend = rng.random() < 0.6
    path.send_back = rng.random() < 0.03
    path.decision = A.DENY if rng.random() < 0.025 else A.APPROVE
    path.withdraw = rng.random() < 0.003
    path.stuck = rng.random() < 0.0008
    if delivery != ResultDelivery.COUNTER:
        path.collect_days = rng.choice((0, 0, 1))
    else:
        r = rng.random()
        if r < 0.004:
            path.collect_days = None
        elif r < 0.4:
            path.collect_days = 0
        elif r < 0.65:
            path.collect_days = 1
        elif r < 0.9:
            path.collect_days = rng.randint(2, 5)
        else:
            path.collect_days = rng.randint(6, 20)
    return path


# One dossier of each open status in every commune, so that no worklist is empty:
# (status to stop at, due date in working days from today or None: received today, path).
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


def plan(life: Life, path: Path, rng: random.Random) -> Iterator[tuple]:
    """The actions of a dossier's life in order: (method, moment, arguments...). Moments
    depend on the dossier as it is when the action comes (a pause moves the due date)."""
    days, desk = life.days, life.desk
    pick = rng.choice
    t = life.created
    if path.online_wait:
        t = days.later(t, rng.choice((0, 0, 1)), rng)
    desk_officer = pick(desk.desks)
    if path.reception == A.RECEIVE_AND_RETURN:
        yield "receive_and_return", t, desk_officer
        return
    if path.reception == A.REFUSE:
        yield "refuse", t, desk_officer, S.SUBMITTED_ONLINE if path.online_wait else ""
        return
    if path.reception == A.RECEIVE_INCOMPLETE:
        yield "receive_incomplete", t, desk_officer, S.SUBMITTED_ONLINE if path.online_wait else ""
        if not path.after_incomplete:
            return
        t = days.later(t, rng.randint(1, 6), rng)
        if path.after_incomplete == A.REFUSE:
            yield "refuse", t, pick(desk.desks), S.INCOMPLETE
            return
        if path.after_incomplete == A.WITHDRAW:
            yield "withdraw", t, pick(desk.desks)
            return
        yield "complete", t, pick(desk.desks)
    else:
        yield "receive", t, desk_officer, S.SUBMITTED_ONLINE if path.online_wait else ""
    if path.transfer_to is not None:
        t = days.later(t, rng.choice((0, 0, 1)), rng)
        yield "transfer", t, desk_officer, life.gen.desks[path.transfer_to]
    competent = life.competent
    t = days.later(t, 0 if rng.random() < 0.7 else 1, rng)
    handler = competent.specialists[0] if path.stop else pick(competent.specialists)
    yield "assign", t, pick(competent.leaders + competent.desks[:1]), handler
    if path.stuck or path.stop == S.IN_PROCESSING:
        return
    if path.supplement:
        t = days.later(t, rng.randint(0, max(0, (life.procedure.days or 1) - 1)), rng)
        yield "request_supplement", t, handler
        if path.supplement == "stay":
            return
        t = days.later(t, rng.randint(1, 8), rng)
        yield path.supplement, t, pick(desk.desks) if path.supplement == A.WITHDRAW else handler
        if path.supplement == A.WITHDRAW:
            return
    if path.withdraw:
        yield "withdraw", days.later(t, 1, rng), pick(desk.desks)
        return
    due = life.due if life.due is not None else t // DAY + 3
    processing_due = life.step_dues()[StepKind.PROCESSING] or due
    submit_day = max(t // DAY, processing_due - rng.choice((0, 0, 1, 1, 2)) + path.late_days)
    if path.extend:
        ask = max(t // DAY, due - 1)
        if ask < submit_day:
            t = max(days.later(t, 0, rng), days.later(ask * DAY, 0, rng))
            yield "extend", t, handler, due + path.late_days + rng.randint(0, 2)
    t = max(days.later(t, 0, rng), submit_day * DAY + rng.randrange(OPENS, CLOSES))
    yield "submit_for_approval", t, handler
    leader = pick(competent.leaders)
    if path.send_back:
        t = days.later(t, rng.choice((0, 1)), rng)
        yield "send_back", t, leader
        t = days.later(t, rng.choice((0, 1)), rng)
        yield "submit_for_approval", t, handler
    t = days.later(t, rng.choice((0, 0, 1)) if (life.procedure.days or 0) >= 3 else 0, rng)
    yield ("deny" if path.decision == A.DENY else "approve"), t, leader
    t = days.later(t, 0, rng)
    yield "mark_result_ready", t, pick(desk.desks) if rng.random() < 0.7 else handler
    if path.collect_days is None:
        return
    t = days.later(t, path.collect_days, rng)
    method = life.delivery
    yield "return_result", t, pick(desk.desks), method


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
        the days' weights, plus the coverage dossiers. -> {day: [(desk, path-or-None)]}."""
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
            path = Path(stop=status, **overrides)
            plan[days.days[index]].append((desk, index, path))
        return plan

    def dossiers(self, count: int) -> Iterator[int]:
        """Generate the rows, day by day in the order of reception; yields after each day
        the number of dossiers made so far (the caller flushes the rows when it likes)."""
        rng = self.rng
        plan = self.schedule(count)
        made = 0
        for day in sorted(plan):
            arrivals = []
            for desk, index, path in plan[day]:
                days = desk.days
                now = self.now_moment(days)
                seconds = days.office_time(rng, index)
                if index * DAY + seconds >= now:
                    seconds = rng.randrange(OPENS, max(OPENS + 1, now - index * DAY))
                if path is not None and path.stop and path.stop != S.SUBMITTED_ONLINE:
                    seconds = min(seconds, CUTOFF - 60)  # counts from that day
                arrivals.append((seconds, desk.index, index, path))
            arrivals.sort(key=lambda a: (a[0], a[1]))
            for seconds, desk_index, index, path in arrivals:
                desk = self.desks[desk_index]
                key = (desk.unit.pk, day)
                number = self.counters.get(key, 0) + 1
                self.counters[key] = self.touched[key] = number
                self.dossier(desk, index * DAY + seconds, number, path)
                made += 1
            yield made

    def dossier(self, desk: Desk, created: int, number: int, path: Path | None) -> None:
        rng, days = self.rng, desk.days
        code = f"{desk.unit.code}-{days.days[created // DAY]:%y%m%d}-{number:04d}"
        dossier_id = self.rows.next_ids[Dossier]
        self.rows.next_ids[Dossier] += 1
        life = Life(self, desk, dossier_id, code, created)
        if path is not None:
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

        if path is None:
            same_day_counter = (
                procedure.same_day and channel == DossierChannel.COUNTER and created % DAY < CUTOFF
            )
            path = random_path(rng, same_day_counter, delivery, len(self.desks))
            path.online_wait = channel == DossierChannel.ONLINE and (
                path.reception != A.RECEIVE_AND_RETURN
            )
            stop_at_now = True
        else:
            stop_at_now = False
        if path.transfer_to is not None:
            step = rng.choice((1, 2, 3, -1, -2))
            path.transfer_to = (desk.index + step) % len(self.desks)
            if path.transfer_to == desk.index:
                path.transfer_to = None
        if path.stop == S.SUBMITTED_ONLINE:
            life.channel = DossierChannel.ONLINE
        now = self.now_moment(days)
        if path.online_wait or path.stop == S.SUBMITTED_ONLINE:
            life.status = S.SUBMITTED_ONLINE
        if path.stop != S.SUBMITTED_ONLINE:
            for method, at, *arguments in plan(life, path, rng):
                if stop_at_now:
                    if at >= now:
                        break
                else:
                    at = min(at, now - 60)
                at = max(at, life.last)  # the history keeps its order
                getattr(life, method)(at, *arguments)
                life.last = at
                if path.stop and life.status == path.stop:
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


COLUMNS: dict[type[models.Model], list[str]] = {
    Dossier: [
        "id", "code", "procedure_id", "applicant_name", "applicant_id_number", "applicant_phone",
        "applicant_email", "applicant_address", "organisation_name", "language",
        "receiving_unit_id", "competent_unit_id", "channel", "result_delivery", "status",
        "handler_id", "received_by_id", "created_at", "received_at", "counts_from", "due_date",
        "original_due_date", "paused_on", "paused_working_days", "finished_at", "returned_at",
        "result", "reason", "supplement_note", "returned_to", "return_method", "version",
        "updated_at",
    ],
    DossierDocument: [
        "id", "dossier_id", "catalogue_document_id", "position", "name", "required", "originals",
        "copies", "provided",
    ],
    DossierEvent: [
        "id", "dossier_id", "action", "actor_id", "at", "from_status", "to_status", "note", "data",
    ],
    DossierStep: [
        "id", "dossier_id", "kind", "unit_id", "handler_id", "started_at", "due", "finished_at",
        "note",
    ],
    Paper: ["id", "kind", "dossier_id", "token", "issued_at", "issued_by_id", "content", "prints"],
}  # fmt: skip
TABLES = list(COLUMNS)

# ---------------------------------------------------------------------------------------
# Writing: COPY on PostgreSQL, INSERT elsewhere. Columns added to the models later that
# seed_bench does not know get their default (or NULL), or the command says it cannot.


class Writer:
    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.seconds: Counter = Counter()  # time spent writing each table (all writers)
        self.rows: Counter = Counter()  # rows written to each table
        self.lock = threading.Lock()
        self.extra: dict[type[models.Model], tuple[list[str], tuple]] = {}
        self.datetimes: dict[type[models.Model], list[int]] = {}
        for model, columns in COLUMNS.items():
            names, values = [], []
            concrete = {f.column: f for f in model._meta.concrete_fields}
            unknown = [c for c in columns if c not in concrete]
            if unknown:
                raise CommandError(f"seed_bench: {model.__name__} has no column {unknown}")
            for column, model_field in concrete.items():
                if column in columns:
                    continue
                if model_field.has_default():
                    value = model_field.get_db_prep_save(model_field.get_default(), connection)
                elif model_field.null:
                    value = None
                else:
                    raise CommandError(
                        f"seed_bench: {model.__name__}.{model_field.name} is required and "
                        "seed_bench does not know how to fill it; teach it."
                    )
                names.append(column)
                values.append(value)
            self.extra[model] = (names, tuple(values))
            self.datetimes[model] = [
                i
                for i, column in enumerate(columns)
                if isinstance(concrete[column], models.DateTimeField)
            ]

    def write(self, model: type[models.Model], rows: list[tuple]) -> None:
        if not rows:
            return
        names, values = self.extra[model]
        columns = COLUMNS[model] + names
        table = connection.ops.quote_name(model._meta.db_table)
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        if self.postgres:
            with connection.connection.cursor() as cursor:
                with cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + values)
            return
        adapt = connection.ops.adapt_datetimefield_value
        positions = self.datetimes[model]
        converted = []
        for row in rows:
            row = list(row)
            for i in positions:
                if row[i] is not None:
                    row[i] = adapt(dt.datetime.fromisoformat(row[i]))
            converted.append(tuple(row) + values)
        per_statement = max(1, 900 // len(columns))  # SQLite's limit on parameters
        marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
        with connection.cursor() as cursor:
            for start in range(0, len(converted), per_statement):
                chunk = converted[start : start + per_statement]
                # Table and column names come from the models, the values are parameters.
                cursor.execute(
                    f"INSERT INTO {table} ({quoted}) VALUES "  # noqa: S608
                    + ", ".join([marks] * len(chunk)),
                    [value for row in chunk for value in row],
                )

    def write_counters(self, counters: dict[tuple[int, dt.date], int]) -> None:
        """Upsert the running numbers (PostgreSQL and SQLite both speak ON CONFLICT)."""
        rows = [(unit_id, day.isoformat(), last) for (unit_id, day), last in counters.items()]
        table = connection.ops.quote_name(DossierCounter._meta.db_table)
        if self.postgres and rows:
            units, days, lasts = zip(*rows, strict=True)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (unit_id, day, last) "  # noqa: S608
                    "SELECT * FROM unnest(%s::bigint[], %s::date[], %s::integer[]) "
                    "ON CONFLICT (unit_id, day) DO UPDATE SET last = EXCLUDED.last",
                    [list(units), list(days), list(lasts)],
                )
            return
        with connection.cursor() as cursor:
            for start in range(0, len(rows), 300):
                chunk = rows[start : start + 300]
                cursor.execute(
                    f"INSERT INTO {table} (unit_id, day, last) VALUES "  # noqa: S608
                    + ", ".join(["(%s, %s, %s)"] * len(chunk))
                    + " ON CONFLICT (unit_id, day) DO UPDATE SET last = EXCLUDED.last",
                    [value for row in chunk for value in row],
                )

    def write_batch(self, tables: dict, counters: dict) -> None:
        """One transaction: the rows of whole days and their counters, so that whatever
        happens later the database holds complete days with consistent counters."""
        seconds: Counter = Counter()
        begun = time.perf_counter()
        with transaction.atomic():
            for model in TABLES:
                started = time.perf_counter()
                self.write(model, tables.get(model, []))
                seconds[model] += time.perf_counter() - started
            started = time.perf_counter()
            self.write_counters(counters)
            seconds[DossierCounter] += time.perf_counter() - started
            started = time.perf_counter()
        # The foreign keys are checked at commit (deferred constraints).
        seconds["commit"] += time.perf_counter() - started
        seconds["total"] += time.perf_counter() - begun
        with self.lock:
            self.seconds.update(seconds)
            self.rows.update({model: len(rows) for model, rows in tables.items()})
            self.rows[DossierCounter] += len(counters)


class BatchWriter:
    """Writes batches in threads of their own (each its own connection) while the next
    batches are made, so that Python and PostgreSQL work at the same time and PostgreSQL
    checks foreign keys on two cores. Inside a transaction (tests) or on SQLite it writes
    in line instead, on the caller's connection."""

    def __init__(self, writer: Writer, threads: int):
        self.writer = writer
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        self.threads = [
            threading.Thread(target=self.run, daemon=True)
            for _ in range(threads if threaded else 0)
        ]
        self.queue: queue.Queue = queue.Queue(maxsize=len(self.threads) + 1)
        self.error: BaseException | None = None

    def __enter__(self) -> BatchWriter:
        for thread in self.threads:
            thread.start()
        return self

    def run(self) -> None:
        try:
            with connection.cursor() as cursor:
                # Scratch data: a crash loses the last batches, never corrupts them.
                cursor.execute("SET synchronous_commit TO off")
            while (batch := self.queue.get()) is not None:
                if self.error is None:
                    try:
                        self.writer.write_batch(*batch)
                    except BaseException as error:  # noqa: BLE001 - raised by the producer
                        self.error = error
        finally:
            connection.close()

    def put(self, tables: dict, counters: dict) -> None:
        if not self.threads:
            self.writer.write_batch(tables, counters)
            return
        if self.error is not None:
            raise self.error
        self.queue.put((tables, counters))

    def __exit__(self, *exc) -> None:
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        if self.error is not None and exc[0] is None:
            raise self.error


# ---------------------------------------------------------------------------------------
# The command


class Command(BaseCommand):
    help = "Generate realistic dossiers for benchmarks (a scratch database: never production)."

    def add_arguments(self, parser):
        parser.add_argument("--dossiers", type=int, required=True, help="how many to make")
        parser.add_argument("--units", type=int, default=100, help="communes (made if missing)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--now", default="", help="the moment the data stops (ISO datetime; default now)"
        )
        parser.add_argument(
            "--append", action="store_true", help="add to a database that has dossiers"
        )
        parser.add_argument(
            "--writers", type=int, default=2, help="PostgreSQL connections writing at once"
        )
        parser.add_argument("--force", action="store_true", help="run even with HTTPS on")

    def handle(self, *args, **options):
        count, units = options["dossiers"], options["units"]
        if count < 1 or units < 1:
            raise CommandError("--dossiers and --units must be at least 1.")
        if getattr(settings, "HTTPS", False) and not options["force"]:
            raise CommandError(
                "HTTPS is on, this looks like production: seed_bench writes made-up dossiers "
                "and staff accounts with a published password. Use --force if you mean it."
            )
        if connection.vendor not in ("postgresql", "sqlite"):
            raise CommandError("seed_bench writes to PostgreSQL or SQLite only.")
        if Dossier.objects.exists() and not options["append"]:
            raise CommandError(
                f"The database already has {Dossier.objects.count()} dossiers; use --append "
                "to add more, or an empty database."
            )
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError(f"--now: not an ISO datetime: {options['now']!r}") from None
            if timezone.is_naive(now):
                now = now.replace(tzinfo=TZ)
        started = time.perf_counter()
        with transaction.atomic():
            province = self.province()
            communes = self.communes(province, units)
            staff = self.staff(communes)
            procedures, weights = self.catalogue()
        desks = self.desks(communes, staff, now, options["seed"])
        size = sum(d.weight for d in desks)
        for desk in desks:
            desk.citizens = max(50, int(count * desk.weight / size * 0.6))
        counters = {
            (c.unit_id, c.day): c.last
            for c in DossierCounter.objects.filter(
                unit__in=communes, day__gte=now.date() - dt.timedelta(days=365 * YEARS + 1)
            )
        }
        next_ids = {model: self.next_id(model) for model in TABLES}
        generator = Generator(
            desks=desks,
            procedures=procedures,
            weights=weights,
            now=now,
            seed=options["seed"],
            counters=counters,
            next_ids=next_ids,
        )
        self.stdout.write(
            f"seed_bench: {count} dossiers over {len(desks)} communes and "
            f"{len(procedures)} procedures, up to {timezone.localtime(now, TZ):%Y-%m-%d %H:%M}"
        )
        last_report = time.perf_counter()
        done = 0
        writer = Writer()
        with BatchWriter(writer, options["writers"]) as batches:
            for made in generator.dossiers(count):
                if made - done < BATCH and made < count:
                    continue
                batches.put(*generator.take_batch())
                done = made
                if time.perf_counter() - last_report > 15:
                    last_report = time.perf_counter()
                    elapsed = last_report - started
                    saved = writer.rows[Dossier]
                    eta = (count - saved) * elapsed / max(saved, 1)
                    self.stdout.write(
                        f"  {saved:>9,} dossiers written  {elapsed:6.0f} s  "
                        f"{saved / elapsed:7,.0f}/s  eta {eta:5.0f} s"
                    )
        generated = time.perf_counter() - started
        self.finish()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"seed_bench: {writer.rows[Dossier]:,} dossiers in {elapsed:.1f} s "
            f"({generated:.1f} s to make and write, {elapsed - generated:.1f} s to analyse)"
        )
        for model in [*TABLES, DossierCounter]:
            self.stdout.write(
                f"  {model._meta.db_table:26} {writer.rows[model]:>11,} rows, "
                f"{writer.seconds[model]:6.1f} s writing"
            )
        self.stdout.write(
            f"  commits (foreign keys checked) {writer.seconds['commit']:.1f} s; writers "
            f"busy {writer.seconds['total']:.1f} s in all ({options['writers']} on PostgreSQL)"
        )
        busiest = max(desks, key=lambda d: d.weight)
        self.stdout.write(
            f"Busiest commune: {busiest.unit.code} {busiest.unit.name}; its staff: "
            + ", ".join(u for _pk, u, _n in busiest.desks + busiest.specialists + busiest.leaders)
        )

    # -- setup -------------------------------------------------------------------------------
    def province(self) -> Unit:
        province = Unit.objects.filter(parent__isnull=True, kind=UnitKind.PROVINCE).first()
        if province is None:
            from procedures.management.commands.seed_demo import PROVINCE

            province = Unit.objects.create(**PROVINCE)
        return province

    def communes(self, province: Unit, wanted: int) -> list[Unit]:
        communes = list(Unit.objects.filter(parent=province, is_active=True).order_by("code"))
        taken = set(Unit.objects.values_list("code", flat=True))
        names = set(Unit.objects.values_list("name_vi", flat=True))
        suffix = province.code.rsplit(".", 1)[-1]
        new = []
        words = itertools.product(PLACE_WORDS, PLACE_ENDS)
        number = 0
        while len(communes) + len(new) < wanted:
            code = f"000.{20 + number // 90:02d}.{10 + number % 90:02d}.{suffix}"
            number += 1
            if code in taken:
                continue
            kind = UnitKind.WARD if number % 5 == 0 else UnitKind.COMMUNE
            place = next((f"{a} {b}" for a, b in words if f"{a} {b}" not in names), "")
            place = place or f"Số {number}"
            name = f"{'Phường' if kind == UnitKind.WARD else 'Xã'} {place}"
            names.add(name)
            new.append(
                Unit(
                    code=code,
                    kind=kind,
                    parent=province,
                    name_vi=name,
                    name=name,
                    name_en=f"{plain(place)} {'Ward' if kind == UnitKind.WARD else 'Commune'}",
                    address_vi=f"Trụ sở UBND, {name}, {province.name_vi}",
                    phone=f"0263 38{number:02d} {100 + number:03d}",
                    opening_hours_vi="Thứ Hai – Thứ Sáu: 7:00–11:30, 13:30–17:00",
                    saturday_service=number % 7 == 0,
                )
            )
        Unit.objects.bulk_create(new)
        return list(Unit.objects.filter(parent=province, is_active=True).order_by("code"))[:wanted]

    def staff(self, communes: list[Unit]) -> dict[int, dict[str, list[User]]]:
        from procedures.management.commands.seed_demo import DEMO_PASSWORD

        password = make_password(DEMO_PASSWORD)
        rng = random.Random(7)
        existing: dict[int, dict[str, list[User]]] = defaultdict(lambda: defaultdict(list))
        for user in User.objects.filter(unit__in=communes, is_active=True).order_by("pk"):
            existing[user.unit_id][user.role].append(user)
        taken = set(User.objects.values_list("username", flat=True))
        new = []
        for unit in communes:
            for role, short, quota in STAFF:
                have = len(existing[unit.pk][role])
                for n in range(have + 1, quota + 1):
                    username = f"u{unit.pk}.{short}{n}"
                    if username in taken:
                        continue
                    who = person(rng.randrange(1 << 40))
                    family, *rest = who.name.split()
                    new.append(
                        User(
                            username=username,
                            unit=unit,
                            role=role,
                            is_staff=True,
                            password=password,
                            last_name=" ".join([family, *rest[:-1]]),
                            first_name=rest[-1],
                        )
                    )
        User.objects.bulk_create(new)
        staff: dict[int, dict[str, list[User]]] = defaultdict(lambda: defaultdict(list))
        for user in User.objects.filter(unit__in=communes, is_active=True).order_by("pk"):
            staff[user.unit_id][user.role].append(user)
        return staff

    def catalogue(self) -> tuple[list[Catalogue], list[float]]:
        from procedures.catalogue import CatalogueError, import_catalogue
        from procedures.management.commands.seed_demo import POPULARITY

        published = Procedure.objects.published().filter(level=Level.COMMUNE)
        if not published.exists():
            try:
                import_catalogue(SAMPLE_CATALOGUE.read_bytes())
            except (OSError, CatalogueError) as error:
                raise CommandError(f"cannot import {SAMPLE_CATALOGUE}: {error}") from None
        procedures, weights = [], []
        for procedure in published.select_related("field").prefetch_related("documents"):
            documents = [
                (d.pk, d.name_vi or d.name, d.required, d.originals, d.copies)
                for d in procedure.documents.all()
            ] or [(None, "Đơn đề nghị", True, 1, 0)]
            procedures.append(
                Catalogue(
                    id=procedure.pk,
                    code=procedure.code,
                    days=procedure.processing_days,
                    same_day=procedure.same_day,
                    result=(procedure.result_vi or procedure.result or "Kết quả giải quyết")[:200],
                    documents=documents,
                    snapshot={
                        "code": procedure.code,
                        "name_vi": procedure.name_vi or procedure.name,
                        "name_en": procedure.name_en or "",
                        "processing_days": procedure.processing_days,
                        "same_day": procedure.same_day,
                    },
                    business=procedure.field.code in ("HKD", "XD", "DD"),
                )
            )
            weights.append(float(procedure.popularity or POPULARITY.get(procedure.code) or 40))
        if not procedures:
            raise CommandError("No published commune-level procedure to make dossiers for.")
        return procedures, weights

    def desks(self, communes, staff, now: dt.datetime, seed: int) -> list[Desk]:
        rng = random.Random(seed + 1)
        today = timezone.localtime(now, TZ).date()
        first = today - dt.timedelta(days=365 * YEARS + 7)
        last = today + dt.timedelta(days=240)
        calendars: dict[tuple[int, bool], Days] = {}
        ranks = list(range(len(communes)))
        rng.shuffle(ranks)
        desks = []
        for index, unit in enumerate(communes):
            key = (unit.parent_id or unit.pk, unit.saturday_service)
            if key not in calendars:
                calendars[key] = Days(WorkCalendar.for_unit(unit), first, last)
            people = staff[unit.pk]

            def rows(role, people=people):
                return [(u.pk, u.username, person_name(u)) for u in people[role]]

            desk = Desk(
                index=index,
                unit=unit,
                days=calendars[key],
                data=unit_data(unit),
                desks=rows(Role.DESK_OFFICER),
                specialists=rows(Role.SPECIALIST),
                leaders=rows(Role.LEADER),
            )
            # Busy wards, quiet communes: Zipf-like sizes in a random order of units.
            desk.weight = 1.0 / (ranks[index] + 3) ** 0.8
            desk.staff_ids = {pk for pk, _u, _n in desk.desks + desk.specialists + desk.leaders}
            if not (desk.desks and desk.specialists and desk.leaders):
                raise CommandError(f"{unit.code} has no desk officer, specialist or leader.")
            desks.append(desk)
        return desks

    @staticmethod
    def next_id(model: type[models.Model]) -> int:
        return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1

    def finish(self) -> None:
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), TABLES):
                cursor.execute(statement)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            self.stdout.write("  vacuum analyze ...")
            with connection.cursor() as cursor:
                for model in [*TABLES, DossierCounter]:
                    cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        elif connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
