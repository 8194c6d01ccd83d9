"""Forms of the feedback pages. They parse; the services decide what is valid."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from dossiers import tracking
from portal.models import Unit, UnitKind

from .models import QUESTIONS, FeedbackStatus, Level
from .services import COMMENT_MAX, CONTENT_MAX, REPLY_MAX

# Best first, as a citizen reads the scale.
LEVELS = sorted(Level.choices, key=lambda choice: -choice[0])


class RatingForm(forms.Form):
    comment = forms.CharField(
        label=_("Ý kiến khác (nếu có)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        questions = {
            name: forms.TypedChoiceField(
                label=question,
                choices=LEVELS,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={
                    "required": _("Chọn một mức đánh giá."),
                    "invalid_choice": _("Chọn một mức đánh giá."),
                },
            )
            for name, question in QUESTIONS.items()
        }
        self.fields = {**questions, "comment": self.fields["comment"]}

    def question_fields(self):
        return [self[name] for name in QUESTIONS]


class RateLookupForm(forms.Form):
    """Rating without the link: the dossier code and the phone or ID number given."""

    code = forms.CharField(
        label=_("Mã hồ sơ"),
        max_length=tracking.CODE_MAX_LENGTH,
        error_messages={"required": _("Nhập mã hồ sơ.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )
    factor = forms.CharField(
        label=_("Số điện thoại hoặc số định danh (CCCD)"),
        max_length=tracking.FACTOR_MAX_LENGTH,
        help_text=_("Số đã khai khi nộp hồ sơ"),
        error_messages={"required": _("Nhập số điện thoại hoặc số định danh.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    def clean_code(self) -> str:
        return tracking.normalise_code(self.cleaned_data["code"])


def feedback_units():
    """Units a citizen may address: the communes and wards (and special zones) in service."""
    return Unit.objects.filter(is_active=True).exclude(kind=UnitKind.PROVINCE).order_by("name")


class FeedbackForm(forms.Form):
    name = forms.CharField(label=_("Họ và tên"), max_length=255, required=False)
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("Thư điện tử"),
        max_length=254,
        required=False,
        help_text=_("Nhập ít nhất số điện thoại hoặc thư điện tử để nhận trả lời."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị được phản ánh"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— Chọn xã, phường —"),
        error_messages={"invalid_choice": _("Chọn đơn vị được phản ánh.")},
    )
    subject = forms.CharField(label=_("Tiêu đề"), max_length=255, required=False)
    content = forms.CharField(
        label=_("Nội dung phản ánh, kiến nghị"),
        max_length=CONTENT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    procedure = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    dossier = forms.CharField(required=False, widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, with_unit: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_unit:
            self.fields["unit"].queryset = feedback_units()
        else:  # about a dossier: the dossier's competent unit, not a choice
            del self.fields["unit"]


class ContactForm(forms.Form):
    contact = forms.CharField(
        label=_("Số điện thoại hoặc thư điện tử đã ghi khi gửi"),
        max_length=254,
        error_messages={"required": _("Nhập số điện thoại hoặc thư điện tử.")},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class ReplyForm(forms.Form):
    reply = forms.CharField(
        label=_("Nội dung trả lời"),
        max_length=REPLY_MAX,
        error_messages={"required": _("Nhập nội dung trả lời.")},
        widget=forms.Textarea(attrs={"rows": 8}),
    )


class InboxForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Tất cả"))] + list(FeedbackStatus.choices),
    )
    flag = forms.ChoiceField(
        label=_("Hạn trả lời"),
        required=False,
        choices=[("", _("Tất cả")), ("overdue", _("Quá hạn")), ("due_soon", _("Sắp đến hạn"))],
    )
    unit = forms.ModelChoiceField(
        label=_("Đơn vị"), required=False, queryset=Unit.objects.none(), empty_label=_("Tất cả")
    )
    q = forms.CharField(label=_("Tìm"), required=False, max_length=100)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].queryset = units


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None, today: dt.date) -> tuple[int, int] | None:
    """`YYYY-MM` -> (year, month); empty: this month; None when it is not a month."""
    if not value:
        return today.year, today.month
    match = _MONTH.match(value.strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        return None
    return year, month
