"""Document types in the catalogue (paper once): the admin, and import/export of the
optional "document_types", "type" (per document) and "result_type" (per procedure)."""

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from procedures.catalogue import CatalogueError, dumps, export_catalogue, import_catalogue
from procedures.models import DocumentType, Procedure, ProcedureDocument

from .test_admin import form_data

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SMALL = FIXTURES / "catalogue-small.json"
SAMPLE = Path(settings.BASE_DIR) / "demo" / "sample-catalogue.json"
PINNED = datetime(2026, 11, 1, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

pytestmark = pytest.mark.django_db


def small() -> dict:
    return json.loads(SMALL.read_text(encoding="utf-8"))


def with_types(data: dict) -> dict:
    data["document_types"] = [
        {
            "code": "xac-nhan-hon-nhan",
            "name": {"vi": "Giấy xác nhận tình trạng hôn nhân", "en": "Marital status"},
            "validity_months": 6,
        },
        {"code": "cccd", "name": {"vi": "Căn cước công dân"}, "validity_months": None},
    ]
    marriage = next(p for p in data["procedures"] if p["code"] == "1.000894")
    marriage["documents"][-1]["type"] = "xac-nhan-hon-nhan"
    marriage["result_type"] = "cccd"
    return data


def problems_of(data) -> set[tuple[str, str, str]]:
    with pytest.raises(CatalogueError) as caught:
        import_catalogue(data)
    return {(p.code, p.key, p.message) for p in caught.value.problems}


def test_import_creates_types_and_links_documents_and_results():
    import_catalogue(with_types(small()))

    marital = DocumentType.objects.get(code="xac-nhan-hon-nhan")
    assert (marital.name_vi, marital.name_en, marital.validity_months) == (
        "Giấy xác nhận tình trạng hôn nhân",
        "Marital status",
        6,
    )
    marriage = Procedure.objects.get(code="1.000894")
    assert marriage.result_type.code == "cccd"
    assert marriage.documents.order_by("position").last().doc_type == marital
    assert ProcedureDocument.objects.filter(doc_type__isnull=False).count() == 1


def test_export_lists_types_only_when_there_are_some():
    import_catalogue(small())
    plain = export_catalogue(exported_at=PINNED)
    assert "document_types" not in plain
    assert all("result_type" not in p for p in plain["procedures"])
    assert all("type" not in d for p in plain["procedures"] for d in p["documents"])

    import_catalogue(with_types(small()))
    data = export_catalogue(exported_at=PINNED)
    assert list(data) == ["format", "exported_at", "fields", "document_types", "procedures"]
    assert [t["code"] for t in data["document_types"]] == ["cccd", "xac-nhan-hon-nhan"]
    marriage = next(p for p in data["procedures"] if p["code"] == "1.000894")
    keys = list(marriage)
    assert keys[keys.index("result") + 1] == "result_type"
    assert marriage["documents"][-1]["type"] == "xac-nhan-hon-nhan"


def test_round_trip_with_types_and_unchanged_reimport():
    import_catalogue(with_types(small()))
    first = dumps(export_catalogue(exported_at=PINNED))
    result = import_catalogue(first)
    assert result.created == result.updated == []
    assert dumps(export_catalogue(exported_at=PINNED)) == first


def test_a_reimport_can_remove_a_type_from_a_document():
    import_catalogue(with_types(small()))
    import_catalogue(small())  # types stay in the database; links go
    assert not ProcedureDocument.objects.filter(doc_type__isnull=False).exists()
    assert Procedure.objects.get(code="1.000894").result_type is None
    assert DocumentType.objects.count() == 2


def test_types_already_in_the_database_may_be_used():
    DocumentType.objects.create(code="cccd", name="Căn cước công dân")
    data = small()
    data["procedures"][1]["documents"][0]["type"] = "cccd"
    import_catalogue(data)
    assert ProcedureDocument.objects.get(doc_type__code="cccd")


def test_unknown_and_malformed_codes_are_refused_with_the_place_at_fault():
    data = with_types(small())
    marriage = next(p for p in data["procedures"] if p["code"] == "1.000894")
    marriage["documents"][0]["type"] = "khong-co"
    marriage["result_type"] = "cung-khong-co"
    copies = next(p for p in data["procedures"] if p["code"] == "2.000815")
    copies["documents"][0]["type"] = "có dấu"
    data["document_types"].append({"code": "cccd", "name": {"vi": "Trùng"}})
    data["document_types"].append({"code": "x", "name": {"vi": "X"}, "validity_months": 0})
    data["document_types"].append({"name": {"vi": "Không mã"}, "colour": "red"})
    before = DocumentType.objects.count()

    found = problems_of(data)

    keys = {(code, key) for code, key, _message in found}
    assert ("1.000894", "documents[0].type") in keys
    assert ("1.000894", "result_type") in keys
    assert ("2.000815", "documents[0].type") in keys
    assert ("document_types[2]", "code") in keys  # listed twice
    assert ("document_types[3]", "validity_months") in keys
    assert ("document_types[4]", "code") in keys and ("document_types[4]", "colour") in keys
    messages = {message for _c, _k, message in found}
    assert any("unknown document type khong-co" in m for m in messages)
    assert DocumentType.objects.count() == before and Procedure.objects.count() == 0


def test_the_sample_catalogue_shares_types_and_chains_results():
    import_catalogue(SAMPLE.read_bytes())
    id_card = DocumentType.objects.get(code="can-cuoc")
    sharing = set(
        ProcedureDocument.objects.filter(doc_type=id_card).values_list("procedure__code", flat=True)
    )
    assert len(sharing) >= 2
    asked = set(ProcedureDocument.objects.values_list("doc_type_id", flat=True))
    chained = Procedure.objects.filter(result_type__in=asked - {None})
    assert {"1.004873", "1.000656"} <= set(chained.values_list("code", flat=True))


# --------------------------------------------------------------------------- admin


@pytest.fixture
def login(client):
    def _login(user):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        client.force_login(user)
        return client

    return _login


def test_province_admin_keeps_document_types(login, province_admin):
    client = login(province_admin)
    response = client.post(
        reverse("admin:procedures_documenttype_add"),
        {"code": "cccd", "name_vi": "Căn cước công dân", "name_en": "ID card"},
    )
    assert response.status_code == 302
    item = DocumentType.objects.get(code="cccd")
    assert item.validity_months is None
    url = reverse("admin:procedures_documenttype_change", args=[item.pk])
    response = client.post(url, {"name_vi": "Căn cước", "name_en": "", "validity_months": "120"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.code, item.name_vi, item.validity_months) == ("cccd", "Căn cước", 120)


def test_other_staff_read_document_types_only(login, commune_admin):
    item = DocumentType.objects.create(code="cccd", name="Căn cước công dân")
    client = login(commune_admin)
    assert client.get(reverse("admin:procedures_documenttype_changelist")).status_code == 200
    url = reverse("admin:procedures_documenttype_change", args=[item.pk])
    assert client.get(url).status_code == 200
    client.post(url, {"name_vi": "Đổi", "validity_months": "1"})
    item.refresh_from_db()
    assert item.name_vi == "Căn cước công dân"
    assert client.get(reverse("admin:procedures_documenttype_add")).status_code == 403


def test_procedure_form_sets_document_and_result_types(login, province_admin, procedure):
    marital = DocumentType.objects.create(code="xac-nhan-hon-nhan", name="Xác nhận hôn nhân")
    client = login(province_admin)
    url = reverse("admin:procedures_procedure_change", args=[procedure.pk])
    data = form_data(client.get(url))
    data["result_type"] = str(marital.pk)
    data["documents-0-doc_type"] = str(marital.pk)
    data["_continue"] = "1"
    response = client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    procedure.refresh_from_db()
    assert procedure.result_type == marital
    assert procedure.documents.order_by("position").first().doc_type == marital
