"""The desk's check of an online dossier through the staff API, with the same rules as the
desk page: accept, ask for exactly the missing papers, refuse."""

import pytest
from rest_framework.test import APIClient

from dossiers.models import DossierStatus, PaperKind

from .test_online import submitted


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


@pytest.fixture
def api():
    return APIClient()


def url(dossier, action):
    return f"/api/v1/dossiers/{dossier.code}/actions/{action}/"


def test_the_desk_accepts_an_online_dossier_through_the_api(
    api, citizen, online_procedure, commune, desk_officer
):
    dossier = submitted(citizen, online_procedure, commune)
    api.force_authenticate(desk_officer)
    response = api.post(url(dossier, "receive"), {"version": dossier.version}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == DossierStatus.RECEIVED
    dossier.refresh_from_db()
    assert dossier.received_at and dossier.due_date
    assert dossier.papers.filter(kind=PaperKind.RECEIPT).count() == 1
    # Accepting twice: not from this status any more.
    again = api.post(url(dossier, "receive"), {"version": dossier.version}, format="json")
    assert again.status_code == 409 and "detail" in again.json()


def test_the_desk_asks_for_exactly_the_missing_papers_through_the_api(
    api, citizen, online_procedure, commune, desk_officer
):
    dossier = submitted(citizen, online_procedure, commune)
    api.force_authenticate(desk_officer)
    detail = api.get(f"/api/v1/dossiers/{dossier.code}/").json()
    row = detail["documents"][0]
    response = api.post(
        url(dossier, "receive_incomplete"),
        {"version": dossier.version, "documents": [row["id"]], "note": "Ảnh bị mờ"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.INCOMPLETE
    assert row["name"] in dossier.supplement_note
    assert dossier.papers.filter(kind=PaperKind.SUPPLEMENT).count() == 1


@pytest.mark.parametrize(
    "action, body, status",
    [
        ("receive_incomplete", {"documents": ["x"]}, 400),  # not a row id
        ("receive_incomplete", {"documents": [2**40]}, 400),  # beyond any id
        ("refuse", {"reason": ""}, 400),  # a refusal needs its reason
    ],
)
def test_bad_data_is_400_json_and_changes_nothing(
    api, citizen, online_procedure, commune, desk_officer, action, body, status
):
    dossier = submitted(citizen, online_procedure, commune)
    api.force_authenticate(desk_officer)
    response = api.post(url(dossier, action), {"version": dossier.version, **body}, format="json")
    assert response.status_code == status and isinstance(response.json(), dict)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED_ONLINE and not dossier.papers.exists()


def test_refusal_and_permissions_through_the_api(
    api, citizen, online_procedure, commune, desk_officer, specialist
):
    dossier = submitted(citizen, online_procedure, commune)
    api.force_authenticate(specialist)  # not the desk's job
    forbidden = api.post(url(dossier, "refuse"), {"version": 1, "reason": "x"}, format="json")
    assert forbidden.status_code == 403
    api.force_authenticate(citizen)  # a citizen account is never staff
    assert api.post(url(dossier, "refuse"), {"reason": "x"}, format="json").status_code == 403
    api.force_authenticate(desk_officer)
    response = api.post(
        url(dossier, "refuse"),
        {"version": dossier.version, "reason": "Không thuộc thẩm quyền"},
        format="json",
    )
    assert response.status_code == 200
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.REFUSED and dossier.reason == "Không thuộc thẩm quyền"
