"""Paper once in the desk workspace: open a stored paper while receiving, and the report
of reuse and supplements for leaders and admins."""

from __future__ import annotations

import csv
import datetime as dt

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy
from django.views.decorators.http import require_safe

from docstore.models import StoredDocument
from portal.models import Unit

from . import access, paper_once
from .templatetags.paper_once import read_open_token
from .views import _forbidden, _not_found, _render, staff_required
from .workflow import Action


def _file_response(stored: StoredDocument) -> HttpResponse | None:
    try:
        handle = stored.file.open("rb")
    except (FileNotFoundError, ValueError):
        return None
    response = FileResponse(
        handle,
        content_type=stored.content_type or "application/octet-stream",
        filename=stored.original_name or f"giay-to-{stored.pk}{stored.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _may_open(request: HttpRequest, stored: StoredDocument) -> bool:
    """A desk officer the reception checklist offered it to (a signed link, for a few
    hours), or staff who may see a dossier that reused it."""
    user = request.user
    token = request.GET.get("t")
    if token:
        return read_open_token(token) == (stored.pk, user.pk) and access.may_act(
            user, Action.RECEIVE, receiving_unit=user.unit
        )
    code = request.GET.get("dossier")
    if code:
        return (
            access.visible_dossiers(user).filter(code=code, documents__reused_from=stored).exists()
        )
    return False


@staff_required
@require_safe
def stored_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A stored paper's file, for those who may open it; anyone else gets 404."""
    stored = StoredDocument.objects.filter(pk=pk).first()
    if stored is None or not stored.file or not _may_open(request, stored):
        return _not_found(request)
    return _file_response(stored) or _not_found(request)


# ---------------------------------------------------------------------------------------
# The report


class ReportForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Đơn vị tiếp nhận"), queryset=Unit.objects.none(), required=False
    )
    start = forms.DateField(
        label=gettext_lazy("Từ ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=gettext_lazy("Đến ngày"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    MAX_DAYS = 366 * 3

    def __init__(self, *args, units, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        self.fields["unit"].to_field_name = "code"
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.name} ({unit.code})"
        self.today = today

    def clean(self):
        data = super().clean()
        start = data.get("start") or self.today.replace(day=1)
        end = data.get("end") or self.today
        if start > end:
            raise forms.ValidationError(_("Ngày bắt đầu phải trước ngày kết thúc."))
        if (end - start).days > self.MAX_DAYS:
            raise forms.ValidationError(_("Chọn khoảng thời gian tối đa ba năm."))
        data["start"], data["end"] = start, end
        return data


@staff_required
@require_safe
def report(request: HttpRequest) -> HttpResponse:
    """Per procedure: dossiers received, papers reused and the reuse rate; and the papers
    citizens are still most often asked to supplement. Leaders and commune admins see
    their unit, province admins choose one of the province's units."""
    units = paper_once.report_units(request.user).order_by("parent_id", "code")
    own = units.filter(pk=request.user.unit_id).first() or units.first()
    if own is None:
        return _forbidden(request, _("Báo cáo dành cho lãnh đạo và quản trị viên của đơn vị."))
    today = timezone.localdate()
    form = ReportForm(request.GET or None, units=units, today=today)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        unit, start, end = data["unit"] or own, data["start"], data["end"]
        status = 200
    else:
        unit, start, end = own, today.replace(day=1), today
        status = 400 if form.is_bound else 200
    result = paper_once.reuse_report(unit, start, end)
    if request.GET.get("format") == "csv" and status == 200:
        return _csv(result)
    return _render(
        request,
        "dossiers/desk/report_paper_once.html",
        {
            "form": form,
            "report": result,
            "choose_unit": units.count() > 1,
            "csv_query": f"unit={unit.code}&start={start:%Y-%m-%d}&end={end:%Y-%m-%d}&format=csv",
        },
        status=status,
    )


def _percent(rate: float | None) -> str:
    return "" if rate is None else f"{rate * 100:.1f}"


def _csv(result: paper_once.ReuseReport) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"paper-once-{result.unit.code}-{result.start:%Y%m%d}-{result.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # spreadsheet programs then read the Vietnamese right
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Mã thủ tục"),
            _("Thủ tục"),
            _("Hồ sơ tiếp nhận"),
            _("Giấy tờ đã nộp"),
            _("Giấy tờ dùng lại"),
            _("Tỷ lệ dùng lại (%)"),
        ]
    )
    for row in result.procedures:
        writer.writerow(
            [row.code, row.name, row.dossiers, row.provided, row.reused, _percent(row.rate)]
        )
    writer.writerow([])
    writer.writerow(
        [
            _("Giấy tờ phải bổ sung"),
            _("Thủ tục"),
            _("Số lần"),
            _("Khi tiếp nhận"),
            _("Khi giải quyết"),
        ]
    )
    for item in result.asked:
        writer.writerow(
            [item.name, item.procedure_code, item.asked, item.at_reception, item.in_processing]
        )
    return response
