"""The clock's arithmetic, its words, and the province calendar it reads."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tests.factories import UnitFactory
from workcalendar.clock import (
    TZ,
    CalendarRangeError,
    Explanation,
    WorkCalendar,
    due_if_received_now,
    format_day,
)
from workcalendar.models import CalendarDay

D = dt.date
NATIONAL = WorkCalendar()


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


# --- Working days ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 13), True),  # Friday before Tết
        (D(2026, 2, 14), False),  # Saturday
        (D(2026, 2, 15), False),  # Sunday
        (D(2026, 2, 16), False),  # Tết
        (D(2026, 2, 20), False),  # Tết
        (D(2026, 2, 23), True),
        (D(2026, 8, 22), True),  # compensatory working Saturday
        (D(2026, 8, 31), False),  # the day off in lieu of it
        (D(2027, 2, 6), False),  # Tết on a Saturday
    ],
)
def test_national_working_days(day, working):
    assert NATIONAL.is_working_day(day) is working


def test_saturday_service_opens_saturdays_but_not_sundays_or_holidays():
    desk = WorkCalendar(saturday_service=True)
    assert desk.is_working_day(D(2026, 2, 14))
    assert not desk.is_working_day(D(2026, 2, 15))
    assert not desk.is_working_day(D(2027, 2, 6))  # Tết


def test_a_province_day_off_wins_over_everything():
    day = D(2026, 2, 3)
    calendar = WorkCalendar(extra_days_off={day}, extra_working_days={day}, saturday_service=True)
    assert not calendar.is_working_day(day)
    assert WorkCalendar(extra_days_off={D(2026, 8, 22)}).is_working_day(D(2026, 8, 22)) is False


def test_arithmetic():
    assert NATIONAL.next_working_day(D(2026, 2, 13)) == D(2026, 2, 23)
    assert NATIONAL.add_working_days(D(2026, 2, 14), 0) == D(2026, 2, 14)
    assert NATIONAL.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 23)
    # working_days_between counts start < d <= end.
    assert NATIONAL.working_days_between(D(2026, 2, 13), D(2026, 2, 23)) == 1
    assert NATIONAL.working_days_between(D(2026, 2, 2), D(2026, 2, 2)) == 0
    assert NATIONAL.working_days_between(D(2026, 2, 6), D(2026, 2, 2)) == 0
    with pytest.raises(ValueError):
        NATIONAL.add_working_days(D(2026, 2, 2), -1)


def test_a_few_hundred_working_days_are_quick():
    import time

    start = time.perf_counter()
    due = NATIONAL.add_working_days(D(2026, 1, 5), 500)
    assert NATIONAL.working_days_between(D(2026, 1, 5), due) == 500
    assert time.perf_counter() - start < 0.5


def test_dates_outside_the_known_holiday_years_are_refused():
    with pytest.raises(CalendarRangeError):
        NATIONAL.is_working_day(D(2101, 1, 3))
    with pytest.raises(CalendarRangeError):
        NATIONAL.add_working_days(D(2100, 12, 30), 5)


def test_received_at_must_be_aware():
    with pytest.raises(ValueError):
        NATIONAL.counts_from(dt.datetime(2026, 2, 2, 9, 0))
    with pytest.raises(ValueError):
        NATIONAL.due_date(at("2026-02-02 09:00"), working_days=-1, same_day=False)


def test_a_pause_gives_back_the_working_days_paused():
    # Due Thu 05/02/2026; paused Mon 02/02, resumed Wed 04/02: Tue and Wed given back.
    assert NATIONAL.extend_for_pause(D(2026, 2, 5), D(2026, 2, 2), D(2026, 2, 4)) == (
        D(2026, 2, 9),
        2,
    )
    # Paused and resumed the same day: nothing.
    assert NATIONAL.extend_for_pause(D(2026, 2, 5), D(2026, 2, 3), D(2026, 2, 3)) == (
        D(2026, 2, 5),
        0,
    )
    # Paused over Tết: Fri 13/02 to Tue 24/02 is two working days (23, 24).
    assert NATIONAL.extend_for_pause(D(2026, 2, 25), D(2026, 2, 13), D(2026, 2, 24)) == (
        D(2026, 2, 27),
        2,
    )


# --- The words ------------------------------------------------------------------------------


def test_format_day():
    assert format_day(D(2026, 2, 2)) == Explanation("thứ Hai 02/02/2026", "Monday 02/02/2026")
    assert format_day(D(2026, 2, 8)).vi == "Chủ nhật 08/02/2026"
    assert Explanation("a", "b").render("en-us") == "b"
    assert Explanation("a", "b").render(None) == "a"


def test_explanation_across_tet_names_the_holiday_and_sums_up_weekends():
    result = NATIONAL.due_date(at("2026-02-13 16:00"), working_days=3, same_day=False)

    assert result.explain("vi") == [
        "Nhận hồ sơ lúc 16:00 thứ Sáu 13/02/2026. Nhận từ 15:00 trở đi: coi như nhận vào "
        "ngày làm việc tiếp theo, thứ Hai 23/02/2026.",
        "Thời hạn giải quyết: 3 ngày làm việc, kể từ sau thứ Hai 23/02/2026.",
        "Bỏ qua 16/02/2026–20/02/2026: Tết Nguyên Đán (nghỉ lễ).",
        "Không tính thứ Bảy, Chủ nhật (4 ngày).",
        "Hạn trả kết quả: thứ Năm 26/02/2026.",
    ]
    assert result.explain("en") == [
        "Received at 16:00 on Friday 13/02/2026. Received at 15:00 or later: counted as "
        "received on the next working day, Monday 23/02/2026.",
        "Time limit: 3 working days after Monday 23/02/2026.",
        "Skipped 16/02/2026–20/02/2026: Lunar New Year (public holiday).",
        "Saturdays and Sundays not counted (4 days).",
        "Result due: Thursday 26/02/2026.",
    ]


def test_explanation_of_a_day_received_on_a_holiday_and_of_the_make_up_saturday():
    result = NATIONAL.due_date(at("2026-08-31 09:00"), working_days=3, same_day=False)
    # Counts from Thu 03/09: Fri 04, Mon 07, Tue 08.
    assert result.due == D(2026, 9, 8)
    assert result.explanation[0].vi.endswith(
        "Thứ Hai 31/08/2026 không phải ngày làm việc (Ngày nghỉ (thay cho ngày 22/08/2026) – "
        "nghỉ lễ): coi như nhận vào ngày làm việc tiếp theo, thứ Năm 03/09/2026."
    )
    assert "Skipped 01/09/2026–02/09/2026: National Day (public holiday)." in result.explain("en")

    saturday = NATIONAL.due_date(at("2026-08-21 09:00"), working_days=1, same_day=False)
    assert (
        "Tính thứ Bảy 22/08/2026: ngày làm việc bù theo quy định của Nhà nước."
        in saturday.explain("vi")
    )


def test_explanation_of_province_days_and_saturday_service():
    calendar = WorkCalendar(
        extra_days_off={D(2026, 2, 10): "Lễ hội Đền Hùng của tỉnh"},
        extra_working_days={D(2026, 2, 8): Explanation("Làm bù", "Make-up day")},
        saturday_service=True,
    )
    result = calendar.due_date(at("2026-02-06 09:00"), working_days=4, same_day=False)
    # Sat 07 (service), Sun 08 (province working day), Mon 09, Wed 11 (Tue 10 off).
    assert result.due == D(2026, 2, 11)
    assert result.explain("vi")[2:] == [
        "Tính Chủ nhật 08/02/2026: ngày làm việc theo lịch của tỉnh (Làm bù).",
        "Bỏ qua 10/02/2026: Lễ hội Đền Hùng của tỉnh (ngày nghỉ theo lịch của tỉnh).",
        "Tính cả thứ Bảy: bộ phận một cửa làm việc sáng thứ Bảy (1 ngày).",
        "Hạn trả kết quả: thứ Tư 11/02/2026.",
    ]
    assert "Counted Sunday 08/02/2026: a working day in the province calendar (Make-up day)." in (
        result.explain("en")
    )


def test_same_day_and_no_time_limit():
    same_day = NATIONAL.due_date(at("2026-02-03 10:00"), working_days=None, same_day=True)
    assert (
        same_day.explain("en")[1] == "Same-day procedure: the result is due on Tuesday 03/02/2026."
    )

    none = NATIONAL.due_date(at("2026-02-03 10:00"), working_days=None, same_day=False)
    assert none.due is None
    assert none.counts_from == D(2026, 2, 3)
    assert len(none.explanation) == 2
    assert "no due date" in none.explain("en")[1]


# --- The province calendar from the database ------------------------------------------------


@pytest.fixture
def foreign_province(db):
    return UnitFactory(code="000.00.00.H99", name_vi="Tỉnh khác", kind="province", parent=None)


def day(province, date, kind=CalendarDay.Kind.DAY_OFF, reason="Nghỉ theo quyết định của tỉnh"):
    return CalendarDay.objects.create(
        province=province, date=date, kind=kind, reason_vi=reason, reason_en="Province day off"
    )


def test_for_unit_reads_the_province_calendar_once(
    province, commune, foreign_province, django_assert_num_queries
):
    day(province, D(2026, 2, 4))
    day(province, D(2026, 2, 7), CalendarDay.Kind.WORKING_DAY)
    day(foreign_province, D(2026, 2, 5))

    with django_assert_num_queries(1):
        calendar = WorkCalendar.for_unit(commune)
        assert not calendar.is_working_day(D(2026, 2, 4))
        assert calendar.is_working_day(D(2026, 2, 5))  # another province's day off
        assert calendar.is_working_day(D(2026, 2, 7))
        assert calendar.add_working_days(D(2026, 12, 30), 3) == D(2027, 1, 5)
    result = calendar.due_date(at("2026-02-03 09:00"), working_days=1, same_day=False)
    assert result.due == D(2026, 2, 5)
    assert "Skipped 04/02/2026: Province day off (province day off)." in result.explain("en")
    # A year further away is loaded when first needed: one more query.
    with django_assert_num_queries(1):
        calendar.is_working_day(D(2030, 5, 6))


def test_for_unit_takes_saturday_service_from_the_desk(commune, other_commune):
    commune.saturday_service = True
    commune.save()
    saturday = D(2026, 2, 7)
    assert WorkCalendar.for_unit(commune).is_working_day(saturday)
    assert not WorkCalendar.for_unit(other_commune).is_working_day(saturday)


def test_for_the_province_unit_itself(province):
    day(province, D(2026, 2, 4))
    assert not WorkCalendar.for_unit(province).is_working_day(D(2026, 2, 4))


def test_without_a_unit_the_configured_province_applies(
    settings, province, foreign_province, django_assert_num_queries
):
    day(province, D(2026, 2, 4))
    settings.PROVINCE_CODE = province.code
    assert not WorkCalendar.for_unit(None).is_working_day(D(2026, 2, 4))

    settings.PROVINCE_CODE = ""
    with django_assert_num_queries(0):
        assert WorkCalendar.for_unit(None).is_working_day(D(2026, 2, 4))


def test_due_if_received_now(commune):
    commune.saturday_service = True
    friday_evening = at("2026-02-06 16:30")
    result = due_if_received_now(commune, 1, False, friday_evening)
    assert (result.counts_from, result.due) == (D(2026, 2, 7), D(2026, 2, 9))
    assert due_if_received_now(None, None, True, friday_evening).due == D(2026, 2, 9)


# --- CalendarDay validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "kind", "field"),
    [
        (D(2026, 2, 3), CalendarDay.Kind.WORKING_DAY, "kind"),  # already a working day
        (D(2026, 8, 22), CalendarDay.Kind.WORKING_DAY, "kind"),  # already a make-up day
        (D(2026, 2, 17), CalendarDay.Kind.DAY_OFF, "kind"),  # already Tết
        (D(2026, 2, 8), CalendarDay.Kind.DAY_OFF, "kind"),  # already a Sunday
        (D(2150, 2, 3), CalendarDay.Kind.DAY_OFF, "date"),  # no known holidays that year
    ],
)
def test_a_calendar_day_that_changes_nothing_is_refused(province, date, kind, field):
    entry = CalendarDay(province=province, date=date, kind=kind, reason_vi="Lý do")
    with pytest.raises(ValidationError) as error:
        entry.full_clean()
    assert field in error.value.message_dict


@pytest.mark.parametrize(
    ("date", "kind"),
    [
        (D(2026, 2, 3), CalendarDay.Kind.DAY_OFF),
        (D(2026, 2, 7), CalendarDay.Kind.DAY_OFF),  # closes the Saturday desks
        (D(2026, 2, 7), CalendarDay.Kind.WORKING_DAY),
        (D(2026, 11, 24), CalendarDay.Kind.WORKING_DAY),  # keeps a national day as working
    ],
)
def test_a_calendar_day_that_changes_something_is_accepted(province, date, kind):
    CalendarDay(province=province, date=date, kind=kind, reason_vi="Lý do").full_clean()


def test_only_a_province_has_a_calendar(commune):
    entry = CalendarDay(
        province=commune, date=D(2026, 2, 3), kind=CalendarDay.Kind.DAY_OFF, reason_vi="Lý do"
    )
    with pytest.raises(ValidationError) as error:
        entry.full_clean()
    assert "province" in error.value.message_dict
