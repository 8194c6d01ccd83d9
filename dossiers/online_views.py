"""Online submission pages for citizens (mounted at /online/): start from a procedure,
fill in and upload as they go (a draft), finish later, submit; and upload what the desk
asked for into the same dossier. Thin views: parse, call `dossiers.online`, render."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from citizens.access import citizen_required
from portal.models import Unit
from portal.responses import private_page as _page
from procedures.models import LocalForm, Procedure

from . import notify, online, services
from .models import DraftFile, OnlineDraft
from .online_forms import DraftForm, uploaded_files
from .services import InvalidInput

DRAFTS_PAGE_SIZE = 20


def _not_found(request: HttpRequest, message: str) -> HttpResponse:
    return _page(request, "dossiers/online/not_found.html", {"message": message}, 404)


def _account_dossier_url(code: str) -> str:
    try:
        return reverse("citizens:dossier", args=[code])
    except NoReverseMatch:
        return reverse("online:drafts")


def _today() -> dt.date:
    return timezone.localdate()


def _number(value: str) -> int | None:
    """A posted id or version: ASCII digits only ("²".isdigit() is true, int() refuses it)."""
    return int(value) if value.isascii() and value.isdigit() else None


# ---------------------------------------------------------------------------------------
# The form


def _forms_to_download(procedure: Procedure, unit: Unit | None) -> list[LocalForm]:
    """The desks' own form files: the chosen desk's, else those of every desk offering it."""
    forms = LocalForm.objects.filter(
        offering__procedure=procedure, offering__is_active=True, offering__unit__is_active=True
    ).select_related("offering__unit")
    if unit is not None:
        forms = forms.filter(offering__unit=unit)
    return list(forms.order_by("offering__unit__code", "position", "id")[:50])


def _rows(draft: OnlineDraft, citizen, errors: dict[str, list[str]]) -> list[dict]:
    """One row per catalogue document: its files, the stored papers on offer, errors."""
    files: dict[int, list[DraftFile]] = {}
    if draft.pk:
        for item in draft.files.select_related("reused_from"):
            files.setdefault(item.catalogue_document_id, []).append(item)
    # Offered from the first page already: the first save (creating the draft) takes the
    # choice, so the citizen never uploads a paper the store holds.
    offers = online.reusable_offers(draft, citizen, on=_today())
    rows = []
    for doc in draft.procedure.documents.all():
        items = files.get(doc.pk, [])
        reused = next((i for i in items if i.reused_from_id), None)
        rows.append(
            {
                "document": doc,
                "files": [i for i in items if not i.reused_from_id],
                "reused": reused,
                "offers": offers.get(doc.pk, []),
                "errors": errors.get(f"doc-{doc.pk}", []),
                "field": f"doc-{doc.pk}",
            }
        )
    return rows


def _render_form(
    request: HttpRequest,
    draft: OnlineDraft,
    form: DraftForm,
    *,
    errors: dict | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    procedure = draft.procedure
    unit = form.cleaned_data.get("receiving_unit") if form.is_bound and form.is_valid() else None
    unit = unit or draft.receiving_unit
    context = {
        "draft": draft,
        "procedure": procedure,
        "form": form,
        "rows": _rows(draft, request.user, errors or {}),
        "local_forms": _forms_to_download(procedure, unit),
        "bring": online.originals_to_bring(procedure),
        "bring_unit": unit,
        "error": error,
        "max_mb": settings.SCAN_MAX_BYTES // (1024 * 1024),
        "id_verified": bool(request.user.id_verified_at),
        "action_url": reverse("online:draft", args=[draft.pk])
        if draft.pk
        else reverse("online:start", args=[procedure.code]),
    }
    return _page(request, "dossiers/online/form.html", context, status)


def _online_procedure(code: str) -> Procedure | None:
    procedure = (
        Procedure.objects.published()
        .filter(code=code)
        .prefetch_related("documents")
        .select_related("field")
        .first()
    )
    return procedure if procedure is not None and online.accepts_online(procedure) else None


@never_cache
@citizen_required
def start(request: HttpRequest, code: str) -> HttpResponse:
    """From the procedure page. An open draft of the same procedure is continued; else the
    form starts from the profile, and the first save creates the draft."""
    procedure = _online_procedure(code)
    if procedure is None:
        return _not_found(request, _("Thủ tục này không nhận hồ sơ trực tuyến."))
    existing = online.citizen_drafts(request.user).filter(procedure=procedure).first()
    if existing is not None and request.method != "POST":
        messages.info(request, _("Bạn đang có bản nháp của thủ tục này: tiếp tục từ chỗ đã lưu."))
        return redirect("online:draft", pk=existing.pk)
    unit_code = request.GET.get("unit", "")
    unit = Unit.objects.filter(code=unit_code, is_active=True).first() if unit_code else None
    if request.method == "POST":
        # A double click on the first page: the second post continues the draft the first
        # one made (its submit then finds the draft gone), instead of a second dossier.
        try:
            draft = online.open_draft(request.user, procedure, receiving_unit=unit)
        except services.DossierError as exc:
            return _not_found(request, exc.message)
        try:
            return _handle_post(request, draft)
        except online.NotFound as exc:  # deleted meanwhile (another tab, a double submit)
            return _not_found(request, exc.message)
    draft = OnlineDraft(
        citizen=request.user,
        procedure=procedure,
        applicant=online.profile_applicant(request.user),
        receiving_unit=unit
        if unit and online.receiving_units(procedure).filter(pk=unit.pk).exists()
        else None,
        notify_channels=notify.default_channels(request.user.phone, request.user.email),
    )
    units = online.receiving_units(procedure)
    return _render_form(
        request, draft, DraftForm(initial=DraftForm.initial_from(draft), units=units)
    )


def _own_draft(request: HttpRequest, pk: int) -> OnlineDraft | None:
    return (
        online.citizen_drafts(request.user)
        .prefetch_related("procedure__documents")
        .filter(pk=pk)
        .first()
    )


@never_cache
@citizen_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _own_draft(request, pk)
    if draft is None:
        return _not_found(request, _("Không tìm thấy bản nháp này trong tài khoản của bạn."))
    if request.method == "POST":
        try:
            return _handle_post(request, draft)
        except online.NotFound as exc:  # deleted meanwhile (another tab, a double submit)
            return _not_found(request, exc.message)
    units = online.receiving_units(draft.procedure)
    return _render_form(
        request, draft, DraftForm(initial=DraftForm.initial_from(draft), units=units)
    )


def _handle_post(request: HttpRequest, draft: OnlineDraft) -> HttpResponse:
    """Every post keeps what it can at once: the typed fields, each valid file, the reuse
    choices; then saves for later, stays, or submits."""
    citizen = request.user
    units = online.receiving_units(draft.procedure)
    form = DraftForm(request.POST, units=units)
    errors: dict[str, list[str]] = {}
    if form.is_valid():
        draft = online.save_draft(draft, citizen=citizen, **form.save_arguments())
    offers = online.reusable_offers(draft, citizen, on=_today())
    for doc in draft.procedure.documents.all():
        key = f"doc-{doc.pk}"
        if doc.pk in offers and f"reuse-{doc.pk}" in request.POST:
            choice = request.POST.get(f"reuse-{doc.pk}") or ""
            try:
                online.choose_reuse(
                    draft,
                    citizen=citizen,
                    catalogue_document_id=doc.pk,
                    stored_id=_number(choice),
                )
            except InvalidInput as exc:
                errors.setdefault(key, []).append(exc.message)
        for upload in uploaded_files(request.FILES, key):
            try:
                online.attach_file(
                    draft, citizen=citizen, catalogue_document_id=doc.pk, upload=upload
                )
            except InvalidInput as exc:
                errors.setdefault(key, []).append(exc.message)
    try:
        draft.refresh_from_db()
    except OnlineDraft.DoesNotExist:  # submitted or deleted by another tab meanwhile
        raise online.NotFound(_("Không tìm thấy bản nháp này trong tài khoản của bạn.")) from None
    intent = request.POST.get("intent", "save")
    if errors or not form.is_valid():
        return _render_form(
            request,
            draft,
            form,
            errors=errors,
            error=_("Một số tệp hoặc thông tin chưa được lưu: xem các mục được đánh dấu."),
            status=400,
        )
    if intent == "later":
        messages.success(
            request,
            _("Đã lưu bản nháp. Bạn có thể hoàn thành và gửi sau, tại “Bản nháp của tôi”."),
        )
        return redirect("online:drafts")
    if intent == "submit":
        try:
            dossier = online.submit_online(draft, citizen=citizen)
        except services.NotAllowed as exc:
            return _not_found(request, exc.message)
        except services.DossierError as exc:
            form.add_service_errors(exc.errors)
            return _render_form(
                request, draft, form, errors=exc.errors, error=exc.message, status=400
            )
        messages.success(
            request,
            _(
                "Đã gửi hồ sơ %(code)s tới %(unit)s. Hồ sơ đang chờ cán bộ một cửa kiểm tra; "
                "thời hạn giải quyết tính từ khi hồ sơ được tiếp nhận."
            )
            % {"code": dossier.code, "unit": dossier.receiving_unit.name},
        )
        return redirect(_account_dossier_url(dossier.code))
    messages.success(request, _("Đã lưu."))
    return redirect("online:draft", pk=draft.pk)


@never_cache
@citizen_required
@require_POST
def file_delete(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    try:
        online.remove_file(pk, citizen=request.user, file_id=file_id)
    except online.NotFound as exc:
        return _not_found(request, exc.message)
    messages.success(request, _("Đã xoá tệp."))
    return redirect("online:draft", pk=pk)


@never_cache
@citizen_required
def file_view(request: HttpRequest, pk: int, file_id: int) -> HttpResponse:
    """A file of the citizen's own draft, to check what was uploaded."""
    item = (
        DraftFile.objects.filter(
            pk=file_id, draft_id=pk, draft__citizen_id=request.user.pk, reused_from__isnull=True
        )
        .exclude(file="")
        .first()
    )
    if item is None:
        return _not_found(request, _("Không tìm thấy tệp này."))
    try:
        handle = item.file.open("rb")
    except FileNotFoundError:
        return _not_found(request, _("Không tìm thấy tệp này."))
    response = FileResponse(handle, content_type=item.content_type, filename=item.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@citizen_required
def drafts(request: HttpRequest) -> HttpResponse:
    page = Paginator(online.citizen_drafts(request.user), DRAFTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return _page(request, "dossiers/online/drafts.html", {"page": page})


@never_cache
@citizen_required
@require_POST
def draft_delete(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        online.delete_draft(pk, citizen=request.user)
    except online.NotFound as exc:
        return _not_found(request, exc.message)
    messages.success(request, _("Đã xoá bản nháp."))
    return redirect("online:drafts")


# ---------------------------------------------------------------------------------------
# The supplement, from the account's dossier page


@never_cache
@citizen_required
@require_POST
def supplement(request: HttpRequest, code: str) -> HttpResponse:
    try:
        dossier = online.citizen_dossier(request.user, code)
    except online.NotFound as exc:
        return _not_found(request, exc.message)
    back = redirect(_account_dossier_url(dossier.code))
    rows = online.missing_rows(dossier)
    uploads = {row.pk: uploaded_files(request.FILES, f"row-{row.pk}") for row in rows}
    version = request.POST.get("version", "")
    try:
        online.supplement_online(
            dossier,
            citizen=request.user,
            uploads=uploads,
            version=_number(version),
        )
    except services.StaleDossier:
        messages.error(request, _("Hồ sơ vừa thay đổi. Vui lòng xem lại rồi gửi lại tệp."))
        return back
    except services.NotAllowed as exc:
        return _not_found(request, exc.message)
    except services.DossierError as exc:
        details = "; ".join(m for ms in exc.errors.values() for m in ms if m not in exc.message)
        messages.error(request, exc.message + (f" ({details})" if details else ""))
        return back
    messages.success(
        request,
        _("Đã gửi giấy tờ bổ sung. Cán bộ sẽ kiểm tra lại hồ sơ và thông báo cho bạn."),
    )
    return back
