"""Online submission: the dossier a citizen's draft becomes (the drafts are in drafts.py),
the desk's check of it, and the supplement the citizen uploads into the same dossier.

Like `services`, every change is one function here that checks the owner or the officer's
right and the transition (workflow.TRANSITIONS), writes a history row and queues the
citizen's message in the same transaction. Files written by a refused action are removed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notifications.models import TemplateKey
from portal.models import User

from . import access, notify, paper_once, services

# The drafts' side (drafts.py), re-exported: callers use online.<name>.
from .drafts import (
    APPLICANT_FIELDS as APPLICANT_FIELDS,
    MAX_FILES_PER_DOCUMENT as MAX_FILES_PER_DOCUMENT,
    NotFound as NotFound,
    VirusFound as VirusFound,
    _check_citizen as _check_citizen,
    _delete_files as _delete_files,
    _draft_document as _draft_document,
    _owned_draft as _owned_draft,
    _sha256 as _sha256,
    _usable_store_item as _usable_store_item,
    accepts_online as accepts_online,
    attach_file as attach_file,
    bring_lines as bring_lines,
    check_upload as check_upload,
    choose_reuse as choose_reuse,
    citizen_drafts as citizen_drafts,
    delete_draft as delete_draft,
    open_draft as open_draft,
    originals_to_bring as originals_to_bring,
    profile_applicant as profile_applicant,
    purge_abandoned_drafts as purge_abandoned_drafts,
    receiving_units as receiving_units,
    remove_file as remove_file,
    reusable_offers as reusable_offers,
    save_draft as save_draft,
    start_draft as start_draft,
    virus_scan as virus_scan,
)
from .models import (
    Dossier,
    DossierChannel,
    DossierDocument,
    DossierEvent,
    DossierScan,
    DossierStatus,
    DraftFile,
    NotifyChannel,
    OnlineDraft,
    PaperKind,
    ResultDelivery,
)
from .selectors import today_local
from .services import InvalidInput, WrongStatus
from .workflow import NEW, Action, next_status

# Files one paper of a dossier may hold, all supplements counted.
MAX_SCANS_PER_DOCUMENT = 3 * MAX_FILES_PER_DOCUMENT


# ---------------------------------------------------------------------------------------
# Submitting: the draft becomes a dossier awaiting the desk's check


def _copy_to_scan(row: DossierDocument, item: DraftFile, citizen: User) -> DossierScan:
    scan = DossierScan(
        document=row,
        original_name=item.original_name or "scan",
        content_type=item.content_type,
        size=item.size,
        sha256=item.sha256,
        uploaded_by=citizen,
    )
    with item.file.open("rb") as handle:
        scan.file.save(item.original_name or "scan", File(handle), save=False)
    scan.save()
    written = services._written_files.get()
    if written is not None:
        written.append(scan.file.name)
    return scan


def submit_online(draft: OnlineDraft | int, *, citizen: User, now: dt.datetime | None = None):
    """Check everything and create the dossier at the chosen desk, status "submitted
    online, awaiting check"; the draft and its files are gone afterwards."""
    now = now or timezone.now()
    today = today_local(now)
    _check_citizen(citizen)
    with services._atomic_with_files():
        draft = _owned_draft(draft, citizen, lock=True)
        procedure = draft.procedure
        if not accepts_online(procedure):
            raise InvalidInput(_("Thủ tục này không còn nhận hồ sơ trực tuyến."))
        errors: dict[str, list[str]] = {}
        data = draft.applicant or {}
        applicant = services.Applicant(
            name=data.get("name", ""),
            id_number=data.get("id_number", ""),
            phone=data.get("phone", ""),
            email=data.get("email", ""),
            address=data.get("address", ""),
            organisation=data.get("organisation", ""),
        )
        try:
            applicant = services.validate_applicant(applicant)
        except InvalidInput as exc:
            errors.update(exc.errors)
        unit = draft.receiving_unit
        if unit is None or not receiving_units(procedure).filter(pk=unit.pk).exists():
            errors["receiving_unit"] = [_("Chọn nơi tiếp nhận hồ sơ.")]
        if draft.result_delivery not in ResultDelivery.values:
            errors["result_delivery"] = [_("Chọn cách nhận kết quả.")]
        contact = {NotifyChannel.SMS: applicant.phone, NotifyChannel.EMAIL: applicant.email}
        channels = [c for c in draft.notify_channels if c in contact]
        if any(not contact[c] for c in channels):
            errors["notify_channels"] = [
                _(
                    "Muốn nhận thông báo qua SMS hoặc thư điện tử thì phải ghi số điện thoại, "
                    "địa chỉ thư tương ứng."
                )
            ]
        # Messages go only to a contact the account proved it holds: an online form must not
        # send SMS or e-mail to any number typed into it.
        verified = {
            NotifyChannel.SMS: services.normalise_phone(citizen.phone)
            if citizen.phone_verified_at
            else None,
            NotifyChannel.EMAIL: (citizen.email or "").strip().lower()
            if citizen.email_verified_at
            else None,
        }
        typed = {
            NotifyChannel.SMS: services.normalise_phone(applicant.phone),
            NotifyChannel.EMAIL: (applicant.email or "").strip().lower(),
        }
        if "notify_channels" not in errors and any(
            typed[c] != verified[c] for c in channels if contact[c]
        ):
            errors["notify_channels"] = [
                _(
                    "Thông báo trực tuyến chỉ gửi đến số điện thoại, thư điện tử đã xác thực của "
                    "tài khoản. Sửa số điện thoại, thư điện tử hoặc bỏ chọn kênh nhận thông báo."
                )
            ]
        day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        limit = settings.ONLINE_SUBMISSIONS_PER_DAY
        sent_today = DossierEvent.objects.filter(
            action=Action.SUBMIT_ONLINE, actor=citizen, at__gte=day_start
        )
        if sent_today.count() >= limit:
            raise InvalidInput(
                _(
                    "Tài khoản đã nộp %(n)d hồ sơ trực tuyến hôm nay, mức tối đa trong một ngày. "
                    "Bản nháp được giữ lại: ông/bà có thể gửi vào ngày mai."
                )
                % {"n": limit}
            )
        files = list(draft.files.select_related("reused_from"))
        by_doc: dict[int, list[DraftFile]] = {}
        for item in files:
            by_doc.setdefault(item.catalogue_document_id, []).append(item)
        catalogue = list(procedure.documents.all())
        for doc in catalogue:
            items = by_doc.get(doc.pk, [])
            reuse = [i for i in items if i.reused_from_id]
            if reuse:
                stored = _usable_store_item(citizen, doc, reuse[0].reused_from_id, on=today)
                if stored is None or applicant.id_number != citizen.id_number:
                    errors[f"doc-{doc.pk}"] = [
                        _("Không dùng được giấy tờ trong kho cho giấy tờ này: hãy tải tệp lên.")
                    ]
            elif doc.required and not items:
                errors[f"doc-{doc.pk}"] = [_("Giấy tờ bắt buộc: hãy tải tệp lên.")]
        if errors:
            raise InvalidInput(_("Hồ sơ chưa gửi được: kiểm tra các mục được đánh dấu."), errors)
        if next_status(NEW, Action.SUBMIT_ONLINE) != DossierStatus.SUBMITTED_ONLINE:
            raise WrongStatus(_("Không nộp được hồ sơ trực tuyến."))

        dossier = Dossier.objects.create(
            code=services.next_dossier_code(unit, today),
            procedure=procedure,
            **applicant.dossier_fields(),
            notify_channels=channels,
            receiving_unit=unit,
            competent_unit=unit,
            channel=DossierChannel.ONLINE,
            result_delivery=draft.result_delivery,
            status=DossierStatus.SUBMITTED_ONLINE,
            citizen=citizen,
        )
        reused_count = 0
        for position, doc in enumerate(catalogue):
            items = by_doc.get(doc.pk, [])
            row = DossierDocument.objects.create(
                dossier=dossier,
                catalogue_document=doc,
                position=position,
                name=doc.name_vi,
                required=doc.required,
                provided=bool(items),
            )
            for item in items:
                if item.reused_from_id:
                    paper_once.apply_reuse(row, item.reused_from, actor=citizen, now=now)
                    reused_count += 1
                else:
                    _copy_to_scan(row, item, citizen)
        names = [item.file.name for item in files if item.file]
        draft.delete()
        transaction.on_commit(lambda: _delete_files(names))
        event = services._event(
            dossier,
            Action.SUBMIT_ONLINE,
            citizen,
            now,
            NEW,
            files=sum(1 for item in files if not item.reused_from_id),
            reused=reused_count,
        )
        notify.citizen_about(dossier, event)
    return dossier


# ---------------------------------------------------------------------------------------
# The desk's check: accept, ask for a supplement, refuse


def _online_only(d: Dossier) -> None:
    if d.channel != DossierChannel.ONLINE:
        raise WrongStatus(_("Thao tác này chỉ dành cho hồ sơ nộp trực tuyến."))


def accept_online(dossier, *, actor: User, version: int | None = None, now=None, note=""):
    """The desk found the online dossier complete: received now, the clock starts, the
    receipt (01) is issued and sent to the citizen's account and contacts."""

    def apply(d: Dossier, at):
        _online_only(d)
        missing = [row.name for row in d.documents.all() if row.required and not row.provided]
        if missing:
            raise InvalidInput(
                _("Hồ sơ còn thiếu giấy tờ bắt buộc: %(names)s. Hãy yêu cầu bổ sung.")
                % {"names": "; ".join(missing)},
                {"documents": missing},
            )
        d.received_by = actor
        services._mark_received(d, actor=actor, at=at, online=True)
        paper_once.remember_accepted_documents(d, actor=actor, now=at)
        # The ID number is not verified here: the officer has only seen a scan. It is when
        # the applicant collects the result in person (services.verify_citizen_identity).
        return {}

    return services._act(
        dossier, Action.RECEIVE, actor=actor, version=version, now=now, apply=apply, note=note
    )


def request_online_supplement(
    dossier,
    *,
    actor: User,
    documents: Sequence[int] = (),
    note: str = "",
    version: int | None = None,
    now=None,
):
    """The online dossier lacks papers: the officer ticks exactly which (rows of this
    dossier) and may add a note; the supplement request (02) lists them and the citizen
    uploads only those."""
    note = (note or "").strip()
    wanted = {int(pk) for pk in documents}
    if not wanted:
        raise InvalidInput(
            _("Đánh dấu giấy tờ còn thiếu hoặc cần nộp lại."),
            {"documents": [_("Chọn ít nhất một giấy tờ.")]},
        )

    def apply(d: Dossier, at):
        _online_only(d)
        rows = [row for row in d.documents.all() if row.pk in wanted]
        if len(rows) != len(wanted):
            raise InvalidInput(
                _("Giấy tờ không thuộc hồ sơ này."), {"documents": [str(pk) for pk in wanted]}
            )
        for row in rows:
            row.provided = False
            row.save(update_fields=["provided"])
        d.supplement_note = "\n".join([f"- {row.name}" for row in rows] + ([note] if note else []))
        services.issue_paper(
            d,
            PaperKind.SUPPLEMENT,
            actor=actor,
            now=at,
            missing=d.supplement_note,
            stage="reception",
        )
        catalogue = [row.catalogue_document for row in rows if row.catalogue_document_id]
        # The scans already there were not accepted: never kept in the citizen's store.
        refused = DossierScan.objects.filter(document__in=rows).order_by("pk")
        return {
            **paper_once.supplement_data(catalogue),
            "missing_rows": [r.pk for r in rows],
            "refused_scans": list(refused.values_list("pk", flat=True)),
        }

    return services._act(
        dossier,
        Action.RECEIVE_INCOMPLETE,
        actor=actor,
        version=version,
        now=now,
        apply=apply,
        note=note,
    )


def refuse_dossier(dossier, *, actor: User, reason: str, version: int | None = None, now=None):
    """Not eligible: refused with the reason (form 03), before any processing."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Ghi rõ lý do từ chối."), {"reason": [_("Bắt buộc.")]})

    def apply(d: Dossier, at):
        d.reason = reason
        services.issue_paper(
            d, PaperKind.REFUSAL, actor=actor, now=at, reason=reason, stage="reception"
        )
        return {}

    return services._act(
        dossier, Action.REFUSE, actor=actor, version=version, now=now, apply=apply, note=reason
    )


# The desk's actions on an online dossier, beside services.ACTION_SERVICES.
DESK_ACTION_SERVICES = {
    Action.RECEIVE: accept_online,
    Action.RECEIVE_INCOMPLETE: request_online_supplement,
    Action.REFUSE: refuse_dossier,
}


# ---------------------------------------------------------------------------------------
# The citizen's supplement, into the same dossier


def missing_rows(dossier: Dossier) -> list[DossierDocument]:
    """What the citizen may upload now: at reception (incomplete), exactly the papers the
    desk ticked; during processing (supplement requested), the papers the specialist
    asked for, or any paper of the dossier when the request named none."""
    if dossier.status == DossierStatus.INCOMPLETE:
        action, key = Action.RECEIVE_INCOMPLETE, "missing_rows"
    elif dossier.status == DossierStatus.SUPPLEMENT_REQUESTED:
        action, key = Action.REQUEST_SUPPLEMENT, "missing_documents"
    else:
        return []
    event = (
        DossierEvent.objects.filter(dossier=dossier, action=action).order_by("-at", "-id").first()
    )
    rows = list(dossier.documents.all())
    asked = (event.data or {}).get(key) if event else None
    if key == "missing_rows":
        wanted = set(asked or ())
        return [row for row in rows if row.pk in wanted and not row.provided]
    wanted = {item.get("id") for item in asked or () if isinstance(item, dict)}
    if not wanted:
        return rows
    return [row for row in rows if row.catalogue_document_id in wanted]


def may_supplement_online(user: User, dossier: Dossier) -> bool:
    return (
        dossier.channel == DossierChannel.ONLINE
        and next_status(dossier.status, Action.SUPPLEMENT_ONLINE) is not None
        and access.may_act(user, Action.SUPPLEMENT_ONLINE, dossier)
    )


def supplement_online(
    dossier,
    *,
    citizen: User,
    uploads: Mapping[int, Sequence[UploadedFile]],
    version: int | None = None,
    now=None,
):
    """The citizen uploads the papers asked for, into the same dossier rows. At reception
    every ticked paper is needed and the dossier goes back to the desk's check; during
    processing the specialist then receives the supplement (the clock resumes there)."""
    uploads = {int(pk): [u for u in files if u] for pk, files in uploads.items()}
    uploads = {pk: files for pk, files in uploads.items() if files}
    checked = [(pk, u, check_upload(u)) for pk, files in uploads.items() for u in files]

    def apply(d: Dossier, at):
        if d.citizen_id != citizen.pk:
            raise NotFound(_("Không tìm thấy hồ sơ này trong tài khoản của bạn."))
        _online_only(d)
        allowed = {row.pk: row for row in missing_rows(d)}
        unknown = [pk for pk in uploads if pk not in allowed]
        if unknown:
            raise InvalidInput(
                _("Chỉ tải lên các giấy tờ được yêu cầu bổ sung."),
                {"documents": [str(pk) for pk in unknown]},
            )
        if not uploads:
            raise InvalidInput(
                _("Chọn tệp cho giấy tờ cần bổ sung."), {"documents": [_("Chưa có tệp.")]}
            )
        if d.status == DossierStatus.INCOMPLETE:
            lacking = [row.name for pk, row in allowed.items() if pk not in uploads]
            if lacking:
                raise InvalidInput(
                    _("Còn thiếu: %(names)s.") % {"names": "; ".join(lacking)},
                    {f"row-{pk}": [_("Bắt buộc.")] for pk in allowed if pk not in uploads},
                )
        for pk, files in uploads.items():
            # A supplement during processing can be sent more than once: the rows' files
            # are capped so that repeated uploads cannot fill the storage.
            if len(files) + allowed[pk].scans.count() > MAX_SCANS_PER_DOCUMENT:
                message = _("Tối đa %(n)d tệp cho một giấy tờ của hồ sơ.") % {
                    "n": MAX_SCANS_PER_DOCUMENT
                }
                raise InvalidInput(message, {f"row-{pk}": [message]})
        for pk, upload, content_type in checked:
            row = allowed[pk]
            services._store_scan(row, upload, content_type, citizen)
        for pk in uploads:
            row = allowed[pk]
            if not row.provided:
                row.provided = True
                row.save(update_fields=["provided"])
        return {"documents": sorted(uploads), "files": len(checked)}

    return services._act(
        dossier,
        Action.SUPPLEMENT_ONLINE,
        actor=citizen,
        version=version,
        now=now,
        apply=apply,
    )


def citizen_dossier(citizen: User, code: str) -> Dossier:
    """The citizen's own online dossier by code, else NotFound."""
    found = (
        Dossier.objects.select_related("procedure", "receiving_unit")
        .filter(code=code, citizen_id=getattr(citizen, "pk", None))
        .filter(Q(channel=DossierChannel.ONLINE))
        .first()
    )
    if found is None:
        raise NotFound(_("Không tìm thấy hồ sơ này trong tài khoản của bạn."))
    return found


# ---------------------------------------------------------------------------------------
# What the messages say (dossiers/notify.py asks)


def account_url(dossier: Dossier) -> str:
    """The citizen's page of the dossier (in the account), where papers are downloaded."""
    try:
        path = reverse("citizens:dossier", args=[dossier.code])
    except NoReverseMatch:
        path = f"/account/dossiers/{dossier.code}/"
    return f"{settings.SITE_URL}{path}"


def paper_url(dossier: Dossier, paper) -> str:
    """The citizen's download of an issued paper (the receipt), from their account."""
    try:
        path = reverse("citizens:paper-pdf", args=[dossier.code, paper.pk])
    except NoReverseMatch:
        return account_url(dossier)
    return f"{settings.SITE_URL}{path}"


def message_context(dossier: Dossier, event: DossierEvent, template: str) -> dict:
    context = {"account_url": account_url(dossier)}
    if template == TemplateKey.ONLINE_RECEIVED:
        receipt = dossier.papers.filter(kind=PaperKind.RECEIPT).order_by("-issued_at", "-id")
        context.update(
            received_at=timezone.localtime(dossier.received_at).date(),
            due_date=dossier.due_date,
            receipt_url=paper_url(dossier, receipt.first()) if receipt.exists() else "",
            bring=bring_lines(dossier.procedure, dossier.language),
        )
    return context


def supplement_note(dossier: Dossier) -> str:
    """The line added to the supplement request of an online dossier: upload online."""
    with translation.override(dossier.language):
        return _("Tải lên giấy tờ cần bổ sung tại: %(url)s") % {"url": account_url(dossier)}
