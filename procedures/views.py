"""Public pages of the catalogue: home, search, the procedure page and its QR codes."""

from __future__ import annotations

import hashlib
import os
import re
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_vary_headers,
)
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import get_language, gettext as _
from django.views.decorators.http import condition, require_safe

from portal.text import fold
from workcalendar.clock import CUTOFF, due_if_received_now, format_day

from . import posters, qr, selectors, services
from .models import Channel, Field, Level, LocalForm, Procedure, Status
from .search import search_procedures


def public_link(code: str, unit_code: str | None = None) -> str:
    """The absolute link printed in a procedure's QR code. It never changes with content."""
    url = settings.SITE_URL + reverse("procedures:detail", args=[code])
    return f"{url}?unit={unit_code}" if unit_code else url


def _qr_target(request: HttpRequest, code: str) -> str:
    """The link this request's QR code encodes: the procedure's, with `?unit=` when it names
    an active unit. 404 for a code no citizen can see. Worked out once per request: the ETag
    and the image both need it."""
    target = getattr(request, "_qr_target", None)
    if target is None:
        if not _CODE.match(code) or not Procedure.objects.public().filter(code=code).exists():
            raise Http404
        unit_code = request.GET.get("unit") or ""
        unit = selectors.active_unit(unit_code) if _CODE.match(unit_code) else None
        target = request._qr_target = public_link(code, unit.code if unit else None)
    return target


def _qr_etag(request: HttpRequest, code: str) -> str:
    # The image is a pure function of the link it encodes. Working the link out first also
    # means an unknown code is a 404 even with a matching If-None-Match.
    return qr.etag_for(_qr_target(request, code))


@require_safe
@condition(etag_func=_qr_etag)
def procedure_qr_png(request: HttpRequest, code: str) -> HttpResponse:
    """PNG of the QR code of the procedure's public link (`?unit=` for a unit's desk)."""
    response = HttpResponse(qr.qr_png(_qr_target(request, code)), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
@condition(etag_func=_qr_etag)
def procedure_qr_svg(request: HttpRequest, code: str) -> HttpResponse:
    """SVG of the QR code of the procedure's public link (`?unit=` for a unit's desk)."""
    response = HttpResponse(qr.qr_svg(_qr_target(request, code)), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_safe
def procedure_poster_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The A4 counter poster of a public procedure, as PDF, in the visitor's language;
    `?unit=` prints it for that unit's desk (an unknown unit gives the plain poster)."""
    procedure = selectors.public_procedure(code) if _CODE.match(code) else None
    if procedure is None:
        raise Http404
    unit_code = request.GET.get("unit") or ""
    unit = selectors.active_unit(unit_code) if _CODE.match(unit_code) else None
    html = posters.poster_html(procedure, unit)
    # The PDF is a pure function of its HTML (and cached under it), and WeasyPrint stamps
    # each PDF with its creation time: the HTML makes the stable ETag.
    etag = '"' + hashlib.sha256(html.encode()).hexdigest()[:32] + '"'
    response = HttpResponse(posters.html_to_pdf(html), content_type="application/pdf")
    filename = posters.poster_filename(procedure, unit)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=3600"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return get_conditional_response(request, etag=etag, response=response) or response


# --- Citizen pages: home, search, the procedure page, local forms, language switch ---------

# Codes are short and made of letters, digits and dots ("1.001193", "000.00.23.H56"); anything
# else cannot exist and must not reach the cache keys.
_CODE = re.compile(r"^[0-9A-Za-z._-]{1,32}$")
SEARCH_PAGE_SIZE = 20
MOST_USED_COUNT = 8
# Browsers and proxies may keep a page for five minutes, so an edit shows quickly.
PAGE_MAX_AGE = 300
# Rendered pages stay in the server cache at most this long. Edits of the procedure move
# its cache revision and drop them at once; the bound covers changes made elsewhere (a
# unit's address or opening hours) that do not move the revision.
PAGE_CACHE_SECONDS = 600
PAGE_KEY = "procedure-page:{code}:{unit}:{lang}"
DUE_KEY = "procedure-due-now:{code}:{unit}:{lang}:{bucket}"
DUE_CACHE_SECONDS = 3600  # province calendar edits show within the hour
DUE_MARKER = "<!--due-now-->"
# Each process keeps the finished page this long in its own memory (the "local" cache) and
# serves it without asking the shared cache: an edit shows at once in the process that saved
# it and within this many seconds in the others (docs/adr/0003).
LOCAL_SECONDS = 1


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    published = Q(procedures__status=Status.PUBLISHED)
    fields = sorted(
        Field.objects.annotate(count=Count("procedures", filter=published)).filter(count__gt=0),
        key=lambda field: fold(field.name),
    )
    most_used = (
        Procedure.objects.published()
        .select_related("field")
        .order_by("-popularity", "name_vi", "code")[:MOST_USED_COUNT]
    )
    return render(request, "procedures/home.html", {"fields": fields, "most_used": most_used})


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = " ".join(request.GET.get("q", "").split())[:200]
    field_code = request.GET.get("field") or None
    fields = sorted(Field.objects.all(), key=lambda field: fold(field.name))
    if field_code not in {field.code for field in fields}:
        field_code = None
    level = request.GET.get("level") or None
    if level not in Level.values:
        level = None
    unit_code = request.GET.get("unit") or ""
    unit = selectors.active_unit(unit_code) if _CODE.match(unit_code) else None
    results = search_procedures(query, field=field_code, level=level, unit=unit)
    page = Paginator(results.select_related("field"), SEARCH_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    filters = {"q": query, "field": field_code or "", "level": level or ""}
    if unit:
        filters["unit"] = unit.code
    context = {
        "query": query,
        "field_code": field_code,
        "level": level,
        "unit": unit,
        "fields": fields,
        "levels": Level.choices,
        "page": page,
        "page_query": urlencode({k: v for k, v in filters.items() if v}),
        "filtered": bool(query or field_code or level or unit),
    }
    return render(request, "procedures/search.html", context)


@require_safe
def procedure_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The page behind every QR code. Rendered once per (code, unit, language, revision)
    and then served from the cache without a database query; see docs/adr/0003."""
    if not _CODE.match(code):
        raise Http404
    unit_code = request.GET.get("unit") or ""
    if not _CODE.match(unit_code):
        unit_code = ""
    language = get_language()
    now = timezone.now()
    due_key = DUE_KEY.format(code=code, unit=unit_code, lang=language, bucket=_due_bucket(now))
    # This process's copy of the finished page, at most LOCAL_SECONDS old: no round trip to
    # the shared cache. It is kept with the procedure's local generation, which an edit
    # made in this process moves at once (services.invalidate_procedure_cache); an edit
    # made in another process reaches this one when the copy expires.
    local = caches["local"]
    generation_key = services.LOCAL_GENERATION_KEY.format(code=code)
    mine = local.get_many([generation_key, due_key])
    generation, kept = mine.get(generation_key), mine.get(due_key)
    if kept is not None and kept[0] == generation:
        _, etag, body = kept
    else:
        etag, text, keep = _procedure_page(request, code, unit_code, language, now, due_key)
        body = text.encode()  # kept encoded: the response need not encode it each time
        if keep:
            local.set(due_key, (generation, etag, body), LOCAL_SECONDS)
    response = HttpResponse(body, content_type="text/html; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={PAGE_MAX_AGE}"
    patch_vary_headers(response, ("Accept-Language", "Cookie"))
    return get_conditional_response(request, etag=etag, response=response) or response


def _procedure_page(request, code: str, unit_code: str, language: str, now, due_key: str):
    """(etag, html, may be kept) of the page from the shared cache, rendered on a miss."""
    revision_key = services.REVISION_KEY.format(code=code)
    page_key = PAGE_KEY.format(code=code, unit=unit_code, lang=language)
    # One round trip: the page remembers the revision it was rendered at, and so does the
    # "submitted now, due on …" line, which changes with the day and at the 15:00 cut-off.
    found = cache.get_many([revision_key, page_key, due_key])
    revision, page, due = found.get(revision_key), found.get(page_key), found.get(due_key)
    if revision is not None and page is not None and page[0] == revision:
        _, etag, body, limit = page
        cacheable = True
    else:
        # The revision is read before the database: if an edit commits meanwhile, the
        # revision moves on and the page stored here is never served as current.
        created = False
        if revision is None:
            # Start from a value never used before, so a revision lost from the cache
            # (evicted, flushed) cannot match a page rendered in its earlier life.
            created = cache.add(revision_key, time.time_ns(), None)
            revision = cache.get(revision_key)
        try:
            etag, body, cacheable, limit = _render_procedure_page(request, code, unit_code)
        except Http404:
            if created:  # made-up codes leave nothing behind
                cache.delete(revision_key)
            raise
        if cacheable and revision is not None:
            cache.set(page_key, (revision, etag, body, limit), PAGE_CACHE_SECONDS)
    if due is None or due[0] != revision:
        due = (revision, _due_now_html(unit_code, limit, now, language))
        if revision is not None:
            cache.set(due_key, due, DUE_CACHE_SECONDS)
    if due[1]:
        body = body.replace(DUE_MARKER, due[1], 1)
        etag = etag[:-1] + "-" + hashlib.sha256(due[1].encode()).hexdigest()[:8] + '"'
    return etag, body, cacheable and revision is not None


def _render_procedure_page(request: HttpRequest, code: str, unit_code: str):
    """(etag, html, cacheable). Five queries, eight with a unit: never more with more rows."""
    procedure = selectors.public_procedure(code)
    if procedure is None:
        raise Http404
    unit = selectors.active_unit(unit_code)
    offering = selectors.unit_offering(unit, procedure)
    path = reverse("procedures:detail", args=[code])
    if unit:
        path += f"?unit={unit.code}"
    context = {
        "procedure": procedure,
        "archived": procedure.status == Status.ARCHIVED,
        "channels": [Channel(c).label for c in procedure.channels if c in Channel.values],
        "unit": unit,
        "offering": offering,
        # The page is shared by everyone: links back to it are built from the cache key,
        # never from this request's query string.
        "page_path": path,
        "page_url": settings.SITE_URL + path,
    }
    body = render_to_string("procedures/detail.html", context, request=request)
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    limit = (procedure.processing_days, procedure.same_day, procedure.status == Status.PUBLISHED)
    # An unknown unit is not cached, so made-up unit codes cannot fill the cache.
    return etag, body, unit is not None or not unit_code, limit


def _due_bucket(now) -> str:
    """The due date of a dossier received now changes only with the local day and at the
    15:00 cut-off: the line is cached per bucket."""
    local = timezone.localtime(now)
    return f"{local:%Y%m%d}{'p' if local.time() >= CUTOFF else 'a'}"


def _due_now_html(unit_code: str, limit, now, language: str) -> str:
    """ "Nộp hôm nay thì hạn trả kết quả là …", from the same clock as the dossiers. A few
    queries (the unit and its province calendar), once per bucket and page."""
    working_days, same_day, published = limit
    if not published or (working_days is None and not same_day):
        return ""
    unit = selectors.active_unit(unit_code)
    due = due_if_received_now(unit, working_days, same_day, now)
    if due.due is None:
        return ""
    with translation.override(language):
        text = _("Nộp hồ sơ bây giờ thì hạn trả kết quả là %(due)s.") % {
            "due": format_day(due.due).render(language)
        }
    return format_html('<br><span class="due-now">{}</span>', text)


@require_safe
def local_form_download(request: HttpRequest, pk: int) -> FileResponse:
    """A desk's form, only while the desk offers a public procedure."""
    form = get_object_or_404(
        LocalForm.objects.exclude(offering__procedure__status=Status.DRAFT),
        pk=pk,
        offering__is_active=True,
        offering__unit__is_active=True,
    )
    try:
        handle = form.file.open("rb")
    except (OSError, ValueError) as exc:  # no file stored, or the file is gone
        raise Http404 from exc
    response = FileResponse(handle, as_attachment=True, filename=os.path.basename(form.file.name))
    response["Cache-Control"] = f"public, max-age={PAGE_MAX_AGE}"
    return response


@require_safe
def set_language(request: HttpRequest, language: str) -> HttpResponseRedirect:
    """Switch the language with a plain link and go back. A GET link, not Django's POST
    form, so that cached public pages carry no per-visitor CSRF token (docs/adr/0003)."""
    if language not in dict(settings.LANGUAGES):
        raise Http404
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    add_never_cache_headers(response)
    return response
