"""Properties of the clock's arithmetic that must hold for every calendar and every moment."""

import datetime as dt

from hypothesis import given, settings, strategies as st

from workcalendar.clock import TZ, WorkCalendar

FIRST, LAST = dt.date(2025, 1, 1), dt.date(2028, 12, 31)
days = st.dates(min_value=FIRST, max_value=LAST)
limits = st.integers(min_value=0, max_value=60)


@st.composite
def calendars(draw) -> WorkCalendar:
    """National holidays plus random province days off and working days, with or without
    Saturday service."""
    return WorkCalendar(
        extra_days_off=draw(st.sets(days, max_size=30)),
        extra_working_days=draw(st.sets(days, max_size=30)),
        saturday_service=draw(st.booleans()),
    )


moments = st.datetimes(
    min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2028, 6, 30), timezones=st.just(TZ)
)

# The first use of a year computes its holidays: no per-example deadline.
clock = settings(max_examples=150, deadline=None)


@clock
@given(calendars(), moments, limits, st.booleans())
def test_the_due_date_is_a_working_day_n_working_days_after_the_start(
    calendar, received, limit, same_day
):
    result = calendar.due_date(received, working_days=limit, same_day=same_day)

    assert calendar.is_working_day(result.due)
    assert result.due >= result.counts_from
    expected = 0 if same_day else limit
    assert calendar.working_days_between(result.counts_from, result.due) == expected


@clock
@given(calendars(), moments)
def test_counts_from_is_a_working_day_not_before_the_day_received(calendar, received):
    start = calendar.counts_from(received)
    local = received.astimezone(TZ)

    assert calendar.is_working_day(start)
    assert start >= local.date()
    if start > local.date():
        # Nothing was skipped that should have counted: every day in between is off.
        assert calendar.working_days_between(local.date(), start) == 1
        assert local.time() >= dt.time(15) or not calendar.is_working_day(local.date())


@clock
@given(calendars(), moments, moments, limits)
def test_later_reception_is_never_due_earlier(calendar, first, second, limit):
    first, second = sorted((first, second))
    due = calendar.due_date(first, working_days=limit, same_day=False).due
    assert due <= calendar.due_date(second, working_days=limit, same_day=False).due


@clock
@given(calendars(), moments, limits, days, st.integers(min_value=0, max_value=40))
def test_a_pause_never_moves_the_due_date_earlier(calendar, received, limit, paused, length):
    due = calendar.due_date(received, working_days=limit, same_day=False).due
    resumed = paused + dt.timedelta(days=length)

    new_due, paused_days = calendar.extend_for_pause(due, paused, resumed)

    assert new_due >= due
    assert paused_days == calendar.working_days_between(paused, resumed)
    assert calendar.working_days_between(due, new_due) == paused_days


@clock
@given(calendars(), days, limits, limits)
def test_adding_working_days_adds_up(calendar, start, a, b):
    assert calendar.add_working_days(start, a + b) == calendar.add_working_days(
        calendar.add_working_days(start, a), b
    )


@clock
@given(calendars(), days, days)
def test_working_days_between_is_additive(calendar, a, b):
    a, b = sorted((a, b))
    middle = a + (b - a) // 2
    assert calendar.working_days_between(a, b) == calendar.working_days_between(
        a, middle
    ) + calendar.working_days_between(middle, b)
