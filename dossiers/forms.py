"""Forms of the desk workspace: they parse what the officer typed; the services decide.

Validation the API shares (applicant, documents, scans, transitions) lives in
`dossiers.services`; these forms only turn POST data into the services' arguments, and call
`services.sniff_scan` early so a bad scan is reported next to its document.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Unit, User
from procedures.models import Procedure

from . import access, paper_once, services
from .models import DossierChannel, DossierStatus, NotifyChannel, ResultDelivery
from .templatetags.desk import person
from .workflow import Action

SCAN_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
MAX_SCANS_PER_DOCUMENT = 20


def province_units(unit: Unit | None) -> QuerySet[Unit]:
    """The active units of a unit's province (a citizen may submit at any desk of it)."""
    if unit is None:
        return Unit.objects.none()
    province_id = unit.parent_id or unit.pk
    return Unit.objects.filter(Q(pk=province_id) | Q(parent_id=province_id), is_active=True)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Unit) -> str:
        return f"{obj.name} ({obj.code})"


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return person(obj)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class ScanField(forms.FileField):
    """Several scans of one document; each checked by content (PDF, JPEG, PNG) and size."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.update({"accept": SCAN_ACCEPT, "multiple": True})

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data] if data else []
        uploads = [super(ScanField, self).clean(upload, initial) for upload in uploads if upload]
        if len(uploads) > MAX_SCANS_PER_DOCUMENT:
            raise ValidationError(
                _("Tối đa %(n)d tệp cho một giấy tờ.") % {"n": MAX_SCANS_PER_DOCUMENT}
            )
        for upload in uploads:
            try:
                services.sniff_scan(upload)
            except services.InvalidInput as exc:
                raise ValidationError(exc.message) from exc
        return uploads


# ---------------------------------------------------------------------------------------
# Worklists


class WorklistForm(forms.Form):
    """The filters of a worklist page (GET)."""

    list = forms.CharField(required=False)
    status = forms.ChoiceField(
        label=_("Trạng thái"),
        required=False,
        choices=[("", _("Mọi trạng thái")), *DossierStatus.choices],
    )
    q = forms.CharField(
        label=_("Tìm hồ sơ"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Mã hồ sơ, tên, số điện thoại, CCCD")}
        ),
    )


class ProcedureSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Tìm thủ tục (tên hoặc mã, gõ có dấu hay không dấu đều được)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autofocus": True,
                "autocomplete": "off",
                "placeholder": _("Ví dụ: dang ky ket hon, 1.000894"),
            }
        ),
    )


# ---------------------------------------------------------------------------------------
# The catalogue's checklist (reception, and completing an incomplete reception)


class ReuseField(forms.MultipleChoiceField):
    """Paper once: the officer ticks, with the citizen's consent, the stored paper to reuse
    (one at most). Cleans to the stored document's id, or None."""

    widget = forms.CheckboxSelectMultiple

    def clean(self, value):
        chosen = super().clean(value)
        if len(chosen) > 1:
            raise ValidationError(_("Chỉ chọn một giấy tờ trong kho để dùng lại."))
        return int(chosen[0]) if chosen else None


class ChecklistMixin:
    """One row per catalogue document: provided, originals, copies, scans, and, when the
    applicant's store holds a valid paper of the document's type, the tick to reuse it."""

    def add_checklist(self, documents, rows_by_document=None, *, id_number: str = "") -> None:
        self.checklist_documents = list(documents)
        rows_by_document = rows_by_document or {}
        self.store_offers = paper_once.offers(
            self.checklist_documents, id_number, on=timezone.localdate()
        )
        for doc in self.checklist_documents:
            row = rows_by_document.get(doc.pk)
            prefix = f"doc-{doc.pk}"
            offers = self.store_offers.get(doc.pk)
            if offers:
                self.fields[f"{prefix}-reuse"] = ReuseField(
                    label=_("Công dân đồng ý dùng lại"),
                    required=False,
                    choices=[(str(item.pk), item.name) for item in offers],
                    initial=[str(row.reused_from_id)] if row and row.reused_from_id else [],
                )
            self.fields[f"{prefix}-provided"] = forms.BooleanField(
                label=doc.name, required=False, initial=bool(row and row.provided)
            )
            self.fields[f"{prefix}-originals"] = forms.IntegerField(
                label=_("Số bản chính"),
                min_value=0,
                max_value=99,
                initial=row.originals if row else doc.originals,
                widget=forms.NumberInput(attrs={"class": "num"}),
            )
            self.fields[f"{prefix}-copies"] = forms.IntegerField(
                label=_("Số bản sao"),
                min_value=0,
                max_value=99,
                initial=row.copies if row else doc.copies,
                widget=forms.NumberInput(attrs={"class": "num"}),
            )
            self.fields[f"{prefix}-scans"] = ScanField(label=_("Bản quét"))

    def checklist(self) -> list[dict]:
        """The rows as the template shows them."""
        rows = []
        for doc in self.checklist_documents:
            prefix = f"doc-{doc.pk}"
            fields = {
                part: self[f"{prefix}-{part}"] for part in ("provided", "originals", "copies")
            }
            scans = self[f"{prefix}-scans"]
            reuse = self[f"{prefix}-reuse"] if f"{prefix}-reuse" in self.fields else None
            bound = (*fields.values(), scans, *([reuse] if reuse else []))
            rows.append(
                {
                    "document": doc,
                    "scans": scans,
                    "errors": [e for f in bound for e in f.errors],
                    "reuse": reuse,
                    # Each stored paper with its consent tick.
                    "on_file": list(
                        zip(self.store_offers.get(doc.pk, []), reuse or [], strict=False)
                    ),
                    **fields,
                }
            )
        return rows

    def handed_in(self) -> list[services.HandedIn]:
        data = self.cleaned_data
        return [
            services.HandedIn(
                catalogue_document_id=doc.pk,
                provided=data[f"doc-{doc.pk}-provided"],
                originals=data[f"doc-{doc.pk}-originals"] or 0,
                copies=data[f"doc-{doc.pk}-copies"] or 0,
                scans=data[f"doc-{doc.pk}-scans"],
                reuse_stored_id=data.get(f"doc-{doc.pk}-reuse"),
            )
            for doc in self.checklist_documents
        ]

    def mark_missing(self, names: list[str]) -> None:
        """Service errors name the missing documents: flag their rows."""
        for doc in self.checklist_documents:
            if doc.name in names or doc.name_vi in names:
                self.add_error(f"doc-{doc.pk}-provided", _("Giấy tờ bắt buộc chưa nộp."))

    def mark_refused_reuse(self, names: list[str]) -> None:
        """The service refused a reuse (expired, withdrawn, not the applicant's): say so on
        the row."""
        for doc in self.checklist_documents:
            if doc.name in names or doc.name_vi in names:
                field = f"doc-{doc.pk}-reuse"
                self.add_error(
                    field if field in self.fields else f"doc-{doc.pk}-provided",
                    _("Giấy tờ trong kho không còn dùng được: nộp bản giấy hoặc bản quét."),
                )


# ---------------------------------------------------------------------------------------
# Reception


RECEPTION_CHANNELS = [
    (value, label) for value, label in DossierChannel.choices if value != DossierChannel.ONLINE
]


class ReceptionForm(ChecklistMixin, forms.Form):
    """Step 2 of reception: the applicant, where and how, the checklist, the outcome."""

    OUTCOMES = (
        Action.RECEIVE,
        Action.RECEIVE_INCOMPLETE,
        Action.REFUSE,
        Action.RECEIVE_AND_RETURN,
    )

    applicant_name = forms.CharField(label=_("Họ và tên người nộp"), max_length=255)
    applicant_id_number = forms.CharField(
        label=_("Số định danh cá nhân / CCCD"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    applicant_phone = forms.CharField(
        label=_("Số điện thoại"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    applicant_email = forms.CharField(
        label=_("Thư điện tử"),
        max_length=254,
        required=False,
        widget=forms.TextInput(attrs={"type": "email", "autocomplete": "off"}),
    )
    applicant_address = forms.CharField(label=_("Địa chỉ"), max_length=500, required=False)
    organisation_name = forms.CharField(
        label=_("Tên tổ chức (nếu tổ chức nộp)"), max_length=255, required=False
    )
    language = forms.ChoiceField(
        label=_("Ngôn ngữ liên hệ"), choices=settings.LANGUAGES, initial="vi"
    )
    notify_channels = forms.MultipleChoiceField(
        label=_("Nhận thông báo qua"),
        choices=NotifyChannel.choices,
        initial=[NotifyChannel.SMS, NotifyChannel.EMAIL],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Bỏ chọn nếu công dân không muốn nhận. Kênh không có số điện thoại / "
            "địa chỉ thư thì không gửi."
        ),
    )
    competent_unit = UnitChoiceField(
        label=_("Đơn vị giải quyết"), queryset=Unit.objects.none(), empty_label=None
    )
    channel = forms.ChoiceField(
        label=_("Kênh nộp"), choices=RECEPTION_CHANNELS, initial=DossierChannel.COUNTER
    )
    result_delivery = forms.ChoiceField(
        label=_("Nhận kết quả"), choices=ResultDelivery.choices, initial=ResultDelivery.COUNTER
    )
    note = forms.CharField(
        label=_("Ghi chú (lý do từ chối, nội dung cần bổ sung thêm)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    result = forms.CharField(
        label=_("Kết quả trả ngay"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    returned_to = forms.CharField(label=_("Người nhận kết quả"), max_length=255, required=False)
    outcome = forms.ChoiceField(
        choices=[(a.value, a.label) for a in OUTCOMES], initial=Action.RECEIVE, required=False
    )

    def __init__(self, *args, procedure: Procedure, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        units = province_units(user.unit).order_by("parent_id", "code")
        self.fields["competent_unit"].queryset = units
        self.fields["competent_unit"].initial = user.unit_id
        self.fields["applicant_name"].widget.attrs["autofocus"] = True
        # Paper once: the store is looked up by the ID number typed so far.
        id_number = self.data.get("applicant_id_number") if self.is_bound else None
        id_number = id_number or self.initial.get("applicant_id_number") or ""
        self.add_checklist(procedure.documents.all(), id_number=id_number.strip())

    @classmethod
    def prefilled(cls, data, *, procedure: Procedure, user: User) -> ReceptionForm:
        """An unbound form showing what was typed (the "look up the store" button): no
        errors are shown for fields not filled in yet. Chosen files are not kept."""
        form = cls(procedure=procedure, user=user)
        initial = {}
        for name, field in form.fields.items():
            if isinstance(field, forms.FileField):
                continue
            if isinstance(field, forms.MultipleChoiceField):
                initial[name] = data.getlist(name)
            elif isinstance(field, forms.BooleanField):
                initial[name] = name in data
            elif name in data:
                initial[name] = data.get(name)
        form = cls(procedure=procedure, user=user, initial=initial)
        form.looked_up = True
        return form

    def focus_first_error(self) -> None:
        """Without JavaScript the cursor should start where the problem is."""
        invalid = [name for name in self.fields if name in self.errors]
        if invalid:
            self.fields["applicant_name"].widget.attrs.pop("autofocus", None)
            self.fields[invalid[0]].widget.attrs["autofocus"] = True

    def clean_outcome(self) -> str:
        return self.cleaned_data.get("outcome") or Action.RECEIVE

    def applicant(self) -> services.Applicant:
        data = self.cleaned_data
        return services.Applicant(
            name=data["applicant_name"],
            id_number=data["applicant_id_number"],
            phone=data["applicant_phone"],
            email=data["applicant_email"],
            address=data["applicant_address"],
            organisation=data["organisation_name"],
            language=data["language"],
        )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "procedure": self.procedure,
            "applicant": self.applicant(),
            "documents": self.handed_in(),
            "outcome": data["outcome"],
            "competent_unit": data["competent_unit"],
            "channel": data["channel"],
            "result_delivery": data["result_delivery"],
            "note": data["note"],
            "result": data["result"],
            "returned_to": data["returned_to"],
            # A ticked channel without its address simply has nowhere to send to.
            "notify_channels": [
                channel
                for channel in data["notify_channels"]
                if data["applicant_phone" if channel == NotifyChannel.SMS else "applicant_email"]
            ],
        }

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put a service's field errors next to the fields; documents flag their rows."""
        for key, messages in errors.items():
            if key == "documents":
                self.mark_missing(messages)
            elif key == "reuse":
                self.mark_refused_reuse(messages)
            elif key in self.fields and key != "outcome":
                for message in messages:
                    self.add_error(key, message)


# ---------------------------------------------------------------------------------------
# Actions on a dossier: one small form each, posting the version the user saw.


class ActionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    submit_label = _("Thực hiện")

    action = ""

    def __init__(self, *args, dossier, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("version", dossier.version)
        # Several action forms share a page: their field ids must not collide.
        kwargs.setdefault("auto_id", f"id_{str(self.action)}_%s")
        super().__init__(*args, **kwargs)
        self.dossier = dossier

    def service_arguments(self) -> dict:
        return dict(self.cleaned_data)


def _text(label, required=False, rows=2, **kwargs):
    return forms.CharField(
        label=label,
        required=required,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class AssignForm(ActionForm):
    action = Action.ASSIGN
    handler = UserChoiceField(label=_("Chuyên viên xử lý"), queryset=User.objects.none())
    note = _text(_("Ghi chú"), rows=1)
    submit_label = _("Phân công")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = access.assignable_specialists(self.dossier)
        self.fields["handler"].initial = self.dossier.handler_id


class TransferForm(ActionForm):
    action = Action.TRANSFER
    to_unit = UnitChoiceField(label=_("Chuyển đến đơn vị"), queryset=Unit.objects.none())
    note = _text(_("Ghi chú"), rows=1)
    submit_label = _("Chuyển hồ sơ")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = (
            province_units(self.dossier.receiving_unit)
            .exclude(pk=self.dossier.receiving_unit_id)
            .order_by("parent_id", "code")
        )


class RequestSupplementForm(ActionForm):
    action = Action.REQUEST_SUPPLEMENT
    # Ticking the catalogue's papers lets the paper-once report count what is asked for.
    documents = forms.TypedMultipleChoiceField(
        label=_("Giấy tờ theo danh mục cần bổ sung"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    missing = _text(_("Nội dung cần bổ sung thêm"), rows=3)
    submit_label = _("Yêu cầu bổ sung")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["documents"].choices = [
            (doc.pk, doc.name) for doc in self.dossier.procedure.documents.all()
        ]

    def clean(self):
        data = super().clean()
        if not data.get("documents") and not (data.get("missing") or "").strip():
            raise ValidationError(_("Chọn giấy tờ hoặc ghi rõ nội dung cần bổ sung."))
        return data


class ReceiveSupplementForm(ActionForm):
    action = Action.RECEIVE_SUPPLEMENT
    note = _text(_("Ghi chú"), rows=1)
    submit_label = _("Đã nhận bổ sung")


class SubmitForApprovalForm(ActionForm):
    action = Action.SUBMIT_FOR_APPROVAL
    proposal = _text(_("Dự thảo kết quả, đề xuất"), rows=3)
    submit_label = _("Trình phê duyệt")


class SendBackForm(ActionForm):
    action = Action.SEND_BACK
    note = _text(_("Nội dung cần xử lý tiếp"), required=True)
    submit_label = _("Trả lại chuyên viên")


class ApproveForm(ActionForm):
    action = Action.APPROVE
    result = _text(_("Kết quả giải quyết"), rows=3)
    submit_label = _("Phê duyệt")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["result"].initial = self.dossier.result


class DenyForm(ActionForm):
    action = Action.DENY
    reason = _text(_("Lý do không giải quyết"), required=True, rows=3)
    submit_label = _("Không giải quyết")


class ExtendForm(ActionForm):
    action = Action.EXTEND
    new_due = forms.DateField(
        label=_("Ngày hẹn mới"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = _text(_("Lý do hẹn lại"), required=True)
    submit_label = _("Hẹn lại, in phiếu xin lỗi")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.dossier.due_date:
            self.fields["new_due"].widget.attrs["min"] = self.dossier.due_date.isoformat()


class MarkResultReadyForm(ActionForm):
    action = Action.MARK_RESULT_READY
    note = _text(_("Ghi chú"), rows=1)
    submit_label = _("Đã có kết quả")


class ReturnResultForm(ActionForm):
    action = Action.RETURN_RESULT
    returned_to = forms.CharField(label=_("Người nhận kết quả"), max_length=255)
    method = forms.ChoiceField(
        label=_("Cách trả"), choices=ResultDelivery.choices, initial=ResultDelivery.COUNTER
    )
    identity_checked = forms.BooleanField(
        label=_(
            "Người nộp nhận trực tiếp tại quầy, đã đối chiếu CCCD bản gốc: xác thực số định "
            "danh cho tài khoản công dân đã nộp hồ sơ"
        ),
        required=False,
    )
    note = _text(_("Ghi chú"), rows=1)
    submit_label = _("Trả kết quả")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["returned_to"].initial = self.dossier.applicant_name
        self.fields["method"].initial = self.dossier.result_delivery
        if not self.dossier.citizen_id:  # no account to verify: a counter dossier
            del self.fields["identity_checked"]


class WithdrawForm(ActionForm):
    action = Action.WITHDRAW
    reason = _text(_("Lý do rút hồ sơ"), required=True)
    submit_label = _("Rút hồ sơ")


class CompleteForm(ChecklistMixin, ActionForm):
    """The citizen brought what was missing at reception: the checklist again, with scans."""

    action = Action.COMPLETE

    submit_label = _("Đủ giấy tờ, tiếp nhận")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = {
            row.catalogue_document_id: row
            for row in self.dossier.documents.all()
            if row.catalogue_document_id
        }
        self.add_checklist(
            self.dossier.procedure.documents.all(),
            rows,
            id_number=self.dossier.applicant_id_number,
        )

    def service_arguments(self) -> dict:
        return {"version": self.cleaned_data["version"], "documents": self.handed_in()}


ACTION_FORMS: dict[str, type[ActionForm]] = {
    form.action: form
    for form in (
        CompleteForm,
        TransferForm,
        AssignForm,
        RequestSupplementForm,
        ReceiveSupplementForm,
        SubmitForApprovalForm,
        SendBackForm,
        ApproveForm,
        DenyForm,
        ExtendForm,
        MarkResultReadyForm,
        ReturnResultForm,
        WithdrawForm,
    )
}
