"""A desk officer receives a dossier with the keyboard: headless Chromium (Debian's) on a
1366×768 counter screen, then the same pages at tablet width.

Runs against Django's live server. It never skips: a machine without Chromium fails with a
message saying what to install. Screenshots go to /tmp/desk-*.png.
"""

import datetime as dt
import re
import shutil

import pytest
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, DossierStatus, PaperKind
from portal.models import Role
from tests.factories import UserFactory

from .conftest import all_documents, applicant

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}
PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def chromium_path() -> str:
    path = shutil.which("chromium")
    if not path:
        pytest.fail(
            "Debian's Chromium is needed for the browser tests and was not found on PATH: "
            "apt-get install chromium"
        )
    return path


@pytest.fixture
def desk(transactional_db, commune, three_day_procedure, settings, tmp_path):
    """A desk officer with a morning's work already in the lists."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    officer = UserFactory(
        username="lan",
        first_name="Lan",
        last_name="Trần Thị",
        role=Role.DESK_OFFICER,
        unit=commune,
    )
    leader = UserFactory(username="leader", role=Role.LEADER, unit=commune)
    specialist = UserFactory(
        username="minh", first_name="Minh", last_name="Lê Văn", role=Role.SPECIALIST, unit=commune
    )
    now = timezone.now()
    names = ["Phạm Văn Bình", "Hoàng Thị Cúc", "Đỗ Minh Đức", "Vũ Thị Hạnh", "Ngô Văn Khoa"]
    for index, name in enumerate(names):
        # Some received long ago (late now), some today.
        when = now - dt.timedelta(days=12 if index < 2 else 0, minutes=index)
        dossier = services.receive_dossier(
            actor=officer,
            procedure=three_day_procedure,
            applicant=applicant(name=name, phone=f"09871234{index:02d}"),
            documents=all_documents(three_day_procedure),
            now=when,
        )
        if index % 2 == 0:
            services.assign_dossier(dossier, actor=leader, handler=specialist, now=when)
    return officer


def launch(playwright, chromium_path):
    return playwright.chromium.launch(
        executable_path=chromium_path,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "document.scrollingElement.scrollWidth <= document.documentElement.clientWidth + 1"
    )


def test_desk_officer_receives_a_dossier_with_the_keyboard(
    live_server, desk, three_day_procedure, chromium_path, tmp_path
):
    from playwright.sync_api import expect, sync_playwright

    scan = tmp_path / "to-khai.pdf"
    scan.write_bytes(PDF)
    # Read before the browser starts: Playwright runs an event loop in this thread, where
    # Django refuses database access.
    documents = list(three_day_procedure.documents.all())

    with sync_playwright() as playwright:
        browser = launch(playwright, chromium_path)
        try:
            context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
            page = context.new_page()

            # Log in: the workspace sends an anonymous visitor to its login page.
            page.goto(live_server.url + "/desk/")
            assert "/desk/login/" in page.url
            page.get_by_label("Tên đăng nhập").focus()
            page.keyboard.type("lan")
            page.keyboard.press("Tab")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"/desk/$"))
            expect(page.locator(".who-name")).to_have_text("Trần Thị Lan")
            expect(page.locator(".who-unit")).to_contain_text("Cán bộ một cửa")
            expect(page.locator(".who-unit")).to_contain_text("Xã Đạ Huoai")
            expect(page.locator(".lists a[aria-current=page]")).to_contain_text("Tiếp nhận hôm nay")
            assert no_sideways_scroll(page)
            page.screenshot(path="/tmp/desk-worklist.png")

            page.get_by_role("link", name="Quá hạn").click()
            expect(page.locator(".worklist tbody tr")).to_have_count(2)
            expect(page.locator(".badge.b-late").first).to_be_visible()
            page.screenshot(path="/tmp/desk-overdue.png")

            # Step 1: the procedure, typed without accents; arrow down and Enter.
            started = timezone.now()
            page.get_by_role("link", name="Tiếp nhận hồ sơ").focus()
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"/desk/receive/$"))
            assert focused_id(page) == "id_q"
            with page.expect_response(lambda r: "q=dang%20ky%20ket%20hon" in r.url):
                page.keyboard.type("dang ky ket hon")
            expect(page.locator("#procedure-results a").first).to_contain_text("Đăng ký kết hôn")
            page.screenshot(path="/tmp/desk-receive-pick.png")
            page.keyboard.press("ArrowDown")
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"procedure=1\.000894"))

            # Step 2: the applicant, field after field with Tab.
            assert focused_id(page) == "id_applicant_name"
            for value, next_id in [
                ("Nguyễn Thị Mai", "id_applicant_id_number"),
                ("079187654321", "id_applicant_phone"),
                ("0905 111 222", "id_applicant_email"),
                ("mai@example.vn", "id_applicant_address"),
                ("Thôn 3, xã Đạ Huoai", "id_organisation_name"),
            ]:
                page.keyboard.type(value)
                page.keyboard.press("Tab")
                assert focused_id(page) == next_id
            # Language, notification channels (both ticked), competent unit (own unit by
            # default), channel, delivery: as they are.
            for next_id in (
                "id_language",
                "id_notify_channels_0",
                "id_notify_channels_1",
                "id_competent_unit",
                "id_channel",
                "id_result_delivery",
            ):
                page.keyboard.press("Tab")
                assert focused_id(page) == next_id
            page.keyboard.press("Tab")
            # The checklist: Space ticks a document; originals and copies are prefilled.
            for document in documents:
                assert focused_id(page) == f"id_doc-{document.pk}-provided"
                page.keyboard.press("Space")
                page.keyboard.press("Tab")
                assert page.input_value(f"#id_doc-{document.pk}-originals") == "1"
                page.keyboard.press("Tab")
                page.keyboard.press("Tab")
                assert focused_id(page) == f"id_doc-{document.pk}-scans"
                page.keyboard.press("Tab")
            assert focused_id(page) == "id_note"
            expect(page.locator("#missing-live")).to_be_hidden()
            # A file chooser is not a keyboard thing: the scan is attached directly.
            page.set_input_files(f"#id_doc-{documents[0].pk}-scans", str(scan))
            page.screenshot(path="/tmp/desk-receive-form.png", full_page=True)
            page.focus("#id_note")
            page.keyboard.press("Tab")
            expect(page.locator(":focus")).to_have_text("Tiếp nhận")
            page.keyboard.press("Enter")

            # The dossier page: the message, the code, the receipt to print.
            page.wait_for_url(re.compile(r"/desk/dossiers/[^/]+/$"))
            elapsed = (timezone.now() - started).total_seconds()
            assert elapsed < 60
            code = re.search(r"/desk/dossiers/([^/]+)/$", page.url).group(1)
            expect(page.locator(".msg-success")).to_contain_text(f"Đã tiếp nhận hồ sơ {code}")
            expect(page.get_by_role("heading", level=1)).to_contain_text(code)
            print_link = page.get_by_role("link", name="In giấy tiếp nhận")
            receipt_href = print_link.get_attribute("href")
            assert re.fullmatch(rf"/desk/dossiers/{re.escape(code)}/papers/\d+\.pdf", receipt_href)
            expect(page.get_by_text("Vì sao là ngày này?")).to_be_visible()
            expect(page.locator(".timeline li")).to_have_count(1)
            expect(page.get_by_role("link", name="to-khai.pdf")).to_be_visible()
            assert no_sideways_scroll(page)
            page.screenshot(path="/tmp/desk-dossier.png", full_page=True)

            # The receipt prints (a PDF).
            pdf = page.request.get(live_server.url + receipt_href)
            assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
            # The scan opens for this officer.
            scan_href = page.get_by_role("link", name="to-khai.pdf").get_attribute("href")
            response = page.request.get(live_server.url + scan_href)
            assert response.status == 200 and response.body() == PDF

            # Tablet width: the same pages, no sideways scrolling.
            page.set_viewport_size(TABLET)
            page.reload()
            assert no_sideways_scroll(page)
            page.screenshot(path="/tmp/desk-dossier-tablet.png", full_page=True)
            page.goto(live_server.url + "/desk/receive/?procedure=1.000894")
            assert no_sideways_scroll(page)
            page.screenshot(path="/tmp/desk-receive-tablet.png", full_page=True)
            page.goto(live_server.url + "/desk/?list=all")
            page.screenshot(path="/tmp/desk-worklist-tablet.png")
        finally:
            browser.close()

    # The database, once the browser (and its event loop) is gone.
    dossier = Dossier.objects.get(code=code)
    assert dossier.applicant_name == "Nguyễn Thị Mai"
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.documents.filter(scans__isnull=False).count() == 1
    receipt = dossier.papers.get(kind=PaperKind.RECEIPT)
    assert receipt_href == f"/desk/dossiers/{code}/papers/{receipt.pk}.pdf"


def test_reception_works_without_javascript(live_server, desk, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright, chromium_path)
        try:
            context = browser.new_context(
                viewport=DESKTOP, locale="vi-VN", java_script_enabled=False
            )
            page = context.new_page()
            page.goto(live_server.url + "/desk/login/")
            page.get_by_label("Tên đăng nhập").fill("lan")
            page.get_by_label("Mật khẩu").fill(PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.goto(live_server.url + "/desk/receive/")
            page.get_by_label(re.compile("Tìm thủ tục")).fill("ket hon")
            page.keyboard.press("Enter")
            page.wait_for_url(re.compile(r"q=ket\+hon"))
            page.locator("#procedure-results a").first.click()
            page.get_by_label("Họ và tên người nộp").fill("Trịnh Văn Long")
            page.get_by_label("Số định danh cá nhân / CCCD").fill("12")
            page.get_by_role("button", name="Từ chối").click()
            # Refused by the service: errors next to the fields, what was typed kept.
            expect(page.locator(".alert")).to_contain_text("Thông tin người nộp chưa hợp lệ.")
            expect(page.locator(".has-error .err").first).to_be_visible()
            expect(page.get_by_label("Họ và tên người nộp")).to_have_value("Trịnh Văn Long")
            page.screenshot(path="/tmp/desk-receive-error.png", full_page=True)
        finally:
            browser.close()
    assert not Dossier.objects.filter(applicant_name="Trịnh Văn Long").exists()
