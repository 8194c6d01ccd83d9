"""Official papers of the one-stop desk as PDF, after the forms of Circular 01/2018/TT-VPCP:
01 receipt and appointment slip, 02 supplement request, 03 refusal, 04 apology with a new
date, and 05 the processing control slip (form 06, the log book, is in logbook.py).

Papers 01-04 are issued by the services (a `Paper` row); what the paper says is frozen in
`Paper.content["dossier"]` when it is issued (`paper_snapshot`), so a reprint months later
is the same paper even if the dossier has moved on (a new due date, a transfer): only the
mark "BẢN SAO" (copy) with the reprint time tells it apart. Form 05 is not a snapshot: it
is printed live from the dossier's steps.

The papers are legal documents in Vietnamese: they are printed in Vietnamese whatever
language the officer's interface is in, so the templates are written in Vietnamese
without translation tags, and rendering runs with the Vietnamese locale active.

All papers are A4 portrait (the log book A4 landscape): one paper size for the desk
printer, and room for the document list of a long dossier. Fonts (DejaVu Serif Condensed,
which covers every Vietnamese letter) are embedded from static/fonts.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from portal.models import Unit, User
from procedures import posters, qr
from workcalendar.clock import VI_WEEKDAYS

from .models import (
    Dossier,
    DossierChannel,
    DossierStatus,
    Paper,
    PaperKind,
    ResultDelivery,
    StepKind,
)

logger = logging.getLogger(__name__)

TEMPLATES = {
    PaperKind.RECEIPT: "papers/receipt.html",
    PaperKind.SUPPLEMENT: "papers/supplement.html",
    PaperKind.REFUSAL: "papers/refusal.html",
    PaperKind.APOLOGY: "papers/apology.html",
}
# Unit names carry their kind ("Xã Đạ Huoai"); the place line of a paper names the place
# alone ("Đạ Huoai, ngày ... tháng ... năm ...").
_PLACE_PREFIXES = ("thành phố", "đặc khu", "phường", "tỉnh", "xã", "thị trấn")


# ---------------------------------------------------------------------------------------
# What a paper says, frozen when it is issued


def issuing_unit(dossier: Dossier, actor: User | None) -> Unit:
    """The unit that issues a paper: the actor's, when it is the receiving or the
    competent unit (a specialist's supplement request, a leader's refusal), else the
    receiving desk."""
    if actor is not None and actor.unit_id == dossier.competent_unit_id:
        return dossier.competent_unit
    return dossier.receiving_unit


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    return value.isoformat()


def unit_data(unit: Unit) -> dict:
    province = unit.province
    return {
        "code": unit.code,
        "name_vi": unit.name_vi or unit.name,
        "name_en": unit.name_en or "",
        "province_vi": (province.name_vi or province.name) if province.pk != unit.pk else "",
        "address": unit.address_vi or unit.address or "",
        "phone": unit.phone,
    }


def person_name(user: User | None) -> str:
    """A staff member's name as Vietnamese write it, family name first (the admin keeps
    "họ" in last_name and "tên" in first_name)."""
    if user is None:
        return ""
    return " ".join(f"{user.last_name} {user.first_name}".split()) or user.get_username()


def paper_snapshot(dossier: Dossier, actor: User | None) -> dict:
    """Everything a paper prints about its dossier, as it is at the moment of issue
    (JSON-ready). Stored in `Paper.content["dossier"]` by `services.issue_paper`."""
    procedure = dossier.procedure
    return {
        "code": dossier.code,
        "unit": unit_data(issuing_unit(dossier, actor)),
        "receiving_unit": unit_data(dossier.receiving_unit),
        "competent_unit": unit_data(dossier.competent_unit),
        "applicant": {
            "name": dossier.applicant_name,
            "organisation": dossier.organisation_name,
            "address": dossier.applicant_address,
            "phone": dossier.applicant_phone,
            "email": dossier.applicant_email,
        },
        "procedure": {
            "code": procedure.code,
            "name_vi": procedure.name_vi or procedure.name,
            "name_en": procedure.name_en or "",
            "processing_days": procedure.processing_days,
            "same_day": procedure.same_day,
        },
        "documents": [
            {
                "name": document.name,
                "required": document.required,
                "provided": document.provided,
                "originals": document.originals,
                "copies": document.copies,
            }
            for document in dossier.documents.order_by("position", "id")
        ],
        "channel": dossier.channel,
        "result_delivery": dossier.result_delivery,
        "received_at": _iso(dossier.received_at),
        "counts_from": _iso(dossier.counts_from),
        "due_date": _iso(dossier.due_date),
        "returned_at": _iso(dossier.returned_at),
        "result": dossier.result if dossier.status == DossierStatus.RETURNED else "",
        "issued_by": person_name(actor),
    }


def snapshot_of(paper: Paper) -> dict:
    """The paper's frozen content; papers issued before snapshots existed fall back to
    the dossier as it is now."""
    return paper.content.get("dossier") or paper_snapshot(paper.dossier, paper.issued_by)


# ---------------------------------------------------------------------------------------
# Names, dates and links as printed


def mask_name(name: str) -> str:
    """A name shown to anyone holding a paper: the family name, then each other word as
    its first letter and one star per further letter ("Nguyễn Văn An" -> "Nguyễn V** A*").
    Enough to tell it is the holder's paper, not enough to learn a stranger's name."""
    words = unicodedata.normalize("NFC", name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        word = words[0]
        return word[0] + "*" * (len(word) - 1)
    return " ".join([words[0], *(word[0] + "*" * (len(word) - 1) for word in words[1:])])


def place_name(unit_name: str) -> str:
    """ "Xã Đạ Huoai" -> "Đạ Huoai": the place line of a paper names the place only."""
    for prefix in _PLACE_PREFIXES:
        if unit_name.lower().startswith(prefix + " "):
            return unit_name[len(prefix) + 1 :].strip()
    return unit_name


def parse_moment(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return timezone.localtime(dt.datetime.fromisoformat(value))


def parse_day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def long_date(day: dt.date) -> str:
    """ "ngày 07 tháng 12 năm 2026", as dates are written on administrative papers."""
    return f"ngày {day:%d} tháng {day:%m} năm {day:%Y}"


def weekday(day: dt.date) -> str:
    return VI_WEEKDAYS[day.weekday()]


def clock_time(moment: dt.datetime) -> str:
    """ "09 giờ 05 phút" """
    return f"{moment:%H} giờ {moment:%M} phút"


def site_link(path: str) -> str:
    return settings.SITE_URL + path


def verification_url(paper: Paper) -> str:
    return site_link(reverse("verify:paper", kwargs={"token": paper.token}))


def tracking_url(code: str) -> str:
    return site_link(reverse("tracking:track") + "?" + urlencode({"code": code}))


def dossier_desk_url(code: str) -> str:
    try:
        return site_link(reverse("desk:dossier", kwargs={"code": code}))
    except NoReverseMatch:  # the workspace is not mounted (e.g. an API-only deployment)
        return ""


def _qr_data_uri(link: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr.qr_svg(link)).decode()


# ---------------------------------------------------------------------------------------
# Rendering


def _static_dir() -> Path:
    return Path(settings.BASE_DIR) / "static"


def document_context(title: str) -> dict:
    fonts = _static_dir() / "fonts"
    return {
        "title": title,
        "font_regular_url": (fonts / "DejaVuSerifCondensed.ttf").as_uri(),
        "font_bold_url": (fonts / "DejaVuSerifCondensed-Bold.ttf").as_uri(),
        "font_italic_url": (fonts / "DejaVuSerifCondensed-Italic.ttf").as_uri(),
        "stylesheet_url": (_static_dir() / "css" / "paper.css").as_uri(),
    }


def html_to_pdf(html: str) -> bytes:
    """Print HTML to PDF with WeasyPrint, reading only our static files and data: URIs
    (the posters' fetcher). Not cached: papers carry personal data and are printed once
    or twice."""
    from weasyprint import HTML  # slow to import; most processes never print

    return HTML(
        string=html,
        base_url=_static_dir().as_uri() + "/",
        url_fetcher=posters._local_fetcher(),
    ).write_pdf()


@dataclass
class CopyMark:
    """A reprint: every print after the first is marked "BẢN SAO" with when it was made."""

    printed_at: dt.datetime
    number: int  # 2 for the first reprint


def unit_view(data: dict) -> dict:
    return {**data, "place": place_name(data["name_vi"])}


def paper_context(paper: Paper, copy: CopyMark | None = None) -> dict:
    snap = snapshot_of(paper)
    issued_at = timezone.localtime(paper.issued_at)
    received_at = parse_moment(snap.get("received_at"))
    due_date = parse_day(snap.get("due_date"))
    content = paper.content
    documents = [d for d in snap.get("documents", []) if d.get("provided")]
    missing_lines = [
        line.strip().removeprefix("- ").strip()
        for line in (content.get("missing") or "").splitlines()
        if line.strip()
    ]
    new_due = parse_day(content.get("new_due"))
    link = verification_url(paper)
    unit = unit_view(snap["unit"])
    return {
        **document_context(f"{paper.get_kind_display()} {snap['code']}"),
        "paper": paper,
        "kind": paper.kind,
        "title_text": PaperKind(paper.kind).label,
        "snap": snap,
        "unit": unit,
        "receiving_unit": unit_view(snap["receiving_unit"]),
        "competent_unit": unit_view(snap["competent_unit"]),
        "applicant": snap["applicant"],
        "procedure": snap["procedure"],
        "documents": documents,
        "document_count": len(documents),
        "received_at": received_at,
        "due_date": due_date,
        "due_weekday": weekday(due_date) if due_date else "",
        "returned_at": parse_moment(snap.get("returned_at")),
        "issued_at": issued_at,
        "issued_on": long_date(issued_at.date()),
        "issued_by": snap.get("issued_by", ""),
        "stage": content.get("stage", "reception"),
        "missing_lines": missing_lines,
        "reason": content.get("reason", ""),
        "no_appointment": bool(content.get("no_appointment")),
        "old_due": parse_day(content.get("old_due")),
        "new_due": new_due,
        "new_due_weekday": weekday(new_due) if new_due else "",
        "agency_header": paper.kind == PaperKind.APOLOGY,
        "delivery_label": ResultDelivery(snap.get("result_delivery") or "counter").label,
        "by_post": snap.get("result_delivery") == ResultDelivery.POST,
        "online": snap.get("result_delivery") == ResultDelivery.ONLINE,
        # Papers submitted online are electronic: no originals or copies to count.
        "electronic": snap.get("channel") == DossierChannel.ONLINE,
        "tracking_url": tracking_url(snap["code"]),
        "link": link,
        "link_caption": "Kiểm tra tính xác thực của giấy này",
        "qr_data_uri": _qr_data_uri(link),
        "copy": copy,
        "copy_printed_at": timezone.localtime(copy.printed_at) if copy else None,
    }


def paper_html(paper: Paper, copy: CopyMark | None = None) -> str:
    if paper.kind not in TEMPLATES:
        raise ValueError(f"Paper kind {paper.kind} is not printed from a snapshot")
    with translation.override("vi"):
        return render_to_string(TEMPLATES[paper.kind], paper_context(paper, copy))


def paper_pdf(paper: Paper, copy: CopyMark | None = None) -> bytes:
    """The paper as issued, as PDF; with `copy`, marked as a reprint."""
    return html_to_pdf(paper_html(paper, copy))


def paper_filename(paper: Paper, copy: bool = False) -> str:
    suffix = "-ban-sao" if copy else ""
    return f"{paper.dossier.code}-mau-{paper.kind}{suffix}.pdf"


# ---------------------------------------------------------------------------------------
# Form 05: the processing control slip, live from the steps


@dataclass
class SlipRow:
    number: int
    kind: str
    unit: str
    handler: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    due: dt.date | None
    verdict: str  # "Trước hạn", "Đúng hạn", "Quá hạn", "Đang xử lý"...
    late: bool
    note: str


def timeliness(done_on: dt.date | None, due: dt.date | None, today: dt.date) -> tuple[str, bool]:
    """How a step (or a dossier) stands against its due date: (words, late?)."""
    if due is None:
        return ("Đã xong" if done_on else "Đang xử lý"), False
    if done_on is None:
        if today > due:
            return "Đang xử lý – quá hạn", True
        return "Đang xử lý", False
    if done_on < due:
        return "Trước hạn", False
    if done_on == due:
        return "Đúng hạn", False
    return "Quá hạn", True


def control_slip_rows(dossier: Dossier, now: dt.datetime) -> list[SlipRow]:
    today = timezone.localtime(now).date()
    rows = []
    steps = dossier.steps.select_related("unit", "handler").order_by("started_at", "id")
    for number, step in enumerate(steps, start=1):
        finished = timezone.localtime(step.finished_at) if step.finished_at else None
        verdict, late = timeliness(finished.date() if finished else None, step.due, today)
        rows.append(
            SlipRow(
                number=number,
                kind=StepKind(step.kind).label,
                unit=step.unit.name_vi or step.unit.name,
                handler=person_name(step.handler),
                started_at=timezone.localtime(step.started_at),
                finished_at=finished,
                due=step.due,
                verdict=verdict,
                late=late,
                note=step.note,
            )
        )
    return rows


def control_slip_html(dossier: Dossier, *, now: dt.datetime | None = None) -> str:
    now = timezone.localtime(now or timezone.now())
    with translation.override("vi"):
        rows = control_slip_rows(dossier, now)
        link = dossier_desk_url(dossier.code)
        unit = unit_view(unit_data(dossier.competent_unit))
        finished = timezone.localtime(dossier.finished_at) if dossier.finished_at else None
        verdict, late = timeliness(
            finished.date() if finished else None, dossier.due_date, now.date()
        )
        if finished is None and not late:
            verdict = ""  # "Đang xử lý" would repeat the status
        elif finished is None:
            verdict = "quá hạn"
        context = {
            **document_context(f"{PaperKind.CONTROL.label} {dossier.code}"),
            "kind": PaperKind.CONTROL,
            "title_text": PaperKind.CONTROL.label,
            "dossier": dossier,
            "unit": unit,
            "receiving_unit": unit_view(unit_data(dossier.receiving_unit)),
            "competent_unit": unit,
            "procedure": {
                "code": dossier.procedure.code,
                "name_vi": dossier.procedure.name_vi or dossier.procedure.name,
            },
            "received_at": (
                timezone.localtime(dossier.received_at) if dossier.received_at else None
            ),
            "status_label": dossier.get_status_display(),
            "rows": rows,
            "verdict": verdict,
            "late": late,
            "issued_at": now,
            "issued_on": long_date(now.date()),
            "link": link,
            "link_caption": "Hồ sơ trên hệ thống một cửa (cán bộ đăng nhập để xem)",
            "qr_data_uri": _qr_data_uri(link) if link else "",
        }
        return render_to_string("papers/control_slip.html", context)


def control_slip_pdf(dossier: Dossier, *, now: dt.datetime | None = None) -> bytes:
    return html_to_pdf(control_slip_html(dossier, now=now))
