"""Every state change of the catalogue goes through here."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from portal.text import fold

from .models import Procedure

REVISION_KEY = "procedure-rev:{code}"


def build_search_text(procedure: Procedure) -> str:
    """Folded words a citizen may type to find the procedure, in vi and en."""
    parts: list[str] = [procedure.code, procedure.code.replace(".", " ")]
    parts += [procedure.name_vi or "", procedure.name_en or ""]
    parts += [procedure.field.name_vi or "", procedure.field.name_en or "", procedure.field.code]
    for document in procedure.documents.all():
        parts += [document.name_vi or "", document.name_en or ""]
    return fold(" ".join(parts))


def procedure_changed(procedure: Procedure) -> None:
    """Call after a procedure or any of its parts was saved: refresh the search text,
    bump the revision and, once the transaction commits, drop cached pages."""
    Procedure.objects.filter(pk=procedure.pk).update(
        search_text=build_search_text(procedure), revision=F("revision") + 1
    )
    code = procedure.code
    transaction.on_commit(lambda: invalidate_procedure_cache(code))


def invalidate_procedure_cache(code: str) -> None:
    """Pages are cached under a key that includes the procedure's cache revision; moving the
    revision on makes every cached variant (language, unit) stale at once."""
    key = REVISION_KEY.format(code=code)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)


def cache_revision(code: str) -> int:
    return cache.get_or_set(REVISION_KEY.format(code=code), 1, None)
