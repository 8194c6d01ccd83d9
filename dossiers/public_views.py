"""`/v/<token>`: anyone holding a paper (a citizen, a clerk of another office, a bank)
scans its QR code and sees that the system issued it: the kind of paper, the dossier
code, the procedure, when and by which unit it was issued, and the applicant's name
masked. Nothing else about the person is shown.

Tokens are 24 random bytes (32 characters, `Paper.new_token`): guessing one is hopeless,
so the page needs no rate limit of its own; an unknown token gets the same plain "not
found, possibly forged" answer whatever it looks like.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .models import Paper, PaperKind
from .papers import mask_name, parse_day, snapshot_of

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _response(request: HttpRequest, context: dict, status: int) -> HttpResponse:
    response = render(request, "dossiers/verify.html", context, status=status)
    # The link is on paper, not to be indexed or cached by the proxies on its way.
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@never_cache
@require_safe
def verify_paper(request: HttpRequest, token: str) -> HttpResponse:
    paper = None
    if _TOKEN.match(token):
        paper = (
            Paper.objects.select_related(
                "dossier__procedure", "dossier__receiving_unit", "dossier__competent_unit"
            )
            .filter(token=token, kind__in=[k for k in PaperKind.values if k != PaperKind.CONTROL])
            .first()
        )
    if paper is None:
        return _response(request, {"found": False}, status=404)
    snap = snapshot_of(paper)
    language = (request.LANGUAGE_CODE or "vi")[:2]
    procedure = snap["procedure"]
    unit = snap["unit"]
    context = {
        "found": True,
        "paper": paper,
        "kind_label": PaperKind(paper.kind).label,
        "code": snap["code"],
        "procedure_code": procedure["code"],
        "procedure_name": (language == "en" and procedure.get("name_en")) or procedure["name_vi"],
        "unit_name": (language == "en" and unit.get("name_en")) or unit["name_vi"],
        "issued_at": timezone.localtime(paper.issued_at),
        "applicant": mask_name(snap["applicant"]["name"]),
        "is_receipt": paper.kind == PaperKind.RECEIPT,
        "no_appointment": bool(paper.content.get("no_appointment")),
        "new_due": parse_day(paper.content.get("new_due")),
        "page_path": request.path,
    }
    return _response(request, context, status=200)
