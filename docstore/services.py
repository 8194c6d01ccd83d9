"""Every change to the citizen's document store, and the questions other apps ask it.

The store is keyed by personal ID number. It is filled by the dossier side (through
`dossiers.paper_once`) when an officer accepts a scan or the portal returns a result, and
read when a new dossier asks for a paper of a type already on file.
"""

from __future__ import annotations

import datetime

from procedures.models import DocumentType

from .models import StoredDocument, StoredDocumentQuerySet


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
