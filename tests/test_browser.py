"""A citizen's phone opens a procedure page: headless Chromium (Debian's) at 360 px wide.

Runs against Django's live server. It never skips: a machine without Chromium fails with
a message saying what to install (CI installs it, see .ci/run).
"""

import shutil
from pathlib import Path

import pytest
from django.conf import settings

from procedures.catalogue import import_catalogue
from procedures.models import Procedure, UnitProcedure
from tests.factories import UnitFactory

pytestmark = pytest.mark.browser

SAMPLE_CATALOGUE = Path(settings.BASE_DIR) / "demo" / "sample-catalogue.json"
PHONE = {"width": 360, "height": 740}


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
def catalogue(transactional_db):
    import_catalogue(SAMPLE_CATALOGUE.read_bytes())
    commune = UnitFactory(
        code="000.00.23.H56",
        name_vi="Xã Đạ Huoai",
        name_en="Da Huoai Commune",
        address_vi="Thôn 1, xã Đạ Huoai",
        phone="0263 3874 123",
    )
    UnitProcedure.objects.create(
        unit=commune,
        procedure=Procedure.objects.get(code="1.000894"),
        counter_vi="Quầy số 2",
        counter_en="Counter 2",
    )
    return commune


def test_procedure_page_on_a_phone(live_server, catalogue, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    url = f"{live_server.url}/p/1.000894?unit={catalogue.code}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            context = browser.new_context(viewport=PHONE, locale="vi-VN", java_script_enabled=False)
            page = context.new_page()
            response = page.goto(url)
            assert response is not None and response.status == 200

            expect(page.locator("html")).to_have_attribute("lang", "vi")
            expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký kết hôn")
            expect(page.get_by_role("heading", name="Giấy tờ cần mang")).to_be_visible()
            expect(page.get_by_role("heading", name="Các bước thực hiện")).to_be_visible()
            expect(page.get_by_text("Thời hạn giải quyết")).to_be_visible()
            expect(page.get_by_text("Quầy số 2")).to_be_visible()
            # Readable on a phone: nothing wider than the screen, body text at least 16 px.
            assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
            font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
            assert font_size >= 16
            qr = page.get_by_role("img", name="Mã QR dẫn tới thủ tục 1.000894")
            expect(qr).to_be_visible()
            assert page.evaluate("document.querySelector('.share img').naturalWidth") > 0
            page.screenshot(path="/tmp/motcua-browser-procedure-vi.png", full_page=True)

            # The language switch is a plain link: no JavaScript needed.
            page.get_by_role("link", name="English").click()
            page.wait_for_load_state()

            assert page.url == url
            expect(page.locator("html")).to_have_attribute("lang", "en")
            expect(page.get_by_role("heading", level=1)).to_have_text("Marriage registration")
            expect(page.get_by_role("heading", name="Documents to bring")).to_be_visible()
            expect(page.get_by_text("Counter 2")).to_be_visible()
            assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
            page.screenshot(path="/tmp/motcua-browser-procedure-en.png", full_page=True)

            # And back to Vietnamese.
            page.get_by_role("link", name="Tiếng Việt").click()
            page.wait_for_load_state()
            expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký kết hôn")
        finally:
            browser.close()


def test_search_from_home_on_a_phone(live_server, catalogue, chromium_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            context = browser.new_context(viewport=PHONE, locale="vi-VN", java_script_enabled=False)
            page = context.new_page()
            page.goto(live_server.url + "/")
            assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]

            page.get_by_label("Tìm thủ tục").fill("dang ky ket hon")
            page.get_by_role("button", name="Tìm kiếm").click()
            page.wait_for_load_state()

            first = page.locator(".results li a").first
            expect(first).to_have_text("Đăng ký kết hôn")
            assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
            page.screenshot(path="/tmp/motcua-browser-search-vi.png", full_page=True)
            first.click()
            page.wait_for_load_state()
            expect(page.get_by_role("heading", level=1)).to_have_text("Đăng ký kết hôn")
        finally:
            browser.close()
