"""Public feedback (phản ánh, kiến nghị): the form, the reference and deadline, the citizen's
lookup, the staff inbox (scoped, flagged, paginated) and the reply."""

import datetime as dt
import re
import threading
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings as settings_hypothesis, strategies as st

from feedback import services
from feedback.models import (
    FEEDBACK_TRANSITIONS,
    NEW_ROW,
    Feedback,
    FeedbackAction,
    FeedbackStatus,
)
from feedback.views import dossier_link_value
from notifications.backends import memory
from portal.models import Role
from tests.factories import UserFactory

from .conftest import feedback_for, receive

VN = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = dt.datetime(2026, 12, 7, 9, tzinfo=VN)
REFERENCE = re.compile(r"^PA-\d{6}-\d{4}$")


def sent(template):
    return [m for m in memory.outbox if m.template_key == template]


def form(target, **overrides):
    data = {
        "name": "Trần Thị Bình",
        "phone": "0987 654 321",
        "email": "",
        "unit": str(target.pk),
        "subject": "Hẹn trả kết quả nhiều lần",
        "content": "Tôi đã đến ba lần mà chưa nhận được kết quả.",
    }
    data.update(overrides)
    return data


# --- The transition table ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "allowed"),
    [
        (NEW_ROW, FeedbackAction.SUBMIT, True),
        (FeedbackStatus.NEW, FeedbackAction.REPLY, True),
        (FeedbackStatus.ANSWERED, FeedbackAction.REPLY, False),
        (FeedbackStatus.NEW, FeedbackAction.SUBMIT, False),
    ],
)
def test_transition_table(status, action, allowed):
    assert ((status, action) in FEEDBACK_TRANSITIONS) is allowed


# --- Creating ------------------------------------------------------------------------------


def test_feedback_gets_a_reference_and_a_deadline_in_working_days(
    commune, settings, django_capture_on_commit_callbacks
):
    settings.FEEDBACK_REPLY_WORKING_DAYS = 10
    with django_capture_on_commit_callbacks(execute=True):
        feedback = feedback_for(commune, now=MONDAY)
    assert feedback.reference == "PA-261207-0001"
    # Ten working days after Monday 07/12/2026: Monday 21/12/2026.
    assert feedback.due_date == dt.date(2026, 12, 21)
    assert feedback.status == FeedbackStatus.NEW
    assert feedback.events.get().action == FeedbackAction.SUBMIT
    assert feedback_for(commune, now=MONDAY).reference == "PA-261207-0002"
    (sms,) = [m for m in sent("feedback_received") if m.channel == "sms"]
    assert "PA-261207-0001" in sms.body and "21/12/2026" in sms.body
    assert len(sent("feedback_received")) == 2  # SMS and e-mail of the first


def test_deadline_skips_tet(commune, settings):
    settings.FEEDBACK_REPLY_WORKING_DAYS = 10
    # Tết 2027: 05/02 to 10/02 (Friday to Wednesday) are days off.
    feedback = feedback_for(commune, now=dt.datetime(2027, 2, 1, 9, tzinfo=VN))
    assert feedback.due_date > dt.date(2027, 2, 15)


def test_reference_numbers_restart_each_day_in_vietnam_time(commune):
    late_evening = dt.datetime(2026, 12, 7, 23, 50, tzinfo=VN)
    assert feedback_for(commune, now=late_evening).reference == "PA-261207-0001"
    just_after_midnight = dt.datetime(2026, 12, 7, 17, 5, tzinfo=dt.UTC)  # 00:05 on the 8th
    assert feedback_for(commune, now=just_after_midnight).reference == "PA-261208-0001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_feedback_get_distinct_references(commune):
    references, barrier = [], threading.Barrier(4)

    def work():
        try:
            barrier.wait()
            references.append(feedback_for(commune).reference)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(references) == 4 and len(set(references)) == 4
    assert all(REFERENCE.match(r) for r in references)


def test_form_creates_and_shows_the_reference_and_deadline(commune, client):
    response = client.post("/feedback/new/", form(commune))
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert response["Location"] == f"/feedback/{feedback.reference}/?new=1"
    page = client.get(response["Location"]).content.decode()
    assert feedback.reference in page
    assert feedback.due_date.strftime("%d/%m/%Y") in page
    assert "Chờ trả lời" in page
    assert feedback.phone == "0987654321" and feedback.unit == commune


def test_at_least_one_contact_is_needed(commune, client):
    response = client.post("/feedback/new/", form(commune, phone="", email=""))
    assert response.status_code == 400
    assert "ít nhất một" in response.content.decode()
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Nhập họ và tên."),
        ("subject", "", "Nhập tiêu đề."),
        ("content", "", "Nhập nội dung phản ánh, kiến nghị."),
        ("phone", "12ab", "Số điện thoại không hợp lệ."),
        ("email", "not-an-email", "Địa chỉ thư điện tử không hợp lệ."),
        ("unit", "", "Chọn đơn vị được phản ánh."),
        ("unit", "999999", "Chọn đơn vị được phản ánh."),
    ],
)
def test_bad_input_is_a_form_error(commune, client, field, value, message):
    response = client.post("/feedback/new/", form(commune, **{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert not Feedback.objects.exists()


def test_feedback_on_a_procedure_from_its_page(commune, procedure, client):
    page = client.get(f"/p/{procedure.code}?unit={commune.code}").content.decode()
    assert f"/feedback/new/?procedure={procedure.code}" in page
    new = client.get(f"/feedback/new/?procedure={procedure.code}&unit={commune.code}")
    assert procedure.name_vi in new.content.decode()
    client.post("/feedback/new/", form(commune, procedure=procedure.code))
    assert Feedback.objects.get().procedure == procedure


def test_feedback_on_a_dossier_goes_to_its_competent_unit(
    three_day_procedure, desk_officer, other_commune, client
):
    d = receive(three_day_procedure, desk_officer)
    value = dossier_link_value(d.code)
    tracked = client.post("/track", {"code": d.code, "factor": "0912345678"}).content.decode()
    assert "/feedback/new/?dossier=" in tracked
    page = client.get("/feedback/new/", {"dossier": value}).content.decode()
    assert d.code in page and 'name="unit"' not in page
    client.post("/feedback/new/", form(other_commune, dossier=value))
    feedback = Feedback.objects.get()
    assert feedback.dossier == d and feedback.unit == d.competent_unit


def test_forged_dossier_value_is_ignored(three_day_procedure, desk_officer, commune, client):
    d = receive(three_day_procedure, desk_officer)
    page = client.get("/feedback/new/", {"dossier": d.code}).content.decode()
    assert "Về hồ sơ" not in page and 'name="unit"' in page
    client.post("/feedback/new/", form(commune, dossier=d.code + ":forged"))
    assert Feedback.objects.get().dossier is None


# --- Looking it up -------------------------------------------------------------------------


def test_lookup_by_phone_or_email(commune, client):
    feedback = feedback_for(commune)
    url = f"/feedback/{feedback.reference}/"
    assert 'name="contact"' in client.get(url).content.decode()
    by_phone = client.post(url, {"contact": "0987 654 321"})
    assert by_phone.status_code == 200 and feedback.subject in by_phone.content.decode()
    by_email = client.post(url, {"contact": "BINH@example.vn"})
    assert by_email.status_code == 200 and feedback.subject in by_email.content.decode()


def test_wrong_contact_and_unknown_reference_get_the_same_answer(commune, client):
    feedback = feedback_for(commune)
    wrong = client.post(f"/feedback/{feedback.reference}/", {"contact": "0911111111"})
    unknown = client.post("/feedback/PA-991231-9999/", {"contact": "0987654321"})
    assert wrong.status_code == unknown.status_code == 404
    for response in (wrong, unknown):
        html = response.content.decode()
        assert "Không tìm thấy phản ánh." in html
        assert feedback.subject not in html


def test_lookup_is_rate_limited(commune, client, settings):
    settings.TRACK_RATE_LIMIT = "3/10m"
    feedback = feedback_for(commune)
    url = f"/feedback/{feedback.reference}/"
    for _attempt in range(3):
        assert client.post(url, {"contact": "0911111111"}).status_code == 404
    limited = client.post(url, {"contact": "0987654321"})
    assert limited.status_code == 429 and "Retry-After" in limited


def test_another_browser_needs_the_contact(commune, client):
    client.post("/feedback/new/", form(commune))
    reference = Feedback.objects.get().reference
    other = Client()
    page = other.get(f"/feedback/{reference}/").content.decode()
    assert 'name="contact"' in page and "Hẹn trả kết quả nhiều lần" not in page


def test_citizen_sees_own_feedback_in_the_account(commune, citizen, client):
    client.force_login(citizen)
    client.post("/feedback/new/", form(commune))
    feedback = Feedback.objects.get()
    assert feedback.citizen == citizen
    client.logout()
    client.force_login(citizen)  # a new session: the account alone shows it
    assert feedback.subject in client.get(f"/feedback/{feedback.reference}/").content.decode()
    assert feedback.reference in client.get("/feedback/mine/").content.decode()
    other = UserFactory(username="other_citizen", is_citizen=True, unit=None, role="")
    client.force_login(other)
    assert 'name="contact"' in client.get(f"/feedback/{feedback.reference}/").content.decode()
    assert feedback.reference not in client.get("/feedback/mine/").content.decode()


# --- The inbox -----------------------------------------------------------------------------


def test_inbox_is_scoped_to_the_unit(commune, other_commune, desk_officer, client):
    mine = feedback_for(commune, subject="Về xã của tôi")
    theirs = feedback_for(other_commune, subject="Về phường khác")
    client.force_login(desk_officer)
    page = client.get("/desk/feedback/").content.decode()
    assert mine.reference in page and theirs.reference not in page
    assert client.get(f"/desk/feedback/{theirs.reference}/").status_code == 404
    assert client.get(f"/desk/feedback/{mine.reference}/").status_code == 200


def test_province_admin_sees_every_commune(commune, other_commune, province_admin, client):
    a, b = feedback_for(commune), feedback_for(other_commune)
    client.force_login(province_admin)
    page = client.get("/desk/feedback/").content.decode()
    assert a.reference in page and b.reference in page
    only_b = client.get("/desk/feedback/", {"unit": other_commune.pk}).content.decode()
    assert b.reference in only_b and a.reference not in only_b


def test_inbox_flags_and_filters(commune, desk_officer, client):
    with time_machine.travel(MONDAY, tick=False):
        overdue = feedback_for(commune, now=MONDAY - dt.timedelta(days=30), subject="Cũ")
        soon = feedback_for(commune, now=MONDAY - dt.timedelta(days=13), subject="Sắp")
        fresh = feedback_for(commune, now=MONDAY, subject="Mới")
        client.force_login(desk_officer)
        page = client.get("/desk/feedback/").content.decode()
        assert (
            page.index(overdue.reference) < page.index(soon.reference) < page.index(fresh.reference)
        )
        late = client.get("/desk/feedback/", {"flag": "overdue"}).content.decode()
        assert overdue.reference in late and fresh.reference not in late
        assert "Quá hạn" in late
        due_soon = client.get("/desk/feedback/", {"flag": "due_soon"}).content.decode()
        assert soon.reference in due_soon and overdue.reference not in due_soon
        found = client.get("/desk/feedback/", {"q": fresh.reference}).content.decode()
        assert fresh.reference in found and soon.reference not in found


def test_inbox_queries_do_not_grow_with_rows(
    commune, desk_officer, client, django_assert_num_queries
):
    client.force_login(desk_officer)
    feedback_for(commune)
    client.get("/desk/feedback/")  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get("/desk/feedback/").status_code == 200
    for _n in range(12):
        feedback_for(commune)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get("/desk/feedback/")
    assert page.content.decode().count('class="code"') == 13


def test_inbox_is_paginated(commune, desk_officer, client):
    for _n in range(27):
        feedback_for(commune)
    client.force_login(desk_officer)
    first = client.get("/desk/feedback/").content.decode()
    assert "Trang 1 / 2" in first
    second = client.get("/desk/feedback/", {"page": 2}).content.decode()
    assert second.count('class="code"') == 2


def test_inbox_needs_a_staff_login(client, citizen):
    assert client.get("/desk/feedback/").status_code == 302
    client.force_login(citizen)
    assert client.get("/desk/feedback/").status_code == 403


# --- The reply -----------------------------------------------------------------------------


def test_reply_is_sent_and_shown_to_the_citizen(
    commune, leader, client, django_capture_on_commit_callbacks
):
    feedback = feedback_for(commune)
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/desk/feedback/{feedback.reference}/", {"reply": "Xã đã chấn chỉnh cán bộ."}
        )
    assert response.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.ANSWERED and feedback.replied_by == leader
    assert feedback.answered_late is False
    assert [e.action for e in feedback.events.all()] == ["submit", "reply"]
    (email,) = [m for m in sent("feedback_answered") if m.channel == "email"]
    assert "Xã đã chấn chỉnh cán bộ." in email.body and email.recipient == "binh@example.vn"
    assert [m for m in sent("feedback_answered") if m.channel == "sms"]
    client.logout()
    page = client.post(f"/feedback/{feedback.reference}/", {"contact": "0987654321"})
    assert "Xã đã chấn chỉnh cán bộ." in page.content.decode()


def test_reply_after_the_deadline_is_recorded_as_late(commune, commune_admin):
    feedback = feedback_for(commune, now=MONDAY)
    later = dt.datetime.combine(feedback.due_date + dt.timedelta(days=1), dt.time(9), VN)
    answered = services.reply_feedback(feedback, actor=commune_admin, reply="Xin lỗi", now=later)
    assert answered.answered_late is True


def test_reply_on_the_due_date_is_on_time(commune, desk_officer):
    feedback = feedback_for(commune, now=MONDAY)
    on_time = dt.datetime.combine(feedback.due_date, dt.time(16, 30), VN)
    answered = services.reply_feedback(feedback, actor=desk_officer, reply="Đã xử lý", now=on_time)
    assert answered.answered_late is False


def test_who_may_reply(commune, other_commune, specialist, province_admin, client):
    feedback = feedback_for(commune)
    other_leader = UserFactory(username="other_leader", role=Role.LEADER, unit=other_commune)
    for user in (specialist, other_leader, province_admin):
        with pytest.raises(services.NotAllowed):
            services.reply_feedback(feedback, actor=user, reply="Trả lời")
    client.force_login(specialist)
    assert client.post(f"/desk/feedback/{feedback.reference}/", {"reply": "x"}).status_code == 403
    feedback.refresh_from_db()
    assert feedback.status == FeedbackStatus.NEW and not feedback.reply


def test_second_reply_and_empty_reply_are_refused(commune, leader, client):
    feedback = feedback_for(commune)
    client.force_login(leader)
    empty = client.post(f"/desk/feedback/{feedback.reference}/", {"reply": "  "})
    assert empty.status_code == 400 and "Nhập nội dung trả lời." in empty.content.decode()
    services.reply_feedback(feedback, actor=leader, reply="Lần một")
    with pytest.raises(services.WrongStatus):
        services.reply_feedback(feedback, actor=leader, reply="Lần hai")
    page = client.get(f"/desk/feedback/{feedback.reference}/").content.decode()
    assert "Lần một" in page and 'name="reply"' not in page


def test_sending_is_capped_per_client(commune, client, settings):
    settings.FEEDBACK_SUBMIT_RATE_LIMIT = "2/h"
    assert client.post("/feedback/new/", form(commune)).status_code == 302
    assert client.post("/feedback/new/", form(commune)).status_code == 302
    third = client.post("/feedback/new/", form(commune))
    assert third.status_code == 429 and "Retry-After" in third
    assert "Vui lòng thử lại sau" in third.content.decode()
    assert Feedback.objects.count() == 2


def test_admin_lists_are_read_only_and_scoped(commune, other_commune, client):
    mine, theirs = feedback_for(commune), feedback_for(other_commune)
    admin = UserFactory(username="cadmin", role=Role.COMMUNE_ADMIN, unit=commune, is_staff=True)
    client.force_login(admin)
    page = client.get("/admin/feedback/feedback/")
    assert page.status_code == 200
    html = page.content.decode()
    assert mine.reference in html and theirs.reference not in html
    assert client.get("/admin/feedback/feedback/add/").status_code == 403
    assert client.get("/admin/feedback/rating/").status_code == 200


@settings_hypothesis(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31)),
    days=st.integers(min_value=1, max_value=20),
)
def test_reply_due_is_the_nth_working_day_after_arrival(day, days):
    from django.test import override_settings

    from workcalendar.clock import WorkCalendar

    calendar = WorkCalendar()
    with override_settings(FEEDBACK_REPLY_WORKING_DAYS=days):
        due = services.reply_due(None, day)
    assert calendar.is_working_day(due)
    assert calendar.working_days_between(day, due) == days
