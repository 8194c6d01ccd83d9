"""Public pages of the catalogue: home, search, the procedure page and its QR codes."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import condition, require_GET

from . import qr, selectors


def public_link(code: str, unit_code: str | None = None) -> str:
    """The absolute link printed in a procedure's QR code. It never changes with content."""
    url = settings.SITE_URL + reverse("procedures:detail", args=[code])
    return f"{url}?unit={unit_code}" if unit_code else url


def _qr_target(request: HttpRequest, code: str) -> str:
    if selectors.public_procedure(code) is None:
        raise Http404
    unit = selectors.active_unit(request.GET.get("unit"))
    return public_link(code, unit.code if unit else None)


def _qr_etag(request: HttpRequest, code: str) -> str:
    # The image depends only on the link, and the link only on code, unit and SITE_URL.
    return qr.etag_for(public_link(code, request.GET.get("unit") or None))


@require_GET
@condition(etag_func=_qr_etag)
def procedure_qr_png(request: HttpRequest, code: str) -> HttpResponse:
    response = HttpResponse(qr.qr_png(_qr_target(request, code)), content_type="image/png")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_GET
@condition(etag_func=_qr_etag)
def procedure_qr_svg(request: HttpRequest, code: str) -> HttpResponse:
    response = HttpResponse(qr.qr_svg(_qr_target(request, code)), content_type="image/svg+xml")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _todo(*args, **kwargs) -> HttpResponse:
    raise Http404


home = search = procedure_detail = procedure_poster_pdf = local_form_download = _todo
