"""Printed A4 posters of procedures for the one-stop counter, and a unit's booklet of them.

A poster is one A4 page: the unit on top (when printed for a unit), the procedure's name,
code, time limit and fees, and a large QR code of its permanent public link. HTML
templates under templates/posters/ are turned into PDF by WeasyPrint with the DejaVu fonts
shipped in static/fonts embedded, so Vietnamese diacritics print on any machine.

Rendering a PDF takes a good fraction of a second, so PDFs are cached under a hash of the
HTML they come from: any change to the procedure, the unit or the templates gives new HTML
and so a new PDF, and nothing needs invalidating.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext

from portal.models import Unit

from . import qr
from .models import Procedure, Status, UnitProcedure

CACHE_SECONDS = 7 * 24 * 3600

# WeasyPrint and fontTools report every rendering step at INFO, the level the portal logs at.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)
# A poster lists at most this many fees, and notes up to NOTE_CHARS; the rest is on the
# procedure's page, one scan away.
MAX_FEES = 3
NOTE_CHARS = 160
LONG_NAME_CHARS = 160


def _static_dir() -> Path:
    return Path(settings.BASE_DIR) / "static"


def format_vnd(amount: int) -> str:
    """An amount of money as written in Vietnam: 1000000 -> "1.000.000 đồng"."""
    separator = "," if (get_language() or "vi").startswith("en") else "."
    digits = f"{amount:,}".replace(",", separator)
    return gettext("%(amount)s đồng") % {"amount": digits}


def time_limit_text(procedure: Procedure) -> str:
    """The processing time as a citizen reads it: "3 ngày làm việc" or "Trong ngày"."""
    if procedure.same_day:
        return gettext("Trong ngày")
    if procedure.processing_days:
        days = procedure.processing_days
        return ngettext("%(days)d ngày làm việc", "%(days)d ngày làm việc", days) % {"days": days}
    return ""


@dataclass
class FeeLine:
    name: str
    amount: str
    note: str


def fee_lines(procedure: Procedure) -> list[FeeLine]:
    return [
        FeeLine(
            name=fee.name,
            amount=format_vnd(fee.amount_vnd),
            note=Truncator(fee.note).chars(NOTE_CHARS),
        )
        for fee in procedure.fees.all()
    ]


# Poster layout, in mm on an A4 page with 12 mm / 15 mm margins (see static/css/poster.css).
# The QR code gets the room the texts leave, between QR_MIN_MM and QR_MAX_MM; the title
# gets the largest size at which it takes few lines. Widths are measured with the font's
# own glyph advances, so a long name or many fees never push the poster onto a second page.
PAGE_HEIGHT_MM = 272
TEXT_WIDTH_MM = 180
QR_MAX_MM = 95
QR_MIN_MM = 60
TITLE_SIZES_PT = ((32, 2), (26, 3), (21, 4), (17, 5), (14, 99))  # (size, most lines)
SCAN_BOTTOM_MM = 22  # room for the footer under the QR code's caption
PT = 0.3528  # mm
FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}


@lru_cache(maxsize=2)
def _glyph_advances(bold: bool) -> tuple[dict[int, int], int]:
    from fontTools.ttLib import TTFont

    font = TTFont(_static_dir() / "fonts" / FONT_FILES[bold], lazy=True)
    metrics = font["hmtx"].metrics
    advances = {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}
    return advances, font["head"].unitsPerEm


def text_lines(text: str, size_pt: float, width_mm: float, bold: bool = False) -> int:
    """How many lines `text` takes when wrapped at spaces in a box `width_mm` wide."""
    advances, units = _glyph_advances(bold)
    scale = size_pt * PT / units
    space = advances.get(32, units // 3) * scale
    lines, used = 1, 0.0
    for word in unicodedata.normalize("NFC", text).split():
        width = sum(advances.get(ord(char), units // 2) for char in word) * scale
        if used and used + space + width > width_mm:
            lines, used = lines + 1, 0.0
        used += (space if used else 0.0) + width
        while used > width_mm:  # a word longer than the line breaks anywhere
            lines, used = lines + 1, used - width_mm
    return lines


def _block_mm(text: str, size_pt: float, width_mm: float, bold: bool = False) -> float:
    return text_lines(text, size_pt, width_mm, bold) * size_pt * 1.35 * PT if text else 0.0


@dataclass
class PosterTexts:
    """What one poster says, as the layout needs it."""

    name: str
    time_limit: str
    processing_note: str
    fees: list[FeeLine]
    more_fees: int
    local_details: list[str]  # counter, hours
    masthead: bool
    archived: bool

    def shortened(self) -> PosterTexts | None:
        """The same poster with less detail, or None when nothing is left to leave out.
        The page the QR code opens has it all."""
        if self.processing_note or any(fee.note for fee in self.fees):
            fees = [FeeLine(fee.name, fee.amount, "") for fee in self.fees]
            return replace(self, processing_note="", fees=fees)
        if len(self.fees) > 1:
            return replace(self, fees=self.fees[:1], more_fees=self.more_fees + len(self.fees) - 1)
        if len(self.name) > LONG_NAME_CHARS:
            return replace(self, name=Truncator(self.name).chars(LONG_NAME_CHARS))
        return None


def _title_pt(name: str) -> tuple[int, int]:
    """The largest title size at which the name takes few enough lines, and those lines."""
    for size, most_lines in TITLE_SIZES_PT:
        lines = text_lines(name, size, TEXT_WIDTH_MM, bold=True)
        if lines <= most_lines:
            break
    return size, lines


def _qr_room_mm(texts: PosterTexts, title_pt: int, title_lines: int) -> float:
    """Height left for the QR code once the texts are laid out (estimated from the CSS)."""
    used = 28.0 if texts.masthead else 0.0
    used += 6 + title_lines * title_pt * 1.15 * PT + 5 + 10  # kicker, title, code
    if texts.archived:
        used += 16
    value_mm = TEXT_WIDTH_MM - 52
    rows = []
    if texts.time_limit:
        rows.append(
            _block_mm(texts.time_limit, 13, value_mm, True)
            + _block_mm(texts.processing_note, 10, value_mm)
        )
    fees_mm = sum(
        _block_mm(f"{fee.name}: {fee.amount}", 13, value_mm) + _block_mm(fee.note, 10, value_mm) + 1
        for fee in texts.fees
    )
    rows.append(max(fees_mm, 6.2) + (4.8 if texts.more_fees else 0))
    rows += [_block_mm(text, 13, value_mm) for text in texts.local_details if text]
    used += 6 + sum(row + 4.4 for row in rows)  # facts table
    scan_caption_mm = 6 + 4 + 20 * 1.35 * PT + 11 * 1.35 * PT * 2
    return PAGE_HEIGHT_MM - used - scan_caption_mm - SCAN_BOTTOM_MM


@dataclass
class PosterLayout:
    texts: PosterTexts  # shortened if the full texts leave the QR code too little room
    title_pt: int
    qr_mm: int
    scan_bottom_mm: int  # the QR code and its caption sit midway in the room left


def fit_poster(texts: PosterTexts) -> PosterLayout:
    """Lay one poster out on one page."""
    while True:
        title_pt, title_lines = _title_pt(texts.name)
        room = _qr_room_mm(texts, title_pt, title_lines)
        shorter = texts.shortened() if room < QR_MIN_MM else None
        if shorter is None:
            qr_mm = int(max(QR_MIN_MM, min(QR_MAX_MM, room)))
            spare = max(0.0, room - qr_mm)
            return PosterLayout(texts, title_pt, qr_mm, int(SCAN_BOTTOM_MM + spare / 2))
        texts = shorter


def _offerings(unit: Unit | None, procedures: list[Procedure]) -> dict[int, UnitProcedure]:
    """The unit's active offerings of these procedures, by procedure id, in one query."""
    if unit is None:
        return {}
    rows = UnitProcedure.objects.filter(unit=unit, procedure__in=procedures, is_active=True)
    return {row.procedure_id: row for row in rows}


def _poster_context(
    procedure: Procedure, unit: Unit | None, offering: UnitProcedure | None
) -> dict:
    # Imported here: views imports this module for the poster view.
    from .views import public_link

    link = public_link(procedure.code, unit.code if unit else None)
    fees = fee_lines(procedure)
    layout = fit_poster(
        PosterTexts(
            name=procedure.name,
            time_limit=time_limit_text(procedure),
            processing_note=Truncator(procedure.processing_note).chars(NOTE_CHARS),
            fees=fees[:MAX_FEES],
            more_fees=max(0, len(fees) - MAX_FEES),
            local_details=[offering.counter, offering.hours] if offering else [],
            masthead=unit is not None,
            archived=procedure.status == Status.ARCHIVED,
        )
    )
    return {
        "procedure": procedure,
        "layout": layout,
        "texts": layout.texts,
        "unit": unit,
        "province": unit.province if unit is not None and unit.parent_id else None,
        "offering": offering,
        "link": link,
        "link_text": link.split("://", 1)[-1],
        "qr_data_uri": "data:image/svg+xml;base64," + base64.b64encode(qr.qr_svg(link)).decode(),
    }


def _document_context(title: str) -> dict:
    fonts = _static_dir() / "fonts"
    return {
        "title": title,
        "lang": get_language() or settings.LANGUAGE_CODE,
        "font_regular_url": (fonts / "DejaVuSans.ttf").as_uri(),
        "font_bold_url": (fonts / "DejaVuSans-Bold.ttf").as_uri(),
        "stylesheet_url": (_static_dir() / "css" / "poster.css").as_uri(),
    }


def poster_html(procedure: Procedure, unit: Unit | None = None) -> str:
    """The HTML of one procedure's poster (what procedure_poster_pdf prints)."""
    context = _document_context(f"{procedure.code} {procedure.name}")
    offering = _offerings(unit, [procedure]).get(procedure.pk)
    context["posters"] = [_poster_context(procedure, unit, offering)]
    return render_to_string("posters/document.html", context)


def procedure_poster_pdf(procedure: Procedure, unit: Unit | None = None) -> bytes:
    """One A4 page, as PDF, to print and put on the counter for `procedure`.

    With `unit`, the poster carries the unit's name, address and the desk's local details,
    and its QR code links to the procedure's page for that unit (`/p/<code>?unit=<code>`).
    Texts are in the active language.
    """
    return html_to_pdf(poster_html(procedure, unit))


def booklet_procedures(unit: Unit) -> list[Procedure]:
    """The published procedures the unit's desk receives, by code: the booklet's pages."""
    return list(
        Procedure.objects.published()
        .filter(offerings__unit=unit, offerings__is_active=True)
        .select_related("field")
        .prefetch_related("fees")
        .order_by("code")
        .distinct()
    )


def unit_booklet_pdf(unit: Unit) -> bytes:
    """The unit's booklet, as PDF: a cover page listing every procedure its desk receives
    (active offerings of published procedures, by code), then one poster page for each."""
    procedures = booklet_procedures(unit)
    context = _document_context(gettext("Danh mục thủ tục hành chính – %(unit)s") % {"unit": unit})
    context["cover"] = {
        "unit": unit,
        "province": unit.province if unit.parent_id else None,
        "procedures": procedures,
        "printed_on": timezone.localdate(),
    }
    offerings = _offerings(unit, procedures)
    context["posters"] = [
        _poster_context(procedure, unit, offerings.get(procedure.pk)) for procedure in procedures
    ]
    return html_to_pdf(render_to_string("posters/document.html", context))


def poster_filename(procedure: Procedure, unit: Unit | None = None) -> str:
    suffix = f"-{unit.code}" if unit is not None else ""
    return f"poster-{procedure.code}{suffix}.pdf"


def html_to_pdf(html: str) -> bytes:
    """Print HTML to PDF with WeasyPrint, cached under the hash of the HTML."""
    key = "poster-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    pdf = cache.get(key)
    if pdf is None:
        # Imported late: loading WeasyPrint (Pango, fonts) is slow and most processes
        # never print.
        from weasyprint import HTML

        pdf = HTML(
            string=html, base_url=_static_dir().as_uri() + "/", url_fetcher=_local_fetcher()
        ).write_pdf()
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf


def _local_fetcher():
    """A WeasyPrint URL fetcher that reads only data: URIs and our own static files, and
    fails loudly when one of them is missing (a poster without its font or QR is wrong)."""
    from weasyprint.urls import URLFetcher

    root = _static_dir().resolve()

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("file:"):
                path = Path(unquote(urlsplit(url).path)).resolve()
                if not path.is_relative_to(root):
                    raise ValueError(f"Poster resource outside static/: {url}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols={"file", "data"}, fail_on_errors=True)
