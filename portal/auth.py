"""Sign-in protection shared by every login (desk, admin, citizen): the lockout after
repeated failures (django-axes) and the staff side of keeping staff and citizen accounts
apart. See docs/adr/0007-citizen-accounts.md."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LockoutBackend(AxesStandaloneBackend):
    """Refuses every sign-in to a locked-out account (first in AUTHENTICATION_BACKENDS).

    Axes refuses a call to authenticate() without a request; such a call comes from code
    (the test client's login(), a shell), never from a visitor, so it is let through to the
    other backends instead. Every login page passes its request."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_key(request, credentials: dict | None) -> str:
    """What a lockout is counted against (AXES_USERNAME_CALLABLE): the account. A citizen's
    phone number or e-mail address is resolved to their account's username, so failures
    by phone and by e-mail count together and a successful sign-in clears them; a staff
    member types their username."""
    credentials = credentials or {}
    login = credentials.get("citizen_login")
    if login is None and request is not None and "citizen_login" in getattr(request, "POST", {}):
        login = request.POST.get("citizen_login")
    if login is not None:
        from citizens.backends import account_key

        return account_key(login)
    username = credentials.get("username")
    if username is None and request is not None:
        username = getattr(request, "POST", {}).get("username")
    return (username or "").strip()


class StaffAuthenticationForm(AuthenticationForm):
    """The desk's login form: staff accounts only. A citizen account is refused with a
    pointer to the citizen sign-in."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "citizen_account": _(
            "Đây là tài khoản công dân. Công dân đăng nhập tại trang “Tài khoản công dân” "
            "(/account/login/)."
        ),
    }

    def confirm_login_allowed(self, user) -> None:
        if getattr(user, "is_citizen", False):
            raise forms.ValidationError(
                self.error_messages["citizen_account"], code="citizen_account"
            )
        super().confirm_login_allowed(user)


def lockout_response(request, original_response, credentials):
    """The page shown instead of a login form's answer while the account is locked
    (AXES_LOCKOUT_CALLABLE): what happened, how long, and how to get back in."""
    from django.conf import settings
    from django.shortcuts import render

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "lockout_minutes": minutes}
    response = render(request, "locked_out.html", context, status=429)
    response["Cache-Control"] = "private, no-store"
    return response
