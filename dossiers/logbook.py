"""Form 06, the dossier log book (sổ theo dõi hồ sơ) of a unit for a period: every dossier
the unit received in it, with its appointment, transfer, result and return, and a column
for the citizen's signature on collecting the result. As PDF to print and bind, and as CSV
and XLSX for the unit's own reporting.

The rows come from two queries whatever their number (the dossiers with their procedure
and units, and their transfer events), and the period is capped at MAX_DAYS.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.models import Unit

from .models import Dossier, DossierEvent, DossierStatus
from .papers import document_context, html_to_pdf, long_date, timeliness, unit_data, unit_view
from .workflow import Action

MAX_DAYS = 366
# A bound book of more pages than this is better read as a spreadsheet.
PDF_MAX_ROWS = 3000

COLUMNS = [
    "STT",
    "Mã hồ sơ",
    "Thủ tục hành chính",
    "Người nộp hồ sơ",
    "Địa chỉ, số điện thoại",
    "Nhận hồ sơ",
    "Hẹn trả kết quả",
    "Chuyển cơ quan giải quyết",
    "Kết quả giải quyết",
    "Trả kết quả",
    "Người nhận kết quả",
    "Ký nhận",
]


class LogbookError(ValueError):
    """A request the log book cannot answer; `message` says why, for the officer."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Period:
    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def parse_day(value: str, label: str) -> dt.date:
    """A date as typed or sent by a date field: 2026-12-07 or 07/12/2026."""
    text = (value or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise LogbookError(
        _(
            "%(label)s “%(value)s” không phải là ngày hợp lệ; nhập theo dạng ngày/tháng/năm "
            "(07/12/2026) hoặc năm-tháng-ngày (2026-12-07)."
        )
        % {"label": label, "value": text[:20]}
    )


def parse_period(first: str | None, last: str | None, *, today: dt.date) -> Period:
    """The period asked for; without dates, the current month up to today."""
    start = parse_day(first, _("Từ ngày")) if first else today.replace(day=1)
    end = parse_day(last, _("Đến ngày")) if last else today
    if end < start:
        raise LogbookError(
            _("“Đến ngày” (%(end)s) phải sau hoặc bằng “Từ ngày” (%(start)s).")
            % {"end": f"{end:%d/%m/%Y}", "start": f"{start:%d/%m/%Y}"}
        )
    period = Period(start, end)
    if period.days > MAX_DAYS:
        raise LogbookError(
            _("Mỗi lần lấy sổ tối đa %(max)d ngày; khoảng đã chọn có %(days)d ngày.")
            % {"max": MAX_DAYS, "days": period.days}
        )
    return period


@dataclass
class LogbookRow:
    number: int
    code: str
    procedure: str
    applicant: str
    contact: str
    received_at: dt.datetime | None
    due_date: dt.date | None
    original_due_date: dt.date | None
    transfer: str
    transferred_at: dt.datetime | None
    result: str
    returned_at: dt.datetime | None
    returned_to: str

    @property
    def due_text(self) -> str:
        if self.due_date is None:
            return ""
        text = f"{self.due_date:%d/%m/%Y}"
        if self.original_due_date and self.original_due_date != self.due_date:
            text += f" (hẹn lại, hẹn đầu {self.original_due_date:%d/%m/%Y})"
        return text

    @property
    def transfer_text(self) -> str:
        if not self.transfer:
            return ""
        when = f" ({self.transferred_at:%d/%m/%Y})" if self.transferred_at else ""
        return self.transfer + when

    def as_texts(self) -> list[str]:
        """The row as printed and exported, in COLUMNS order."""
        return [
            str(self.number),
            self.code,
            self.procedure,
            self.applicant,
            self.contact,
            _moment(self.received_at),
            self.due_text,
            self.transfer_text,
            self.result,
            _moment(self.returned_at),
            self.returned_to,
            "",
        ]


def _moment(value: dt.datetime | None) -> str:
    return f"{value:%H:%M %d/%m/%Y}" if value else ""


def logbook_queryset(dossiers: QuerySet[Dossier], unit: Unit, period: Period) -> QuerySet:
    """Dossiers (from a queryset already scoped to the user) received by `unit` in the
    period, in the order they were received."""
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.first, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.last + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return (
        dossiers.filter(receiving_unit=unit, received_at__gte=start, received_at__lt=end)
        .select_related("procedure", "competent_unit")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=DossierEvent.objects.filter(action=Action.TRANSFER).order_by("at", "id"),
                to_attr="transfers",
            )
        )
        .order_by("received_at", "code")
    )


def _result_text(dossier: Dossier, today: dt.date) -> str:
    """The status, and for a dossier with a due date how it stands: "Đã trả kết quả – đúng
    hạn", "Đang giải quyết – quá hạn"."""
    status = str(dossier.get_status_display())
    if dossier.due_date is None or dossier.status in (
        DossierStatus.WITHDRAWN,
        DossierStatus.SUPPLEMENT_REQUESTED,
    ):
        return status
    finished = timezone.localtime(dossier.finished_at).date() if dossier.finished_at else None
    verdict, late = timeliness(finished, dossier.due_date, today)
    if finished is None:
        return f"{status} – quá hạn" if late else status
    return f"{status} – {verdict.lower()}"


def logbook_rows(queryset: QuerySet[Dossier], *, now: dt.datetime | None = None) -> list:
    today = timezone.localtime(now or timezone.now()).date()
    rows = []
    with translation.override("vi"):
        for number, dossier in enumerate(queryset, start=1):
            transfers = getattr(dossier, "transfers", [])
            transfer = ""
            if dossier.competent_unit_id != dossier.receiving_unit_id:
                transfer = dossier.competent_unit.name_vi or dossier.competent_unit.name
            applicant = dossier.applicant_name
            if dossier.organisation_name:
                applicant += f" ({dossier.organisation_name})"
            contact = ", ".join(
                part for part in (dossier.applicant_address, dossier.applicant_phone) if part
            )
            rows.append(
                LogbookRow(
                    number=number,
                    code=dossier.code,
                    procedure=f"{dossier.procedure.name_vi or dossier.procedure.name} "
                    f"({dossier.procedure.code})",
                    applicant=applicant,
                    contact=contact,
                    received_at=_local(dossier.received_at),
                    due_date=dossier.due_date,
                    original_due_date=dossier.original_due_date,
                    transfer=transfer,
                    transferred_at=_local(transfers[-1].at) if transfers and transfer else None,
                    result=_result_text(dossier, today),
                    returned_at=_local(dossier.returned_at),
                    returned_to=dossier.returned_to,
                )
            )
    return rows


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(value) if value else None


def filename(unit: Unit, period: Period, extension: str) -> str:
    return f"so-theo-doi-{unit.code}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.{extension}"


# A spreadsheet takes a cell starting with one of these as a formula: an applicant named
# "=HYPERLINK(...)" must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell_text(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def logbook_csv(rows: list[LogbookRow]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Vietnamese right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell_text(text) for text in row.as_texts()])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def logbook_xlsx(rows: list[LogbookRow], unit: Unit, period: Period) -> bytes:
    """One sheet: a title, the period, then the table; dates are real dates."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Sổ theo dõi hồ sơ"
    sheet.append([f"SỔ THEO DÕI HỒ SƠ – {unit.name_vi or unit.name}"])
    sheet.append([f"Từ ngày {period.first:%d/%m/%Y} đến ngày {period.last:%d/%m/%Y}"])
    sheet.append(COLUMNS)
    sheet["A1"].font = Font(bold=True, size=13)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in rows:
        texts = [_cell_text(text) for text in row.as_texts()]
        values: list = [row.number, *texts[1:]]
        # Real date cells, so the sheet sorts and filters by date.
        values[5] = _naive(row.received_at)
        values[9] = _naive(row.returned_at)
        sheet.append(values)
        for column in (6, 10):
            sheet.cell(row=sheet.max_row, column=column).number_format = "dd/mm/yyyy hh:mm"
    widths = [6, 28, 40, 24, 30, 17, 20, 24, 26, 17, 20, 12]
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "C4"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _naive(value: dt.datetime | None) -> dt.datetime | None:
    # Spreadsheets have no time zones: the local time, as on the printed book.
    return value.replace(tzinfo=None) if value else None


def logbook_pdf(
    rows: list[LogbookRow], unit: Unit, period: Period, *, now: dt.datetime | None = None
) -> bytes:
    if len(rows) > PDF_MAX_ROWS:
        raise LogbookError(
            _(
                "Khoảng đã chọn có %(rows)d hồ sơ, quá nhiều để in một lần (tối đa %(max)d); "
                "hãy chọn khoảng ngắn hơn hoặc tải bản CSV/XLSX."
            )
            % {"rows": len(rows), "max": PDF_MAX_ROWS}
        )
    now = timezone.localtime(now or timezone.now())
    with translation.override("vi"):
        context = {
            **document_context(f"Sổ theo dõi hồ sơ {unit.code}"),
            "kind": "06",
            "title_text": "Sổ theo dõi hồ sơ",
            "unit": unit_view(unit_data(unit)),
            "period": period,
            "rows": rows,
            "returned": sum(1 for row in rows if row.returned_at),
            "issued_at": now,
            "issued_on": long_date(now.date()),
            "link": "",
            "qr_data_uri": "",
        }
        return html_to_pdf(render_to_string("papers/logbook.html", context))
