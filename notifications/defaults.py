"""Built-in wording of every message, per channel and language.

A province admin edits these as MessageTemplate rows (seeded by migration 0002); a message
without a row uses the text here. SMS texts are written in ordinary Vietnamese: diacritics
are removed when sending (rendering.sms_text), and with realistic values each fits in one
SMS (tests/notifications/test_rendering.py). Zalo ZNS messages show the text of a template
approved on Zalo's side; the body kept here is the record of what the citizen was told.
"""

from __future__ import annotations

from .models import Channel, TemplateKey

K = TemplateKey
D = '|date:"d/m/Y"'

_SIGN_VI = "\n\nĐây là thư tự động của Bộ phận một cửa, xin đừng trả lời thư này."
_SIGN_EN = "\n\nThis is an automatic message from the one-stop desk; please do not reply."

# key -> language -> {"email": (subject, body), "sms": body, "zalo": body (optional)}
_TEXTS: dict[str, dict[str, dict]] = {
    K.DOSSIER_RECEIVED: {
        "vi": {
            "email": (
                "Đã tiếp nhận hồ sơ {{ code }}",
                "Kính gửi ông/bà {{ applicant_name }},\n\n"
                "{{ unit }} đã tiếp nhận hồ sơ {{ code }} ({{ procedure }}) ngày "
                "{{ received_at" + D + " }}.\n"
                "Ngày hẹn trả kết quả: {{ due_date" + D + " }}.\n\n"
                "Theo dõi hồ sơ tại: {{ tracking_url }}" + _SIGN_VI,
            ),
            "sms": "Hồ sơ {{ code }} đã tiếp nhận, hẹn trả {{ due_date" + D + " }}. "
            "Tra cứu: {{ tracking_url }}",
        },
        "en": {
            "email": (
                "Dossier {{ code }} received",
                "Dear {{ applicant_name }},\n\n"
                "{{ unit }} received your dossier {{ code }} ({{ procedure }}) on "
                "{{ received_at" + D + " }}.\n"
                "The result is due on {{ due_date" + D + " }}.\n\n"
                "Follow your dossier at: {{ tracking_url }}" + _SIGN_EN,
            ),
            "sms": "Dossier {{ code }} received, result due {{ due_date" + D + " }}. "
            "Track: {{ tracking_url }}",
        },
    },
    K.SUPPLEMENT_REQUESTED: {
        "vi": {
            "email": (
                "Hồ sơ {{ code }} cần bổ sung giấy tờ",
                "Kính gửi ông/bà {{ applicant_name }},\n\n"
                "Để giải quyết hồ sơ {{ code }} ({{ procedure }}), {{ unit }} đề nghị ông/bà "
                "bổ sung:\n"
                "{% for item in missing %}- {{ item }}\n{% endfor %}"
                "{% if note %}\nGhi chú: {{ note }}\n{% endif %}\n"
                "Chi tiết tại: {{ tracking_url }}" + _SIGN_VI,
            ),
            "sms": "Hồ sơ {{ code }} cần bổ sung {{ missing|length }} giấy tờ. "
            "Chi tiết: {{ tracking_url }}",
        },
        "en": {
            "email": (
                "Dossier {{ code }}: documents needed",
                "Dear {{ applicant_name }},\n\n"
                "To process your dossier {{ code }} ({{ procedure }}), {{ unit }} needs:\n"
                "{% for item in missing %}- {{ item }}\n{% endfor %}"
                "{% if note %}\nNote: {{ note }}\n{% endif %}\n"
                "Details: {{ tracking_url }}" + _SIGN_EN,
            ),
            "sms": "Dossier {{ code }} needs {{ missing|length }} more "
            "document{{ missing|length|pluralize }}. Details: {{ tracking_url }}",
        },
    },
    K.REFUSED: {
        "vi": {
            "email": (
                "Hồ sơ {{ code }} không được tiếp nhận",
                "Kính gửi ông/bà {{ applicant_name }},\n\n"
                "{{ unit }} rất tiếc không thể tiếp nhận, giải quyết hồ sơ {{ code }} "
                "({{ procedure }}).\n"
                "Lý do: {{ reason }}\n\n"
                "Chi tiết tại: {{ tracking_url }}" + _SIGN_VI,
            ),
            "sms": "Hồ sơ {{ code }} không được tiếp nhận. Lý do xem tại: {{ tracking_url }}",
        },
        "en": {
            "email": (
                "Dossier {{ code }} was refused",
                "Dear {{ applicant_name }},\n\n"
                "{{ unit }} regrets that it cannot accept or process your dossier {{ code }} "
                "({{ procedure }}).\n"
                "Reason: {{ reason }}\n\n"
                "Details: {{ tracking_url }}" + _SIGN_EN,
            ),
            "sms": "Dossier {{ code }} was refused. Reason: {{ tracking_url }}",
        },
    },
    K.EXTENDED: {
        "vi": {
            "email": (
                "Xin lỗi: hồ sơ {{ code }} được hẹn lại ngày trả kết quả",
                "Kính gửi ông/bà {{ applicant_name }},\n\n"
                "{{ unit }} chân thành xin lỗi vì hồ sơ {{ code }} ({{ procedure }}) không "
                "có kết quả đúng hẹn ngày {{ old_due_date" + D + " }}.\n"
                "Lý do: {{ reason }}\n"
                "Ngày hẹn mới: {{ new_due_date" + D + " }}.\n\n"
                "Theo dõi hồ sơ tại: {{ tracking_url }}" + _SIGN_VI,
            ),
            "sms": "Xin lỗi ông/bà: hồ sơ {{ code }} hẹn lại ngày {{ new_due_date" + D + " }}. "
            "Chi tiết: {{ tracking_url }}",
        },
        "en": {
            "email": (
                "Apologies: new date for dossier {{ code }}",
                "Dear {{ applicant_name }},\n\n"
                "{{ unit }} sincerely apologises: the result of your dossier {{ code }} "
                "({{ procedure }}) will not be ready on {{ old_due_date" + D + " }} as "
                "promised.\n"
                "Reason: {{ reason }}\n"
                "New date: {{ new_due_date" + D + " }}.\n\n"
                "Follow your dossier at: {{ tracking_url }}" + _SIGN_EN,
            ),
            "sms": "We apologise: dossier {{ code }} is now due {{ new_due_date" + D + " }}. "
            "Details: {{ tracking_url }}",
        },
    },
    K.RESULT_READY: {
        "vi": {
            "email": (
                "Hồ sơ {{ code }} đã có kết quả",
                "Kính gửi ông/bà {{ applicant_name }},\n\n"
                "Hồ sơ {{ code }} ({{ procedure }}) đã có kết quả.\n"
                "Nơi nhận: {{ collect_at }}\n"
                "Cách nhận: {{ collect_how }}\n\n"
                "Chi tiết tại: {{ tracking_url }}" + _SIGN_VI,
            ),
            "sms": "Hồ sơ {{ code }} đã có kết quả. Nơi nhận, giấy tờ mang theo: "
            "{{ tracking_url }}",
        },
        "en": {
            "email": (
                "The result of dossier {{ code }} is ready",
                "Dear {{ applicant_name }},\n\n"
                "The result of your dossier {{ code }} ({{ procedure }}) is ready.\n"
                "Where: {{ collect_at }}\n"
                "How: {{ collect_how }}\n\n"
                "Details: {{ tracking_url }}" + _SIGN_EN,
            ),
            "sms": "The result of dossier {{ code }} is ready. Where and what to bring: "
            "{{ tracking_url }}",
        },
    },
    K.RETURNED: {
        "vi": {
            "email": (
                "Đã trả kết quả hồ sơ {{ code }}",
                "Kính gửi ông/bà {{ applicant_name }},\n\n"
                "{{ unit }} đã trả kết quả hồ sơ {{ code }} ({{ procedure }}) ngày "
                "{{ returned_at" + D + " }}. Cảm ơn ông/bà đã sử dụng dịch vụ.\n\n"
                "Xem lại hồ sơ tại: {{ tracking_url }}" + _SIGN_VI,
            ),
            "sms": "Hồ sơ {{ code }} đã trả kết quả ngày {{ returned_at" + D + " }}. "
            "Cảm ơn ông/bà.",
        },
        "en": {
            "email": (
                "Dossier {{ code }}: result handed over",
                "Dear {{ applicant_name }},\n\n"
                "{{ unit }} handed over the result of your dossier {{ code }} "
                "({{ procedure }}) on {{ returned_at" + D + " }}. Thank you.\n\n"
                "Your dossier: {{ tracking_url }}" + _SIGN_EN,
            ),
            "sms": "The result of dossier {{ code }} was handed over on "
            "{{ returned_at" + D + " }}. Thank you.",
        },
    },
    K.RATE_INVITATION: {
        "vi": {
            "email": (
                "Mời đánh giá việc giải quyết hồ sơ {{ code }}",
                "Kính gửi ông/bà {{ applicant_name }},\n\n"
                "{{ unit }} mong nhận được đánh giá của ông/bà về việc giải quyết hồ sơ "
                "{{ code }} ({{ procedure }}). Chỉ mất một phút:\n"
                "{{ rating_url }}" + _SIGN_VI,
            ),
            # Short: the signed rating link alone is about 95 characters.
            "sms": "Mời ông/bà đánh giá hồ sơ {{ code }}: {{ rating_url }}",
        },
        "en": {
            "email": (
                "How did we do with dossier {{ code }}?",
                "Dear {{ applicant_name }},\n\n"
                "{{ unit }} would like your opinion on how your dossier {{ code }} "
                "({{ procedure }}) was handled. It takes one minute:\n"
                "{{ rating_url }}" + _SIGN_EN,
            ),
            "sms": "Please rate dossier {{ code }}: {{ rating_url }}",
        },
    },
    K.FEEDBACK_RECEIVED: {
        "vi": {
            "email": (
                "Đã nhận phản ánh, kiến nghị số {{ reference }}",
                "Kính gửi ông/bà {{ name }},\n\n"
                "Cổng dịch vụ công đã nhận phản ánh, kiến nghị của ông/bà gửi {{ unit }}:\n"
                "“{{ subject }}”\n\n"
                "Số phản ánh: {{ reference }}\n"
                "Hạn trả lời: {{ due_date" + D + " }}\n\n"
                "Xem tình trạng và câu trả lời tại: {{ feedback_url }}" + _SIGN_VI,
            ),
            "sms": "Đã nhận phản ánh số {{ reference }}, hạn trả lời {{ due_date" + D + " }}. "
            "Xem tại: {{ feedback_url }}",
        },
        "en": {
            "email": (
                "Feedback {{ reference }} received",
                "Dear {{ name }},\n\n"
                "Your feedback to {{ unit }} was received:\n"
                "“{{ subject }}”\n\n"
                "Reference: {{ reference }}\n"
                "Reply due by: {{ due_date" + D + " }}\n\n"
                "Follow it and read the reply at: {{ feedback_url }}" + _SIGN_EN,
            ),
            "sms": "Feedback {{ reference }} received, reply due {{ due_date" + D + " }}. "
            "See: {{ feedback_url }}",
        },
    },
    K.FEEDBACK_ANSWERED: {
        "vi": {
            "email": (
                "Trả lời phản ánh, kiến nghị số {{ reference }}",
                "Kính gửi ông/bà {{ name }},\n\n"
                "{{ unit }} trả lời phản ánh, kiến nghị số {{ reference }} "
                "(“{{ subject }}”) ngày {{ answered_at" + D + " }}:\n\n"
                "{{ reply }}\n\n"
                "Xem lại tại: {{ feedback_url }}" + _SIGN_VI,
            ),
            "sms": "Phản ánh số {{ reference }} đã được trả lời. Xem tại: {{ feedback_url }}",
        },
        "en": {
            "email": (
                "Reply to your feedback {{ reference }}",
                "Dear {{ name }},\n\n"
                "{{ unit }} replied to your feedback {{ reference }} (“{{ subject }}”) on "
                "{{ answered_at" + D + " }}:\n\n"
                "{{ reply }}\n\n"
                "See it again at: {{ feedback_url }}" + _SIGN_EN,
            ),
            "sms": "Your feedback {{ reference }} has a reply. See: {{ feedback_url }}",
        },
    },
    # One-time codes of citizen accounts: the code first, so it shows in the notification
    # preview of a phone, and a warning not to pass it on.
    K.ACCOUNT_CODE: {
        "vi": {
            "email": (
                "Mã xác nhận tài khoản: {{ code }}",
                "Mã xác nhận tài khoản dịch vụ công của ông/bà là {{ code }}.\n"
                "Mã có hiệu lực trong {{ minutes }} phút. Không đưa mã này cho bất kỳ ai, "
                "kể cả cán bộ.\n\n"
                "Nếu ông/bà không đăng ký tài khoản, xin bỏ qua thư này." + _SIGN_VI,
            ),
            "sms": "{{ code }} là mã xác nhận tài khoản dịch vụ công, hiệu lực {{ minutes }} "
            "phút. Không đưa mã cho bất kỳ ai.",
        },
        "en": {
            "email": (
                "Your account code: {{ code }}",
                "The code to confirm your public services account is {{ code }}.\n"
                "It is valid for {{ minutes }} minutes. Never give it to anyone, not even "
                "to staff.\n\n"
                "If you did not sign up, please ignore this message." + _SIGN_EN,
            ),
            "sms": "{{ code }} is your public services account code, valid {{ minutes }} "
            "minutes. Never give it to anyone.",
        },
    },
    K.PASSWORD_RESET_CODE: {
        "vi": {
            "email": (
                "Mã đặt lại mật khẩu: {{ code }}",
                "Mã để đặt lại mật khẩu tài khoản dịch vụ công của ông/bà là {{ code }}.\n"
                "Mã có hiệu lực trong {{ minutes }} phút. Không đưa mã này cho bất kỳ ai, "
                "kể cả cán bộ.\n\n"
                "Nếu ông/bà không yêu cầu đặt lại mật khẩu, xin bỏ qua thư này: mật khẩu "
                "hiện tại vẫn dùng được." + _SIGN_VI,
            ),
            "sms": "{{ code }} là mã đặt lại mật khẩu dịch vụ công, hiệu lực {{ minutes }} "
            "phút. Không đưa mã cho bất kỳ ai.",
        },
        "en": {
            "email": (
                "Your password reset code: {{ code }}",
                "The code to reset the password of your public services account is "
                "{{ code }}.\nIt is valid for {{ minutes }} minutes. Never give it to anyone, "
                "not even to staff.\n\n"
                "If you did not ask to reset your password, please ignore this message: "
                "your password is unchanged." + _SIGN_EN,
            ),
            "sms": "{{ code }} is your public services password reset code, valid "
            "{{ minutes }} minutes. Never give it to anyone.",
        },
    },
    K.STAFF_DIGEST: {
        "vi": {
            "email": (
                "Hồ sơ cần xử lý ngày {{ date" + D + " }}",
                "Chào {{ officer_name }},\n\n"
                "{% if overdue %}QUÁ HẠN ({{ overdue|length }}):\n"
                "{% for d in overdue %}- {{ d.code }} · {{ d.procedure }} · "
                "{{ d.applicant_name }} · hạn {{ d.due_date" + D + " }}\n  {{ d.url }}\n"
                "{% endfor %}\n{% endif %}"
                "{% if due_today %}ĐẾN HẠN HÔM NAY ({{ due_today|length }}):\n"
                "{% for d in due_today %}- {{ d.code }} · {{ d.procedure }} · "
                "{{ d.applicant_name }}\n  {{ d.url }}\n"
                "{% endfor %}\n{% endif %}"
                "{% if due_soon %}ĐẾN HẠN TRONG 2 NGÀY LÀM VIỆC ({{ due_soon|length }}):\n"
                "{% for d in due_soon %}- {{ d.code }} · {{ d.procedure }} · "
                "{{ d.applicant_name }} · hạn {{ d.due_date" + D + " }}\n  {{ d.url }}\n"
                "{% endfor %}\n{% endif %}"
                "{% if not overdue and not due_today and not due_soon %}"
                "Không có hồ sơ nào đến hạn.\n\n{% endif %}"
                "Danh sách việc: {{ worklist_url }}",
            ),
        },
        "en": {
            "email": (
                "Dossiers to handle on {{ date" + D + " }}",
                "Hello {{ officer_name }},\n\n"
                "{% if overdue %}OVERDUE ({{ overdue|length }}):\n"
                "{% for d in overdue %}- {{ d.code }} · {{ d.procedure }} · "
                "{{ d.applicant_name }} · due {{ d.due_date" + D + " }}\n  {{ d.url }}\n"
                "{% endfor %}\n{% endif %}"
                "{% if due_today %}DUE TODAY ({{ due_today|length }}):\n"
                "{% for d in due_today %}- {{ d.code }} · {{ d.procedure }} · "
                "{{ d.applicant_name }}\n  {{ d.url }}\n"
                "{% endfor %}\n{% endif %}"
                "{% if due_soon %}DUE WITHIN 2 WORKING DAYS ({{ due_soon|length }}):\n"
                "{% for d in due_soon %}- {{ d.code }} · {{ d.procedure }} · "
                "{{ d.applicant_name }} · due {{ d.due_date" + D + " }}\n  {{ d.url }}\n"
                "{% endfor %}\n{% endif %}"
                "{% if not overdue and not due_today and not due_soon %}"
                "Nothing is due.\n\n{% endif %}"
                "Your worklist: {{ worklist_url }}",
            ),
        },
    },
    K.OVERDUE_ESCALATION: {
        "vi": {
            "email": (
                "Hồ sơ {{ code }} đã quá hạn",
                "Kính gửi {{ leader_name }},\n\n"
                "Hồ sơ {{ code }} ({{ procedure }}) của {{ applicant_name }} đã quá hạn "
                "{{ days_overdue }} ngày làm việc (hạn {{ due_date" + D + " }}).\n"
                "Người đang xử lý: {{ handler_name }}.\n\n"
                "Xem hồ sơ: {{ dossier_url }}",
            ),
            "sms": "Hồ sơ {{ code }} quá hạn {{ days_overdue }} ngày làm việc. "
            "Xem: {{ dossier_url }}",
        },
        "en": {
            "email": (
                "Dossier {{ code }} is overdue",
                "Dear {{ leader_name }},\n\n"
                "Dossier {{ code }} ({{ procedure }}) of {{ applicant_name }} is "
                "{{ days_overdue }} working day{{ days_overdue|pluralize }} overdue "
                "(due {{ due_date" + D + " }}).\n"
                "Handled by: {{ handler_name }}.\n\n"
                "Open the dossier: {{ dossier_url }}",
            ),
            "sms": "Dossier {{ code }} is {{ days_overdue }} working "
            "day{{ days_overdue|pluralize }} overdue. {{ dossier_url }}",
        },
    },
    K.LATE_REMINDER: {
        "vi": {
            "email": (
                "Hồ sơ {{ code }} sẽ trễ hạn nếu không xong trước {{ due_date" + D + " }}",
                "Chào {{ handler_name }},\n\n"
                "Hồ sơ {{ code }} ({{ procedure }}) của {{ applicant_name }} đến hạn ngày "
                "{{ due_date" + D + " }}, còn một ngày làm việc.\n"
                "Nếu không kịp, hãy gửi công dân phiếu xin lỗi và hẹn lại ngày trả kết quả "
                "(mẫu 04) trước ngày hẹn. Dự thảo đã điền sẵn, xem, sửa và ban hành tại:\n"
                "{{ apology_url }}\n\n"
                "Xem hồ sơ: {{ dossier_url }}",
            ),
            "sms": "Hồ sơ {{ code }} đến hạn {{ due_date" + D + " }}. "
            "Dự thảo mẫu 04: {{ apology_url }}",
        },
        "en": {
            "email": (
                "Dossier {{ code }} will be late unless done by {{ due_date" + D + " }}",
                "Hello {{ handler_name }},\n\n"
                "Dossier {{ code }} ({{ procedure }}) of {{ applicant_name }} is due on "
                "{{ due_date" + D + " }}: one working day left.\n"
                "If it cannot be done in time, send the citizen the apology letter with a new "
                "date (form 04) before the due date. A pre-filled draft is ready to edit and "
                "issue:\n"
                "{{ apology_url }}\n\n"
                "Open the dossier: {{ dossier_url }}",
            ),
            "sms": "Dossier {{ code }} due {{ due_date" + D + " }}. "
            "Form 04 draft: {{ apology_url }}",
        },
    },
}

# Online dossiers: received from home and awaiting the desk's check; then accepted, with
# the receipt in the citizen's account and, for partly-online procedures, the originals
# to bring when collecting the result.
_TEXTS[K.ONLINE_SUBMITTED] = {
    "vi": {
        "email": (
            "Đã nhận hồ sơ {{ code }} nộp trực tuyến",
            "Kính gửi ông/bà {{ applicant_name }},\n\n"
            "Hồ sơ {{ code }} ({{ procedure }}) ông/bà nộp trực tuyến đã được gửi tới "
            "{{ unit }} và đang chờ cán bộ một cửa kiểm tra. Thời hạn giải quyết được tính từ "
            "khi hồ sơ được tiếp nhận; ông/bà sẽ nhận được giấy tiếp nhận qua tài khoản.\n\n"
            "Xem hồ sơ: {{ account_url }}" + _SIGN_VI,
        ),
        "sms": "Đã nhận hồ sơ {{ code }} nộp trực tuyến, chờ kiểm tra. Xem: {{ account_url }}",
    },
    "en": {
        "email": (
            "Online dossier {{ code }} received",
            "Dear {{ applicant_name }},\n\n"
            "Your online dossier {{ code }} ({{ procedure }}) was sent to {{ unit }} and is "
            "awaiting the one-stop desk's check. The time limit counts from its acceptance; "
            "the receipt will be in your account.\n\n"
            "Your dossier: {{ account_url }}" + _SIGN_EN,
        ),
        "sms": "Online dossier {{ code }} received, awaiting check. See: {{ account_url }}",
    },
}
_TEXTS[K.ONLINE_RECEIVED] = {
    "vi": {
        "email": (
            "Đã tiếp nhận hồ sơ {{ code }}",
            "Kính gửi ông/bà {{ applicant_name }},\n\n"
            "{{ unit }} đã kiểm tra và tiếp nhận hồ sơ {{ code }} ({{ procedure }}) ngày "
            "{{ received_at" + D + " }}.\n"
            "Ngày hẹn trả kết quả: {{ due_date" + D + " }}.\n\n"
            "Giấy tiếp nhận hồ sơ và hẹn trả kết quả: {{ receipt_url }}\n"
            "{% if bring %}\nKhi đến nhận kết quả (ngày hẹn trả, tại {{ unit }}), xin mang "
            "theo bản chính của:\n{% for item in bring %}- {{ item }}\n{% endfor %}{% endif %}"
            "\nXem hồ sơ: {{ account_url }}" + _SIGN_VI,
        ),
        "sms": "Hồ sơ {{ code }} đã tiếp nhận, hẹn trả {{ due_date" + D + " }}. "
        "Giấy tiếp nhận: {{ account_url }}",
    },
    "en": {
        "email": (
            "Dossier {{ code }} accepted",
            "Dear {{ applicant_name }},\n\n"
            "{{ unit }} checked and accepted your dossier {{ code }} ({{ procedure }}) on "
            "{{ received_at" + D + " }}.\n"
            "The result is due on {{ due_date" + D + " }}.\n\n"
            "Your receipt and appointment: {{ receipt_url }}\n"
            "{% if bring %}\nWhen you collect the result (on the due date, at {{ unit }}), "
            "please bring the originals of:\n{% for item in bring %}- {{ item }}\n{% endfor %}"
            "{% endif %}\nYour dossier: {{ account_url }}" + _SIGN_EN,
        ),
        "sms": "Dossier {{ code }} accepted, due {{ due_date" + D + " }}. "
        "Receipt: {{ account_url }}",
    },
}


def _build() -> dict[tuple[str, str, str], tuple[str, str]]:
    templates: dict[tuple[str, str, str], tuple[str, str]] = {}
    for key, languages in _TEXTS.items():
        for language, channels in languages.items():
            if "email" in channels:
                templates[(key, Channel.EMAIL, language)] = channels["email"]
            if "sms" in channels:
                templates[(key, Channel.SMS, language)] = ("", channels["sms"])
                # Zalo: the same short text, kept with its diacritics.
                templates[(key, Channel.ZALO, language)] = (
                    "",
                    channels.get("zalo", channels["sms"]),
                )
    return templates


# (key, channel, language) -> (subject, body)
DEFAULT_TEMPLATES: dict[tuple[str, str, str], tuple[str, str]] = _build()


def default_template(key: str, channel: str, language: str) -> tuple[str, str] | None:
    return DEFAULT_TEMPLATES.get((str(key), str(channel), language))


def seed_default_templates(model) -> int:
    """Create the missing MessageTemplate rows from the defaults; never overwrite an edit.
    `model` is the MessageTemplate class (the historical one in a migration)."""
    existing = set(model.objects.values_list("key", "channel", "language"))
    rows = [
        model(key=key, channel=channel, language=language, subject=subject, body=body)
        for (key, channel, language), (subject, body) in DEFAULT_TEMPLATES.items()
        if (str(key), str(channel), language) not in existing
    ]
    model.objects.bulk_create(rows)
    return len(rows)
