"""Forms of the catalogue's staff pages (the admin): archive with successor, import, and
the checks on uploaded local forms."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from .models import Channel, LocalForm, Procedure, Status

CATALOGUE_MAX_BYTES = 20 * 1024 * 1024
LOCAL_FORM_MAX_BYTES = 10 * 1024 * 1024
LOCAL_FORM_EXTENSIONS = {".pdf", ".doc", ".docx", ".odt", ".xls", ".xlsx", ".ods", ".rtf"}


class ProcedureAdminForm(forms.ModelForm):
    """The procedure change form, with a note kept in the history row of the change."""

    change_reason = forms.CharField(
        label=_("Lý do thay đổi"),
        required=False,
        max_length=100,
        help_text=_("Ghi vào lịch sử thay đổi, ví dụ: “Cập nhật theo Nghị định 118/2025”."),
    )

    channels = forms.TypedMultipleChoiceField(
        label=_("Cách thức thực hiện"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Procedure
        # Status and successor change only through the workflow services. `exclude`, not
        # `fields`: modeltranslation's admin copies a form's Meta.fields onto the (shared)
        # ModelAdmin, which then clashes with its fieldsets (admin.E005).
        exclude = ("status", "replaced_by")  # noqa: DJ006 - see above

    def clean_channels(self) -> list[str]:
        chosen = set(self.cleaned_data.get("channels") or [])
        return [channel for channel in Channel.values if channel in chosen]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("same_day") and cleaned.get("processing_days"):
            raise ValidationError(
                _("Chọn một trong hai: giải quyết trong ngày, hoặc số ngày làm việc.")
            )
        return cleaned


class ArchiveForm(forms.Form):
    successor = forms.ModelChoiceField(
        label=_("Thủ tục thay thế"),
        queryset=Procedure.objects.none(),
        required=False,
        empty_label=_("(không có — thủ tục bị bãi bỏ)"),
        help_text=_(
            "Trang của thủ tục bị bãi bỏ vẫn mở được từ mã QR cũ, báo đã bãi bỏ và dẫn sang "
            "thủ tục thay thế."
        ),
    )

    def __init__(self, *args, procedure: Procedure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = (
            Procedure.objects.filter(status=Status.PUBLISHED)
            .exclude(pk=procedure.pk)
            .order_by("code")
        )


class CatalogueImportForm(forms.Form):
    file = forms.FileField(
        label=_("Tệp danh mục (JSON)"),
        help_text=_(
            "Nhập là tất cả hoặc không: nếu có lỗi ở bất kỳ thủ tục nào, không gì bị thay "
            "đổi và mọi lỗi được liệt kê."
        ),
    )

    def clean_file(self) -> bytes:
        """The file's bytes: the importer reads them (and reports a file that is not JSON
        with the same words as `manage.py import_catalogue`)."""
        upload = self.cleaned_data["file"]
        if upload.size > CATALOGUE_MAX_BYTES:
            raise ValidationError(
                _("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": CATALOGUE_MAX_BYTES // 2**20}
            )
        return upload.read()


class LocalFormAdminForm(forms.ModelForm):
    """A downloadable form a unit uploads: only document types, and not too large."""

    class Meta:
        model = LocalForm
        fields = ("position", "title", "file")

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):  # a new upload, not the file already stored
            suffix = PurePath(upload.name or "").suffix.lower()
            if suffix not in LOCAL_FORM_EXTENSIONS:
                raise ValidationError(
                    _("Chỉ nhận tệp %(types)s.")
                    % {"types": ", ".join(sorted(e.lstrip(".") for e in LOCAL_FORM_EXTENSIONS))}
                )
            if upload.size > LOCAL_FORM_MAX_BYTES:
                raise ValidationError(
                    _("Tệp quá lớn (tối đa %(mb)d MB).") % {"mb": LOCAL_FORM_MAX_BYTES // 2**20}
                )
        return upload
