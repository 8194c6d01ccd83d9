"""A citizen at home, in a real browser (Debian's headless Chromium) against Django's live
server: the online side of issue 6 from sign-up to the second dossier.

1. The citizen, on a phone, signs up with a phone number and a password, types the code
   the SMS brought (read from the memory outbox, as a phone would receive it), and signs in.
2. They find the birth registration from the home page's search typed without accents,
   press "Nộp hồ sơ trực tuyến", upload two papers and save the draft for later; they come
   back to it from "My drafts", a text file passed off as a PDF is refused, the real ID card
   scan is kept and the dossier is sent to the commune's desk.
3. The desk officer (desktop) opens it from the worklist and asks for exactly one paper
   again (the birth notice was the wrong file); the citizen sees the request on their
   account's dossier page, which offers to upload only that paper, and sends it. The desk
   accepts it: the clock starts, the receipt (01) is issued and sent, and the typed scans
   go into the citizen's document store (the account's ID number is not verified by a
   scan: it is when the applicant collects the result in person, below). The
   dossier is processed: the leader assigns the specialist, who submits it, and the leader
   approves it — these three middle steps call the services directly (each is proven in
   the browser by tests/test_e2e_dossier.py) to keep this test short; the desk marks the
   result ready and returns it in the browser to the applicant, ticking that the original
   ID card was checked, which verifies the account's ID number. The citizen rates the
   service from the invitation's link; the same form, still open in a second tab, is then
   refused with "already rated".
4. A second procedure asks for the ID card too (the same document type): its online form
   offers the stored card, the citizen ticks it instead of uploading, and the dossier row
   records the stored paper, when and by whom reuse was agreed, and holds no new scan.

Each person has a browser context of their own. The test never skips: a machine without
Chromium fails with a message saying what to install. Screenshots go to
/tmp/e2e-online-*.png.
"""

from __future__ import annotations

import re
import shutil
import struct
import zlib

import pytest
from django.db import connections

from docstore.models import StoredDocument
from dossiers import services
from dossiers.models import Dossier, DossierChannel, DossierDocument, DossierStatus, PaperKind
from dossiers.workflow import Action
from feedback.models import Rating
from notifications.backends import memory
from notifications.models import TemplateKey
from portal.models import User
from procedures.models import DocumentType, OnlineLevel, ProcedureDocument, UnitProcedure
from tests.factories import ProcedureFactory

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1366, "height": 900}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
STAFF_PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
CITIZEN_PASSWORD = "Mat-khau-rat-kho-2026"
CITIZEN_NAME = "Trần Thị Bình"
PHONE_NUMBER = "0903 456 789"
ID_NUMBER = "079190001234"
RESULT = "Giấy khai sinh số 45/2026, quyển 01"


def pdf(label: str) -> bytes:
    """A small valid PDF; the label makes each file's content (and hash) its own."""
    return (
        b"%PDF-1.4\n% " + label.encode() + b"\n1 0 obj<< /Type /Catalog >>endobj\n"
        b"trailer<< /Root 1 0 R >>\n%%EOF\n"
    )


def png(red: int) -> bytes:
    """A valid 1x1 PNG of the given red level."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes([0, red, 0, 0]))
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def upload(name: str, content: bytes) -> dict:
    mime = "image/png" if name.endswith(".png") else "application/pdf"
    return {"name": name, "mimeType": mime, "buffer": content}


@pytest.fixture
def chromium() -> str:
    path = shutil.which("chromium")
    if not path:
        pytest.fail(
            "chromium is needed for the end-to-end test and was not found: apt-get install chromium"
        )
    return path


@pytest.fixture
def catalogue(transactional_db, commune):
    """Two procedures of the commune that take dossiers online and share the ID card's
    document type; the first issues a birth certificate (a typed result)."""
    id_card = DocumentType.objects.create(code="cccd", name="Căn cước công dân")
    birth_notice = DocumentType.objects.create(
        code="giay-chung-sinh", name="Giấy chứng sinh", validity_months=12
    )
    birth_certificate = DocumentType.objects.create(code="giay-khai-sinh", name="Giấy khai sinh")

    birth = ProcedureFactory(
        code="1.001193",
        name_vi="Đăng ký khai sinh",
        name_en="Birth registration",
        processing_days=3,
        online_level=OnlineLevel.PARTIAL,
        documents=["Tờ khai đăng ký khai sinh", "Giấy chứng sinh", "Căn cước công dân"],
    )
    declaration, notice, card = birth.documents.order_by("position")
    ProcedureDocument.objects.filter(pk=declaration.pk).update(originals=1, form="Mẫu TP/HT-2020")
    ProcedureDocument.objects.filter(pk=notice.pk).update(originals=1, doc_type=birth_notice)
    ProcedureDocument.objects.filter(pk=card.pk).update(originals=0, copies=1, doc_type=id_card)
    birth.result_type = birth_certificate
    birth.save(update_fields=["result_type"])

    extract = ProcedureFactory(
        code="2.000635",
        name_vi="Cấp bản sao trích lục hộ tịch",
        name_en="Copy of a civil status extract",
        processing_days=1,
        online_level=OnlineLevel.FULL,
        documents=["Tờ khai cấp bản sao trích lục hộ tịch", "Căn cước công dân"],
    )
    form, extract_card = extract.documents.order_by("position")
    ProcedureDocument.objects.filter(pk=extract_card.pk).update(
        originals=0, copies=1, doc_type=id_card
    )
    for procedure in (birth, extract):
        UnitProcedure.objects.create(unit=commune, procedure=procedure)
    return {
        "birth": birth,
        "extract": extract,
        "declaration": declaration,
        "notice": notice,
        "card": card,
        "extract_form": form,
        "extract_card": extract_card,
        "id_card": id_card,
        "birth_certificate": birth_certificate,
    }


@pytest.fixture
def office(live_server, settings, tmp_path, monkeypatch, desk_officer, specialist, leader):
    settings.SITE_URL = live_server.url  # the messages' links lead to the server under test
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # Playwright's sync API runs an event loop in this thread; the checks between the
    # steps read the database here, outside of it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    desk_officer.first_name, desk_officer.last_name = "Lan", "Trần Thị"
    desk_officer.save(update_fields=["first_name", "last_name"])
    return {"desk": desk_officer, "specialist": specialist, "leader": leader}


def sent(template: str, code: str | None = None) -> list[memory.SentMessage]:
    return [
        m
        for m in memory.outbox
        if m.template_key == template and (code is None or m.subject_ref == f"dossier:{code}")
    ]


def fits(page, name: str) -> None:
    """Nothing wider than the phone's screen; a screenshot of the whole page."""
    page.screenshot(path=f"/tmp/e2e-online-{name}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: {page.url} is {width}px wide on a phone"


def desk_login(browser, base: str, username: str):
    page = browser.new_context(viewport=DESKTOP, locale="vi-VN").new_page()
    page.goto(base + "/desk/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/desk/$"))
    return page


def act(page, action: str, fields: dict[str, str] | None = None, ticks: tuple[str, ...] = ()):
    """Open an action's box on the desk's dossier page, fill it, tick boxes, submit, wait
    for the answer."""
    from playwright.sync_api import expect

    box = page.locator(f"details.act-{action}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for selector, value in (fields or {}).items():
        box.locator(selector).fill(value)
    for selector in ticks:
        box.locator(selector).check()
    box.locator("button[type=submit]").click()
    expect(page.locator(".msg-success")).to_contain_text(str(Action(action).label))


def row_of(page, document: ProcedureDocument):
    return page.locator(f"#doc-{document.pk}-row")


def test_a_citizen_submits_online_supplements_rates_and_reuses_a_paper(
    catalogue, office, live_server, commune, chromium
):
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    c = catalogue

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            me = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True).new_page()

            # 1. Sign up with a phone number, the code from the SMS, sign in. ---------------
            me.goto(base + "/")
            me.locator(".account-menu").get_by_role("link", name="Hồ sơ của tôi").click()
            me.wait_for_url(re.compile(r"/account/login/\?next="))
            me.get_by_role("link", name="Đăng ký", exact=True).last.click()
            me.wait_for_url(re.compile(r"/account/signup/$"))
            me.get_by_label("Họ và tên").fill(CITIZEN_NAME)
            me.get_by_label("Số điện thoại di động").fill(PHONE_NUMBER)
            me.get_by_label("Số định danh cá nhân (CCCD)").fill(ID_NUMBER)
            me.get_by_label(re.compile(r"^Mật khẩu")).fill(CITIZEN_PASSWORD)
            me.get_by_label("Nhập lại mật khẩu").fill(CITIZEN_PASSWORD)
            fits(me, "01-signup")
            me.get_by_role("button", name="Đăng ký").click()
            me.wait_for_url(re.compile(r"/account/verify/$"))
            expect(me.locator("main")).to_contain_text("0903***789")

            (code_sms,) = sent(TemplateKey.ACCOUNT_CODE)
            # The SMS gateway takes the number in international form.
            assert (code_sms.channel, code_sms.recipient) == ("sms", "84903456789")
            one_time_code = re.search(r"\b(\d{6})\b", code_sms.body).group(1)
            me.get_by_label("Mã xác nhận").fill(one_time_code)
            fits(me, "02-verify")
            me.get_by_role("button", name="Xác nhận").click()
            me.wait_for_url(re.compile(r"/account/dossiers/$"))
            account = User.objects.get(is_citizen=True)
            assert account.phone_verified_at is not None
            assert account.id_number == ID_NUMBER and account.id_verified_at is None
            assert not account.is_staff and account.unit is None

            me.get_by_role("button", name="Đăng xuất").click()
            me.wait_for_url(re.compile(r"/account/login/$"))
            me.get_by_label("Số điện thoại hoặc thư điện tử").fill(PHONE_NUMBER)
            me.get_by_label(re.compile(r"^Mật khẩu")).fill(CITIZEN_PASSWORD)
            me.get_by_role("button", name="Đăng nhập").click()
            me.wait_for_url(re.compile(r"/account/dossiers/$"))
            expect(me.locator(".account-menu")).to_contain_text("Đăng xuất")

            # 2. Find the procedure (no accents typed), draft, continue, submit. ------------
            me.goto(base + "/")
            me.get_by_label("Tìm thủ tục").fill("dang ky khai sinh")
            me.get_by_role("button", name="Tìm kiếm").click()
            me.wait_for_url(re.compile(r"/search/\?q=dang"))
            results = me.locator("ol.results a")
            expect(results).to_have_count(1)
            expect(results.first).to_have_text("Đăng ký khai sinh")
            fits(me, "03-search")
            results.first.click()
            me.wait_for_url(re.compile(r"/p/1\.001193"))
            expect(me.locator(".bring")).to_contain_text("Tờ khai đăng ký khai sinh (1 bản chính)")
            fits(me, "04-procedure")
            me.get_by_role("button", name="Nộp hồ sơ trực tuyến").click()
            me.wait_for_url(re.compile(r"/online/start/1\.001193/\??$"))
            # Pre-filled from the account.
            expect(me.get_by_label("Họ và tên người nộp")).to_have_value(CITIZEN_NAME)
            expect(me.get_by_label("Số định danh cá nhân / CCCD")).to_have_value(ID_NUMBER)
            expect(me.get_by_role("textbox", name="Số điện thoại")).to_have_value("0903456789")
            me.get_by_role("textbox", name="Địa chỉ", exact=True).fill("Thôn 4, xã Đạ Huoai")
            me.get_by_label("Nơi tiếp nhận hồ sơ").select_option(str(commune.pk))
            row_of(me, c["declaration"]).locator("input[type=file]").set_input_files(
                upload("to-khai-khai-sinh.pdf", pdf("to khai"))
            )
            # The wrong picture, where the birth notice belongs (the desk will notice).
            row_of(me, c["notice"]).locator("input[type=file]").set_input_files(
                upload("anh-chup-nham.png", png(10))
            )
            # Each choice sits beside its words, not a screen-wide box above them.
            counter = me.get_by_label("Nhận tại Bộ phận một cửa")
            expect(counter).to_be_checked()
            assert counter.bounding_box()["width"] < 40, counter.bounding_box()
            fits(me, "05-form")
            me.get_by_role("button", name="Lưu và hoàn thành sau").click()
            me.wait_for_url(re.compile(r"/online/drafts/$"))
            expect(me.locator(".online-messages")).to_contain_text("Đã lưu bản nháp")
            fits(me, "06-drafts")

            me.get_by_role("link", name="Tiếp tục").click()
            me.wait_for_url(re.compile(r"/online/drafts/\d+/$"))
            expect(row_of(me, c["declaration"]).locator(".files")).to_contain_text(
                "to-khai-khai-sinh.pdf"
            )
            expect(row_of(me, c["notice"]).locator(".files")).to_contain_text("anh-chup-nham.png")
            expect(me.get_by_label("Nơi tiếp nhận hồ sơ")).to_have_value(str(commune.pk))
            # A text file named .pdf is refused by content, clearly, and nothing is sent.
            row_of(me, c["card"]).locator("input[type=file]").set_input_files(
                upload("cccd.pdf", b"just some text, not a scan")
            )
            me.get_by_role("button", name="Gửi hồ sơ").click()
            expect(row_of(me, c["card"]).locator(".error")).to_contain_text(
                "không phải PDF, JPEG hoặc PNG"
            )
            fits(me, "07-bad-upload")
            assert not Dossier.objects.exists()
            row_of(me, c["card"]).locator("input[type=file]").set_input_files(
                upload("cccd.pdf", pdf("can cuoc cong dan"))
            )
            me.get_by_role("button", name="Gửi hồ sơ").click()
            me.wait_for_url(re.compile(r"/account/dossiers/[^/]+/$"))
            code = re.search(r"/account/dossiers/([^/]+)/$", me.url).group(1)
            expect(me.locator(".online-messages")).to_contain_text(f"Đã gửi hồ sơ {code}")
            expect(me.locator(".status strong")).to_contain_text("Đã nộp trực tuyến")
            expect(me.locator(".timeline")).to_contain_text(
                "Ông/bà đã nộp hồ sơ trực tuyến tới Xã Đạ Huoai"
            )
            # The confirmation is at the top of the page, not under the whole dossier.
            above = me.locator(".online-messages").bounding_box()["y"]
            assert above < me.locator("#dossier-code").bounding_box()["y"]
            fits(me, "08-submitted")

            dossier = Dossier.objects.get(code=code)
            assert dossier.status == DossierStatus.SUBMITTED_ONLINE
            assert dossier.channel == DossierChannel.ONLINE
            assert dossier.citizen_id == account.pk and dossier.receiving_unit == commune
            assert dossier.applicant_id_number == ID_NUMBER and dossier.received_at is None
            rows = {row.catalogue_document_id: row for row in dossier.documents.all()}
            assert [s.original_name for s in rows[c["notice"].pk].scans.all()] == [
                "anh-chup-nham.png"
            ]
            assert rows[c["card"].pk].scans.count() == 1
            assert sent(TemplateKey.ONLINE_SUBMITTED, code)
            assert not dossier.papers.exists()  # nothing is issued before the desk's check

            # 3. The desk asks for exactly one paper again. --------------------------------
            desk = desk_login(browser, base, office["desk"].username)
            desk.get_by_role("link", name=re.compile("Chờ kiểm tra, bổ sung")).first.click()
            desk.locator(".worklist").get_by_role("link", name=code).click()
            desk.wait_for_url(re.compile(rf"/desk/dossiers/{re.escape(code)}/$"))
            dossier_url = desk.url
            expect(desk.locator(".dhead .st")).to_have_text("Nộp trực tuyến, chờ kiểm tra")
            desk.screenshot(path="/tmp/e2e-online-desk-check.png", full_page=True)
            # The check's long button labels wrap inside the side panel.
            assert desk.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
            box = desk.locator("details.act-receive_incomplete")
            box.locator("summary").click()
            box.get_by_label("Giấy chứng sinh").check()
            box.get_by_label("Ghi chú cho công dân").fill(
                "Tệp đã gửi là ảnh khác, không phải giấy chứng sinh."
            )
            box.locator("button[type=submit]").click()
            expect(desk.locator(".msg-success")).to_contain_text(
                str(Action.RECEIVE_INCOMPLETE.label)
            )
            expect(desk.locator(".dhead .st")).to_have_text("Yêu cầu bổ sung khi tiếp nhận")
            dossier.refresh_from_db()
            assert dossier.status == DossierStatus.INCOMPLETE
            assert dossier.papers.filter(kind=PaperKind.SUPPLEMENT).count() == 1
            asked = sent(TemplateKey.SUPPLEMENT_REQUESTED, code)
            # One SMS (the account has no e-mail): one paper asked for, the note is no paper.
            assert [(m.channel, m.recipient) for m in asked] == [("sms", "84903456789")]
            assert "can bo sung 1 giay to" in asked[0].body, asked[0].body

            # The citizen sees what is asked and may upload only that paper.
            me.goto(f"{base}/account/dossiers/{code}/")
            supplement = me.locator(".online-block .supplement")
            expect(supplement).to_contain_text("Giấy chứng sinh")
            expect(supplement).to_contain_text("không phải giấy chứng sinh")
            expect(supplement.locator("input[type=file]")).to_have_count(1)
            # Told to upload it here (or bring it), not only to go to the desk.
            expect(me.locator(".next")).to_contain_text("tải lên giấy tờ còn thiếu")
            fits(me, "09-supplement-asked")
            supplement.get_by_label("Giấy chứng sinh").set_input_files(
                upload("giay-chung-sinh.pdf", pdf("giay chung sinh"))
            )
            supplement.get_by_role("button", name="Gửi giấy tờ bổ sung").click()
            expect(me.locator(".online-messages")).to_contain_text("Đã gửi giấy tờ bổ sung")
            expect(me.locator(".status strong")).to_contain_text("Đã nộp trực tuyến")
            expect(me.locator(".online-block .supplement")).to_have_count(0)
            expect(me.locator(".timeline")).to_contain_text("Ông/bà đã tải lên giấy tờ bổ sung")
            fits(me, "10-supplement-sent")
            dossier.refresh_from_db()
            assert dossier.status == DossierStatus.SUBMITTED_ONLINE
            rows = {row.catalogue_document_id: row for row in dossier.documents.all()}
            assert rows[c["notice"].pk].provided
            assert rows[c["notice"].pk].scans.count() == 2
            assert rows[c["declaration"].pk].scans.count() == 1  # the others untouched
            assert rows[c["card"].pk].scans.count() == 1

            # The desk accepts it: the clock starts now, the receipt goes to the citizen.
            desk.goto(dossier_url)
            act(desk, Action.RECEIVE)
            expect(desk.locator(".dhead .st")).to_have_text("Đã tiếp nhận")
            dossier.refresh_from_db()
            assert dossier.status == DossierStatus.RECEIVED
            assert dossier.received_at is not None and dossier.due_date is not None
            assert dossier.received_by == office["desk"]
            expect(desk.locator("#due-h time")).to_have_text(dossier.due_date.strftime("%d/%m/%Y"))
            desk.screenshot(path="/tmp/e2e-online-desk-accepted.png", full_page=True)
            receipt = dossier.papers.get(kind=PaperKind.RECEIPT)
            received = sent(TemplateKey.ONLINE_RECEIVED, code)
            assert received and all(f"/account/dossiers/{code}/" in m.body for m in received)
            account.refresh_from_db()
            assert account.id_verified_at is None  # a scan is not the person (ADR 0008)
            stored = StoredDocument.objects.filter(id_number=ID_NUMBER)
            assert set(stored.values_list("doc_type__code", flat=True)) == {
                "cccd",
                "giay-chung-sinh",
            }
            assert list(
                stored.filter(doc_type=c["id_card"]).values_list("original_name", flat=True)
            ) == ["cccd.pdf"]
            # Only the paper the desk accepted: the wrong picture it sent back is no
            # "Giấy chứng sinh" to offer the next time.
            assert list(
                stored.filter(doc_type__code="giay-chung-sinh").values_list(
                    "original_name", flat=True
                )
            ) == ["giay-chung-sinh.pdf"]

            me.goto(f"{base}/account/dossiers/{code}/")
            expect(me.locator(".status strong")).to_have_text("Đã tiếp nhận, đang chờ giải quyết")
            expect(me.locator(".facts")).to_contain_text(dossier.due_date.strftime("%d/%m/%Y"))
            receipt_link = me.get_by_role("link", name=re.compile("Tải giấy tiếp nhận hồ sơ"))
            response = me.context.request.get(base + receipt_link.get_attribute("href"))
            assert response.status == 200 and response.body().startswith(b"%PDF")
            assert f"/papers/{receipt.pk}.pdf" in receipt_link.get_attribute("href")
            fits(me, "11-accepted")

            # Processing: assign, submit, approve (services: see the docstring).
            dossier = services.assign_dossier(
                dossier, actor=office["leader"], handler=office["specialist"]
            )
            dossier = services.submit_for_approval(
                dossier, actor=office["specialist"], proposal="Đủ điều kiện đăng ký khai sinh."
            )
            dossier = services.approve_dossier(dossier, actor=office["leader"], result=RESULT)
            assert dossier.status == DossierStatus.APPROVED

            desk.goto(dossier_url)
            act(desk, Action.MARK_RESULT_READY)
            expect(desk.locator(".dhead .st")).to_have_text("Có kết quả, chờ trả")
            assert sent(TemplateKey.RESULT_READY, code)
            # Handed to the applicant in person, whose original ID card the officer checks:
            # that verifies the account's ID number (its store opens, reuse is offered).
            act(desk, Action.RETURN_RESULT, ticks=("input[name=identity_checked]",))
            expect(desk.locator(".dhead .st")).to_have_text("Đã trả kết quả")
            expect(desk.locator(".summary")).to_contain_text(f"Đã trả cho{CITIZEN_NAME}")
            desk.screenshot(path="/tmp/e2e-online-desk-returned.png", full_page=True)
            dossier.refresh_from_db()
            assert dossier.status == DossierStatus.RETURNED
            assert dossier.returned_to == CITIZEN_NAME
            account.refresh_from_db()
            assert account.id_verified_at is not None
            assert sent(TemplateKey.RETURNED, code)
            # The birth certificate issued is on file for the next dossier that needs it.
            assert stored.filter(doc_type=c["birth_certificate"], source_ref=code).exists()

            # The citizen rates it from the invitation's link.
            invitations = sent(TemplateKey.RATE_INVITATION, code)
            assert invitations, [m.template_key for m in memory.outbox]
            link = re.search(re.escape(base) + r"/rate/[\w:.\-]+", invitations[0].body).group(0)
            me.goto(link)
            expect(me.locator("h1")).to_have_text("Đánh giá mức độ hài lòng")
            expect(me.locator("main")).to_contain_text(code)
            # The same form, opened a second time (another tab, or the link tapped twice).
            again = me.context.new_page()
            again.goto(link)
            for question, level in (
                ("Nhìn chung", "Rất hài lòng"),
                ("Thời gian giải quyết", "Hài lòng"),
                ("Thái độ", "Rất hài lòng"),
                ("Thông tin, hướng dẫn", "Hài lòng"),
            ):
                me.locator("fieldset.q", has_text=question).get_by_label(level, exact=True).check()
            me.get_by_label("Ý kiến khác (nếu có)").fill("Nộp ở nhà, không phải đi lại.")
            fits(me, "12-rating")
            me.get_by_role("button", name="Gửi đánh giá").click()
            expect(me.locator(".ok-box")).to_contain_text("Cảm ơn ông/bà đã đánh giá!")
            fits(me, "13-rated")
            rating = Rating.objects.get(dossier=dossier)
            assert (rating.overall, rating.timeliness, rating.attitude, rating.clarity) == (
                5,
                4,
                5,
                4,
            )
            assert rating.comment == "Nộp ở nhà, không phải đi lại."

            # A second rating of the same dossier is refused, saying why.
            for question in ("Nhìn chung", "Thời gian giải quyết", "Thái độ", "Thông tin"):
                again.locator("fieldset.q", has_text=question).get_by_label(
                    "Rất không hài lòng", exact=True
                ).check()
            with again.expect_response(lambda r: r.request.method == "POST") as answer:
                again.get_by_role("button", name="Gửi đánh giá").click()
            assert answer.value.status == 409
            refusal = again.locator(".notice[role=alert]")
            expect(refusal).to_contain_text(
                "Đánh giá vừa gửi không được ghi nhận: hồ sơ này đã được đánh giá trước đó."
            )
            expect(refusal).to_contain_text("Mỗi hồ sơ chỉ được đánh giá một lần.")
            again.screenshot(path="/tmp/e2e-online-14-rated-twice.png", full_page=True)
            again.close()
            assert Rating.objects.filter(dossier=dossier).count() == 1
            assert Rating.objects.get(dossier=dossier).overall == 5  # the first one stays
            # The account's dossier page no longer offers to rate it.
            me.goto(f"{base}/account/dossiers/{code}/")
            expect(me.locator(".fb-links")).to_contain_text("Ông/bà đã đánh giá hồ sơ này")
            expect(me.locator(".fb-links a.rate")).to_have_count(0)

            # 4. A second procedure asks for the ID card: reused from the store. ------------
            scans_before = StoredDocument.objects.count()
            me.goto(base + "/")
            me.get_by_label("Tìm thủ tục").fill("trich luc ho tich")
            me.get_by_role("button", name="Tìm kiếm").click()
            me.locator("ol.results a", has_text="Cấp bản sao trích lục hộ tịch").click()
            me.wait_for_url(re.compile(r"/p/2\.000635"))
            me.get_by_role("button", name="Nộp hồ sơ trực tuyến").click()
            me.wait_for_url(re.compile(r"/online/start/2\.000635/\??$"))
            me.get_by_label("Nơi tiếp nhận hồ sơ").select_option(str(commune.pk))
            me.get_by_role("textbox", name="Địa chỉ", exact=True).fill("Thôn 4, xã Đạ Huoai")
            row_of(me, c["extract_form"]).locator("input[type=file]").set_input_files(
                upload("to-khai-trich-luc.pdf", pdf("to khai trich luc"))
            )
            card_row = row_of(me, c["extract_card"])
            offer = card_row.get_by_label(re.compile("Đã có trong kho giấy tờ của bạn"))
            expect(offer).to_have_count(1)
            expect(offer).to_be_visible()
            fits(me, "15-reuse-offer")
            offer.check()
            me.get_by_role("button", name="Gửi hồ sơ").click()
            me.wait_for_url(re.compile(r"/account/dossiers/[^/]+/$"))
            second_code = re.search(r"/account/dossiers/([^/]+)/$", me.url).group(1)
            assert second_code != code
            expect(me.locator(".online-messages")).to_contain_text(f"Đã gửi hồ sơ {second_code}")
            expect(me.locator("ul.docs")).to_contain_text("dùng lại giấy tờ đã lưu")
            fits(me, "16-reused")

            second = Dossier.objects.get(code=second_code)
            assert second.procedure == c["extract"]
            assert second.status == DossierStatus.SUBMITTED_ONLINE
            card_copy = DossierDocument.objects.get(
                dossier=second, catalogue_document=c["extract_card"]
            )
            card_on_file = StoredDocument.objects.get(id_number=ID_NUMBER, doc_type=c["id_card"])
            assert card_copy.reused_from == card_on_file
            assert card_copy.reuse_consent_at is not None
            assert card_copy.reuse_consent_by == account
            assert card_copy.provided and not card_copy.scans.exists()  # no new scan
            form_copy = DossierDocument.objects.get(
                dossier=second, catalogue_document=c["extract_form"]
            )
            assert [s.original_name for s in form_copy.scans.all()] == ["to-khai-trich-luc.pdf"]
            assert StoredDocument.objects.count() == scans_before  # nothing stored twice

            # The desk sees the paper already on file.
            desk.goto(f"{base}/desk/dossiers/{second_code}/")
            expect(desk.locator(".tag-reused")).to_have_count(1)
            expect(desk.locator("main")).to_contain_text(f"từ hồ sơ {code}")
            desk.screenshot(path="/tmp/e2e-online-desk-reused.png", full_page=True)
        finally:
            browser.close()
            # Queries inside the block ran in Playwright's greenlet, on a connection of
            # its own: close it, or PostgreSQL cannot drop the test database.
            connections.close_all()

    assert [e.action for e in Dossier.objects.get(code=code).events.order_by("pk")] == [
        Action.SUBMIT_ONLINE,
        Action.RECEIVE_INCOMPLETE,
        Action.SUPPLEMENT_ONLINE,
        Action.RECEIVE,
        Action.ASSIGN,
        Action.SUBMIT_FOR_APPROVAL,
        Action.APPROVE,
        Action.MARK_RESULT_READY,
        Action.RETURN_RESULT,
    ]
