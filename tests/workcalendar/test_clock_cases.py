"""Hand-computed due dates. Each row was worked out on a paper calendar, not by the code:
received at (local time, Asia/Ho_Chi_Minh), time limit, calendar → counts from, due.

National days used (the `holidays` package, checked against the government's notices):
Tết 2026 Mon 16/02–Fri 20/02/2026; Hùng Kings Sun 26/04 + Mon 27/04/2026 (in lieu);
30/04 + 01/05/2026; compensatory working Saturday 22/08/2026 for the day off Mon 31/08/2026;
National Day Tue 01/09 + Wed 02/09/2026; Vietnam Culture Day Tue 24/11/2026;
New Year Fri 01/01/2027; Tết 2027 Thu 04/02–Wed 10/02/2027.
"""

import datetime as dt

import pytest

from workcalendar.clock import TZ, WorkCalendar

D = dt.date
NATIONAL = WorkCalendar()
SATURDAY_DESK = WorkCalendar(saturday_service=True)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


# (received, working days, same day, calendar, counts from, due)
CASES = [
    # --- Ordinary weeks and the 15:00 cut-off (February 2026 before Tết) ---
    # Monday morning, 3 days: Tue, Wed, Thu.
    pytest.param(
        at("2026-02-02 09:00"), 3, False, NATIONAL, D(2026, 2, 2), D(2026, 2, 5), id="mon-0900-3d"
    ),
    # Monday 16:00 counts from Tuesday: Wed, Thu, Fri.
    pytest.param(
        at("2026-02-02 16:00"), 3, False, NATIONAL, D(2026, 2, 3), D(2026, 2, 6), id="mon-1600-3d"
    ),
    # One second before the cut-off still counts from Monday.
    pytest.param(
        at("2026-02-02 14:59:59"),
        1,
        False,
        NATIONAL,
        D(2026, 2, 2),
        D(2026, 2, 3),
        id="mon-145959-1d",
    ),
    # 15:00:00 sharp is "after 15:00": counts from Tuesday, due Wednesday.
    pytest.param(
        at("2026-02-02 15:00:00"),
        1,
        False,
        NATIONAL,
        D(2026, 2, 3),
        D(2026, 2, 4),
        id="mon-150000-1d",
    ),
    # Friday after 15:00 counts from Monday 09/02; one day → Tuesday 10/02.
    pytest.param(
        at("2026-02-06 15:30"), 1, False, NATIONAL, D(2026, 2, 9), D(2026, 2, 10), id="fri-1530-1d"
    ),
    # Same-day procedure, Tuesday morning: due that day.
    pytest.param(
        at("2026-02-03 10:00"),
        None,
        True,
        NATIONAL,
        D(2026, 2, 3),
        D(2026, 2, 3),
        id="same-day-before-15",
    ),
    # Same-day at 14:59:59: still that day.
    pytest.param(
        at("2026-02-03 14:59:59"),
        None,
        True,
        NATIONAL,
        D(2026, 2, 3),
        D(2026, 2, 3),
        id="same-day-145959",
    ),
    # Same-day at 15:00: the next working day, Wednesday.
    pytest.param(
        at("2026-02-03 15:00"),
        None,
        True,
        NATIONAL,
        D(2026, 2, 4),
        D(2026, 2, 4),
        id="same-day-at-15",
    ),
    # Same-day on Friday evening: Monday.
    pytest.param(
        at("2026-02-06 16:00"),
        None,
        True,
        NATIONAL,
        D(2026, 2, 9),
        D(2026, 2, 9),
        id="same-day-fri-evening",
    ),
    # Same-day flag wins over a time limit also filled in.
    pytest.param(
        at("2026-02-03 10:00"), 5, True, NATIONAL, D(2026, 2, 3), D(2026, 2, 3), id="same-day-wins"
    ),
    # A limit of 0 working days behaves as same-day: due on the day it counts from.
    pytest.param(
        at("2026-02-03 09:00"), 0, False, NATIONAL, D(2026, 2, 3), D(2026, 2, 3), id="zero-days"
    ),
    # 0 days after 15:00: the next working day.
    pytest.param(
        at("2026-02-03 15:00"),
        0,
        False,
        NATIONAL,
        D(2026, 2, 4),
        D(2026, 2, 4),
        id="zero-days-after-15",
    ),
    # --- Weekends ---
    # Saturday morning (no Saturday service): counts from Monday 09/02; 2 days → Wed 11/02.
    pytest.param(
        at("2026-02-07 10:00"), 2, False, NATIONAL, D(2026, 2, 9), D(2026, 2, 11), id="saturday"
    ),
    # Sunday: the same.
    pytest.param(
        at("2026-02-08 10:00"), 2, False, NATIONAL, D(2026, 2, 9), D(2026, 2, 11), id="sunday"
    ),
    # Sunday, same-day procedure: Monday.
    pytest.param(
        at("2026-02-08 08:00"),
        None,
        True,
        NATIONAL,
        D(2026, 2, 9),
        D(2026, 2, 9),
        id="sunday-same-day",
    ),
    # --- Saturday service desk ---
    # Saturday 10:00 at a Saturday desk counts from Saturday: Mon 09, Tue 10.
    pytest.param(
        at("2026-02-07 10:00"),
        2,
        False,
        SATURDAY_DESK,
        D(2026, 2, 7),
        D(2026, 2, 10),
        id="sat-desk-saturday",
    ),
    # Friday 16:00 at a Saturday desk counts from Saturday 07/02; 1 day → Monday 09/02.
    pytest.param(
        at("2026-02-06 16:00"),
        1,
        False,
        SATURDAY_DESK,
        D(2026, 2, 7),
        D(2026, 2, 9),
        id="sat-desk-fri-evening",
    ),
    # Saturday 15:00 at a Saturday desk: Sunday is off, counts from Monday 09/02 → Tue 10/02.
    pytest.param(
        at("2026-02-07 15:00"),
        1,
        False,
        SATURDAY_DESK,
        D(2026, 2, 9),
        D(2026, 2, 10),
        id="sat-desk-sat-1500",
    ),
    # Thursday 5 days at a Saturday desk: Fri 06, Sat 07, Mon 09, Tue 10, Wed 11.
    pytest.param(
        at("2026-02-05 09:00"),
        5,
        False,
        SATURDAY_DESK,
        D(2026, 2, 5),
        D(2026, 2, 11),
        id="sat-desk-5d",
    ),
    # The same without Saturday service: Fri 06, Mon 09, Tue 10, Wed 11, Thu 12.
    pytest.param(
        at("2026-02-05 09:00"),
        5,
        False,
        NATIONAL,
        D(2026, 2, 5),
        D(2026, 2, 12),
        id="no-sat-desk-5d",
    ),
    # --- Tết 2026 (Mon 16/02–Fri 20/02) ---
    # Friday 13/02 morning, 3 days: Mon 23, Tue 24, Wed 25.
    pytest.param(
        at("2026-02-13 09:00"),
        3,
        False,
        NATIONAL,
        D(2026, 2, 13),
        D(2026, 2, 25),
        id="tet26-fri-morning",
    ),
    # Friday 13/02 at 15:00: counts from Monday 23/02 → Thu 26/02.
    pytest.param(
        at("2026-02-13 15:00"),
        3,
        False,
        NATIONAL,
        D(2026, 2, 23),
        D(2026, 2, 26),
        id="tet26-fri-1500",
    ),
    # Thursday 12/02, 5 days: Fri 13, Mon 23, Tue 24, Wed 25, Thu 26.
    pytest.param(
        at("2026-02-12 10:00"),
        5,
        False,
        NATIONAL,
        D(2026, 2, 12),
        D(2026, 2, 26),
        id="tet26-thu-5d",
    ),
    # Received during Tết (Tue 17/02, e.g. online): counts from Mon 23/02 → Tue 24/02.
    pytest.param(
        at("2026-02-17 10:00"),
        1,
        False,
        NATIONAL,
        D(2026, 2, 23),
        D(2026, 2, 24),
        id="tet26-during",
    ),
    # Same-day procedure on Friday 13/02 evening: Monday 23/02.
    pytest.param(
        at("2026-02-13 16:00"),
        None,
        True,
        NATIONAL,
        D(2026, 2, 23),
        D(2026, 2, 23),
        id="tet26-same-day",
    ),
    # A Saturday desk: Sat 14/02 and Sat 21/02 are ordinary Saturdays around Tết, so open.
    # Fri 13/02 16:00 counts from Sat 14/02; 1 day (Tết skipped) → Sat 21/02.
    pytest.param(
        at("2026-02-13 16:00"),
        1,
        False,
        SATURDAY_DESK,
        D(2026, 2, 14),
        D(2026, 2, 21),
        id="tet26-sat-desk",
    ),
    # 30 working days from Mon 02/02/2026: Feb 3–6 (4), 9–13 (9), Tết skipped, 23–27 (14),
    # Mar 2–6 (19), 9–13 (24), 16–20 (29), Mon 23/03 (30).
    pytest.param(
        at("2026-02-02 09:00"), 30, False, NATIONAL, D(2026, 2, 2), D(2026, 3, 23), id="tet26-30d"
    ),
    # --- Tết 2027 (Thu 04/02–Wed 10/02, Saturday 06/02 included) ---
    # Wed 03/02/2027, 5 days: Thu 11, Fri 12, Mon 15, Tue 16, Wed 17.
    pytest.param(
        at("2027-02-03 10:00"), 5, False, NATIONAL, D(2027, 2, 3), D(2027, 2, 17), id="tet27-wed-5d"
    ),
    # Wed 03/02/2027 at 15:00: counts from Thu 11/02 → Fri 12/02.
    pytest.param(
        at("2027-02-03 15:00"),
        1,
        False,
        NATIONAL,
        D(2027, 2, 11),
        D(2027, 2, 12),
        id="tet27-wed-1500",
    ),
    # Tue 02/02/2027, 2 days: Wed 03, Thu 11.
    pytest.param(
        at("2027-02-02 09:00"), 2, False, NATIONAL, D(2027, 2, 2), D(2027, 2, 11), id="tet27-tue-2d"
    ),
    # Saturday desk: Sat 06/02/2027 is Tết, closed. Wed 03/02 16:00 counts from Thu 11/02;
    # 2 days: Fri 12, Sat 13.
    pytest.param(
        at("2027-02-03 16:00"),
        2,
        False,
        SATURDAY_DESK,
        D(2027, 2, 11),
        D(2027, 2, 13),
        id="tet27-sat-desk",
    ),
    # 30 working days from Mon 18/01/2027: Jan 19–22 (4), 25–29 (9), Feb 1–3 (12), Tết,
    # 11–12 (14), 15–19 (19), 22–26 (24), Mar 1–5 (29), Mon 08/03 (30).
    pytest.param(
        at("2027-01-18 09:00"), 30, False, NATIONAL, D(2027, 1, 18), D(2027, 3, 8), id="tet27-30d"
    ),
    # --- Compensatory Saturday 22/08/2026 and the day off Mon 31/08/2026, 2 September ---
    # Fri 21/08, 1 day: the compensatory Saturday 22/08 is a working day.
    pytest.param(
        at("2026-08-21 10:00"),
        1,
        False,
        NATIONAL,
        D(2026, 8, 21),
        D(2026, 8, 22),
        id="make-up-saturday",
    ),
    # Received on that Saturday before 15:00: counts from it; 1 day → Mon 24/08.
    pytest.param(
        at("2026-08-22 10:00"),
        1,
        False,
        NATIONAL,
        D(2026, 8, 22),
        D(2026, 8, 24),
        id="on-make-up-saturday",
    ),
    # Thu 20/08, 5 days: Fri 21, Sat 22, Mon 24, Tue 25, Wed 26.
    pytest.param(
        at("2026-08-20 10:00"),
        5,
        False,
        NATIONAL,
        D(2026, 8, 20),
        D(2026, 8, 26),
        id="across-make-up-saturday",
    ),
    # Fri 28/08, 1 day: Mon 31/08 (in lieu of 22/08), Tue 01/09, Wed 02/09 off → Thu 03/09.
    pytest.param(
        at("2026-08-28 10:00"), 1, False, NATIONAL, D(2026, 8, 28), D(2026, 9, 3), id="national-day"
    ),
    # Fri 28/08 at 15:00: counts from Thu 03/09; 2 days: Fri 04, Mon 07.
    pytest.param(
        at("2026-08-28 15:00"),
        2,
        False,
        NATIONAL,
        D(2026, 9, 3),
        D(2026, 9, 7),
        id="national-day-1500",
    ),
    # Received on 01/09 with 0 days: Thu 03/09.
    pytest.param(
        at("2026-09-01 09:00"),
        0,
        False,
        NATIONAL,
        D(2026, 9, 3),
        D(2026, 9, 3),
        id="on-national-day",
    ),
    # Hùng Kings (Sun 26/04 + Mon 27/04) and 30/04–01/05/2026. Fri 24/04, 3 days:
    # Tue 28, Wed 29, Mon 04/05.
    pytest.param(
        at("2026-04-24 10:00"),
        3,
        False,
        NATIONAL,
        D(2026, 4, 24),
        D(2026, 5, 4),
        id="hung-kings-30-4",
    ),
    # --- Province calendar ---
    # Province day off Wed 04/02/2026: Mon 02/02, 3 days → Tue 03, Thu 05, Fri 06.
    pytest.param(
        at("2026-02-02 09:00"),
        3,
        False,
        WorkCalendar(extra_days_off={D(2026, 2, 4)}),
        D(2026, 2, 2),
        D(2026, 2, 6),
        id="province-day-off",
    ),
    # Received on the province day off: counts from Thu 05/02 → Fri 06/02.
    pytest.param(
        at("2026-02-04 09:00"),
        1,
        False,
        WorkCalendar(extra_days_off={D(2026, 2, 4)}),
        D(2026, 2, 5),
        D(2026, 2, 6),
        id="on-province-day-off",
    ),
    # Province working Saturday 07/02/2026: Fri 06/02, 1 day → Sat 07/02.
    pytest.param(
        at("2026-02-06 09:00"),
        1,
        False,
        WorkCalendar(extra_working_days={D(2026, 2, 7)}),
        D(2026, 2, 6),
        D(2026, 2, 7),
        id="province-working-saturday",
    ),
    # A province may keep a national day as a working day: Tue 24/11/2026. Mon 23/11, 1 day.
    pytest.param(
        at("2026-11-23 09:00"),
        1,
        False,
        WorkCalendar(extra_working_days={D(2026, 11, 24)}),
        D(2026, 11, 23),
        D(2026, 11, 24),
        id="province-works-on-holiday",
    ),
    # ... which nationally is off: Mon 23/11, 1 day → Wed 25/11.
    pytest.param(
        at("2026-11-23 09:00"),
        1,
        False,
        NATIONAL,
        D(2026, 11, 23),
        D(2026, 11, 25),
        id="culture-day",
    ),
    # A province day off on a Saturday closes the Saturday desks: Fri 06/02 16:00 counts
    # from Mon 09/02 → Tue 10/02.
    pytest.param(
        at("2026-02-06 16:00"),
        1,
        False,
        WorkCalendar(extra_days_off={D(2026, 2, 7)}, saturday_service=True),
        D(2026, 2, 9),
        D(2026, 2, 10),
        id="province-closes-saturday",
    ),
    # --- Year boundary ---
    # Thu 31/12/2026, 1 day: Fri 01/01/2027 off, weekend → Mon 04/01/2027.
    pytest.param(
        at("2026-12-31 10:00"), 1, False, NATIONAL, D(2026, 12, 31), D(2027, 1, 4), id="new-year"
    ),
    # Thu 31/12/2026 15:00: counts from Mon 04/01/2027 → Tue 05/01/2027.
    pytest.param(
        at("2026-12-31 15:00"), 1, False, NATIONAL, D(2027, 1, 4), D(2027, 1, 5), id="new-year-1500"
    ),
]


@pytest.mark.parametrize(("received", "days", "same_day", "calendar", "counts_from", "due"), CASES)
def test_hand_computed_case(received, days, same_day, calendar, counts_from, due):
    result = calendar.due_date(received, working_days=days, same_day=same_day)

    assert (result.counts_from, result.due) == (counts_from, due)
    assert calendar.counts_from(received) == counts_from


@pytest.mark.parametrize(
    ("received", "counts_from"),
    [
        # 07:59:59 UTC is 14:59:59 in Hà Nội: before the cut-off.
        (dt.datetime(2026, 2, 2, 7, 59, 59, tzinfo=dt.UTC), D(2026, 2, 2)),
        # 08:00 UTC is 15:00 in Hà Nội: after.
        (dt.datetime(2026, 2, 2, 8, 0, tzinfo=dt.UTC), D(2026, 2, 3)),
        # 23:30 UTC on Sunday is 06:30 on Monday in Hà Nội.
        (dt.datetime(2026, 2, 1, 23, 30, tzinfo=dt.UTC), D(2026, 2, 2)),
    ],
)
def test_the_cut_off_is_in_vietnam_time(received, counts_from):
    assert NATIONAL.counts_from(received) == counts_from
