"""The catalogue's workflow services: publish, archive with successor, restore."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from procedures import services
from procedures.models import Procedure, Status
from tests.factories import ProcedureFactory

ACTIONS = {
    services.PUBLISH: services.publish_procedure,
    services.ARCHIVE: services.archive_procedure,
    services.RESTORE: services.restore_procedure,
}
ALL_PAIRS = [(status, action) for status in Status.values for action in ACTIONS]
ALLOWED = [pair for pair in ALL_PAIRS if pair in services.TRANSITIONS]
FORBIDDEN = [pair for pair in ALL_PAIRS if pair not in services.TRANSITIONS]


def test_transition_table_reads_as_the_workflow():
    assert services.TRANSITIONS == {
        (Status.DRAFT, services.PUBLISH): Status.PUBLISHED,
        (Status.PUBLISHED, services.ARCHIVE): Status.ARCHIVED,
        (Status.ARCHIVED, services.RESTORE): Status.PUBLISHED,
    }
    # A published procedure never goes back to draft: its QR codes are printed.
    assert not any(new == Status.DRAFT for new in services.TRANSITIONS.values())


@pytest.mark.parametrize(("status", "action"), ALLOWED)
def test_allowed_transition(status, action, province_admin):
    procedure = ProcedureFactory(status=status)
    revision = procedure.revision
    history_before = procedure.history.count()

    result = ACTIONS[action](procedure, user=province_admin)

    procedure.refresh_from_db()
    assert procedure.status == services.TRANSITIONS[(status, action)] == result.status
    assert procedure.revision == revision + 1
    assert procedure.history.count() == history_before + 1
    latest = procedure.history.first()
    assert latest.history_user == province_admin
    assert latest.status == procedure.status
    assert latest.history_change_reason


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_forbidden_transition_changes_nothing(status, action, province_admin):
    procedure = ProcedureFactory(status=status)
    revision = procedure.revision
    history_before = procedure.history.count()

    with pytest.raises(services.IllegalTransition) as error:
        ACTIONS[action](procedure, user=province_admin)

    assert str(Status(status).label) in str(error.value)
    procedure.refresh_from_db()
    assert procedure.status == status
    assert procedure.revision == revision
    assert procedure.history.count() == history_before


@pytest.mark.parametrize("action", list(ACTIONS))
def test_only_catalogue_editors_change_status(action, commune_admin, desk_officer):
    status = next(s for (s, a) in services.TRANSITIONS if a == action)
    procedure = ProcedureFactory(status=status)
    for user in (commune_admin, desk_officer):
        with pytest.raises(PermissionDenied):
            ACTIONS[action](procedure, user=user)
    procedure.refresh_from_db()
    assert procedure.status == status


def test_archive_with_successor_links_to_it(province_admin):
    old = ProcedureFactory(code="1.000001", status=Status.PUBLISHED)
    new = ProcedureFactory(code="1.000002", status=Status.PUBLISHED)

    services.archive_procedure(old, user=province_admin, successor=new)

    old.refresh_from_db()
    assert old.status == Status.ARCHIVED
    assert old.replaced_by == new
    assert "1.000002" in old.history.first().history_change_reason
    assert list(new.replaces.all()) == [old]


def test_archive_without_successor(province_admin):
    procedure = ProcedureFactory(status=Status.PUBLISHED)
    services.archive_procedure(procedure, user=province_admin, successor=None)
    procedure.refresh_from_db()
    assert procedure.status == Status.ARCHIVED
    assert procedure.replaced_by is None


@pytest.mark.parametrize("successor_status", [Status.DRAFT, Status.ARCHIVED])
def test_archive_refuses_a_successor_that_is_not_published(successor_status, province_admin):
    procedure = ProcedureFactory(code="1.000001", status=Status.PUBLISHED)
    successor = ProcedureFactory(code="1.000002", status=successor_status)

    with pytest.raises(services.WorkflowError, match="1.000002"):
        services.archive_procedure(procedure, user=province_admin, successor=successor)

    procedure.refresh_from_db()
    assert (procedure.status, procedure.replaced_by) == (Status.PUBLISHED, None)


def test_archive_refuses_itself_as_successor(province_admin):
    procedure = ProcedureFactory(status=Status.PUBLISHED)
    with pytest.raises(services.WorkflowError):
        services.archive_procedure(procedure, user=province_admin, successor=procedure)
    procedure.refresh_from_db()
    assert procedure.status == Status.PUBLISHED


def test_restore_clears_the_successor(province_admin):
    old = ProcedureFactory(code="1.000001", status=Status.PUBLISHED)
    new = ProcedureFactory(code="1.000002", status=Status.PUBLISHED)
    services.archive_procedure(old, user=province_admin, successor=new)

    services.restore_procedure(old, user=province_admin)

    old.refresh_from_db()
    assert (old.status, old.replaced_by) == (Status.PUBLISHED, None)


def test_status_change_drops_cached_pages(province_admin, django_capture_on_commit_callbacks):
    procedure = ProcedureFactory(status=Status.DRAFT)
    before = services.cache_revision(procedure.code)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish_procedure(procedure, user=province_admin)
    assert services.cache_revision(procedure.code) != before
    cache.clear()


def test_stale_object_is_checked_against_the_database(province_admin):
    """The service re-reads (and locks) the row: a stale in-memory status is not trusted."""
    procedure = ProcedureFactory(status=Status.DRAFT)
    stale = Procedure.objects.get(pk=procedure.pk)
    services.publish_procedure(procedure, user=province_admin)
    with pytest.raises(services.IllegalTransition):
        services.publish_procedure(stale, user=province_admin)


def test_offering_changed_bumps_the_revision(procedure, commune):
    from procedures.models import UnitProcedure

    offering = UnitProcedure.objects.create(unit=commune, procedure=procedure, counter_vi="Quầy 1")
    revision = Procedure.objects.get(pk=procedure.pk).revision
    services.offering_changed(offering)
    assert Procedure.objects.get(pk=procedure.pk).revision == revision + 1
