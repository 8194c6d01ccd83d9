"""The legal clock: working days, the 15:00 cut-off, due dates, and why a due date is that day.

Everything here is arithmetic on dates: nothing reads the current time (callers pass `now`
or `received_at`) and nothing touches the database, except `WorkCalendar.for_unit`, which
hands the calendar a loader for the province's own days (loaded once per few years, on first
use). See docs/adr/0004-legal-clock.md for the rules and the decisions behind them.

A working day is, in this order of precedence:
1. not a day off in the province calendar (CalendarDay kind "day_off");
2. a working day in the province calendar (kind "working_day"), even on a weekend or a
   national holiday;
3. not a Vietnamese public holiday (the `holidays` package: Tết, substituted days);
4. Monday to Friday, or a compensatory working Saturday decided by the government
   (`holidays`' weekend_workdays), or a Saturday at a desk that serves on Saturdays.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import holidays

if TYPE_CHECKING:
    from portal.models import Unit

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A dossier received at or after 15:00 counts from the next working day.
CUTOFF = dt.time(15, 0)
# The years the `holidays` package knows Vietnam's (lunar) holidays for. Outside them the
# clock would silently treat Tết as working days, so it refuses instead.
FIRST_DATE = dt.date(holidays.VN.start_year, 1, 1)
LAST_DATE = dt.date(holidays.VN.end_year, 12, 31)
ONE_DAY = dt.timedelta(days=1)
SATURDAY, SUNDAY = 5, 6


class CalendarRangeError(ValueError):
    """A date outside the years whose holidays are known."""


# --- Bilingual text ------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """One line of text in both languages. Kept as data (not a gettext string) so a dossier
    can store the lines and show or print them later in either language."""

    vi: str
    en: str

    def render(self, language: str | None) -> str:
        return self.en if (language or "").lower().startswith("en") else self.vi

    def as_dict(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}


VI_WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")
EN_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def format_day(day: dt.date) -> Explanation:
    """Format a day as "thứ Hai 02/02/2026" / "Monday 02/02/2026"."""
    return Explanation(
        f"{VI_WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}",
        f"{EN_WEEKDAYS[day.weekday()]} {day:%d/%m/%Y}",
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _span(first: dt.date, last: dt.date) -> str:
    return f"{first:%d/%m/%Y}" if first == last else f"{first:%d/%m/%Y}–{last:%d/%m/%Y}"


def _days(count: int, language: str) -> str:
    if language == "vi":
        return f"{count} ngày"
    return f"{count} day" if count == 1 else f"{count} days"


PROVINCE_DAY_OFF = Explanation(
    "Ngày nghỉ theo quyết định của tỉnh", "Day off decided by the province"
)
PROVINCE_WORKING_DAY = Explanation(
    "Ngày làm việc theo quyết định của tỉnh", "Working day decided by the province"
)


# --- The national calendar -----------------------------------------------------------------


@dataclass(frozen=True)
class _NationalYear:
    holidays: Mapping[dt.date, Explanation]
    weekend_workdays: frozenset[dt.date]


@lru_cache(maxsize=256)
def _national(year: int) -> _NationalYear:
    if not FIRST_DATE.year <= year <= LAST_DATE.year:
        raise CalendarRangeError(year)
    vi = holidays.country_holidays("VN", years=year, language="vi")
    en = holidays.country_holidays("VN", years=year, language="en_US")
    names = {
        day: Explanation("; ".join(vi.get_list(day)), "; ".join(en.get_list(day)) or vi[day])
        for day in vi
    }
    workdays = frozenset(day for day in vi.weekend_workdays if day.year == year)
    return _NationalYear(names, workdays)


def _check(day: dt.date) -> None:
    if not FIRST_DATE <= day <= LAST_DATE:
        raise CalendarRangeError(
            f"{day:%d/%m/%Y} is outside {FIRST_DATE.year}–{LAST_DATE.year}, "
            "the years whose holidays are known"
        )


# The holiday names of Tết differ per day ("Mùng hai Tết Nguyên Đán", "29 Tết"); a run of
# them is one holiday for the reader.
_TET_VI = re.compile(r"Tết Nguyên Đán|^\d+ Tết$")
_TET_EN = re.compile(r"Lunar New Year")


def _holiday_names(labels: Iterable[Explanation]) -> Explanation:
    vi: list[str] = []
    en: list[str] = []
    for label in labels:
        for name in label.vi.split("; "):
            name = "Tết Nguyên Đán" if _TET_VI.search(name) else name
            if name not in vi:
                vi.append(name)
        for name in label.en.split("; "):
            name = "Lunar New Year" if _TET_EN.search(name) else name
            if name not in en:
                en.append(name)
    return Explanation(", ".join(vi), ", ".join(en))


# --- Due dates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueDate:
    """The result of the clock for one dossier: when it counts from, when it is due, and the
    steps of the computation in words (vi and en)."""

    received: dt.datetime  # aware, in Asia/Ho_Chi_Minh
    counts_from: dt.date
    due: dt.date | None  # None: the procedure sets no time limit
    explanation: tuple[Explanation, ...]

    def explain(self, language: str | None) -> list[str]:
        return [line.render(language) for line in self.explanation]


def to_local(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("received_at must be timezone-aware")
    return moment.astimezone(TZ)


Reasons = Iterable[dt.date] | Mapping[dt.date, Explanation | str]
Loader = Callable[[int, int], tuple[Mapping[dt.date, Explanation], Mapping[dt.date, Explanation]]]


def _reasons(days: Reasons, default: Explanation) -> dict[dt.date, Explanation]:
    if isinstance(days, Mapping):
        return {
            day: Explanation(reason, reason) if isinstance(reason, str) else reason
            for day, reason in days.items()
        }
    return dict.fromkeys(days, default)


class WorkCalendar:
    """Working days for one desk: the national calendar, its province's own days, and the
    desk's Saturday service.

    `WorkCalendar(extra_days_off={...}, extra_working_days={...}, saturday_service=True)`
    builds one by hand (tests); `WorkCalendar.for_unit(unit)` reads the province calendar.
    """

    def __init__(
        self,
        extra_days_off: Reasons = (),
        extra_working_days: Reasons = (),
        saturday_service: bool = False,
        *,
        loader: Loader | None = None,
    ):
        self.saturday_service = saturday_service
        self._days_off = _reasons(extra_days_off, PROVINCE_DAY_OFF)
        self._working_days = _reasons(extra_working_days, PROVINCE_WORKING_DAY)
        self._loader = loader
        self._loaded_years: set[int] = set()

    @classmethod
    def for_unit(cls, unit: Unit | None) -> WorkCalendar:
        """The calendar of a unit's desk: its province's days off and working days, and its
        Saturday service. Without a unit: the province of settings.PROVINCE_CODE if set,
        else the national calendar alone."""
        from django.conf import settings

        from .models import CalendarDay

        if unit is not None:
            where = {"province_id": unit.parent_id or unit.pk}
        elif settings.PROVINCE_CODE:
            where = {"province__code": settings.PROVINCE_CODE, "province__parent__isnull": True}
        else:
            return cls()

        def load(first_year: int, last_year: int):
            days_off: dict[dt.date, Explanation] = {}
            working_days: dict[dt.date, Explanation] = {}
            rows = CalendarDay.objects.filter(
                **where, date__gte=dt.date(first_year, 1, 1), date__lte=dt.date(last_year, 12, 31)
            ).values_list("date", "kind", "reason_vi", "reason_en")
            for day, kind, reason_vi, reason_en in rows:
                target = days_off if kind == CalendarDay.Kind.DAY_OFF else working_days
                target[day] = Explanation(reason_vi or "", reason_en or reason_vi or "")
            return days_off, working_days

        return cls(saturday_service=bool(unit and unit.saturday_service), loader=load)

    def _ensure_loaded(self, year: int) -> None:
        if self._loader is None or year in self._loaded_years:
            return
        # One query for the year and its neighbours: a time limit seldom leaves them.
        years = [y for y in (year - 1, year, year + 1) if y not in self._loaded_years]
        days_off, working_days = self._loader(min(years), max(years))
        self._days_off.update(days_off)
        self._working_days.update(working_days)
        self._loaded_years.update(range(min(years), max(years) + 1))

    # --- What a day is ---------------------------------------------------------------------

    def is_working_day(self, day: dt.date) -> bool:
        _check(day)
        self._ensure_loaded(day.year)
        if day in self._days_off:
            return False
        if day in self._working_days:
            return True
        national = _national(day.year)
        if day in national.holidays:
            return False
        weekday = day.weekday()
        if weekday < SATURDAY or day in national.weekend_workdays:
            return True
        return weekday == SATURDAY and self.saturday_service

    def day_off_reason(self, day: dt.date) -> tuple[str, Explanation | None] | None:
        """Why a day is not a working day: ("province", reason), ("holiday", names) or
        ("weekend", None); None for a working day."""
        if self.is_working_day(day):
            return None
        if day in self._days_off:
            return "province", self._days_off[day]
        names = _national(day.year).holidays.get(day)
        if names is not None:
            return "holiday", names
        return "weekend", None

    def _special_working_day(self, day: dt.date) -> tuple[str, Explanation | None] | None:
        """Why a working day that would not be one in an ordinary week is one."""
        if day in self._working_days and (
            day.weekday() >= SATURDAY or day in _national(day.year).holidays
        ):
            return "province", self._working_days[day]
        if day.weekday() >= SATURDAY:
            if day in _national(day.year).weekend_workdays:
                return "compensatory", None
            return "saturday_service", None
        return None

    # --- Arithmetic ------------------------------------------------------------------------

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day after `day`."""
        day += ONE_DAY
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, day: dt.date, count: int) -> dt.date:
        """The `count`-th working day after `day` (`day` itself for 0)."""
        if count < 0:
            raise ValueError("count must be 0 or more")
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days d with start < d <= end (0 when end <= start)."""
        count = 0
        day = start + ONE_DAY
        while day <= end:
            count += self.is_working_day(day)
            day += ONE_DAY
        return count

    def counts_from(self, received_at: dt.datetime) -> dt.date:
        """The day the time limit counts from: the day of reception if it is a working day
        and the dossier came before 15:00, otherwise the next working day."""
        local = to_local(received_at)
        day = local.date()
        if self.is_working_day(day) and local.time() < CUTOFF:
            return day
        return self.next_working_day(day)

    def due_date(
        self, received_at: dt.datetime, *, working_days: int | None, same_day: bool
    ) -> DueDate:
        """The due date of a dossier received at `received_at` for a procedure with a time
        limit of `working_days` (or same-day), with the steps in words.

        Same-day procedures (and a limit of 0 days) are due on the day the dossier counts
        from: the day of reception before 15:00, else the next working day. Otherwise the
        due date is the N-th working day after that day. No limit at all: no due date."""
        if working_days is not None and working_days < 0:
            raise ValueError("working_days must be 0 or more")
        received = to_local(received_at)
        start = self.counts_from(received)
        if same_day:
            due: dt.date | None = start
        elif working_days is None:
            due = None
        else:
            due = self.add_working_days(start, working_days)
        lines = [self._received_line(received, start)]
        lines.append(self._limit_line(start, working_days, same_day))
        if due is not None:
            lines += self._span_lines(received.date(), start, due)
            lines.append(
                Explanation(
                    f"Hạn trả kết quả: {format_day(due).vi}.", f"Result due: {format_day(due).en}."
                )
            )
        return DueDate(received, start, due, tuple(lines))

    def extend_for_pause(
        self, due: dt.date, paused_from: dt.date, resumed_on: dt.date
    ) -> tuple[dt.date, int]:
        """A pause (supplement during processing) from `paused_from` to `resumed_on` gives
        back the working days after the day it started up to the day it ended."""
        paused = self.working_days_between(paused_from, resumed_on)
        return self.add_working_days(due, paused), paused

    # --- Words -----------------------------------------------------------------------------

    def _received_line(self, received: dt.datetime, start: dt.date) -> Explanation:
        day = format_day(received.date())
        first = Explanation(
            f"Nhận hồ sơ lúc {received:%H:%M} {day.vi}.",
            f"Received at {received:%H:%M} on {day.en}.",
        )
        if start == received.date():
            why = Explanation(
                "Nhận trước 15:00 trong ngày làm việc: thời hạn tính từ ngày này.",
                "Received before 15:00 on a working day: the time limit counts from that day.",
            )
        else:
            next_day = format_day(start)
            reason = self.day_off_reason(received.date())
            if reason is None:
                why = Explanation(
                    f"Nhận từ 15:00 trở đi: coi như nhận vào ngày làm việc tiếp theo, "
                    f"{next_day.vi}.",
                    f"Received at 15:00 or later: counted as received on the next working "
                    f"day, {next_day.en}.",
                )
            else:
                label = self._day_off_label(*reason)
                why = Explanation(
                    f"{_capitalised(day.vi)} không phải ngày làm việc ({label.vi}): coi như "
                    f"nhận vào ngày làm việc tiếp theo, {next_day.vi}.",
                    f"{day.en} is not a working day ({label.en}): counted as received on the "
                    f"next working day, {next_day.en}.",
                )
        return Explanation(f"{first.vi} {why.vi}", f"{first.en} {why.en}")

    @staticmethod
    def _day_off_label(kind: str, label: Explanation | None) -> Explanation:
        if kind == "province":
            return Explanation(
                f"{label.vi} – ngày nghỉ theo lịch của tỉnh", f"{label.en} – province day off"
            )
        if kind == "holiday":
            names = _holiday_names([label])
            return Explanation(f"{names.vi} – nghỉ lễ", f"{names.en} – public holiday")
        return Explanation("nghỉ cuối tuần", "weekend")

    @staticmethod
    def _limit_line(start: dt.date, working_days: int | None, same_day: bool) -> Explanation:
        day = format_day(start)
        if same_day:
            return Explanation(
                f"Thủ tục giải quyết trong ngày: trả kết quả ngay trong ngày {day.vi}.",
                f"Same-day procedure: the result is due on {day.en}.",
            )
        if working_days is None:
            return Explanation(
                "Thủ tục không quy định thời hạn giải quyết theo ngày làm việc: "
                "không xác định được ngày hẹn trả kết quả.",
                "The procedure sets no time limit in working days: no due date can be given.",
            )
        if working_days == 0:
            return Explanation(
                f"Thời hạn giải quyết 0 ngày làm việc: trả kết quả ngay trong ngày {day.vi}.",
                f"Time limit of 0 working days: the result is due on {day.en}.",
            )
        return Explanation(
            f"Thời hạn giải quyết: {working_days} ngày làm việc, kể từ sau {day.vi}.",
            f"Time limit: {working_days} working {'day' if working_days == 1 else 'days'} "
            f"after {day.en}.",
        )

    def _span_lines(self, received: dt.date, start: dt.date, due: dt.date) -> list[Explanation]:
        """Days off skipped between the day of reception and the due date (runs of holidays
        and province days named, weekends summed up), and the unusual working days counted
        between the day the limit counts from and the due date."""
        events: list[tuple[dt.date, Explanation]] = []
        run: list[dt.date] = []
        run_kind: str | None = None
        run_labels: list[Explanation] = []
        saturdays = sundays = service_saturdays = 0

        def close_run() -> None:
            if not run:
                return
            span = _span(run[0], run[-1])
            if run_kind == "holiday":
                names = _holiday_names(run_labels)
                text = Explanation(
                    f"Bỏ qua {span}: {names.vi} (nghỉ lễ).",
                    f"Skipped {span}: {names.en} (public holiday).",
                )
            else:
                reasons_vi = list(dict.fromkeys(label.vi for label in run_labels))
                reasons_en = list(dict.fromkeys(label.en for label in run_labels))
                text = Explanation(
                    f"Bỏ qua {span}: {', '.join(reasons_vi)} (ngày nghỉ theo lịch của tỉnh).",
                    f"Skipped {span}: {', '.join(reasons_en)} (province day off).",
                )
            events.append((run[0], text))
            run.clear()
            run_labels.clear()

        day = received + ONE_DAY
        while day <= due:
            reason = self.day_off_reason(day)
            if reason is None:
                close_run()
                run_kind = None
                special = self._special_working_day(day) if day > start else None
                if special is not None:
                    kind, label = special
                    when = format_day(day)
                    if kind == "province":
                        events.append(
                            (
                                day,
                                Explanation(
                                    f"Tính {when.vi}: ngày làm việc theo lịch của tỉnh "
                                    f"({label.vi}).",
                                    f"Counted {when.en}: a working day in the province calendar "
                                    f"({label.en}).",
                                ),
                            )
                        )
                    elif kind == "compensatory":
                        events.append(
                            (
                                day,
                                Explanation(
                                    f"Tính {when.vi}: ngày làm việc bù theo quy định của Nhà nước.",
                                    f"Counted {when.en}: a make-up working day set by the "
                                    "government.",
                                ),
                            )
                        )
                    else:
                        service_saturdays += 1
            else:
                kind, label = reason
                if kind == "weekend":
                    close_run()
                    run_kind = None
                    saturdays += day.weekday() == SATURDAY
                    sundays += day.weekday() == SUNDAY
                else:
                    if kind != run_kind or (run and run[-1] + ONE_DAY != day):
                        close_run()
                    run_kind = kind
                    run.append(day)
                    run_labels.append(label)
            day += ONE_DAY
        close_run()

        lines = [text for _, text in sorted(events, key=lambda event: event[0])]
        if saturdays or sundays:
            count = saturdays + sundays
            if saturdays and sundays:
                which = Explanation("thứ Bảy, Chủ nhật", "Saturdays and Sundays")
            elif saturdays:
                which = Explanation("thứ Bảy", "Saturdays")
            else:
                which = Explanation("Chủ nhật", "Sundays")
            lines.append(
                Explanation(
                    f"Không tính {which.vi} ({_days(count, 'vi')}).",
                    f"{which.en} not counted ({_days(count, 'en')}).",
                )
            )
        if service_saturdays:
            lines.append(
                Explanation(
                    f"Tính cả thứ Bảy: bộ phận một cửa làm việc sáng thứ Bảy "
                    f"({_days(service_saturdays, 'vi')}).",
                    f"Saturdays counted: this desk serves on Saturday mornings "
                    f"({_days(service_saturdays, 'en')}).",
                )
            )
        return lines


def due_if_received_now(
    unit: Unit | None, working_days: int | None, same_day: bool, now: dt.datetime
) -> DueDate:
    """ "Submitted now, the result is due on …" for a procedure page: the clock of the unit's
    desk (or the province's) for a dossier received at `now`."""
    return WorkCalendar.for_unit(unit).due_date(now, working_days=working_days, same_day=same_day)
