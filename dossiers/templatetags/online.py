"""The online block of the citizen's dossier page (templates/citizens/dossier.html):
receipt download, originals to bring, and the upload of what is missing."""

from __future__ import annotations

from django import template
from django.urls import reverse

from .. import online
from ..models import DossierChannel, PaperKind

register = template.Library()


@register.inclusion_tag("dossiers/online/_account_block.html", takes_context=True)
def online_block(context, dossier):
    request = context.get("request")
    user = getattr(request, "user", None)
    receipt = None
    if dossier.channel == DossierChannel.ONLINE:
        receipt = (
            dossier.papers.filter(kind=PaperKind.RECEIPT).order_by("-issued_at", "-id").first()
        )
    may_supplement = bool(user is not None and online.may_supplement_online(user, dossier))
    return {
        "dossier": dossier,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "messages": context.get("messages"),
        "receipt": receipt,
        "receipt_url": reverse("citizens:paper-pdf", args=[dossier.code, receipt.pk])
        if receipt
        else "",
        "may_supplement": may_supplement,
        "rows": online.missing_rows(dossier) if may_supplement else [],
    }
