"""Online submission through the pages: the citizen starts from the procedure page, saves
a draft and continues it, submits; the desk checks it in its workspace (supplement,
accept, refuse); the citizen uploads only what is missing from the account's dossier
page; foreign drafts and dossiers are refused; bad uploads are refused clearly."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import online
from dossiers.models import Dossier, DossierScan, DossierStatus, DraftFile, OnlineDraft, PaperKind
from procedures.models import OnlineLevel
from tests.factories import CitizenFactory

from .test_online import PDF, docs_of, filled_draft, pdf

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def applicant_post(unit, **extra):
    data = {
        "name": "Nguyễn Văn An",
        "id_number": "001090012345",
        "phone": "0912345678",
        "email": "an@example.vn",
        "address": "Thôn 2, xã Đạ Huoai",
        "organisation": "",
        "receiving_unit": unit.pk,
        "result_delivery": "counter",
        "notify_channels": ["sms"],  # the account's verified phone (the fixture's)
    }
    data.update(extra)
    return data


def test_procedure_page_offers_online_submission_and_says_what_to_bring(
    client, online_procedure, procedure
):
    page = client.get(reverse("procedures:detail", args=[online_procedure.code]))
    html = page.content.decode()
    assert reverse("online:start", args=[online_procedure.code]) in html
    assert "Nộp hồ sơ trực tuyến" in html
    assert "Tờ khai đăng ký khai sinh (1 bản chính)" in html
    assert "Căn cước công dân (" not in html.split("online-start")[1].split("</div>")[0]
    other = client.get(reverse("procedures:detail", args=[procedure.code])).content.decode()
    assert reverse("online:start", args=[procedure.code]) not in other  # online level none


def test_sign_in_first_and_staff_are_refused(client, online_procedure, desk_officer):
    url = reverse("online:start", args=[online_procedure.code])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")
    client.force_login(desk_officer)
    assert client.get(url).status_code == 403


def test_procedure_not_online_is_a_clear_404(client, citizen, procedure):
    client.force_login(citizen)
    response = client.get(reverse("online:start", args=[procedure.code]))
    assert response.status_code == 404
    assert "không nhận hồ sơ trực tuyến" in response.content.decode()


def test_full_online_path(
    client,
    citizen,
    online_procedure,
    commune,
    desk_officer,
    django_capture_on_commit_callbacks,
):
    citizen.first_name, citizen.last_name = "Nguyễn Văn", "An"
    citizen.save()
    client.force_login(citizen)
    docs = docs_of(online_procedure)

    # The form, built from the catalogue and pre-filled from the profile.
    start = reverse("online:start", args=[online_procedure.code])
    page = client.get(start)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="001090012345"' in html and 'value="0912345678"' in html
    assert "Mẫu TP/HT-2020" in html
    assert commune.name in html
    assert "Tờ khai đăng ký khai sinh (1 bản chính)" in html  # partly online
    assert not OnlineDraft.objects.exists()  # nothing written by looking

    # Save and finish later, with the first paper.
    response = client.post(
        start,
        {**applicant_post(commune), f"doc-{docs[0].pk}": pdf("to-khai.pdf"), "intent": "later"},
    )
    assert response.status_code == 302 and response["Location"] == reverse("online:drafts")
    draft = OnlineDraft.objects.get()
    assert draft.citizen == citizen and draft.receiving_unit == commune
    assert draft.files.get().original_name == "to-khai.pdf"
    listing = client.get(reverse("online:drafts")).content.decode()
    assert online_procedure.name in listing and reverse("online:draft", args=[draft.pk]) in listing
    # Back from the procedure page: the draft is continued, not a new one.
    assert client.get(start)["Location"] == reverse("online:draft", args=[draft.pk])

    # Submitting without the required ID card: refused, nothing created, the file kept.
    draft_url = reverse("online:draft", args=[draft.pk])
    refused = client.post(draft_url, {**applicant_post(commune), "intent": "submit"})
    assert refused.status_code == 400
    assert "Giấy tờ bắt buộc: hãy tải tệp lên." in refused.content.decode()
    assert not Dossier.objects.exists() and DraftFile.objects.count() == 1

    # Continue: add the ID card and submit.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            draft_url,
            {**applicant_post(commune), f"doc-{docs[1].pk}": pdf("cccd.pdf"), "intent": "submit"},
        )
    dossier = Dossier.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("citizens:dossier", args=[dossier.code])
    assert dossier.status == DossierStatus.SUBMITTED_ONLINE and dossier.citizen == citizen
    assert not OnlineDraft.objects.exists()
    account_page = client.get(response["Location"]).content.decode()
    assert "đang chờ cán bộ một cửa kiểm tra" in account_page

    # The desk sees it in its workspace, with the scans, and asks for the ID card again.
    client.force_login(desk_officer)
    listing = client.get(reverse("desk:home") + "?list=incomplete").content.decode()
    assert dossier.code in listing
    desk_page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "cccd.pdf" in desk_page
    assert reverse("desk:dossier-action", args=[dossier.code, "receive"]) in desk_page
    assert reverse("desk:dossier-action", args=[dossier.code, "receive_incomplete"]) in desk_page
    id_row = dossier.documents.get(name="Căn cước công dân")
    client.post(
        reverse("desk:dossier-action", args=[dossier.code, "receive_incomplete"]),
        {"version": dossier.version, "documents": [id_row.pk], "note": "Ảnh mờ"},
    )
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.INCOMPLETE

    # The citizen sees an upload for the missing paper only, and sends it.
    client.force_login(citizen)
    account_page = client.get(reverse("citizens:dossier", args=[dossier.code])).content.decode()
    assert f'name="row-{id_row.pk}"' in account_page
    other_rows = dossier.documents.exclude(pk=id_row.pk)
    assert not any(f'name="row-{row.pk}"' in account_page for row in other_rows)
    response = client.post(
        reverse("online:supplement", args=[dossier.code]),
        {"version": dossier.version, f"row-{id_row.pk}": pdf("cccd-ro.pdf")},
    )
    assert response["Location"] == reverse("citizens:dossier", args=[dossier.code])
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED_ONLINE
    assert id_row.scans.filter(original_name="cccd-ro.pdf").exists()

    # The desk checks again and accepts: the clock starts, the receipt is sent.
    client.force_login(desk_officer)
    client.post(
        reverse("desk:dossier-action", args=[dossier.code, "receive"]),
        {"version": dossier.version},
    )
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RECEIVED
    assert dossier.received_at is not None and dossier.due_date is not None
    receipt = dossier.papers.get(kind=PaperKind.RECEIPT)

    # A second accept is refused with a clear message, nothing changes.
    response = client.post(
        reverse("desk:dossier-action", args=[dossier.code, "receive"]),
        {"version": dossier.version},
        follow=True,
    )
    assert "Không thể tiếp nhận hồ sơ khi hồ sơ đang ở trạng thái" in response.content.decode()

    # The citizen downloads the receipt from the account.
    client.force_login(citizen)
    account_page = client.get(reverse("citizens:dossier", args=[dossier.code])).content.decode()
    receipt_url = reverse("citizens:paper-pdf", args=[dossier.code, receipt.pk])
    assert receipt_url in account_page
    assert "Tờ khai đăng ký khai sinh (1 bản chính)" in account_page
    pdf_response = client.get(receipt_url)
    assert pdf_response.status_code == 200 and pdf_response.content.startswith(b"%PDF")


def test_refuse_from_the_workspace(client, citizen, online_procedure, commune, desk_officer):
    dossier = online.submit_online(
        filled_draft(citizen, online_procedure, commune), citizen=citizen
    )
    client.force_login(desk_officer)
    client.post(
        reverse("desk:dossier-action", args=[dossier.code, "refuse"]),
        {"version": dossier.version, "reason": "Không thuộc thẩm quyền của xã"},
    )
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.REFUSED
    assert dossier.papers.get().kind == PaperKind.REFUSAL


def test_another_citizens_draft_and_dossier_are_404(client, citizen, online_procedure, commune):
    draft = filled_draft(citizen, online_procedure, commune)
    item = draft.files.first()
    client.force_login(CitizenFactory())
    assert client.get(reverse("online:draft", args=[draft.pk])).status_code == 404
    assert (
        client.post(reverse("online:draft", args=[draft.pk]), {"intent": "submit"}).status_code
        == 404
    )
    assert client.post(reverse("online:draft-delete", args=[draft.pk])).status_code == 404
    assert client.get(reverse("online:file", args=[draft.pk, item.pk])).status_code == 404
    assert client.post(reverse("online:file-delete", args=[draft.pk, item.pk])).status_code == 404
    assert OnlineDraft.objects.filter(pk=draft.pk).exists() and draft.files.count() == 2
    dossier = online.submit_online(draft, citizen=citizen)
    response = client.post(reverse("online:supplement", args=[dossier.code]), {"row-1": pdf()})
    assert response.status_code == 404
    assert client.get(reverse("citizens:dossier", args=[dossier.code])).status_code == 404


def test_bad_uploads_are_refused_next_to_their_paper(
    client, citizen, online_procedure, commune, settings
):
    settings.UPLOAD_VIRUS_SCANNER = "tests.dossiers.test_online.fake_scanner"
    client.force_login(citizen)
    docs = docs_of(online_procedure)
    start = reverse("online:start", args=[online_procedure.code])
    response = client.post(
        start,
        {
            **applicant_post(commune),
            f"doc-{docs[0].pk}": SimpleUploadedFile("to-khai.pdf", b"<html>not a pdf</html>"),
            f"doc-{docs[1].pk}": pdf("cccd.pdf", PDF + b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE"),
            f"doc-{docs[2].pk}": SimpleUploadedFile("anh.png", PNG, "image/png"),
            "intent": "save",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "không phải PDF, JPEG hoặc PNG" in html
    assert "Eicar-Test-Signature" in html
    assert list(DraftFile.objects.values_list("original_name", flat=True)) == ["anh.png"]
    settings.SCAN_MAX_BYTES = 1024 * 1024
    draft = OnlineDraft.objects.get()
    response = client.post(
        reverse("online:draft", args=[draft.pk]),
        {
            **applicant_post(commune),
            f"doc-{docs[0].pk}": pdf("big.pdf", PDF + b"0" * (1024 * 1024)),
            "intent": "save",
        },
    )
    assert response.status_code == 400
    assert "quá lớn" in response.content.decode()
    assert DraftFile.objects.count() == 1


def test_file_view_and_delete_by_the_owner(client, citizen, online_procedure, commune):
    draft = filled_draft(citizen, online_procedure, commune)
    item = draft.files.first()
    client.force_login(citizen)
    response = client.get(reverse("online:file", args=[draft.pk, item.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    client.post(reverse("online:file-delete", args=[draft.pk, item.pk]))
    assert not DraftFile.objects.filter(pk=item.pk).exists()
    client.post(reverse("online:draft-delete", args=[draft.pk]))
    assert not OnlineDraft.objects.exists()


def test_drafts_list_is_scoped_and_counts_queries(
    client, citizen, online_procedure, commune, django_assert_num_queries
):
    client.force_login(citizen)
    mine = [online.start_draft(citizen, online_procedure) for _ in range(3)]
    theirs = online.start_draft(CitizenFactory(), online_procedure)
    with django_assert_num_queries(4):  # session, user, count, page
        page = client.get(reverse("online:drafts"))
    html = page.content.decode()
    assert all(reverse("online:draft", args=[d.pk]) in html for d in mine)
    assert reverse("online:draft", args=[theirs.pk]) not in html


def test_full_online_level_says_nothing_about_originals(client, citizen, online_procedure):
    online_procedure.online_level = OnlineLevel.FULL
    online_procedure.save()
    client.force_login(citizen)
    html = client.get(reverse("online:start", args=[online_procedure.code])).content.decode()
    assert "bản chính của" not in html


def test_scans_are_copied_from_the_draft(citizen, online_procedure, commune):
    dossier = online.submit_online(
        filled_draft(citizen, online_procedure, commune), citizen=citizen
    )
    scans = DossierScan.objects.filter(document__dossier=dossier)
    assert all(scan.file.read() == PDF for scan in scans)
    assert dossier.created_at.date() <= dt.date.today() + dt.timedelta(days=1)


def test_a_draft_gone_meanwhile_is_a_clear_404(client, citizen, online_procedure, commune):
    """A double click on "send": the second post finds the draft gone, not a server error."""
    draft = filled_draft(citizen, online_procedure, commune)
    url = reverse("online:draft", args=[draft.pk])
    client.force_login(citizen)
    page = client.get(url)
    online.submit_online(draft, citizen=citizen)
    assert page.status_code == 200
    response = client.post(url, {"name": "Nguyễn Văn An", "intent": "submit"})
    assert response.status_code == 404
    assert reverse("citizens:dossiers") in response.content.decode()
    assert Dossier.objects.count() == 1


def test_the_return_form_verifies_the_account_only_when_ticked(
    client, citizen, online_procedure, commune, desk_officer, leader, specialist
):
    from .test_online import _to_result_ready, submitted

    dossier = _to_result_ready(
        submitted(citizen, online_procedure, commune), desk_officer, leader, specialist
    )
    client.force_login(desk_officer)
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert 'name="identity_checked"' in page and "đã đối chiếu CCCD bản gốc" in page
    response = client.post(
        reverse("desk:dossier-action", args=[dossier.code, "return_result"]),
        {
            "version": dossier.version,
            "returned_to": "Nguyễn Văn An",
            "method": "counter",
            "identity_checked": "on",
        },
    )
    assert response.status_code == 302
    citizen.refresh_from_db()
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.RETURNED and citizen.id_verified_at is not None
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "số định danh của tài khoản công dân được xác thực" in page  # in the history


def test_a_counter_dossier_has_no_identity_tick(
    client, desk_officer, leader, specialist, procedure
):
    from dossiers import services

    from .conftest import receive

    dossier = receive(procedure, desk_officer)
    dossier = services.assign_dossier(dossier, actor=leader, handler=specialist)
    dossier = services.submit_for_approval(dossier, actor=specialist)
    dossier = services.approve_dossier(dossier, actor=leader, result="Giấy chứng nhận")
    dossier = services.mark_result_ready(dossier, actor=desk_officer)
    client.force_login(desk_officer)
    page = client.get(reverse("desk:dossier", args=[dossier.code])).content.decode()
    assert "act-return_result" in page  # the return form is there, without the tick
    assert 'name="identity_checked"' not in page
