"""Links into the feedback app from pages of other apps (tracking, the citizen's account,
the desk's dossier page), so that those apps never import this one."""

from __future__ import annotations

from django import template
from django.db.models import Exists, OuterRef
from django.urls import reverse

from dossiers import notify
from dossiers.models import Dossier, DossierStatus

from ..models import Rating
from ..selectors import citizen_dossiers
from ..services import may_record_at_counter
from ..views import dossier_link_value

register = template.Library()


def _rated(code: str) -> tuple[Dossier | None, bool]:
    row = (
        Dossier.objects.filter(code=code)
        .annotate(rated=Exists(Rating.objects.filter(dossier=OuterRef("pk"))))
        .only("pk", "code", "status")
        .first()
    )
    return row, bool(row and row.rated)


@register.inclusion_tag("feedback/_dossier_links.html", takes_context=True)
def dossier_feedback_links(context, code: str, status: str) -> dict:
    """For the dossier's applicant (tracking page, account page): "rate the service" while a
    returned dossier is not yet rated, and "send feedback" about it. One query for a
    returned dossier (two for a signed-in citizen), none otherwise. A citizen rating their
    own dossier rates from the account; anybody else through the signed link."""
    links = {"code": code, "feedback_value": dossier_link_value(code)}
    if status != DossierStatus.RETURNED:
        return links
    dossier, rated = _rated(code)
    if dossier is None:
        return links
    links["rated"] = rated
    if rated:
        return links
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is not None and citizen_dossiers(user).filter(pk=dossier.pk).exists():
        links["rate_url"] = reverse("feedback:rate-account", args=[code])
    else:
        links["rate_url"] = notify.RATING_PATH + notify.rating_token(dossier)
    return links


@register.inclusion_tag("feedback/_counter_link.html", takes_context=True)
def counter_rating_link(context, dossier: Dossier) -> dict:
    """On the desk's dossier page: the counter tablet, once the result is returned."""
    user = context.get("user")
    if dossier.status != DossierStatus.RETURNED or user is None:
        return {}
    rating = Rating.objects.filter(dossier=dossier).only("overall", "channel").first()
    return {
        "dossier": dossier,
        "rating": rating,
        "may_open": rating is None and may_record_at_counter(user, dossier),
    }
