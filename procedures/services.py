"""Every state change of the catalogue goes through here."""

from __future__ import annotations

import uuid

from django.core.cache import cache, caches
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _, gettext_lazy

from portal import access
from portal.models import Unit, User
from portal.text import fold

from .models import Field, Procedure, Status, UnitProcedure

REVISION_KEY = "procedure-rev:{code}"
# In the per-process "local" cache: moved by an edit, it makes this process's copies of the
# procedure's pages stale (procedures/views.py).
LOCAL_GENERATION_KEY = "procedure-local-generation:{code}"


SEARCH_TEXT_SEPARATOR = " | "
SEARCH_TEXT_NAMES_END = ";"
SEARCH_VOCABULARY_KEY = "search-vocabulary"


def build_search_text(procedure: Procedure) -> str:
    """Folded words a citizen may type to find the procedure, in vi and en.

    Parts are joined by " | ", the folded names first, always in the same two places (vi,
    en; an empty English name leaves an empty part), then a ";" part that marks where the
    names end (fold() never makes a ";"), so that search can rank on the names cheaply
    (procedures/search.py); a phrase never matches across parts. The text starts and ends
    with the separator so that every word has a space on each side: " word " is a whole
    word, " word" the start of one.

        " | dang ky ket hon | marriage registration | ; | 1.000894 1 000894 | ... | "
    """
    names = [fold(procedure.name_vi or ""), fold(procedure.name_en or "")]
    field = procedure.field
    parts = [
        f"{procedure.code} {procedure.code.replace('.', ' ')}",
        f"{field.name_vi or ''} {field.name_en or ''} {field.code}",
    ]
    for document in procedure.documents.all():
        parts += [document.name_vi or "", document.name_en or ""]
    folded = [fold(part) for part in parts]
    return SEARCH_TEXT_SEPARATOR.join(
        ["", *names, SEARCH_TEXT_NAMES_END, *(part for part in folded if part), ""]
    )


def procedure_changed(procedure: Procedure) -> None:
    """Call after a procedure or any of its parts was saved: refresh the search text,
    bump the revision and, once the transaction commits, drop cached pages."""
    Procedure.objects.filter(pk=procedure.pk).update(
        search_text=build_search_text(procedure), revision=F("revision") + 1
    )
    code = procedure.code
    # Search's word list (procedures/search.py) is rebuilt on next use; dropped now for this
    # transaction and again after commit, in case another process rebuilt it in between.
    cache.delete(SEARCH_VOCABULARY_KEY)
    transaction.on_commit(lambda: cache.delete(SEARCH_VOCABULARY_KEY))
    transaction.on_commit(lambda: invalidate_procedure_cache(code))


def invalidate_procedure_cache(code: str) -> None:
    """Pages are cached under a key that includes the procedure's cache revision; moving the
    revision on makes every cached variant (language, unit) stale at once. This process's
    one-second copies (procedures/views.py) go at once too, by a new local generation;
    other processes drop theirs within that second."""
    key = REVISION_KEY.format(code=code)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, None)
    caches["local"].set(LOCAL_GENERATION_KEY.format(code=code), uuid.uuid4().hex, None)


def cache_revision(code: str) -> int:
    return cache.get_or_set(REVISION_KEY.format(code=code), 1, None)


# --- Publication workflow -------------------------------------------------------------
#
# The allowed transitions of a procedure's status, in one table: (status, action) -> new
# status. Anything not listed is refused. A published procedure is never turned back into
# a draft: its QR codes are on counters and must keep leading to a page.

PUBLISH = "publish"
ARCHIVE = "archive"
RESTORE = "restore"

TRANSITIONS: dict[tuple[str, str], str] = {
    (Status.DRAFT, PUBLISH): Status.PUBLISHED,
    (Status.PUBLISHED, ARCHIVE): Status.ARCHIVED,
    (Status.ARCHIVED, RESTORE): Status.PUBLISHED,
}

ACTION_LABELS = {
    PUBLISH: gettext_lazy("công bố"),
    ARCHIVE: gettext_lazy("bãi bỏ / thay thế"),
    RESTORE: gettext_lazy("khôi phục"),
}


class WorkflowError(Exception):
    """A catalogue state change that is not allowed; the message is shown to the user."""


class IllegalTransition(WorkflowError):
    pass


def next_status(status: str, action: str) -> str:
    """The status a procedure in `status` moves to by `action`, or IllegalTransition."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise IllegalTransition(
            _("Không thể %(action)s thủ tục đang ở trạng thái “%(status)s”.")
            % {"action": ACTION_LABELS.get(action, action), "status": Status(status).label}
        ) from None


def _check_editor(user: User) -> None:
    if not access.can_edit_catalogue(user):
        raise PermissionDenied(_("Chỉ quản trị cấp tỉnh được thay đổi danh mục thủ tục."))


def _move(procedure: Procedure, action: str, *, user: User, reason: str, **changes) -> Procedure:
    """Lock the row, check the transition, write status and `changes` with a history row
    naming the user, and refresh search text, revision and caches."""
    locked = Procedure.objects.select_for_update().get(pk=procedure.pk)
    locked.status = next_status(locked.status, action)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked._history_user = user
    locked._change_reason = reason
    locked.save(update_fields=["status", *changes, "updated_at"])
    procedure_changed(locked)
    locked.refresh_from_db()
    return locked


@transaction.atomic
def publish_procedure(procedure: Procedure, *, user: User) -> Procedure:
    """Draft -> published: the page and its QR link go live."""
    _check_editor(user)
    return _move(procedure, PUBLISH, user=user, reason=_("Công bố"))


@transaction.atomic
def archive_procedure(
    procedure: Procedure, *, user: User, successor: Procedure | None = None
) -> Procedure:
    """Published -> archived. The page stays up, says so and links to `successor` (a
    published procedure other than this one), so printed QR codes keep working."""
    _check_editor(user)
    # Lock both rows in a fixed order, so two archivals cannot deadlock and the successor
    # cannot be archived while it is being named.
    pks = [procedure.pk] + ([successor.pk] if successor is not None else [])
    rows = {
        p.pk: p for p in Procedure.objects.select_for_update().filter(pk__in=pks).order_by("pk")
    }
    next_status(rows[procedure.pk].status, ARCHIVE)
    if successor is None:
        reason = _("Bãi bỏ")
    elif successor.pk == procedure.pk:
        raise WorkflowError(_("Thủ tục không thể được thay thế bởi chính nó."))
    elif rows[successor.pk].status != Status.PUBLISHED:
        raise WorkflowError(
            _("Thủ tục thay thế %(code)s phải đang ở trạng thái đã công bố.")
            % {"code": successor.code}
        )
    else:
        reason = _("Bãi bỏ, thay thế bởi %(code)s") % {"code": successor.code}
    return _move(procedure, ARCHIVE, user=user, reason=reason, replaced_by=successor)


@transaction.atomic
def restore_procedure(procedure: Procedure, *, user: User) -> Procedure:
    """Archived -> published again (an archival made by mistake); the successor link goes."""
    _check_editor(user)
    return _move(procedure, RESTORE, user=user, reason=_("Khôi phục"), replaced_by=None)


def offering_changed(offering: UnitProcedure) -> None:
    """Call after a unit's offering (or its local forms) was saved or deleted: the
    procedure's page for that unit shows them, so its cached variants must go."""
    procedure_changed(offering.procedure)


def unit_changed(unit: Unit) -> None:
    """Call after a unit's own details (name, address, phone, hours) were saved: the pages
    of the procedures its desk offers show them, so their cached variants must go."""
    codes = list(UnitProcedure.objects.filter(unit=unit).values_list("procedure__code", flat=True))
    transaction.on_commit(lambda: [invalidate_procedure_cache(code) for code in codes])


def field_changed(field: Field) -> None:
    """Call after a field (lĩnh vực) was saved: its name is in the search text and on the
    page of every procedure in it."""
    for procedure in field.procedures.select_related("field").prefetch_related("documents"):
        procedure_changed(procedure)
