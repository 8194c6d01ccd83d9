"""Who is a citizen, for the pages of the citizen's account (ADR 0007).

A citizen account and a staff account live in the same User table but never mix: these
checks are the citizen side of `portal/access.py`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.urls import reverse

from portal.access import is_staff_member
from portal.responses import private_page


def is_citizen(user) -> bool:
    """An active citizen account holding no staff right (an account that somehow holds
    both is treated as neither: refused on both sides)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and getattr(user, "is_citizen", False)
        and not user.is_staff
        and not user.is_superuser
        and not user.role
        and user.unit_id is None
        and not is_staff_member(user)
    )


def citizen_required(view):
    """Decorator for citizen pages: anonymous visitors go to the citizen login (then come
    back), a signed-in staff account gets a 403 page pointing to the desk."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("citizens:login"))
        if not is_citizen(user):
            return private_page(request, "citizens/staff_refused.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
