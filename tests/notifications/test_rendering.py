"""Message templates: declared placeholders only, one SMS long, each language its own."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from notifications import rendering
from notifications.defaults import DEFAULT_TEMPLATES
from notifications.models import Channel, MessageTemplate, TemplateKey

SMS_DEFAULTS = [k for k in DEFAULT_TEMPLATES if k[1] == Channel.SMS]


@pytest.mark.parametrize(("key", "channel", "language"), list(DEFAULT_TEMPLATES))
def test_every_default_template_is_valid(key, channel, language):
    subject, body = DEFAULT_TEMPLATES[(key, channel, language)]
    rendering.validate_template(key, channel, subject=subject, body=body, language=language)


def test_every_citizen_message_has_email_sms_and_zalo_in_both_languages():
    citizen = set(TemplateKey.values) - {"staff_digest", "overdue_escalation", "late_reminder"}
    for key in citizen:
        for channel in Channel.values:
            for language in ("vi", "en"):
                assert (key, channel, language) in DEFAULT_TEMPLATES
    for language in ("vi", "en"):
        for key in ("staff_digest", "overdue_escalation", "late_reminder"):
            assert (key, Channel.EMAIL, language) in DEFAULT_TEMPLATES


@pytest.mark.parametrize(("key", "channel", "language"), SMS_DEFAULTS)
def test_default_sms_fit_in_one_sms_with_realistic_values(key, channel, language):
    subject, body = DEFAULT_TEMPLATES[(key, channel, language)]
    context = rendering.sample_context(key)
    rendered = rendering.render_source(key, channel, language, subject, body, context)
    assert rendering.gsm_length(rendered.body) <= 160, rendered.body
    assert rendering.sms_segments(rendered.body) == 1
    assert rendered.body.isascii()  # folded: no diacritics
    # What the message is about (the dossier code, a feedback's reference) is always there.
    assert str(context.get("reference") or context["code"]) in rendered.body


def test_samples_are_realistic_enough_to_test_length():
    context = rendering.sample_context(TemplateKey.DOSSIER_RECEIVED)
    assert len(context["tracking_url"]) >= 60
    assert len(context["procedure"]) >= 60


@pytest.mark.django_db
def test_received_message_in_vietnamese_and_english(received_context):
    vi = rendering.render("dossier_received", "email", "vi", received_context)
    en = rendering.render("dossier_received", "email", "en", received_context)
    assert vi.subject == "Đã tiếp nhận hồ sơ 000.00.23.H56-261123-0007"
    assert "Ngày hẹn trả kết quả: 26/11/2026." in vi.body
    assert "Kính gửi ông/bà Trần Văn Bình" in vi.body
    assert en.subject == "Dossier 000.00.23.H56-261123-0007 received"
    assert "The result is due on 26/11/2026." in en.body
    for rendered in (vi, en):
        assert received_context["tracking_url"] in rendered.body
        assert "{{" not in rendered.body and "{%" not in rendered.body


@pytest.mark.django_db
def test_sms_is_folded_without_diacritics(received_context):
    sms = rendering.render("dossier_received", "sms", "vi", received_context)
    assert sms.subject == ""
    assert sms.body == (
        "Ho so 000.00.23.H56-261123-0007 da tiep nhan, hen tra 26/11/2026. "
        "Tra cuu: https://dichvucong.lamdong.gov.vn/track?code=000.00.23.H56-261123-0007"
    )


@pytest.mark.django_db
def test_zalo_message_carries_the_template_data(received_context):
    zalo = rendering.render("dossier_received", "zalo", "vi", received_context)
    assert "Hồ sơ 000.00.23.H56-261123-0007 đã tiếp nhận" in zalo.body  # diacritics kept
    data = zalo.payload["template_data"]
    assert data["code"] == "000.00.23.H56-261123-0007"
    assert data["due_date"] == "26/11/2026"
    assert data["procedure"] == "Đăng ký kết hôn"


@pytest.mark.django_db
def test_supplement_request_lists_exactly_what_is_missing():
    context = rendering.sample_context("supplement_requested") | {
        "missing": ["Tờ khai đăng ký kết hôn", "Bản sao căn cước"],
        "note": "",
    }
    vi = rendering.render("supplement_requested", "email", "vi", context)
    assert "- Tờ khai đăng ký kết hôn\n- Bản sao căn cước\n" in vi.body
    assert "Ghi chú" not in vi.body  # empty note: no empty line for it
    sms = rendering.render("supplement_requested", "sms", "en", context)
    assert "needs 2 more documents" in sms.body


@pytest.mark.django_db
def test_digest_lists_each_group_and_says_so_when_nothing_is_due():
    item = {
        "code": "000.00.23.H56-261120-0003",
        "procedure": "Đăng ký khai sinh",
        "applicant_name": "Lê Thị Hoa",
        "due_date": datetime.date(2026, 11, 24),
        "url": "https://x.example/desk/dossiers/000.00.23.H56-261120-0003/",
    }
    context = {
        "officer_name": "Lê Văn Tám",
        "unit": "Xã Đạ Huoai",
        "date": datetime.date(2026, 11, 25),
        "due_today": [],
        "due_soon": [],
        "overdue": [item],
        "worklist_url": "https://x.example/desk/",
    }
    digest = rendering.render("staff_digest", "email", "vi", context)
    assert digest.subject == "Hồ sơ cần xử lý ngày 25/11/2026"
    assert "QUÁ HẠN (1):\n- 000.00.23.H56-261120-0003 · Đăng ký khai sinh" in digest.body
    assert "ĐẾN HẠN HÔM NAY" not in digest.body
    empty = rendering.render(
        "staff_digest", "email", "en", context | {"overdue": [], "due_today": []}
    )
    assert "Nothing is due." in empty.body


@pytest.mark.django_db
def test_a_province_template_replaces_the_default_and_deleting_it_restores_it(
    received_context,
):
    template = MessageTemplate.objects.get(key="dossier_received", channel="sms", language="vi")
    template.body = "Hồ sơ {{ code }}: hẹn {{ due_date|date:'d/m' }}."
    template.full_clean()
    template.save()
    assert rendering.render("dossier_received", "sms", "vi", received_context).body == (
        "Ho so 000.00.23.H56-261123-0007: hen 26/11."
    )
    template.delete()
    restored = rendering.render("dossier_received", "sms", "vi", received_context)
    assert restored.body.startswith("Ho so 000.00.23.H56-261123-0007 da tiep nhan")


@pytest.mark.django_db
def test_default_templates_are_seeded_for_the_admin():
    assert MessageTemplate.objects.count() == len(DEFAULT_TEMPLATES)


def test_missing_placeholder_in_the_context_is_a_programming_error(received_context):
    del received_context["due_date"]
    with pytest.raises(rendering.MissingContext, match="due_date"):
        rendering.render("dossier_received", "email", "vi", received_context)


# --- Refused templates ---------------------------------------------------------------------


def _errors(key, channel, body, subject="Tiêu đề"):
    template = MessageTemplate(key=key, channel=channel, language="vi", subject=subject, body=body)
    with pytest.raises(ValidationError) as caught:
        template.full_clean(validate_constraints=False)  # seeded rows hold these keys
    return caught.value.message_dict


@pytest.mark.django_db
def test_unknown_placeholder_is_refused():
    errors = _errors("dossier_received", "email", "Hẹn ngày {{ due_dat }}")
    assert "due_dat" in errors["body"][0]
    assert "due_date" in errors["body"][0]  # the message lists what may be used


@pytest.mark.django_db
def test_unknown_placeholder_in_the_subject_is_refused():
    errors = _errors("refused", "email", "{{ reason }}", subject="Hồ sơ {{ dossier_code }}")
    assert list(errors) == ["subject"]
    assert "dossier_code" in errors["subject"][0]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("{{ code.upper }}", "thuộc tính"),  # attribute of a plain value
        ("{% load static %}{{ code }}", "static"),  # no tag library can be loaded
        ("{% include 'x.html' %}", "include"),
        ("{{ reason|safe }}", "safe"),
        ("{% if reason %}{{ reason }}", "Lỗi cú pháp"),  # unclosed block
        ("{% for item in missing %}{{ item.name }}{% endfor %}", "item.name"),
        ("{% for d in code %}{{ d }}{% endfor %}", "danh sách"),
        ("{{ code|default:secret }}", "secret"),  # variables in filter arguments count too
        ("{% if secret == code %}x{% endif %}", "secret"),
    ],
)
def test_templates_outside_the_allowed_syntax_are_refused(body, fragment):
    key = "supplement_requested" if "missing" in body else "refused"
    errors = _errors(key, "email", body)
    assert any(fragment in message for message in errors["body"]), errors


@pytest.mark.django_db
def test_loops_over_declared_lists_and_their_fields_are_accepted():
    body = (
        "{% for d in overdue %}{{ forloop.counter }}. {{ d.code }} {{ d.due_date|date:'d/m' }}"
        "{% empty %}-{% endfor %} {{ worklist_url|default:'' }}"
    )
    template = MessageTemplate(
        key="staff_digest", channel="email", language="vi", subject="Việc {{ date }}", body=body
    )
    template.full_clean(validate_constraints=False)


@pytest.mark.django_db
def test_sms_template_longer_than_one_sms_is_refused():
    errors = _errors("dossier_received", "sms", "Hồ sơ {{ procedure }} " * 3, subject="")
    assert "160" in errors["body"][0]


@pytest.mark.django_db
def test_email_needs_a_subject():
    errors = _errors("refused", "email", "{{ reason }}", subject="")
    assert "subject" in errors


def test_sms_text_folds_vietnamese_and_typography():
    assert (
        rendering.sms_text("Đăng ký “kết hôn” – ĐỦ giấy tờ…") == 'Dang ky "ket hon" - DU giay to...'
    )
    assert rendering.sms_text("Giá 5€ ✓") == "Gia 5€ ?"
    assert rendering.gsm_length("a€[") == 5


@pytest.mark.django_db
def test_template_that_renders_to_nothing_is_refused():
    errors = _errors("refused", "email", "{% if not reason %}{{ reason }}{% endif %}")
    assert "trống" in errors["body"][0]
