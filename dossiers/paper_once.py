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
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext as _

from docstore import services as docstore
from docstore.models import StoredDocument
from portal import access as portal_access
from portal.models import Role, Unit, User
from procedures.models import ProcedureDocument

from .models import Dossier, DossierDocument, DossierEvent, DossierScan, DossierStatus
from .selectors import today_local
from .workflow import Action


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
    # Scans the desk sent back (an online dossier's supplement request) were not accepted.
    refused = {
        pk
        for data in DossierEvent.objects.filter(
            dossier=dossier, action=Action.RECEIVE_INCOMPLETE
        ).values_list("data", flat=True)
        for pk in (data or {}).get("refused_scans", ())
    }
    day = today_local(now)
    stored: list[StoredDocument] = []
    for row in rows:
        doc_type = row.catalogue_document.doc_type
        for scan in row.scans.all():
            if scan.pk in refused:
                continue
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
        issued_on=today_local(dossier.finished_at or now),
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
    Requests naming no catalogue document, and events written before this existed, have
    no such key and count as unspecified."""
    named = [{"id": doc.pk, "name": doc.name_vi} for doc in documents]
    return {"missing_documents": named} if named else {}


# ---------------------------------------------------------------------------------------
# The report: how often papers were reused, and what citizens are still asked for


def report_units(user: User) -> QuerySet[Unit]:
    """Units whose paper-once report the user may read: a province admin every unit of the
    province, a leader or commune admin their own unit, nobody else any."""
    if portal_access.is_province_admin(user):
        return portal_access.visible_units(user)
    if user.is_active and user.role in (Role.LEADER, Role.COMMUNE_ADMIN) and user.unit_id:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


@dataclass
class ProcedureReuse:
    code: str
    name: str
    dossiers: int
    provided: int
    reused: int
    dossiers_reusing: int

    @property
    def rate(self) -> float | None:
        """Share of the papers handed in that came from the store."""
        return self.reused / self.provided if self.provided else None


@dataclass
class AskedDocument:
    document_id: int | None
    name: str
    procedure_code: str
    procedure_name: str
    asked: int
    at_reception: int
    in_processing: int


@dataclass
class ReuseReport:
    unit: Unit
    start: dt.date
    end: dt.date
    procedures: list[ProcedureReuse]
    asked: list[AskedDocument]
    unspecified_requests: int

    @property
    def totals(self) -> ProcedureReuse:
        rows = self.procedures
        return ProcedureReuse(
            code="",
            name="",
            dossiers=sum(r.dossiers for r in rows),
            provided=sum(r.provided for r in rows),
            reused=sum(r.reused for r in rows),
            dossiers_reusing=sum(r.dossiers_reusing for r in rows),
        )


SUPPLEMENT_ACTIONS = (Action.RECEIVE_INCOMPLETE, Action.REQUEST_SUPPLEMENT)
ASKED_LIMIT = 20


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _localised(vi: str | None, en: str | None) -> str:
    return (en if get_language() == "en" and en else vi) or ""


def reuse_report(unit: Unit, start: dt.date, end: dt.date) -> ReuseReport:
    """The paper-once report of a receiving unit for the days `start`..`end` (inclusive),
    in a constant number of queries (SQL aggregation), whatever the number of dossiers."""
    since, until = _bounds(start, end)
    received = Dossier.objects.filter(
        receiving_unit=unit, received_at__gte=since, received_at__lt=until
    )
    reused = Q(documents__reused_from__isnull=False)
    rows = (
        received.values("procedure__code", "procedure__name_vi", "procedure__name_en")
        .annotate(
            dossiers=Count("id", distinct=True),
            provided=Count("documents", filter=Q(documents__provided=True)),
            reused=Count("documents", filter=reused),
            dossiers_reusing=Count("id", filter=reused, distinct=True),
        )
        .order_by("-dossiers", "procedure__code")
    )
    procedures = [
        ProcedureReuse(
            code=row["procedure__code"],
            name=_localised(row["procedure__name_vi"], row["procedure__name_en"]),
            dossiers=row["dossiers"],
            provided=row["provided"],
            reused=row["reused"],
            dossiers_reusing=row["dossiers_reusing"],
        )
        for row in rows
    ]
    events = DossierEvent.objects.filter(dossier__receiving_unit=unit, at__gte=since, at__lt=until)
    asked = _asked_documents(events)
    unspecified = (
        events.filter(action__in=SUPPLEMENT_ACTIONS)
        .exclude(data__has_key="missing_documents")
        .count()
    )
    return ReuseReport(unit, start, end, procedures, asked, unspecified)


def _asked_documents(events: QuerySet[DossierEvent]) -> list[AskedDocument]:
    """The catalogue documents most often asked for in supplement requests, from the
    `missing_documents` list the services write in the event's data. The list is unnested
    in SQL (json_each on SQLite, jsonb_array_elements on PostgreSQL)."""
    inner, params = events.values("id", "action", "data").query.sql_with_params()
    if connection.vendor == "postgresql":
        items = (
            "CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof("
            "e.data->'missing_documents') = 'array' THEN e.data->'missing_documents' "
            "ELSE '[]'::jsonb END) AS item"
        )
        doc_id = "CASE WHEN jsonb_typeof(item->'id') = 'number' THEN (item->>'id')::bigint END"
        name = "item->>'name'"
    else:
        items = (
            ", json_each(CASE WHEN json_type(e.data, '$.missing_documents') = 'array' "
            "THEN json_extract(e.data, '$.missing_documents') ELSE '[]' END) AS item"
        )
        doc_id = (
            "CASE WHEN json_type(item.value, '$.id') = 'integer' "
            "THEN json_extract(item.value, '$.id') END"
        )
        name = "json_extract(item.value, '$.name')"
    # Only constants and the ORM's own SQL are put together; every value is a parameter.
    sql = (
        f"SELECT {doc_id} AS doc_id, MAX({name}) AS name, COUNT(*) AS asked, "  # noqa: S608
        f"SUM(CASE WHEN e.action = %s THEN 1 ELSE 0 END) AS in_processing "
        f"FROM ({inner}) AS e {items} "
        f"GROUP BY {doc_id} ORDER BY asked DESC, MAX({name}) LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(Action.REQUEST_SUPPLEMENT), *params, ASKED_LIMIT])
        found = cursor.fetchall()
    catalogue = {
        doc.pk: doc
        for doc in ProcedureDocument.objects.filter(
            pk__in=[row[0] for row in found if row[0] is not None]
        ).select_related("procedure")
    }
    asked = []
    for doc_id, name, count, in_processing in found:
        doc = catalogue.get(doc_id)
        asked.append(
            AskedDocument(
                document_id=doc_id,
                name=doc.name if doc else (name or "—"),
                procedure_code=doc.procedure.code if doc else "",
                procedure_name=doc.procedure.name if doc else "",
                asked=count,
                at_reception=count - (in_processing or 0),
                in_processing=in_processing or 0,
            )
        )
    return asked
