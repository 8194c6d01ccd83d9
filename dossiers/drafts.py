"""Online drafts: what the citizen fills in at home before submitting, saved as they go,
with the catalogue as the form reads it and every upload checked (type by content, size,
virus scan). `dossiers.online` re-exports these; submitting, the desk's check and the
supplement are there (ADR 0008)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from docstore import services as docstore
from docstore.models import StoredDocument
from portal.models import Unit, User
from procedures.models import OnlineLevel, Procedure, ProcedureDocument, Status

from . import access, notify, services
from .models import (
    DraftFile,
    NotifyChannel,
    OnlineDraft,
    ResultDelivery,
    private_storage,
)
from .selectors import today_local
from .services import InvalidInput, NotAllowed
from .workflow import Action

logger = logging.getLogger(__name__)


MAX_FILES_PER_DOCUMENT = 10
APPLICANT_FIELDS = ("name", "id_number", "phone", "email", "address", "organisation")


class NotFound(services.DossierError):
    """Another citizen's draft or dossier, or none at all: answered as 404."""

    status_code = 404


# ---------------------------------------------------------------------------------------
# The catalogue, as the online form reads it


def accepts_online(procedure: Procedure) -> bool:
    return procedure.status == Status.PUBLISHED and procedure.online_level in (
        OnlineLevel.FULL,
        OnlineLevel.PARTIAL,
    )


def receiving_units(procedure: Procedure) -> QuerySet[Unit]:
    """Where an online dossier may be sent: the units offering the procedure (an active
    UnitProcedure), else every active commune of the province."""
    offering = Unit.objects.filter(
        is_active=True, offerings__procedure=procedure, offerings__is_active=True
    )
    if offering.exists():
        return offering.distinct().order_by("code")
    communes = Unit.objects.filter(is_active=True, parent__isnull=False)
    if settings.PROVINCE_CODE:
        communes = communes.filter(parent__code=settings.PROVINCE_CODE)
    return communes.order_by("code")


def originals_to_bring(procedure: Procedure) -> list[ProcedureDocument]:
    """Partly-online procedures: the papers whose originals the citizen must still show at
    the desk, when collecting the result. Empty for fully online ones."""
    if procedure.online_level != OnlineLevel.PARTIAL:
        return []
    return [doc for doc in procedure.documents.all() if doc.originals > 0]


def bring_lines(procedure: Procedure, language: str = "vi") -> list[str]:
    """The same list as text lines for messages: "<name> (<n> bản chính)"."""
    lines = []
    for doc in originals_to_bring(procedure):
        name = (doc.name_en or doc.name_vi) if language != "vi" else doc.name_vi
        if language == "vi":
            lines.append(f"{name} ({doc.originals} bản chính)")
        else:
            lines.append(f"{name} ({doc.originals} original{'s' if doc.originals > 1 else ''})")
    return lines


# ---------------------------------------------------------------------------------------
# Uploads: type by content, size, virus scan


class VirusFound(InvalidInput):
    pass


def virus_scan(upload: UploadedFile) -> None:
    """Run settings.UPLOAD_VIRUS_SCANNER on the file, if one is configured. A finding, or a
    scanner that fails, refuses the file: nothing unchecked is kept."""
    path = getattr(settings, "UPLOAD_VIRUS_SCANNER", "")
    if not path:
        return
    scanner = import_string(path)
    upload.seek(0)
    try:
        found = scanner(upload)
    except Exception:  # the scanner's own failure must not let the file through
        logger.exception("virus scanner failed", extra={"file": upload.name})
        found = _("không kiểm tra được virus, vui lòng thử lại sau")
    finally:
        upload.seek(0)
    if found:
        raise VirusFound(
            _("Tệp %(name)s bị từ chối: %(found)s.") % {"name": upload.name, "found": found},
            {"scans": [_("Tệp bị từ chối khi quét virus.")]},
        )


def check_upload(upload: UploadedFile) -> str:
    """The file's real type (PDF, JPEG, PNG), after the size cap and the virus scan."""
    content_type = services.sniff_scan(upload)
    virus_scan(upload)
    return content_type


def _sha256(handle) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(64 * 1024), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


# ---------------------------------------------------------------------------------------
# Drafts


def _owned_draft(draft: OnlineDraft | int, citizen: User, *, lock: bool = False) -> OnlineDraft:
    pk = draft.pk if isinstance(draft, OnlineDraft) else draft
    qs = OnlineDraft.objects.select_related("procedure", "receiving_unit")
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = qs.filter(pk=pk, citizen_id=getattr(citizen, "pk", None)).first()
    if found is None:
        raise NotFound(_("Không tìm thấy bản nháp này trong tài khoản của bạn."))
    return found


def _check_citizen(citizen: User, action: str = Action.SUBMIT_ONLINE) -> None:
    if not access.may_act(citizen, action):
        raise NotAllowed(_("Chỉ tài khoản công dân mới nộp hồ sơ trực tuyến."))


def profile_applicant(citizen: User) -> dict:
    """The applicant as the account knows it: what the form starts with."""
    return {
        "name": citizen.get_full_name() or "",
        "id_number": citizen.id_number or "",
        "phone": citizen.phone or "",
        "email": citizen.email or "",
        "address": "",
        "organisation": "",
    }


def start_draft(
    citizen: User, procedure: Procedure, *, receiving_unit: Unit | None = None
) -> OnlineDraft:
    _check_citizen(citizen)
    if not accepts_online(procedure):
        raise InvalidInput(_("Thủ tục này không nhận hồ sơ trực tuyến."))
    if (
        receiving_unit is not None
        and not receiving_units(procedure).filter(pk=receiving_unit.pk).exists()
    ):
        receiving_unit = None
    channels = notify.default_channels(citizen.phone, citizen.email)
    return OnlineDraft.objects.create(
        citizen=citizen,
        procedure=procedure,
        receiving_unit=receiving_unit,
        applicant=profile_applicant(citizen),
        result_delivery=ResultDelivery.COUNTER,
        notify_channels=channels,
    )


def open_draft(
    citizen: User, procedure: Procedure, *, receiving_unit: Unit | None = None
) -> OnlineDraft:
    """The citizen's open draft of the procedure, else a new one (start_draft). The first
    page posts here: two posts of it at once (a double click on "send") share one draft,
    so they cannot become two dossiers. The account's row is locked for the check."""
    _check_citizen(citizen)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=citizen.pk).first()
        existing = citizen_drafts(citizen).filter(procedure=procedure).first()
        if existing is not None:
            return existing
        return start_draft(citizen, procedure, receiving_unit=receiving_unit)


def save_draft(
    draft: OnlineDraft | int,
    *,
    citizen: User,
    applicant: Mapping[str, str],
    receiving_unit: Unit | None,
    result_delivery: str,
    notify_channels: Sequence[str],
) -> OnlineDraft:
    """Keep what was typed, as typed (checked only when submitting). A unit that does not
    take the procedure, or an unknown delivery, is not kept."""
    with transaction.atomic():
        draft = _owned_draft(draft, citizen, lock=True)
        draft.applicant = {key: str(applicant.get(key) or "")[:500] for key in APPLICANT_FIELDS}
        allowed = receiving_unit is not None and (
            receiving_units(draft.procedure).filter(pk=receiving_unit.pk).exists()
        )
        draft.receiving_unit = receiving_unit if allowed else None
        draft.result_delivery = result_delivery if result_delivery in ResultDelivery.values else ""
        draft.notify_channels = [c for c in dict.fromkeys(notify_channels) if c in NotifyChannel]
        draft.save()
    return draft


def _draft_document(draft: OnlineDraft, catalogue_document_id: int) -> ProcedureDocument:
    doc = ProcedureDocument.objects.filter(
        pk=catalogue_document_id, procedure_id=draft.procedure_id
    ).first()
    if doc is None:
        raise InvalidInput(_("Giấy tờ không thuộc thủ tục này."))
    return doc


def _delete_files(names: Sequence[str]) -> None:
    for name in names:
        if name:
            private_storage.delete(name)


def attach_file(
    draft: OnlineDraft | int, *, citizen: User, catalogue_document_id: int, upload: UploadedFile
) -> DraftFile:
    """Keep one uploaded file of a paper at once (type by content, size, virus scan). It
    replaces a stored paper chosen for the same document."""
    content_type = check_upload(upload)
    with services._atomic_with_files():
        draft = _owned_draft(draft, citizen, lock=True)
        doc = _draft_document(draft, catalogue_document_id)
        existing = draft.files.filter(catalogue_document=doc)
        if existing.filter(reused_from__isnull=True).count() >= MAX_FILES_PER_DOCUMENT:
            raise InvalidInput(
                _("Tối đa %(n)d tệp cho một giấy tờ.") % {"n": MAX_FILES_PER_DOCUMENT}
            )
        existing.filter(reused_from__isnull=False).delete()
        item = DraftFile(
            draft=draft,
            catalogue_document=doc,
            original_name=(upload.name or "scan")[:255],
            content_type=content_type,
            size=upload.size or 0,
            sha256=_sha256(upload),
        )
        item.file.save(upload.name or "scan", upload, save=False)
        services._written_files.get().append(item.file.name)
        item.save()
        draft.save(update_fields=["updated_at"])
    return item


def remove_file(draft: OnlineDraft | int, *, citizen: User, file_id: int) -> None:
    with transaction.atomic():
        draft = _owned_draft(draft, citizen, lock=True)
        item = draft.files.filter(pk=file_id).first()
        if item is None:
            raise NotFound(_("Không tìm thấy tệp này."))
        name = item.file.name
        item.delete()
        draft.save(update_fields=["updated_at"])
        transaction.on_commit(lambda: _delete_files([name]))


def reusable_offers(draft: OnlineDraft, citizen: User, *, on: dt.date) -> dict[int, list]:
    """For each catalogue document, the account holder's stored papers of its type still
    valid on `on`, offered only once an officer has verified the account's ID number."""
    if not (citizen.id_verified_at and citizen.id_number):
        return {}
    offers: dict[int, list[StoredDocument]] = {}
    for doc in draft.procedure.documents.all():
        if doc.doc_type_id:
            found = list(docstore.reusable_documents(citizen.id_number, doc.doc_type_id, on=on))
            if found:
                offers[doc.pk] = found
    return offers


def _usable_store_item(
    citizen: User, doc: ProcedureDocument, stored_id: int | None, *, on: dt.date
) -> StoredDocument | None:
    if not (stored_id and citizen.id_verified_at and citizen.id_number and doc.doc_type_id):
        return None
    return (
        docstore.reusable_documents(citizen.id_number, doc.doc_type_id, on=on)
        .filter(pk=stored_id)
        .first()
    )


def choose_reuse(
    draft: OnlineDraft | int,
    *,
    citizen: User,
    catalogue_document_id: int,
    stored_id: int | None,
    now: dt.datetime | None = None,
) -> DraftFile | None:
    """Use a paper from the citizen's store instead of uploading it (stored_id), or stop
    using it (None). Only the account's own, valid papers of the document's type."""
    now = now or timezone.now()
    with transaction.atomic():
        draft = _owned_draft(draft, citizen, lock=True)
        doc = _draft_document(draft, catalogue_document_id)
        current = draft.files.filter(catalogue_document=doc, reused_from__isnull=False)
        if stored_id is None:
            current.delete()
            return None
        stored = _usable_store_item(citizen, doc, stored_id, on=today_local(now))
        if stored is None:
            raise InvalidInput(
                _(
                    "Không dùng được giấy tờ này từ kho: giấy tờ đã hết hạn, không đúng loại "
                    "hoặc không phải của chủ tài khoản."
                ),
                {f"doc-{doc.pk}": [_("Không dùng được giấy tờ trong kho.")]},
            )
        if current.filter(reused_from=stored).exists():
            return current.first()
        current.delete()
        uploads = list(draft.files.filter(catalogue_document=doc))
        names = [item.file.name for item in uploads]
        draft.files.filter(pk__in=[item.pk for item in uploads]).delete()
        transaction.on_commit(lambda: _delete_files(names))
        item = DraftFile.objects.create(
            draft=draft, catalogue_document=doc, reused_from=stored, original_name=stored.name[:255]
        )
        draft.save(update_fields=["updated_at"])
    return item


def delete_draft(draft: OnlineDraft | int, *, citizen: User) -> None:
    with transaction.atomic():
        draft = _owned_draft(draft, citizen, lock=True)
        names = [name for name in draft.files.values_list("file", flat=True) if name]
        draft.delete()
        transaction.on_commit(lambda: _delete_files(names))


def purge_abandoned_drafts(now: dt.datetime | None = None) -> int:
    """Drafts untouched for ONLINE_DRAFT_MAX_AGE_DAYS are deleted with their files: uploads
    of personal papers are not kept for ever for a submission nobody finished. Returns how
    many drafts went."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=settings.ONLINE_DRAFT_MAX_AGE_DAYS)
    purged = 0
    stale = OnlineDraft.objects.filter(updated_at__lt=cutoff).order_by("pk")
    for pk in stale.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            # Re-checked under the lock: the citizen may be saving it right now.
            draft = (
                OnlineDraft.objects.select_for_update().filter(pk=pk, updated_at__lt=cutoff).first()
            )
            if draft is None:
                continue
            names = [name for name in draft.files.values_list("file", flat=True) if name]
            draft.delete()
            transaction.on_commit(lambda names=names: _delete_files(names))
            purged += 1
    return purged


def citizen_drafts(citizen: User) -> QuerySet[OnlineDraft]:
    return (
        OnlineDraft.objects.filter(citizen_id=getattr(citizen, "pk", None))
        .select_related("procedure", "receiving_unit")
        .order_by("-updated_at", "-id")
    )
