"""The desk workspace (HTML, for officers): worklists, reception, the dossier page, actions.

Thin views: parse the request with a form, call a selector or a service, render. Who may
see and do what is asked of `dossiers.access` (and `portal.access`), nowhere else.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext as _, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from notifications import selectors as notification_selectors
from portal import access as portal_access
from portal.models import Role
from procedures.models import Procedure
from procedures.search import search_procedures
from workcalendar.clock import WorkCalendar

from . import access, notify, online, online_forms, selectors, services
from .forms import ACTION_FORMS, ProcedureSearchForm, ReceptionForm, WorklistForm
from .models import (
    Dossier,
    DossierDocument,
    DossierEvent,
    DossierScan,
    DossierStatus,
    DossierStep,
    Paper,
)
from .pagination import CappedPaginator
from .templatetags.desk import person
from .workflow import Action

PAGE_SIZE = 25
PROCEDURE_RESULTS = 20

LIST_LABELS = {
    "reception_today": gettext_lazy("Tiếp nhận hôm nay"),
    # Online submissions awaiting the desk's check, and receptions waiting for papers.
    "incomplete": gettext_lazy("Chờ kiểm tra, bổ sung"),
    "to_return": gettext_lazy("Chờ trả kết quả"),
    "due_today": gettext_lazy("Đến hạn hôm nay"),
    "due_soon": gettext_lazy("Sắp đến hạn"),
    "overdue": gettext_lazy("Quá hạn"),
    "paused": gettext_lazy("Tạm dừng"),
    "assigned_to_me": gettext_lazy("Được giao cho tôi"),
    "step_overdue": gettext_lazy("Bước xử lý quá hạn"),
    "awaiting_approval": gettext_lazy("Chờ phê duyệt"),
    "unassigned": gettext_lazy("Chưa phân công"),
    "all": gettext_lazy("Tất cả hồ sơ"),
}

RUNNING = set(selectors.RUNNING)

# The desk's actions on a dossier: the counter's, and the check of online dossiers.
DESK_SERVICES = {**services.ACTION_SERVICES, **online.DESK_ACTION_SERVICES}
DESK_FORMS = {**ACTION_FORMS, **online_forms.DESK_ACTION_FORMS}


# ---------------------------------------------------------------------------------------
# Access and the workspace frame


def _render(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    status: int = 200,
    nav: list[dict] | None = None,
) -> HttpResponse:
    """Render a workspace page: the header (user, unit, role) and the worklist nav."""
    user = request.user
    frame = {
        "role_label": user.get_role_display() if getattr(user, "role", "") else "",
        "can_receive": access.may_act(user, Action.RECEIVE, receiving_unit=user.unit),
        "nav_lists": nav if nav is not None else _nav(user),
    }
    response = render(request, template, {**frame, **(context or {})}, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _nav(user, counts: dict[str, int] | None = None, current: str = "") -> list[dict]:
    counts = counts or {}
    cap = CappedPaginator.cap
    home_url = reverse("desk:home")
    return [
        {
            "name": name,
            "label": LIST_LABELS.get(name, name),
            # The whole history is counted up to the cap only: "1000+".
            "count": None if counts.get(name) is None else min(counts[name], cap),
            "more": counts.get(name, 0) > cap,
            "current": name == current,
            "alert": name in ("overdue", "step_overdue"),
            "url": f"{home_url}?{urlencode({'list': name})}",
        }
        for name in selectors.Worklist.names_for(user)
    ]


def _forbidden(request: HttpRequest, message: str = "") -> HttpResponse:
    context = {"message": message or _("Bạn không có quyền xem trang này.")}
    if not portal_access.is_staff_member(request.user):
        response = render(request, "dossiers/desk/403.html", context, status=403)
        response["Cache-Control"] = "private, no-store"
        return response
    return _render(request, "dossiers/desk/403.html", context, status=403)


def _not_found(request: HttpRequest) -> HttpResponse:
    return _render(request, "dossiers/desk/404.html", status=404)


def staff_required(view):
    """Logged in (else to the login page) and a staff member (else 403)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("desk:login"))
        if not portal_access.is_staff_member(request.user):
            return _forbidden(request)
        return view(request, *args, **kwargs)

    return never_cache(wrapper)


# ---------------------------------------------------------------------------------------
# Worklists


def _row_flags(dossier: Dossier, today: dt.date) -> list[tuple[str, str]]:
    """Badges of a worklist row: (css class, text)."""
    flags = []
    running = dossier.status in RUNNING
    if running and dossier.due_date:
        if dossier.due_date < today:
            flags.append(("late", _("Quá hạn")))
        elif dossier.due_date == today:
            flags.append(("today", _("Đến hạn hôm nay")))
    if dossier.status == DossierStatus.SUPPLEMENT_REQUESTED:
        flags.append(("paused", _("Tạm dừng")))
    if getattr(dossier, "step_overdue", False) and not any(css == "late" for css, _t in flags):
        # A step over its share, flagged before the whole dossier is late.
        flags.append(("step", _("Bước xử lý quá hạn")))
    return flags


def _present_rows(rows, today: dt.date) -> None:
    """What each row of the worklist page shows, worked out here rather than by template
    tags and filters, 25 times a page (the page's CPU time is mostly its rows)."""
    # The status labels once per page: get_status_display() rebuilds its dict every call.
    statuses = dict(DossierStatus.choices)
    # reverse() once: a dossier code is letters, digits, dots and dashes, safe in a path.
    dossier_url = reverse("desk:dossier", args=["CODE"])
    for dossier in rows:
        dossier.flags = _row_flags(dossier, today)
        dossier.row_css = f"row-{dossier.flags[0][0]}" if dossier.flags else ""
        dossier.url = dossier_url.replace("CODE", dossier.code)
        dossier.status_label = statuses.get(dossier.status, dossier.status)
        dossier.handler_name = person(dossier.handler)
        dossier.procedure_name = dossier.procedure.name
        due = dossier.due_date
        dossier.due_iso, dossier.due_text = (
            (due.isoformat(), f"{due.day:02}/{due.month:02}/{due.year}") if due else ("", "")
        )


@staff_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    worklist = selectors.Worklist(user)
    names = worklist.names()
    form = WorklistForm(request.GET)
    form.is_valid()
    data = form.cleaned_data
    name = data.get("list") or names[0]
    if name not in names and name not in worklist.ALL:
        name = names[0]
    # The counts of the role's lists (and a leader's failed messages), kept a few seconds
    # per user; an action on a dossier of the unit makes them stale at once (selectors).
    figures = selectors.cached_counts(
        worklist,
        # Leaders see how many messages to citizens of their unit could not be sent.
        extra=(
            lambda: notification_selectors.failed_count(
                subject_ref_prefix=f"dossier:{user.unit.code}-"
            )
        )
        if user.role == Role.LEADER and user.unit_id
        else None,
    )
    counts = figures["lists"]
    qs = worklist.get(name)
    filtered = bool(data.get("status") or data.get("q"))
    if data.get("status"):
        qs = qs.filter(status=data["status"])
    qs = worklist.flag_late_steps(selectors.search(qs, data.get("q", "")))
    # The whole history is counted up to a cap ("more than 1000": ADR 0006).
    paginator = CappedPaginator(selectors.with_desk_row_columns(qs), PAGE_SIZE)
    if not filtered and name in counts:
        paginator.found = counts[name]  # the nav's count of this very list
    page = paginator.get_page(request.GET.get("page"))
    _present_rows(page, worklist.today)
    keep = {"list": name, "status": data.get("status"), "q": data.get("q")}
    return _render(
        request,
        "dossiers/desk/home.html",
        {
            "form": form,
            "list_name": name,
            "list_label": LIST_LABELS.get(name, name),
            "page": page,
            "page_query": urlencode({k: v for k, v in keep.items() if v}),
            "today": worklist.today,
            "searching": bool(data.get("q")),
            "failed_messages": figures["extra"],
        },
        nav=_nav(user, counts, name),
    )


# ---------------------------------------------------------------------------------------
# Reception


@staff_required
def receive(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not access.may_act(user, Action.RECEIVE, receiving_unit=user.unit):
        return _forbidden(request, _("Chỉ cán bộ một cửa mới tiếp nhận hồ sơ."))
    code = request.POST.get("procedure") or request.GET.get("procedure")
    if not code:
        return _pick_procedure(request)
    code = code.replace("\x00", "")  # posted, not a form field: PostgreSQL refuses a NUL
    procedure = Procedure.objects.published().filter(code=code).first()
    if procedure is None:
        messages.error(request, _("Thủ tục %(code)s không còn áp dụng.") % {"code": code})
        return redirect("desk:receive")

    error = ""
    if request.method == "POST" and request.POST.get("lookup"):
        # Paper once: show what the applicant's store holds for the ID number typed so far.
        form = ReceptionForm.prefilled(request.POST, procedure=procedure, user=user)
        status = 200
        if request.FILES:
            error = _("Các tệp bản quét chưa được lưu: hãy chọn lại tệp trước khi gửi.")
    elif request.method == "POST":
        form = ReceptionForm(request.POST, request.FILES, procedure=procedure, user=user)
        if form.is_valid():
            try:
                dossier = services.receive_dossier(actor=user, **form.service_arguments())
            except services.NotAllowed as exc:
                return _forbidden(request, exc.message)
            except services.DossierError as exc:
                form.add_service_errors(exc.errors)
                error = exc.message
            else:
                messages.success(request, _reception_message(dossier))
                return redirect("desk:dossier", code=dossier.code)
        else:
            error = _("Hồ sơ chưa được lưu: kiểm tra các ô được đánh dấu.")
        if request.FILES:
            error += " " + _("Các tệp bản quét chưa được lưu: hãy chọn lại tệp trước khi gửi.")
        form.focus_first_error()
        status = 400
    else:
        form = ReceptionForm(procedure=procedure, user=user)
        status = 200
    due = WorkCalendar.for_unit(user.unit).due_date(
        timezone.now(), working_days=procedure.processing_days, same_day=procedure.same_day
    )
    return _render(
        request,
        "dossiers/desk/receive_form.html",
        {
            "procedure": procedure,
            "form": form,
            "checklist": form.checklist(),
            "error": error,
            "due_if_now": due.due,
        },
        status=status,
    )


def _pick_procedure(request: HttpRequest) -> HttpResponse:
    form = ProcedureSearchForm(request.GET)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    results = list(search_procedures(query).select_related("field")[:PROCEDURE_RESULTS])
    exact = [p for p in results if p.code == query.strip()]
    if exact and "partial" not in request.GET:
        return redirect(reverse("desk:receive") + "?" + urlencode({"procedure": exact[0].code}))
    context = {"form": form, "query": query, "results": results}
    if "partial" in request.GET:
        response = render(request, "dossiers/desk/_procedure_results.html", context)
        response["Cache-Control"] = "private, no-store"
        return response
    return _render(request, "dossiers/desk/receive_pick.html", context)


def _reception_message(dossier: Dossier) -> str:
    values = {"code": dossier.code}
    if dossier.status == DossierStatus.RECEIVED:
        values["due"] = date_format(dossier.due_date, "d/m/Y") if dossier.due_date else "—"
        return _("Đã tiếp nhận hồ sơ %(code)s. Hạn trả kết quả: %(due)s.") % values
    if dossier.status == DossierStatus.INCOMPLETE:
        return _("Hồ sơ %(code)s chưa đủ: đã lập phiếu yêu cầu bổ sung.") % values
    if dossier.status == DossierStatus.REFUSED:
        return _("Đã từ chối tiếp nhận hồ sơ %(code)s: đã lập phiếu từ chối.") % values
    return _("Hồ sơ %(code)s đã tiếp nhận và trả kết quả ngay.") % values


# ---------------------------------------------------------------------------------------
# The dossier page


def paper_url(paper: Paper, code: str) -> str:
    """The PDF of an issued paper."""
    try:
        return reverse("dossiers-papers:paper-pdf", kwargs={"code": code, "paper_id": paper.pk})
    except NoReverseMatch:
        return f"{reverse('desk:dossier', kwargs={'code': code})}papers/{paper.pk}.pdf"


def _optional_url(name: str, **kwargs) -> str:
    """A link into a part of the desk that may not be installed (printing)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return ""


def _dossier_queryset(user):
    return (
        access.visible_dossiers(user)
        .select_related("procedure", "receiving_unit", "competent_unit", "handler", "received_by")
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=DossierDocument.objects.select_related("reused_from").prefetch_related(
                    "scans"
                ),
            ),
            Prefetch("events", queryset=DossierEvent.objects.select_related("actor")),
            Prefetch("steps", queryset=DossierStep.objects.select_related("unit", "handler")),
            Prefetch("papers", queryset=Paper.objects.order_by("issued_at", "id")),
        )
    )


def _day(value: str | dt.date | None) -> str:
    if not value:
        return "—"
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    return date_format(value, "d/m/Y")


def _due_explanation(dossier: Dossier, events: list[DossierEvent]) -> list[str]:
    """Why the due date is that day: the clock's own words, then pauses and extensions."""
    if not dossier.received_at:
        return []
    procedure = dossier.procedure
    computed = WorkCalendar.for_unit(dossier.receiving_unit).due_date(
        dossier.received_at, working_days=procedure.processing_days, same_day=procedure.same_day
    )
    lines = computed.explain(get_language())
    for event in events:
        if event.action == Action.RECEIVE_SUPPLEMENT and event.data.get("paused_working_days"):
            lines.append(
                _(
                    "Tạm dừng %(days)s ngày làm việc chờ công dân bổ sung: hạn lùi từ "
                    "%(old)s sang %(new)s."
                )
                % {
                    "days": event.data["paused_working_days"],
                    "old": _day(event.data.get("old_due")),
                    "new": _day(event.data.get("new_due")),
                }
            )
        elif event.action == Action.EXTEND:
            lines.append(
                _("Hẹn lại (phiếu xin lỗi) từ %(old)s sang %(new)s. Lý do: %(reason)s")
                % {
                    "old": _day(event.data.get("old_due")),
                    "new": _day(event.data.get("new_due")),
                    "reason": event.note,
                }
            )
    if dossier.paused_on:
        lines.append(
            _("Đang tạm dừng từ %(day)s chờ bổ sung: thời hạn chưa tính tiếp.")
            % {"day": _day(dossier.paused_on)}
        )
    return lines


def _status_label(value: str) -> str:
    if not value:
        return "—"
    try:
        return DossierStatus(value).label
    except ValueError:
        return value


def _action_label(value: str) -> str:
    try:
        return Action(value).label
    except ValueError:
        return value


@staff_required
@require_safe
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _dossier_queryset(request.user).filter(code=code).first()
    if dossier is None:
        return _not_found(request)
    today = selectors.today_local()
    events = list(dossier.events.all())
    steps = list(dossier.steps.all())
    for step in steps:
        finished = timezone.localtime(step.finished_at).date() if step.finished_at else None
        step.late = bool(
            step.due
            and (
                (finished is None and step.due < today and dossier.status in RUNNING)
                or (finished is not None and finished > step.due)
            )
        )
    timeline = [
        {
            "event": event,
            "label": _action_label(event.action),
            "from": _status_label(event.from_status),
            "to": _status_label(event.to_status),
        }
        for event in reversed(events)
    ]
    papers = [{"paper": p, "url": paper_url(p, dossier.code)} for p in dossier.papers.all()]
    actions = [
        {
            "name": action,
            "label": _action_label(action),
            "form": DESK_FORMS[action](dossier=dossier),
        }
        for action in access.allowed_actions(request.user, dossier)
        if action in DESK_FORMS and action in DESK_SERVICES
    ]
    return _render(
        request,
        "dossiers/desk/dossier.html",
        {
            "dossier": dossier,
            "flags": _row_flags(dossier, today),
            "explanation": _due_explanation(dossier, events),
            "documents": dossier.documents.all(),
            "steps": steps,
            "timeline": timeline,
            "papers": papers,
            "latest_paper": papers[-1] if papers else None,
            "actions": actions,
            "recipient_flags": notification_selectors.recipient_flags(notify.subject_ref(dossier)),
            "messages_sent": notification_selectors.for_subject(notify.subject_ref(dossier))[:20],
            "apology_url": reverse("desk:apology", args=[dossier.code])
            if any(item["name"] == Action.EXTEND for item in actions)
            else "",
            "control_slip_url": _optional_url("dossiers-papers:control-slip", code=dossier.code)
            if steps
            else "",
            "today": today,
        },
    )


def _form_errors(form) -> str:
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(str(e) for e in errors)
        parts.append(f"{label}: {text}" if label else text)
    return "; ".join(parts)


@staff_required
@require_POST
def dossier_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    service = DESK_SERVICES.get(action)
    form_class = DESK_FORMS.get(action)
    if service is None or form_class is None:
        return _not_found(request)
    dossier = (
        access.visible_dossiers(request.user)
        .select_related("procedure", "receiving_unit", "competent_unit")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        return _not_found(request)
    back = redirect("desk:dossier", code=dossier.code)
    form = form_class(request.POST, request.FILES, dossier=dossier)
    if not form.is_valid():
        messages.error(request, _("Chưa thực hiện: %(errors)s") % {"errors": _form_errors(form)})
        return back
    try:
        service(dossier, actor=request.user, **form.service_arguments())
    except services.StaleDossier:
        messages.error(request, _("Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại trang."))
    except services.NotAllowed as exc:
        return _forbidden(request, exc.message)
    except services.DossierError as exc:
        details = "; ".join(
            f"{message}" for messages_ in exc.errors.values() for message in messages_
        )
        text = exc.message + (f" ({details})" if details and details not in exc.message else "")
        messages.error(request, text)
    else:
        messages.success(
            request, _("Đã thực hiện: %(action)s.") % {"action": _action_label(action)}
        )
    return back


# ---------------------------------------------------------------------------------------
# Scans


@staff_required
@require_safe
def scan_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A scan, streamed from private storage to those who may see its dossier; else 404."""
    scan = DossierScan.objects.select_related("document__dossier").filter(pk=pk).first()
    if scan is None or not access.can_view(request.user, scan.document.dossier):
        return _not_found(request)
    try:
        handle = scan.file.open("rb")
    except FileNotFoundError:
        return _not_found(request)
    response = FileResponse(handle, content_type=scan.content_type, filename=scan.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
@require_safe
def apology_draft(request: HttpRequest, code: str) -> HttpResponse:
    """The draft of form 04 the reminder links to: a suggested new date and reason that the
    handler edits, then issues through the extend action."""
    dossier = _dossier_queryset(request.user).filter(code=code).first()
    if dossier is None:
        return _not_found(request)
    if Action.EXTEND not in access.allowed_actions(request.user, dossier):
        return _forbidden(request, _("Bạn không lập được phiếu xin lỗi cho hồ sơ này."))
    suggested = services.calendar_for(dossier).add_working_days(dossier.due_date, APOLOGY_DAYS)
    form = ACTION_FORMS[Action.EXTEND](
        dossier=dossier,
        initial={
            "new_due": suggested,
            "reason": _(
                "Hồ sơ cần thêm thời gian thẩm định, xác minh nên chưa thể trả kết quả đúng hẹn."
            ),
        },
    )
    return _render(request, "dossiers/desk/apology.html", {"dossier": dossier, "form": form})


# A first suggestion for the new date of an apology letter; the handler changes it.
APOLOGY_DAYS = 3
