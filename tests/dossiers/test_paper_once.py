"""Paper once, the dossier side (dossiers/paper_once.py and its calls in the services):
accepted scans and issued results fill the store; a stored paper is reused at the desk
with the consent recorded; refusals write nothing."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from docstore.models import Source, StoredDocument
from dossiers import paper_once, services
from dossiers.models import Dossier, DossierDocument, DossierEvent, DossierScan, DossierStatus
from dossiers.workflow import Action
from procedures.models import DocumentType

from .conftest import all_documents, at, receive

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OTHER_PDF = b"%PDF-1.4\n% another paper\n%%EOF\n"
OWNER = "079123456789"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture
def marital():
    return DocumentType.objects.create(
        code="xac-nhan-hon-nhan", name="Giấy xác nhận tình trạng hôn nhân", validity_months=6
    )


@pytest.fixture
def id_card():
    return DocumentType.objects.create(code="cccd", name="Căn cước công dân")


@pytest.fixture
def marriage(three_day_procedure, marital, id_card):
    """Marriage registration: the declaration (no type) and the marital status certificate."""
    docs = list(three_day_procedure.documents.order_by("position"))
    docs[1].doc_type = marital
    docs[1].save()
    return three_day_procedure


def scanned(procedure, content=PDF, **extra):
    docs = all_documents(procedure)
    docs[1].scans = [SimpleUploadedFile("xac-nhan.pdf", content, "application/pdf")]
    for key, value in extra.items():
        setattr(docs[1], key, value)
    return docs


def store(doc_type, id_number=OWNER, **kwargs):
    stored = StoredDocument(
        id_number=id_number,
        doc_type=doc_type,
        name=kwargs.pop("name", doc_type.name),
        source=kwargs.pop("source", Source.SCAN),
        **kwargs,
    )
    stored.content_type = "application/pdf"
    stored.file.save("old.pdf", ContentFile(PDF), save=False)
    stored.save()
    return stored


# --------------------------------------------------------------------------- filling


def test_a_received_typed_scan_goes_into_the_store(desk_officer, marriage, marital, tmp_path):
    dossier = receive(marriage, desk_officer, documents=scanned(marriage), when=at(2026, 12, 7))

    stored = StoredDocument.objects.get()
    assert stored.id_number == OWNER and stored.doc_type == marital
    assert stored.source == Source.SCAN and stored.source_ref == dossier.code
    assert stored.name == "Giấy xác nhận tình trạng hôn nhân"
    assert stored.valid_until == dt.date(2027, 6, 7)  # 6 months from acceptance
    scan = DossierScan.objects.get(document__catalogue_document__doc_type=marital)
    assert stored.sha256 == scan.sha256 and stored.added_by == desk_officer
    assert stored.file.name != scan.file.name  # a copy, not the dossier's file
    assert (tmp_path / stored.file.name).read_bytes() == PDF


def test_the_same_file_is_stored_once_untyped_papers_never(desk_officer, marriage):
    docs = scanned(marriage)
    docs[0].scans = [SimpleUploadedFile("to-khai.pdf", OTHER_PDF, "application/pdf")]
    receive(marriage, desk_officer, documents=docs)
    receive(marriage, desk_officer, documents=scanned(marriage))
    receive(marriage, desk_officer, documents=scanned(marriage, OTHER_PDF))

    assert Dossier.objects.count() == 3
    assert sorted(StoredDocument.objects.values_list("sha256", flat=True)) == sorted(
        DossierScan.objects.filter(document__catalogue_document__doc_type__isnull=False)
        .values_list("sha256", flat=True)
        .distinct()
    )
    assert StoredDocument.objects.count() == 2


def test_nothing_is_stored_before_the_dossier_is_complete(desk_officer, marriage):
    docs = scanned(marriage)
    docs[0].provided = False
    dossier = receive(marriage, desk_officer, documents=docs, outcome=Action.RECEIVE_INCOMPLETE)
    assert StoredDocument.objects.count() == 0
    event = dossier.events.get()
    declaration = marriage.documents.order_by("position").first()
    assert event.data == {
        "missing_documents": [{"id": declaration.pk, "name": "Tờ khai đăng ký kết hôn"}]
    }

    services.complete_reception(
        dossier, actor=desk_officer, documents=all_documents(marriage), now=at(2026, 12, 8)
    )
    stored = StoredDocument.objects.get()
    assert stored.source_ref == dossier.code


def test_refused_dossier_stores_nothing(desk_officer, marriage):
    receive(marriage, desk_officer, documents=scanned(marriage), outcome=Action.REFUSE, note="x")
    assert StoredDocument.objects.count() == 0


def test_remember_accepted_documents_for_an_accepted_dossier(desk_officer, marriage):
    """The function the online acceptance calls: idempotent."""
    dossier = receive(marriage, desk_officer, documents=scanned(marriage))
    assert (
        paper_once.remember_accepted_documents(dossier, actor=desk_officer, now=at(2026, 12, 9))
        == []
    )
    assert StoredDocument.objects.count() == 1


def _life(dossier, desk_officer, specialist, leader, *, approve=True):
    d = services.assign_dossier(dossier, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    d = services.submit_for_approval(
        d, actor=specialist, proposal="Giấy khai sinh số 12/2026", now=at(2026, 12, 8)
    )
    if approve:
        d = services.approve_dossier(d, actor=leader, now=at(2026, 12, 8, 14))
    else:
        d = services.deny_dossier(
            d, actor=leader, reason="Không đủ điều kiện", now=at(2026, 12, 8, 14)
        )
    d = services.mark_result_ready(d, actor=desk_officer, now=at(2026, 12, 8, 15))
    return services.return_result(d, actor=desk_officer, returned_to="An", now=at(2026, 12, 9))


@pytest.fixture
def birth_certificate():
    return DocumentType.objects.create(code="giay-khai-sinh", name="Giấy khai sinh")


def test_a_returned_result_goes_into_the_store(
    desk_officer, specialist, leader, three_day_procedure, birth_certificate, commune
):
    three_day_procedure.result_type = birth_certificate
    three_day_procedure.save()
    d = _life(receive(three_day_procedure, desk_officer), desk_officer, specialist, leader)

    stored = StoredDocument.objects.get()
    assert stored.source == Source.RESULT and stored.source_ref == d.code
    assert stored.doc_type == birth_certificate and stored.id_number == OWNER
    assert stored.name == "Giấy khai sinh: Giấy khai sinh số 12/2026"
    assert stored.issuer == commune.name and stored.issued_on == dt.date(2026, 12, 8)
    assert not stored.file and stored.valid_until is None


def test_a_denied_result_is_not_stored(
    desk_officer, specialist, leader, three_day_procedure, birth_certificate
):
    three_day_procedure.result_type = birth_certificate
    three_day_procedure.save()
    _life(
        receive(three_day_procedure, desk_officer), desk_officer, specialist, leader, approve=False
    )
    assert StoredDocument.objects.count() == 0


def test_a_same_day_result_is_stored(desk_officer, same_day_procedure, birth_certificate):
    same_day_procedure.result_type = birth_certificate
    same_day_procedure.save()
    d = receive(
        same_day_procedure,
        desk_officer,
        outcome=Action.RECEIVE_AND_RETURN,
        result="Bản sao có chứng thực",
        returned_to="An",
    )
    assert d.status == DossierStatus.RETURNED
    assert StoredDocument.objects.get().source_ref == d.code


# --------------------------------------------------------------------------- reuse


def test_a_valid_stored_paper_is_reused_with_consent(desk_officer, marriage, marital):
    stored = store(marital, valid_until=dt.date(2026, 12, 7))
    docs = all_documents(marriage)
    docs[1].provided = False
    docs[1].reuse_stored_id = stored.pk
    docs = [services.HandedIn(**{**vars(line)}) for line in docs]  # as a form builds them
    now = at(2026, 12, 7, 9)
    dossier = receive(marriage, desk_officer, documents=docs, when=now)

    row = dossier.documents.get(reused_from__isnull=False)
    assert row.reused_from == stored and row.provided
    assert row.reuse_consent_at == now and row.reuse_consent_by == desk_officer
    assert not row.scans.exists()
    assert StoredDocument.objects.count() == 1  # reused papers are not stored again


def _reuse(stored_id, marriage):
    docs = all_documents(marriage, provided=True)
    docs[1] = services.HandedIn(
        catalogue_document_id=docs[1].catalogue_document_id,
        provided=False,
        reuse_stored_id=stored_id,
    )
    return docs


@pytest.mark.parametrize("case", ["expired", "revoked", "someone_else", "wrong_type", "unknown"])
def test_reuse_refusals_write_nothing(case, desk_officer, marriage, marital, id_card, tmp_path):
    kwargs = {
        "expired": dict(doc_type=marital, valid_until=dt.date(2026, 12, 6)),
        "revoked": dict(doc_type=marital, revoked_at=timezone.now()),
        "someone_else": dict(doc_type=marital, id_number="079000000001"),
        "wrong_type": dict(doc_type=id_card),
        "unknown": dict(doc_type=marital),
    }[case]
    stored = store(**kwargs)
    files_before = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    stored_id = stored.pk + 1000 if case == "unknown" else stored.pk
    docs = _reuse(stored_id, marriage)
    docs[0].scans = [SimpleUploadedFile("to-khai.pdf", OTHER_PDF, "application/pdf")]

    with pytest.raises(services.InvalidInput) as err:
        receive(marriage, desk_officer, documents=docs, when=at(2026, 12, 7))
    assert "Không dùng lại được" in err.value.message
    assert err.value.errors == {"reuse": ["Giấy xác nhận tình trạng hôn nhân"]}
    assert Dossier.objects.count() == DossierDocument.objects.count() == 0
    assert DossierEvent.objects.count() == 0 and StoredDocument.objects.count() == 1
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == files_before


def test_without_consent_the_paper_is_missing(desk_officer, marriage, marital):
    store(marital)
    docs = all_documents(marriage)
    docs[1].provided = False
    with pytest.raises(services.InvalidInput) as err:
        receive(marriage, desk_officer, documents=docs)
    assert err.value.errors == {"documents": ["Giấy xác nhận tình trạng hôn nhân"]}
    assert Dossier.objects.count() == 0


def test_reuse_when_completing_an_incomplete_reception(desk_officer, marriage, marital):
    stored = store(marital)
    docs = all_documents(marriage)
    docs[1].provided = False
    dossier = receive(marriage, desk_officer, documents=docs, outcome=Action.RECEIVE_INCOMPLETE)

    with pytest.raises(services.InvalidInput):
        services.complete_reception(
            dossier, actor=desk_officer, documents=_reuse(stored.pk + 99, marriage)
        )
    assert Dossier.objects.get().status == DossierStatus.INCOMPLETE

    d = services.complete_reception(
        dossier, actor=desk_officer, documents=_reuse(stored.pk, marriage), now=at(2026, 12, 8)
    )
    assert d.status == DossierStatus.RECEIVED
    row = d.documents.get(reused_from=stored)
    assert row.provided and row.reuse_consent_by == desk_officer


# --------------------------------------------------------------------------- supplements


def test_processing_supplement_records_the_documents_asked_for(
    desk_officer, specialist, leader, marriage
):
    d = receive(marriage, desk_officer)
    d = services.assign_dossier(d, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    wanted = marriage.documents.order_by("position").last()
    d = services.request_supplement(
        d,
        actor=specialist,
        missing="Bản có dấu giáp lai",
        documents=[wanted.pk],
        now=at(2026, 12, 8),
    )
    event = d.events.get(action=Action.REQUEST_SUPPLEMENT)
    assert event.data == {"missing_documents": [{"id": wanted.pk, "name": wanted.name_vi}]}
    assert d.supplement_note == "- Giấy xác nhận tình trạng hôn nhân\nBản có dấu giáp lai"
    assert event.note == d.supplement_note


def test_processing_supplement_refuses_another_procedures_document(
    desk_officer, specialist, leader, marriage, same_day_procedure
):
    d = receive(marriage, desk_officer)
    d = services.assign_dossier(d, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    foreign = same_day_procedure.documents.first()
    with pytest.raises(services.InvalidInput):
        services.request_supplement(d, actor=specialist, documents=[foreign.pk])
    assert Dossier.objects.get().status == DossierStatus.IN_PROCESSING
