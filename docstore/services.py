"""Every change to the citizen's document store, and the questions other apps ask it.

The store is keyed by personal ID number. It is filled by the dossier side (through
`dossiers.paper_once`) when an officer accepts a scan or the portal returns a result, and
read when a new dossier asks for a paper of a type already on file.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.core.files import File

from procedures.models import DocumentType

from .models import Source, StoredDocument, StoredDocumentQuerySet


def reusable_documents(
    id_number: str, doc_type: DocumentType | int | None, *, on: datetime.date
) -> StoredDocumentQuerySet:
    """The stored papers of `doc_type` held under `id_number` that are still valid on `on`
    (neither withdrawn nor expired), newest first. Empty when either is missing."""
    if not id_number or doc_type is None:
        return StoredDocument.objects.none()
    doc_type_id = doc_type.pk if isinstance(doc_type, DocumentType) else doc_type
    return (
        StoredDocument.objects.valid_on(on)
        .filter(id_number=id_number.strip(), doc_type_id=doc_type_id)
        .select_related("doc_type")
        .order_by("-issued_on", "-created_at", "-id")
    )


def valid_until(doc_type: DocumentType, issued_on: datetime.date | None) -> datetime.date | None:
    """The last day a paper of `doc_type` issued on `issued_on` may be used, or None when
    the type does not expire (or the day is unknown)."""
    months = doc_type.validity_months
    if not months or issued_on is None:
        return None
    # The same day number months later, or the month's last day when it has fewer days.
    return issued_on + relativedelta(months=months)


def remember_scan(
    *,
    id_number: str,
    doc_type: DocumentType,
    name: str,
    source_ref: str,
    file: File,
    original_name: str,
    content_type: str,
    size: int,
    sha256: str,
    added_by,
    on: datetime.date,
) -> StoredDocument | None:
    """Keep a copy of a scan an officer accepted, under its owner's ID number. The same
    file (by content) of the same type is kept once per owner: None when already there.

    What a scan's paper says about its own issue date is not typed in at the desk, so its
    validity is counted from the day it was accepted: a conservative upper bound an officer
    can correct in the admin."""
    id_number = (id_number or "").strip()
    if not id_number or not sha256:
        return None
    if StoredDocument.objects.filter(
        id_number=id_number, doc_type=doc_type, sha256=sha256
    ).exists():
        return None
    stored = StoredDocument(
        id_number=id_number,
        doc_type=doc_type,
        name=name[:500],
        valid_until=valid_until(doc_type, on),
        source=Source.SCAN,
        source_ref=source_ref[:64],
        original_name=(original_name or "")[:255],
        content_type=content_type,
        size=size,
        sha256=sha256,
        added_by=added_by,
    )
    stored.file.save(original_name or "scan", file, save=False)
    stored.save()
    return stored


def remember_result(
    *,
    id_number: str,
    doc_type: DocumentType,
    name: str,
    issuer: str,
    issued_on: datetime.date,
    source_ref: str,
    added_by,
) -> StoredDocument | None:
    """Keep the result the portal issued (no file: its name and reference stand for it).
    Once per owner, type and dossier: None when already there."""
    id_number = (id_number or "").strip()
    if not id_number:
        return None
    if StoredDocument.objects.filter(
        id_number=id_number, doc_type=doc_type, source=Source.RESULT, source_ref=source_ref
    ).exists():
        return None
    return StoredDocument.objects.create(
        id_number=id_number,
        doc_type=doc_type,
        name=name[:500],
        issuer=issuer[:255],
        issued_on=issued_on,
        valid_until=valid_until(doc_type, issued_on),
        source=Source.RESULT,
        source_ref=source_ref[:64],
        added_by=added_by,
    )


def revoke(stored: StoredDocument, *, now: datetime.datetime) -> bool:
    """Withdraw a stored paper (wrong owner, forged, replaced): it is no longer offered
    for reuse; dossiers that already reused it keep pointing at it. False when it was
    already withdrawn."""
    return bool(
        StoredDocument.objects.filter(pk=stored.pk, revoked_at__isnull=True).update(revoked_at=now)
    )
