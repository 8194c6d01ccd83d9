"""The one place that decides what a staff user may see and edit, by role and unit.

Every view, admin class, API view and queryset asks these functions; none of them
checks roles by itself.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from .models import Role, Unit, User


def is_province_admin(user: User) -> bool:
    return bool(user.is_active and (user.is_superuser or user.role == Role.PROVINCE_ADMIN))


def is_staff_member(user: User) -> bool:
    """An active staff account. A citizen account is never one, whatever else it holds
    (ADR 0007)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and not user.is_citizen
        and (user.is_superuser or user.role)
    )


def visible_units(user: User) -> QuerySet[Unit]:
    """Units whose data the user may read: a province admin all units of the province,
    everybody else their own unit."""
    if not is_staff_member(user):
        return Unit.objects.none()
    if user.is_superuser:
        return Unit.objects.all()
    if user.unit_id is None:
        return Unit.objects.none()
    if user.role == Role.PROVINCE_ADMIN:
        province_id = user.unit.parent_id or user.unit_id
        return Unit.objects.filter(Q(pk=province_id) | Q(parent_id=province_id))
    return Unit.objects.filter(pk=user.unit_id)


def editable_units(user: User) -> QuerySet[Unit]:
    """Units whose local data (procedure offering, counters, forms) the user may edit."""
    if is_province_admin(user):
        return visible_units(user)
    if user.is_active and user.role == Role.COMMUNE_ADMIN and user.unit_id:
        return Unit.objects.filter(pk=user.unit_id)
    return Unit.objects.none()


def can_edit_unit(user: User, unit: Unit | None) -> bool:
    return unit is not None and editable_units(user).filter(pk=unit.pk).exists()


def can_edit_catalogue(user: User) -> bool:
    """The province catalogue (the procedures themselves) is kept by province admins."""
    return is_province_admin(user)


def can_manage_staff(user: User) -> bool:
    return is_province_admin(user)


def calendar_provinces(user: User) -> QuerySet[Unit]:
    """Provinces whose calendar (extra days off, working days) the user keeps: a province
    admin their own province's, a superuser every one's."""
    if not is_province_admin(user):
        return Unit.objects.none()
    return visible_units(user).filter(parent__isnull=True)


def can_use_admin(user: User) -> bool:
    """The staff admin is for active staff accounts that hold a role (or superusers)."""
    return bool(is_staff_member(user) and user.is_staff)


def can_view_catalogue_admin(user: User) -> bool:
    """Every staff member may read the province catalogue in the admin."""
    return can_use_admin(user)


def can_edit_unit_structure(user: User, unit: Unit | None = None) -> bool:
    """Code, kind, parent and name of a unit belong to the province; a commune admin keeps
    only their own unit's contact details and hours. The province unit itself is changed
    only by a superuser."""
    if user.is_active and user.is_superuser:
        return True
    if not is_province_admin(user):
        return False
    return unit is None or (unit.parent_id is not None and can_edit_unit(user, unit))


def manageable_staff(user: User) -> QuerySet[User]:
    """Staff accounts the user may manage: a province admin those of the province's units
    (superusers excepted), a superuser everyone, anybody else no one."""
    if not can_manage_staff(user):
        return User.objects.none()
    if user.is_superuser:
        return User.objects.all()
    return User.objects.filter(unit__in=visible_units(user), is_superuser=False)
