"""Official papers 01-05 as printed: read back with poppler's tools as a printer would see
them, QR codes decoded from the printed page, reprints marked as copies."""

import datetime as dt
import re
import subprocess
import threading

import pytest
from django.db import connection
from django.urls import reverse
from PIL import Image

from dossiers import papers, services
from dossiers.models import Paper, PaperKind
from dossiers.services import HandedIn
from portal.models import Role
from tests.factories import UserFactory
from tests.procedures.test_qr import decode

from .conftest import applicant, at, receive

SITE = "https://dichvucong.lamdong.example.vn"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def named(desk_officer, leader):
    desk_officer.last_name, desk_officer.first_name = "Trần Thị", "Lan"
    desk_officer.save()
    leader.last_name, leader.first_name = "Lê Văn", "Hùng"
    leader.save()


def write(tmp_path, pdf: bytes, name: str = "paper.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdf_text(path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True)
    return out.stdout.decode()


def flat(text: str) -> str:
    return " ".join(text.split())


def pages(path) -> int:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", out.stdout, re.M).group(1))


def fonts(path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    rows = out.stdout.splitlines()[2:]
    # "type" may contain a space ("CID TrueType"), so read the columns from the right.
    return [{"name": r.split()[0], "emb": r.split()[-5]} for r in rows]


def qr_text(tmp_path, path) -> str:
    prefix = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", "1", "-l", "1", "-png", "-singlefile"]
        + [str(path), str(prefix)],
        check=True,
    )
    return decode(Image.open(f"{prefix}.png")).text


def printed(tmp_path, paper: Paper, copy=None, name="paper.pdf"):
    return write(tmp_path, papers.paper_pdf(paper, copy), name)


@pytest.fixture
def received(three_day_procedure, desk_officer, named):
    """Received Monday 07/12/2026 09:00, 3 working days: due Thursday 10/12/2026."""
    return receive(three_day_procedure, desk_officer)


# --- What each paper says -------------------------------------------------------------


def test_receipt_says_what_the_form_says(tmp_path, received):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    path = printed(tmp_path, paper)
    text = flat(pdf_text(path))
    assert pages(path) == 1
    for expected in [
        "TỈNH LÂM ĐỒNG",
        "XÃ ĐẠ HUOAI",
        "BỘ PHẬN TIẾP NHẬN VÀ TRẢ KẾT QUẢ",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Đạ Huoai, ngày 07 tháng 12 năm 2026",
        "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
        f"Mã hồ sơ: {received.code}",
        "Tiếp nhận hồ sơ của: Nguyễn Văn An",
        "Số điện thoại: 0912345678",
        "Đăng ký kết hôn",
        "Tờ khai đăng ký kết hôn",
        "Giấy xác nhận tình trạng hôn nhân",
        "Số lượng hồ sơ: 01 bộ (2 loại giấy tờ)",
        "3 ngày làm việc",
        "09 giờ 00 phút, ngày 07/12/2026",
        "Thời gian trả kết quả giải quyết hồ sơ: trong giờ làm việc, thứ Năm ngày 10/12/2026",
        "Bộ phận tiếp nhận và trả kết quả – Xã Đạ Huoai, Thôn 1, xã Đạ Huoai",
        f"{SITE}/track?code={received.code}",
        "NGƯỜI NỘP HỒ SƠ",
        "NGƯỜI TIẾP NHẬN HỒ SƠ",
        "(Ký và ghi rõ họ tên)",
        "Trần Thị Lan",
        f"{SITE}/v/{paper.token}",
    ]:
        assert expected in text, expected
    # The ID number is not printed on a paper the citizen carries around.
    assert received.applicant_id_number not in text
    assert "BẢN SAO" not in text


def test_fonts_are_embedded(tmp_path, received):
    path = printed(tmp_path, received.papers.get(kind=PaperKind.RECEIPT))
    found = fonts(path)
    assert found and all(font["emb"] == "yes" for font in found)
    # Regular, bold and italic of the embedded serif, and nothing taken from the system.
    assert len(found) == 3
    assert all("Paper-Serif" in font["name"] for font in found)


@pytest.mark.parametrize("kind", ["receipt", "supplement", "refusal", "apology"])
def test_qr_code_opens_the_verification_page(tmp_path, kind, received, leader, specialist):
    if kind == "receipt":
        paper = received.papers.get(kind=PaperKind.RECEIPT)
    elif kind == "supplement":
        services.assign_dossier(received, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
        services.request_supplement(
            received, actor=specialist, missing="Ảnh 4x6", now=at(2026, 12, 8, 9)
        )
        paper = received.papers.get(kind=PaperKind.SUPPLEMENT)
    elif kind == "refusal":
        dossier = receive(
            received.procedure, received.received_by, outcome="refuse", note="Sai thẩm quyền."
        )
        paper = dossier.papers.get(kind=PaperKind.REFUSAL)
    else:
        services.assign_dossier(received, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
        services.extend_dossier(
            received,
            actor=leader,
            new_due=dt.date(2026, 12, 15),
            reason="Chờ xác minh.",
            now=at(2026, 12, 9),
        )
        paper = received.papers.get(kind=PaperKind.APOLOGY)
    path = printed(tmp_path, paper)
    assert pages(path) == 1
    assert qr_text(tmp_path, path) == f"{SITE}/v/{paper.token}"


def test_supplement_request_at_reception_lists_exactly_what_is_missing(
    tmp_path, three_day_procedure, desk_officer, named
):
    first, second = three_day_procedure.documents.all()
    dossier = receive(
        three_day_procedure,
        desk_officer,
        outcome="receive_incomplete",
        documents=[HandedIn(catalogue_document_id=first.pk, provided=True, originals=1)],
        note="Tờ khai thiếu chữ ký của người yêu cầu.",
    )
    text = flat(pdf_text(printed(tmp_path, dossier.papers.get(kind=PaperKind.SUPPLEMENT))))
    assert "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ" in text
    assert f"Mã hồ sơ: {dossier.code}" in text
    assert "Hồ sơ của: Nguyễn Văn An" in text
    assert "1. Giấy xác nhận tình trạng hôn nhân" in text
    assert "2. Tờ khai thiếu chữ ký của người yêu cầu." in text
    assert "Lý do: hồ sơ chưa đủ thành phần" in text
    assert "NGƯỜI HƯỚNG DẪN" in text
    # The document handed in is not asked for again.
    assert "1. Tờ khai đăng ký kết hôn" not in text


def test_supplement_request_during_processing_says_the_clock_stops(
    tmp_path, received, leader, specialist
):
    services.assign_dossier(received, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    services.request_supplement(
        received,
        actor=specialist,
        missing="Bản sao Giấy khai sinh của hai bên\nẢnh chân dung 4x6",
        now=at(2026, 12, 8, 10),
    )
    text = flat(pdf_text(printed(tmp_path, received.papers.get(kind=PaperKind.SUPPLEMENT))))
    assert "1. Bản sao Giấy khai sinh của hai bên 2. Ảnh chân dung 4x6" in text
    assert "Ngày tiếp nhận hồ sơ: 07/12/2026" in text
    assert "tạm dừng kể từ ngày 08/12/2026" in text
    assert "CÁN BỘ THỤ LÝ HỒ SƠ" in text


def test_refusal_gives_the_reason(tmp_path, three_day_procedure, desk_officer, named):
    reason = "Thủ tục không thuộc thẩm quyền giải quyết của Ủy ban nhân dân xã."
    dossier = receive(three_day_procedure, desk_officer, outcome="refuse", note=reason)
    text = flat(pdf_text(printed(tmp_path, dossier.papers.get(kind=PaperKind.REFUSAL))))
    assert "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ" in text
    assert f"Mã hồ sơ: {dossier.code}" in text
    assert "Nguyễn Văn An" in text
    assert "thông báo không tiếp nhận, giải quyết hồ sơ này" in text
    assert reason in text


def test_denial_is_a_refusal_to_resolve(tmp_path, received, leader, specialist):
    services.assign_dossier(received, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    services.submit_for_approval(received, actor=specialist, proposal="Cấp", now=at(2026, 12, 8))
    services.deny_dossier(
        received, actor=leader, reason="Một bên chưa đủ tuổi kết hôn.", now=at(2026, 12, 9)
    )
    text = flat(pdf_text(printed(tmp_path, received.papers.get(kind=PaperKind.REFUSAL))))
    assert "PHIẾU TỪ CHỐI GIẢI QUYẾT HỒ SƠ" in text
    assert "thông báo không giải quyết hồ sơ này" in text
    assert "Một bên chưa đủ tuổi kết hôn." in text
    assert "THỦ TRƯỞNG CƠ QUAN" in text
    assert "Lê Văn Hùng" in text


def test_apology_gives_old_and_new_date_and_reason(tmp_path, received, leader, specialist):
    services.assign_dossier(received, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    services.extend_dossier(
        received,
        actor=leader,
        new_due=dt.date(2026, 12, 16),
        reason="Cần xác minh thông tin hộ tịch với nơi cư trú trước đây.",
        now=at(2026, 12, 9, 14),
    )
    text = flat(pdf_text(printed(tmp_path, received.papers.get(kind=PaperKind.APOLOGY))))
    assert "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ" in text
    assert "Kính gửi: Ông/Bà Nguyễn Văn An" in text
    assert "Ngày hẹn trả kết quả: 10/12/2026" in text
    assert "Cần xác minh thông tin hộ tịch với nơi cư trú trước đây." in text
    assert "xin lỗi Ông/Bà" in text
    assert "thứ Tư ngày 16/12/2026" in text
    assert "Đạ Huoai, ngày 09 tháng 12 năm 2026" in text


def test_no_appointment_receipt_says_it_was_resolved_on_the_spot(
    tmp_path, same_day_procedure, desk_officer, named
):
    dossier = receive(
        same_day_procedure,
        desk_officer,
        outcome="receive_and_return",
        result="Bản sao chứng thực (02 bản)",
        returned_to="Nguyễn Văn An",
        when=at(2026, 12, 7, 9, 30),
    )
    text = flat(pdf_text(printed(tmp_path, dossier.papers.get(kind=PaperKind.RECEIPT))))
    assert "Hồ sơ không hẹn: đã giải quyết và trả kết quả ngay" in text
    assert "09 giờ 30 phút, ngày 07/12/2026" in text
    assert "Bản sao chứng thực (02 bản)" in text
    assert "Thời gian trả kết quả giải quyết hồ sơ" not in text


# --- The same paper, reprinted ----------------------------------------------------------


def without_copy_line(text: str) -> str:
    return flat("\n".join(line for line in text.splitlines() if "BẢN SAO" not in line))


def test_reprint_is_the_same_paper_marked_as_a_copy(tmp_path, received, leader, specialist):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    original = pdf_text(printed(tmp_path, paper, name="original.pdf"))

    # The dossier moves on: a new due date after an extension, a new phone number.
    services.assign_dossier(received, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    services.extend_dossier(
        received, actor=leader, new_due=dt.date(2026, 12, 16), reason="Chờ", now=at(2026, 12, 9)
    )
    received.refresh_from_db()
    received.applicant_phone = "0987654321"
    received.save(update_fields=["applicant_phone"])

    paper.refresh_from_db()
    copy = papers.CopyMark(at(2026, 12, 14, 10, 5), 2)
    reprint_path = printed(tmp_path, paper, copy, name="copy.pdf")
    reprint = pdf_text(reprint_path)

    assert "BẢN SAO – in lại lúc 10:05 ngày 14/12/2026 (lần in thứ 2)" in flat(reprint)
    assert without_copy_line(reprint) == flat(original)
    assert "10/12/2026" in flat(reprint) and "16/12/2026" not in flat(reprint)
    assert "0987654321" not in reprint
    assert pages(reprint_path) == 1
    assert qr_text(tmp_path, reprint_path) == f"{SITE}/v/{paper.token}"


def test_record_print_counts_originals_then_copies(received, desk_officer):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    assert [services.record_print(paper, desk_officer) for _ in range(3)] == [1, 2, 3]
    paper.refresh_from_db()
    assert paper.prints == 3


@pytest.mark.django_db(transaction=True)
def test_two_officers_printing_at_once_get_one_original(received, desk_officer):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    numbers, barrier = [], threading.Barrier(2)

    def print_once():
        try:
            barrier.wait()
            numbers.append(services.record_print(Paper.objects.get(pk=paper.pk), desk_officer))
        finally:
            connection.close()

    threads = [threading.Thread(target=print_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == [1, 2]


def test_paper_without_snapshot_prints_from_the_dossier(tmp_path, received):
    """Papers issued before snapshots were kept still print."""
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    Paper.objects.filter(pk=paper.pk).update(content={})
    paper.refresh_from_db()
    text = flat(pdf_text(printed(tmp_path, paper)))
    assert received.code in text and "10/12/2026" in text


# --- Download views ---------------------------------------------------------------------


def paper_url(paper: Paper) -> str:
    return reverse(
        "dossiers-papers:paper-pdf", kwargs={"code": paper.dossier.code, "paper_id": paper.pk}
    )


def test_download_first_original_then_copies(client, tmp_path, received, desk_officer):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    client.force_login(desk_officer)
    first = client.get(paper_url(paper))
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Cache-Control"].startswith("private")
    assert "BẢN SAO" not in pdf_text(write(tmp_path, first.content, "1.pdf"))
    second = client.get(paper_url(paper))
    assert second.status_code == 200
    assert "ban-sao" in second["Content-Disposition"]
    assert "BẢN SAO" in pdf_text(write(tmp_path, second.content, "2.pdf"))
    paper.refresh_from_db()
    assert paper.prints == 2


def test_download_is_scoped_to_who_may_see_the_dossier(
    client, received, other_desk, three_day_procedure, desk_officer
):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    client.force_login(other_desk)
    assert client.get(paper_url(paper)).status_code == 404
    # A paper id under another dossier's code is not found either.
    mine = receive(three_day_procedure, desk_officer)
    url = reverse("dossiers-papers:paper-pdf", kwargs={"code": mine.code, "paper_id": paper.pk})
    client.force_login(desk_officer)
    assert client.get(url).status_code == 404
    paper.refresh_from_db()
    assert paper.prints == 0


def test_download_needs_a_login(client, received):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    response = client.get(paper_url(paper))
    assert response.status_code == 302
    assert reverse("desk:login") in response["Location"]


def test_province_admin_may_print(client, received, province_admin):
    client.force_login(province_admin)
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    assert client.get(paper_url(paper)).status_code == 200


def test_non_staff_account_is_refused(client, received):
    citizen = UserFactory(username="citizen", role="", unit=None)
    client.force_login(citizen)
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    assert client.get(paper_url(paper)).status_code == 403


def test_post_is_not_allowed(client, received, desk_officer):
    client.force_login(desk_officer)
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    assert client.post(paper_url(paper)).status_code == 405


# --- Form 05, live ----------------------------------------------------------------------


def test_control_slip_shows_each_step_with_its_due_and_timeliness(
    client, tmp_path, received, leader, specialist, desk_officer
):
    specialist.last_name, specialist.first_name = "Phạm", "Minh"
    specialist.save()
    services.assign_dossier(received, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    services.submit_for_approval(
        received, actor=specialist, proposal="Cấp giấy", now=at(2026, 12, 10, 8)
    )
    client.force_login(desk_officer)
    url = reverse("dossiers-papers:control-slip", kwargs={"code": received.code})
    response = client.get(url)
    assert response.status_code == 200
    path = write(tmp_path, response.content)
    text = flat(pdf_text(path))
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in text
    assert f"Mã hồ sơ: {received.code}" in text
    assert "Tiếp nhận" in text and "Thẩm" in text and "Phê duyệt" in text
    assert "Trần Thị Lan" in text and "Phạm Minh" in text
    # Processing's share ends Wednesday 09/12 (approval gets the last day); it finished
    # on Thursday 10/12: late. Reception was on time.
    assert "09/12/2026" in text
    assert "Quá hạn" in text
    assert "Đúng hạn" in text
    assert all(font["emb"] == "yes" for font in fonts(path))
    assert qr_text(tmp_path, path) == f"{SITE}/desk/dossiers/{received.code}/"


def test_control_slip_rows_verdicts(received, leader, specialist):
    services.assign_dossier(received, actor=leader, handler=specialist, now=at(2026, 12, 7, 10))
    rows = papers.control_slip_rows(received, at(2026, 12, 11, 9))
    assert [row.kind for row in rows] == ["Tiếp nhận", "Thẩm định, xử lý"]
    assert rows[0].verdict == "Đúng hạn"
    assert rows[1].due == dt.date(2026, 12, 9)
    assert (rows[1].verdict, rows[1].late) == ("Đang xử lý – quá hạn", True)


def test_control_slip_of_an_invisible_dossier_is_not_found(client, received, other_desk):
    client.force_login(other_desk)
    url = reverse("dossiers-papers:control-slip", kwargs={"code": received.code})
    assert client.get(url).status_code == 404


# --- Small helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, masked",
    [
        ("Nguyễn Văn An", "Nguyễn V** A*"),
        ("Trần Thị Ngọc Ánh", "Trần T** N*** Á**"),
        ("  lê   văn  tám ", "lê v** t**"),
        ("Madonna", "M******"),
        ("", ""),
        # Decomposed input (NFD from some keyboards) masks by letters, not code points.
        ("Nguye\u0302\u0303n Va\u0306n An", "Nguyễn V** A*"),
    ],
)
def test_mask_name(name, masked):
    assert papers.mask_name(name) == masked


@pytest.mark.parametrize(
    "unit_name, place",
    [
        ("Xã Đạ Huoai", "Đạ Huoai"),
        ("Phường Bảo Lộc", "Bảo Lộc"),
        ("Tỉnh Lâm Đồng", "Lâm Đồng"),
        ("Đặc khu Phú Quý", "Phú Quý"),
        ("Trung tâm Phục vụ hành chính công", "Trung tâm Phục vụ hành chính công"),
    ],
)
def test_place_name(unit_name, place):
    assert papers.place_name(unit_name) == place


def test_issuing_unit_is_the_competent_unit_for_its_own_staff(
    three_day_procedure, desk_officer, other_commune, other_specialist
):
    dossier = receive(three_day_procedure, desk_officer, competent_unit=other_commune)
    assert papers.issuing_unit(dossier, desk_officer) == dossier.receiving_unit
    assert papers.issuing_unit(dossier, other_specialist) == other_commune
    other = UserFactory(username="elsewhere", role=Role.DESK_OFFICER)
    assert papers.issuing_unit(dossier, other) == dossier.receiving_unit


def test_snapshot_is_json_and_frozen_at_issue(received):
    paper = received.papers.get(kind=PaperKind.RECEIPT)
    snap = paper.content["dossier"]
    assert snap["code"] == received.code
    assert snap["due_date"] == "2026-12-10"
    assert snap["applicant"]["name"] == "Nguyễn Văn An"
    assert "id_number" not in snap["applicant"]
    assert [d["name"] for d in snap["documents"]] == [
        "Tờ khai đăng ký kết hôn",
        "Giấy xác nhận tình trạng hôn nhân",
    ]
    assert snap["issued_by"] == "Trần Thị Lan"
    assert snap["unit"]["province_vi"] == "Tỉnh Lâm Đồng"


def test_applicant_with_organisation(tmp_path, three_day_procedure, desk_officer):
    dossier = receive(
        three_day_procedure,
        desk_officer,
        applicant=applicant(organisation="Công ty TNHH Đà Lạt Xanh"),
    )
    text = flat(pdf_text(printed(tmp_path, dossier.papers.get(kind=PaperKind.RECEIPT))))
    assert "Nguyễn Văn An – đại diện cho Công ty TNHH Đà Lạt Xanh" in text


def test_receipt_names_the_competent_unit_when_it_differs(
    tmp_path, three_day_procedure, desk_officer, other_commune
):
    dossier = receive(three_day_procedure, desk_officer, competent_unit=other_commune)
    text = flat(pdf_text(printed(tmp_path, dossier.papers.get(kind=PaperKind.RECEIPT))))
    assert "Cơ quan giải quyết hồ sơ: Phường Bảo Lộc" in text
    assert pages(tmp_path / "paper.pdf") == 1


def test_long_receipt_flows_onto_a_second_page_with_the_link_on_each(tmp_path, desk_officer):
    from tests.factories import ProcedureFactory

    procedure = ProcedureFactory(
        code="1.999999",
        name_vi="Cấp Giấy chứng nhận quyền sử dụng đất lần đầu cho hộ gia đình, cá nhân",
        processing_days=20,
        documents=[
            f"Giấy tờ số {i}: bản sao giấy tờ về quyền sử dụng đất theo Luật Đất đai 2024"
            for i in range(1, 15)
        ],
    )
    dossier = receive(procedure, desk_officer)
    paper = dossier.papers.get(kind=PaperKind.RECEIPT)
    path = printed(tmp_path, paper)
    assert pages(path) == 2
    link = f"{SITE}/v/{paper.token}"
    for page in (1, 2):
        out = subprocess.run(
            ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"],
            check=True,
            capture_output=True,
        )
        assert link in flat(out.stdout.decode())
    text = flat(pdf_text(path))
    assert "Giấy tờ số 14" in text and "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert qr_text(tmp_path, path) == link
