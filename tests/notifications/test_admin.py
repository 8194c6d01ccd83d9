"""The notifications admin: failed messages for province admins, templates with preview."""

import re

import pytest
from django.urls import reverse

from notifications import services
from notifications.backends import PermanentFailure
from notifications.models import MessageTemplate, Notification, NotificationStatus
from tests.procedures.test_admin import form_data

S = NotificationStatus
LIST = reverse("admin:notifications_notification_changelist")
TEMPLATES = reverse("admin:notifications_messagetemplate_changelist")
PREVIEW = reverse("admin:notifications_messagetemplate_preview")


@pytest.fixture
def login(client):
    def _login(user):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def refused_by_gateway(db, received_context, monkeypatch):
    """A message the SMS gateway refused (permanent failure), and one that went out."""

    def refuse(self, notification):
        raise PermanentFailure("HTTP 400: so thue bao khong ton tai")

    with monkeypatch.context() as patch:
        patch.setattr(services, "_schedule", lambda ids: None)  # delivered by hand below
        return _failed_and_sent(received_context, refuse, patch)


def _failed_and_sent(received_context, refuse, patch):
    failed = services.enqueue(
        recipient="0912345678",
        channel="sms",
        template_key="dossier_received",
        language="vi",
        context=received_context,
        subject_ref="dossier:000.00.23.H56-261123-0007",
    )
    sent = services.enqueue(
        recipient="binh@example.vn",
        channel="email",
        template_key="dossier_received",
        language="vi",
        context=received_context,
        subject_ref="dossier:000.00.23.H56-261123-0008",
    )
    services.deliver(sent.pk)
    patch.setattr("notifications.backends.memory.MemoryBackend.send", refuse)
    services.deliver(failed.pk)
    return failed, sent


def test_failed_messages_list_shows_the_gateway_refusal(login, province_admin, refused_by_gateway):
    failed, sent = refused_by_gateway
    client = login(province_admin)
    response = client.get(LIST, {"status__exact": "failed"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [failed]
    assert "so thue bao khong ton tai" in response.content.decode()
    by_channel = client.get(LIST, {"channel__exact": "email"}).context["cl"].result_list
    assert list(by_channel) == [sent]
    found = client.get(LIST, {"q": "000.00.23.H56-261123-0008"}).context["cl"].result_list
    assert list(found) == [sent]
    page = client.get(reverse("admin:notifications_notification_change", args=[failed.pk]))
    assert page.status_code == 200
    assert "HTTP 400" in page.content.decode()  # the attempt, inline


def test_messages_are_read_only(login, province_admin, refused_by_gateway):
    failed, _sent = refused_by_gateway
    client = login(province_admin)
    url = reverse("admin:notifications_notification_change", args=[failed.pk])
    response = client.post(url, {"status": "sent", "recipient": "x"})
    assert response.status_code == 403
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    assert Notification.objects.get(pk=failed.pk).status == S.FAILED


def test_retry_now_action(
    login, province_admin, refused_by_gateway, django_capture_on_commit_callbacks
):
    failed, sent = refused_by_gateway
    client = login(province_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            LIST,
            {"action": "retry_now", "_selected_action": [str(failed.pk), str(sent.pk)]},
            follow=True,
        )
    text = response.content.decode()
    assert "Đã xếp 1 thông báo vào hàng gửi lại." in text
    assert "1 thông báo không ở trạng thái thất bại" in text
    assert Notification.objects.get(pk=failed.pk).status == S.SENT  # memory backend accepts


@pytest.mark.parametrize("role", ["desk_officer", "leader", "commune_admin"])
def test_only_province_admins_see_notifications(request, login, refused_by_gateway, role):
    client = login(request.getfixturevalue(role))
    assert client.get(LIST).status_code == 403
    assert client.get(TEMPLATES).status_code == 403
    assert client.post(PREVIEW, {"key": "refused", "channel": "sms"}).status_code == 403


def _template_url(key="dossier_received", channel="sms", language="vi"):
    template = MessageTemplate.objects.get(key=key, channel=channel, language=language)
    return template, reverse("admin:notifications_messagetemplate_change", args=[template.pk])


def test_template_with_unknown_placeholder_is_refused_in_the_admin(login, province_admin):
    template, url = _template_url()
    client = login(province_admin)
    page = client.get(url)
    assert "Xem trước" in page.content.decode()
    assert "tracking_url" in page.content.decode()  # the placeholders that may be used
    data = form_data(page)
    data["body"] = "Hồ sơ {{ code }} hẹn {{ ngay_hen }}."
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "ngay_hen" in errors["body"][0]
    template.refresh_from_db()
    assert "ngay_hen" not in template.body


def test_template_edit_is_saved_and_used(login, province_admin, received_context):
    template, url = _template_url()
    client = login(province_admin)
    data = form_data(client.get(url))
    data["body"] = "Hồ sơ {{ code }} đã nhận, hẹn {{ due_date|date:'d/m/Y' }}. {{ tracking_url }}"
    response = client.post(url, data)
    assert response.status_code == 302
    template.refresh_from_db()
    assert template.history.count() == 1  # edits are kept (the seed made no history row)
    rendered = services.rendering.render("dossier_received", "sms", "vi", received_context)
    assert rendered.body.startswith("Ho so 000.00.23.H56-261123-0007 da nhan, hen 26/11/2026.")


def test_preview_renders_unsaved_text_with_sample_values(login, province_admin):
    template, _url = _template_url()
    before = template.body
    client = login(province_admin)
    response = client.post(
        PREVIEW,
        {
            "key": "dossier_received",
            "channel": "sms",
            "language": "vi",
            "subject": "",
            "body": "Hồ sơ {{ code }} hẹn trả {{ due_date|date:'d/m/Y' }}.",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert "Ho so 000.00.23.H56-261123-0001 hen tra 27/11/2026." in text
    assert "tin SMS" in text
    template.refresh_from_db()
    assert template.body == before  # nothing saved


def test_preview_lists_what_would_stop_the_save(login, province_admin):
    client = login(province_admin)
    response = client.post(
        PREVIEW,
        {"key": "refused", "channel": "email", "language": "en", "subject": "", "body": "{{ x }}"},
    )
    errors = response.context["errors"]
    assert any("“x”" in e for e in errors) and any("tiêu đề" in e for e in errors)
    bad = client.post(PREVIEW, {"key": "nope", "channel": "sms"})
    assert bad.status_code == 200 and bad.context["errors"]


def test_saved_template_shows_its_preview(login, province_admin):
    _template, url = _template_url(key="result_ready", channel="email", language="en")
    text = login(province_admin).get(url).content.decode()
    assert "The result of dossier 000.00.23.H56-261123-0001 is ready" in text


def test_add_template_page_lists_every_key(login, province_admin):
    text = login(province_admin).get(reverse("admin:notifications_messagetemplate_add")).content
    assert "apology_url" in text.decode() and "missing" in text.decode()


def test_one_time_codes_are_hidden_from_admins(login, province_admin, citizen):
    """An admin who read a citizen's reset code could take over the account (issue 6
    review): the code is masked in the message and its data; other messages are shown."""
    from citizens import services as accounts
    from notifications.models import TemplateKey

    accounts.request_password_reset("phone", citizen.phone)
    message = Notification.objects.get(template_key=TemplateKey.PASSWORD_RESET_CODE)
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    client = login(province_admin)
    page = client.get(reverse("admin:notifications_notification_change", args=[message.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert code not in html and "******" in html
    assert message.recipient in html


def test_other_messages_keep_their_text_in_the_admin(login, province_admin, refused_by_gateway):
    failed, _sent = refused_by_gateway
    client = login(province_admin)
    page = client.get(reverse("admin:notifications_notification_change", args=[failed.pk]))
    assert failed.body.splitlines()[0] in page.content.decode()
