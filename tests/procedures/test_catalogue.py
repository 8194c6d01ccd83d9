"""Import and export of the catalogue (procedures/catalogue.py)."""

import copy
import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from procedures.catalogue import (
    CatalogueError,
    Problem,
    dumps,
    export_catalogue,
    import_catalogue,
)
from procedures.models import (
    Field,
    LegalDocument,
    Procedure,
    ProcedureDocument,
    ProcedureFee,
    ProcedureStep,
    UnitProcedure,
)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SMALL = FIXTURES / "catalogue-small.json"
INVALID = FIXTURES / "catalogue-invalid.json"
SAMPLE = Path(settings.BASE_DIR) / "demo" / "sample-catalogue.json"
PINNED = datetime(2026, 11, 1, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))

pytestmark = pytest.mark.django_db

MODELS = [Field, Procedure, ProcedureStep, ProcedureFee, ProcedureDocument, LegalDocument]


def small() -> dict:
    return json.loads(SMALL.read_text(encoding="utf-8"))


def problems_of(data) -> list[Problem]:
    with pytest.raises(CatalogueError) as caught:
        import_catalogue(data)
    return caught.value.problems


def where(problems: list[Problem]) -> set[tuple[str, str]]:
    return {(p.code, p.key) for p in problems}


def row_counts() -> dict[str, int]:
    counts = {model.__name__: model.objects.count() for model in MODELS}
    counts |= {f"history of {m.__name__}": m.history.count() for m in MODELS}
    return counts


def empty_catalogue() -> None:
    UnitProcedure.objects.all().delete()
    Procedure.objects.update(replaced_by=None)
    Procedure.objects.all().delete()
    Field.objects.all().delete()


def marriage(data: dict) -> dict:
    return data["procedures"][1]


# --------------------------------------------------------------------------- import


def test_import_creates_every_part():
    result = import_catalogue(SMALL.read_bytes())

    assert result.created == ["1.000001", "1.000894", "2.000815"]
    assert result.updated == [] and result.unchanged == []
    assert sorted(result.fields_created) == ["CT", "HT"]
    p = Procedure.objects.get(code="1.000894")
    assert (p.name_vi, p.name_en) == ("Đăng ký kết hôn", "Marriage registration")
    assert p.field.code == "HT" and p.level == "commune" and p.status == "published"
    assert p.same_day and p.processing_days is None
    assert p.processing_note_en == "Up to 5 working days when checks are needed."
    assert p.channels == ["counter", "online"] and p.online_level == "partial"
    assert p.description_en in ("", None)
    assert [s.text_vi for s in p.steps.order_by("position")][1].startswith("Hai bên")
    fee = p.fees.get()
    assert (fee.amount_vnd, fee.note_vi) == (0, "Miễn lệ phí")
    first, second = p.documents.order_by("position")
    assert first.required and first.form_vi == "Mẫu tờ khai đăng ký kết hôn"
    assert not second.required and not second.form_vi
    law = p.legal_basis.get()
    assert (law.number, law.issued, law.issuer_en) == (
        "60/2014/QH13",
        date(2014, 11, 20),
        "National Assembly",
    )
    copies = Procedure.objects.get(code="2.000815")
    assert copies.processing_days == 2 and not copies.same_day
    assert copies.fees.get().amount_vnd == 2000
    old = Procedure.objects.get(code="1.000001")
    assert old.status == "archived" and old.replaced_by == p
    # procedure_changed ran: folded search text, revision moved on.
    assert "dang ky ket hon" in p.search_text and "to khai" in p.search_text
    assert p.revision > 1


def test_export_of_an_import_is_the_file_byte_for_byte():
    import_catalogue(SMALL.read_text(encoding="utf-8"))

    assert dumps(export_catalogue(exported_at=PINNED)) == SMALL.read_text(encoding="utf-8")


def test_export_shape():
    import_catalogue(small())
    data = export_catalogue(exported_at=datetime(2026, 11, 1, 1, 0, tzinfo=ZoneInfo("UTC")))

    assert list(data) == ["format", "exported_at", "fields", "procedures"]
    assert data["exported_at"] == "2026-11-01T08:00:00+07:00"
    assert [p["code"] for p in data["procedures"]] == ["1.000001", "1.000894", "2.000815"]
    copies = data["procedures"][2]
    assert copies["steps"] == [{"vi": "Nộp bản chính và bản sao cần chứng thực."}]  # no "en"
    assert copies["documents"][0]["form"] is None
    assert copies["description"] is None
    text = dumps(data)
    assert text.endswith("}\n") and "Chứng thực" in text  # not \u escaped


def test_export_defaults_to_now():
    data = export_catalogue()
    stamp = datetime.fromisoformat(data["exported_at"])
    assert abs((datetime.now(tz=ZoneInfo("UTC")) - stamp).total_seconds()) < 60
    assert data["fields"] == [] and data["procedures"] == []


def test_bytes_with_a_byte_order_mark_are_accepted():
    result = import_catalogue(b"\xef\xbb\xbf" + SMALL.read_bytes())
    assert len(result.created) == 3


def test_invalid_json_gives_line_and_column():
    (problem,) = problems_of('{\n  "format": "tthc-catalogue/1",\n  "fields": [,]\n}')
    assert str(problem).startswith("invalid JSON at line 3 column 14")


def test_text_that_is_not_utf8_is_refused():
    (problem,) = problems_of("{}".encode("utf-16"))
    assert "not UTF-8" in problem.message


def test_a_catalogue_that_is_not_an_object_is_refused():
    (problem,) = problems_of("[1, 2]")
    assert problem.message == "the catalogue must be a JSON object"


# --------------------------------------------------------------------------- validation

M, C, A = "1.000894", "2.000815", "1.000001"  # marriage, copies, archived


def _set(path: str, value):
    """A change to the small catalogue: put `value` at the dotted path (ints index lists)."""

    def change(data):
        *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
        target = data
        for part in parents:
            target = target[part]
        target[last] = value

    return change


def _drop(path: str):
    def change(data):
        *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
        target = data
        for part in parents:
            target = target[part]
        del target[last]

    return change


def _append(path: str, value):
    def change(data):
        target = data
        for part in [int(p) if p.isdigit() else p for p in path.split(".")]:
            target = target[part]
        target.append(copy.deepcopy(value))

    return change


PA, PM, PC = "procedures.0", "procedures.1", "procedures.2"  # file order is code order

CASES = {
    # the file
    "wrong format": (_set("format", "tthc-catalogue/2"), ("", "format")),
    "missing format": (_drop("format"), ("", "format")),
    "unknown top key": (_set("extra", 1), ("", "extra")),
    "bad exported_at": (_set("exported_at", "yesterday"), ("", "exported_at")),
    "missing procedures": (_drop("procedures"), ("", "procedures")),
    "procedures not a list": (_set("procedures", {}), ("", "procedures")),
    "procedure not an object": (_set(PC, "2.000815"), ("procedures[2]", "")),
    # fields
    "field without vi name": (_set("fields.0.name", {"en": "x"}), ("fields[0]", "name.vi")),
    "field code twice": (_set("fields.1.code", "CT"), ("fields[1]", "code")),
    "field without code": (_drop("fields.0.code"), ("fields[0]", "code")),
    # code
    "missing code": (_drop(f"{PM}.code"), ("procedures[1]", "code")),
    "code with a slash": (_set(f"{PM}.code", "1/000894"), ("procedures[1]", "code")),
    "code not a string": (_set(f"{PM}.code", 1000894), ("procedures[1]", "code")),
    "code twice": (_set(f"{PC}.code", M), (M, "code")),
    "unknown procedure key": (_set(f"{PM}.procesing_time", {}), (M, "procesing_time")),
    # texts
    "missing name": (_drop(f"{PM}.name"), (M, "name")),
    "name a plain string": (_set(f"{PM}.name", "Đăng ký kết hôn"), (M, "name")),
    "name without vi": (_set(f"{PM}.name", {"en": "Marriage"}), (M, "name.vi")),
    "name vi blank": (_set(f"{PM}.name.vi", "   "), (M, "name.vi")),
    "name en not a string": (_set(f"{PM}.name.en", 5), (M, "name.en")),
    "unknown language": (_set(f"{PM}.name.fr", "Mariage"), (M, "name.fr")),
    "name too long": (_set(f"{PM}.name.vi", "x" * 501), (M, "name.vi")),
    "description without vi": (_set(f"{PM}.description", {"en": "x"}), (M, "description.vi")),
    "result without vi": (_set(f"{PC}.result", {"vi": ""}), (C, "result.vi")),
    "step without vi": (_set(f"{PM}.steps.1", {"en": "Sign"}), (M, "steps[1].vi")),
    "steps not a list": (_set(f"{PM}.steps", "Nộp hồ sơ"), (M, "steps")),
    # enums and references
    "unknown field": (_set(f"{PM}.field", "XX"), (M, "field")),
    "missing field": (_drop(f"{PM}.field"), (M, "field")),
    "bad level": (_set(f"{PM}.level", "district"), (M, "level")),
    "missing level": (_drop(f"{PM}.level"), (M, "level")),
    "bad channel": (_set(f"{PM}.channels", ["counter", "fax"]), (M, "channels[1]")),
    "channel twice": (_set(f"{PM}.channels", ["post", "post"]), (M, "channels[1]")),
    "bad online level": (_set(f"{PM}.online_level", "some"), (M, "online_level")),
    "bad status": (_set(f"{PM}.status", "active"), (M, "status")),
    "missing status": (_drop(f"{PM}.status"), (M, "status")),
    # processing time
    "zero days": (
        _set(f"{PC}.processing_time", {"working_days": 0}),
        (C, "processing_time.working_days"),
    ),  # noqa: E501
    "days as text": (
        _set(f"{PC}.processing_time", {"working_days": "3"}),
        (C, "processing_time.working_days"),
    ),  # noqa: E501
    "days not whole": (
        _set(f"{PC}.processing_time", {"working_days": 2.5}),
        (C, "processing_time.working_days"),
    ),  # noqa: E501
    "same day false": (
        _set(f"{PC}.processing_time", {"same_day": False}),
        (C, "processing_time.same_day"),
    ),  # noqa: E501
    "days and same day": (
        _set(f"{PC}.processing_time", {"same_day": True, "working_days": 2}),
        (C, "processing_time"),
    ),  # noqa: E501
    "neither days nor same day": (
        _set(f"{PC}.processing_time", {"note": {"vi": "x"}}),
        (C, "processing_time"),
    ),  # noqa: E501
    "time not an object": (_set(f"{PC}.processing_time", 3), (C, "processing_time")),
    "note without vi": (
        _set(f"{PM}.processing_time.note", {"en": "x"}),
        (M, "processing_time.note.vi"),
    ),  # noqa: E501
    # fees
    "negative fee": (_set(f"{PC}.fees.0.amount_vnd", -2000), (C, "fees[0].amount_vnd")),
    "fee with decimals": (_set(f"{PC}.fees.0.amount_vnd", 2000.5), (C, "fees[0].amount_vnd")),
    "fee as text": (_set(f"{PC}.fees.0.amount_vnd", "2.000 đ"), (C, "fees[0].amount_vnd")),
    "fee without amount": (_drop(f"{PC}.fees.0.amount_vnd"), (C, "fees[0].amount_vnd")),
    "fee without name": (_drop(f"{PC}.fees.0.name"), (C, "fees[0].name")),
    "fee unknown key": (_set(f"{PC}.fees.0.currency", "VND"), (C, "fees[0].currency")),
    # documents
    "required not a bool": (
        _set(f"{PM}.documents.1.required", "yes"),
        (M, "documents[1].required"),
    ),  # noqa: E501
    "required missing": (_drop(f"{PM}.documents.1.required"), (M, "documents[1].required")),
    "negative originals": (_set(f"{PM}.documents.0.originals", -1), (M, "documents[0].originals")),
    "copies as bool": (_set(f"{PM}.documents.0.copies", True), (M, "documents[0].copies")),
    "form a plain string": (_set(f"{PM}.documents.0.form", "Mẫu"), (M, "documents[0].form")),
    "document not an object": (_set(f"{PM}.documents.0", "Tờ khai"), (M, "documents[0]")),
    "document without name": (_drop(f"{PM}.documents.0.name"), (M, "documents[0].name")),
    # legal basis
    "issued not ISO": (
        _set(f"{PM}.legal_basis.0.issued", "20/11/2014"),
        (M, "legal_basis[0].issued"),
    ),  # noqa: E501
    "issued not a date": (
        _set(f"{PM}.legal_basis.0.issued", "2014-02-30"),
        (M, "legal_basis[0].issued"),
    ),  # noqa: E501
    "law without number": (_drop(f"{PM}.legal_basis.0.number"), (M, "legal_basis[0].number")),
    "law number too long": (
        _set(f"{PM}.legal_basis.0.number", "9" * 65),
        (M, "legal_basis[0].number"),
    ),  # noqa: E501
    "law without title": (_drop(f"{PM}.legal_basis.0.title"), (M, "legal_basis[0].title")),
    # successors
    "unknown successor": (_set(f"{PA}.replaced_by", "9.999999"), (A, "replaced_by")),
    "replaces itself": (_set(f"{PA}.replaced_by", A), (A, "replaced_by")),
    "successor of a published procedure": (_set(f"{PC}.replaced_by", M), (C, "replaced_by")),
    "successor is a draft": (_set(f"{PM}.status", "draft"), (A, "replaced_by")),
    "successor not a string": (_set(f"{PA}.replaced_by", 1.000894), (A, "replaced_by")),
}


@pytest.mark.parametrize("change, expected", CASES.values(), ids=CASES.keys())
def test_each_rule_reports_code_and_key(change, expected):
    data = small()
    change(data)

    problems = problems_of(data)

    assert expected in where(problems), [str(p) for p in problems]
    assert Procedure.objects.count() == 0 and Field.objects.count() == 0


def test_problem_text_names_code_key_and_reason():
    data = small()
    marriage(data)["documents"][1]["required"] = "yes"

    (problem,) = problems_of(data)

    assert str(problem).startswith("1.000894 documents[1].required: must be true or false")
    assert str(Problem("", "format", "wrong")) == "format: wrong"
    assert str(Problem("procedures[2]", "", "must be an object")) == (
        "procedures[2]: must be an object"
    )


def test_a_file_with_many_errors_lists_them_all():
    problems = problems_of(INVALID.read_bytes())

    assert where(problems) == {
        ("1.001193", "processing_time.working_days"),
        ("1.001193", "documents[1].required"),
        ("1.000656", "name.vi"),
        ("1.000656", "field"),
        ("1.000656", "level"),
        ("1.000656", "fees[0].amount_vnd"),
        ("1.000656", "legal_basis[0].issued"),
        ("1.000656", "replaced_by"),
    }


def test_the_small_valid_variants_pass():
    """Optional keys may be left out; English is optional everywhere."""
    data = small()
    record = marriage(data)
    for key in ("description", "steps", "channels", "online_level", "processing_time", "fees"):
        del record[key]
    for key in ("documents", "eligibility", "requirements", "result", "legal_basis"):
        del record[key]
    del record["replaced_by"]
    record["name"] = {"vi": "Đăng ký kết hôn", "en": ""}
    import_catalogue(data)

    p = Procedure.objects.get(code=M)
    assert p.online_level == "none" and p.channels == [] and not p.name_en
    assert p.processing_days is None and not p.same_day


def test_references_may_point_into_the_database():
    import_catalogue(small())
    later = {
        "format": "tthc-catalogue/1",
        "procedures": [
            {
                "code": "2.000001",
                "name": {"vi": "Chứng thực cũ"},
                "field": "CT",  # not in this file, already stored
                "level": "commune",
                "status": "archived",
                "replaced_by": C,  # not in this file, already stored
            }
        ],
    }

    import_catalogue(json.dumps(later))

    old = Procedure.objects.get(code="2.000001")
    assert old.field.code == "CT" and old.replaced_by.code == C


def test_successor_later_in_the_file_and_successor_cycles():
    data = small()
    assert data["procedures"][0]["replaced_by"] == M  # the archived one comes first
    data["procedures"].append(
        {
            "code": "3.000001",
            "name": {"vi": "Thủ tục A"},
            "field": "HT",
            "level": "commune",
            "status": "archived",
            "replaced_by": "3.000002",
        }
    )
    data["procedures"].append(
        {
            "code": "3.000002",
            "name": {"vi": "Thủ tục B"},
            "field": "HT",
            "level": "commune",
            "status": "archived",
            "replaced_by": "3.000001",
        }
    )

    import_catalogue(data)

    assert Procedure.objects.get(code=A).replaced_by.code == M
    assert Procedure.objects.get(code="3.000001").replaced_by.code == "3.000002"
    assert Procedure.objects.get(code="3.000002").replaced_by.code == "3.000001"


# --------------------------------------------------------------------------- all or nothing


def test_a_failing_import_changes_nothing():
    import_catalogue(small())
    before = row_counts()
    revision = Procedure.objects.get(code=M).revision
    data = small()
    marriage(data)["name"]["vi"] = "Đăng ký kết hôn (sửa)"
    marriage(data)["documents"] = []
    data["fields"][0]["name"]["vi"] = "Chứng thực (sửa)"
    data["procedures"].append(copy.deepcopy(marriage(data)) | {"code": "1.999999"})
    data["procedures"][2]["fees"][0]["amount_vnd"] = -1  # the one bad value

    problems = problems_of(data)

    assert where(problems) == {(C, "fees[0].amount_vnd")}
    assert row_counts() == before
    p = Procedure.objects.get(code=M)
    assert p.name_vi == "Đăng ký kết hôn" and p.documents.count() == 2
    assert p.revision == revision
    assert Field.objects.get(code="CT").name_vi == "Chứng thực"
    assert not Procedure.objects.filter(code="1.999999").exists()


def test_reimport_updates_in_place_and_keeps_history(province_admin):
    import_catalogue(small())
    p = Procedure.objects.get(code=M)
    pk, revision, history = p.pk, p.revision, p.history.count()
    kept_document = p.documents.get(position=0)
    data = small()
    marriage(data)["name"]["vi"] = "Đăng ký kết hôn (mới)"
    marriage(data)["documents"] = marriage(data)["documents"][:1]
    marriage(data)["documents"][0]["copies"] = 2
    marriage(data)["steps"].reverse()
    marriage(data)["processing_time"] = {"working_days": 5}

    result = import_catalogue(data, user=province_admin)

    assert result.updated == [M] and result.unchanged == [A, C]
    assert result.created == []
    p = Procedure.objects.get(code=M)
    assert p.pk == pk  # same row, so the same /p/<code> link and offerings
    assert p.name_vi == "Đăng ký kết hôn (mới)"
    assert p.processing_days == 5 and not p.same_day and not p.processing_note_vi
    assert p.history.count() == history + 1
    latest = p.history.first()
    assert (latest.history_type, latest.history_user) == ("~", province_admin)
    assert p.revision > revision
    assert "dang ky ket hon moi" in p.search_text
    assert "xac nhan tinh trang hon nhan" not in p.search_text
    # The document still listed keeps its row (dossiers link to it); the other is gone.
    (document,) = p.documents.all()
    assert document.pk == kept_document.pk and document.copies == 2
    deleted = ProcedureDocument.history.filter(history_type="-")
    assert [h.name_vi for h in deleted] == ["Giấy xác nhận tình trạng hôn nhân"]
    assert deleted.get().history_user == province_admin
    assert [s.text_vi[:7] for s in p.steps.order_by("position")] == ["Hai bên", "Nộp hồ "]
    assert Procedure.objects.get(code=A).replaced_by_id == pk
    assert dumps(export_catalogue(exported_at=PINNED)) == dumps(data)


def test_unchanged_reimport_writes_nothing():
    import_catalogue(small())
    before = row_counts()
    revisions = dict(Procedure.objects.values_list("code", "revision"))

    result = import_catalogue(small())

    assert sorted(result.unchanged) == sorted([M, C, A])
    assert result.created == result.updated == result.fields_updated == []
    assert row_counts() == before
    assert dict(Procedure.objects.values_list("code", "revision")) == revisions


def test_a_renamed_field_refreshes_its_procedures():
    import_catalogue(small())
    revision = Procedure.objects.get(code=M).revision
    data = small()
    data["fields"][1]["name"] = {"vi": "Hộ tịch và quốc tịch", "en": "Civil status"}

    result = import_catalogue(data)

    assert result.fields_updated == ["HT"] and M in result.unchanged
    p = Procedure.objects.get(code=M)
    assert "ho tich va quoc tich" in p.search_text and p.revision > revision
    assert Field.objects.get(code="HT").history.count() == 2


def test_procedures_missing_from_the_file_are_kept():
    import_catalogue(small())
    data = small()
    data["procedures"] = data["procedures"][:1]

    import_catalogue(data)

    assert Procedure.objects.count() == 3


# --------------------------------------------------------------------------- round trip


def test_round_trip_of_the_sample_catalogue_is_byte_identical():
    sample = json.loads(SAMPLE.read_text(encoding="utf-8"))
    import_catalogue(SAMPLE.read_bytes())
    first = dumps(export_catalogue(exported_at=PINNED))

    empty_catalogue()
    assert Procedure.objects.count() == 0
    result = import_catalogue(first)
    second = dumps(export_catalogue(exported_at=PINNED))

    assert len(result.created) == len(sample["procedures"])
    assert second == first
    # Nothing of the sample was lost on the way: same records, in code order.
    exported = json.loads(first)
    assert exported["fields"] == sorted(sample["fields"], key=lambda f: f["code"])
    assert exported["procedures"] == sorted(sample["procedures"], key=lambda p: p["code"])
