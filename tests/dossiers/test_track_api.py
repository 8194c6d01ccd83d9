"""POST /api/v1/track/: the citizen's lookup as JSON."""

import json

import pytest
from rest_framework.test import APIClient

from dossiers import services

from .conftest import at, receive

URL = "/api/v1/track/"
ID_NUMBER = "079123456789"
PHONE = "0912345678"


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def dossier(commune, desk_officer, three_day_procedure):
    commune.opening_hours_vi = "Sáng 7:30–11:30 (thứ Hai – thứ Sáu)"
    commune.opening_hours_en = "7:30–11:30 (Monday – Friday)"
    commune.save()
    return receive(three_day_procedure, desk_officer, when=at(2026, 12, 7, 9, 30))


@pytest.fixture
def paused(dossier, leader, specialist):
    services.assign_dossier(dossier, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    return services.request_supplement(
        dossier,
        actor=specialist,
        missing="Bản sao giấy khai sinh",
        now=at(2026, 12, 8, 14, 15),
    )


def track(api, **data):
    return api.post(URL, data, format="json")


@pytest.mark.parametrize("phone", ["0912 345 678", "+84912345678", "0912.345.678"])
def test_found_with_phone(api, dossier, phone):
    response = track(api, code=dossier.code, phone=phone)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["code"] == dossier.code
    assert data["procedure"] == {"code": "1.000894", "name": "Đăng ký kết hôn"}
    assert data["unit"] == {"code": "000.00.23.H56", "name": "Xã Đạ Huoai"}
    assert data["status"] == "received"
    assert data["status_text"] == "Đã tiếp nhận, đang chờ giải quyết"
    assert data["received_at"] == "2026-12-07T09:30:00+07:00"
    assert data["due_date"] == "2026-12-10"
    assert data["paused"] is False
    assert data["extension"] is None
    assert data["next_step"]["kind"] == "wait"
    assert data["timeline"] == [
        {"at": "2026-12-07T09:30:00+07:00", "text": "Hồ sơ đã được tiếp nhận tại Xã Đạ Huoai"}
    ]
    assert "no-store" in response["Cache-Control"]


def test_found_with_id_number(api, dossier):
    response = track(api, code=dossier.code, id_number=ID_NUMBER)
    assert response.status_code == 200
    assert response.json()["code"] == dossier.code


def test_paused_dossier_says_what_to_bring(api, paused):
    data = track(api, code=paused.code, phone=PHONE).json()
    assert data["paused"] is True
    assert data["next_step"]["kind"] == "supplement"
    assert data["next_step"]["details"] == "Bản sao giấy khai sinh"
    assert data["next_step"]["place"] == {
        "name": "Xã Đạ Huoai",
        "address": "Thôn 1, xã Đạ Huoai",
        "opening_hours": "Sáng 7:30–11:30 (thứ Hai – thứ Sáu)",
        "phone": "0263 3874 123",
    }
    assert data["timeline"][-1]["at"] == "2026-12-08T14:15:00+07:00"
    assert data["timeline"][-1]["text"].startswith(
        "Cơ quan giải quyết yêu cầu bổ sung: Bản sao giấy khai sinh"
    )


def test_no_personal_data_in_the_json(api, paused, desk_officer, specialist, leader):
    for factor in ({"phone": PHONE}, {"id_number": ID_NUMBER}):
        text = json.dumps(track(api, code=paused.code, **factor).json(), ensure_ascii=False)
        assert "Đăng ký kết hôn" in text
        for secret in (
            ID_NUMBER,
            PHONE,
            "912345678",
            "an@example.vn",
            "Thôn 2, xã Đạ Huoai",
            "Nguyễn Văn An",
            desk_officer.username,
            specialist.username,
            leader.username,
        ):
            assert secret not in text, secret


def test_wrong_code_and_wrong_factor_answer_the_same(api, dossier):
    unknown = dossier.code[:-4] + "9999"
    answers = [
        track(api, code=unknown, phone=PHONE),
        track(api, code=dossier.code, phone="0900000000"),
        track(api, code=dossier.code, id_number="079000000000"),
        track(api, code=unknown, id_number=ID_NUMBER),
    ]
    assert {a.status_code for a in answers} == {404}
    assert len({a.content for a in answers}) == 1
    assert set(answers[0].json()) == {"detail"}


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({}, {"code"}),
        ({"code": "X"}, {"phone", "id_number"}),
        ({"code": "X", "phone": " ", "id_number": ""}, {"phone", "id_number"}),
        ({"phone": PHONE}, {"code"}),
        ({"code": "X", "phone": PHONE, "id_number": ID_NUMBER}, {"id_number"}),
        ({"code": "X" * 65, "phone": PHONE}, {"code"}),
        ({"code": "X", "phone": "1" * 33}, {"phone"}),
        ({"code": ["X"], "phone": PHONE}, {"code"}),
    ],
)
def test_bad_requests_are_400_with_the_fields(api, db, data, fields):
    response = track(api, **data)
    assert response.status_code == 400
    body = response.json()
    assert fields <= set(body)
    assert all(isinstance(body[f], list) and body[f] for f in fields)


def test_malformed_json_is_400(api, db):
    response = api.post(URL, "{nope", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()
    response = api.post(URL, "[1, 2]", content_type="application/json")
    assert response.status_code == 400


def test_bad_requests_do_not_use_up_attempts(api, dossier):
    for _ in range(15):
        assert track(api, code=dossier.code).status_code == 400
    assert track(api, code=dossier.code, phone=PHONE).status_code == 200


def test_rate_limited_after_ten_failures(api, dossier):
    for _ in range(10):
        assert track(api, code=dossier.code, phone="0900000000").status_code == 404
    response = track(api, code=dossier.code, phone=PHONE)
    assert response.status_code == 429
    assert set(response.json()) == {"detail"}
    assert "Tra cứu sai quá nhiều lần" in response.json()["detail"]
    assert int(response["Retry-After"]) > 0
    # Another client is not affected.
    other = APIClient(REMOTE_ADDR="203.0.113.9")
    assert track(other, code=dossier.code, phone=PHONE).status_code == 200


def test_page_and_api_share_the_attempts(client, api, dossier):
    for _ in range(5):
        client.post("/track", {"code": dossier.code, "factor": "0900000000"})
    for _ in range(5):
        track(api, code=dossier.code, phone="0900000000")
    assert track(api, code=dossier.code, phone=PHONE).status_code == 429
    assert client.post("/track", {"code": dossier.code, "factor": PHONE}).status_code == 429


def test_successes_are_not_limited(api, dossier):
    for _ in range(9):
        track(api, code=dossier.code, phone="0900000000")
    for _ in range(20):
        assert track(api, code=dossier.code, phone=PHONE).status_code == 200


def test_answers_in_the_language_asked_for(api, paused):
    response = api.post(
        URL, {"code": paused.code, "phone": PHONE}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    data = response.json()
    assert data["procedure"]["name"] == "Marriage registration"
    assert data["unit"]["name"] == "Da Huoai Commune"
    assert data["next_step"]["place"]["opening_hours"] == "7:30–11:30 (Monday – Friday)"
    assert response["Content-Language"] == "en"


def test_no_session_needed_and_no_csrf(dossier):
    api = APIClient(enforce_csrf_checks=True)
    assert track(api, code=dossier.code, phone=PHONE).status_code == 200


def test_only_post(api, db):
    assert api.get(URL).status_code == 405


def test_in_the_openapi_schema(api, db):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"]["/api/v1/track/"]["post"]
    assert operation["operationId"] == "track_dossier"
    assert set(operation["responses"]) == {"200", "400", "404", "429"}
    # Public: no authentication scheme is required.
    assert operation.get("security", []) in ([], [{}])
    assert "security" not in schema
    tracking = schema["components"]["schemas"]["Tracking"]
    assert {"code", "procedure", "unit", "status", "status_text", "received_at"} <= set(
        tracking["properties"]
    )
    assert {"due_date", "paused", "next_step", "timeline"} <= set(tracking["properties"])
