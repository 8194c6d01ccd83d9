"""procedures/api.py (+ serializers, filters) and the JSON errors of portal/api.py."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import DataError, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portal.api import exception_handler
from procedures.models import (
    LegalDocument,
    Level,
    LocalForm,
    Procedure,
    ProcedureFee,
    ProcedureStep,
    Status,
    UnitProcedure,
)
from procedures.services import procedure_changed
from tests.factories import FieldFactory, ProcedureFactory

LIST = "/api/v1/procedures/"
FIELDS = "/api/v1/fields/"
SITE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def civil(db):
    return FieldFactory(code="HT", name_vi="Hộ tịch", name_en="Civil status")


@pytest.fixture
def catalogue(civil):
    certify = FieldFactory(code="CT", name_vi="Chứng thực", name_en="Authentication")
    FieldFactory(code="XD", name_vi="Hoạt động xây dựng", name_en="Construction")  # empty
    marriage = ProcedureFactory(
        code="1.000894",
        name_vi="Đăng ký kết hôn",
        name_en="Marriage registration",
        field=civil,
        popularity=30,
        documents=["Tờ khai đăng ký kết hôn"],
    )
    birth = ProcedureFactory(
        code="1.001193",
        name_vi="Đăng ký khai sinh",
        name_en="Birth registration",
        field=civil,
        popularity=90,
        same_day=True,
        processing_days=None,
        processing_note_vi="Nhận trước 15 giờ, trả trong ngày.",
        documents=["Giấy chứng sinh"],
    )
    copies = ProcedureFactory(
        code="2.000815",
        name_vi="Chứng thực bản sao từ bản chính",
        name_en="Certifying copies",
        field=certify,
        level=Level.PROVINCE,
        popularity=50,
        documents=[],
    )
    ProcedureFactory(
        code="9.000001", name_vi="Bản nháp kết hôn", field=civil, status=Status.DRAFT, documents=[]
    )
    old = ProcedureFactory(
        code="1.000001",
        name_vi="Đăng ký khai sinh (thủ tục cũ)",
        name_en="",
        field=civil,
        status=Status.ARCHIVED,
        documents=[],
    )
    Procedure.objects.filter(pk=old.pk).update(replaced_by=birth)
    cache.clear()
    return {"marriage": marriage, "birth": birth, "copies": copies, "old": old}


def assert_json_error(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict) and body
    return body


# --- list ------------------------------------------------------------------------------------


def test_list_shape_in_vietnamese_by_default(api, catalogue):
    response = api.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [p["code"] for p in body["results"]] == ["1.001193", "2.000815", "1.000894"]
    birth = body["results"][0]
    assert birth == {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "name_vi": "Đăng ký khai sinh",
        "name_en": "Birth registration",
        "field": {"code": "HT", "name": "Hộ tịch"},
        "level": "commune",
        "processing_time": {
            "working_days": None,
            "same_day": True,
            "note": "Nhận trước 15 giờ, trả trong ngày.",
        },
        "online_level": "none",
        "channels": ["counter", "online"],
        "status": "published",
        "url": f"{SITE}/p/1.001193",
    }
    assert body["results"][2]["processing_time"] == {
        "working_days": 3,
        "same_day": False,
        "note": "",
    }


@pytest.mark.parametrize(
    "how", [{"QUERY_STRING": "lang=en"}, {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}]
)
def test_list_in_english(api, catalogue, how):
    query = how.pop("QUERY_STRING", "")
    response = api.get(f"{LIST}?{query}", **how)
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    first = response.json()["results"][0]
    assert first["name"] == "Birth registration"
    assert first["field"]["name"] == "Civil status"
    assert first["name_vi"] == "Đăng ký khai sinh"


def test_lang_parameter_wins_over_accept_language(api, catalogue):
    response = api.get(f"{LIST}?lang=vi", HTTP_ACCEPT_LANGUAGE="en")
    assert response.json()["results"][0]["name"] == "Đăng ký khai sinh"


def test_english_falls_back_to_vietnamese(api, catalogue):
    Procedure.objects.filter(code="1.001193").update(name_en="")
    response = api.get(f"{LIST}?lang=en")
    assert response.json()["results"][0]["name"] == "Đăng ký khai sinh"


@pytest.mark.parametrize(
    ("query", "codes"),
    [
        ("dang ky ket hon", ["1.000894"]),
        ("ĐĂNG KÝ KẾT HÔN", ["1.000894"]),
        ("dang ki ket hon", ["1.000894"]),
        ("ket hon dang ky", ["1.000894"]),
        ("marriage", ["1.000894"]),
        ("1.001193", ["1.001193"]),
        ("dang ky", ["1.000894", "1.001193"]),  # the shorter name first, then popularity
        ("ho tich", ["1.000894", "1.001193"]),  # the field; "ho" also begins "hon"
        ("giay chung sinh", ["1.001193"]),
        ("nothing like it", []),
    ],
)
def test_search(api, catalogue, query, codes):
    response = api.get(LIST, {"search": query})
    assert response.status_code == 200
    assert [p["code"] for p in response.json()["results"]] == codes


def test_filters(api, catalogue):
    def codes(**params):
        response = api.get(LIST, params)
        assert response.status_code == 200, response.content
        return [p["code"] for p in response.json()["results"]]

    assert codes(field="CT") == ["2.000815"]
    assert codes(level="province") == ["2.000815"]
    assert codes(level="commune") == ["1.001193", "1.000894"]
    assert codes(field="HT", search="ket hon") == ["1.000894"]
    assert codes(field="XD") == []


def test_unit_filter_and_links(api, catalogue, commune, other_commune):
    UnitProcedure.objects.create(unit=commune, procedure=catalogue["marriage"])
    UnitProcedure.objects.create(unit=commune, procedure=catalogue["birth"], is_active=False)
    response = api.get(LIST, {"unit": commune.code})
    results = response.json()["results"]
    assert [p["code"] for p in results] == ["1.000894"]
    assert results[0]["url"] == f"{SITE}/p/1.000894?unit={commune.code}"
    assert api.get(LIST, {"unit": other_commune.code}).json()["count"] == 0


def test_pagination(api, civil):
    for i in range(25):
        ProcedureFactory(code=f"3.{i:06d}", name_vi=f"Thủ tục {i}", field=civil, documents=[])
    first = api.get(LIST).json()
    assert first["count"] == 25 and len(first["results"]) == 20
    assert first["next"].endswith("?page=2")
    second = api.get(LIST, {"page": 2}).json()
    assert len(second["results"]) == 5 and second["next"] is None


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"level": "xyz"}, "level"),
        ({"field": "NOPE"}, "field"),
        ({"field": "H\x00T"}, "field"),
        ({"field": "X" * 500}, "field"),
        ({"unit": "UNKNOWN"}, "unit"),
        ({"unit": "000\x00"}, "unit"),
        ({"lang": "fr"}, "lang"),
        ({"search": "dang ky " * 100}, "search"),
    ],
)
def test_bad_parameters_are_400_with_json(api, catalogue, params, key):
    body = assert_json_error(api.get(LIST, params), 400)
    assert list(body) == [key]
    assert isinstance(body[key], list) and body[key][0]


def test_inactive_unit_is_unknown(api, catalogue, commune):
    commune.is_active = False
    commune.save()
    assert list(assert_json_error(api.get(LIST, {"unit": commune.code}), 400)) == ["unit"]


@pytest.mark.parametrize("page", ["abc", "999", "0", "-1", "1\x00"])
def test_bad_page_is_404_with_json(api, catalogue, page):
    assert "detail" in assert_json_error(api.get(LIST, {"page": page}), 404)


def test_search_with_symbols(api, catalogue):
    response = api.get(LIST, {"search": "kết hôn %_' OR 1=1 --"})
    assert [p["code"] for p in response.json()["results"]] == ["1.000894"]
    assert list(assert_json_error(api.get(LIST, {"search": "kết\x00hôn"}), 400)) == ["search"]


def test_list_query_count_does_not_grow_with_rows(api, civil, commune):
    def queries(params):
        cache.clear()  # every request builds the search vocabulary again: the worst case
        with CaptureQueriesContext(connection) as captured:
            response = api.get(LIST, params)
        assert response.status_code == 200
        return len(captured), response.json()["count"]

    def add(start, n):
        for i in range(start, start + n):
            procedure = ProcedureFactory(
                code=f"4.{i:06d}",
                name_vi=f"Đăng ký thủ tục số {i}",
                field=civil,
                documents=["Tờ khai"],
            )
            UnitProcedure.objects.create(unit=commune, procedure=procedure)

    cases = [{}, {"search": "dang ky"}, {"search": "dang ky", "unit": commune.code, "field": "HT"}]
    add(0, 5)
    small = [queries(params) for params in cases]
    add(5, 25)
    large = [queries(params) for params in cases]
    assert [count for _, count in small] == [5, 5, 5]
    assert [count for _, count in large] == [30, 30, 30]
    assert [n for n, _ in small] == [n for n, _ in large]
    assert max(n for n, _ in large) <= 6


# --- detail ----------------------------------------------------------------------------------


@pytest.fixture
def full_marriage(catalogue, commune):
    marriage = catalogue["marriage"]
    ProcedureStep.objects.create(
        procedure=marriage, position=0, text_vi="Nộp hồ sơ.", text_en="Submit."
    )
    ProcedureStep.objects.create(procedure=marriage, position=1, text_vi="Nhận kết quả.")
    ProcedureFee.objects.create(
        procedure=marriage, name_vi="Lệ phí", amount_vnd=0, note_vi="Miễn lệ phí."
    )
    LegalDocument.objects.create(
        procedure=marriage,
        number="60/2014/QH13",
        title_vi="Luật Hộ tịch",
        title_en="Law on Civil Status",
        issued=datetime.date(2014, 11, 20),
        issuer_vi="Quốc hội",
    )
    document = marriage.documents.get()
    document.form_vi = "Tờ khai theo mẫu"
    document.save()
    offering = UnitProcedure.objects.create(
        unit=commune,
        procedure=marriage,
        counter_vi="Quầy số 2",
        contact="Chị Lan, 0263 3874 123",
        hours_vi="Sáng thứ Hai đến sáng thứ Bảy",
        local_notes_vi="Mang theo căn cước.",
    )
    form = LocalForm.objects.create(
        offering=offering, title_vi="Tờ khai (mẫu của xã)", file="forms/x.pdf"
    )
    procedure_changed(marriage)
    return {"procedure": marriage, "offering": offering, "form": form}


def test_detail_full_record(api, full_marriage):
    response = api.get(f"{LIST}1.000894/")
    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "1.000894" and body["name"] == "Đăng ký kết hôn"
    assert body["status"] == "published" and body["replaced_by"] is None
    assert body["steps"] == ["Nộp hồ sơ.", "Nhận kết quả."]
    assert body["fees"] == [{"name": "Lệ phí", "amount_vnd": 0, "note": "Miễn lệ phí."}]
    assert body["documents"] == [
        {
            "name": "Tờ khai đăng ký kết hôn",
            "originals": 1,
            "copies": 0,
            "required": True,
            "form": "Tờ khai theo mẫu",
        }
    ]
    assert body["legal_basis"] == [
        {
            "number": "60/2014/QH13",
            "title": "Luật Hộ tịch",
            "issued": "2014-11-20",
            "issuer": "Quốc hội",
        }
    ]
    assert body["url"] == f"{SITE}/p/1.000894"
    assert body["local"] is None
    for key in ["description", "eligibility", "requirements", "result", "processing_time"]:
        assert key in body


def test_detail_in_english_falls_back_per_text(api, full_marriage):
    body = api.get(f"{LIST}1.000894/", {"lang": "en"}).json()
    assert body["name"] == "Marriage registration"
    assert body["steps"] == ["Submit.", "Nhận kết quả."]
    assert body["legal_basis"][0]["title"] == "Law on Civil Status"


def test_detail_with_unit_local_details(api, full_marriage, commune):
    response = api.get(f"{LIST}1.000894/", {"unit": commune.code})
    assert response.status_code == 200
    body = response.json()
    assert body["url"] == f"{SITE}/p/1.000894?unit={commune.code}"
    local = body["local"]
    assert local["unit"]["code"] == commune.code
    assert local["unit"]["name"] == "Xã Đạ Huoai"
    assert local["counter"] == "Quầy số 2"
    assert local["contact"] == "Chị Lan, 0263 3874 123"
    assert local["hours"] == "Sáng thứ Hai đến sáng thứ Bảy"
    assert local["local_notes"] == "Mang theo căn cước."
    assert local["forms"] == [
        {"title": "Tờ khai (mẫu của xã)", "url": f"{SITE}/forms/{full_marriage['form'].pk}/"}
    ]


def test_detail_with_a_unit_that_does_not_offer_it(api, full_marriage, other_commune):
    body = api.get(f"{LIST}1.000894/", {"unit": other_commune.code}).json()
    assert body["local"] is None
    assert body["url"] == f"{SITE}/p/1.000894"


def test_detail_query_count_is_fixed(api, full_marriage, commune, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        assert api.get(f"{LIST}1.000894/", {"unit": commune.code}).status_code == 200


def test_archived_procedure_points_to_its_successor(api, catalogue):
    body = api.get(f"{LIST}1.000001/").json()
    assert body["status"] == "archived"
    assert body["replaced_by"] == {
        "code": "1.001193",
        "name": "Đăng ký khai sinh",
        "url": f"{SITE}/p/1.001193",
    }


@pytest.mark.parametrize("code", ["9.000001", "0.000000", "a b", "x" * 40, "1.0%00"])
def test_drafts_and_unknown_codes_are_404_with_json(api, catalogue, code):
    assert "detail" in assert_json_error(api.get(f"{LIST}{code}/"), 404)


@pytest.mark.parametrize(
    ("params", "key"),
    [({"unit": "NOPE"}, "unit"), ({"unit": "a\x00"}, "unit"), ({"lang": "de"}, "lang")],
)
def test_detail_bad_parameters_are_400(api, catalogue, params, key):
    body = assert_json_error(api.get(f"{LIST}1.000894/", params), 400)
    assert list(body) == [key]


# --- fields ----------------------------------------------------------------------------------


def test_fields_with_published_counts(api, catalogue):
    body = api.get(FIELDS).json()
    assert body["results"] == [
        {"code": "CT", "name": "Chứng thực", "procedure_count": 1},
        {"code": "HT", "name": "Hộ tịch", "procedure_count": 2},  # not the draft, archived
    ]
    english = api.get(FIELDS, {"lang": "en"}).json()["results"]
    assert [f["name"] for f in english] == ["Authentication", "Civil status"]


def test_fields_of_a_unit(api, catalogue, commune):
    UnitProcedure.objects.create(unit=commune, procedure=catalogue["marriage"])
    UnitProcedure.objects.create(unit=commune, procedure=catalogue["birth"], is_active=False)
    body = api.get(FIELDS, {"unit": commune.code}).json()
    assert body["results"] == [{"code": "HT", "name": "Hộ tịch", "procedure_count": 1}]
    assert list(assert_json_error(api.get(FIELDS, {"unit": "NOPE"}), 400)) == ["unit"]


def test_fields_query_count_is_fixed(api, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert api.get(FIELDS).status_code == 200


# --- errors, schema, docs --------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, f"{LIST}1.000894/", FIELDS])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only(api, catalogue, url, method):
    assert "detail" in assert_json_error(getattr(api, method)(url, {}), 405)


def test_unknown_api_url_is_404_with_json(api, db):
    assert "detail" in assert_json_error(api.get("/api/v1/nope/"), 404)


def test_unexpected_errors_answer_json(settings, rf):
    settings.DEBUG = False
    response = exception_handler(RuntimeError("boom"), {"request": rf.get("/api/v1/x")})
    assert response.status_code == 500 and "detail" in response.data
    response = exception_handler(DataError("NUL"), {"request": rf.get("/api/v1/x")})
    assert response.status_code == 400 and "detail" in response.data


def test_schema_builds(api, db):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert {"/api/v1/procedures/", "/api/v1/procedures/{code}/", "/api/v1/fields/"} <= set(
        schema["paths"]
    )
    parameters = {p["name"] for p in schema["paths"]["/api/v1/procedures/"]["get"]["parameters"]}
    assert {"search", "field", "level", "unit", "lang", "page"} <= parameters


def test_swagger_ui_is_served_without_a_cdn(client, db, settings):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert not re.findall(r"https?://(?!127\.0\.0\.1|localhost|testserver)", html)
    for name in ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"]:
        assert (settings.BASE_DIR / "static" / "vendor" / "swagger-ui" / name).is_file()
