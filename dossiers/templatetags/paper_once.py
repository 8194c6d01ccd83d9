"""Template tags of paper once at the desk: the link that opens a stored paper."""

from __future__ import annotations

from django import template
from django.core import signing
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode

register = template.Library()

# A stored paper is opened at the desk by the officer the checklist showed it to, while
# receiving: the link carries a signed (officer, paper) pair that expires.
OPEN_SALT = "paper-once.stored-document"
OPEN_MAX_AGE = 4 * 3600


def open_token(stored_id: int, user_id: int) -> str:
    return signing.dumps([stored_id, user_id], salt=OPEN_SALT)


def read_open_token(token: str) -> tuple[int, int] | None:
    try:
        stored_id, user_id = signing.loads(token, salt=OPEN_SALT, max_age=OPEN_MAX_AGE)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    return int(stored_id), int(user_id)


@register.simple_tag(takes_context=True)
def stored_document_url(context, stored, dossier=None) -> str:
    """Where the officer opens a stored paper's file: for a dossier that reused it, by the
    dossier; on the reception checklist, by a link signed for this officer. Empty when the
    paper has no file (a result the portal issued)."""
    if stored is None or not stored.file:
        return ""
    try:
        url = reverse("desk:stored-document", args=[stored.pk])
    except NoReverseMatch:
        return ""
    if dossier is not None:
        return f"{url}?{urlencode({'dossier': dossier.code})}"
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return f"{url}?{urlencode({'t': open_token(stored.pk, request.user.pk)})}"


@register.filter
def reads_reuse_report(user) -> bool:
    """Whether the desk nav links to the paper-once report (decided by role, no query)."""
    from portal import access as portal_access
    from portal.models import Role

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if portal_access.is_province_admin(user):
        return True
    return bool(user.role in (Role.LEADER, Role.COMMUNE_ADMIN) and user.unit_id)
