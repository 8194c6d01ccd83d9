"""The transition table, row by row: every (status, action) pair is either allowed (and
leads to the status the table says) or refused with WrongStatus and changes nothing."""

import itertools

import pytest

from dossiers import services
from dossiers.models import Dossier, DossierEvent, DossierStatus
from dossiers.workflow import NEW, RULES, TRANSITIONS, Action
from portal.models import Role

from .conftest import all_documents, at, receive

EXISTING_ACTIONS = list(services.ACTION_SERVICES)
STATUSES = [s for s in DossierStatus.values if s != DossierStatus.SUBMITTED_ONLINE]
MATRIX = list(itertools.product(STATUSES, EXISTING_ACTIONS))


def test_every_action_with_a_service_is_in_the_table_and_has_rules():
    table_actions = {action for (_, action) in TRANSITIONS}
    assert set(EXISTING_ACTIONS) <= table_actions
    assert set(RULES) == set(Action.values)


def params_for(action, dossier, ctx):
    return {
        Action.COMPLETE: {"documents": all_documents(dossier.procedure)},
        Action.TRANSFER: {"to_unit": ctx["other_commune"]},
        Action.ASSIGN: {"handler": ctx["specialist"]},
        Action.REQUEST_SUPPLEMENT: {"missing": "Bản sao sổ hộ khẩu"},
        Action.SEND_BACK: {"note": "Kiểm tra lại"},
        Action.APPROVE: {"result": "Giấy chứng nhận kết hôn"},
        Action.DENY: {"reason": "Không đủ điều kiện"},
        Action.EXTEND: {
            "new_due": services.calendar_for(dossier).add_working_days(dossier.due_date, 2),
            "reason": "Cần xác minh thêm",
        },
        Action.RETURN_RESULT: {"returned_to": "Nguyễn Văn An"},
        Action.WITHDRAW: {"reason": "Công dân đề nghị"},
    }.get(action, {})


def actor_for(action, ctx):
    role, side = RULES[action][0]
    return {
        (Role.DESK_OFFICER, "receiving"): ctx["desk_officer"],
        (Role.DESK_OFFICER, "competent"): ctx["desk_officer"],
        (Role.LEADER, "competent"): ctx["leader"],
        (Role.SPECIALIST, "handler"): ctx["specialist"],
    }[(role, side)]


@pytest.fixture
def ctx(desk_officer, specialist, leader, other_commune):
    return locals()


@pytest.mark.parametrize(("status", "action"), MATRIX, ids=[f"{s}-{a}" for s, a in MATRIX])
def test_transition_row(status, action, ctx, three_day_procedure):
    dossier = receive(three_day_procedure, ctx["desk_officer"], when=at(2026, 12, 7, 9))
    Dossier.objects.filter(pk=dossier.pk).update(status=status, handler=ctx["specialist"])
    dossier.refresh_from_db()
    service = services.ACTION_SERVICES[action]
    expected = TRANSITIONS.get((status, action))
    events_before = DossierEvent.objects.filter(dossier=dossier).count()
    call = lambda: service(  # noqa: E731
        dossier,
        actor=actor_for(action, ctx),
        version=dossier.version,
        now=at(2026, 12, 8, 10),
        **params_for(action, dossier, ctx),
    )
    if expected is None:
        with pytest.raises(services.WrongStatus):
            call()
        dossier.refresh_from_db()
        assert dossier.status == status
        assert DossierEvent.objects.filter(dossier=dossier).count() == events_before
    else:
        result = call()
        result.refresh_from_db()
        assert result.status == expected
        last = result.events.last()
        assert (last.action, last.from_status, last.to_status) == (action, status, expected)
        assert result.version == dossier.version + 1


CREATION = [a for (s, a) in TRANSITIONS if s == NEW]


@pytest.mark.parametrize("action", CREATION)
def test_creation_rows(action, desk_officer, three_day_procedure, same_day_procedure):
    procedure = same_day_procedure if action == Action.RECEIVE_AND_RETURN else three_day_procedure
    documents = all_documents(procedure, provided=action != Action.RECEIVE_INCOMPLETE)
    extra = {}
    if action == Action.REFUSE:
        extra["note"] = "Không thuộc thẩm quyền"
    if action == Action.RECEIVE_AND_RETURN:
        extra.update(result="Bản sao chứng thực", returned_to="Nguyễn Văn An")
    dossier = receive(procedure, desk_officer, outcome=action, documents=documents, **extra)
    assert dossier.status == TRANSITIONS[(NEW, action)]
    assert dossier.events.get().to_status == dossier.status


@pytest.mark.parametrize("action", EXISTING_ACTIONS)
def test_wrong_role_is_refused_and_changes_nothing(action, ctx, commune_admin, three_day_procedure):
    """A commune admin holds none of the dossier roles: every action is refused."""
    dossier = receive(three_day_procedure, ctx["desk_officer"])
    allowed_from = [s for (s, a) in TRANSITIONS if a == action and s != NEW]
    Dossier.objects.filter(pk=dossier.pk).update(status=allowed_from[0], handler=ctx["specialist"])
    dossier.refresh_from_db()
    with pytest.raises(services.NotAllowed):
        services.ACTION_SERVICES[action](
            dossier,
            actor=commune_admin,
            version=dossier.version,
            **params_for(action, dossier, ctx),
        )
    dossier.refresh_from_db()
    assert dossier.status == allowed_from[0]
