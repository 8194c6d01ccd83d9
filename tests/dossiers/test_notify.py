"""What citizens and staff are told, through the outbox, in the transaction of the change."""

import datetime as dt

import pytest

from dossiers import notify, services
from dossiers.models import Dossier
from dossiers.workflow import Action
from notifications.backends import memory
from notifications.models import Notification

from .conftest import all_documents, applicant, at, receive


def sent(template=None, channel=None):
    return [
        m
        for m in memory.outbox
        if (template is None or m.template_key == template)
        and (channel is None or m.channel == channel)
    ]


def test_reception_sends_sms_and_email_with_tracking_link(
    desk_officer, three_day_procedure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(three_day_procedure, desk_officer)
    assert dossier.notify_channels == ["sms", "email"]
    sms, email = sent("dossier_received", "sms"), sent("dossier_received", "email")
    assert len(sms) == 1 and len(email) == 1
    assert sms[0].recipient.endswith("912345678")
    assert email[0].recipient == "an@example.vn"
    link = f"/track?code={dossier.code}"
    assert link in sms[0].body and link in email[0].body
    assert "10/12/2026" in email[0].body  # the due date
    assert sms[0].subject_ref == f"dossier:{dossier.code}"


def test_message_in_the_applicants_language(
    desk_officer, three_day_procedure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        receive(
            three_day_procedure,
            desk_officer,
            applicant=applicant(language="en"),
            notify_channels=["email"],
        )
    (email,) = sent("dossier_received")
    assert email.language == "en"
    assert "Marriage registration" in email.body or "received" in email.body.lower()


def test_no_channel_chosen_sends_nothing(
    desk_officer, three_day_procedure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        receive(three_day_procedure, desk_officer, notify_channels=[])
    assert memory.outbox == [] and Notification.objects.count() == 0


def test_channel_without_contact_is_refused(desk_officer, three_day_procedure):
    with pytest.raises(services.InvalidInput) as err:
        receive(
            three_day_procedure,
            desk_officer,
            applicant=applicant(email=""),
            notify_channels=["email"],
        )
    assert "notify_channels" in err.value.errors
    assert Dossier.objects.count() == 0


def test_rolled_back_change_sends_nothing(
    desk_officer, three_day_procedure, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "issue_paper", lambda *a, **k: 1 / 0)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ZeroDivisionError):
        receive(three_day_procedure, desk_officer)
    assert Notification.objects.count() == 0 and memory.outbox == []


def test_supplement_request_lists_exactly_what_is_missing(
    desk_officer, specialist, leader, three_day_procedure, django_capture_on_commit_callbacks
):
    d = receive(three_day_procedure, desk_officer, notify_channels=["email"])
    d = services.assign_dossier(d, actor=leader, handler=specialist, version=d.version)
    with django_capture_on_commit_callbacks(execute=True):
        services.request_supplement(
            d, actor=specialist, version=d.version, missing="Bản sao giấy khai sinh của hai bên"
        )
    (email,) = sent("supplement_requested")
    assert "Bản sao giấy khai sinh của hai bên" in email.body


def test_incomplete_reception_lists_missing_documents(
    desk_officer, three_day_procedure, django_capture_on_commit_callbacks
):
    docs = all_documents(three_day_procedure)
    docs[1].provided = False
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(
            three_day_procedure, desk_officer, outcome=Action.RECEIVE_INCOMPLETE, documents=docs
        )
    # The e-mail names the paper; the SMS, one message long, counts and links to the page.
    (email,) = sent("supplement_requested", "email")
    assert "Giấy xác nhận tình trạng hôn nhân" in email.body
    assert "Tờ khai đăng ký kết hôn" not in email.body
    (sms,) = sent("supplement_requested", "sms")
    assert "1 giay to" in sms.body and f"/track?code={dossier.code}" in sms.body


def test_extension_and_result_ready_and_return(
    desk_officer, specialist, leader, three_day_procedure, django_capture_on_commit_callbacks
):
    d = receive(
        three_day_procedure, desk_officer, notify_channels=["email"], when=at(2026, 12, 7, 9)
    )
    d = services.assign_dossier(d, actor=leader, handler=specialist, version=d.version)
    with django_capture_on_commit_callbacks(execute=True):
        d = services.extend_dossier(
            d,
            actor=specialist,
            new_due=dt.date(2026, 12, 16),
            reason="Cần xác minh tại địa phương",
            version=d.version,
        )
    (apology,) = sent("extended")
    assert "16/12/2026" in apology.body and "Cần xác minh tại địa phương" in apology.body
    d = services.submit_for_approval(d, actor=specialist, proposal="Cấp giấy", version=d.version)
    d = services.approve_dossier(d, actor=leader, version=d.version)
    assert sent("result_ready") == []  # approval alone is not news for the citizen yet
    with django_capture_on_commit_callbacks(execute=True):
        d = services.mark_result_ready(d, actor=desk_officer, version=d.version)
        d = services.return_result(
            d, actor=desk_officer, returned_to="Nguyễn Văn An", version=d.version
        )
    (ready,) = sent("result_ready")
    assert "Xã Đạ Huoai" in ready.body
    assert len(sent("returned")) == 1


def test_same_event_twice_gives_one_message_per_channel(
    desk_officer, three_day_procedure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(three_day_procedure, desk_officer)
        notify.citizen_about(dossier, dossier.events.get())
    assert Notification.objects.count() == 2
    assert len(memory.outbox) == 2


@pytest.fixture
def staff_with_email(desk_officer, specialist, leader):
    for user in (desk_officer, specialist, leader):
        user.email = f"{user.username}@motcua.example.vn"
        user.save()
    return desk_officer, specialist, leader


def _assigned(procedure, desk_officer, leader, specialist, when):
    d = receive(procedure, desk_officer, notify_channels=[], when=when)
    return services.assign_dossier(d, actor=leader, handler=specialist, version=d.version)


def test_digest_on_a_working_day_lists_the_right_dossiers(
    staff_with_email, three_day_procedure, django_capture_on_commit_callbacks
):
    desk, specialist, leader = staff_with_email
    due_thursday = _assigned(three_day_procedure, desk, leader, specialist, at(2026, 12, 7, 9))
    due_later = _assigned(three_day_procedure, desk, leader, specialist, at(2026, 12, 8, 9))
    far = _assigned(three_day_procedure, desk, leader, specialist, at(2026, 12, 10, 9))
    with django_capture_on_commit_callbacks(execute=True):
        count = notify.send_staff_digests(now=at(2026, 12, 10, 7))
    assert count == 3  # desk officer, specialist, leader
    (mine,) = [m for m in sent("staff_digest") if m.recipient.startswith("specialist@")]
    assert due_thursday.code in mine.body and due_later.code in mine.body
    assert far.code not in mine.body  # due Tuesday 15/12: more than 2 working days away
    # Asking again the same day queues nothing new.
    assert notify.send_staff_digests(now=at(2026, 12, 10, 8)) == 0


def test_no_digest_on_a_public_holiday(staff_with_email, three_day_procedure):
    desk, specialist, leader = staff_with_email
    _assigned(three_day_procedure, desk, leader, specialist, at(2026, 12, 28, 9))
    assert notify.send_staff_digests(now=at(2027, 1, 1, 7)) == 0  # New Year's Day
    assert notify.send_staff_digests(now=at(2026, 12, 29, 7)) == 3


def test_overdue_escalates_to_the_leader_once(
    staff_with_email, three_day_procedure, django_capture_on_commit_callbacks
):
    desk, specialist, leader = staff_with_email
    d = _assigned(three_day_procedure, desk, leader, specialist, at(2026, 12, 7, 9))
    assert notify.escalate_overdue(now=at(2026, 12, 10, 16)) == 0  # due today: not late yet
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.escalate_overdue(now=at(2026, 12, 11, 8)) == 1
    (mail,) = sent("overdue_escalation")
    assert mail.recipient == leader.email and d.code in mail.body
    assert notify.escalate_overdue(now=at(2026, 12, 14, 8)) == 0


def test_handler_reminded_one_working_day_before_with_apology_draft(
    staff_with_email, three_day_procedure, django_capture_on_commit_callbacks
):
    desk, specialist, leader = staff_with_email
    d = _assigned(three_day_procedure, desk, leader, specialist, at(2026, 12, 7, 9))  # due Thu
    assert notify.remind_before_late(now=at(2026, 12, 8, 7)) == 0  # Tuesday: two days left
    with django_capture_on_commit_callbacks(execute=True):
        assert notify.remind_before_late(now=at(2026, 12, 9, 7)) == 1  # Wednesday
    (mail,) = sent("late_reminder")
    assert mail.recipient == specialist.email
    assert f"/desk/dossiers/{d.code}/apology/" in mail.body
    assert notify.remind_before_late(now=at(2026, 12, 9, 9)) == 0


def test_beat_schedules_the_dossier_tasks(settings):
    from portal.celery import app

    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "dossiers.tasks.send_staff_digests",
        "dossiers.tasks.remind_before_late",
        "dossiers.tasks.escalate_overdue",
        "notifications.tasks.sweep",
    } <= tasks
    app.loader.import_default_modules()
    assert tasks <= set(app.tasks)
    assert settings.CELERY_TIMEZONE == "Asia/Ho_Chi_Minh"


# --- In the workspace -------------------------------------------------------------------


def test_desk_form_records_the_chosen_channels_and_sends(
    client, desk_officer, three_day_procedure, django_capture_on_commit_callbacks
):
    from .test_views import form_data

    client.force_login(desk_officer)
    data = form_data(
        three_day_procedure, desk_officer, applicant_email="", notify_channels=["sms", "email"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/desk/receive/?procedure=1.000894", data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert dossier.notify_channels == ["sms"]  # no address: nowhere to e-mail
    (sms,) = sent("dossier_received")
    assert f"/track?code={dossier.code}" in sms.body

    data = form_data(three_day_procedure, desk_officer)  # nothing ticked: no messages
    client.post("/desk/receive/?procedure=1.000894", data)
    assert Dossier.objects.latest("id").notify_channels == []


def test_dossier_page_flags_an_address_that_failed(
    client, desk_officer, three_day_procedure, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        dossier = receive(
            three_day_procedure,
            desk_officer,
            applicant=applicant(phone="0900000000"),
            notify_channels=["sms"],
        )
    Notification.objects.update(
        status="failed", permanent_failure=True, last_error="invalid number"
    )
    client.force_login(desk_officer)
    html = client.get(f"/desk/dossiers/{dossier.code}/").content.decode()
    assert "Không gửi được tới" in html and "invalid number" in html


def test_leader_sees_the_count_of_failed_messages(
    client, leader, desk_officer, three_day_procedure
):
    receive(three_day_procedure, desk_officer, notify_channels=["sms"])
    Notification.objects.update(status="failed", permanent_failure=True)
    client.force_login(leader)
    html = client.get("/desk/").content.decode()
    assert "1 thông báo cho công dân của đơn vị không gửi được" in html


def test_apology_draft_is_prefilled_for_the_handler(
    client, desk_officer, specialist, leader, three_day_procedure
):
    d = receive(three_day_procedure, desk_officer, notify_channels=[])
    d = services.assign_dossier(d, actor=leader, handler=specialist, version=d.version)
    client.force_login(desk_officer)
    assert client.get(f"/desk/dossiers/{d.code}/apology/").status_code == 403
    client.force_login(specialist)
    html = client.get(f"/desk/dossiers/{d.code}/apology/").content.decode()
    assert "thành thật xin lỗi" in html
    assert 'value="2026-12-15"' in html  # Thu 10/12 + 3 working days
    assert f'action="/desk/dossiers/{d.code}/actions/extend/"' in html
