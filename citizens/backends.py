"""Signing in a citizen with their phone number or e-mail address and password.

Used only by the citizen login, which passes `citizen_login=` (never `username=`), so the
staff logins can never authenticate a citizen by phone number, and this backend never
returns a staff account."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from portal.models import User

from . import services

# Unverified sign-ups may share a phone number; a few are checked, the verified one first.
MAX_CANDIDATES = 3


def account_key(login: str) -> str:
    """The username of the account a login names, for counting failures (portal/auth.py),
    or the normalised login itself when it names none."""
    try:
        kind, value = services.parse_login(login)
    except services.AccountError:
        return (login or "").strip()[:254]
    account = services.citizen_accounts(kind, value).only("username").first()
    return account.username if account else f"{kind}:{value}"


class CitizenBackend(ModelBackend):
    def authenticate(self, request, citizen_login=None, password=None, **kwargs):
        if citizen_login is None or password is None:
            return None
        try:
            kind, value = services.parse_login(citizen_login)
        except services.AccountError:
            User().set_password(password)  # same work as a wrong password
            return None
        candidates = list(services.citizen_accounts(kind, value)[:MAX_CANDIDATES])
        if not candidates:
            User().set_password(password)
            return None
        for user in candidates:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None

    def user_can_authenticate(self, user) -> bool:
        return bool(user.is_citizen and not user.is_staff and super().user_can_authenticate(user))

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_citizen else None
