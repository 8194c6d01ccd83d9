"""Queries used by more than one view, API or command."""

from __future__ import annotations

from django.db.models import Prefetch

from portal.models import Unit

from .models import LocalForm, Procedure, UnitProcedure


def public_procedure(code: str) -> Procedure | None:
    """A published or archived procedure with everything its page shows, in a fixed
    number of queries."""
    return (
        Procedure.objects.public()
        .select_related("field", "replaced_by")
        .prefetch_related("steps", "fees", "documents", "legal_basis")
        .filter(code=code)
        .first()
    )


def active_unit(code: str | None) -> Unit | None:
    if not code:
        return None
    return Unit.objects.filter(code=code, is_active=True).first()


def unit_offering(unit: Unit | None, procedure: Procedure) -> UnitProcedure | None:
    """The unit's local details for a procedure it offers, with its forms."""
    if unit is None:
        return None
    return (
        UnitProcedure.objects.filter(unit=unit, procedure=procedure, is_active=True)
        .prefetch_related(Prefetch("forms", queryset=LocalForm.objects.order_by("position")))
        .first()
    )
