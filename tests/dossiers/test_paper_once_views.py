"""Paper once at the desk (dossiers/paper_once_views.py, the reception checklist): papers
already on file shown once the ID number is typed, reused with the citizen's consent,
opened only by the officer receiving or staff of a dossier that reused them; the report."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from docstore.models import Source, StoredDocument
from dossiers import services
from dossiers.models import Dossier, DossierDocument
from dossiers.workflow import Action
from portal.models import Role
from procedures.models import DocumentType
from tests.factories import ProcedureFactory, UserFactory

from .conftest import all_documents, applicant, at, receive
from .test_views import form_data, login

MONDAY = at(2026, 12, 7, 9)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OWNER = "079123456789"
URL = "/desk/receive/?procedure=1.000894"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield MONDAY


@pytest.fixture
def marital(db):
    return DocumentType.objects.create(
        code="xac-nhan-hon-nhan", name="Giấy xác nhận tình trạng hôn nhân", validity_months=6
    )


@pytest.fixture
def marriage(three_day_procedure, marital):
    doc = three_day_procedure.documents.order_by("position").last()
    doc.doc_type = marital
    doc.save()
    return three_day_procedure


@pytest.fixture
def typed_doc(marriage):
    return marriage.documents.order_by("position").last()


def store(doc_type, id_number=OWNER, **kwargs):
    stored = StoredDocument(
        id_number=id_number,
        doc_type=doc_type,
        name=kwargs.pop("name", "Giấy xác nhận TTHN số 45"),
        source=Source.SCAN,
        source_ref="000.00.01.H56-261101-0003",
        content_type="application/pdf",
        original_name="xac-nhan.pdf",
        **kwargs,
    )
    stored.file.save("x.pdf", ContentFile(PDF), save=False)
    stored.save()
    return stored


def lookup(client, procedure, user, **overrides):
    data = form_data(procedure, user, lookup="1", **overrides)
    data.pop("outcome")
    return client.post(URL, data)


def open_link(html: str) -> str:
    found = re.search(r'href="(/desk/stored/\d+/\?t=[^"]+)"', html)
    assert found, "no link to open the stored paper"
    return found.group(1).replace("&amp;", "&")


# --------------------------------------------------------------------------- checklist


def test_lookup_shows_papers_on_file_with_a_consent_tick(
    client, desk_officer, marriage, marital, typed_doc
):
    stored = store(marital, valid_until=dt.date(2027, 3, 1))
    store(marital, id_number="079000000001", name="Của người khác")
    store(marital, name="Đã hết hạn", valid_until=dt.date(2026, 12, 6))

    response = lookup(login(client, desk_officer), marriage, desk_officer)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Đã có trong kho" in html
    assert "Giấy xác nhận TTHN số 45" in html and "01/03/2027" in html
    assert "Của người khác" not in html and "Đã hết hạn" not in html
    assert f'name="doc-{typed_doc.pk}-reuse" value="{stored.pk}"' in html
    assert 'value="Nguyễn Văn An"' in html  # what was typed is kept
    assert 'class="alert"' not in html  # no errors for a lookup
    assert Dossier.objects.count() == 0


def test_no_id_number_no_offers(client, desk_officer, marriage, marital):
    store(marital)
    html = login(client, desk_officer).get(URL).content.decode()
    assert "Đã có trong kho" not in html and "Tra kho giấy tờ" in html


def test_lookup_without_papers_on_file_says_so(client, desk_officer, marriage, marital):
    store(marital, id_number="079000000001")
    html = lookup(login(client, desk_officer), marriage, desk_officer).content.decode()
    assert "Kho không có giấy tờ còn giá trị của số định danh này" in html
    assert "Đã có trong kho" not in html


def test_receiving_with_the_tick_reuses_the_paper(
    client, desk_officer, marriage, marital, typed_doc
):
    stored = store(marital)
    data = form_data(marriage, desk_officer, missing=[typed_doc.name])
    data[f"doc-{typed_doc.pk}-reuse"] = str(stored.pk)

    response = login(client, desk_officer).post(URL, data)

    assert response.status_code == 302
    row = DossierDocument.objects.get(catalogue_document=typed_doc)
    assert row.reused_from == stored and row.provided
    assert row.reuse_consent_by == desk_officer and row.reuse_consent_at == MONDAY
    page = client.get(response["Location"]).content.decode()
    assert "Dùng lại từ kho giấy tờ của công dân" in page
    assert "công dân đồng ý dùng lại lúc 09:00 07/12/2026" in page
    dossier = Dossier.objects.get()
    link = f"/desk/stored/{stored.pk}/?dossier={dossier.code}"
    assert link in page.replace("&amp;", "&")
    assert client.get(link).status_code == 200


def test_without_the_tick_the_paper_is_missing(client, desk_officer, marriage, marital, typed_doc):
    store(marital)
    data = form_data(marriage, desk_officer, missing=[typed_doc.name])
    response = login(client, desk_officer).post(URL, data)
    assert response.status_code == 400
    assert Dossier.objects.count() == 0


def test_a_paper_withdrawn_meanwhile_is_refused_on_its_row(
    client, desk_officer, marriage, marital, typed_doc
):
    stored = store(marital)
    data = form_data(marriage, desk_officer, missing=[typed_doc.name])
    data[f"doc-{typed_doc.pk}-reuse"] = str(stored.pk)
    login(client, desk_officer)
    assert f'value="{stored.pk}"' in lookup(client, marriage, desk_officer).content.decode()
    StoredDocument.objects.filter(pk=stored.pk).update(revoked_at=timezone.now())

    response = client.post(URL, data)

    assert response.status_code == 400
    assert Dossier.objects.count() == DossierDocument.objects.count() == 0


def test_a_paper_of_another_person_cannot_be_posted(
    client, desk_officer, marriage, marital, typed_doc
):
    other = store(marital, id_number="079000000001")
    data = form_data(marriage, desk_officer, missing=[typed_doc.name])
    data[f"doc-{typed_doc.pk}-reuse"] = str(other.pk)
    response = login(client, desk_officer).post(URL, data)
    assert response.status_code == 400
    assert Dossier.objects.count() == 0


# --------------------------------------------------------------------------- opening


def test_the_officer_receiving_opens_the_stored_file(
    client, desk_officer, marriage, marital, commune
):
    store(marital)
    link = open_link(lookup(login(client, desk_officer), marriage, desk_officer).content.decode())

    response = client.get(link)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "no-store" in response["Cache-Control"]

    colleague = UserFactory(username="desk2", role=Role.DESK_OFFICER, unit=commune)
    assert login(client, colleague).get(link).status_code == 404  # signed for someone else
    specialist = UserFactory(username="spec2", role=Role.SPECIALIST, unit=commune)
    assert login(client, specialist).get(link).status_code == 404
    assert client.get(link.split("?")[0]).status_code == 404
    client.logout()
    assert client.get(link).status_code == 302  # to the login page


def test_the_signed_link_expires(client, desk_officer, marriage, marital):
    store(marital)
    link = open_link(lookup(login(client, desk_officer), marriage, desk_officer).content.decode())
    with time_machine.travel(MONDAY + dt.timedelta(hours=5), tick=False):
        assert client.get(link).status_code == 404


def test_staff_of_a_dossier_that_reused_it_open_it(
    client, desk_officer, leader, other_commune, marriage, marital, typed_doc
):
    stored = store(marital)
    documents = all_documents(marriage)
    documents[-1] = services.HandedIn(
        catalogue_document_id=typed_doc.pk, provided=False, reuse_stored_id=stored.pk
    )
    dossier = receive(marriage, desk_officer, documents=documents)
    url = f"/desk/stored/{stored.pk}/?dossier={dossier.code}"

    assert login(client, leader).get(url).status_code == 200
    outsider = UserFactory(username="far_leader", role=Role.LEADER, unit=other_commune)
    assert login(client, outsider).get(url).status_code == 404
    plain = receive(marriage, desk_officer)
    assert (
        login(client, leader).get(f"/desk/stored/{stored.pk}/?dossier={plain.code}").status_code
        == 404
    )


def test_completing_an_incomplete_reception_offers_the_store(
    client, desk_officer, marriage, marital, typed_doc
):
    stored = store(marital)
    documents = all_documents(marriage)
    documents[-1].provided = False
    dossier = receive(
        marriage, desk_officer, documents=documents, outcome=Action.RECEIVE_INCOMPLETE
    )
    page = login(client, desk_officer).get(f"/desk/dossiers/{dossier.code}/").content.decode()
    assert "Đã có trong kho" in page and f'value="{stored.pk}"' in page

    data = {"version": dossier.version, f"doc-{typed_doc.pk}-reuse": str(stored.pk)}
    for doc in marriage.documents.all():
        data[f"doc-{doc.pk}-originals"] = "1"
        data[f"doc-{doc.pk}-copies"] = "0"
        if doc != typed_doc:
            data[f"doc-{doc.pk}-provided"] = "on"
    client.post(f"/desk/dossiers/{dossier.code}/actions/complete/", data)
    dossier.refresh_from_db()
    assert dossier.status == "received"
    assert dossier.documents.get(catalogue_document=typed_doc).reused_from == stored


# --------------------------------------------------------------------------- supplements


def test_the_supplement_form_records_the_catalogue_papers(
    client, desk_officer, specialist, leader, marriage, typed_doc
):
    dossier = receive(marriage, desk_officer)
    dossier = services.assign_dossier(dossier, actor=leader, handler=specialist, now=MONDAY)
    response = login(client, specialist).post(
        f"/desk/dossiers/{dossier.code}/actions/request_supplement/",
        {"version": dossier.version, "documents": [str(typed_doc.pk)], "missing": ""},
    )
    assert response.status_code == 302
    event = dossier.events.get(action=Action.REQUEST_SUPPLEMENT)
    assert event.data["missing_documents"] == [{"id": typed_doc.pk, "name": typed_doc.name_vi}]


# --------------------------------------------------------------------------- report


REPORT = "/desk/reports/paper-once/"


def _fill(marriage, marital, typed_doc, desk_officer, specialist, leader, n: int) -> None:
    """n dossiers: every other one reuses a stored paper; one reception-stage and one
    processing-stage supplement request each naming the typed document."""
    stored = store(marital)
    for i in range(n):
        documents = all_documents(marriage)
        if i % 2 == 0:
            documents[-1] = services.HandedIn(
                catalogue_document_id=typed_doc.pk, provided=False, reuse_stored_id=stored.pk
            )
        receive(marriage, desk_officer, documents=documents, when=at(2026, 12, 1 + i % 5, 9))
    documents = all_documents(marriage)
    documents[-1].provided = False
    receive(
        marriage,
        desk_officer,
        documents=documents,
        outcome=Action.RECEIVE_INCOMPLETE,
        when=at(2026, 12, 2, 10),
    )
    d = Dossier.objects.filter(status="received").first()
    d = services.assign_dossier(d, actor=leader, handler=specialist, now=at(2026, 12, 3, 9))
    services.request_supplement(
        d, actor=specialist, documents=[typed_doc.pk], now=at(2026, 12, 3, 10)
    )
    # An old-style request without named papers, and one in another month.
    d2 = Dossier.objects.filter(status="received").exclude(pk=d.pk).first()
    d2 = services.assign_dossier(d2, actor=leader, handler=specialist, now=at(2026, 12, 3, 9))
    services.request_supplement(d2, actor=specialist, missing="Ảnh 4x6", now=at(2026, 12, 4, 10))


def test_report_counts_reuse_and_supplements(
    client, leader, desk_officer, specialist, marriage, marital, typed_doc
):
    _fill(marriage, marital, typed_doc, desk_officer, specialist, leader, 4)
    response = login(client, leader).get(REPORT)
    assert response.status_code == 200
    report = response.context["report"]
    assert report.start == dt.date(2026, 12, 1) and report.end == dt.date(2026, 12, 7)
    [row] = report.procedures
    assert (row.code, row.dossiers, row.dossiers_reusing) == ("1.000894", 4, 2)
    assert (row.provided, row.reused) == (8, 2) and row.rate == 0.25
    [asked] = report.asked
    assert (asked.document_id, asked.asked, asked.at_reception, asked.in_processing) == (
        typed_doc.pk,
        2,
        1,
        1,
    )
    assert asked.procedure_code == "1.000894"
    assert report.unspecified_requests == 1
    html = response.content.decode()
    assert "Giấy xác nhận tình trạng hôn nhân" in html and "25%" in html

    csv = client.get(REPORT + "?format=csv").content.decode("utf-8-sig")
    assert "1.000894" in csv and "25.0" in csv


def test_report_period_and_bad_dates(
    client, leader, desk_officer, specialist, marriage, marital, typed_doc
):
    _fill(marriage, marital, typed_doc, desk_officer, specialist, leader, 2)
    login(client, leader)
    empty = client.get(REPORT + "?start=2026-11-01&end=2026-11-30").context["report"]
    assert empty.procedures == [] and empty.asked == []
    response = client.get(REPORT + "?start=2026-12-05&end=2026-12-01")
    assert response.status_code == 400
    assert "Ngày bắt đầu phải trước ngày kết thúc" in response.content.decode()


def test_report_query_count_does_not_grow(
    client,
    leader,
    desk_officer,
    specialist,
    marriage,
    marital,
    typed_doc,
    django_assert_num_queries,
):
    _fill(marriage, marital, typed_doc, desk_officer, specialist, leader, 2)
    login(client, leader)
    with CaptureQueriesContext(connection) as few:
        client.get(REPORT)
    _fill(marriage, marital, typed_doc, desk_officer, specialist, leader, 12)
    other = ProcedureFactory(code="2.000815", name_vi="Chứng thực", documents=["Bản chính"])
    for i in range(3):
        receive(other, desk_officer, documents=all_documents(other), when=at(2026, 12, 2 + i, 9))
    with django_assert_num_queries(len(few)):
        response = client.get(REPORT)
    assert len(response.context["report"].procedures) == 2


def test_who_sees_which_unit(
    client,
    commune,
    other_commune,
    province_admin,
    commune_admin,
    desk_officer,
    specialist,
    leader,
    marriage,
    marital,
    typed_doc,
):
    _fill(marriage, marital, typed_doc, desk_officer, specialist, leader, 2)
    assert login(client, commune_admin).get(REPORT).context["report"].unit == commune
    # A leader cannot look at another unit by changing the address.
    response = login(client, leader).get(REPORT + f"?unit={other_commune.code}")
    assert response.status_code == 400 and response.context["report"].unit == commune
    assert login(client, desk_officer).get(REPORT).status_code == 403
    assert login(client, specialist).get(REPORT).status_code == 403

    login(client, province_admin)
    response = client.get(REPORT + f"?unit={commune.code}")
    assert response.context["report"].procedures[0].dossiers == 2
    assert f'value="{other_commune.code}"' in response.content.decode()
    response = client.get(REPORT + f"?unit={other_commune.code}")
    assert response.context["report"].unit == other_commune
    assert response.context["report"].procedures == []


def test_applicant_helper_matches_the_owner():
    assert applicant().id_number == OWNER


def test_the_nav_links_to_the_report_for_those_who_read_it(client, leader, desk_officer):
    assert REPORT in login(client, leader).get("/desk/").content.decode()
    assert REPORT not in login(client, desk_officer).get("/desk/").content.decode()
