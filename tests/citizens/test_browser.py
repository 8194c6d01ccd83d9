"""A citizen on a small phone, in a real browser (Debian's headless Chromium) against the
live server: signs up, types the code from the SMS, finds the dossier handed in at the
desk under their phone number in "My dossiers", opens it; a wrong password five times
locks the account. Screenshots go to /tmp/citizen-*.png."""

from __future__ import annotations

import re
import shutil

import pytest
from django.db import connections

from tests.dossiers.conftest import applicant, receive

from .conftest import PASSWORD, last_code

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def chromium():
    path = shutil.which("chromium")
    if not path:
        pytest.fail("chromium is needed for the browser test: apt-get install chromium")
    return path


def _fits(page) -> None:
    """Nothing wider than the phone's screen."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def test_a_citizen_signs_up_and_finds_their_desk_dossier(
    transactional_db, live_server, monkeypatch, chromium, procedure, desk_officer
):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    dossier = receive(procedure, desk_officer, applicant=applicant(phone="0987 654 321"))
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            page = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()
            page.goto(base + "/account/dossiers/")
            page.wait_for_url(re.compile(r"/account/login/\?next="))
            page.get_by_role("link", name="Đăng ký", exact=True).first.click()
            page.wait_for_url(re.compile(r"/account/signup/$"))
            page.get_by_label("Họ và tên").fill("Trần Thị Bình")
            page.get_by_label("Số điện thoại di động").fill("0987 654 321")
            page.get_by_label(re.compile(r"^Mật khẩu")).fill(PASSWORD)
            page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
            _fits(page)
            page.screenshot(path="/tmp/citizen-signup.png", full_page=True)
            page.get_by_role("button", name="Đăng ký").click()
            page.wait_for_url(re.compile(r"/account/verify/$"))
            expect(page.locator("main")).to_contain_text("0987***321")

            page.get_by_label("Mã xác nhận").fill("000000" if last_code() != "000000" else "111111")
            page.get_by_role("button", name="Xác nhận").click()
            expect(page.locator(".error")).to_contain_text("Mã không đúng")
            page.get_by_label("Mã xác nhận").fill(last_code())
            page.get_by_role("button", name="Xác nhận").click()
            page.wait_for_url(re.compile(r"/account/dossiers/$"))
            expect(page.locator(".my-dossiers")).to_contain_text(dossier.code)
            _fits(page)
            page.screenshot(path="/tmp/citizen-dossiers.png", full_page=True)

            page.get_by_role("link", name="Đăng ký kết hôn").click()
            page.wait_for_url(re.compile(rf"/account/dossiers/{re.escape(dossier.code)}/$"))
            expect(page.locator("main")).to_contain_text("Quá trình giải quyết")
            expect(page.locator("main")).to_contain_text("Giấy tiếp nhận hồ sơ")
            _fits(page)
            page.screenshot(path="/tmp/citizen-dossier.png", full_page=True)

            page.get_by_role("button", name="Đăng xuất").click()
            page.wait_for_url(re.compile(r"/account/login/$"))
            for _ in range(5):
                page.get_by_label("Số điện thoại hoặc thư điện tử").fill("0987654321")
                page.get_by_label(re.compile(r"^Mật khẩu")).fill("sai mat khau")
                page.get_by_role("button", name="Đăng nhập").click()
                page.wait_for_load_state()
            expect(page.locator("h1")).to_contain_text("tạm bị khoá")
            page.screenshot(path="/tmp/citizen-locked.png", full_page=True)
        finally:
            browser.close()
            # DJANGO_ALLOW_ASYNC_UNSAFE gave Playwright's thread a database connection of
            # its own: close it, or PostgreSQL cannot drop the test database.
            connections.close_all()
