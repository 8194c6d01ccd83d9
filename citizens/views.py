"""The citizen's account, mounted at /account/: sign-up, sign-in, one-time codes, password
reset, profile, and "My dossiers". Thin: parse with a form, call a service, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login as auth_login, logout as auth_logout
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import get_usage

from dossiers import papers, tracking
from dossiers.models import Dossier, Paper
from dossiers.selectors import citizen_dossiers
from portal.models import User
from portal.responses import private_page as _page

from . import services
from .access import citizen_required, is_citizen
from .forms import (
    CodeForm,
    ContactForm,
    ForgotForm,
    LoginForm,
    ProfileForm,
    ResetForm,
    SignUpForm,
)
from .models import ContactKind
from .services import AccountError

BACKEND = "citizens.backends.CitizenBackend"
PAGE_SIZE = 20
# Session keys: the contact waiting for its code, and the contact a reset code went to.
VERIFY_KEY = "citizens.verify"
RESET_KEY = "citizens.reset"

RATE_GROUP = "citizens.account"


def _language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def _rate_key(group: str, request: HttpRequest) -> str:
    return tracking.client_address(request)


def _too_many(request: HttpRequest, *, count: bool = True) -> bool:
    """True when this client address made too many account requests lately (sign-ups,
    codes, resets, failed sign-ins); counts this one when `count`."""
    usage = get_usage(
        request,
        group=RATE_GROUP,
        key=_rate_key,
        rate=settings.ACCOUNT_RATE_LIMIT,
        increment=count,
    )
    if usage is None:  # RATELIMIT_ENABLE = False
        return False
    if count:
        return bool(usage["should_limit"])
    return bool(usage["should_limit"] or usage["count"] >= usage["limit"])


def _too_many_page(request, template: str, context: dict) -> HttpResponse:
    context["too_many"] = _(
        "Có quá nhiều yêu cầu từ địa chỉ mạng này. Vui lòng thử lại sau ít phút."
    )
    return _page(request, template, context, status=429)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("citizens:dossiers")


def _await_code(request, user: User, kind: str, contact: str, *, then_login: bool) -> None:
    request.session[VERIFY_KEY] = {
        "user": user.pk,
        "kind": kind,
        "contact": contact,
        "login": then_login,
        "next": _next_url(request),
    }


# --- Sign-up, sign-in, codes ---------------------------------------------------------------


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if is_citizen(request.user):
        return redirect("citizens:dossiers")
    if request.method != "POST":
        return _page(request, "citizens/signup.html", {"form": SignUpForm()})
    form = SignUpForm(request.POST)
    if _too_many(request):
        return _too_many_page(request, "citizens/signup.html", {"form": form})
    if form.is_valid():
        data = form.cleaned_data
        try:
            user, sent = services.sign_up(
                full_name=data["full_name"],
                phone=data["phone"],
                email=data["email"],
                id_number=data["id_number"],
                password=data["password1"],
                language=_language(),
            )
        except AccountError as exc:
            form.add_account_error(exc)
        else:
            _await_code(request, user, sent.kind, sent.contact, then_login=True)
            return redirect("citizens:verify")
    return _page(request, "citizens/signup.html", {"form": form}, status=400)


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "HEAD", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    if is_citizen(request.user):
        return redirect(_next_url(request))
    context = {"next": _next_url(request) if request.GET.get("next") else ""}
    if request.method != "POST":
        return _page(request, "citizens/login.html", {**context, "form": LoginForm(request)})
    context["next"] = request.POST.get("next", "")
    form = LoginForm(request, request.POST)
    context["form"] = form
    if _too_many(request, count=False):
        return _too_many_page(request, "citizens/login.html", context)
    if not form.is_valid():
        _too_many(request)  # a failed sign-in counts
        context["staff_login"] = form.staff_account
        return _page(request, "citizens/login.html", context, status=400)
    user = form.user
    if not services.has_verified_contact(user):
        # The password is right but no contact was confirmed yet: offer a new code.
        kind, contact = services.primary_contact(user)
        _await_code(request, user, kind, contact, then_login=True)
        context["unverified"] = services.mask(kind, contact)
        return _page(request, "citizens/login.html", context, status=403)
    auth_login(request, user, backend=BACKEND)
    return redirect(_next_url(request))


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return redirect("citizens:login")


def _pending(request: HttpRequest) -> tuple[User, dict] | None:
    """The account and contact waiting for a code: a signed-in citizen changing a contact,
    or one who just signed up / signed in with a right password but no verified contact."""
    state = request.session.get(VERIFY_KEY)
    if not state:
        return None
    if request.user.is_authenticated and request.user.pk != state.get("user"):
        return None
    user = User.objects.filter(pk=state["user"], is_citizen=True, is_active=True).first()
    return (user, state) if user is not None else None


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return redirect("citizens:login")
    user, state = pending
    context = {"masked": services.mask(state["kind"], state["contact"]), "kind": state["kind"]}
    if request.method != "POST":
        return _page(request, "citizens/verify.html", {**context, "form": CodeForm()})
    form = CodeForm(request.POST)
    context["form"] = form
    if form.is_valid():
        try:
            services.verify_contact(
                user, form.cleaned_data["code"], kind=state["kind"], contact=state["contact"]
            )
        except AccountError as exc:
            form.add_account_error(exc)
        else:
            del request.session[VERIFY_KEY]
            if state.get("login") and not request.user.is_authenticated:
                auth_login(request, user, backend=BACKEND)
                return redirect(state.get("next") or "citizens:dossiers")
            return redirect(reverse("citizens:profile") + "?verified=1")
    return _page(request, "citizens/verify.html", context, status=400)


@never_cache
@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return redirect("citizens:login")
    user, state = pending
    context = {
        "masked": services.mask(state["kind"], state["contact"]),
        "kind": state["kind"],
        "form": CodeForm(),
    }
    if _too_many(request):
        return _too_many_page(request, "citizens/verify.html", context)
    try:
        services.send_code(
            user,
            purpose=services.Purpose.VERIFY_CONTACT,
            kind=state["kind"],
            contact=state["contact"],
            language=_language(),
        )
    except AccountError as exc:
        context["refused"] = exc.message
        return _page(request, "citizens/verify.html", context, status=exc.status_code)
    return redirect(reverse("citizens:verify") + "?sent=1")


# --- Forgotten password --------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def forgot(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, "citizens/forgot.html", {"form": ForgotForm()})
    form = ForgotForm(request.POST)
    if _too_many(request):
        return _too_many_page(request, "citizens/forgot.html", {"form": form})
    if not form.is_valid():
        return _page(request, "citizens/forgot.html", {"form": form}, status=400)
    kind, contact = form.cleaned_data["login"]
    try:
        services.request_password_reset(kind, contact, language=_language())
    except AccountError as exc:
        form.add_account_error(exc)
        return _page(request, "citizens/forgot.html", {"form": form}, status=exc.status_code)
    request.session[RESET_KEY] = {"kind": kind, "contact": contact}
    return redirect("citizens:reset")


@never_cache
@sensitive_post_parameters("password1", "password2", "code")
@require_http_methods(["GET", "HEAD", "POST"])
def reset(request: HttpRequest) -> HttpResponse:
    state = request.session.get(RESET_KEY)
    if not state:
        return redirect("citizens:forgot")
    context = {"masked": services.mask(state["kind"], state["contact"])}
    if request.method != "POST":
        return _page(request, "citizens/reset.html", {**context, "form": ResetForm()})
    form = ResetForm(request.POST)
    context["form"] = form
    if _too_many(request, count=False):
        return _too_many_page(request, "citizens/reset.html", context)
    if form.is_valid():
        try:
            services.reset_password(
                state["kind"],
                state["contact"],
                form.cleaned_data["code"],
                form.cleaned_data["password1"],
            )
        except AccountError as exc:
            _too_many(request)
            form.add_account_error(exc)
        else:
            del request.session[RESET_KEY]
            return redirect(reverse("citizens:login") + "?reset=1")
    return _page(request, "citizens/reset.html", context, status=400)


# --- Profile -------------------------------------------------------------------------------


def _profile_context(user: User, **extra) -> dict:
    return {
        "account": user,
        "phone_form": ContactForm(initial={"kind": ContactKind.PHONE}, prefix="phone"),
        "email_form": ContactForm(initial={"kind": ContactKind.EMAIL}, prefix="email"),
        **extra,
    }


@never_cache
@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "full_name": user.get_full_name(),
        "address": user.address,
        "id_number": user.id_number,
    }
    if request.method != "POST":
        context = _profile_context(user, form=ProfileForm(initial=initial))
        context["verified"] = request.GET.get("verified") == "1"
        context["saved"] = request.GET.get("saved") == "1"
        return _page(request, "citizens/profile.html", context)
    form = ProfileForm(request.POST, initial=initial)
    if form.is_valid():
        try:
            services.update_profile(
                user,
                full_name=form.cleaned_data["full_name"],
                address=form.cleaned_data["address"],
                id_number=form.cleaned_data["id_number"],
            )
        except AccountError as exc:
            form.add_account_error(exc)
        else:
            return redirect(reverse("citizens:profile") + "?saved=1")
    return _page(request, "citizens/profile.html", _profile_context(user, form=form), status=400)


@never_cache
@citizen_required
@require_POST
def change_contact(request: HttpRequest) -> HttpResponse:
    user = request.user
    prefix = "email" if request.POST.get("email-kind") == ContactKind.EMAIL else "phone"
    contact_form = ContactForm(request.POST, prefix=prefix)
    initial = {
        "full_name": user.get_full_name(),
        "address": user.address,
        "id_number": user.id_number,
    }
    context = _profile_context(user, form=ProfileForm(initial=initial))
    context[f"{prefix}_form"] = contact_form
    if _too_many(request):
        return _too_many_page(request, "citizens/profile.html", context)
    if contact_form.is_valid():
        kind, contact = contact_form.contact()
        try:
            services.start_contact_change(user, kind=kind, contact=contact, language=_language())
        except AccountError as exc:
            contact_form.add_error(kind if kind in contact_form.fields else None, exc.message)
            return _page(request, "citizens/profile.html", context, status=exc.status_code)
        _await_code(request, user, kind, contact, then_login=False)
        return redirect("citizens:verify")
    return _page(request, "citizens/profile.html", context, status=400)


# --- My dossiers ---------------------------------------------------------------------------


@never_cache
@citizen_required
def dossier_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(citizen_dossiers(request.user), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return _page(
        request,
        "citizens/dossiers.html",
        {"page": page, "dossiers": page.object_list, "today": timezone.localdate()},
    )


def _own_dossier(request: HttpRequest, code: str) -> Dossier | None:
    """The citizen's dossier with this code; None for an unknown code and for a dossier of
    someone else alike (the page does not tell them apart)."""
    code = tracking.normalise_code(code)
    dossier = (
        citizen_dossiers(request.user)
        .select_related("competent_unit")
        .filter(code__in={code, code.upper()})
        .first()
    )
    return dossier


def _not_found(request: HttpRequest, code: str) -> HttpResponse:
    context = {"code": tracking.normalise_code(code)}
    return _page(request, "citizens/dossier_not_found.html", context, status=404)


@never_cache
@citizen_required
def dossier_detail(request: HttpRequest, code: str) -> HttpResponse:
    dossier = _own_dossier(request, code)
    if dossier is None:
        return _not_found(request, code)
    context = {
        "dossier": dossier,
        "result": tracking.tracking_for(dossier),
        "documents": list(dossier.documents.all()),
        "papers": list(dossier.papers.filter(kind__in=list(papers.TEMPLATES))),
    }
    return _page(request, "citizens/dossier.html", context)


@never_cache
@citizen_required
def paper_pdf(request: HttpRequest, code: str, paper_id: int) -> HttpResponse:
    """An issued paper of the citizen's dossier, as an electronic copy ("BẢN SAO"): the
    original is the one the desk printed; its QR code still verifies the paper."""
    dossier = _own_dossier(request, code)
    if dossier is None:
        return _not_found(request, code)
    paper = (
        Paper.objects.filter(pk=paper_id, dossier=dossier, kind__in=list(papers.TEMPLATES))
        .select_related("issued_by")
        .first()
    )
    if paper is None:
        return _not_found(request, code)
    paper.dossier = dossier
    pdf = papers.paper_pdf(paper, papers.CopyMark(timezone.now(), max(paper.prints, 1) + 1))
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = papers.paper_filename(paper, True)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
