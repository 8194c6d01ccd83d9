"""Citizen tracking: the lookup, the plain-words story and the /track page."""

import datetime as dt
import re

import pytest
from django.test import Client

from dossiers import services, tracking
from dossiers.models import DossierStatus

from .conftest import applicant, at, receive

PAGE = "/track"
ID_NUMBER = "079123456789"
PHONE = "0912345678"


@pytest.fixture
def desk(commune):
    commune.opening_hours_vi = "Sáng 7:30–11:30, chiều 13:30–17:00 (thứ Hai – thứ Sáu)"
    commune.save()
    return commune


@pytest.fixture
def dossier(desk, desk_officer, three_day_procedure):
    return receive(three_day_procedure, desk_officer, when=at(2026, 12, 7, 9, 30))


@pytest.fixture
def paused(dossier, leader, specialist):
    services.assign_dossier(dossier, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    return services.request_supplement(
        dossier,
        actor=specialist,
        missing="Bản sao giấy khai sinh của người yêu cầu",
        now=at(2026, 12, 8, 14, 15),
    )


def post(client, code, factor):
    return client.post(PAGE, {"code": code, "factor": factor})


def without_csrf(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


# --- The lookup -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone", ["0912345678", "0912 345 678", "0912.345.678", "+84912345678", "+84 912 345 678"]
)
def test_found_with_the_phone_in_any_usual_spelling(dossier, phone):
    assert tracking.find_dossier(dossier.code, phone=phone) == dossier


@pytest.mark.parametrize("id_number", [ID_NUMBER, " 079 123 456 789 ", "079.123.456.789"])
def test_found_with_the_id_number(dossier, id_number):
    assert tracking.find_dossier(dossier.code, id_number=id_number) == dossier


def test_code_typed_in_lower_case_or_with_spaces(dossier):
    typed = " " + dossier.code.lower().replace("-", " - ") + " "
    assert tracking.find_dossier(typed, phone=PHONE) == dossier


@pytest.mark.parametrize(
    ("code", "phone", "id_number"),
    [
        ("000.00.23.H56-261207-9999", PHONE, ""),  # unknown code
        (None, "0912345679", ""),  # wrong phone
        (None, "", "079123456780"),  # wrong ID number
        (None, "", ""),  # no factor
        (None, ID_NUMBER[:-1], ""),  # ID number given as a phone: no match either
        ("", PHONE, ""),
    ],
)
def test_wrong_code_or_factor_finds_nothing(dossier, code, phone, id_number):
    code = dossier.code if code is None else code
    assert tracking.find_dossier(code, phone=phone, id_number=id_number) is None


def test_an_empty_phone_never_opens_a_dossier_without_one(desk_officer, three_day_procedure):
    dossier = receive(three_day_procedure, desk_officer, applicant=applicant(phone=""))
    assert tracking.find_dossier(dossier.code, phone="") is None
    assert tracking.find_dossier(dossier.code, phone=" ") is None
    assert tracking.find_dossier(dossier.code, id_number=ID_NUMBER) == dossier


def test_unknown_code_and_wrong_factor_cost_the_same_queries(dossier, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert tracking.find_dossier("000.00.23.H56-261207-9999", phone=PHONE) is None
    with django_assert_num_queries(1):
        assert tracking.find_dossier(dossier.code, phone="0900000000") is None


def test_the_story_takes_the_same_queries_however_long_it_is(
    paused, specialist, django_assert_num_queries
):
    with django_assert_num_queries(2):
        short = tracking.track(paused.code, phone=PHONE)
    for day in (9, 10, 11):
        paused = services.receive_supplement(paused, actor=specialist, now=at(2026, 12, day, 9))
        paused = services.request_supplement(
            paused, actor=specialist, missing=f"Giấy {day}", now=at(2026, 12, day, 10)
        )
    with django_assert_num_queries(2):
        long = tracking.track(paused.code, phone=PHONE)
    assert len(long.timeline) == len(short.timeline) + 6


# --- The story in plain words ----------------------------------------------------------


def test_received_dossier_in_plain_words(dossier):
    result = tracking.track(dossier.code, phone=PHONE)
    assert result.status == DossierStatus.RECEIVED
    assert result.status_text == "Đã tiếp nhận, đang chờ giải quyết"
    assert result.procedure_name == "Đăng ký kết hôn"
    assert result.due_date == dt.date(2026, 12, 10)
    assert [e.text for e in result.timeline] == ["Hồ sơ đã được tiếp nhận tại Xã Đạ Huoai"]
    assert result.timeline[0].at == at(2026, 12, 7, 9, 30)
    assert result.next_step.kind == "wait"
    assert "10/12/2026" in result.next_step.text


def test_paused_dossier_says_what_to_supplement(paused):
    result = tracking.track(paused.code, id_number=ID_NUMBER)
    assert result.paused is True
    assert result.status_text == "Tạm dừng: chờ ông/bà bổ sung giấy tờ"
    assert result.timeline[-1].text.startswith(
        "Cơ quan giải quyết yêu cầu bổ sung: Bản sao giấy khai sinh của người yêu cầu"
    )
    assert result.next_step.kind == "supplement"
    assert result.next_step.details == "Bản sao giấy khai sinh của người yêu cầu"
    assert result.next_step.place.name == "Xã Đạ Huoai"
    assert result.next_step.place.address == "Thôn 1, xã Đạ Huoai"


def test_supplement_received_shows_the_new_due_date(paused, specialist):
    services.receive_supplement(paused, actor=specialist, now=at(2026, 12, 10, 9))
    result = tracking.track(paused.code, phone=PHONE)
    assert result.paused is False
    # Paused 08/12 → resumed 10/12: two working days added to 10/12.
    assert result.due_date == dt.date(2026, 12, 14)
    assert "Hạn trả kết quả mới: 14/12/2026" in result.timeline[-1].text


def test_incomplete_at_reception_lists_exactly_what_is_missing(desk_officer, three_day_procedure):
    from dossiers.services import HandedIn

    first, second = three_day_procedure.documents.all()
    dossier = receive(
        three_day_procedure,
        desk_officer,
        outcome="receive_incomplete",
        documents=[HandedIn(catalogue_document_id=first.pk, provided=True, originals=1)],
    )
    result = tracking.track(dossier.code, phone=PHONE)
    assert result.received_at is None
    assert result.next_step.kind == "supplement"
    assert "Giấy xác nhận tình trạng hôn nhân" in result.next_step.details
    assert "cần bổ sung: Giấy xác nhận tình trạng hôn nhân" in result.timeline[0].text


def test_extension_shows_the_new_date_and_the_apology(paused, specialist):
    services.extend_dossier(
        paused,
        actor=specialist,
        new_due=dt.date(2026, 12, 17),
        reason="Cần xác minh thêm tại nơi cư trú",
        now=at(2026, 12, 9, 8),
    )
    result = tracking.track(paused.code, phone=PHONE)
    assert result.due_date == dt.date(2026, 12, 17)
    assert result.extension.new_due == dt.date(2026, 12, 17)
    assert result.extension.old_due == dt.date(2026, 12, 10)
    assert result.extension.reason == "Cần xác minh thêm tại nơi cư trú"
    assert "Ngày hẹn mới: 17/12/2026" in result.timeline[-1].text


def finish(dossier, leader, specialist, deny=False):
    dossier = services.assign_dossier(
        dossier, actor=leader, handler=specialist, now=at(2026, 12, 7, 10)
    )
    dossier = services.submit_for_approval(
        dossier, actor=specialist, proposal="Cấp giấy chứng nhận", now=at(2026, 12, 8, 9)
    )
    if deny:
        dossier = services.deny_dossier(
            dossier, actor=leader, reason="Không đủ điều kiện kết hôn", now=at(2026, 12, 9, 9)
        )
    else:
        dossier = services.approve_dossier(dossier, actor=leader, now=at(2026, 12, 9, 9))
    return services.mark_result_ready(dossier, actor=leader, now=at(2026, 12, 9, 10))


def test_result_ready_says_where_and_when_to_collect(dossier, leader, specialist):
    finish(dossier, leader, specialist)
    result = tracking.track(dossier.code, phone=PHONE)
    assert result.status_text == "Đã có kết quả, mời ông/bà đến nhận"
    assert result.timeline[-1].text == "Đã có kết quả, mời ông/bà đến nhận tại Xã Đạ Huoai"
    step = result.next_step
    assert step.kind == "collect_result"
    assert step.place.address == "Thôn 1, xã Đạ Huoai"
    assert step.place.opening_hours.startswith("Sáng 7:30")
    texts = [e.text for e in result.timeline]
    assert "Hồ sơ đã được duyệt; đang chuẩn bị kết quả" in texts


def test_denied_dossier_gives_the_reason(dossier, leader, specialist):
    finish(dossier, leader, specialist, deny=True)
    result = tracking.track(dossier.code, phone=PHONE)
    assert result.next_step.details == "Không đủ điều kiện kết hôn"
    assert any("Lý do: Không đủ điều kiện kết hôn" in e.text for e in result.timeline)


def test_refused_dossier_gives_the_reason(desk_officer, three_day_procedure):
    dossier = receive(
        three_day_procedure, desk_officer, outcome="refuse", note="Không thuộc thẩm quyền"
    )
    result = tracking.track(dossier.code, phone=PHONE)
    assert result.status_text == "Không được tiếp nhận"
    assert result.next_step.kind == "refused"
    assert result.next_step.details == "Không thuộc thẩm quyền"


def test_returned_dossier_names_no_one(dossier, leader, specialist, desk_officer):
    ready = finish(dossier, leader, specialist)
    services.return_result(
        ready, actor=desk_officer, returned_to="Nguyễn Văn An", now=at(2026, 12, 10, 9)
    )
    result = tracking.track(dossier.code, phone=PHONE)
    assert result.status_text == "Đã trả kết quả"
    assert result.timeline[-1].text == "Đã trả kết quả tại Xã Đạ Huoai"
    assert result.next_step.kind == "none"


# --- The page ---------------------------------------------------------------------------


def test_qr_link_opens_the_form_with_the_code_filled_in(client, dossier):
    response = client.get(PAGE, {"code": dossier.code})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'value="{dossier.code}"' in html
    assert 'name="factor"' in html
    assert "no-store" in response["Cache-Control"]
    # Nothing of the dossier shows before the second factor.
    assert "Đăng ký kết hôn" not in html


def test_form_without_code(client, db):
    response = client.get(PAGE)
    assert response.status_code == 200
    assert 'name="code"' in response.content.decode()


@pytest.mark.parametrize("factor", ["0912 345 678", "+84912345678", ID_NUMBER])
def test_page_shows_the_dossier(client, dossier, factor):
    response = post(client, dossier.code, factor)
    assert response.status_code == 200
    html = response.content.decode()
    assert dossier.code in html
    assert "Đăng ký kết hôn" in html
    assert "Đã tiếp nhận, đang chờ giải quyết" in html
    assert "07/12/2026 09:30" in html
    assert "Hồ sơ đã được tiếp nhận tại Xã Đạ Huoai" in html
    assert "10/12/2026" in html
    assert "no-store" in response["Cache-Control"]


def test_page_while_paused_shows_the_supplement_and_next_step(client, paused):
    html = post(client, paused.code, PHONE).content.decode()
    assert "Tạm dừng: chờ ông/bà bổ sung" in html
    assert "Việc ông/bà cần làm" in html
    assert "Giấy tờ, nội dung cần bổ sung" in html
    assert html.count("Bản sao giấy khai sinh của người yêu cầu") == 2  # next step, timeline
    assert "08/12/2026 14:15" in html
    assert "Thôn 1, xã Đạ Huoai" in html  # where to bring it


def test_page_shows_no_personal_data(client, paused, desk_officer, specialist, leader):
    for factor in (PHONE, ID_NUMBER):
        html = post(client, paused.code, factor).content.decode()
        assert "Đăng ký kết hôn" in html
        for secret in (
            ID_NUMBER,
            PHONE,
            "912345678",
            "912 345 678",
            "an@example.vn",
            "Thôn 2, xã Đạ Huoai",
            "Nguyễn Văn An",
            desk_officer.username,
            specialist.username,
            leader.username,
        ):
            assert secret not in html, secret


def test_wrong_code_and_wrong_factor_answer_the_same(client, dossier):
    unknown = dossier.code[:-4] + "9999"
    wrong_code = post(client, unknown, PHONE)
    wrong_phone = post(client, unknown, "0900000000")
    wrong_factor = post(client, dossier.code, "0900000000")
    assert wrong_code.status_code == wrong_factor.status_code == 404
    # Same page apart from the code typed (which is echoed back into the form).
    same_code = without_csrf(wrong_phone.content.decode())
    assert same_code == without_csrf(wrong_code.content.decode())
    assert without_csrf(wrong_factor.content.decode()).replace(dossier.code, unknown) == same_code
    assert "Không tìm thấy hồ sơ." in same_code
    assert "0900000000" not in without_csrf(wrong_factor.content.decode())


def test_missing_fields_are_explained(client, db):
    response = client.post(PAGE, {"code": " ", "factor": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nhập mã hồ sơ." in html
    assert "Nhập số điện thoại hoặc số định danh." in html


def test_too_long_input_is_a_400_not_a_500(client, db):
    response = client.post(PAGE, {"code": "x" * 500, "factor": "1" * 500})
    assert response.status_code == 400


def test_rate_limit_after_ten_failures(client, dossier):
    for _ in range(10):
        assert post(client, dossier.code, "0900000000").status_code == 404
    response = post(client, dossier.code, PHONE)  # even the right answer now waits
    assert response.status_code == 429
    assert "tra cứu sai quá nhiều lần" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    # Another client is not affected.
    other = Client(REMOTE_ADDR="203.0.113.9")
    assert post(other, dossier.code, PHONE).status_code == 200


def test_successes_do_not_use_up_the_attempts(client, dossier):
    for _ in range(9):
        assert post(client, dossier.code, "0900000000").status_code == 404
    for _ in range(15):
        assert post(client, dossier.code, PHONE).status_code == 200


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(client, dossier, settings):
    for n in range(10):
        client.post(
            PAGE, {"code": dossier.code, "factor": "0"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        )
    # A made-up X-Forwarded-For does not buy new attempts.
    assert (
        client.post(
            PAGE, {"code": dossier.code, "factor": PHONE}, HTTP_X_FORWARDED_FOR="198.51.100.77"
        ).status_code
        == 429
    )


def test_behind_a_trusted_proxy_the_forwarded_client_counts(dossier, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for _ in range(10):
        proxy.post(
            PAGE,
            {"code": dossier.code, "factor": "0"},
            HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.1",
        )
    # The same client, whatever it writes on the left, is limited...
    blocked = proxy.post(
        PAGE, {"code": dossier.code, "factor": PHONE}, HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.1"
    )
    assert blocked.status_code == 429
    # ... another client behind the same proxy is not.
    other = proxy.post(
        PAGE, {"code": dossier.code, "factor": PHONE}, HTTP_X_FORWARDED_FOR="198.51.100.2"
    )
    assert other.status_code == 200


def test_client_address_groups_ipv6_by_64(rf, settings):
    request = rf.get("/", REMOTE_ADDR="2001:db8:1:2:aaaa::1")
    assert tracking.client_address(request) == "2001:db8:1:2::"
    assert tracking.client_address(rf.get("/", REMOTE_ADDR="")) == "unknown"


def test_form_works_with_csrf_checks(dossier):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(PAGE, {"code": dossier.code}).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(
        PAGE, {"csrfmiddlewaretoken": token, "code": dossier.code, "factor": PHONE}
    )
    assert response.status_code == 200
    assert "Hồ sơ đã được tiếp nhận tại Xã Đạ Huoai" in response.content.decode()
    # Without the token the form is refused.
    assert (
        Client(enforce_csrf_checks=True)
        .post(PAGE, {"code": dossier.code, "factor": PHONE})
        .status_code
        == 403
    )


def test_page_in_english(client, dossier, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = post(client, dossier.code, PHONE).content.decode()
    assert '<html lang="en">' in html
    assert "Marriage registration" in html
    assert "Da Huoai Commune" in html
    # The language links lead back to the form with the code, not to the POST.
    assert f'next=%2Ftrack%3Fcode%3D{dossier.code}"' in html


def test_get_only_and_post(client, db):
    assert client.put(PAGE).status_code == 405


@pytest.mark.parametrize(
    "text, line",
    [
        ("- Tờ khai\n- Giấy chứng sinh", "Tờ khai; Giấy chứng sinh"),
        ("- Giấy chứng sinh\nẢnh bị mờ, chụp lại", "Giấy chứng sinh (Ảnh bị mờ, chụp lại)"),
        ("Bản sao sổ hộ khẩu", "Bản sao sổ hộ khẩu"),
        ("", ""),
    ],
)
def test_a_supplement_list_reads_as_one_line_with_the_note_apart(text, line):
    from dossiers.tracking import _one_line

    assert _one_line(text) == line
