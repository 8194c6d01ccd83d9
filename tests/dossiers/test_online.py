"""Online submission, the services (dossiers/online.py): drafts kept as they go and only
by their owner, submit in one transaction, the desk's check (accept, supplement, refuse),
the citizen's supplement into the same dossier, paper once, the virus-scan hook."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from docstore.models import Source, StoredDocument
from dossiers import online, papers, services, tasks
from dossiers.models import (
    Dossier,
    DossierChannel,
    DossierScan,
    DossierStatus,
    DraftFile,
    OnlineDraft,
    PaperKind,
    ResultDelivery,
)
from dossiers.workflow import Action
from notifications.backends import memory
from notifications.models import Notification, TemplateKey
from procedures.models import OnlineLevel, UnitProcedure
from tests.factories import CitizenFactory

from .conftest import at

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ID_NUMBER = "001090012345"


def pdf(name="giay-to.pdf", content=PDF):
    return SimpleUploadedFile(name, content, "application/pdf")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def docs_of(procedure):
    return list(procedure.documents.order_by("position"))


def filled_draft(citizen, procedure, unit, *, upload_all=True):
    # Messages go only to the account's verified contacts: the account holds this e-mail.
    if not citizen.email_verified_at:
        citizen.email, citizen.email_verified_at = f"{citizen.username}@example.vn", timezone.now()
        citizen.save(update_fields=["email", "email_verified_at"])
    draft = online.start_draft(citizen, procedure, receiving_unit=unit)
    online.save_draft(
        draft,
        citizen=citizen,
        applicant={
            "name": "Nguyễn Văn An",
            "id_number": ID_NUMBER,
            "phone": citizen.phone,
            "email": citizen.email,
            "address": "Thôn 2",
        },
        receiving_unit=unit,
        result_delivery=ResultDelivery.ONLINE,
        notify_channels=["sms", "email"],
    )
    docs = docs_of(procedure)
    for doc in docs[: 2 if upload_all else 1]:
        online.attach_file(draft, citizen=citizen, catalogue_document_id=doc.pk, upload=pdf())
    return draft


def submitted(citizen, procedure, unit, when=None):
    draft = filled_draft(citizen, procedure, unit)
    return online.submit_online(draft, citizen=citizen, now=when or at(2026, 12, 7, 9))


# ---------------------------------------------------------------------------------------
# Catalogue helpers


def test_receiving_units_are_the_offering_units_else_the_communes(
    online_procedure, commune, other_commune, province
):
    assert list(online.receiving_units(online_procedure)) == [commune]
    UnitProcedure.objects.all().delete()
    assert set(online.receiving_units(online_procedure)) == {commune, other_commune}


def test_originals_to_bring_only_for_partly_online(online_procedure):
    assert [d.name for d in online.originals_to_bring(online_procedure)] == [
        "Tờ khai đăng ký khai sinh"
    ]
    assert online.bring_lines(online_procedure) == ["Tờ khai đăng ký khai sinh (1 bản chính)"]
    online_procedure.online_level = OnlineLevel.FULL
    assert online.originals_to_bring(online_procedure) == []


# ---------------------------------------------------------------------------------------
# Drafts


def test_draft_starts_from_the_profile_and_keeps_each_upload(citizen, online_procedure, commune):
    citizen.first_name, citizen.last_name, citizen.email = "Nguyễn Văn", "An", "an@example.vn"
    draft = online.start_draft(citizen, online_procedure, receiving_unit=commune)
    assert draft.applicant["id_number"] == ID_NUMBER
    assert draft.applicant["phone"] == "0912345678"
    doc = docs_of(online_procedure)[0]
    item = online.attach_file(draft, citizen=citizen, catalogue_document_id=doc.pk, upload=pdf())
    assert item.content_type == "application/pdf" and item.size == len(PDF)
    assert item.file.storage.exists(item.file.name)


def test_procedure_without_online_submission_is_refused(citizen, procedure):
    with pytest.raises(services.InvalidInput):
        online.start_draft(citizen, procedure)
    assert not OnlineDraft.objects.exists()


def test_staff_cannot_start_a_draft(desk_officer, online_procedure):
    with pytest.raises(services.NotAllowed):
        online.start_draft(desk_officer, online_procedure)


def test_another_citizens_draft_is_not_found(citizen, online_procedure, commune):
    draft = filled_draft(citizen, online_procedure, commune)
    other = CitizenFactory()
    doc = docs_of(online_procedure)[0]
    with pytest.raises(online.NotFound):
        online.attach_file(draft, citizen=other, catalogue_document_id=doc.pk, upload=pdf())
    with pytest.raises(online.NotFound):
        online.submit_online(draft, citizen=other)
    with pytest.raises(online.NotFound):
        online.delete_draft(draft, citizen=other)
    assert OnlineDraft.objects.filter(pk=draft.pk).exists()


def test_wrong_type_by_content_is_refused_even_with_a_pdf_name(citizen, online_procedure):
    draft = online.start_draft(citizen, online_procedure)
    doc = docs_of(online_procedure)[0]
    fake = SimpleUploadedFile("to-khai.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    with pytest.raises(services.InvalidInput, match="không phải PDF, JPEG hoặc PNG"):
        online.attach_file(draft, citizen=citizen, catalogue_document_id=doc.pk, upload=fake)
    assert not DraftFile.objects.exists()


def test_too_big_is_refused(citizen, online_procedure, settings):
    settings.SCAN_MAX_BYTES = 1024 * 1024
    draft = online.start_draft(citizen, online_procedure)
    doc = docs_of(online_procedure)[0]
    big = pdf(content=PDF + b"0" * (1024 * 1024))
    with pytest.raises(services.InvalidInput, match="quá lớn"):
        online.attach_file(draft, citizen=citizen, catalogue_document_id=doc.pk, upload=big)
    assert not DraftFile.objects.exists()


FOUND = []


def fake_scanner(upload):
    """A scanner that finds the EICAR test string."""
    FOUND.append(upload.name)
    return "Eicar-Test-Signature" if b"EICAR" in upload.read() else None


def broken_scanner(upload):
    raise OSError("clamd not reachable")


def test_virus_scanner_refuses_what_it_finds(citizen, online_procedure, settings):
    settings.UPLOAD_VIRUS_SCANNER = "tests.dossiers.test_online.fake_scanner"
    draft = online.start_draft(citizen, online_procedure)
    doc = docs_of(online_procedure)[0]
    infected = pdf(content=PDF + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE")
    with pytest.raises(online.VirusFound, match="Eicar-Test-Signature"):
        online.attach_file(draft, citizen=citizen, catalogue_document_id=doc.pk, upload=infected)
    clean = online.attach_file(draft, citizen=citizen, catalogue_document_id=doc.pk, upload=pdf())
    assert list(DraftFile.objects.all()) == [clean]
    assert FOUND[-2:] == ["giay-to.pdf", "giay-to.pdf"]


def test_a_failing_scanner_refuses_the_file(citizen, online_procedure, settings):
    settings.UPLOAD_VIRUS_SCANNER = "tests.dossiers.test_online.broken_scanner"
    draft = online.start_draft(citizen, online_procedure)
    doc = docs_of(online_procedure)[0]
    with pytest.raises(online.VirusFound, match="không kiểm tra được virus"):
        online.attach_file(draft, citizen=citizen, catalogue_document_id=doc.pk, upload=pdf())
    assert not DraftFile.objects.exists()


def test_delete_draft_removes_its_files(
    citizen, online_procedure, commune, tmp_path, django_capture_on_commit_callbacks
):
    draft = filled_draft(citizen, online_procedure, commune)
    names = [f.file.name for f in draft.files.all()]
    with django_capture_on_commit_callbacks(execute=True):
        online.delete_draft(draft, citizen=citizen)
    assert not OnlineDraft.objects.exists()
    assert not any((tmp_path / name).exists() for name in names)


def test_messages_go_only_to_the_accounts_verified_contacts(citizen, online_procedure, commune):
    draft = filled_draft(citizen, online_procedure, commune)
    draft.applicant = {**draft.applicant, "phone": "0987654321"}  # someone else's phone
    draft.save()
    with pytest.raises(services.InvalidInput) as refused:
        online.submit_online(draft, citizen=citizen, now=at(2026, 12, 7, 9))
    assert "đã xác thực" in refused.value.errors["notify_channels"][0]
    assert not Dossier.objects.exists() and OnlineDraft.objects.filter(pk=draft.pk).exists()
    draft.notify_channels = ["email"]  # the account's verified e-mail only: accepted
    draft.save()
    dossier = online.submit_online(draft, citizen=citizen, now=at(2026, 12, 7, 9))
    assert dossier.notify_channels == ["email"] and dossier.applicant_phone == "0987654321"


def test_an_account_submits_a_capped_number_of_dossiers_a_day(
    citizen, online_procedure, commune, settings
):
    settings.ONLINE_SUBMISSIONS_PER_DAY = 2
    for minute in (1, 2):
        submitted(citizen, online_procedure, commune, when=at(2026, 12, 7, 9, minute))
    draft = filled_draft(citizen, online_procedure, commune)
    with pytest.raises(services.InvalidInput, match="tối đa trong một ngày"):
        online.submit_online(draft, citizen=citizen, now=at(2026, 12, 7, 16))
    assert Dossier.objects.count() == 2 and OnlineDraft.objects.filter(pk=draft.pk).exists()
    online.submit_online(draft, citizen=citizen, now=at(2026, 12, 8, 8))  # the next day
    assert Dossier.objects.count() == 3


def test_a_draft_submitted_twice_gives_one_dossier(citizen, online_procedure, commune):
    draft = filled_draft(citizen, online_procedure, commune)
    online.submit_online(draft.pk, citizen=citizen, now=at(2026, 12, 7, 9))
    with pytest.raises(online.NotFound):  # the second tab: the draft is gone
        online.submit_online(draft.pk, citizen=citizen, now=at(2026, 12, 7, 9, 1))
    assert Dossier.objects.filter(citizen=citizen).count() == 1


def test_abandoned_drafts_are_purged_with_their_files(
    citizen, online_procedure, commune, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.ONLINE_DRAFT_MAX_AGE_DAYS = 90
    old = filled_draft(citizen, online_procedure, commune)
    fresh = filled_draft(CitizenFactory(), online_procedure, commune)
    old_names = [f.file.name for f in old.files.all()]
    now = timezone.now()
    OnlineDraft.objects.filter(pk=old.pk).update(updated_at=now - dt.timedelta(days=91))
    OnlineDraft.objects.filter(pk=fresh.pk).update(updated_at=now - dt.timedelta(days=89))

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.purge_abandoned_drafts() == 1

    assert list(OnlineDraft.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert old_names and not any((tmp_path / name).exists() for name in old_names)
    assert all((tmp_path / f.file.name).exists() for f in fresh.files.all())


# ---------------------------------------------------------------------------------------
# Submit


def test_submit_creates_the_dossier_awaiting_the_desks_check(
    citizen, online_procedure, commune, tmp_path, django_capture_on_commit_callbacks
):
    draft = filled_draft(citizen, online_procedure, commune)
    draft_files = [f.file.name for f in draft.files.all()]
    with django_capture_on_commit_callbacks(execute=True):
        dossier = online.submit_online(draft, citizen=citizen, now=at(2026, 12, 7, 9))
    assert dossier.status == DossierStatus.SUBMITTED_ONLINE
    assert dossier.channel == DossierChannel.ONLINE
    assert dossier.citizen == citizen
    assert dossier.code == f"{commune.code}-261207-0001"
    assert dossier.received_at is None and dossier.due_date is None
    assert dossier.result_delivery == ResultDelivery.ONLINE
    rows = list(dossier.documents.all())
    assert [(r.name, r.provided, r.required) for r in rows] == [
        ("Tờ khai đăng ký khai sinh", True, True),
        ("Căn cước công dân", True, True),
        ("Ảnh", False, False),
    ]
    scans = DossierScan.objects.filter(document__dossier=dossier)
    assert scans.count() == 2
    assert all(s.file.storage.exists(s.file.name) and s.uploaded_by == citizen for s in scans)
    event = dossier.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        Action.SUBMIT_ONLINE,
        "",
        DossierStatus.SUBMITTED_ONLINE,
        citizen,
    )
    assert not OnlineDraft.objects.exists()
    assert not any((tmp_path / name).exists() for name in draft_files)
    sent = Notification.objects.filter(template_key=TemplateKey.ONLINE_SUBMITTED)
    assert {n.channel for n in sent} == {"sms", "email"}
    email = sent.get(channel="email")
    assert "đang chờ cán bộ một cửa kiểm tra" in email.body
    assert f"/account/dossiers/{dossier.code}/" in email.body


def test_submit_checks_everything_and_writes_nothing(citizen, online_procedure, commune):
    draft = online.start_draft(citizen, online_procedure)
    online.save_draft(
        draft,
        citizen=citizen,
        applicant={"name": "", "id_number": "12"},
        receiving_unit=None,
        result_delivery="",
        notify_channels=["email"],
    )
    with pytest.raises(services.InvalidInput) as refused:
        online.submit_online(draft, citizen=citizen)
    docs = docs_of(online_procedure)
    assert {
        "applicant_name",
        "applicant_id_number",
        "receiving_unit",
        "result_delivery",
        "notify_channels",
        f"doc-{docs[0].pk}",
        f"doc-{docs[1].pk}",
    } <= set(refused.value.errors)
    assert f"doc-{docs[2].pk}" not in refused.value.errors  # optional
    assert not Dossier.objects.exists()
    assert OnlineDraft.objects.filter(pk=draft.pk).exists()


def test_a_unit_not_offering_the_procedure_is_not_kept(
    citizen, online_procedure, commune, other_commune
):
    draft = filled_draft(citizen, online_procedure, commune)
    online.save_draft(
        draft,
        citizen=citizen,
        applicant=draft.applicant,
        receiving_unit=other_commune,
        result_delivery=ResultDelivery.COUNTER,
        notify_channels=[],
    )
    draft.refresh_from_db()
    assert draft.receiving_unit is None


# ---------------------------------------------------------------------------------------
# The desk's check


def test_accept_starts_the_clock_issues_the_receipt_and_sends_it(
    citizen, online_procedure, commune, desk_officer
):
    dossier = submitted(citizen, online_procedure, commune)
    memory.outbox.clear()
    accepted = online.accept_online(
        dossier, actor=desk_officer, version=dossier.version, now=at(2026, 12, 8, 10)
    )
    assert accepted.status == DossierStatus.RECEIVED
    assert accepted.received_at == at(2026, 12, 8, 10)
    assert accepted.due_date == dt.date(2026, 12, 11)  # 3 working days from Tue 8 Dec
    assert accepted.received_by == desk_officer
    assert accepted.papers.filter(kind=PaperKind.RECEIPT).count() == 1
    assert [s.kind for s in accepted.steps.all()] == ["reception", "processing"]
    email = Notification.objects.get(template_key=TemplateKey.ONLINE_RECEIVED, channel="email")
    receipt = accepted.papers.get(kind=PaperKind.RECEIPT)
    assert f"/account/dossiers/{accepted.code}/papers/{receipt.pk}.pdf" in email.body
    assert "11/12/2026" in email.body
    assert "Tờ khai đăng ký khai sinh (1 bản chính)" in email.body  # partly online
    citizen.refresh_from_db()
    assert citizen.id_verified_at is None  # the officer saw a scan, not the person (ADR 0008)
    # The receipt lists the papers as electronic, not as 0 originals and 0 copies.
    html = papers.paper_html(receipt)
    assert html.count("Bản điện tử") == 2 and "Bản chính" not in html


def _to_result_ready(dossier, desk_officer, leader, specialist):
    d = online.accept_online(dossier, actor=desk_officer, now=at(2026, 12, 8, 10))
    d = services.assign_dossier(d, actor=leader, handler=specialist, now=at(2026, 12, 8, 11))
    d = services.submit_for_approval(d, actor=specialist, now=at(2026, 12, 9, 9))
    d = services.approve_dossier(d, actor=leader, result="Giấy khai sinh", now=at(2026, 12, 9, 10))
    return services.mark_result_ready(d, actor=desk_officer, now=at(2026, 12, 9, 11))


@pytest.mark.parametrize(
    "checked, method, id_number, verified",
    [
        (True, ResultDelivery.COUNTER, ID_NUMBER, True),  # in person, the card checked
        (False, ResultDelivery.COUNTER, ID_NUMBER, False),  # not attested
        (True, ResultDelivery.COUNTER, "079123456789", False),  # someone else's number
    ],
)
def test_the_account_id_is_verified_when_the_applicant_collects_in_person(
    citizen, online_procedure, commune, desk_officer, leader, specialist,
    checked, method, id_number, verified,
):  # fmt: skip
    citizen.id_number = ID_NUMBER
    citizen.save(update_fields=["id_number"])
    draft = filled_draft(citizen, online_procedure, commune)
    draft.applicant = {**draft.applicant, "id_number": id_number}
    draft.save()
    dossier = online.submit_online(draft, citizen=citizen, now=at(2026, 12, 7, 9))
    dossier = _to_result_ready(dossier, desk_officer, leader, specialist)
    returned = services.return_result(
        dossier,
        actor=desk_officer,
        returned_to="Nguyễn Văn An",
        method=method,
        identity_checked=checked,
        now=at(2026, 12, 10, 9),
    )
    citizen.refresh_from_db()
    assert (citizen.id_verified_at == at(2026, 12, 10, 9)) is verified
    event = returned.events.get(action=Action.RETURN_RESULT)
    assert event.data.get("id_verified", False) is verified


def test_identity_is_checked_only_at_the_counter(
    citizen, online_procedure, commune, desk_officer, leader, specialist
):
    dossier = _to_result_ready(
        submitted(citizen, online_procedure, commune), desk_officer, leader, specialist
    )
    with pytest.raises(services.InvalidInput):
        services.return_result(
            dossier,
            actor=desk_officer,
            returned_to="Bưu điện",
            method=ResultDelivery.POST,
            identity_checked=True,
        )
    dossier.refresh_from_db()
    citizen.refresh_from_db()
    assert dossier.status == DossierStatus.RESULT_READY and citizen.id_verified_at is None


def test_only_the_receiving_desk_checks(citizen, online_procedure, commune, other_desk, specialist):
    dossier = submitted(citizen, online_procedure, commune)
    for actor in (other_desk, specialist, citizen):
        with pytest.raises(services.NotAllowed):
            online.accept_online(dossier, actor=actor)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED_ONLINE


def test_wrong_status_is_refused_with_409(citizen, online_procedure, commune, desk_officer):
    dossier = submitted(citizen, online_procedure, commune)
    online.accept_online(dossier, actor=desk_officer, now=at(2026, 12, 8, 10))
    with pytest.raises(services.WrongStatus) as refused:
        online.accept_online(dossier, actor=desk_officer)
    assert refused.value.status_code == 409
    with pytest.raises(services.WrongStatus):
        online.supplement_online(dossier, citizen=citizen, uploads={})


def test_supplement_request_then_only_the_missing_paper_then_accept(
    citizen, online_procedure, commune, desk_officer
):
    dossier = submitted(citizen, online_procedure, commune)
    id_row = dossier.documents.get(name="Căn cước công dân")
    asked = online.request_online_supplement(
        dossier,
        actor=desk_officer,
        documents=[id_row.pk],
        note="Ảnh chụp mờ, chụp lại rõ hai mặt.",
        now=at(2026, 12, 7, 14),
    )
    assert asked.status == DossierStatus.INCOMPLETE
    assert asked.supplement_note == "- Căn cước công dân\nẢnh chụp mờ, chụp lại rõ hai mặt."
    assert asked.papers.filter(kind=PaperKind.SUPPLEMENT).count() == 1
    event = asked.events.last()
    assert event.data["missing_rows"] == [id_row.pk]
    assert event.data["missing_documents"][0]["name"] == "Căn cước công dân"
    email = Notification.objects.get(template_key=TemplateKey.SUPPLEMENT_REQUESTED, channel="email")
    assert "Căn cước công dân" in email.body
    assert f"/account/dossiers/{asked.code}/" in email.body  # upload there
    assert [r.pk for r in online.missing_rows(asked)] == [id_row.pk]

    # Only the ticked paper is accepted, and it is needed.
    declaration = asked.documents.get(name="Tờ khai đăng ký khai sinh")
    with pytest.raises(services.InvalidInput, match="Chỉ tải lên"):
        online.supplement_online(asked, citizen=citizen, uploads={declaration.pk: [pdf()]})
    with pytest.raises(services.InvalidInput):
        online.supplement_online(asked, citizen=citizen, uploads={})
    back = online.supplement_online(
        asked, citizen=citizen, uploads={id_row.pk: [pdf("cccd.pdf")]}, now=at(2026, 12, 8, 8)
    )
    assert back.status == DossierStatus.SUBMITTED_ONLINE
    assert id_row.scans.count() == 2  # the first upload stays in the history
    assert back.events.last().action == Action.SUPPLEMENT_ONLINE
    assert back.received_at is None

    accepted = online.accept_online(back, actor=desk_officer, now=at(2026, 12, 8, 10))
    assert accepted.status == DossierStatus.RECEIVED
    assert accepted.due_date == dt.date(2026, 12, 11)
    assert accepted.supplement_note == ""


def test_accept_refuses_while_a_required_paper_is_missing(
    citizen, online_procedure, commune, desk_officer
):
    dossier = submitted(citizen, online_procedure, commune)
    row = dossier.documents.get(name="Căn cước công dân")
    online.request_online_supplement(dossier, actor=desk_officer, documents=[row.pk])
    dossier.refresh_from_db()
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.SUBMITTED_ONLINE)
    with pytest.raises(services.InvalidInput, match="còn thiếu giấy tờ bắt buộc"):
        online.accept_online(dossier, actor=desk_officer)


def test_supplement_request_needs_a_ticked_paper_of_this_dossier(
    citizen, online_procedure, commune, desk_officer, three_day_procedure
):
    dossier = submitted(citizen, online_procedure, commune)
    with pytest.raises(services.InvalidInput):
        online.request_online_supplement(dossier, actor=desk_officer, documents=[])
    with pytest.raises(services.InvalidInput):
        online.request_online_supplement(dossier, actor=desk_officer, documents=[999999])
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED_ONLINE


def test_refuse_with_reason(citizen, online_procedure, commune, desk_officer):
    dossier = submitted(citizen, online_procedure, commune)
    with pytest.raises(services.InvalidInput):
        online.refuse_dossier(dossier, actor=desk_officer, reason=" ")
    refused = online.refuse_dossier(dossier, actor=desk_officer, reason="Không thuộc thẩm quyền")
    assert refused.status == DossierStatus.REFUSED
    assert refused.reason == "Không thuộc thẩm quyền"
    assert refused.papers.get().kind == PaperKind.REFUSAL
    assert Notification.objects.filter(template_key=TemplateKey.REFUSED).exists()


def test_another_citizen_cannot_supplement(citizen, online_procedure, commune, desk_officer):
    dossier = submitted(citizen, online_procedure, commune)
    row = dossier.documents.first()
    online.request_online_supplement(dossier, actor=desk_officer, documents=[row.pk])
    with pytest.raises(services.NotAllowed):
        online.supplement_online(dossier, citizen=CitizenFactory(), uploads={row.pk: [pdf()]})
    with pytest.raises(online.NotFound):
        online.citizen_dossier(CitizenFactory(), dossier.code)


def test_supplement_during_processing_is_an_event_and_the_specialist_resumes(
    citizen, online_procedure, commune, desk_officer, specialist
):
    dossier = submitted(citizen, online_procedure, commune)
    dossier = online.accept_online(dossier, actor=desk_officer, now=at(2026, 12, 8, 10))
    dossier = services.assign_dossier(dossier, actor=desk_officer, handler=specialist)
    id_doc = docs_of(online_procedure)[1]
    dossier = services.request_supplement(
        dossier, actor=specialist, documents=[id_doc.pk], now=at(2026, 12, 9, 9)
    )
    rows = online.missing_rows(dossier)
    assert [r.name for r in rows] == ["Căn cước công dân"]
    after = online.supplement_online(
        dossier,
        citizen=citizen,
        uploads={rows[0].pk: [pdf("cccd-ro.pdf")]},
        now=at(2026, 12, 9, 15),
    )
    assert after.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert after.events.last().action == Action.SUPPLEMENT_ONLINE
    resumed = services.receive_supplement(after, actor=specialist, now=at(2026, 12, 10, 9))
    assert resumed.status == DossierStatus.IN_PROCESSING
    assert resumed.due_date == dt.date(2026, 12, 14)  # one working day paused


def test_repeated_supplements_cannot_fill_the_storage(
    citizen, online_procedure, commune, desk_officer, specialist, monkeypatch
):
    monkeypatch.setattr(online, "MAX_SCANS_PER_DOCUMENT", 2)
    dossier = submitted(citizen, online_procedure, commune)
    dossier = online.accept_online(dossier, actor=desk_officer, now=at(2026, 12, 8, 10))
    dossier = services.assign_dossier(dossier, actor=desk_officer, handler=specialist)
    id_doc = docs_of(online_procedure)[1]
    dossier = services.request_supplement(
        dossier, actor=specialist, documents=[id_doc.pk], now=at(2026, 12, 9, 9)
    )
    row = online.missing_rows(dossier)[0]
    assert row.scans.count() == 1  # the file sent with the submission
    online.supplement_online(dossier, citizen=citizen, uploads={row.pk: [pdf("mat-sau.pdf")]})
    with pytest.raises(services.InvalidInput, match="Tối đa 2 tệp"):
        online.supplement_online(dossier, citizen=citizen, uploads={row.pk: [pdf("lan-3.pdf")]})
    assert row.scans.count() == 2


# ---------------------------------------------------------------------------------------
# Paper once


def stored(doc_type, id_number=ID_NUMBER, **kwargs):
    return StoredDocument.objects.create(
        id_number=id_number,
        doc_type=doc_type,
        name=kwargs.pop("name", "CCCD số 001090012345"),
        source=Source.SCAN,
        **kwargs,
    )


def test_reuse_needs_a_verified_id_and_the_accounts_valid_paper(
    citizen, online_procedure, commune, id_card
):
    mine = stored(id_card, valid_until=dt.date(2030, 1, 1))
    expired = stored(id_card, valid_until=dt.date(2020, 1, 1))
    foreign = stored(id_card, id_number="079123456789")
    draft = filled_draft(citizen, online_procedure, commune, upload_all=False)
    id_doc = docs_of(online_procedure)[1]
    assert online.reusable_offers(draft, citizen, on=dt.date(2026, 12, 7)) == {}
    with pytest.raises(services.InvalidInput):  # ID number not verified yet
        online.choose_reuse(
            draft, citizen=citizen, catalogue_document_id=id_doc.pk, stored_id=mine.pk
        )
    citizen.id_verified_at = at(2026, 11, 1)
    citizen.save()
    assert online.reusable_offers(draft, citizen, on=dt.date(2026, 12, 7)) == {id_doc.pk: [mine]}
    for other in (expired, foreign):
        with pytest.raises(services.InvalidInput):
            online.choose_reuse(
                draft, citizen=citizen, catalogue_document_id=id_doc.pk, stored_id=other.pk
            )
    online.choose_reuse(draft, citizen=citizen, catalogue_document_id=id_doc.pk, stored_id=mine.pk)
    dossier = online.submit_online(draft, citizen=citizen, now=at(2026, 12, 7, 9))
    row = dossier.documents.get(name="Căn cước công dân")
    assert row.reused_from == mine and row.provided
    assert row.reuse_consent_by == citizen and row.reuse_consent_at == at(2026, 12, 7, 9)
    assert not row.scans.exists()
    assert dossier.events.get().data["reused"] == 1


def test_a_reused_paper_expired_before_submit_is_refused(
    citizen, online_procedure, commune, id_card
):
    citizen.id_verified_at = at(2026, 11, 1)
    citizen.save()
    mine = stored(id_card, valid_until=dt.date(2026, 12, 10))
    draft = filled_draft(citizen, online_procedure, commune, upload_all=False)
    id_doc = docs_of(online_procedure)[1]
    online.choose_reuse(
        draft,
        citizen=citizen,
        catalogue_document_id=id_doc.pk,
        stored_id=mine.pk,
        now=at(2026, 12, 7, 9),
    )
    with pytest.raises(services.InvalidInput) as refused:
        online.submit_online(draft, citizen=citizen, now=at(2026, 12, 11, 9))
    assert f"doc-{id_doc.pk}" in refused.value.errors
    assert not Dossier.objects.exists()
