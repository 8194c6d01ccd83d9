"""procedures/search.py: the same behaviour on SQLite and PostgreSQL."""

import pytest
from django.core.cache import cache

from procedures.models import Level, Procedure, Status, UnitProcedure
from procedures.search import (
    Vocabulary,
    query_words,
    rank_row,
    resolve_terms,
    search_procedures,
)
from procedures.services import build_search_text
from tests.factories import FieldFactory, ProcedureFactory

MARRIAGE = "1.000894"
MARRIAGE_FOREIGN = "1.000593"
BIRTH = "1.001193"
DEATH = "1.000656"
COPIES = "2.000815"
LAND = "1.012769"
BUSINESS = "2.000575"
DRAFT = "9.000001"
ARCHIVED = "1.000001"


@pytest.fixture
def catalogue(db):
    civil = FieldFactory(code="HT", name_vi="Hộ tịch", name_en="Civil status")
    certify = FieldFactory(code="CT", name_vi="Chứng thực", name_en="Authentication")
    land = FieldFactory(code="DD", name_vi="Đất đai", name_en="Land")
    business = FieldFactory(code="HKD", name_vi="Hộ kinh doanh", name_en="Household business")
    rows = [
        (
            MARRIAGE,
            "Đăng ký kết hôn",
            "Marriage registration",
            civil,
            50,
            ["Tờ khai đăng ký kết hôn", "Giấy xác nhận tình trạng hôn nhân"],
        ),
        (
            MARRIAGE_FOREIGN,
            "Đăng ký kết hôn có yếu tố nước ngoài",
            "Registration of a marriage involving a foreigner",
            civil,
            80,
            ["Giấy tờ chứng minh tình trạng hôn nhân của người nước ngoài"],
        ),
        (
            BIRTH,
            "Đăng ký khai sinh",
            "Birth registration",
            civil,
            90,
            ["Tờ khai đăng ký khai sinh", "Giấy chứng sinh"],
        ),
        (DEATH, "Đăng ký khai tử", "Death registration", civil, 10, ["Giấy báo tử"]),
        (
            COPIES,
            "Chứng thực bản sao từ bản chính giấy tờ, văn bản",
            "Certifying copies made from original papers",
            certify,
            70,
            ["Bản chính giấy tờ"],
        ),
        (
            LAND,
            "Đăng ký đất đai, tài sản gắn liền với đất lần đầu",
            "First registration of land",
            land,
            5,
            ["Đơn đăng ký đất đai"],
        ),
        (
            BUSINESS,
            "Đăng ký thành lập hộ kinh doanh",
            "Registration of a household business",
            business,
            20,
            ["Giấy đề nghị đăng ký hộ kinh doanh"],
        ),
    ]
    for code, vi, en, field, popularity, documents in rows:
        ProcedureFactory(
            code=code,
            name_vi=vi,
            name_en=en,
            field=field,
            popularity=popularity,
            documents=documents,
        )
    ProcedureFactory(
        code=DRAFT,
        name_vi="Đăng ký kết hôn lưu động",
        name_en="Mobile marriage registration",
        field=civil,
        status=Status.DRAFT,
        popularity=1000,
        documents=[],
    )
    ProcedureFactory(
        code=ARCHIVED,
        name_vi="Đăng ký kết hôn (thủ tục cũ)",
        name_en="",
        field=civil,
        status=Status.ARCHIVED,
        popularity=1000,
        documents=[],
    )
    Procedure.objects.filter(code=COPIES).update(level=Level.PROVINCE)
    cache.clear()  # the vocabulary is built from this catalogue


def codes(query, **kwargs):
    return list(search_procedures(query, **kwargs).values_list("code", flat=True))


@pytest.mark.parametrize(
    "query",
    [
        "dang ky ket hon",
        "Đăng ký kết hôn",
        "DANG KY KET HON",
        "ĐĂNG KÝ KẾT HÔN",
        "  đăng   ký kết hôn. ",
        "ket hon dang ky",  # words in any order
        "dang ki ket hon",  # ký / kí
        "dang ky kett hon",  # a letter too many
        "dang ky ket hn",  # a letter missing: "hn" is dropped, the rest still finds it
        "Thủ tục đăng ký kết hôn",  # filler
        "marriage registration",  # English name
        "MARRIAGE",
        "1.000894",  # code
    ],
)
def test_finds_marriage_registration_first(catalogue, query):
    assert codes(query)[0] == MARRIAGE


def test_exact_name_ranks_before_longer_names(catalogue):
    found = codes("đăng ký kết hôn")
    # The foreign-marriage procedure is more popular, but the exact name wins.
    assert found[:2] == [MARRIAGE, MARRIAGE_FOREIGN]


def test_all_words_are_required(catalogue):
    found = codes("dang ky ket hon")
    assert set(found) == {MARRIAGE, MARRIAGE_FOREIGN}


def test_never_returns_drafts_or_archived(catalogue):
    for query in ["dang ky ket hon", "luu dong", "thu tuc cu", "", "9.000001", "1.000001"]:
        found = codes(query)
        assert DRAFT not in found and ARCHIVED not in found


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ho tich", {MARRIAGE, MARRIAGE_FOREIGN, BIRTH, DEATH}),  # field name
        ("Hộ tịch", {MARRIAGE, MARRIAGE_FOREIGN, BIRTH, DEATH}),
        ("civil status", {MARRIAGE, MARRIAGE_FOREIGN, BIRTH, DEATH}),  # field name, English
        ("giay chung sinh", {BIRTH}),  # document name
        ("giấy báo tử", {DEATH}),
        ("dat dai", {LAND}),  # đ → d
        ("Đất Đai", {LAND}),
        ("ho kinh doanh", {BUSINESS}),
        ("khia sinh", {BIRTH}),  # misspelt: khai
        ("birth", {BIRTH}),
        ("xyzzy", set()),  # nothing like it
    ],
)
def test_finds_by_field_document_and_english_names(catalogue, query, expected):
    assert set(codes(query)) == expected


def test_code_prefix_while_typing(catalogue):
    assert codes("1.0011")[0] == BIRTH
    assert codes("2.0008") == [COPIES]


def test_unfinished_last_word_while_typing(catalogue):
    assert codes("dang ky ket h")[0] == MARRIAGE
    assert codes("khai s")[0] == BIRTH


def test_empty_query_lists_published_by_popularity(catalogue):
    assert codes("") == [BIRTH, MARRIAGE_FOREIGN, COPIES, MARRIAGE, BUSINESS, DEATH, LAND]
    assert codes("  ...  ") == codes("")


def test_filters_by_field_and_level(catalogue):
    assert set(codes("dang ky", field="HT")) == {MARRIAGE, MARRIAGE_FOREIGN, BIRTH, DEATH}
    assert codes("", field="CT") == [COPIES]
    assert codes("", level=Level.PROVINCE) == [COPIES]
    assert codes("chung thuc", level=Level.COMMUNE) == []
    assert codes("dang ky", field="NOPE") == []
    assert codes("", level="xyz") == []


def test_unit_keeps_what_its_desk_offers(catalogue, commune, other_commune):
    marriage = Procedure.objects.get(code=MARRIAGE)
    birth = Procedure.objects.get(code=BIRTH)
    UnitProcedure.objects.create(unit=commune, procedure=marriage)
    UnitProcedure.objects.create(unit=commune, procedure=birth, is_active=False)
    UnitProcedure.objects.create(unit=other_commune, procedure=birth)
    assert codes("dang ky", unit=commune) == [MARRIAGE]
    assert codes("", unit=commune) == [MARRIAGE]
    assert codes("dang ky", unit=other_commune) == [BIRTH]


def test_queryset_argument_narrows_the_search(catalogue):
    narrowed = Procedure.objects.filter(code__in=[MARRIAGE_FOREIGN, BIRTH])
    assert codes("dang ky", queryset=narrowed) == [BIRTH, MARRIAGE_FOREIGN]


def test_rank_is_the_documented_rule(catalogue):
    """The database's order is the order of rank_row (the rules in the module docstring),
    on either database, so SQLite and PostgreSQL agree."""
    vocabulary = Vocabulary.from_texts(
        Procedure.objects.published().values_list("search_text", flat=True)
    )
    queries = ["dang ky", "ket hon dang ky", "dang ki ket hon", "ho tich", "registration"]
    for query in [*queries, "ky ket", "khai", "ban chinh", "an", "khai s", "ket hon nhanh", "1.00"]:
        terms = resolve_terms(query_words(query), vocabulary)
        ranked = []
        for procedure in Procedure.objects.published():
            rank = rank_row(terms, procedure.code, procedure.search_text)
            if rank is not None:
                key = (-round(rank, 6), -procedure.popularity, procedure.name, procedure.code)
                ranked.append(key)
        expected = [code for *_, code in sorted(ranked)]
        found = search_procedures(query)
        assert [p.code for p in found] == expected, query
        assert [round(p.search_rank, 4) for p in found] == [
            round(-r[0], 4) for r in sorted(ranked)
        ], query


def test_new_words_are_found_before_the_vocabulary_refreshes(catalogue):
    codes("dang ky")  # the vocabulary is now cached
    ProcedureFactory(code="1.009994", name_vi="Cấp giấy phép xây dựng", name_en="Building permit")
    assert codes("xay dung") == ["1.009994"]
    assert codes("building permit") == ["1.009994"]


def test_search_text_starts_with_the_names(db):
    field = FieldFactory(code="HT", name_vi="Hộ tịch", name_en="Civil status")
    procedure = ProcedureFactory(
        code="1.000894",
        name_vi="Đăng ký kết hôn",
        name_en="",
        field=field,
        documents=["Tờ khai đăng ký kết hôn"],
    )
    assert (
        procedure.search_text
        == build_search_text(procedure)
        == (
            " | dang ky ket hon |  | ; | 1.000894 1 000894 | ho tich civil status ht"
            " | to khai dang ky ket hon | "
        )
    )


# --- the query and the vocabulary, without a database -------------------------------------


def test_query_words_fold_and_drop_filler():
    assert query_words("Thủ tục ĐĂNG KÝ kết hôn.") == ["dang", "ky", "ket", "hon"]
    assert query_words("thủ tục hành chính khai sinh") == ["khai", "sinh"]
    assert query_words("thu tuc") == ["thu", "tuc"]  # nothing else: keep it
    assert query_words("mã 1.001193.") == ["ma", "1.001193"]
    assert query_words(None) == []
    assert len(query_words("a " * 500)) == 40


def test_corrections():
    vocabulary = Vocabulary.from_texts([" | dang ky ket hon | khai sinh | kinh doanh | 1.000894"])
    assert "1.000894" not in vocabulary.words  # codes are matched as typed
    assert vocabulary.corrections("ki") == ["ky"]
    assert vocabulary.corrections("khia") == ["khai"]
    assert vocabulary.corrections("xyzw") == []
    terms = resolve_terms(["dang", "ki", "ket", "hon", "nhanh"], vocabulary)
    # A known word: whole first, then its beginning; an unknown one: its corrections, then
    # its beginning. The rarest first.
    assert terms.required == (
        (" dang ", " dang"),
        (" ket ", " ket"),
        (" hon ", " hon"),
        (" ky ", " ki"),
    )
    assert terms.optional == (" nhanh",)
    assert terms.phrase == "dang ky ket hon"
    terms = resolve_terms(["khia", "s"], vocabulary)
    assert terms.required == ((" khai ", " khia"),)
    assert terms.optional == (" s",)  # one letter: ranks, does not narrow
    assert resolve_terms(["1.0008"], vocabulary).required == ((" 1.0008",),)
