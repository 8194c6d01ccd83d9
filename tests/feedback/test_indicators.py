"""Indicators per unit and month, on a small dataset computed by hand; month boundaries in
Vietnam's time; a constant number of queries."""

import datetime as dt
import zoneinfo

import pytest
import time_machine

from feedback import selectors, services
from portal.models import Role
from tests.factories import UnitFactory, UserFactory

from .conftest import ANSWERS, feedback_for, returned_dossier

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = dt.date(2026, 12, 10)


def vn(y, m, d, hh=9, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=VN)


def rate(dossier, when, **scores):
    return services.submit_rating(dossier, answers={**ANSWERS, **scores}, channel="web", now=when)


@pytest.fixture
def dataset(three_day_procedure, commune, other_commune, desk_officer, leader, specialist):
    """Commune A (`commune`) and ward B (`other_commune`); what November 2026 holds:

    ratings given in November at A: d0 (3,3,2,5), d1 (5,4,5,3), d2 (4,2,4,4), the last at
    23:30 on 30/11 Vietnam time; d4's rating (1,...) is in December. Dossiers returned in
    November at A: d1, d2, d3 (23:00 on 30/11), of which d1 and d2 are rated; d0 was returned
    in October, d4 at 00:10 on 01/12 (17:10 UTC on 30/11, but December in Vietnam).
    Feedback at A in November: f1 answered on time, f2 answered late, f3 unanswered and
    overdue on 10/12, f5 sent 23:55 on 30/11 and not yet due; f4 (00:05 on 01/12) is
    December's. B: f6 answered on time."""

    def dossier(when):
        return returned_dossier(three_day_procedure, desk_officer, leader, specialist, when=when)

    d0 = dossier(vn(2026, 10, 30))
    rate(d0, vn(2026, 11, 2), overall=3, timeliness=3, attitude=2, clarity=5)
    d1 = dossier(vn(2026, 11, 10))
    rate(d1, vn(2026, 11, 11), overall=5, timeliness=4, attitude=5, clarity=3)
    d2 = dossier(vn(2026, 11, 20))
    rate(d2, vn(2026, 11, 30, 23, 30), overall=4, timeliness=2, attitude=4, clarity=4)
    dossier(vn(2026, 11, 30, 23, 0))  # d3, not rated
    d4 = dossier(vn(2026, 12, 1, 0, 10))
    rate(d4, vn(2026, 12, 1, 8), overall=1)

    f1 = feedback_for(commune, now=vn(2026, 11, 2))
    services.reply_feedback(f1, actor=leader, reply="Đã xử lý", now=vn(2026, 11, 5))
    f2 = feedback_for(commune, now=vn(2026, 11, 3))
    services.reply_feedback(f2, actor=leader, reply="Xin lỗi vì chậm", now=vn(2026, 12, 1))
    feedback_for(commune, now=vn(2026, 11, 25))  # f3, due 09/12
    feedback_for(commune, now=vn(2026, 12, 1, 0, 5))  # f4
    feedback_for(commune, now=vn(2026, 11, 30, 23, 55))  # f5, due 14/12
    b_leader = UserFactory(username="b_leader", role=Role.LEADER, unit=other_commune)
    f6 = feedback_for(other_commune, now=vn(2026, 11, 15))
    services.reply_feedback(f6, actor=b_leader, reply="Đã trả lời", now=vn(2026, 11, 16))
    return commune, other_commune


def test_november_numbers_by_hand(dataset, django_assert_num_queries):
    a, b = dataset
    with django_assert_num_queries(3):
        row_a, row_b = selectors.unit_indicators([a, b], 2026, 11, today=TODAY)
    assert row_a.ratings == 3
    scores = {q["name"]: (q["score"], q["satisfied_pct"]) for q in row_a.questions}
    assert scores == {
        "overall": (4.0, 66.7),  # (3 + 5 + 4) / 3; 5 and 4 are satisfied
        "timeliness": (3.0, 33.3),  # (3 + 4 + 2) / 3; only 4
        "attitude": (3.67, 66.7),  # (2 + 5 + 4) / 3
        "clarity": (4.0, 66.7),  # (5 + 3 + 4) / 3; 5 and 4
    }
    assert (row_a.returned, row_a.returned_rated, row_a.response_rate) == (3, 2, 66.7)
    assert (row_a.feedback_received, row_a.feedback_answered, row_a.feedback_on_time) == (4, 2, 1)
    assert row_a.feedback_overdue_open == 1
    assert row_a.on_time_pct == 33.3  # 1 on time of 2 answered + 1 overdue
    assert row_b.ratings == 0 and row_b.overall_score is None and row_b.response_rate is None
    assert (row_b.feedback_received, row_b.on_time_pct) == (1, 100.0)

    whole = selectors.total([row_a, row_b])
    assert whole.ratings == 3 and whole.overall_score == 4.0
    assert (whole.feedback_received, whole.feedback_answered, whole.on_time_pct) == (5, 3, 50.0)


def test_december_starts_at_midnight_in_vietnam(dataset):
    a, _b = dataset
    (row,) = selectors.unit_indicators([a], 2026, 12, today=TODAY)
    assert row.ratings == 1 and row.overall_score == 1.0
    assert (row.returned, row.returned_rated) == (1, 1)
    assert row.feedback_received == 1


def test_month_bounds_are_vietnam_midnights():
    start, end = selectors.month_bounds(2026, 12)
    assert start == dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)
    assert end == dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC)


def test_leader_sees_own_unit_page(dataset, leader, client):
    client.force_login(leader)
    with time_machine.travel(vn(2026, 12, 10), tick=False):
        page = client.get("/desk/indicators/", {"month": "2026-11"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Xã Đạ Huoai" in html and "Phường Bảo Lộc" not in html
    assert "4.00 / 66.7%" in html or "4,00 / 66,7%" in html
    assert "(2/3)" in html


def test_province_admin_sees_every_commune_with_a_total(dataset, province_admin, client):
    client.force_login(province_admin)
    with time_machine.travel(vn(2026, 12, 10), tick=False):
        html = client.get("/desk/indicators/", {"month": "2026-11"}).content.decode()
    assert "Xã Đạ Huoai" in html and "Phường Bảo Lộc" in html and "Toàn tỉnh" in html


def test_page_queries_do_not_grow_with_units(
    dataset, province, province_admin, client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(province_admin)
    client.get("/desk/indicators/", {"month": "2026-11"})
    with CaptureQueriesContext(connection) as two_units:
        client.get("/desk/indicators/", {"month": "2026-11"})
    for n in range(5):
        unit = UnitFactory(code=f"000.00.9{n}.H56", parent=province)
        feedback_for(unit, now=vn(2026, 11, 20))
    with django_assert_num_queries(len(two_units.captured_queries)):
        page = client.get("/desk/indicators/", {"month": "2026-11"})
    assert page.content.decode().count("<tr") == 1 + 7 + 1  # head, units, total


@pytest.mark.parametrize("user_fixture", ["desk_officer", "specialist"])
def test_other_roles_are_refused(dataset, client, request, user_fixture):
    client.force_login(request.getfixturevalue(user_fixture))
    assert client.get("/desk/indicators/").status_code == 403


@pytest.mark.parametrize("month", ["2026-13", "26-11", "abc", "2026-00"])
def test_bad_month_is_a_clear_error(leader, client, month):
    client.force_login(leader)
    response = client.get("/desk/indicators/", {"month": month})
    assert response.status_code == 400
    assert "Tháng không hợp lệ" in response.content.decode()


def test_current_month_by_default(leader, client):
    client.force_login(leader)
    with time_machine.travel(vn(2026, 12, 10), tick=False):
        html = client.get("/desk/indicators/").content.decode()
    assert "12/2026" in html
