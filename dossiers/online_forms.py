"""Forms of online submission (the citizen's side) and of the desk's check of an online
dossier. They parse; `dossiers.online` decides."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from portal.models import Unit

from .forms import SCAN_ACCEPT, ActionForm, MultipleFileInput, UnitChoiceField
from .models import NotifyChannel, ResultDelivery
from .workflow import Action

# ---------------------------------------------------------------------------------------
# The citizen's form: applicant, where, how to get the result, notifications


class DraftForm(forms.Form):
    """What the citizen types; kept as typed in the draft, checked when submitting."""

    name = forms.CharField(label=_("Họ và tên người nộp"), max_length=255, required=False)
    id_number = forms.CharField(
        label=_("Số định danh cá nhân / CCCD"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.CharField(
        label=_("Thư điện tử"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "email"}),
    )
    address = forms.CharField(label=_("Địa chỉ"), max_length=500, required=False)
    organisation = forms.CharField(
        label=_("Tên tổ chức (nếu nộp cho tổ chức)"), max_length=255, required=False
    )
    receiving_unit = UnitChoiceField(
        label=_("Nơi tiếp nhận hồ sơ"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("— Chọn xã, phường —"),
    )
    result_delivery = forms.ChoiceField(
        label=_("Cách nhận kết quả"),
        choices=ResultDelivery.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    notify_channels = forms.MultipleChoiceField(
        label=_("Nhận thông báo qua"),
        choices=NotifyChannel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    APPLICANT = ("name", "id_number", "phone", "email", "address", "organisation")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiving_unit"].queryset = units

    @classmethod
    def initial_from(cls, draft) -> dict:
        applicant = draft.applicant or {}
        return {
            **{key: applicant.get(key, "") for key in cls.APPLICANT},
            "receiving_unit": draft.receiving_unit_id,
            "result_delivery": draft.result_delivery or ResultDelivery.COUNTER,
            "notify_channels": draft.notify_channels,
        }

    def save_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "applicant": {key: data.get(key, "") for key in self.APPLICANT},
            "receiving_unit": data.get("receiving_unit"),
            "result_delivery": data.get("result_delivery") or "",
            "notify_channels": data.get("notify_channels") or [],
        }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        names = {f"applicant_{key}": key for key in self.APPLICANT}
        for key, messages in errors.items():
            field = names.get(key, key)
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)


def file_input() -> MultipleFileInput:
    return MultipleFileInput(attrs={"accept": SCAN_ACCEPT, "multiple": True})


def uploaded_files(files, name: str) -> list:
    return [f for f in files.getlist(name) if f]


# ---------------------------------------------------------------------------------------
# The desk's check of an online dossier


class AcceptOnlineForm(ActionForm):
    action = Action.RECEIVE
    note = forms.CharField(
        label=_("Ghi chú"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 1}),
    )
    submit_label = _("Đủ giấy tờ: tiếp nhận, gửi giấy tiếp nhận")


class DocumentRowsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def _check_values(self, value):
        # A number past 64 bits is no row of the dossier; SQLite cannot even look it up.
        for pk in value:
            if isinstance(pk, str) and pk.isascii() and pk.isdigit() and int(pk) >= 2**63:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)

    def label_from_instance(self, obj) -> str:
        return obj.name


class OnlineSupplementForm(ActionForm):
    action = Action.RECEIVE_INCOMPLETE
    documents = DocumentRowsField(
        label=_("Giấy tờ còn thiếu hoặc cần nộp lại (công dân chỉ tải lên các giấy tờ này)"),
        queryset=None,
    )
    note = forms.CharField(
        label=_("Ghi chú cho công dân"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    submit_label = _("Yêu cầu bổ sung")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = self.dossier.documents.all()

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "version": data["version"],
            "documents": [row.pk for row in data["documents"]],
            "note": data["note"],
        }


class RefuseForm(ActionForm):
    action = Action.REFUSE
    reason = forms.CharField(
        label=_("Lý do từ chối"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    submit_label = _("Từ chối tiếp nhận")


# The desk's forms for online dossiers, beside forms.ACTION_FORMS.
DESK_ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form for form in (AcceptOnlineForm, OnlineSupplementForm, RefuseForm)
}
