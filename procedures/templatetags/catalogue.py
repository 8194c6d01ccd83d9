"""How catalogue values read to a citizen: fees in đồng, time limits in working days.

Plain functions first (the poster and other renderers can import them), then the same
functions as template filters.
"""

from __future__ import annotations

import unicodedata

from django import template
from django.utils.translation import get_language, gettext, ngettext

register = template.Library()


def format_vnd(amount: int | None) -> str:
    """1000000 -> "1.000.000 đồng" (Vietnamese grouping); English pages get "1,000,000 VND"."""
    if not amount:
        return gettext("Miễn phí")
    grouped = f"{amount:,}"
    if (get_language() or "vi").startswith("vi"):
        grouped = grouped.replace(",", ".")
    return gettext("%(amount)s đồng") % {"amount": grouped}


def time_limit(procedure) -> str:
    """ "Trong ngày", "3 ngày làm việc" or "Chưa quy định" when the catalogue says nothing."""
    if procedure.same_day:
        return gettext("Trong ngày")
    days = procedure.processing_days
    if days:
        return ngettext("%(days)d ngày làm việc", "%(days)d ngày làm việc", days) % {"days": days}
    return gettext("Chưa quy định")


def nfc(text: str) -> str:
    """Composed Unicode: Django's own language names come decomposed ("Tiếng Việt")."""
    return unicodedata.normalize("NFC", str(text))


register.filter("vnd", format_vnd)
register.filter("nfc", nfc)
register.filter("time_limit", time_limit)
