"""Pages of the feedback app.

Public: the rating page behind the invitation's signed link (`/rate/<token>`), rating by
dossier code and phone / ID number when the link is lost or expired (`/rate/`), rating from
the citizen's account, the feedback form (`/feedback/new/`) and a feedback's status and reply
(`/feedback/<reference>/`). Desk: the counter tablet (`/desk/dossiers/<code>/rate/`), the
feedback inbox and reply (`/desk/feedback/`), the indicators (`/desk/indicators/`).

Thin views: a form parses, a service acts or a selector reads. Lookups by a code and a
second factor are rate-limited with the tracking page's limiter (one budget of wrong guesses
per client for every such lookup).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.core import get_usage

from dossiers import access as dossier_access, notify, tracking
from dossiers.models import Dossier, DossierStatus
from dossiers.views import _render as desk_render, staff_required
from portal import access
from portal.responses import private_page as _page
from procedures.models import Procedure

from . import selectors, services
from .forms import (
    ContactForm,
    FeedbackForm,
    InboxForm,
    RateLookupForm,
    RatingForm,
    ReplyForm,
    parse_month,
)
from .models import QUESTIONS, Feedback, Rating, RatingChannel

PAGE_SIZE = 25
SESSION_KEY = "feedback_references"  # feedback this browser sent: shown without the contact
DOSSIER_LINK_SALT = "feedback.dossier-link"


# ---------------------------------------------------------------------------------------
# Ratings


def _rating_page(
    request: HttpRequest,
    dossier: Dossier,
    *,
    channel: str,
    actor=None,
    template: str = "feedback/rate.html",
    extra: dict | None = None,
) -> HttpResponse:
    """The form, the thanks, "already rated" or "not returned yet": the same for every
    channel."""
    context = {"dossier": dossier, "channel": channel, **(extra or {})}
    if dossier.status != DossierStatus.RETURNED:
        return _page(request, template, {**context, "not_returned": True}, status=409)
    if Rating.objects.filter(dossier=dossier).exists():
        status = 409 if request.method == "POST" else 200
        return _page(request, template, {**context, "already": True}, status=status)
    if request.method != "POST":
        return _page(request, template, {**context, "form": RatingForm()})
    form = RatingForm(request.POST)
    if not form.is_valid():
        return _page(request, template, {**context, "form": form}, status=400)
    try:
        services.submit_rating(
            dossier,
            answers={name: form.cleaned_data[name] for name in QUESTIONS},
            comment=form.cleaned_data["comment"],
            channel=channel,
            actor=actor,
        )
    except services.AlreadyRated:
        return _page(request, template, {**context, "already": True}, status=409)
    except services.FeedbackError as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        if not exc.errors:
            form.add_error(None, exc.message)
        return _page(request, template, {**context, "form": form}, status=exc.status_code)
    return _page(request, template, {**context, "thanks": True})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation's link."""
    try:
        dossier = services.dossier_from_token(token)
    except services.BadLink as exc:
        context = {
            "expired": isinstance(exc, services.ExpiredLink),
            "message": exc.message,
            "form": RateLookupForm(),
        }
        return _page(request, "feedback/rate_lookup.html", context, status=exc.status_code)
    return _rating_page(request, dossier, channel=RatingChannel.WEB)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rate_lookup(request: HttpRequest) -> HttpResponse:
    """Rating without the link: the dossier code and the phone or ID number given."""
    if request.method != "POST":
        form = RateLookupForm(initial={"code": tracking.normalise_code(request.GET.get("code"))})
        return _page(request, "feedback/rate_lookup.html", {"form": form})
    limit = tracking.check_limit(request)
    if limit.limited:
        minutes = max(1, (limit.retry_after + 59) // 60)
        message = _("Ông/bà đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.")
        response = _page(
            request,
            "feedback/rate_lookup.html",
            {"form": RateLookupForm(), "too_many": message % {"minutes": minutes}},
            status=429,
        )
        response["Retry-After"] = str(limit.retry_after)
        return response
    form = RateLookupForm(request.POST)
    if not form.is_valid():
        return _page(request, "feedback/rate_lookup.html", {"form": form}, status=400)
    factor = form.cleaned_data["factor"]
    dossier = tracking.find_dossier(form.cleaned_data["code"], phone=factor, id_number=factor)
    if dossier is None:
        tracking.record_failure(request)
        form = RateLookupForm(initial={"code": form.cleaned_data["code"]})
        return _page(
            request, "feedback/rate_lookup.html", {"form": form, "not_found": True}, status=404
        )
    return redirect(notify.RATING_PATH + notify.rating_token(dossier))


def _citizen_or_login(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("citizens:login"))
    if not selectors.is_citizen(request.user):
        return _page(request, "feedback/forbidden.html", status=403)
    return None


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def rate_in_account(request: HttpRequest, code: str) -> HttpResponse:
    """From the citizen's account: their own dossiers only (another's is "not found")."""
    refused = _citizen_or_login(request)
    if refused:
        return refused
    dossier = (
        selectors.citizen_dossiers(request.user)
        .select_related("procedure", "receiving_unit", "competent_unit")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        return _page(request, "feedback/not_found.html", status=404)
    return _rating_page(request, dossier, channel=RatingChannel.ACCOUNT, actor=request.user)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def rate_at_counter(request: HttpRequest, code: str) -> HttpResponse:
    """The tablet at the counter: the officer opens it and hands it to the citizen."""
    dossier = (
        dossier_access.visible_dossiers(request.user)
        .select_related("procedure", "receiving_unit", "competent_unit")
        .filter(code=code)
        .first()
    )
    if dossier is None:
        return desk_render(request, "dossiers/desk/404.html", status=404)
    if not services.may_record_at_counter(request.user, dossier):
        message = _("Chỉ cán bộ một cửa của đơn vị mới mở được trang đánh giá tại quầy.")
        return desk_render(request, "dossiers/desk/403.html", {"message": message}, status=403)
    response = _rating_page(
        request,
        dossier,
        channel=RatingChannel.COUNTER,
        actor=request.user,
        template="feedback/kiosk.html",
        extra={"back_url": reverse("desk:dossier", args=[dossier.code])},
    )
    return response


# ---------------------------------------------------------------------------------------
# Feedback: the citizen's side


def dossier_link_value(code: str) -> str:
    """The dossier a feedback form is about, signed: only a page that showed the dossier to
    its applicant (tracking, account) can make one."""
    return signing.dumps(code, salt=DOSSIER_LINK_SALT)


def _linked_dossier(value: str) -> Dossier | None:
    if not value:
        return None
    try:
        code = signing.loads(value, salt=DOSSIER_LINK_SALT)
    except signing.BadSignature:
        return None
    return Dossier.objects.select_related("procedure", "competent_unit").filter(code=code).first()


def _procedure(code: str) -> Procedure | None:
    # A posted code is not a form field: a NUL in it would be a DataError on PostgreSQL.
    return Procedure.objects.filter(code=code).first() if code and "\x00" not in code else None


# Sending feedback is open to anyone and sends an acknowledgement to the phone or e-mail
# typed in: a cap per client keeps the form from being used to flood someone's phone.
SUBMIT_GROUP = "feedback.submit"


def _submit_usage(request: HttpRequest, *, increment: bool):
    rate = getattr(settings, "FEEDBACK_SUBMIT_RATE_LIMIT", "5/h")
    return get_usage(
        request,
        group=SUBMIT_GROUP,
        key=lambda _group, req: tracking.client_address(req),
        rate=rate,
        increment=increment,
    )


def _submit_limited(request: HttpRequest) -> int:
    """Seconds to wait before this client may send feedback again (0: now)."""
    usage = _submit_usage(request, increment=False)
    if usage is None or not (usage["should_limit"] or usage["count"] >= usage["limit"]):
        return 0
    return max(int(usage["time_left"]), 1)


def _remember(request: HttpRequest, reference: str) -> None:
    seen = list(request.session.get(SESSION_KEY, []))[-19:]
    request.session[SESSION_KEY] = [*seen, reference]


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def feedback_new(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    dossier = _linked_dossier(source.get("dossier", ""))
    procedure = None if dossier else _procedure(source.get("procedure", ""))
    citizen = request.user if selectors.is_citizen(request.user) else None
    context = {
        "dossier": dossier,
        "procedure": dossier.procedure if dossier else procedure,
        "reply_days": settings.FEEDBACK_REPLY_WORKING_DAYS,
    }
    if request.method != "POST":
        initial = {"dossier": source.get("dossier", "") if dossier else ""}
        if procedure:
            initial["procedure"] = procedure.code
        unit_code = request.GET.get("unit")
        if unit_code and not dossier:
            initial["unit"] = FeedbackForm().fields["unit"].queryset.filter(code=unit_code).first()
        if citizen:
            initial.update(
                name=citizen.get_full_name(),
                phone=citizen.phone if citizen.phone_verified_at else "",
                email=citizen.email if citizen.email_verified_at else "",
            )
        form = FeedbackForm(initial=initial, with_unit=dossier is None)
        return _page(request, "feedback/new.html", {**context, "form": form})

    form = FeedbackForm(request.POST, with_unit=dossier is None)
    wait = _submit_limited(request)
    if wait:
        minutes = max(1, (wait + 59) // 60)
        message = _(
            "Máy này đã gửi nhiều phản ánh trong thời gian ngắn. "
            "Vui lòng thử lại sau %(minutes)s phút."
        )
        form.add_error(None, message % {"minutes": minutes})
        response = _page(request, "feedback/new.html", {**context, "form": form}, status=429)
        response["Retry-After"] = str(wait)
        return response
    if not form.is_valid():
        return _page(request, "feedback/new.html", {**context, "form": form}, status=400)
    data = form.cleaned_data
    try:
        feedback = services.submit_feedback(
            name=data["name"],
            phone=data["phone"],
            email=data["email"],
            subject=data["subject"],
            content=data["content"],
            unit=data.get("unit"),
            procedure=procedure,
            dossier=dossier,
            citizen=citizen,
            language=get_language() or "vi",
        )
    except services.FeedbackError as exc:
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return _page(request, "feedback/new.html", {**context, "form": form}, status=400)
    _submit_usage(request, increment=True)
    _remember(request, feedback.reference)
    return redirect(reverse("feedback:detail", args=[feedback.reference]) + "?new=1")


def _shown_without_contact(request: HttpRequest, reference: str) -> Feedback | None:
    own = reference in request.session.get(SESSION_KEY, [])
    citizen = selectors.is_citizen(request.user)
    if not (own or citizen):
        return None
    feedback = (
        Feedback.objects.select_related("unit", "procedure", "dossier")
        .filter(reference=reference)
        .first()
    )
    if feedback is None or not (own or feedback.citizen_id == request.user.pk):
        return None
    return feedback


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def feedback_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Status and reply, for whoever gives the phone or e-mail the feedback was sent with
    (an unknown reference and a wrong contact get the same answer)."""
    reference = reference.strip().upper()[:20]
    feedback = _shown_without_contact(request, reference)
    context = {"reference": reference}
    if feedback is not None:
        return _page(
            request,
            "feedback/detail.html",
            {**context, "feedback": feedback, "new": request.GET.get("new") == "1"},
        )
    if request.method != "POST":
        return _page(request, "feedback/detail.html", {**context, "form": ContactForm()})
    limit = tracking.check_limit(request)
    if limit.limited:
        minutes = max(1, (limit.retry_after + 59) // 60)
        message = _("Ông/bà đã tra cứu sai quá nhiều lần. Vui lòng thử lại sau %(minutes)s phút.")
        response = _page(
            request,
            "feedback/detail.html",
            {**context, "form": ContactForm(), "too_many": message % {"minutes": minutes}},
            status=429,
        )
        response["Retry-After"] = str(limit.retry_after)
        return response
    form = ContactForm(request.POST)
    if not form.is_valid():
        return _page(request, "feedback/detail.html", {**context, "form": form}, status=400)
    feedback = selectors.find_feedback(reference, form.cleaned_data["contact"])
    if feedback is None:
        tracking.record_failure(request)
        return _page(
            request,
            "feedback/detail.html",
            {**context, "form": ContactForm(), "not_found": True},
            status=404,
        )
    return _page(request, "feedback/detail.html", {**context, "feedback": feedback})


@never_cache
@require_safe
def my_feedback(request: HttpRequest) -> HttpResponse:
    refused = _citizen_or_login(request)
    if refused:
        return refused
    page = Paginator(
        selectors.citizen_feedback(request.user).order_by("-created_at"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return _page(request, "feedback/mine.html", {"page": page})


# ---------------------------------------------------------------------------------------
# Feedback: the desk's inbox and reply


@staff_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    user = request.user
    units = access.visible_units(user) if access.is_province_admin(user) else None
    form = InboxForm(request.GET or None, units=units)
    filters = selectors.InboxFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.InboxFilter(
            status=data["status"],
            flag=data["flag"],
            unit=data["unit"].pk if data.get("unit") else None,
            q=data["q"],
        )
    today = selectors.today_local()
    queryset, soon = selectors.inbox(user, filters, today=today)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"feedback": f, "flags": selectors.flags(f, today, soon)} for f in page]
    query = request.GET.copy()
    query.pop("page", None)
    return desk_render(
        request,
        "feedback/desk/inbox.html",
        {"form": form, "page": page, "rows": rows, "query": query.urlencode(), "today": today},
    )


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def desk_feedback(request: HttpRequest, reference: str) -> HttpResponse:
    feedback = (
        selectors.visible_feedback(request.user)
        .select_related("unit", "procedure", "dossier", "replied_by")
        .filter(reference=reference)
        .first()
    )
    if feedback is None:
        return desk_render(request, "dossiers/desk/404.html", status=404)
    may_reply = services.may_reply(request.user, feedback)
    form = ReplyForm() if may_reply and feedback.status == "new" else None
    status = 200
    if request.method == "POST":
        if not may_reply:
            message = _("Bạn không có quyền trả lời phản ánh này.")
            return desk_render(request, "dossiers/desk/403.html", {"message": message}, status=403)
        form = ReplyForm(request.POST)
        if form.is_valid():
            try:
                services.reply_feedback(
                    feedback, actor=request.user, reply=form.cleaned_data["reply"]
                )
            except services.FeedbackError as exc:
                form.add_error("reply" if "reply" in exc.errors else None, exc.message)
                status = exc.status_code
            else:
                messages.success(request, _("Đã gửi trả lời cho người phản ánh."))
                return redirect("feedback-desk:feedback", reference=feedback.reference)
        else:
            status = 400
    today = selectors.today_local()
    return desk_render(
        request,
        "feedback/desk/feedback.html",
        {
            "feedback": feedback,
            "form": form,
            "events": feedback.events.select_related("actor"),
            "flags": selectors.flags(feedback, today, today),
        },
        status=status,
    )


@staff_required
@require_safe
def indicators(request: HttpRequest) -> HttpResponse:
    units = list(selectors.indicator_units(request.user).order_by("code"))
    if not units:
        message = _("Chỉ lãnh đạo, quản trị cấp xã và quản trị cấp tỉnh xem được chỉ số.")
        return desk_render(request, "dossiers/desk/403.html", {"message": message}, status=403)
    today = selectors.today_local()
    month = parse_month(request.GET.get("month"), today)
    if month is None:
        return desk_render(
            request,
            "feedback/desk/indicators.html",
            {"bad_month": True, "month_value": today.strftime("%Y-%m")},
            status=400,
        )
    year, number = month
    rows = selectors.unit_indicators(units, year, number, today=today)
    previous = (year - (number == 1), (number - 2) % 12 + 1)
    following = (year + (number == 12), number % 12 + 1)
    return desk_render(
        request,
        "feedback/desk/indicators.html",
        {
            "rows": rows,
            "total": selectors.total(rows) if len(rows) > 1 else None,
            "questions": QUESTIONS,
            "month_value": f"{year:04d}-{number:02d}",
            "month_label": f"{number:02d}/{year:04d}",
            "previous": "?" + urlencode({"month": f"{previous[0]:04d}-{previous[1]:02d}"}),
            "following": "?" + urlencode({"month": f"{following[0]:04d}-{following[1]:02d}"}),
        },
    )
