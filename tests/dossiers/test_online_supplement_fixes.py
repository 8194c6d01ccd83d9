"""Two faults the end-to-end test of online submission (tests/test_e2e_online.py) found in
the desk's supplement request, kept here as fast checks:

- the officer's note was counted as one more missing paper ("cần bổ sung 2 giấy tờ" for
  one paper and a note) and listed among the papers in the e-mail;
- the scan the desk sent back (the wrong file) went into the citizen's document store when
  the dossier was accepted, and was offered for reuse next time.
"""

import pytest

from docstore.models import StoredDocument
from dossiers import online
from notifications.models import Notification, TemplateKey

from .conftest import at
from .test_online import ID_NUMBER, pdf, submitted

NOTE = "Ảnh chụp mờ, chụp lại rõ hai mặt."


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path


def test_the_officers_note_is_no_missing_paper(citizen, online_procedure, commune, desk_officer):
    dossier = submitted(citizen, online_procedure, commune)
    id_row = dossier.documents.get(name="Căn cước công dân")
    online.request_online_supplement(
        dossier, actor=desk_officer, documents=[id_row.pk], note=NOTE, now=at(2026, 12, 7, 14)
    )
    sms = Notification.objects.get(template_key=TemplateKey.SUPPLEMENT_REQUESTED, channel="sms")
    assert "can bo sung 1 giay to" in sms.body
    email = Notification.objects.get(template_key=TemplateKey.SUPPLEMENT_REQUESTED, channel="email")
    assert "- Căn cước công dân\n" in email.body
    assert f"- {NOTE}" not in email.body
    assert f"Ghi chú: {NOTE} " in email.body
    assert f"/account/dossiers/{dossier.code}/" in email.body  # where to upload


def test_a_scan_sent_back_is_not_kept_in_the_citizens_store(
    citizen, online_procedure, commune, desk_officer
):
    dossier = submitted(citizen, online_procedure, commune)
    id_row = dossier.documents.get(name="Căn cước công dân")
    (sent_back,) = id_row.scans.all()
    dossier = online.request_online_supplement(
        dossier, actor=desk_officer, documents=[id_row.pk], note=NOTE, now=at(2026, 12, 7, 14)
    )
    again = pdf("cccd-ro-net.pdf", b"%PDF-1.4\n% clear scan\n%%EOF\n")
    dossier = online.supplement_online(
        dossier, citizen=citizen, uploads={id_row.pk: [again]}, now=at(2026, 12, 7, 15)
    )
    online.accept_online(dossier, actor=desk_officer, now=at(2026, 12, 7, 16))

    assert id_row.scans.count() == 2  # what was handed in stays on the dossier
    stored = StoredDocument.objects.filter(id_number=ID_NUMBER)
    assert [s.original_name for s in stored] == ["cccd-ro-net.pdf"]
    assert stored.get().sha256 != sent_back.sha256
