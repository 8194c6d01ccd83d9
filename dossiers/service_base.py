"""The pieces every dossier service shares: its refusals (errors with the HTTP status the
API answers), the shapes of its input, scans checked and stored, codes, papers, history rows
and the steps of the control slip. `dossiers.services` re-exports them; the services
themselves (one per action) are there."""

from __future__ import annotations

import contextvars
import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.counters import next_number
from portal.errors import ServiceError
from portal.models import Unit, User
from workcalendar.clock import WorkCalendar

from . import selectors
from .models import (
    Dossier,
    DossierCounter,
    DossierDocument,
    DossierEvent,
    DossierScan,
    DossierStep,
    Paper,
    StepKind,
    private_storage,
)
from .papers import paper_snapshot


class DossierError(ServiceError):
    """A refused action on a dossier (portal.errors.ServiceError)."""


class InvalidInput(DossierError):
    status_code = 400


class NotAllowed(DossierError):
    status_code = 403


class WrongStatus(DossierError):
    status_code = 409


class StaleDossier(DossierError):
    status_code = 409


# ---------------------------------------------------------------------------------------
# Input shapes


@dataclass
class Applicant:
    name: str
    id_number: str
    phone: str = ""
    email: str = ""
    address: str = ""
    organisation: str = ""
    language: str = "vi"

    def dossier_fields(self) -> dict:
        """The dossier's applicant columns (after validate_applicant)."""
        return {
            "applicant_name": self.name,
            "applicant_id_number": self.id_number,
            "applicant_phone": self.phone,
            "applicant_email": self.email,
            "applicant_address": self.address.strip(),
            "organisation_name": self.organisation.strip(),
            "language": self.language,
        }


@dataclass
class HandedIn:
    """One line of the reception checklist."""

    catalogue_document_id: int | None
    provided: bool
    originals: int = 0
    copies: int = 0
    name: str = ""  # for papers not in the catalogue's list
    scans: Sequence[UploadedFile] = field(default_factory=tuple)
    # Paper once: the stored document (docstore) the citizen consented to reuse instead of
    # handing the paper in again; the paper then counts as provided.
    reuse_stored_id: int | None = None

    def __post_init__(self):
        if self.reuse_stored_id:
            self.provided = True


_ID_NUMBER = re.compile(r"^(\d{9}|\d{12})$")
_PHONE = re.compile(r"^\+?\d{9,12}$")


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"[\s.\-()]", "", phone or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    return digits


def is_phone(phone: str) -> bool:
    """A phone number as normalise_phone writes it (9 to 12 digits)."""
    return bool(_PHONE.match(phone))


def validate_applicant(applicant: Applicant) -> Applicant:
    errors: dict[str, list[str]] = {}
    applicant.name = " ".join((applicant.name or "").split())
    applicant.id_number = (applicant.id_number or "").strip()
    applicant.phone = normalise_phone(applicant.phone)
    applicant.email = (applicant.email or "").strip().lower()
    if not applicant.name:
        errors["applicant_name"] = [_("Nhập họ và tên người nộp.")]
    if not _ID_NUMBER.match(applicant.id_number):
        errors["applicant_id_number"] = [_("Số định danh phải gồm 12 chữ số (hoặc CMND 9 số).")]
    if applicant.phone and not is_phone(applicant.phone):
        errors["applicant_phone"] = [_("Số điện thoại không hợp lệ.")]
    if applicant.email and ("@" not in applicant.email or len(applicant.email) > 254):
        errors["applicant_email"] = [_("Địa chỉ thư điện tử không hợp lệ.")]
    if applicant.language not in dict(settings.LANGUAGES):
        errors["language"] = [_("Ngôn ngữ không hợp lệ.")]
    if errors:
        raise InvalidInput(_("Thông tin người nộp chưa hợp lệ."), errors)
    return applicant


# ---------------------------------------------------------------------------------------
# Scans: type checked by content, size capped, stored outside the web root.

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_scan(upload: UploadedFile) -> str:
    """The file's real type from its first bytes, or InvalidInput."""
    if upload.size is not None and upload.size > settings.SCAN_MAX_BYTES:
        raise InvalidInput(
            _("Tệp %(name)s quá lớn (tối đa %(mb)s MB).")
            % {"name": upload.name, "mb": settings.SCAN_MAX_BYTES // (1024 * 1024)},
            {"scans": [_("Tệp quá lớn.")]},
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    raise InvalidInput(
        _("Tệp %(name)s không phải PDF, JPEG hoặc PNG.") % {"name": upload.name},
        {"scans": [_("Chỉ nhận tệp PDF, JPEG hoặc PNG.")]},
    )


def _store_scan(document: DossierDocument, upload: UploadedFile, content_type: str, actor: User):
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    scan = DossierScan(
        document=document,
        original_name=(upload.name or "scan")[:255],
        content_type=content_type,
        size=upload.size or 0,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    scan.file.save(upload.name or "scan", upload, save=False)
    scan.save()
    written = _written_files.get()
    if written is not None:
        written.append(scan.file.name)
    return scan


_written_files: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "written_files", default=None
)


@contextmanager
def _atomic_with_files():
    """A transaction that also removes the scan files it wrote when it rolls back, so a
    refused action leaves neither rows nor files behind."""
    written: list[str] = []
    token = _written_files.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for name in written:
            private_storage.delete(name)
        raise
    finally:
        _written_files.reset(token)


# ---------------------------------------------------------------------------------------
# Codes, papers, history


def next_dossier_code(unit: Unit, day: dt.date) -> str:
    """`<unit code>-<YYMMDD>-<NNNN>`, the running number per unit per day taken under a row
    lock, so two desks receiving at the same moment never get the same code."""
    number = next_number(DossierCounter, unit=unit, day=day)
    return f"{unit.code}-{day:%y%m%d}-{number:04d}"


def issue_paper(dossier: Dossier, kind: str, *, actor: User | None, now: dt.datetime, **content):
    # The paper keeps what it says about the dossier as at issue, so a reprint is the same.
    content["dossier"] = paper_snapshot(dossier, actor)
    return Paper.objects.create(
        dossier=dossier,
        kind=kind,
        token=Paper.new_token(),
        issued_at=now,
        issued_by=actor,
        content=content,
    )


def _event(dossier, action, actor, now, from_status, note="", **data) -> DossierEvent:
    # Every change of a dossier writes its event: the desk's cached list counts of its
    # units are stale from now on (selectors.cached_counts).
    selectors.lists_changed(
        dossier.receiving_unit_id, dossier.competent_unit_id, getattr(actor, "unit_id", None)
    )
    return DossierEvent.objects.create(
        dossier=dossier,
        action=action,
        actor=actor,
        at=now,
        from_status=from_status,
        to_status=dossier.status,
        note=note,
        data=data,
    )


def _local(now: dt.datetime) -> dt.datetime:
    return timezone.localtime(now)


def calendar_for(dossier: Dossier) -> WorkCalendar:
    # The appointment is kept at the receiving desk: its calendar (Saturday service,
    # province days off) decides the working days.
    return WorkCalendar.for_unit(dossier.receiving_unit)


def step_dues(dossier: Dossier, calendar: WorkCalendar) -> dict[str, dt.date]:
    """Each step's share of the time limit (form 05). Approval gets the last working day
    when the limit is 3 days or more; processing gets the rest; return is on the due day."""
    due = dossier.due_date
    days = dossier.procedure.processing_days or 0
    approval_share = 1 if days >= 3 else 0
    processing_due = due
    if approval_share:
        # Go back one working day from the due date.
        candidate = due - dt.timedelta(days=1)
        while not calendar.is_working_day(candidate):
            candidate -= dt.timedelta(days=1)
        processing_due = max(candidate, dossier.counts_from)
    return {
        StepKind.RECEPTION: dossier.counts_from,
        StepKind.PROCESSING: processing_due,
        StepKind.APPROVAL: due,
        StepKind.RETURN: due,
    }


def _open_step(dossier, kind, unit, handler, now, calendar) -> DossierStep:
    return DossierStep.objects.create(
        dossier=dossier,
        kind=kind,
        unit=unit,
        handler=handler,
        started_at=now,
        due=step_dues(dossier, calendar)[kind] if dossier.due_date else None,
    )


def _close_open_steps(dossier: Dossier, now: dt.datetime) -> None:
    dossier.steps.filter(finished_at__isnull=True).update(finished_at=now)
