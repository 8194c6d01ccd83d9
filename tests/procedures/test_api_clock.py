"""GET /api/v1/procedures/<code>/due-date/: the legal clock for a citizen planning a visit."""

import pytest
from django.urls import reverse

from procedures.models import Status
from tests.factories import ProcedureFactory
from workcalendar.models import CalendarDay


def url(code="1.000894"):
    return reverse("api-procedure-due-date", args=[code])


@pytest.fixture
def api(client, procedure):
    def get(params, code=procedure.code, **headers):
        return client.get(url(code), params, **headers)

    return get


def test_the_due_date_and_its_explanation(api, procedure):
    response = api({"received": "2026-02-02T09:00:00+07:00"})

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "received": "2026-02-02T09:00:00+07:00",
        "counts_from": "2026-02-02",
        "due": "2026-02-05",
        "explanation": [
            "Nhận hồ sơ lúc 09:00 thứ Hai 02/02/2026. Nhận trước 15:00 trong ngày làm việc: "
            "thời hạn tính từ ngày này.",
            "Thời hạn giải quyết: 3 ngày làm việc, kể từ sau thứ Hai 02/02/2026.",
            "Hạn trả kết quả: thứ Năm 05/02/2026.",
        ],
    }


def test_after_the_cut_off_across_tet_in_english(api):
    # Friday 13/02/2026 16:00 counts from Monday 23/02 (Tết in between); 3 days → Thu 26/02.
    response = api({"received": "2026-02-13T16:00:00+07:00"}, HTTP_ACCEPT_LANGUAGE="en")

    body = response.json()
    assert (body["counts_from"], body["due"]) == ("2026-02-23", "2026-02-26")
    assert "Skipped 16/02/2026–20/02/2026: Lunar New Year (public holiday)." in body["explanation"]
    assert body["explanation"][-1] == "Result due: Thursday 26/02/2026."
    assert response["Content-Language"] == "en"

    vietnamese = api(
        {"received": "2026-02-13T16:00:00+07:00", "lang": "vi"}, HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert "Bỏ qua 16/02/2026–20/02/2026: Tết Nguyên Đán (nghỉ lễ)." in vietnamese["explanation"]


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # No offset: Vietnam time.
        ("2026-02-02T15:00:00", "2026-02-02T15:00:00+07:00"),
        # UTC is converted: 08:30Z is 15:30 in Hà Nội.
        ("2026-02-02T08:30:00Z", "2026-02-02T15:30:00+07:00"),
        # A "+" that was not URL-encoded arrives as a space.
        ("2026-02-02T15:00:00 07:00", "2026-02-02T15:00:00+07:00"),
    ],
)
def test_received_is_read_in_vietnam_time(api, received, expected):
    body = api({"received": received}).json()
    assert body["received"] == expected
    assert body["counts_from"] == "2026-02-03"  # all at or after 15:00


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"received": ""},
        {"received": "tomorrow morning"},
        {"received": "2026-02-30T09:00:00"},
        {"received": "2026-02-02"},  # no time: the 15:00 cut-off cannot be applied
        {"received": "1999-12-31T09:00:00+07:00"},
        {"received": "2150-01-01T09:00:00+07:00"},
        {"received": "2026-02-02T09:00:00+25:00"},
        {"received": "x" * 500},
    ],
)
def test_a_bad_or_missing_received_is_a_400(api, params):
    response = api(params)

    assert response.status_code == 400
    assert list(response.json()) == ["received"]


@pytest.mark.parametrize("unit", ["000.00.99.H56", "no such unit!", "x" * 100, "\x00"])
def test_an_unknown_unit_is_a_400(api, unit, commune):
    response = api({"received": "2026-02-02T09:00:00+07:00", "unit": unit})

    assert response.status_code == 400
    assert list(response.json()) == ["unit"]


def test_an_inactive_unit_is_a_400(api, commune):
    commune.is_active = False
    commune.save()
    response = api({"received": "2026-02-02T09:00:00+07:00", "unit": commune.code})
    assert response.status_code == 400


def test_a_bad_language_is_a_400(api):
    response = api({"received": "2026-02-02T09:00:00+07:00", "lang": "fr"})
    assert response.status_code == 400
    assert list(response.json()) == ["lang"]


@pytest.mark.parametrize("code", ["9.999999", "a b", "x" * 40])
def test_an_unknown_procedure_is_a_404(client, db, code):
    response = client.get(url(code), {"received": "2026-02-02T09:00:00+07:00"})

    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize("status", [Status.DRAFT, Status.ARCHIVED])
def test_draft_and_archived_procedures_are_404(client, db, status):
    ProcedureFactory(code="1.000001", status=status)
    response = client.get(url("1.000001"), {"received": "2026-02-02T09:00:00+07:00"})
    assert response.status_code == 404
    assert "detail" in response.json()


def test_the_unit_saturday_service_and_province_calendar_apply(api, commune, province):
    # Friday 06/02/2026 16:00, 3 days.
    params = {"received": "2026-02-06T16:00:00+07:00", "unit": commune.code}
    assert api(params).json()["due"] == "2026-02-12"  # from Mon 09: Tue, Wed, Thu

    commune.saturday_service = True
    commune.save()
    body = api(params).json()
    assert (body["counts_from"], body["due"]) == ("2026-02-07", "2026-02-11")  # from Sat 07

    CalendarDay.objects.create(
        province=province, date="2026-02-10", kind="day_off", reason_vi="Lễ hội của tỉnh"
    )
    body = api(params).json()
    assert body["due"] == "2026-02-12"
    assert any("Lễ hội của tỉnh" in line for line in body["explanation"])


def test_without_a_unit_the_configured_province_calendar_applies(api, province, settings):
    CalendarDay.objects.create(
        province=province, date="2026-02-03", kind="day_off", reason_vi="Lễ hội"
    )
    params = {"received": "2026-02-02T09:00:00+07:00"}
    assert api(params).json()["due"] == "2026-02-05"  # national calendar only

    settings.PROVINCE_CODE = province.code
    assert api(params).json()["due"] == "2026-02-06"


def test_same_day_and_no_time_limit(client, db):
    ProcedureFactory(code="1.000002", same_day=True, processing_days=None)
    ProcedureFactory(code="1.000003", processing_days=None)
    params = {"received": "2026-02-02T14:59:59+07:00"}

    assert client.get(url("1.000002"), params).json()["due"] == "2026-02-02"
    body = client.get(url("1.000003"), params).json()
    assert body["due"] is None
    assert body["counts_from"] == "2026-02-02"


def test_the_endpoint_is_in_the_schema(client, db):
    schema = client.get(reverse("schema"), {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/procedures/{code}/due-date/"]["get"]
    names = {p["name"]: p for p in operation["parameters"]}
    assert names["received"]["required"] is True
    assert {"unit", "lang", "code"} <= set(names)
    assert {"200", "400", "404"} <= set(operation["responses"])
