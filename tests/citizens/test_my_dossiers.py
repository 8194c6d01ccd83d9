"""My dossiers: which dossiers are a citizen's, the list, the dossier page, its papers."""

from __future__ import annotations

import pytest
from django.utils import timezone

from dossiers.access import citizen_may_view
from dossiers.models import Dossier, Paper
from dossiers.selectors import citizen_dossiers
from tests.dossiers.conftest import applicant, at, receive
from tests.factories import CitizenFactory

pytestmark = pytest.mark.django_db


def page(response) -> str:
    return response.content.decode()


def at_desk(procedure, desk_officer, n=1, **fields) -> list[Dossier]:
    """Dossiers received at the desk for an applicant with these details."""
    return [
        receive(procedure, desk_officer, when=at(2026, 12, 7, 8, n), applicant=applicant(**fields))
        for n in range(n)
    ]


def codes(user) -> set[str]:
    return set(citizen_dossiers(user).values_list("code", flat=True))


def test_a_dossier_with_the_verified_phone_is_the_citizens(citizen, procedure, desk_officer):
    [mine] = at_desk(procedure, desk_officer, phone="0912 345 678", id_number="079111111111")
    [other] = at_desk(procedure, desk_officer, phone="0988 000 111", id_number="079222222222")
    assert codes(citizen) == {mine.code}
    assert citizen_may_view(citizen, mine) and not citizen_may_view(citizen, other)


def test_an_unverified_phone_matches_nothing(procedure, desk_officer):
    user = CitizenFactory(phone="0912345678", phone_verified_at=None)
    at_desk(procedure, desk_officer, phone="0912345678")
    assert codes(user) == set()


def test_the_verified_e_mail_matches(procedure, desk_officer):
    user = CitizenFactory(
        phone="0977000111", email="an@example.vn", email_verified_at=timezone.now()
    )
    [mine] = at_desk(procedure, desk_officer, phone="", email="AN@example.vn")
    unverified = CitizenFactory(phone="0977000222", email="an@example.vn", email_verified_at=None)
    assert codes(user) == {mine.code}
    assert codes(unverified) == set()


def test_the_id_number_matches_only_once_verified(citizen, procedure, desk_officer):
    [dossier] = at_desk(procedure, desk_officer, phone="0988000111", id_number=citizen.id_number)
    assert codes(citizen) == set()  # the fixture's ID number is not verified
    citizen.id_verified_at = timezone.now()
    citizen.save()
    assert codes(citizen) == {dossier.code}


def test_a_dossier_submitted_online_by_the_account(citizen, procedure, desk_officer):
    [dossier] = at_desk(procedure, desk_officer, phone="0988000111", id_number="079333333333")
    Dossier.objects.filter(pk=dossier.pk).update(citizen=citizen)
    assert codes(citizen) == {dossier.code}


def test_staff_and_visitors_have_no_citizen_dossiers(desk_officer, procedure):
    at_desk(procedure, desk_officer)
    from django.contrib.auth.models import AnonymousUser

    assert codes(desk_officer) == set() and codes(AnonymousUser()) == set()


def test_the_list_shows_status_due_date_procedure_and_code(
    client, citizen, procedure, desk_officer
):
    [dossier] = at_desk(procedure, desk_officer, phone="0912345678")
    client.force_login(citizen)
    response = client.get("/account/dossiers/")
    html = page(response)
    assert response.status_code == 200
    assert dossier.code in html and "Đăng ký kết hôn" in html
    assert dossier.get_status_display() in html
    assert dossier.due_date.strftime("%d/%m/%Y") in html
    assert f'href="/account/dossiers/{dossier.code}/"' in html


def test_the_list_is_paginated_and_costs_the_same_queries_for_more_rows(
    client, citizen, procedure, desk_officer, django_assert_num_queries
):
    at_desk(procedure, desk_officer, n=2, phone="0912345678")
    client.force_login(citizen)
    client.get("/account/dossiers/")  # warm up (content types, ...)
    with django_assert_num_queries(4) as few:
        client.get("/account/dossiers/")
    at_desk(procedure, desk_officer, n=23, phone="0912345678")
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get("/account/dossiers/")
    assert page(response).count('class="code-inline"') == 20
    second = client.get("/account/dossiers/?page=2")
    assert page(second).count('class="code-inline"') == 5
    assert "Trang 2/2" in page(second)


def test_the_dossier_page_shows_the_tracking_and_the_papers(
    client, citizen, procedure, desk_officer
):
    [dossier] = at_desk(procedure, desk_officer, phone="0912345678")
    client.force_login(citizen)
    response = client.get(f"/account/dossiers/{dossier.code}/")
    html = page(response)
    assert response.status_code == 200
    assert "Quá trình giải quyết" in html and "Hẹn trả kết quả" in html  # from /track
    assert "Tờ khai đăng ký kết hôn" in html  # the papers handed in
    receipt = Paper.objects.get(dossier=dossier)
    assert f"/account/dossiers/{dossier.code}/papers/{receipt.pk}.pdf" in html
    assert "no-store" in response["Cache-Control"]


def test_an_issued_paper_downloads_as_a_copy(client, citizen, procedure, desk_officer):
    [dossier] = at_desk(procedure, desk_officer, phone="0912345678")
    receipt = Paper.objects.get(dossier=dossier)
    client.force_login(citizen)
    response = client.get(f"/account/dossiers/{dossier.code}/papers/{receipt.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    receipt.refresh_from_db()
    assert receipt.prints == 0  # the desk's count of printed originals is untouched


def test_another_citizens_dossier_is_a_clear_404(client, citizen, procedure, desk_officer):
    [foreign] = at_desk(procedure, desk_officer, phone="0988000111", id_number="079444444444")
    paper = Paper.objects.get(dossier=foreign)
    client.force_login(citizen)
    for url in (
        f"/account/dossiers/{foreign.code}/",
        f"/account/dossiers/{foreign.code}/papers/{paper.pk}.pdf",
        "/account/dossiers/NO-SUCH-CODE/",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "Không tìm thấy hồ sơ" in page(response)
        assert foreign.applicant_name not in page(response)


def test_a_paper_of_another_dossier_is_refused(client, citizen, procedure, desk_officer):
    [mine] = at_desk(procedure, desk_officer, phone="0912345678")
    [foreign] = at_desk(procedure, desk_officer, phone="0988000111", id_number="079444444444")
    paper = Paper.objects.get(dossier=foreign)
    client.force_login(citizen)
    response = client.get(f"/account/dossiers/{mine.code}/papers/{paper.pk}.pdf")
    assert response.status_code == 404
