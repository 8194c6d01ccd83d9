"""Every change of a dossier goes through one of these functions.

Each takes the acting user, locks the dossier row, checks the version the user saw, the
transition and the user's right, writes the change and a history row, and issues the
official paper that goes with it, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import Role, Unit, User
from procedures.models import Procedure, ProcedureDocument, Status
from workcalendar.clock import WorkCalendar

from . import access, notify, paper_once
from .models import (
    Dossier,
    DossierChannel,
    DossierDocument,
    DossierStatus,
    DossierStep,
    NotifyChannel,
    Paper,
    PaperKind,
    ResultDelivery,
    StepKind,
)

# The shared pieces (service_base.py), re-exported: callers use services.<name>.
from .service_base import (
    Applicant as Applicant,
    DossierError as DossierError,
    HandedIn as HandedIn,
    InvalidInput as InvalidInput,
    NotAllowed as NotAllowed,
    StaleDossier as StaleDossier,
    WrongStatus as WrongStatus,
    _atomic_with_files as _atomic_with_files,
    _close_open_steps as _close_open_steps,
    _event as _event,
    _local as _local,
    _open_step as _open_step,
    _store_scan as _store_scan,
    _written_files as _written_files,
    calendar_for as calendar_for,
    is_phone as is_phone,
    issue_paper as issue_paper,
    next_dossier_code as next_dossier_code,
    normalise_phone as normalise_phone,
    sniff_scan as sniff_scan,
    step_dues as step_dues,
    validate_applicant as validate_applicant,
)
from .workflow import NEW, Action, next_status

# ---------------------------------------------------------------------------------------
# Reception: the actions that create a dossier


def _check_documents(procedure: Procedure, handed_in: Iterable[HandedIn]):
    catalogue = {d.pk: d for d in procedure.documents.all()}
    lines = list(handed_in)
    by_id = {line.catalogue_document_id: line for line in lines if line.catalogue_document_id}
    unknown = [i for i in by_id if i not in catalogue]
    if unknown:
        raise InvalidInput(
            _("Giấy tờ không thuộc thủ tục này."), {"documents": [str(i) for i in unknown]}
        )
    missing = [
        doc
        for pk, doc in catalogue.items()
        if doc.required and not getattr(by_id.get(pk), "provided", False)
    ]
    return catalogue, lines, by_id, missing


def receive_dossier(
    *,
    actor: User,
    procedure: Procedure,
    applicant: Applicant,
    documents: Sequence[HandedIn],
    outcome: str = Action.RECEIVE,
    competent_unit: Unit | None = None,
    channel: str = DossierChannel.COUNTER,
    result_delivery: str = ResultDelivery.COUNTER,
    note: str = "",
    result: str = "",
    returned_to: str = "",
    notify_channels: Sequence[str] | None = None,
    now: dt.datetime | None = None,
) -> Dossier:
    """Reception at the desk. `outcome` is one of:
    - receive: complete, received; the clock starts and the receipt (01) is issued;
    - receive_incomplete: papers missing; a supplement request (02) lists exactly what,
      and the dossier is kept so the supplement continues it;
    - refuse: not eligible; a refusal (03) with the reason in `note`;
    - receive_and_return: a same-day dossier resolved at the counter in one sitting.
    """
    now = now or timezone.now()
    receiving_unit = actor.unit
    if outcome not in (
        Action.RECEIVE,
        Action.RECEIVE_INCOMPLETE,
        Action.REFUSE,
        Action.RECEIVE_AND_RETURN,
    ):
        raise InvalidInput(_("Kết quả tiếp nhận không hợp lệ."), {"outcome": [outcome]})
    if not access.may_act(actor, outcome, receiving_unit=receiving_unit):
        raise NotAllowed(_("Bạn không có quyền tiếp nhận hồ sơ tại đơn vị này."))
    if procedure.status != Status.PUBLISHED:
        raise InvalidInput(_("Thủ tục này không còn áp dụng."), {"procedure": [procedure.code]})
    if channel not in DossierChannel.values or result_delivery not in ResultDelivery.values:
        raise InvalidInput(_("Kênh nộp hoặc hình thức nhận kết quả không hợp lệ."))
    applicant = validate_applicant(applicant)
    competent_unit = competent_unit or receiving_unit
    catalogue, lines, by_id, missing = _check_documents(procedure, documents)
    note = (note or "").strip()

    if outcome == Action.RECEIVE and missing:
        raise InvalidInput(
            _("Hồ sơ còn thiếu giấy tờ bắt buộc: %(names)s.")
            % {"names": "; ".join(d.name for d in missing)},
            {"documents": [d.name for d in missing]},
        )
    if outcome == Action.RECEIVE_INCOMPLETE and not (missing or note):
        raise InvalidInput(
            _("Ghi rõ giấy tờ cần bổ sung."), {"note": [_("Ghi rõ giấy tờ cần bổ sung.")]}
        )
    if outcome == Action.REFUSE and not note:
        raise InvalidInput(_("Ghi rõ lý do từ chối."), {"note": [_("Ghi rõ lý do từ chối.")]})
    if outcome == Action.RECEIVE_AND_RETURN:
        if not procedure.same_day:
            raise InvalidInput(_("Chỉ thủ tục giải quyết trong ngày mới trả ngay tại quầy."))
        if missing:
            raise InvalidInput(
                _("Hồ sơ còn thiếu giấy tờ bắt buộc."), {"documents": [d.name for d in missing]}
            )
        if not result.strip() or not returned_to.strip():
            raise InvalidInput(
                _("Ghi kết quả và người nhận kết quả."),
                {"result": [_("Bắt buộc.")], "returned_to": [_("Bắt buộc.")]},
            )
    if notify_channels is None:
        notify_channels = notify.default_channels(applicant.phone, applicant.email)
    notify_channels = list(dict.fromkeys(notify_channels))
    contact = {NotifyChannel.SMS: applicant.phone, NotifyChannel.EMAIL: applicant.email}
    if any(channel not in contact or not contact[channel] for channel in notify_channels):
        raise InvalidInput(
            _(
                "Muốn nhận thông báo qua SMS hoặc thư điện tử thì phải ghi số điện thoại, "
                "địa chỉ thư tương ứng."
            ),
            {"notify_channels": [_("Thiếu số điện thoại hoặc địa chỉ thư.")]},
        )
    scans = [(line, upload, sniff_scan(upload)) for line in lines for upload in line.scans]
    reused = paper_once.check_reuse(catalogue, lines, applicant.id_number, on=_local(now).date())

    with _atomic_with_files():
        status = next_status(NEW, outcome)
        local_day = _local(now).date()
        dossier = Dossier(
            code=next_dossier_code(receiving_unit, local_day),
            procedure=procedure,
            **applicant.dossier_fields(),
            notify_channels=notify_channels,
            receiving_unit=receiving_unit,
            competent_unit=competent_unit,
            channel=channel,
            result_delivery=result_delivery,
            status=status,
            received_by=actor,
        )
        calendar = WorkCalendar.for_unit(receiving_unit)
        if status in (DossierStatus.RECEIVED, DossierStatus.RETURNED):
            _start_clock(dossier, calendar, now)
        if outcome == Action.REFUSE:
            dossier.reason = note
        if outcome == Action.RECEIVE_INCOMPLETE:
            dossier.supplement_note = _supplement_text(missing, note)
        if outcome == Action.RECEIVE_AND_RETURN:
            dossier.result = result.strip()
            dossier.returned_to = returned_to.strip()
            dossier.return_method = ResultDelivery.COUNTER
            dossier.finished_at = dossier.returned_at = now
        dossier.save()

        rows = _document_rows(dossier, catalogue, by_id, lines)
        for line, upload, content_type in scans:
            _store_scan(rows[id(line)], upload, content_type, actor)
        paper_once.after_reception(dossier, rows, reused, actor=actor, now=now)

        supplement = (
            paper_once.supplement_data(missing) if outcome == Action.RECEIVE_INCOMPLETE else {}
        )
        event = _event(dossier, outcome, actor, now, NEW, note=note, **supplement)
        if status == DossierStatus.RECEIVED:
            DossierStep.objects.create(
                dossier=dossier,
                kind=StepKind.RECEPTION,
                unit=receiving_unit,
                handler=actor,
                started_at=now,
                due=dossier.counts_from,
                finished_at=now,
            )
            _open_step(dossier, StepKind.PROCESSING, competent_unit, None, now, calendar)
            issue_paper(dossier, PaperKind.RECEIPT, actor=actor, now=now)
        elif status == DossierStatus.INCOMPLETE:
            issue_paper(
                dossier,
                PaperKind.SUPPLEMENT,
                actor=actor,
                now=now,
                missing=dossier.supplement_note,
                stage="reception",
            )
        elif status == DossierStatus.REFUSED:
            issue_paper(
                dossier, PaperKind.REFUSAL, actor=actor, now=now, reason=note, stage="reception"
            )
        elif status == DossierStatus.RETURNED:
            DossierStep.objects.create(
                dossier=dossier,
                kind=StepKind.RECEPTION,
                unit=receiving_unit,
                handler=actor,
                started_at=now,
                due=dossier.due_date,
                finished_at=now,
            )
            issue_paper(dossier, PaperKind.RECEIPT, actor=actor, now=now, no_appointment=True)
        notify.citizen_about(dossier, event)
    return dossier


def _supplement_text(missing, note: str) -> str:
    lines = [f"- {doc.name}" for doc in missing]
    if note:
        lines.append(note)
    return "\n".join(lines)


def _document_rows(dossier, catalogue, by_id, lines) -> dict[int, DossierDocument]:
    """One row per catalogue document (provided or not) plus extra papers handed in."""
    rows: dict[int, DossierDocument] = {}
    position = 0
    for pk, doc in catalogue.items():
        line = by_id.get(pk)
        row = DossierDocument.objects.create(
            dossier=dossier,
            catalogue_document=doc,
            position=position,
            name=doc.name_vi,
            required=doc.required,
            provided=bool(line and line.provided),
            originals=line.originals if line else 0,
            copies=line.copies if line else 0,
        )
        if line:
            rows[id(line)] = row
        position += 1
    for line in lines:
        if line.catalogue_document_id is None and line.name.strip():
            rows[id(line)] = DossierDocument.objects.create(
                dossier=dossier,
                position=position,
                name=line.name.strip(),
                required=False,
                provided=line.provided,
                originals=line.originals,
                copies=line.copies,
            )
            position += 1
    return rows


def _start_clock(dossier: Dossier, calendar: WorkCalendar, now: dt.datetime) -> None:
    procedure = dossier.procedure
    due = calendar.due_date(
        now, working_days=procedure.processing_days, same_day=procedure.same_day
    )
    dossier.received_at = now
    dossier.counts_from = due.counts_from
    dossier.due_date = dossier.original_due_date = due.due


def _mark_received(d: Dossier, *, actor: User, at: dt.datetime, **receipt) -> None:
    """An existing dossier is received now (completed at the desk, or an online one
    accepted): the clock starts, the reception step is done, the processing step opens and
    the receipt (01) is issued."""
    calendar = calendar_for(d)
    _start_clock(d, calendar, at)
    d.supplement_note = ""
    DossierStep.objects.create(
        dossier=d,
        kind=StepKind.RECEPTION,
        unit=d.receiving_unit,
        handler=actor,
        started_at=at,
        due=d.counts_from,
        finished_at=at,
    )
    _open_step(d, StepKind.PROCESSING, d.competent_unit, None, at, calendar)
    issue_paper(d, PaperKind.RECEIPT, actor=actor, now=at, **receipt)


# ---------------------------------------------------------------------------------------
# Actions on an existing dossier


def _act(
    dossier: Dossier | str,
    action: str,
    *,
    actor: User,
    version: int | None,
    now: dt.datetime | None,
    apply: Callable[[Dossier, dt.datetime], dict],
    note: str = "",
) -> Dossier:
    now = now or timezone.now()
    code = dossier if isinstance(dossier, str) else dossier.code
    with _atomic_with_files():
        locked = (
            Dossier.objects.select_for_update()
            .select_related("procedure", "receiving_unit", "competent_unit")
            .filter(code=code)
            .first()
        )
        if locked is None:
            raise InvalidInput(_("Không tìm thấy hồ sơ %(code)s.") % {"code": code})
        if version is not None and locked.version != version:
            raise StaleDossier(
                _("Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại trang rồi thao tác lại.")
            )
        target = next_status(locked.status, action)
        if target is None:
            raise WrongStatus(
                _("Không thể %(action)s khi hồ sơ đang ở trạng thái “%(status)s”.")
                % {"action": Action(action).label.lower(), "status": locked.get_status_display()}
            )
        if not access.may_act(actor, action, locked):
            raise NotAllowed(_("Bạn không có quyền thực hiện thao tác này với hồ sơ."))
        from_status = locked.status
        data = apply(locked, now) or {}
        locked.status = target
        locked.version += 1
        locked.save()
        event = _event(locked, action, actor, now, from_status, note=note, **data)
        notify.citizen_about(locked, event)
    return locked


def complete_reception(dossier, *, actor, documents: Sequence[HandedIn], version=None, now=None):
    """The citizen brought what was missing at reception: the dossier is received now."""

    def apply(d: Dossier, at):
        catalogue, lines, by_id, missing = _check_documents(d.procedure, documents)
        if missing:
            raise InvalidInput(
                _("Hồ sơ vẫn còn thiếu: %(names)s.")
                % {"names": "; ".join(m.name for m in missing)},
                {"documents": [m.name for m in missing]},
            )
        scans = [(line, u, sniff_scan(u)) for line in lines for u in line.scans]
        reused = paper_once.check_reuse(
            catalogue, lines, d.applicant_id_number, on=_local(at).date()
        )
        for row in d.documents.filter(catalogue_document_id__in=by_id):
            line = by_id[row.catalogue_document_id]
            row.provided, row.originals, row.copies = line.provided, line.originals, line.copies
            row.save(update_fields=["provided", "originals", "copies"])
            paper_once.apply_reuse(row, reused.get(id(line)), actor=actor, now=at)
            for scan_line, upload, content_type in scans:
                if scan_line is line:
                    _store_scan(row, upload, content_type, actor)
        paper_once.remember_accepted_documents(d, actor=actor, now=at)
        d.status = DossierStatus.RECEIVED
        _mark_received(d, actor=actor, at=at)
        return {}

    return _act(dossier, Action.COMPLETE, actor=actor, version=version, now=now, apply=apply)


def transfer_dossier(dossier, *, actor, to_unit: Unit, version=None, now=None, note=""):
    """Send the dossier to the competent unit (another commune or the province)."""

    def apply(d: Dossier, at):
        if to_unit is None or not to_unit.is_active or to_unit.pk == d.receiving_unit_id:
            raise InvalidInput(
                _("Chọn đơn vị có thẩm quyền khác đơn vị tiếp nhận."), {"to_unit": [_("Bắt buộc.")]}
            )
        d.competent_unit = to_unit
        d.steps.filter(finished_at__isnull=True).update(unit=to_unit)
        return {"to_unit": to_unit.code}

    return _act(
        dossier, Action.TRANSFER, actor=actor, version=version, now=now, apply=apply, note=note
    )


def assign_dossier(dossier, *, actor, handler: User, version=None, now=None, note=""):
    """Give the dossier to a specialist of the competent unit (or hand it to another)."""

    def apply(d: Dossier, at):
        if (
            handler is None
            or handler.role != Role.SPECIALIST
            or handler.unit_id != d.competent_unit_id
            or not handler.is_active
        ):
            raise InvalidInput(
                _("Chọn một chuyên viên của đơn vị giải quyết."), {"handler": [_("Bắt buộc.")]}
            )
        calendar = calendar_for(d)
        open_step = d.steps.filter(finished_at__isnull=True).first()
        if open_step and open_step.handler_id is None:
            open_step.handler = handler
            open_step.save(update_fields=["handler"])
        else:
            _close_open_steps(d, at)
            _open_step(d, StepKind.PROCESSING, d.competent_unit, handler, at, calendar)
        d.handler = handler
        return {"handler": handler.get_username()}

    return _act(
        dossier, Action.ASSIGN, actor=actor, version=version, now=now, apply=apply, note=note
    )


def request_supplement(
    dossier, *, actor, missing: str = "", documents: Sequence[int] = (), version=None, now=None
):
    """During processing: ask the citizen for more; the clock stops until it arrives.
    `documents` are the catalogue documents asked for (kept in the event for reports)."""
    missing = (missing or "").strip()
    if not missing and not documents:
        raise InvalidInput(
            _("Ghi rõ giấy tờ, nội dung cần bổ sung."), {"missing": [_("Bắt buộc.")]}
        )
    asked = list(ProcedureDocument.objects.filter(pk__in=list(documents)).order_by("position"))
    missing = _supplement_text(asked, missing)

    def apply(d: Dossier, at):
        if len(asked) != len(set(documents)) or any(
            doc.procedure_id != d.procedure_id for doc in asked
        ):
            raise InvalidInput(
                _("Giấy tờ không thuộc thủ tục này."), {"documents": [str(i) for i in documents]}
            )
        d.paused_on = _local(at).date()
        d.supplement_note = missing
        issue_paper(
            d, PaperKind.SUPPLEMENT, actor=actor, now=at, missing=missing, stage="processing"
        )
        return paper_once.supplement_data(asked)

    return _act(
        dossier,
        Action.REQUEST_SUPPLEMENT,
        actor=actor,
        version=version,
        now=now,
        apply=apply,
        note=missing,
    )


def receive_supplement(dossier, *, actor, version=None, now=None, note=""):
    """The supplement arrived: the clock restarts and the paused working days are added
    back to the due date (and to the open step's share)."""

    def apply(d: Dossier, at):
        calendar = calendar_for(d)
        resumed = _local(at).date()
        paused = calendar.working_days_between(d.paused_on, resumed) if d.paused_on else 0
        old_due = d.due_date
        if paused:
            d.due_date = calendar.add_working_days(d.due_date, paused)
            for step in d.steps.filter(finished_at__isnull=True, due__isnull=False):
                step.due = calendar.add_working_days(step.due, paused)
                step.save(update_fields=["due"])
        d.paused_working_days += paused
        d.paused_on = None
        d.supplement_note = ""
        return {"paused_working_days": paused, "old_due": str(old_due), "new_due": str(d.due_date)}

    return _act(
        dossier,
        Action.RECEIVE_SUPPLEMENT,
        actor=actor,
        version=version,
        now=now,
        apply=apply,
        note=note,
    )


def submit_for_approval(dossier, *, actor, proposal: str = "", version=None, now=None):
    def apply(d: Dossier, at):
        _close_open_steps(d, at)
        leader = None
        _open_step(d, StepKind.APPROVAL, d.competent_unit, leader, at, calendar_for(d))
        d.result = (proposal or "").strip() or d.result
        return {}

    return _act(
        dossier,
        Action.SUBMIT_FOR_APPROVAL,
        actor=actor,
        version=version,
        now=now,
        apply=apply,
        note=proposal,
    )


def send_back(dossier, *, actor, note: str, version=None, now=None):
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_("Ghi rõ nội dung cần xử lý tiếp."), {"note": [_("Bắt buộc.")]})

    def apply(d: Dossier, at):
        _close_open_steps(d, at)
        _open_step(d, StepKind.PROCESSING, d.competent_unit, d.handler, at, calendar_for(d))
        return {}

    return _act(
        dossier, Action.SEND_BACK, actor=actor, version=version, now=now, apply=apply, note=note
    )


def _decide(d: Dossier, at: dt.datetime, actor: User) -> None:
    d.steps.filter(finished_at__isnull=True).update(finished_at=at, handler=actor)
    d.finished_at = at
    _open_step(d, StepKind.RETURN, d.receiving_unit, None, at, calendar_for(d))


def approve_dossier(dossier, *, actor, result: str = "", version=None, now=None):
    def apply(d: Dossier, at):
        text = (result or "").strip() or d.result
        if not text:
            raise InvalidInput(_("Ghi kết quả giải quyết."), {"result": [_("Bắt buộc.")]})
        d.result = text
        _decide(d, at, actor)
        return {}

    return _act(
        dossier, Action.APPROVE, actor=actor, version=version, now=now, apply=apply, note=result
    )


def deny_dossier(dossier, *, actor, reason: str, version=None, now=None):
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Ghi rõ lý do không giải quyết."), {"reason": [_("Bắt buộc.")]})

    def apply(d: Dossier, at):
        d.reason = reason
        _decide(d, at, actor)
        issue_paper(d, PaperKind.REFUSAL, actor=actor, now=at, reason=reason, stage="processing")
        return {}

    return _act(
        dossier, Action.DENY, actor=actor, version=version, now=now, apply=apply, note=reason
    )


def extend_dossier(dossier, *, actor, new_due: dt.date, reason: str, version=None, now=None):
    """Apology and a new date (form 04): the due date moves, the reason is kept."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Ghi rõ lý do hẹn lại."), {"reason": [_("Bắt buộc.")]})

    def apply(d: Dossier, at):
        calendar = calendar_for(d)
        if new_due is None or new_due <= d.due_date or not calendar.is_working_day(new_due):
            raise InvalidInput(
                _("Ngày hẹn mới phải là ngày làm việc sau hạn hiện tại (%(due)s).")
                % {"due": d.due_date.strftime("%d/%m/%Y")},
                {"new_due": [_("Ngày không hợp lệ.")]},
            )
        old_due = d.due_date
        d.due_date = new_due
        dues = step_dues(d, calendar)
        for step in d.steps.filter(finished_at__isnull=True):
            step.due = dues[step.kind]
            step.save(update_fields=["due"])
        issue_paper(
            d,
            PaperKind.APOLOGY,
            actor=actor,
            now=at,
            reason=reason,
            old_due=str(old_due),
            new_due=str(new_due),
        )
        return {"old_due": str(old_due), "new_due": str(new_due)}

    return _act(
        dossier, Action.EXTEND, actor=actor, version=version, now=now, apply=apply, note=reason
    )


def mark_result_ready(dossier, *, actor, version=None, now=None, note=""):
    def apply(d: Dossier, at):
        return {}

    return _act(
        dossier,
        Action.MARK_RESULT_READY,
        actor=actor,
        version=version,
        now=now,
        apply=apply,
        note=note,
    )


def verify_citizen_identity(d: Dossier, at: dt.datetime) -> bool:
    """The officer has checked, in person, the original ID card of the applicant: the
    citizen account that submitted the dossier counts as holding that ID number when its
    profile says the same number. Only then does the account see the dossiers received at
    a desk under that number and its document store (ADR 0007, 0008)."""
    if not d.citizen_id or not d.applicant_id_number:
        return False
    return bool(
        User.objects.filter(
            pk=d.citizen_id, id_number=d.applicant_id_number, id_verified_at__isnull=True
        ).update(id_verified_at=at)
    )


def return_result(
    dossier,
    *,
    actor,
    returned_to: str,
    method: str = ResultDelivery.COUNTER,
    identity_checked: bool = False,
    version=None,
    now=None,
    note="",
):
    """The result is handed over: who collected it and how. `identity_checked`: the
    applicant collected it in person at the counter and the officer checked the original
    ID card, which verifies the ID number of the citizen account that submitted it."""
    returned_to = (returned_to or "").strip()
    if not returned_to or method not in ResultDelivery.values:
        raise InvalidInput(
            _("Ghi người nhận và cách trả kết quả."), {"returned_to": [_("Bắt buộc.")]}
        )
    if identity_checked and method != ResultDelivery.COUNTER:
        message = _("Chỉ xác thực số định danh khi công dân nhận kết quả trực tiếp tại quầy.")
        raise InvalidInput(message, {"identity_checked": [message]})

    def apply(d: Dossier, at):
        d.returned_to = returned_to
        d.return_method = method
        d.returned_at = at
        # The return step (form 05) is the officer's who hands the result over.
        d.steps.filter(finished_at__isnull=True, kind=StepKind.RETURN, handler__isnull=True).update(
            handler=actor
        )
        _close_open_steps(d, at)
        paper_once.remember_result(d, actor=actor, now=at)
        data = {"returned_to": returned_to, "method": method}
        if identity_checked and verify_citizen_identity(d, at):
            data["id_verified"] = True
        return data

    return _act(
        dossier, Action.RETURN_RESULT, actor=actor, version=version, now=now, apply=apply, note=note
    )


def withdraw_dossier(dossier, *, actor, reason: str, version=None, now=None):
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Ghi rõ lý do rút hồ sơ."), {"reason": [_("Bắt buộc.")]})

    def apply(d: Dossier, at):
        d.reason = reason
        _close_open_steps(d, at)
        return {}

    return _act(
        dossier, Action.WITHDRAW, actor=actor, version=version, now=now, apply=apply, note=reason
    )


# The service behind each action of the workflow table, for the API and the workspace,
# which pass the action's own parameters by name.
ACTION_SERVICES: dict[str, Callable[..., Dossier]] = {
    Action.COMPLETE: complete_reception,
    Action.TRANSFER: transfer_dossier,
    Action.ASSIGN: assign_dossier,
    Action.REQUEST_SUPPLEMENT: request_supplement,
    Action.RECEIVE_SUPPLEMENT: receive_supplement,
    Action.SUBMIT_FOR_APPROVAL: submit_for_approval,
    Action.SEND_BACK: send_back,
    Action.APPROVE: approve_dossier,
    Action.DENY: deny_dossier,
    Action.EXTEND: extend_dossier,
    Action.MARK_RESULT_READY: mark_result_ready,
    Action.RETURN_RESULT: return_result,
    Action.WITHDRAW: withdraw_dossier,
}


def record_print(paper: Paper, user: User) -> int:
    """Count one print of an issued paper and return its number: 1 is the original, every
    later print is a copy (marked "BẢN SAO"). The counter is bumped in the database, so two
    officers printing at the same moment never both get the original."""
    with transaction.atomic():
        Paper.objects.filter(pk=paper.pk).update(prints=F("prints") + 1)
        paper.prints = Paper.objects.values_list("prints", flat=True).get(pk=paper.pk)
    logging.getLogger(__name__).info(
        "paper printed",
        extra={"paper": paper.pk, "kind": paper.kind, "user": user.pk, "print": paper.prints},
    )
    return paper.prints
