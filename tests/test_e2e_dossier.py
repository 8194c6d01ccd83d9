"""One dossier from the counter to the citizen's hands, in a real browser (Debian's headless
Chromium) against Django's live server.

A desk officer receives it and prints the receipt; the citizen is sent the tracking link; a
specialist asks for a supplement (the clock pauses) which the desk receives (the clock
resumes, the due date moves by the paused working days); the specialist submits it, the
leader approves, the desk marks the result ready and returns it. Between the steps the
citizen follows it on /track, and every paper's QR code, decoded from the printed PDF,
opens its verification page.

Each person has a browser context of their own. The test never skips: a machine without
Chromium, pdftoppm or zxing-cpp fails with a message saying what to install. Screenshots
go to /tmp/e2e-*.png.
"""

import datetime as dt
import re
import shutil
import subprocess

import pytest
from django.db import connections
from django.utils import timezone

from dossiers.models import Dossier, DossierStatus, PaperKind
from dossiers.services import calendar_for
from dossiers.workflow import Action
from notifications.backends import memory
from notifications.models import TemplateKey

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "correct horse battery staple"
SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PHONE_NUMBER = "0905 111 222"
MISSING = "Bản sao giấy khai sinh của bên nữ"
RESULT = "Giấy chứng nhận kết hôn số 12/2026"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _tool(name: str, install: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is needed for the end-to-end test and was not found: {install}")
    return path


@pytest.fixture
def tools():
    try:
        import zxingcpp  # noqa: F401
    except ImportError:
        pytest.fail("zxing-cpp decodes the papers' QR codes: pip install -r requirements-dev.txt")
    return {
        "chromium": _tool("chromium", "apt-get install chromium"),
        "pdftoppm": _tool("pdftoppm", "apt-get install poppler-utils"),
    }


@pytest.fixture
def office(
    transactional_db,
    live_server,
    settings,
    tmp_path,
    monkeypatch,
    commune,
    desk_officer,
    specialist,
    leader,
    procedure,
):
    """The commune's desk, its people, and links that lead to the live server."""
    assert procedure.processing_days == 3 and procedure.code == "1.000894"
    # Papers and messages carry absolute links: make them point at the server under test.
    settings.SITE_URL = live_server.url
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    # Playwright's sync API runs an event loop in this thread; the checks between the
    # steps read the database here, outside of it.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for user, (first, last) in {
        desk_officer: ("Lan", "Trần Thị"),
        specialist: ("Minh", "Lê Văn"),
        leader: ("Hùng", "Phạm Quốc"),
    }.items():
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return {"desk": desk_officer, "specialist": specialist, "leader": leader}


def log_in(browser, base: str, username: str):
    context = browser.new_context(viewport=DESKTOP, locale="vi-VN")
    page = context.new_page()
    page.goto(base + "/desk/login/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url(re.compile(r"/desk/$"))
    return page


def act(page, action: str, fields: dict[str, str] | None = None):
    """Open an action's box on the dossier page, fill it, submit, and wait for the answer."""
    from playwright.sync_api import expect

    box = page.locator(f"details.act-{action}")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    for selector, value in (fields or {}).items():
        box.locator(selector).fill(value)
    box.locator("button[type=submit]").click()
    expect(page.locator(".msg-success")).to_contain_text(str(Action(action).label))


def track(page, base: str, code: str, expected_status: str, shot: str):
    """The citizen opens /track?code=… (as from the receipt or the message), types the
    phone number and reads the status in plain words."""
    from playwright.sync_api import expect

    page.goto(f"{base}/track?code={code}")
    expect(page.get_by_label("Mã hồ sơ")).to_have_value(code)
    page.get_by_label("Số điện thoại hoặc số định danh (CCCD)").fill(PHONE_NUMBER)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("#dossier-code")).to_have_text(code)
    expect(page.locator(".status strong")).to_have_text(expected_status)
    page.screenshot(path=f"/tmp/e2e-track-{shot}.png", full_page=True)
    return page


def decode_qr(pdf: bytes, folder, name: str, pdftoppm: str) -> str:
    import zxingcpp
    from PIL import Image

    source = folder / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", "150", "-png", "-f", "1", "-l", "1", str(source), str(folder / name)],
        check=True,
        timeout=60,
    )
    (png,) = sorted(folder.glob(f"{name}-*.png"))
    with Image.open(png) as image:
        results = zxingcpp.read_barcodes(image)
    texts = [r.text for r in results if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(texts) == 1, f"{name}: expected one QR code, found {texts}"
    return texts[0]


def messages_for(code: str, template: str) -> list[memory.SentMessage]:
    return [
        m
        for m in memory.outbox
        if m.subject_ref == f"dossier:{code}" and m.template_key == template
    ]


def test_a_dossier_from_the_counter_to_the_citizen(office, live_server, procedure, tools, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    base = live_server.url
    scan = tmp_path / "to-khai-ket-hon.pdf"
    scan.write_bytes(SCAN)
    documents = list(procedure.documents.all())
    papers_dir = tmp_path / "papers"
    papers_dir.mkdir()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=tools["chromium"], args=BROWSER_ARGS)
        try:
            citizen = browser.new_context(viewport=PHONE, locale="vi-VN").new_page()

            # 1. The desk receives the dossier: procedure typed without accents, the
            # applicant, the checklist ticked, a scan attached, "Tiếp nhận".
            desk = log_in(browser, base, office["desk"].username)
            desk.get_by_role("link", name="Tiếp nhận hồ sơ").click()
            desk.wait_for_url(re.compile(r"/desk/receive/$"))
            with desk.expect_response(lambda r: "q=dang%20ky%20ket%20hon" in r.url):
                desk.get_by_label(re.compile("Tìm thủ tục")).fill("dang ky ket hon")
            results = desk.locator("#procedure-results a")
            expect(results.first).to_contain_text("Đăng ký kết hôn")
            results.first.click()
            desk.wait_for_url(re.compile(r"procedure=1\.000894"))
            desk.get_by_label("Họ và tên người nộp").fill("Nguyễn Thị Mai")
            desk.get_by_label("Số định danh cá nhân / CCCD").fill("079187654321")
            desk.get_by_role("textbox", name="Số điện thoại").fill(PHONE_NUMBER)
            desk.get_by_role("textbox", name="Thư điện tử").fill("mai@example.vn")
            desk.get_by_role("textbox", name="Địa chỉ", exact=True).fill("Thôn 3, xã Đạ Huoai")
            for document in documents:
                desk.check(f"#id_doc-{document.pk}-provided")
            expect(desk.locator("#missing-live")).to_be_hidden()
            desk.set_input_files(f"#id_doc-{documents[0].pk}-scans", str(scan))
            desk.screenshot(path="/tmp/e2e-receive-form.png", full_page=True)
            desk.get_by_role("button", name="Tiếp nhận", exact=True).click()

            desk.wait_for_url(re.compile(r"/desk/dossiers/[^/]+/$"))
            code = re.search(r"/desk/dossiers/([^/]+)/$", desk.url).group(1)
            assert re.fullmatch(r"000\.00\.23\.H56-\d{6}-\d{4}", code)
            dossier_url = desk.url
            expect(desk.locator(".msg-success")).to_contain_text(f"Đã tiếp nhận hồ sơ {code}")
            expect(desk.locator(".dhead .st")).to_have_text("Đã tiếp nhận")
            expect(desk.get_by_role("link", name="to-khai-ket-hon.pdf")).to_be_visible()
            desk.screenshot(path="/tmp/e2e-received.png", full_page=True)

            # The receipt prints.
            receipt_href = desk.get_by_role("link", name="In giấy tiếp nhận").get_attribute("href")
            receipt = desk.context.request.get(base + receipt_href)
            assert receipt.status == 200
            assert receipt.headers["content-type"] == "application/pdf"
            assert receipt.body().startswith(b"%PDF")

            # The citizen was sent the tracking link, on each channel chosen (SMS, e-mail).
            tracking_link = f"{base}/track?code={code}"
            received = messages_for(code, TemplateKey.DOSSIER_RECEIVED)
            assert {m.channel for m in received} == {"sms", "email"}
            assert all(tracking_link in m.body for m in received), [m.body for m in received]

            dossier = Dossier.objects.get(code=code)
            original_due = dossier.due_date
            assert dossier.original_due_date == original_due
            calendar = calendar_for(dossier)
            assert (
                original_due
                == calendar.due_date(dossier.received_at, working_days=3, same_day=False).due
            )

            track(citizen, base, code, "Đã tiếp nhận, đang chờ giải quyết", "1-received")
            expect(citizen.locator(".next")).to_contain_text(original_due.strftime("%d/%m/%Y"))

            # 2. The desk assigns it to the specialist, who asks for a supplement.
            desk.locator("details.act-assign summary").click()
            desk.select_option("#id_assign_handler", str(office["specialist"].pk))
            desk.locator("details.act-assign button[type=submit]").click()
            expect(desk.locator(".msg-success")).to_contain_text(str(Action.ASSIGN.label))
            expect(desk.locator(".dhead .st")).to_have_text("Đang giải quyết")

            expert = log_in(browser, base, office["specialist"].username)
            expert.locator(".worklist").get_by_role("link", name=code).click()
            expert.wait_for_url(dossier_url)
            act(expert, Action.REQUEST_SUPPLEMENT, {"#id_request_supplement_missing": MISSING})
            expect(expert.locator(".dhead .st")).to_have_text("Chờ bổ sung (tạm dừng)")
            expect(expert.locator(".note-warn")).to_contain_text(MISSING)
            expert.screenshot(path="/tmp/e2e-paused.png", full_page=True)
            supplement_href = expert.get_by_role(
                "link", name="In phiếu yêu cầu bổ sung"
            ).get_attribute("href")
            paper = expert.context.request.get(base + supplement_href)
            assert paper.status == 200 and paper.body().startswith(b"%PDF")

            asked = messages_for(code, TemplateKey.SUPPLEMENT_REQUESTED)
            assert {m.channel for m in asked} == {"sms", "email"}
            assert all(tracking_link in m.body for m in asked)
            assert any(MISSING in m.body for m in asked)

            citizen_page = track(
                citizen, base, code, "Tạm dừng: chờ ông/bà bổ sung giấy tờ", "2-paused"
            )
            expect(citizen_page.locator(".next .details")).to_contain_text(MISSING)
            expect(citizen_page.locator(".facts")).to_contain_text("Tạm dừng: chờ ông/bà bổ sung")

            # The citizen took two weeks to find the paper: the pause started fourteen days
            # ago (nothing else is changed; the clock runs for real).
            paused_on = timezone.localdate() - dt.timedelta(days=14)
            Dossier.objects.filter(code=code).update(paused_on=paused_on)
            paused = calendar.working_days_between(paused_on, timezone.localdate())
            assert paused >= 1

            # The citizen brings it to the desk: the clock resumes.
            desk.goto(dossier_url)
            act(desk, Action.RECEIVE_SUPPLEMENT)
            expect(desk.locator(".dhead .st")).to_have_text("Đang giải quyết")
            new_due = calendar.add_working_days(original_due, paused)
            expect(desk.locator("#due-h time")).to_have_text(new_due.strftime("%d/%m/%Y"))
            expect(desk.locator(".due-box")).to_contain_text(
                f"Đã tạm dừng tổng cộng {paused} ngày làm việc."
            )
            expect(desk.locator(".due-box")).to_contain_text(
                f"Hạn ban đầu: {original_due:%d/%m/%Y}"
            )
            expect(desk.locator(".why")).to_contain_text(
                f"hạn lùi từ {original_due:%d/%m/%Y} sang {new_due:%d/%m/%Y}"
            )
            desk.screenshot(path="/tmp/e2e-resumed.png", full_page=True)

            dossier.refresh_from_db()
            assert dossier.status == DossierStatus.IN_PROCESSING
            assert dossier.paused_working_days == paused
            assert dossier.paused_on is None
            assert dossier.original_due_date == original_due
            assert dossier.due_date == new_due > original_due
            resumed = dossier.events.get(action=Action.RECEIVE_SUPPLEMENT)
            assert resumed.data["paused_working_days"] == paused
            assert resumed.data["old_due"] == str(original_due)
            assert resumed.data["new_due"] == str(new_due)

            track(citizen, base, code, "Đang giải quyết", "3-resumed")
            expect(citizen.locator(".facts")).to_contain_text(new_due.strftime("%d/%m/%Y"))

            # 3. The specialist submits, the leader approves, the desk hands it over.
            expert.goto(dossier_url)
            act(
                expert,
                Action.SUBMIT_FOR_APPROVAL,
                {"#id_submit_for_approval_proposal": "Đủ điều kiện đăng ký kết hôn."},
            )
            expect(expert.locator(".dhead .st")).to_have_text("Chờ lãnh đạo phê duyệt")

            boss = log_in(browser, base, office["leader"].username)
            boss.goto(dossier_url)
            act(boss, Action.APPROVE, {"#id_approve_result": RESULT})
            expect(boss.locator(".dhead .st")).to_have_text("Đã phê duyệt")
            expect(boss.locator(".summary")).to_contain_text(RESULT)

            desk.goto(dossier_url)
            act(desk, Action.MARK_RESULT_READY)
            expect(desk.locator(".dhead .st")).to_have_text("Có kết quả, chờ trả")
            ready = messages_for(code, TemplateKey.RESULT_READY)
            assert ready and all(tracking_link in m.body for m in ready)

            track(citizen, base, code, "Đã có kết quả, mời ông/bà đến nhận", "4-ready")
            expect(citizen.locator(".next")).to_contain_text("Xã Đạ Huoai")

            act(desk, Action.RETURN_RESULT, {"#id_return_result_returned_to": "Nguyễn Thị Mai"})
            expect(desk.locator(".dhead .st")).to_have_text("Đã trả kết quả")
            expect(desk.locator(".summary")).to_contain_text("Đã trả cho")
            desk.screenshot(path="/tmp/e2e-returned.png", full_page=True)
            assert messages_for(code, TemplateKey.RETURNED)

            track(citizen, base, code, "Đã trả kết quả", "5-returned")
            expect(citizen.locator(".timeline li")).to_have_count(8)  # one line per step

            # 5. Every paper issued: print it, read its QR code, open the link.
            papers = desk.locator(".papers a")
            hrefs = [papers.nth(i).get_attribute("href") for i in range(papers.count())]
            issued = list(dossier.papers.order_by("pk"))
            assert [p.kind for p in issued] == [PaperKind.RECEIPT, PaperKind.SUPPLEMENT]
            assert hrefs == [f"/desk/dossiers/{code}/papers/{p.pk}.pdf" for p in issued]
            for paper, href in zip(issued, hrefs, strict=True):
                response = desk.context.request.get(base + href)
                assert response.status == 200 and response.body().startswith(b"%PDF")
                link = decode_qr(
                    response.body(), papers_dir, f"paper-{paper.kind}", tools["pdftoppm"]
                )
                assert link == f"{base}/v/{paper.token}"
                citizen.goto(link)
                verdict = citizen.locator(".verify-ok")
                expect(verdict.get_by_role("heading", level=1)).to_contain_text("Giấy tờ hợp lệ")
                expect(verdict.locator(".verify-code")).to_have_text(code)
                expect(verdict).to_contain_text(f"mẫu số {paper.kind}")
                expect(verdict).to_contain_text("Đăng ký kết hôn")
                expect(verdict).not_to_contain_text("Nguyễn Thị Mai")  # the name is masked
                citizen.screenshot(path=f"/tmp/e2e-verify-{paper.kind}.png", full_page=True)
            # The receipt's page leads on to tracking, with the code filled in.
            citizen.goto(f"{base}/v/{issued[0].token}")
            citizen.get_by_role("link", name="Theo dõi hồ sơ này").click()
            expect(citizen.get_by_label("Mã hồ sơ")).to_have_value(code)

            # The processing control slip (05) prints live; its QR leads staff to the dossier.
            slip = desk.context.request.get(f"{base}/desk/dossiers/{code}/control-slip.pdf")
            assert slip.status == 200
            link = decode_qr(slip.body(), papers_dir, "slip-05", tools["pdftoppm"])
            assert link == dossier_url
            boss.goto(link)
            expect(boss.locator(".dhead .dcode")).to_have_text(code)

            # A forged token says so.
            citizen.goto(f"{base}/v/{'x' * 32}")
            expect(citizen.locator(".verify-bad")).to_be_visible()
        finally:
            browser.close()
            # Queries inside the block ran in Playwright's greenlet, on a connection of
            # its own: close it, or PostgreSQL cannot drop the test database.
            connections.close_all()

    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RETURNED
    assert dossier.returned_to == "Nguyễn Thị Mai"
    assert dossier.result == RESULT
    assert dossier.due_date == new_due
    assert [e.action for e in dossier.events.order_by("pk")] == [
        Action.RECEIVE,
        Action.ASSIGN,
        Action.REQUEST_SUPPLEMENT,
        Action.RECEIVE_SUPPLEMENT,
        Action.SUBMIT_FOR_APPROVAL,
        Action.APPROVE,
        Action.MARK_RESULT_READY,
        Action.RETURN_RESULT,
    ]
