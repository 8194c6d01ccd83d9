"""The transition table, row by row: every (status, action) pair is either allowed (and
leads to the status the table says) or refused with WrongStatus and changes nothing."""

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import access, online, services
from dossiers.models import Dossier, DossierChannel, DossierEvent, DossierStatus
from dossiers.workflow import NEW, RULES, TRANSITIONS, Action
from portal.models import Role
from tests.factories import CitizenFactory

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


# The desk's creation rows; the citizen's (submit_online) is tested below.
CREATION = [a for (s, a) in TRANSITIONS if s == NEW and a != Action.SUBMIT_ONLINE]


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


# --- Online: the desk's check of an online dossier, and the citizen's own rows ------------

ONLINE_DESK = list(online.DESK_ACTION_SERVICES)
ONLINE_MATRIX = list(itertools.product(DossierStatus.values, ONLINE_DESK))


def online_dossier(procedure, desk_officer, citizen, status):
    dossier = receive(procedure, desk_officer, when=at(2026, 12, 7, 9))
    Dossier.objects.filter(pk=dossier.pk).update(
        status=status, channel=DossierChannel.ONLINE, citizen=citizen, received_at=None
    )
    dossier.refresh_from_db()
    return dossier


@pytest.mark.parametrize(
    ("status", "action"), ONLINE_MATRIX, ids=[f"{s}-{a}" for s, a in ONLINE_MATRIX]
)
def test_online_desk_row(status, action, desk_officer, citizen, three_day_procedure):
    dossier = online_dossier(three_day_procedure, desk_officer, citizen, status)
    params = {
        Action.RECEIVE_INCOMPLETE: {"documents": [dossier.documents.first().pk]},
        Action.REFUSE: {"reason": "Không thuộc thẩm quyền"},
    }.get(action, {})
    expected = TRANSITIONS.get((status, action))
    call = lambda: online.DESK_ACTION_SERVICES[action](  # noqa: E731
        dossier, actor=desk_officer, version=dossier.version, now=at(2026, 12, 8, 10), **params
    )
    if expected is None:
        with pytest.raises(services.WrongStatus):
            call()
        dossier.refresh_from_db()
        assert dossier.status == status
    else:
        result = call()
        assert result.status == expected
        last = result.events.last()
        assert (last.action, last.from_status, last.to_status) == (action, status, expected)


@pytest.mark.parametrize("status", DossierStatus.values)
def test_citizen_supplement_row(status, desk_officer, citizen, three_day_procedure):
    dossier = online_dossier(
        three_day_procedure, desk_officer, citizen, DossierStatus.SUBMITTED_ONLINE
    )
    row = dossier.documents.first()
    online.request_online_supplement(
        dossier, actor=desk_officer, documents=[row.pk], now=at(2026, 12, 7, 10)
    )
    Dossier.objects.filter(pk=dossier.pk).update(status=status)
    dossier.refresh_from_db()
    expected = TRANSITIONS.get((status, Action.SUPPLEMENT_ONLINE))
    upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    call = lambda: online.supplement_online(  # noqa: E731
        dossier, citizen=citizen, uploads={row.pk: [upload]}, now=at(2026, 12, 8, 10)
    )
    if expected is None:
        with pytest.raises(services.WrongStatus):
            call()
    else:
        assert call().status == expected
        assert dossier.events.last().action == Action.SUPPLEMENT_ONLINE


def test_citizen_rows_belong_to_the_owner_only(desk_officer, citizen, three_day_procedure):
    assert TRANSITIONS[(NEW, Action.SUBMIT_ONLINE)] == DossierStatus.SUBMITTED_ONLINE
    dossier = online_dossier(three_day_procedure, desk_officer, citizen, DossierStatus.INCOMPLETE)
    assert access.may_act(citizen, Action.SUBMIT_ONLINE)
    assert access.may_act(citizen, Action.SUPPLEMENT_ONLINE, dossier)
    assert not access.may_act(CitizenFactory(), Action.SUPPLEMENT_ONLINE, dossier)
    assert not access.may_act(desk_officer, Action.SUPPLEMENT_ONLINE, dossier)
    assert not access.may_act(desk_officer, Action.SUBMIT_ONLINE, receiving_unit=desk_officer.unit)
    # A citizen holds none of the staff rows.
    staff_actions = [a for a in RULES if a not in (Action.SUBMIT_ONLINE, Action.SUPPLEMENT_ONLINE)]
    assert not any(access.may_act(citizen, a, dossier) for a in staff_actions)
    assert Action.SUPPLEMENT_ONLINE not in access.allowed_actions(desk_officer, dossier)


def test_submit_online_row_creates_a_dossier_awaiting_check(
    citizen, online_procedure, commune, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    draft = online.start_draft(citizen, online_procedure, receiving_unit=commune)
    online.save_draft(
        draft,
        citizen=citizen,
        applicant={"name": "Nguyễn Văn An", "id_number": "001090012345", "phone": "0912345678"},
        receiving_unit=commune,
        result_delivery="counter",
        notify_channels=["sms"],
    )
    for doc in online_procedure.documents.filter(required=True):
        upload = SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        online.attach_file(draft, citizen=citizen, catalogue_document_id=doc.pk, upload=upload)
    dossier = online.submit_online(draft, citizen=citizen)
    assert dossier.status == TRANSITIONS[(NEW, Action.SUBMIT_ONLINE)]
    event = dossier.events.get()
    assert (event.action, event.from_status, event.to_status) == (
        Action.SUBMIT_ONLINE,
        NEW,
        dossier.status,
    )
