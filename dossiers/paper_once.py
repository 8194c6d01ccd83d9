"""Paper once, the dossier side: what a dossier puts into the citizen's document store,
what it takes from it, and what was asked to be supplemented (for the report).

The dossier services call these at the right moments, inside their transaction:
- a dossier received as complete (at the counter, completed after a supplement, or an
  online one accepted): `remember_accepted_documents`;
- a result returned: `remember_result`;
- a checklist line that reuses a stored paper: `check_reuse`, then `apply_reuse`.
The store itself (`docstore`) never hears of dossiers except by their code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from docstore import services as docstore
from docstore.models import StoredDocument
from portal.models import User
from procedures.models import ProcedureDocument

from .models import Dossier, DossierDocument, DossierEvent, DossierScan, DossierStatus
from .workflow import Action


def _local_day(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def _track_written(name: str) -> None:
    """A file written inside a dossier service is removed again if the service rolls back."""
    from . import services

    written = services._written_files.get()
    if written is not None:
        written.append(name)


# ---------------------------------------------------------------------------------------
# Filling the store


def remember_accepted_documents(
    dossier: Dossier, *, actor: User | None, now: dt.datetime
) -> list[StoredDocument]:
    """Every scan of a provided paper whose catalogue document has a type goes into the
    applicant's store (once per file and type). Papers reused from the store are not
    stored again. Call it when the dossier is received as complete."""
    if not dossier.applicant_id_number:
        return []
    rows = (
        DossierDocument.objects.filter(
            dossier=dossier,
            provided=True,
            reused_from__isnull=True,
            catalogue_document__doc_type__isnull=False,
        )
        .select_related("catalogue_document__doc_type")
        .prefetch_related(Prefetch("scans", queryset=DossierScan.objects.order_by("id")))
    )
    day = _local_day(now)
    stored: list[StoredDocument] = []
    for row in rows:
        doc_type = row.catalogue_document.doc_type
        for scan in row.scans.all():
            with scan.file.open("rb") as handle:
                item = docstore.remember_scan(
                    id_number=dossier.applicant_id_number,
                    doc_type=doc_type,
                    name=row.name,
                    source_ref=dossier.code,
                    file=handle,
                    original_name=scan.original_name,
                    content_type=scan.content_type,
                    size=scan.size,
                    sha256=scan.sha256,
                    added_by=actor,
                    on=day,
                )
            if item is not None:
                _track_written(item.file.name)
                stored.append(item)
    return stored


def _decided_favourably(dossier: Dossier) -> bool:
    """Approved (its last decision), or resolved at the counter in one sitting."""
    last = (
        DossierEvent.objects.filter(
            dossier=dossier,
            action__in=(Action.APPROVE, Action.DENY, Action.RECEIVE_AND_RETURN),
        )
        .order_by("-at", "-id")
        .values_list("action", flat=True)
        .first()
    )
    return last in (Action.APPROVE, Action.RECEIVE_AND_RETURN)


def remember_result(
    dossier: Dossier, *, actor: User | None, now: dt.datetime, favourable: bool | None = None
) -> StoredDocument | None:
    """The result handed over goes into the applicant's store when the procedure says
    what kind of paper it is (`result_type`) and the dossier was not denied.
    `favourable` says so when the caller knows (else the history is asked)."""
    doc_type = dossier.procedure.result_type
    if doc_type is None:
        return None
    if not (favourable if favourable is not None else _decided_favourably(dossier)):
        return None
    first_line = (dossier.result or "").strip().splitlines()
    name = f"{doc_type.name}: {first_line[0]}" if first_line else doc_type.name
    return docstore.remember_result(
        id_number=dossier.applicant_id_number,
        doc_type=doc_type,
        name=name,
        issuer=dossier.competent_unit.name,
        issued_on=_local_day(dossier.finished_at or now),
        source_ref=dossier.code,
        added_by=actor,
    )


def after_reception(
    dossier: Dossier,
    rows: dict[int, DossierDocument],
    reused: dict[int, StoredDocument],
    *,
    actor: User,
    now: dt.datetime,
) -> None:
    """At the counter: record the reused papers (rows keyed like `reused`, by the
    checklist line), then, when the dossier was received complete, fill the store."""
    for key, stored in reused.items():
        if key in rows:
            apply_reuse(rows[key], stored, actor=actor, now=now)
    if dossier.status in (DossierStatus.RECEIVED, DossierStatus.RETURNED):
        remember_accepted_documents(dossier, actor=actor, now=now)
    if dossier.status == DossierStatus.RETURNED:
        remember_result(dossier, actor=actor, now=now, favourable=True)


# ---------------------------------------------------------------------------------------
# Reuse


def offers(
    documents: Iterable[ProcedureDocument], id_number: str, *, on: dt.date
) -> dict[int, list[StoredDocument]]:
    """For each catalogue document with a type, the applicant's stored papers of that type
    still valid on `on` (one query for the whole checklist)."""
    wanted: dict[int, list[int]] = {}
    for doc in documents:
        if doc.doc_type_id:
            wanted.setdefault(doc.doc_type_id, []).append(doc.pk)
    id_number = (id_number or "").strip()
    if not wanted or not id_number:
        return {}
    found: dict[int, list[StoredDocument]] = {}
    stored = (
        StoredDocument.objects.valid_on(on)
        .filter(id_number=id_number, doc_type_id__in=wanted)
        .select_related("doc_type")
        .order_by("-issued_on", "-created_at", "-id")
    )
    for item in stored:
        for doc_id in wanted[item.doc_type_id]:
            found.setdefault(doc_id, []).append(item)
    return found


def check_reuse(
    catalogue: dict[int, ProcedureDocument],
    lines: Sequence,
    id_number: str,
    *,
    on: dt.date,
) -> dict[int, StoredDocument]:
    """The stored papers the checklist lines reuse, keyed by `id(line)`. Each must be of
    the catalogue document's type, the applicant's (same ID number), and valid on `on`;
    otherwise InvalidInput naming the papers, before anything is written."""
    from .services import InvalidInput

    wanted = [line for line in lines if getattr(line, "reuse_stored_id", None)]
    if not wanted:
        return {}
    found = StoredDocument.objects.in_bulk([line.reuse_stored_id for line in wanted])
    id_number = (id_number or "").strip()
    reused: dict[int, StoredDocument] = {}
    refused: list[str] = []
    for line in wanted:
        doc = catalogue.get(line.catalogue_document_id)
        stored = found.get(line.reuse_stored_id)
        usable = (
            doc is not None
            and stored is not None
            and doc.doc_type_id is not None
            and stored.doc_type_id == doc.doc_type_id
            and stored.id_number == id_number
            and stored.revoked_at is None
            and (stored.valid_until is None or stored.valid_until >= on)
        )
        if usable:
            reused[id(line)] = stored
        else:
            refused.append(doc.name if doc is not None else line.name or str(line.reuse_stored_id))
    if refused:
        raise InvalidInput(
            _(
                "Không dùng lại được giấy tờ trong kho cho: %(names)s. Giấy tờ đã hết hạn, "
                "đã bị thu hồi, không đúng loại hoặc không phải của người nộp."
            )
            % {"names": "; ".join(refused)},
            {"reuse": refused},
        )
    return reused


def apply_reuse(
    row: DossierDocument, stored: StoredDocument | None, *, actor: User, now: dt.datetime
) -> None:
    """Mark a paper as taken from the store with the citizen's consent (recorded by the
    officer), or clear a reuse the officer took back."""
    if stored is None:
        if row.reused_from_id is None:
            return
        row.reused_from = row.reuse_consent_at = row.reuse_consent_by = None
    else:
        if row.reused_from_id == stored.pk:
            return
        row.reused_from, row.provided = stored, True
        row.reuse_consent_at, row.reuse_consent_by = now, actor
    row.save(update_fields=["reused_from", "provided", "reuse_consent_at", "reuse_consent_by"])


# ---------------------------------------------------------------------------------------
# What citizens are asked to supplement (structured, for the report)


def supplement_data(documents: Iterable[ProcedureDocument]) -> dict:
    """The event `data` of a supplement request: which catalogue documents were missing.
    Events written before this existed have no such key and count as unspecified."""
    return {"missing_documents": [{"id": doc.pk, "name": doc.name_vi} for doc in documents]}
