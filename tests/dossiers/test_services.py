import datetime as dt
import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from dossiers import services
from dossiers.models import (
    Dossier,
    DossierScan,
    DossierStatus,
    DossierStep,
    Paper,
    PaperKind,
    StepKind,
)
from dossiers.workflow import Action

from .conftest import all_documents, applicant, at, receive

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_reception_gives_code_due_date_receipt_and_history(desk_officer, three_day_procedure):
    dossier = receive(three_day_procedure, desk_officer, when=at(2026, 12, 7, 9, 30))
    assert re.fullmatch(r"000\.00\.23\.H56-261207-0001", dossier.code)
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.counts_from == dt.date(2026, 12, 7)
    assert dossier.due_date == dt.date(2026, 12, 10)  # Mon + 3 working days = Thu
    assert dossier.received_by == desk_officer
    assert dossier.applicant_phone == "0912345678"
    assert [d.provided for d in dossier.documents.all()] == [True, True]
    assert dossier.papers.get().kind == PaperKind.RECEIPT
    event = dossier.events.get()
    assert (event.action, event.from_status, event.to_status) == ("receive", "", "received")
    steps = list(dossier.steps.values_list("kind", "finished_at", "due"))
    assert steps[0][0] == StepKind.RECEPTION and steps[0][1] is not None
    assert steps[1] == (StepKind.PROCESSING, None, dt.date(2026, 12, 9))  # approval gets Thu


def test_codes_run_per_unit_per_day(desk_officer, other_desk, three_day_procedure):
    first = receive(three_day_procedure, desk_officer, when=at(2026, 12, 7, 8))
    second = receive(three_day_procedure, desk_officer, when=at(2026, 12, 7, 10))
    elsewhere = receive(three_day_procedure, other_desk, when=at(2026, 12, 7, 10))
    next_day = receive(three_day_procedure, desk_officer, when=at(2026, 12, 8, 8))
    assert first.code.endswith("-261207-0001")
    assert second.code.endswith("-261207-0002")
    assert elsewhere.code == "000.00.24.H56-261207-0001"
    assert next_day.code.endswith("-261208-0001")


def test_received_after_cutoff_counts_from_next_working_day(desk_officer, three_day_procedure):
    dossier = receive(three_day_procedure, desk_officer, when=at(2026, 12, 11, 15, 5))  # Fri
    assert dossier.counts_from == dt.date(2026, 12, 14)  # Monday
    assert dossier.due_date == dt.date(2026, 12, 17)


def test_missing_required_paper_is_refused_for_plain_reception(desk_officer, three_day_procedure):
    docs = all_documents(three_day_procedure)
    docs[1].provided = False
    with pytest.raises(services.InvalidInput) as err:
        receive(three_day_procedure, desk_officer, documents=docs)
    assert "Giấy xác nhận tình trạng hôn nhân" in err.value.message
    assert Dossier.objects.count() == 0


def test_incomplete_reception_lists_missing_then_completes(desk_officer, three_day_procedure):
    docs = all_documents(three_day_procedure)
    docs[1].provided = False
    dossier = receive(
        three_day_procedure,
        desk_officer,
        outcome=Action.RECEIVE_INCOMPLETE,
        documents=docs,
        when=at(2026, 12, 7, 9),
    )
    assert dossier.status == DossierStatus.INCOMPLETE
    assert dossier.due_date is None
    assert "Giấy xác nhận tình trạng hôn nhân" in dossier.supplement_note
    paper = dossier.papers.get()
    assert paper.kind == PaperKind.SUPPLEMENT
    # The citizen comes back two days later with the missing paper: the same dossier goes on.
    done = services.complete_reception(
        dossier,
        actor=desk_officer,
        documents=all_documents(three_day_procedure),
        version=dossier.version,
        now=at(2026, 12, 9, 9),
    )
    assert done.code == dossier.code
    assert done.status == DossierStatus.RECEIVED
    assert done.due_date == dt.date(2026, 12, 14)  # Wed + 3 = Mon
    assert done.papers.filter(kind=PaperKind.RECEIPT).exists()


def test_refusal_needs_a_reason(desk_officer, three_day_procedure):
    with pytest.raises(services.InvalidInput):
        receive(three_day_procedure, desk_officer, outcome=Action.REFUSE)
    dossier = receive(
        three_day_procedure, desk_officer, outcome=Action.REFUSE, note="Không thuộc đối tượng"
    )
    assert dossier.status == DossierStatus.REFUSED
    assert dossier.papers.get().content["reason"] == "Không thuộc đối tượng"


def test_no_appointment_dossier_is_returned_in_one_sitting(desk_officer, same_day_procedure):
    dossier = receive(
        same_day_procedure,
        desk_officer,
        outcome=Action.RECEIVE_AND_RETURN,
        result="01 bản sao chứng thực",
        returned_to="Nguyễn Văn An",
        when=at(2026, 12, 7, 10),
    )
    assert dossier.status == DossierStatus.RETURNED
    assert dossier.due_date == dt.date(2026, 12, 7)
    assert dossier.returned_at == at(2026, 12, 7, 10)


def test_no_appointment_only_for_same_day_procedures(desk_officer, three_day_procedure):
    with pytest.raises(services.InvalidInput):
        receive(
            three_day_procedure,
            desk_officer,
            outcome=Action.RECEIVE_AND_RETURN,
            result="x",
            returned_to="y",
        )


def test_full_life_with_a_supplement_round(desk_officer, specialist, leader, three_day_procedure):
    d = receive(three_day_procedure, desk_officer, when=at(2026, 12, 7, 9))
    d = services.assign_dossier(
        d, actor=leader, handler=specialist, version=d.version, now=at(2026, 12, 7, 10)
    )
    assert d.status == DossierStatus.IN_PROCESSING and d.handler == specialist
    d = services.request_supplement(
        d,
        actor=specialist,
        missing="Bản sao giấy khai sinh",
        version=d.version,
        now=at(2026, 12, 8, 9),
    )
    assert d.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert d.paused_on == dt.date(2026, 12, 8)
    assert d.papers.filter(kind=PaperKind.SUPPLEMENT).count() == 1
    d = services.receive_supplement(
        d, actor=desk_officer, version=d.version, now=at(2026, 12, 11, 9)
    )
    # Paused Wed, Thu, Fri (3 working days): Thu 10/12 + 3 = Tue 15/12.
    assert d.paused_working_days == 3
    assert d.due_date == dt.date(2026, 12, 15)
    assert d.original_due_date == dt.date(2026, 12, 10)
    step = DossierStep.objects.get(dossier=d, finished_at__isnull=True)
    assert step.due == dt.date(2026, 12, 14)
    d = services.submit_for_approval(
        d,
        actor=specialist,
        proposal="Cấp giấy chứng nhận",
        version=d.version,
        now=at(2026, 12, 14, 9),
    )
    d = services.approve_dossier(d, actor=leader, version=d.version, now=at(2026, 12, 14, 14))
    assert d.status == DossierStatus.APPROVED and d.result == "Cấp giấy chứng nhận"
    d = services.mark_result_ready(
        d, actor=desk_officer, version=d.version, now=at(2026, 12, 14, 15)
    )
    d = services.return_result(
        d,
        actor=desk_officer,
        returned_to="Nguyễn Văn An (CCCD)",
        version=d.version,
        now=at(2026, 12, 15, 8),
    )
    assert d.status == DossierStatus.RETURNED
    actions = list(d.events.values_list("action", flat=True))
    assert actions == [
        "receive",
        "assign",
        "request_supplement",
        "receive_supplement",
        "submit_for_approval",
        "approve",
        "mark_result_ready",
        "return_result",
    ]
    assert not d.steps.filter(finished_at__isnull=True).exists()
    # Form 05 names who handed the result over.
    assert d.steps.get(kind=StepKind.RETURN).handler == desk_officer


def test_extension_moves_due_date_and_issues_apology(
    desk_officer, specialist, leader, three_day_procedure
):
    d = receive(three_day_procedure, desk_officer, when=at(2026, 12, 7, 9))
    d = services.assign_dossier(d, actor=leader, handler=specialist, version=d.version)
    with pytest.raises(services.InvalidInput):  # a Saturday is not a working day
        services.extend_dossier(
            d, actor=specialist, new_due=dt.date(2026, 12, 12), reason="x", version=d.version
        )
    d = services.extend_dossier(
        d,
        actor=specialist,
        new_due=dt.date(2026, 12, 16),
        reason="Cần xác minh tại địa phương",
        version=d.version,
        now=at(2026, 12, 9, 9),
    )
    assert d.due_date == dt.date(2026, 12, 16)
    assert d.original_due_date == dt.date(2026, 12, 10)
    apology = d.papers.get(kind=PaperKind.APOLOGY)
    assert apology.content["new_due"] == "2026-12-16"
    assert d.events.last().note == "Cần xác minh tại địa phương"


def test_stale_version_is_refused(
    desk_officer, specialist, specialist2, leader, three_day_procedure
):
    d = receive(three_day_procedure, desk_officer)
    seen = d.version
    services.assign_dossier(d, actor=leader, handler=specialist, version=seen)
    with pytest.raises(services.StaleDossier) as err:
        services.assign_dossier(d, actor=leader, handler=specialist2, version=seen)
    assert "tải lại" in err.value.message
    d.refresh_from_db()
    assert d.handler == specialist
    assert d.events.filter(action="assign").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_officers_at_once_one_wins(desk_officer, specialist, leader, three_day_procedure):
    d = receive(three_day_procedure, desk_officer)
    d = services.assign_dossier(d, actor=leader, handler=specialist, version=d.version)
    barrier = threading.Barrier(2)
    outcomes = []

    def act(fn, **kwargs):
        try:
            barrier.wait()
            fn(d.code, version=d.version, **kwargs)
            outcomes.append("ok")
        except services.DossierError as exc:
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=act, args=(services.submit_for_approval,), kwargs={"actor": specialist}
        ),
        threading.Thread(
            target=act,
            args=(services.request_supplement,),
            kwargs={"actor": specialist, "missing": "Giấy tờ X"},
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["StaleDossier", "ok"]
    d.refresh_from_db()
    assert d.events.count() == 3  # receive, assign, and exactly one of the two


@pytest.mark.django_db(transaction=True)
def test_concurrent_receptions_get_distinct_codes(desk_officer, three_day_procedure):
    codes, barrier = [], threading.Barrier(4)

    def work():
        try:
            barrier.wait()
            codes.append(receive(three_day_procedure, desk_officer).code)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(codes) == 4 and len(set(codes)) == 4


def test_scans_checked_by_content_and_stored_privately(
    desk_officer, three_day_procedure, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    docs = all_documents(three_day_procedure)
    docs[0].scans = [SimpleUploadedFile("to-khai.pdf", PDF, "application/pdf")]
    docs[1].scans = [SimpleUploadedFile("xac-nhan.png", PNG, "image/png")]
    dossier = receive(three_day_procedure, desk_officer, documents=docs)
    scans = DossierScan.objects.filter(document__dossier=dossier).order_by("id")
    assert [s.content_type for s in scans] == ["application/pdf", "image/png"]
    assert all((tmp_path / s.file.name).read_bytes() in (PDF, PNG) for s in scans)
    assert not str(scans[0].file.name).startswith(str(settings.MEDIA_ROOT))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("fake.pdf", b"MZ\x90\x00 this is an exe", "không phải PDF"),
        ("page.html", b"<html><script>alert(1)</script>", "không phải PDF"),
        ("empty.pdf", b"", "không phải PDF"),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(
    name, content, message, desk_officer, three_day_procedure, settings, tmp_path
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    docs = all_documents(three_day_procedure)
    docs[0].scans = [SimpleUploadedFile("ok.pdf", PDF, "application/pdf")]
    docs[1].scans = [SimpleUploadedFile(name, content, "application/pdf")]
    with pytest.raises(services.InvalidInput) as err:
        receive(three_day_procedure, desk_officer, documents=docs)
    assert message in err.value.message
    assert Dossier.objects.count() == 0 and DossierScan.objects.count() == 0
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


def test_oversized_upload_is_refused(desk_officer, three_day_procedure, settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    settings.SCAN_MAX_BYTES = 1024
    docs = all_documents(three_day_procedure)
    docs[0].scans = [SimpleUploadedFile("big.pdf", PDF + b"0" * 2048, "application/pdf")]
    with pytest.raises(services.InvalidInput) as err:
        receive(three_day_procedure, desk_officer, documents=docs)
    assert "quá lớn" in err.value.message
    assert Dossier.objects.count() == 0


def test_failed_action_removes_files_it_wrote(
    desk_officer, three_day_procedure, settings, tmp_path, monkeypatch
):
    settings.PRIVATE_MEDIA_ROOT = tmp_path
    docs = all_documents(three_day_procedure)
    docs[0].scans = [SimpleUploadedFile("ok.pdf", PDF, "application/pdf")]

    def boom(*args, **kwargs):
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(services, "issue_paper", boom)
    with pytest.raises(RuntimeError):
        receive(three_day_procedure, desk_officer, documents=docs)
    assert Dossier.objects.count() == 0
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "  "), ("id_number", "12345"), ("phone", "abc"), ("email", "not-an-email")],
)
def test_bad_applicant_data(field, value, desk_officer, three_day_procedure):
    with pytest.raises(services.InvalidInput) as err:
        receive(three_day_procedure, desk_officer, applicant=applicant(**{field: value}))
    assert f"applicant_{field}" in err.value.errors
    assert Dossier.objects.count() == 0


def test_other_unit_cannot_act(
    other_desk, other_specialist, other_leader, desk_officer, specialist, three_day_procedure
):
    d = receive(three_day_procedure, desk_officer)
    with pytest.raises(services.NotAllowed):
        services.assign_dossier(d, actor=other_leader, handler=specialist, version=d.version)
    with pytest.raises(services.NotAllowed):
        services.withdraw_dossier(d, actor=other_desk, reason="x", version=d.version)


def test_only_the_handler_processes(
    desk_officer, specialist, specialist2, leader, three_day_procedure
):
    d = receive(three_day_procedure, desk_officer)
    d = services.assign_dossier(d, actor=leader, handler=specialist, version=d.version)
    with pytest.raises(services.NotAllowed):
        services.submit_for_approval(d, actor=specialist2, version=d.version)


def test_transfer_to_competent_unit_lets_it_assign(
    desk_officer,
    other_leader,
    other_specialist,
    leader,
    specialist,
    other_commune,
    three_day_procedure,
):
    d = receive(three_day_procedure, desk_officer)
    d = services.transfer_dossier(d, actor=desk_officer, to_unit=other_commune, version=d.version)
    assert d.status == DossierStatus.TRANSFERRED and d.competent_unit == other_commune
    with pytest.raises(services.NotAllowed):
        services.assign_dossier(d, actor=leader, handler=specialist, version=d.version)
    with pytest.raises(services.InvalidInput):  # a specialist of the wrong unit
        services.assign_dossier(d, actor=other_leader, handler=specialist, version=d.version)
    d = services.assign_dossier(d, actor=other_leader, handler=other_specialist, version=d.version)
    assert d.status == DossierStatus.IN_PROCESSING


def test_papers_have_unique_unguessable_tokens(desk_officer, three_day_procedure):
    a = receive(three_day_procedure, desk_officer)
    b = receive(three_day_procedure, desk_officer)
    tokens = list(Paper.objects.values_list("token", flat=True))
    assert len(set(tokens)) == 2 and all(len(t) >= 32 for t in tokens)
    assert a.code != b.code
