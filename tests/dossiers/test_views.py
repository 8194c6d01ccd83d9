"""The desk workspace (HTML): login, reception through the real form, worklists, the
dossier page, actions by POST, scans served only to those who may see the dossier."""

import re

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dossiers import services
from dossiers.models import Dossier, DossierScan, DossierStatus, Paper, PaperKind
from portal.models import Role
from tests.factories import UserFactory

from .conftest import all_documents, applicant, at, receive

MONDAY = at(2026, 12, 7, 9)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def monday():
    with time_machine.travel(MONDAY, tick=False):
        yield MONDAY


def login(client, user):
    client.force_login(user)
    return client


def pdf(name="to-khai.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def form_data(procedure, user, outcome="receive", missing=(), **overrides):
    """What the reception form posts: every catalogue document ticked unless `missing`."""
    data = {
        "procedure": procedure.code,
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "079123456789",
        "applicant_phone": "0912 345 678",
        "applicant_email": "an@example.vn",
        "applicant_address": "Thôn 2, xã Đạ Huoai",
        "organisation_name": "",
        "language": "vi",
        "competent_unit": str(user.unit_id),
        "channel": "counter",
        "result_delivery": "counter",
        "note": "",
        "outcome": outcome,
    }
    for doc in procedure.documents.all():
        if doc.name not in missing:
            data[f"doc-{doc.pk}-provided"] = "on"
        data[f"doc-{doc.pk}-originals"] = "1"
        data[f"doc-{doc.pk}-copies"] = "0"
    data.update(overrides)
    return data


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


# ---------------------------------------------------------------------------------------
# Login


def test_anonymous_is_sent_to_login(client, db):
    for url in ("/desk/", "/desk/receive/", "/desk/dossiers/X-261207-0001/", "/desk/scans/1/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/desk/login/?next=")


def test_login_page_logs_a_desk_officer_in(client, desk_officer):
    page = client.get("/desk/login/?next=/desk/receive/")
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode()
    response = client.post(
        "/desk/login/",
        {
            "username": "desk_officer",
            "password": "correct horse battery staple",
            "next": "/desk/receive/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/receive/"
    assert client.get("/desk/").status_code == 200


def test_wrong_password_is_refused(client, desk_officer):
    response = client.post("/desk/login/", {"username": "desk_officer", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_user_without_role_gets_403(client, commune):
    outsider = UserFactory(username="outsider", role="", unit=commune)
    response = login(client, outsider).get("/desk/")
    assert response.status_code == 403
    assert "Không có quyền" in response.content.decode()


def test_logout_is_a_post(client, desk_officer):
    login(client, desk_officer)
    response = client.post("/desk/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/desk/login/"
    assert client.get("/desk/").status_code == 302


def test_header_names_user_unit_and_role(client, desk_officer):
    desk_officer.first_name, desk_officer.last_name = "Lan", "Trần Thị"
    desk_officer.save()
    html = login(client, desk_officer).get("/desk/").content.decode()
    assert "Xã Đạ Huoai" in html
    assert "Cán bộ một cửa" in html
    assert "Đăng xuất" in html
    assert 'href="/desk/receive/"' in html


# ---------------------------------------------------------------------------------------
# Reception


def test_step_one_finds_the_procedure_without_accents(client, desk_officer, three_day_procedure):
    response = login(client, desk_officer).get("/desk/receive/", {"q": "dang ky ket hon"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/desk/receive/?procedure=1.000894"' in html
    assert "autofocus" in html
    partial = client.get("/desk/receive/", {"q": "ket hon", "partial": "1"}).content.decode()
    assert "<html" not in partial and "1.000894" in partial


def test_typing_the_exact_code_opens_the_form(client, desk_officer, three_day_procedure):
    response = login(client, desk_officer).get("/desk/receive/", {"q": "1.000894"})
    assert response.status_code == 302
    assert response["Location"] == "/desk/receive/?procedure=1.000894"


def test_only_desk_officers_receive(client, specialist, three_day_procedure):
    response = login(client, specialist).get("/desk/receive/?procedure=1.000894")
    assert response.status_code == 403


def test_form_has_a_label_for_every_input(client, desk_officer, three_day_procedure):
    html = login(client, desk_officer).get("/desk/receive/?procedure=1.000894").content.decode()
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
    assert ids
    for input_id in ids:
        if input_id == "quick-q" or f'id="{input_id}"' not in html:
            continue
        assert f'for="{input_id}"' in html, input_id
    assert 'id="id_applicant_name"' in html and "autofocus" in html
    assert 'accept=".pdf,.jpg,.jpeg,.png' in html
    assert "Tiếp nhận và trả ngay" not in html  # not a same-day procedure


def test_receive_complete_with_a_scan(client, desk_officer, three_day_procedure, monday):
    login(client, desk_officer)
    page = client.get("/desk/receive/?procedure=1.000894").content.decode()
    data = form_data(three_day_procedure, desk_officer)
    for name in data:
        assert f'name="{name}"' in page, name
    first = three_day_procedure.documents.first()
    data[f"doc-{first.pk}-scans"] = [pdf(), pdf("to-khai-trang-2.pdf")]

    response = client.post("/desk/receive/?procedure=1.000894", data)

    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/desk/dossiers/{dossier.code}/"
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.applicant_phone == "0912345678"
    assert dossier.due_date.isoformat() == "2026-12-10"
    assert [s.original_name for s in DossierScan.objects.order_by("id")] == [
        "to-khai.pdf",
        "to-khai-trang-2.pdf",
    ]
    receipt = Paper.objects.get(dossier=dossier)
    assert receipt.kind == PaperKind.RECEIPT
    assert any(dossier.code in m and "10/12/2026" in m for m in messages_of(response))

    html = client.get(response["Location"]).content.decode()
    assert "In giấy tiếp nhận" in html
    assert f"/desk/dossiers/{dossier.code}/papers/{receipt.pk}.pdf" in html


def test_incomplete_lists_exactly_what_is_missing(
    client, desk_officer, three_day_procedure, monday
):
    login(client, desk_officer)
    data = form_data(
        three_day_procedure,
        desk_officer,
        outcome="receive_incomplete",
        missing=["Giấy xác nhận tình trạng hôn nhân"],
    )
    response = client.post("/desk/receive/?procedure=1.000894", data)
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert dossier.status == DossierStatus.INCOMPLETE
    assert "Giấy xác nhận tình trạng hôn nhân" in dossier.supplement_note
    assert "Tờ khai" not in dossier.supplement_note
    paper = Paper.objects.get(dossier=dossier)
    assert paper.kind == PaperKind.SUPPLEMENT
    html = client.get(response["Location"]).content.decode()
    assert "In phiếu yêu cầu bổ sung" in html
    # The dossier is kept: completing it continues the same one.
    assert f"/desk/dossiers/{dossier.code}/actions/complete/" in html


def test_receive_with_a_missing_document_is_refused_and_nothing_saved(
    client, desk_officer, three_day_procedure
):
    login(client, desk_officer)
    data = form_data(three_day_procedure, desk_officer, missing=["Tờ khai đăng ký kết hôn"])
    response = client.post("/desk/receive/?procedure=1.000894", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "còn thiếu giấy tờ bắt buộc" in html
    assert "Giấy tờ bắt buộc chưa nộp." in html
    assert Dossier.objects.count() == 0


def test_refusal_needs_a_reason(client, desk_officer, three_day_procedure, monday):
    login(client, desk_officer)
    data = form_data(three_day_procedure, desk_officer, outcome="refuse")
    response = client.post("/desk/receive/?procedure=1.000894", data)
    assert response.status_code == 400
    assert "Ghi rõ lý do từ chối." in response.content.decode()
    assert Dossier.objects.count() == 0

    data["note"] = "Không thuộc thẩm quyền giải quyết của xã."
    response = client.post("/desk/receive/?procedure=1.000894", data)
    dossier = Dossier.objects.get()
    assert dossier.status == DossierStatus.REFUSED
    assert dossier.reason == data["note"]
    assert Paper.objects.get(dossier=dossier).kind == PaperKind.REFUSAL


def test_html_renamed_pdf_is_refused_and_nothing_is_saved(
    client, desk_officer, three_day_procedure, _private_media
):
    login(client, desk_officer)
    data = form_data(three_day_procedure, desk_officer, applicant_name="Lê Thị Hoa")
    first = three_day_procedure.documents.first()
    data[f"doc-{first.pk}-scans"] = [pdf("giay-to.pdf", b"<html><script>alert(1)</script>")]
    response = client.post("/desk/receive/?procedure=1.000894", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "không phải PDF, JPEG hoặc PNG" in html
    assert "chọn lại tệp" in html
    assert 'value="Lê Thị Hoa"' in html  # what was typed is kept
    assert Dossier.objects.count() == 0
    assert DossierScan.objects.count() == 0
    assert not _private_media.exists() or not any(_private_media.rglob("*.*"))


def test_bad_applicant_shows_errors_next_to_fields(client, desk_officer, three_day_procedure):
    login(client, desk_officer)
    data = form_data(three_day_procedure, desk_officer, applicant_id_number="12345")
    response = client.post("/desk/receive/?procedure=1.000894", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Thông tin người nộp chưa hợp lệ." in html
    assert "Số định danh phải gồm 12 chữ số" in html
    assert 'aria-invalid="true"' in html
    assert Dossier.objects.count() == 0


def test_same_day_receive_and_return(client, desk_officer, same_day_procedure, monday):
    login(client, desk_officer)
    html = client.get("/desk/receive/?procedure=2.000815").content.decode()
    assert "Tiếp nhận và trả ngay" in html
    data = form_data(same_day_procedure, desk_officer, outcome="receive_and_return")
    response = client.post("/desk/receive/?procedure=2.000815", data)
    assert response.status_code == 400
    assert Dossier.objects.count() == 0
    data.update(result="03 bản sao đã chứng thực", returned_to="Nguyễn Văn An")
    response = client.post("/desk/receive/?procedure=2.000815", data)
    dossier = Dossier.objects.get()
    assert dossier.status == DossierStatus.RETURNED
    assert dossier.returned_to == "Nguyễn Văn An"


def test_unknown_procedure_goes_back_to_step_one(client, desk_officer, db):
    response = login(client, desk_officer).get("/desk/receive/?procedure=9.999999")
    assert response.status_code == 302
    assert response["Location"] == "/desk/receive/"


# ---------------------------------------------------------------------------------------
# Worklists


def nav_labels(html):
    return re.findall(r'class="list-([a-z_]+)"', html)


def test_each_role_sees_its_worklists(client, desk_officer, specialist, leader, db):
    assert nav_labels(login(client, desk_officer).get("/desk/").content.decode()) == [
        "reception_today",
        "incomplete",
        "to_return",
        "due_today",
        "overdue",
    ]
    assert nav_labels(login(client, specialist).get("/desk/").content.decode())[0] == (
        "assigned_to_me"
    )
    assert nav_labels(login(client, leader).get("/desk/").content.decode())[0] == (
        "awaiting_approval"
    )


def test_worklist_rows_and_badges(client, desk_officer, specialist, leader, three_day_procedure):
    received = receive(three_day_procedure, desk_officer)
    assigned = receive(three_day_procedure, desk_officer)
    services.assign_dossier(assigned, actor=leader, handler=specialist, now=MONDAY)
    with time_machine.travel(at(2026, 12, 10, 9), tick=False):
        html = login(client, specialist).get("/desk/").content.decode()
        assert assigned.code in html and received.code not in html
        assert "Đến hạn hôm nay" in html
        # The processing step's share ended on 09/12: flagged before the dossier is late.
        assert 'class="badge b-step">Bước xử lý quá hạn' in html
        assert "b-late" not in html
        step_list = client.get("/desk/?list=step_overdue").content.decode()
        assert assigned.code in step_list
    with time_machine.travel(at(2026, 12, 11, 9), tick=False):
        html = login(client, leader).get("/desk/?list=overdue").content.decode()
        assert received.code in html and assigned.code in html
        assert html.count('class="badge b-late"') == 2
        assert "b-step" not in html  # the dossier is late: that says it all


def test_paused_dossier_is_marked(client, desk_officer, specialist, leader, three_day_procedure):
    dossier = receive(three_day_procedure, desk_officer)
    services.assign_dossier(dossier, actor=leader, handler=specialist, now=MONDAY)
    services.request_supplement(dossier, actor=specialist, missing="Bản sao sổ hộ khẩu")
    with time_machine.travel(at(2026, 12, 14, 9), tick=False):
        html = login(client, specialist).get("/desk/?list=paused").content.decode()
    assert dossier.code in html
    assert "b-paused" in html
    assert "b-late" not in html  # the clock is stopped


def many(procedure, actor, count):
    return [
        receive(
            procedure,
            actor,
            when=at(2026, 12, 7, 8, minute),
            applicant=applicant(phone=f"09123{minute:05d}", name=f"Người nộp {minute}"),
        )
        for minute in range(count)
    ]


def test_pagination_filters_and_search(client, desk_officer, leader, three_day_procedure):
    dossiers = many(three_day_procedure, desk_officer, 30)
    services.assign_dossier(
        dossiers[0], actor=leader, handler=UserFactory(role=Role.SPECIALIST, unit=leader.unit)
    )
    login(client, desk_officer)
    first = client.get("/desk/?list=all").content.decode()
    second = client.get("/desk/?list=all&page=2").content.decode()
    codes = re.compile(r'href="/desk/dossiers/([^/]+)/"')
    assert len(codes.findall(first)) == 25
    assert len(codes.findall(second)) == 5
    assert set(codes.findall(first)) | set(codes.findall(second)) == {d.code for d in dossiers}
    assert "Trang 1 / 2" in first and "page=2" in first

    in_processing = client.get("/desk/?list=all&status=in_processing").content.decode()
    assert codes.findall(in_processing) == [dossiers[0].code]

    by_phone = client.get("/desk/", {"list": "all", "q": "0912300007"}).content.decode()
    assert codes.findall(by_phone) == [dossiers[7].code]
    by_code = client.get("/desk/", {"list": "all", "q": dossiers[12].code}).content.decode()
    assert codes.findall(by_code) == [dossiers[12].code]
    by_name = client.get("/desk/", {"list": "all", "q": "Người nộp 29"}).content.decode()
    assert codes.findall(by_name) == [dossiers[29].code]
    by_id = client.get("/desk/", {"list": "all", "q": "079123456789"}).content.decode()
    assert len(codes.findall(by_id)) == 25

    bad = client.get("/desk/?list=nope&status=nope&page=abc")
    assert bad.status_code == 200
    assert "Bộ lọc không hợp lệ" in bad.content.decode()


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["reception_today", "all", "all&status=in_processing"])
def test_worklist_queries_do_not_grow_with_rows(
    client, desk_officer, leader, three_day_procedure, monday, django_assert_max_num_queries, name
):
    login(client, desk_officer)
    url = f"/desk/?list={name}"
    for dossier in many(three_day_procedure, desk_officer, 3):
        services.assign_dossier(
            dossier, actor=leader, handler=UserFactory(role=Role.SPECIALIST, unit=leader.unit)
        )
    small = count_queries(client, url)
    for dossier in many(three_day_procedure, desk_officer, 27):
        services.assign_dossier(
            dossier, actor=leader, handler=UserFactory(role=Role.SPECIALIST, unit=leader.unit)
        )
    large = count_queries(client, url)
    with django_assert_max_num_queries(small):
        html = client.get(url).content.decode()
    assert small == large
    assert html.count('href="/desk/dossiers/') == 25


# ---------------------------------------------------------------------------------------
# The dossier page


def test_dossier_page_explains_the_due_date_and_shows_history(
    client, desk_officer, three_day_procedure, monday
):
    dossier = receive(three_day_procedure, desk_officer)
    html = login(client, desk_officer).get(f"/desk/dossiers/{dossier.code}/").content.decode()
    assert "Vì sao là ngày này?" in html
    assert "Thời hạn giải quyết: 3 ngày làm việc" in html
    assert "Hạn trả kết quả: thứ Năm 10/12/2026." in html
    assert "Tiếp nhận hồ sơ" in html  # timeline
    assert "Đã tiếp nhận" in html
    assert "Nguyễn Văn An" in html and "079123456789" in html
    assert "Thẩm định, xử lý" in html  # processing step of the control slip
    actions = re.findall(r"/actions/([a-z_]+)/", html)
    assert actions == ["transfer", "assign", "withdraw"]
    assert 'name="version" value="1"' in html


def test_dossier_page_in_english(client, desk_officer, three_day_procedure, monday):
    dossier = receive(three_day_procedure, desk_officer)
    login(client, desk_officer)
    client.cookies["django_language"] = "en"
    html = client.get(f"/desk/dossiers/{dossier.code}/").content.decode()
    assert "Time limit: 3 working days" in html


def test_specialist_not_handling_it_has_no_actions(
    client, desk_officer, specialist, three_day_procedure
):
    dossier = receive(three_day_procedure, desk_officer)
    html = login(client, specialist).get(f"/desk/dossiers/{dossier.code}/").content.decode()
    assert re.findall(r"/actions/([a-z_]+)/", html) == []
    assert "Không có thao tác nào" in html


def test_another_units_dossier_is_404(client, desk_officer, other_desk, three_day_procedure):
    dossier = receive(three_day_procedure, desk_officer)
    login(client, other_desk)
    assert client.get(f"/desk/dossiers/{dossier.code}/").status_code == 404
    response = client.post(
        f"/desk/dossiers/{dossier.code}/actions/withdraw/", {"version": 1, "reason": "x"}
    )
    assert response.status_code == 404
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED


def act(client, dossier, action, **data):
    dossier.refresh_from_db()
    data.setdefault("version", dossier.version)
    response = client.post(f"/desk/dossiers/{dossier.code}/actions/{action}/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == f"/desk/dossiers/{dossier.code}/"
    dossier.refresh_from_db()
    shown = messages_of(response)
    client.get(response["Location"])  # the page shows (and uses up) the messages
    return shown


def test_the_whole_life_through_the_action_forms(
    client, desk_officer, specialist, leader, three_day_procedure, monday
):
    dossier = receive(three_day_procedure, desk_officer)

    login(client, desk_officer)
    assert act(client, dossier, "assign", handler=specialist.pk) == [
        "Đã thực hiện: Phân công chuyên viên xử lý."
    ]
    assert dossier.status == DossierStatus.IN_PROCESSING and dossier.handler == specialist

    login(client, specialist)
    html = client.get(f"/desk/dossiers/{dossier.code}/").content.decode()
    assert re.findall(r"/actions/([a-z_]+)/", html) == [
        "request_supplement",
        "submit_for_approval",
        "extend",
    ]
    act(client, dossier, "request_supplement", missing="Bản sao giấy khai sinh")
    assert dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
    assert Paper.objects.filter(dossier=dossier, kind=PaperKind.SUPPLEMENT).exists()

    with time_machine.travel(at(2026, 12, 9, 9), tick=False):
        act(client, dossier, "receive_supplement")
    assert dossier.status == DossierStatus.IN_PROCESSING
    assert dossier.paused_working_days == 2
    html = client.get(f"/desk/dossiers/{dossier.code}/").content.decode()
    assert "Tạm dừng 2 ngày làm việc" in html

    act(client, dossier, "submit_for_approval", proposal="Cấp giấy chứng nhận kết hôn")
    assert dossier.status == DossierStatus.AWAITING_APPROVAL

    login(client, leader)
    act(client, dossier, "approve", result="Cấp giấy chứng nhận kết hôn số 12")
    assert dossier.status == DossierStatus.APPROVED

    act(client, dossier, "mark_result_ready")
    assert dossier.status == DossierStatus.RESULT_READY

    login(client, desk_officer)
    act(client, dossier, "return_result", returned_to="Nguyễn Văn An", method="counter")
    assert dossier.status == DossierStatus.RETURNED
    assert dossier.returned_to == "Nguyễn Văn An"
    html = client.get(f"/desk/dossiers/{dossier.code}/").content.decode()
    for label in ("Phân công", "Yêu cầu bổ sung", "Trình lãnh đạo", "Phê duyệt", "Trả kết quả"):
        assert label in html


def test_complete_an_incomplete_reception_with_a_scan(
    client, desk_officer, three_day_procedure, monday
):
    documents = all_documents(three_day_procedure)
    documents[1].provided = False
    dossier = receive(
        three_day_procedure, desk_officer, outcome="receive_incomplete", documents=documents
    )
    login(client, desk_officer)
    data = {}
    for doc in three_day_procedure.documents.all():
        data[f"doc-{doc.pk}-provided"] = "on"
        data[f"doc-{doc.pk}-originals"] = "1"
        data[f"doc-{doc.pk}-copies"] = "0"
    data[f"doc-{doc.pk}-scans"] = pdf("xac-nhan.pdf")
    act(client, dossier, "complete", **data)
    assert dossier.status == DossierStatus.RECEIVED
    assert DossierScan.objects.get().original_name == "xac-nhan.pdf"
    assert Paper.objects.filter(dossier=dossier, kind=PaperKind.RECEIPT).exists()


def test_a_stale_version_changes_nothing(
    client, desk_officer, specialist, specialist2, leader, three_day_procedure
):
    dossier = receive(three_day_procedure, desk_officer)
    seen = dossier.version
    services.assign_dossier(dossier, actor=leader, handler=specialist2, version=seen)
    login(client, desk_officer)
    messages = act(client, dossier, "assign", handler=specialist.pk, version=seen)
    assert messages == ["Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại trang."]
    assert dossier.handler == specialist2
    assert dossier.events.filter(action="assign").count() == 1


def test_action_errors_are_messages(client, desk_officer, leader, three_day_procedure):
    dossier = receive(three_day_procedure, desk_officer)
    login(client, desk_officer)
    # Missing required field: nothing done, the message says what.
    messages = act(client, dossier, "withdraw", reason="")
    assert "Chưa thực hiện" in messages[0] and "Lý do rút hồ sơ" in messages[0]
    assert dossier.status == DossierStatus.RECEIVED
    # Not from this status.
    messages = act(client, dossier, "return_result", returned_to="An", method="counter")
    assert "Không thể" in messages[0]
    # Not this user's role: 403.
    response = client.post(
        f"/desk/dossiers/{dossier.code}/actions/approve/", {"version": dossier.version}
    )
    assert response.status_code in (302, 403)
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED
    # Unknown action; GET is not allowed.
    assert client.post(f"/desk/dossiers/{dossier.code}/actions/nope/", {}).status_code == 404
    assert client.get(f"/desk/dossiers/{dossier.code}/actions/withdraw/").status_code == 405


def test_not_allowed_action_is_403(client, desk_officer, specialist, leader, three_day_procedure):
    dossier = receive(three_day_procedure, desk_officer)
    services.assign_dossier(dossier, actor=leader, handler=specialist)
    dossier.refresh_from_db()
    login(client, desk_officer)
    response = client.post(
        f"/desk/dossiers/{dossier.code}/actions/request_supplement/",
        {"version": dossier.version, "missing": "x"},
    )
    assert response.status_code == 403
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.IN_PROCESSING


def test_extend_moves_the_date_and_explains_it(
    client, desk_officer, specialist, leader, three_day_procedure, monday
):
    dossier = receive(three_day_procedure, desk_officer)
    services.assign_dossier(dossier, actor=leader, handler=specialist)
    login(client, specialist)
    act(client, dossier, "extend", new_due="2026-12-15", reason="Cần xác minh thêm")
    assert dossier.due_date.isoformat() == "2026-12-15"
    html = client.get(f"/desk/dossiers/{dossier.code}/").content.decode()
    assert "Hẹn lại (phiếu xin lỗi) từ 10/12/2026 sang 15/12/2026" in html
    assert "In phiếu xin lỗi, hẹn lại" in html


# ---------------------------------------------------------------------------------------
# Scans


@pytest.fixture
def scanned(desk_officer, three_day_procedure):
    documents = all_documents(three_day_procedure)
    documents[0].scans = [pdf("Tờ khai.pdf")]
    dossier = receive(three_day_procedure, desk_officer, documents=documents)
    return DossierScan.objects.get(document__dossier=dossier)


def test_scan_is_served_to_who_may_see_it(client, desk_officer, scanned):
    html = (
        login(client, desk_officer)
        .get(f"/desk/dossiers/{scanned.document.dossier.code}/")
        .content.decode()
    )
    assert f'href="/desk/scans/{scanned.pk}/"' in html
    response = client.get(f"/desk/scans/{scanned.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert "T%E1%BB%9D%20khai.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_scan_is_404_for_another_unit(client, other_desk, scanned):
    assert login(client, other_desk).get(f"/desk/scans/{scanned.pk}/").status_code == 404
    assert client.get("/desk/scans/999999/").status_code == 404


def test_scan_is_not_under_the_web_root(scanned, settings):
    assert not str(scanned.file.path).startswith(str(settings.MEDIA_ROOT))
    assert not str(scanned.file.path).startswith(str(settings.STATIC_ROOT))
