"""What a staff user may see and do with dossiers: the dossier side of portal/access.py.

Every dossier view, API view and queryset goes through these functions.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal import access
from portal.models import Role, Unit, User

from .models import Dossier
from .workflow import CITIZEN, NEW, RULES, TRANSITIONS


def visible_dossiers(user: User) -> QuerySet[Dossier]:
    """Dossiers a staff user may read: those received by or to be processed by a unit the
    user belongs to (a province admin: every unit of the province)."""
    units = access.visible_units(user)
    if user.is_authenticated and user.is_superuser:
        return Dossier.objects.all()
    if not access.is_staff_member(user):
        return Dossier.objects.none()
    unit_ids = list(units.values_list("pk", flat=True))
    return Dossier.objects.filter(
        Q(receiving_unit_id__in=unit_ids) | Q(competent_unit_id__in=unit_ids)
    )


def can_view(user: User, dossier: Dossier) -> bool:
    return visible_dossiers(user).filter(pk=dossier.pk).exists()


def _side_matches(user: User, side: str, dossier: Dossier | None, receiving_unit: Unit | None):
    if side == "receiving":
        unit_id = dossier.receiving_unit_id if dossier else getattr(receiving_unit, "pk", None)
        return unit_id is not None and user.unit_id == unit_id
    if dossier is None:
        return False
    if side == "competent":
        return user.unit_id == dossier.competent_unit_id
    if side == "handler":
        return dossier.handler_id == user.pk
    raise ValueError(side)


def may_act(
    user: User, action: str, dossier: Dossier | None = None, *, receiving_unit: Unit | None = None
) -> bool:
    """True when the user's role and unit allow the action on this dossier (or, for the
    actions that create one, at `receiving_unit`). The status is checked separately."""
    if not (user.is_authenticated and user.is_active):
        return False
    if _is_citizen_account(user):
        # A citizen acts only on their own online dossier (or creates one).
        return any(
            role == CITIZEN
            and side == "owner"
            and (dossier is None or dossier.citizen_id == user.pk)
            for role, side in RULES.get(action, ())
        )
    if not user.role:
        return False
    return any(
        user.role == role and _side_matches(user, side, dossier, receiving_unit)
        for role, side in RULES.get(action, ())
    )


def _is_citizen_account(user: User) -> bool:
    """A citizen account: never staff (no role, no unit, not is_staff), whatever else."""
    return bool(
        getattr(user, "is_citizen", False)
        and not user.role
        and not user.is_staff
        and not user.is_superuser
    )


def allowed_actions(user: User, dossier: Dossier) -> list[str]:
    """The actions this user may take on the dossier now, in table order."""
    return [
        action
        for (status, action) in TRANSITIONS
        if status == dossier.status and status != NEW and may_act(user, action, dossier)
    ]


def assignable_specialists(dossier: Dossier) -> QuerySet[User]:
    return User.objects.filter(
        unit_id=dossier.competent_unit_id, role=Role.SPECIALIST, is_active=True
    ).order_by("last_name", "first_name", "username")


def logbook_units(user: User) -> QuerySet[Unit]:
    """Units whose dossier log book (form 06) the user may print: their own unit (any
    role), every unit of the province for a province admin."""
    return access.visible_units(user)


# --- Citizens (issue 6): the dossiers of a citizen account ----------------------------


def citizen_dossier_match(user: User) -> Q | None:
    """Which dossiers are the citizen's: those they submitted online, and those received
    at a desk whose applicant gave a phone number or e-mail address the account verified
    by a one-time code, or the account's ID number once a desk officer checked it
    (`id_verified_at`). None for anyone but an active citizen account."""
    if not (user.is_authenticated and user.is_active and getattr(user, "is_citizen", False)):
        return None
    if user.is_staff or user.is_superuser or user.role or user.unit_id:
        return None  # holds staff rights: not treated as a citizen (ADR 0007)
    match = Q(citizen_id=user.pk)
    if user.phone and user.phone_verified_at:
        match |= Q(applicant_phone=user.phone)
    if user.email and user.email_verified_at:
        match |= Q(applicant_email=user.email.lower())  # dossiers keep e-mail in lower case
    if user.id_number and user.id_verified_at:
        match |= Q(applicant_id_number=user.id_number)
    return match


def citizen_may_view(user: User, dossier: Dossier) -> bool:
    """Whether this citizen account may see the dossier (its tracking and papers)."""
    match = citizen_dossier_match(user)
    return match is not None and Dossier.objects.filter(match, pk=dossier.pk).exists()
