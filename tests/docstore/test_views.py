"""The citizen's document store page (/account/documents/) and file download: only the
citizen whose ID number a desk verified, only their own papers."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from docstore.models import Source, StoredDocument
from procedures.models import DocumentType
from tests.factories import CitizenFactory

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
URL = "/account/documents/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture
def verified(citizen):
    citizen.id_verified_at = timezone.now()
    citizen.save(update_fields=["id_verified_at"])
    return citizen


@pytest.fixture
def id_card():
    return DocumentType.objects.create(code="cccd", name="Căn cước công dân")


def stored(doc_type, id_number, name="Căn cước công dân số 001090012345", **kwargs):
    item = StoredDocument(
        id_number=id_number,
        doc_type=doc_type,
        name=name,
        source=kwargs.pop("source", Source.SCAN),
        source_ref=kwargs.pop("source_ref", "000.00.01.H56-261101-0001"),
        content_type="application/pdf",
        original_name="cccd.pdf",
        **kwargs,
    )
    if item.source == Source.SCAN:
        item.file.save("cccd.pdf", ContentFile(PDF), save=False)
    item.save()
    return item


def test_the_store_opens_once_the_id_number_is_verified(client, citizen, id_card):
    stored(id_card, citizen.id_number)
    client.force_login(citizen)
    html = client.get(URL).content.decode()
    assert "Kho giấy tờ mở khi số định danh cá nhân của ông/bà đã được xác thực" in html
    assert "Căn cước công dân số" not in html


def test_a_verified_citizen_sees_their_papers_only(client, verified, id_card):
    mine = stored(id_card, verified.id_number, issued_on=dt.date(2025, 1, 2))
    stored(id_card, "079000000001", name="Giấy của người khác")
    stored(
        id_card,
        verified.id_number,
        name="Giấy khai sinh bản cũ",
        valid_until=dt.date(2020, 1, 1),
    )
    stored(
        id_card,
        verified.id_number,
        name="Kết quả: Giấy xác nhận",
        source=Source.RESULT,
        issuer="UBND xã Đạ Huoai",
    )
    client.force_login(verified)
    response = client.get(URL)
    html = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert mine.name in html and "02/01/2025" in html and "Không thời hạn" in html
    assert "Giấy của người khác" not in html
    assert "Hết giá trị từ 01/01/2020" in html
    assert "UBND xã Đạ Huoai" in html and "Kết quả giải quyết do cơ quan cấp" in html
    assert f"/account/documents/{mine.pk}/file/" in html
    assert "/account/dossiers/000.00.01.H56-261101-0001/" in html


def test_download_of_their_own_file_only(client, verified, id_card):
    mine = stored(id_card, verified.id_number)
    theirs = stored(id_card, "079000000001")
    withdrawn = stored(id_card, verified.id_number, revoked_at=timezone.now())
    result = stored(id_card, verified.id_number, source=Source.RESULT)
    client.force_login(verified)

    response = client.get(f"/account/documents/{mine.pk}/file/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    for other in (theirs, withdrawn, result):
        assert client.get(f"/account/documents/{other.pk}/file/").status_code == 404
    assert client.get("/account/documents/999999/file/").status_code == 404


def test_an_unverified_citizen_cannot_download_even_their_number(client, citizen, id_card):
    item = stored(id_card, citizen.id_number)
    client.force_login(citizen)
    assert client.get(f"/account/documents/{item.pk}/file/").status_code == 404


def test_someone_claiming_the_same_number_without_verification_sees_nothing(
    client, verified, id_card
):
    item = stored(id_card, verified.id_number)
    impostor = CitizenFactory(username="impostor", id_number=verified.id_number)
    client.force_login(impostor)
    assert "Căn cước công dân số" not in client.get(URL).content.decode()
    assert client.get(f"/account/documents/{item.pk}/file/").status_code == 404


def test_staff_and_anonymous_are_kept_out(client, desk_officer, verified, id_card):
    item = stored(id_card, verified.id_number)
    response = client.get(URL)
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    client.force_login(desk_officer)
    assert client.get(URL).status_code == 403
    assert client.get(f"/account/documents/{item.pk}/file/").status_code == 403


def test_the_list_costs_the_same_queries_for_many_papers(
    client, verified, id_card, django_assert_max_num_queries
):
    for i in range(3):
        stored(id_card, verified.id_number, name=f"Giấy {i}")
    client.force_login(verified)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for i in range(20):
        stored(id_card, verified.id_number, name=f"Giấy thêm {i}")
    with django_assert_max_num_queries(len(few)):
        response = client.get(URL)
    assert response.content.decode().count("Giấy thêm") == 20


# --------------------------------------------------------------------------- admin


def test_province_admin_finds_by_exact_number_and_withdraws(client, province_admin, id_card):
    item = stored(id_card, "001090012345")
    stored(id_card, "079000000001", name="Giấy của người khác")
    province_admin.is_staff = True
    province_admin.save(update_fields=["is_staff"])
    client.force_login(province_admin)
    url = "/admin/docstore/storeddocument/"
    assert "001090012345" not in client.get(url).content.decode()  # nothing until searched
    assert "001090012345" not in client.get(url + "?q=0010900").content.decode()
    html = client.get(url + "?q=001090012345").content.decode()
    assert "001090012345" in html and "Giấy của người khác" not in html

    response = client.post(
        url + "?q=001090012345",
        {"action": "revoke_selected", "_selected_action": [str(item.pk)]},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.revoked_at is not None


def test_other_staff_do_not_see_the_store_in_the_admin(client, commune_admin, id_card):
    commune_admin.is_staff = True
    commune_admin.save(update_fields=["is_staff"])
    client.force_login(commune_admin)
    assert client.get("/admin/docstore/storeddocument/").status_code == 403
