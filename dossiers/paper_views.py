"""Printing at the desk: the papers issued for a dossier (01-04, reprints marked as
copies), its processing control slip (05, live) and a unit's log book (06)."""

from __future__ import annotations

import re
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal import access as portal_access
from portal.models import Unit

from . import access, logbook as form06, papers, services
from .models import Dossier, Paper

_CODE = re.compile(r"^[0-9A-Za-z._-]{1,64}$")
FORMATS = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _page(request: HttpRequest, template: str, context: dict, status: int) -> HttpResponse:
    response = render(request, template, context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _not_found(request: HttpRequest) -> HttpResponse:
    return _page(request, "dossiers/desk/404.html", {}, 404)


def _forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return _page(request, "dossiers/desk/403.html", {"message": message}, 403)


def staff_only(view):
    """Logged in (else to the desk's login page) and a staff member (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("desk:login"))
        if not portal_access.is_staff_member(request.user):
            return _forbidden(request, _("Bạn không có quyền xem trang này."))
        return view(request, *args, **kwargs)

    return never_cache(require_GET(wrapper))


def _file(content: bytes, content_type: str, filename: str, inline: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _visible_dossier(request: HttpRequest, code: str) -> Dossier | None:
    if not _CODE.match(code):
        return None
    return (
        access.visible_dossiers(request.user)
        .select_related("procedure", "receiving_unit", "competent_unit")
        .filter(code=code)
        .first()
    )


@staff_only
def paper_pdf(request: HttpRequest, code: str, paper_id: int) -> HttpResponse:
    """An issued paper as PDF. The first print is the original; every later one is the
    same paper marked "BẢN SAO" with the time of the reprint."""
    dossier = _visible_dossier(request, code)
    paper = (
        Paper.objects.filter(pk=paper_id, dossier=dossier, kind__in=list(papers.TEMPLATES))
        .select_related("issued_by")
        .first()
        if dossier is not None
        else None
    )
    if paper is None:
        return _not_found(request)
    paper.dossier = dossier
    # Counted and rendered together: a print that fails to render is not counted.
    with transaction.atomic():
        number = services.record_print(paper, request.user)
        copy = papers.CopyMark(timezone.now(), number) if number > 1 else None
        pdf = papers.paper_pdf(paper, copy)
    return _file(pdf, FORMATS["pdf"], papers.paper_filename(paper, copy is not None), True)


@staff_only
def control_slip_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """Form 05 as it stands now, from the dossier's steps."""
    dossier = _visible_dossier(request, code)
    if dossier is None:
        return _not_found(request)
    pdf = papers.control_slip_pdf(dossier)
    return _file(pdf, FORMATS["pdf"], f"{dossier.code}-mau-05.pdf", True)


@staff_only
def logbook_view(request: HttpRequest) -> HttpResponse:
    """Form 06 for `?unit=&from=&to=&format=pdf|csv|xlsx`; without a format, the page to
    choose them. Any bad value gives that page again with the reason, as a 400."""
    user = request.user
    units = access.logbook_units(user).order_by("code")
    unit_code = (request.GET.get("unit") or "").strip() or (user.unit.code if user.unit_id else "")
    form = {
        "unit": unit_code,
        "from": request.GET.get("from", ""),
        "to": request.GET.get("to", ""),
        "format": request.GET.get("format", ""),
    }
    context = {"units": units, "form": form, "max_days": form06.MAX_DAYS}

    def error(message: str) -> HttpResponse:
        return _page(request, "papers/logbook_page.html", {**context, "error": message}, 400)

    if form["format"] and form["format"] not in FORMATS:
        return error(_("Định dạng phải là PDF, CSV hoặc XLSX."))
    if not unit_code:
        return error(_("Chọn đơn vị."))
    unit = Unit.objects.filter(code=unit_code).first() if _CODE.match(unit_code) else None
    if unit is None:
        return error(_("Không có đơn vị mã “%(code)s”.") % {"code": unit_code[:64]})
    if not units.filter(pk=unit.pk).exists():
        return _forbidden(request, _("Bạn không được xem sổ theo dõi hồ sơ của đơn vị này."))
    try:
        period = form06.parse_period(form["from"], form["to"], today=timezone.localdate())
    except form06.LogbookError as exc:
        return error(exc.message)
    if not form["format"]:
        context["form"] = {**form, "from": period.first.isoformat(), "to": period.last.isoformat()}
        return _page(request, "papers/logbook_page.html", context, 200)

    queryset = form06.logbook_queryset(access.visible_dossiers(user), unit, period)
    rows = form06.logbook_rows(queryset)
    name = form06.filename(unit, period, form["format"])
    if form["format"] == "csv":
        return _file(form06.logbook_csv(rows), FORMATS["csv"], name, False)
    if form["format"] == "xlsx":
        return _file(form06.logbook_xlsx(rows, unit, period), FORMATS["xlsx"], name, False)
    try:
        pdf = form06.logbook_pdf(rows, unit, period)
    except form06.LogbookError as exc:
        return error(exc.message)
    return _file(pdf, FORMATS["pdf"], name, True)
