import pytest
from rest_framework.test import APIClient

from dossiers.models import Dossier, DossierStatus

from .conftest import receive


@pytest.fixture
def api():
    return APIClient()


def body(proc, **overrides):
    data = {
        "procedure": proc.code,
        "applicant": {
            "name": "Trần Thị Bình",
            "id_number": "079198765432",
            "phone": "0987654321",
            "email": "binh@example.vn",
        },
        "documents": [
            {"document_id": d.pk, "provided": True, "originals": 1} for d in proc.documents.all()
        ],
    }
    data.update(overrides)
    return data


def test_desk_officer_receives_through_the_api(api, desk_officer, three_day_procedure):
    api.force_authenticate(desk_officer)
    response = api.post("/api/v1/dossiers/", body(three_day_procedure), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "received"
    assert data["code"].startswith("000.00.23.H56-")
    # In a commune the desk may also hand the dossier straight to a specialist.
    assert data["allowed_actions"] == ["transfer", "assign", "withdraw"]
    assert Dossier.objects.get(code=data["code"]).applicant_name == "Trần Thị Bình"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"procedure": "9.999999"}, "procedure"),
        ({"applicant": {"name": "X"}}, "applicant"),
        ({"documents": "nope"}, "documents"),
        ({"outcome": "approve"}, "outcome"),
    ],
)
def test_bad_reception_data_is_400_json(api, desk_officer, three_day_procedure, change, field):
    api.force_authenticate(desk_officer)
    response = api.post("/api/v1/dossiers/", body(three_day_procedure, **change), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Dossier.objects.count() == 0


def test_domain_refusal_is_400_with_errors(api, desk_officer, three_day_procedure):
    api.force_authenticate(desk_officer)
    data = body(three_day_procedure)
    data["documents"][0]["provided"] = False
    response = api.post("/api/v1/dossiers/", data, format="json")
    assert response.status_code == 400
    assert "Tờ khai" in response.json()["detail"]
    assert response.json()["errors"]["documents"]


def test_specialist_may_not_receive(api, specialist, three_day_procedure):
    api.force_authenticate(specialist)
    response = api.post("/api/v1/dossiers/", body(three_day_procedure), format="json")
    assert response.status_code == 403
    assert "detail" in response.json()


def test_anonymous_gets_403_json(api, db):
    response = api.get("/api/v1/dossiers/")
    assert response.status_code in (401, 403)
    assert "detail" in response.json()


def test_actions_403_409_400(api, desk_officer, specialist, leader, three_day_procedure):
    dossier = receive(three_day_procedure, desk_officer)
    url = f"/api/v1/dossiers/{dossier.code}/actions/"
    api.force_authenticate(specialist)  # not a leader: may not assign
    r = api.post(
        url + "assign/", {"version": dossier.version, "handler": "specialist"}, format="json"
    )
    assert r.status_code == 403 and r.json()["detail"]
    api.force_authenticate(leader)
    r = api.post(url + "approve/", {"version": dossier.version, "result": "x"}, format="json")
    assert r.status_code == 409 and "trạng thái" in r.json()["detail"]
    r = api.post(url + "assign/", {"handler": "specialist"}, format="json")
    assert r.status_code == 400 and "version" in r.json()
    r = api.post(
        url + "assign/", {"version": dossier.version, "handler": "specialist"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == DossierStatus.IN_PROCESSING
    r = api.post(
        url + "assign/", {"version": dossier.version, "handler": "specialist"}, format="json"
    )
    assert r.status_code == 409 and "tải lại" in r.json()["detail"]
    r = api.post(url + "fly/", {"version": 1}, format="json")
    assert r.status_code == 404 and r.json()["detail"]


def test_list_is_scoped_and_query_count_is_constant(
    api, desk_officer, other_desk, three_day_procedure, django_assert_max_num_queries
):
    for _ in range(3):
        receive(three_day_procedure, desk_officer)
    receive(three_day_procedure, other_desk)
    api.force_authenticate(desk_officer)
    with django_assert_max_num_queries(8) as small:
        r = api.get("/api/v1/dossiers/")
    assert r.json()["count"] == 3
    for _ in range(12):
        receive(three_day_procedure, desk_officer)
    with django_assert_max_num_queries(len(small.captured_queries)):
        r = api.get("/api/v1/dossiers/")
    assert r.json()["count"] == 15


def test_list_bad_parameters(api, desk_officer):
    api.force_authenticate(desk_officer)
    assert api.get("/api/v1/dossiers/?list=nope").status_code == 400
    assert api.get("/api/v1/dossiers/?status=nope").status_code == 400
    assert api.get("/api/v1/dossiers/?page=abc").status_code == 404


def test_other_unit_cannot_read(api, desk_officer, other_desk, three_day_procedure):
    dossier = receive(three_day_procedure, desk_officer)
    api.force_authenticate(other_desk)
    assert api.get(f"/api/v1/dossiers/{dossier.code}/").status_code == 404
