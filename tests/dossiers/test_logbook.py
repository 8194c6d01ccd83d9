"""Form 06, the dossier log book of a unit for a period: PDF, CSV and XLSX, scoped to the
unit's staff and the province admin, bad input answered with a 400 page."""

import csv
import datetime as dt
import io
import re
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dossiers import logbook, services
from dossiers.models import Dossier

from .conftest import applicant, at, receive

URL = "/desk/logbook/"


def get(client, **params):
    return client.get(URL, params)


@pytest.fixture
def book(three_day_procedure, desk_officer, leader, specialist, other_commune, other_desk):
    """Four dossiers received at the commune in the week of 07/12/2026, one of them
    transferred, one returned; one before the week and one received elsewhere."""
    early = receive(three_day_procedure, desk_officer, when=at(2026, 11, 30, 9))
    first = receive(three_day_procedure, desk_officer, when=at(2026, 12, 7, 8, 15))
    services.assign_dossier(first, actor=leader, handler=specialist, now=at(2026, 12, 7, 9))
    services.submit_for_approval(first, actor=specialist, proposal="Cấp", now=at(2026, 12, 8))
    services.approve_dossier(first, actor=leader, now=at(2026, 12, 9, 10))
    services.mark_result_ready(first, actor=desk_officer, now=at(2026, 12, 9, 11))
    services.return_result(
        first, actor=desk_officer, returned_to="Nguyễn Văn An", now=at(2026, 12, 10, 14)
    )
    moved = receive(
        three_day_procedure,
        desk_officer,
        when=at(2026, 12, 8, 10),
        applicant=applicant(name="Trần Thị Bình", phone="0987 000 111"),
    )
    services.transfer_dossier(
        moved, actor=desk_officer, to_unit=other_commune, now=at(2026, 12, 8, 11)
    )
    late = receive(three_day_procedure, desk_officer, when=at(2026, 12, 9, 16))
    tricky = receive(
        three_day_procedure,
        desk_officer,
        when=at(2026, 12, 11, 9),
        applicant=applicant(name='=HYPERLINK("http://evil.example","x")'),
    )
    elsewhere = receive(three_day_procedure, other_desk, when=at(2026, 12, 8, 9))
    return {
        "early": early,
        "first": first,
        "moved": moved,
        "late": late,
        "tricky": tricky,
        "elsewhere": elsewhere,
    }


WEEK = {"unit": "000.00.23.H56", "from": "2026-12-07", "to": "2026-12-11"}


def csv_rows(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_csv_lists_every_dossier_received_in_the_period(client, desk_officer, book):
    client.force_login(desk_officer)
    response = get(client, **WEEK, format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "so-theo-doi-000.00.23.H56-20261207-20261211.csv" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header == logbook.COLUMNS
    assert header[-1] == "Ký nhận"
    codes = [row[1] for row in rows]
    assert codes == [book[k].code for k in ("first", "moved", "late", "tricky")]
    assert [row[0] for row in rows] == ["1", "2", "3", "4"]

    first, moved, late, tricky = rows
    assert first[2] == "Đăng ký kết hôn (1.000894)"
    assert first[3] == "Nguyễn Văn An"
    assert first[4] == "Thôn 2, xã Đạ Huoai, 0912345678"
    assert first[5] == "08:15 07/12/2026"
    assert first[6] == "10/12/2026"
    assert first[7] == ""
    assert first[8] == "Đã trả kết quả – trước hạn"
    assert first[9] == "14:00 10/12/2026"
    assert first[10] == "Nguyễn Văn An"
    assert first[11] == ""

    assert moved[3] == "Trần Thị Bình"
    assert moved[7] == "Phường Bảo Lộc (08/12/2026)"
    # Received after 15:00 counts from Thursday 10/12: due Tuesday 15/12.
    assert late[5] == "16:00 09/12/2026" and late[6] == "15/12/2026"
    # A name that a spreadsheet would run as a formula stays text.
    assert tricky[3].startswith("'=HYPERLINK")


def test_xlsx_is_readable_with_real_dates(client, desk_officer, book):
    client.force_login(desk_officer)
    response = get(client, **WEEK, format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "SỔ THEO DÕI HỒ SƠ – Xã Đạ Huoai"
    assert values[1][0] == "Từ ngày 07/12/2026 đến ngày 11/12/2026"
    assert list(values[2]) == logbook.COLUMNS
    data = values[3:]
    assert [row[1] for row in data] == [book[k].code for k in ("first", "moved", "late", "tricky")]
    assert data[0][0] == 1
    assert data[0][5] == dt.datetime(2026, 12, 7, 8, 15)
    assert data[0][9] == dt.datetime(2026, 12, 10, 14, 0)
    assert data[1][9] is None
    # Not a formula: openpyxl reads formulas back as text starting with "=".
    assert data[3][3].startswith("'=")


def test_pdf_is_a_landscape_book_with_embedded_fonts(client, tmp_path, desk_officer, book):
    client.force_login(desk_officer)
    response = get(client, **WEEK, format="pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "book.pdf"
    path.write_bytes(response.content)
    text = " ".join(
        subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
        .stdout.decode()
        .split()
    )
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Từ ngày 07/12/2026 đến ngày 11/12/2026" in text
    assert "4 hồ sơ tiếp nhận, 1 hồ sơ đã trả kết quả" in text
    for key in ("first", "moved", "late", "tricky"):
        assert book[key].code in text
    assert book["early"].code not in text and book["elsewhere"].code not in text
    assert "Trần Thị Bình" in text and "Ký nhận" in text
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert re.search(r"Page size:\s+841\.89 x 595\.2\d* pts", info)  # A4 landscape
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    rows = fonts.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows)


def test_empty_period_gives_an_empty_book(client, desk_officer, book):
    client.force_login(desk_officer)
    response = get(
        client, unit=WEEK["unit"], **{"from": "2027-01-04", "to": "2027-01-08"}, format="csv"
    )
    assert csv_rows(response) == [logbook.COLUMNS]


def test_dates_in_vietnamese_order_are_accepted(client, desk_officer, book):
    client.force_login(desk_officer)
    response = get(
        client, unit=WEEK["unit"], **{"from": "07/12/2026", "to": "11/12/2026"}, format="csv"
    )
    assert response.status_code == 200 and len(csv_rows(response)) == 5


# --- Who may see which book -------------------------------------------------------------


def test_other_units_staff_may_not_read_the_book(client, other_desk, book):
    client.force_login(other_desk)
    response = get(client, **WEEK, format="csv")
    assert response.status_code == 403
    assert book["first"].code not in response.content.decode()


def test_own_unit_is_the_default(client, other_desk, book):
    client.force_login(other_desk)
    response = get(client, **{"from": "2026-12-07", "to": "2026-12-11"}, format="csv")
    assert response.status_code == 200
    assert [row[1] for row in csv_rows(response)[1:]] == [book["elsewhere"].code]


@pytest.mark.parametrize("user", ["specialist", "leader", "commune_admin", "province_admin"])
def test_unit_staff_and_province_admin_may_read_it(client, request, user, book):
    client.force_login(request.getfixturevalue(user))
    response = get(client, **WEEK, format="csv")
    assert response.status_code == 200
    assert len(csv_rows(response)) == 5


def test_login_required(client, book):
    response = get(client, **WEEK, format="csv")
    assert response.status_code == 302
    assert reverse("desk:login") in response["Location"]


# --- Bad input: a 400 page that says why ----------------------------------------------------


@pytest.mark.parametrize(
    "params, message",
    [
        ({"from": "2026-13-01"}, "không phải là ngày hợp lệ"),
        ({"from": "hôm qua"}, "không phải là ngày hợp lệ"),
        ({"to": "31/02/2026"}, "không phải là ngày hợp lệ"),
        ({"from": "2026-12-11", "to": "2026-12-07"}, "phải sau hoặc bằng"),
        ({"from": "2025-01-01", "to": "2026-12-31"}, "tối đa 366 ngày"),
        ({"format": "docx"}, "PDF, CSV hoặc XLSX"),
        ({"unit": "KHONG-CO"}, "Không có đơn vị mã"),
        ({"unit": "<script>"}, "Không có đơn vị mã"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(client, desk_officer, book, params, message):
    client.force_login(desk_officer)
    query = {**WEEK, "format": "csv", **params}
    response = get(client, **query)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "<script>" not in html.split("<body", 1)[1].replace("<script src", "")


def test_a_full_year_is_allowed(client, desk_officer, book):
    client.force_login(desk_officer)
    response = get(
        client, unit=WEEK["unit"], **{"from": "2026-01-01", "to": "2027-01-01"}, format="csv"
    )
    assert response.status_code == 200
    assert len(csv_rows(response)) == 6  # the early one too


def test_without_format_the_choice_page_is_shown(client, desk_officer, book):
    client.force_login(desk_officer)
    response = get(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sổ theo dõi hồ sơ" in html
    assert 'name="from"' in html and 'name="format"' in html
    assert "000.00.23.H56" in html and "000.00.24.H56" not in html


def test_too_many_rows_for_one_pdf(client, desk_officer, book, monkeypatch):
    monkeypatch.setattr(logbook, "PDF_MAX_ROWS", 2)
    client.force_login(desk_officer)
    response = get(client, **WEEK, format="pdf")
    assert response.status_code == 400
    assert "quá nhiều để in một lần" in response.content.decode()


# --- Queries do not grow with the rows ----------------------------------------------------


def _fill(procedure, desk_officer, other_commune, count):
    for index in range(count):
        dossier = receive(procedure, desk_officer, when=at(2026, 12, 7 + index % 5, 9, index))
        if index % 3 == 0:
            services.transfer_dossier(
                dossier, actor=desk_officer, to_unit=other_commune, now=at(2026, 12, 11, 16)
            )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_query_count_does_not_grow_with_rows(
    client, desk_officer, three_day_procedure, other_commune, fmt, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(desk_officer)
    _fill(three_day_procedure, desk_officer, other_commune, 3)
    with CaptureQueriesContext(connection) as few:
        assert get(client, **WEEK, format=fmt).status_code == 200
    _fill(three_day_procedure, desk_officer, other_commune, 17)
    assert Dossier.objects.filter(receiving_unit__code=WEEK["unit"]).count() == 20
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = get(client, **WEEK, format=fmt)
    assert response.status_code == 200
    if fmt == "csv":
        assert len(csv_rows(response)) == 21
