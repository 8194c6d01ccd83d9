"""Review of issue 6 (citizens online): regression tests for the bugs the review found."""

import threading

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from citizens.models import OneTimeCode
from docstore.models import Source, StoredDocument
from dossiers import online, services
from dossiers.models import Dossier, DossierStatus, OnlineDraft
from notifications.models import Notification

from .test_online import ID_NUMBER, docs_of, filled_draft, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


# --- Malformed input is a 4xx, never a 500 ------------------------------------------------


@pytest.fixture
def verified_citizen(citizen):
    citizen.id_number = ID_NUMBER
    citizen.id_verified_at = timezone.now()
    citizen.save(update_fields=["id_number", "id_verified_at"])
    return citizen


def test_reuse_choice_in_other_digits_is_not_a_500(
    client, verified_citizen, online_procedure, commune, id_card
):
    """ "²".isdigit() is true but int("²") fails: the choice is read as "no stored paper"."""
    stored = StoredDocument.objects.create(
        id_number=ID_NUMBER, doc_type=id_card, name="CCCD", source=Source.SCAN
    )
    draft = filled_draft(verified_citizen, online_procedure, commune)
    id_doc = docs_of(online_procedure)[1]
    online.choose_reuse(
        draft, citizen=verified_citizen, catalogue_document_id=id_doc.pk, stored_id=stored.pk
    )
    client.force_login(verified_citizen)
    url = reverse("online:draft", args=[draft.pk])
    response = client.post(url, {f"reuse-{id_doc.pk}": "²", "name": "Nguyễn Văn An"})
    assert response.status_code == 302
    assert not draft.files.filter(reused_from__isnull=False).exists()


def test_supplement_version_in_other_digits_is_not_a_500(
    client, citizen, online_procedure, commune
):
    dossier = online.submit_online(
        filled_draft(citizen, online_procedure, commune), citizen=citizen
    )
    Dossier.objects.filter(pk=dossier.pk).update(status=DossierStatus.INCOMPLETE)
    client.force_login(citizen)
    url = reverse("online:supplement", args=[dossier.code])
    response = client.post(url, {"version": "¹²", "row-1": pdf()})
    assert response.status_code == 302


@pytest.mark.parametrize(
    "path",
    [
        "/online/start/%00/",
        "/online/start/1.001193/?unit=%00",
        "/account/dossiers/%00/",
        "/account/dossiers/%00/papers/1.pdf",
        "/rate/account/%00/",
        "/feedback/%00/",
        "/feedback/new/?procedure=%00",
        "/desk/dossiers/%00/",
        "/desk/feedback/%00/",
        "/desk/dossiers/%00/rate/",
    ],
)
def test_a_nul_in_the_address_is_a_400(client, citizen, desk_officer, online_procedure, path):
    """PostgreSQL refuses a NUL in a text parameter: looking up a code with one was a 500."""
    client.force_login(desk_officer if path.startswith("/desk/") else citizen)
    response = client.get(path)
    assert response.status_code == 400


def test_a_nul_in_a_posted_procedure_code_is_not_a_500(client, desk_officer, online_procedure):
    response = client.post("/feedback/new/", {"procedure": "1.001\x00", "name": "An"})
    assert response.status_code == 400
    client.force_login(desk_officer)
    response = client.post("/desk/receive/", {"procedure": "1.001\x00", "lookup": "1"})
    assert response.status_code == 302


# --- Password reset tells nothing about whether an account exists -------------------------


def _reset_error(client, login: str) -> tuple[int, str]:
    client.post("/account/password/", {"login": login})
    response = client.post(
        "/account/password/reset/",
        {"code": "000000", "password1": "Mot-mat-khau-moi", "password2": "Mot-mat-khau-moi"},
    )
    return response.status_code, str(dict(response.context["form"].errors))


def test_asking_twice_for_a_reset_code_reads_the_same_with_or_without_an_account(client, citizen):
    """A "wait 60 seconds" answer came only for a contact with an account."""
    for login in ("0912345678", "0912345678", "0900000001", "0900000001"):
        response = client.post("/account/password/", {"login": login})
        assert response.status_code == 302 and response.url == "/account/password/reset/"
    assert Notification.objects.count() == 1  # the second request sent nothing new


def test_a_wrong_reset_code_reads_the_same_with_or_without_an_account(client, citizen):
    """ "N tries left" came only for a contact with an account."""
    known = _reset_error(client, "0912345678")
    client.cookies.clear()
    unknown = _reset_error(client, "0900000001")
    assert known == unknown
    assert known[0] == 400 and "Mã không đúng hoặc đã hết hạn" in known[1]
    assert OneTimeCode.objects.get().attempts == 1  # still counted


# --- A double click on the first page of the online form gives one dossier ----------------


def test_a_double_click_on_the_first_page_gives_one_dossier(
    client, citizen, online_procedure, commune
):
    """The first click's post has made its draft and is still busy; the second post used to
    make a second draft and submit it: two dossiers. It now continues the same draft."""
    first = online.start_draft(citizen, online_procedure, receiving_unit=commune)
    docs = docs_of(online_procedure)
    client.force_login(citizen)
    data = {
        "name": "Nguyễn Văn An",
        "id_number": ID_NUMBER,
        "phone": "0912345678",
        "email": "an@example.vn",
        "address": "Thôn 2",
        "receiving_unit": commune.pk,
        "result_delivery": "counter",
        "notify_channels": ["sms"],
        f"doc-{docs[0].pk}": pdf("to-khai.pdf"),
        f"doc-{docs[1].pk}": pdf("cccd.pdf"),
        "intent": "submit",
    }
    response = client.post(reverse("online:start", args=[online_procedure.code]), data)
    assert response.status_code == 302
    dossier = Dossier.objects.get()
    assert response["Location"] == reverse("citizens:dossier", args=[dossier.code])
    assert not OnlineDraft.objects.exists()
    with pytest.raises(online.NotFound):  # the first click's submit finds its draft gone
        online.submit_online(first, citizen=citizen)
    assert Dossier.objects.count() == 1


def test_a_draft_gone_while_its_post_is_handled_is_a_404(
    client, citizen, online_procedure, commune, monkeypatch
):
    """Submitted by another tab between the checks and the end of the post: 404, not 500."""
    draft = filled_draft(citizen, online_procedure, commune)
    client.force_login(citizen)
    real_save = online.save_draft

    def save_then_gone(*args, **kwargs):
        saved = real_save(*args, **kwargs)
        OnlineDraft.objects.filter(pk=draft.pk).delete()
        return saved

    monkeypatch.setattr(online, "save_draft", save_then_gone)
    response = client.post(
        reverse("online:draft", args=[draft.pk]), {"name": "Nguyễn Văn An", "intent": "save"}
    )
    assert response.status_code == 404


def test_the_code_typed_to_verify_a_contact_is_kept_out_of_error_reports(client, citizen):
    response = client.post("/account/verify/", {"code": "123456"})
    assert list(response.wsgi_request.sensitive_post_parameters) == ["code"]


def test_a_supplement_request_naming_a_huge_row_number_is_a_form_error(
    client, citizen, online_procedure, commune, desk_officer
):
    """SQLite raised OverflowError on the row lookup: a 500 at the desk."""
    dossier = online.submit_online(
        filled_draft(citizen, online_procedure, commune), citizen=citizen
    )
    client.force_login(desk_officer)
    response = client.post(
        reverse("desk:dossier-action", args=[dossier.code, "receive_incomplete"]),
        {"version": dossier.version, "documents": ["99999999999999999999"]},
    )
    assert response.status_code == 302  # back to the dossier page, with the form's error
    dossier.refresh_from_db()
    assert dossier.status == DossierStatus.SUBMITTED_ONLINE


@pytest.mark.django_db(transaction=True)
def test_one_draft_sent_from_two_tabs_at_once_gives_one_dossier(citizen, online_procedure, commune):
    """Two submits of the same draft at the same moment (PostgreSQL: the second waits for
    the draft's row lock, then finds the draft gone)."""
    draft = filled_draft(citizen, online_procedure, commune)
    barrier, outcomes = threading.Barrier(2), []

    def send():
        try:
            barrier.wait()
            online.submit_online(draft.pk, citizen=citizen)
            outcomes.append("ok")
        except services.DossierError as exc:
            outcomes.append(type(exc).__name__)
        except OperationalError:  # SQLite: "database is locked" instead of waiting
            outcomes.append("locked")
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1
    assert Dossier.objects.count() == 1 and not OnlineDraft.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_posts_of_the_first_page_at_once_share_one_draft(citizen, online_procedure):
    """A double click before any draft exists: both posts open the same draft (the account
    row is locked for the check), so at most one dossier can come of them."""
    # PostgreSQL: the account row's lock; SQLite: the IMMEDIATE transaction's write lock.
    barrier, drafts = threading.Barrier(2), []

    def open_it():
        try:
            barrier.wait()
            drafts.append(online.open_draft(citizen, online_procedure).pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(drafts) == 2 and len(set(drafts)) == 1
    assert OnlineDraft.objects.count() == 1
