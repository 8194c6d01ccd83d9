"""The public pages a citizen sees: home, search, the procedure page, forms, language."""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures import services
from procedures.catalogue import import_catalogue
from procedures.models import (
    LegalDocument,
    LocalForm,
    Procedure,
    ProcedureDocument,
    ProcedureFee,
    ProcedureStep,
    Status,
    UnitProcedure,
)
from tests.factories import FieldFactory, ProcedureFactory

SAMPLE_CATALOGUE = Path(settings.BASE_DIR) / "demo" / "sample-catalogue.json"
CSS = Path(settings.BASE_DIR) / "static" / "css" / "site.css"


def html(response) -> str:
    return response.content.decode()


@pytest.fixture
def marriage(procedure):
    """The conftest procedure (1.000894, marriage) with everything its page shows."""
    procedure.processing_note_vi = "Trường hợp cần xác minh thì không quá 8 ngày làm việc."
    procedure.processing_note_en = "Up to 8 working days when checks are needed."
    procedure.eligibility_vi = "Nam, nữ đủ điều kiện kết hôn."
    procedure.eligibility_en = "A man and a woman who may marry."
    procedure.result_vi = "Giấy chứng nhận kết hôn"
    procedure.result_en = "Marriage certificate"
    procedure.online_level = "partial"
    procedure.save()
    ProcedureDocument.objects.filter(procedure=procedure).delete()
    ProcedureDocument.objects.create(
        procedure=procedure,
        position=0,
        name_vi="Tờ khai đăng ký kết hôn",
        name_en="Marriage registration declaration",
        originals=1,
        copies=0,
        required=True,
        form_vi="Mẫu tờ khai đăng ký kết hôn",
        form_en="Declaration form",
    )
    ProcedureDocument.objects.create(
        procedure=procedure,
        position=1,
        name_vi="Giấy xác nhận tình trạng hôn nhân",
        name_en="Certificate of marital status",
        originals=1,
        copies=2,
        required=False,
    )
    ProcedureStep.objects.create(
        procedure=procedure, position=0, text_vi="Nộp hồ sơ", text_en="Submit the dossier"
    )
    ProcedureStep.objects.create(
        procedure=procedure, position=1, text_vi="Nhận kết quả", text_en="Collect the result"
    )
    ProcedureFee.objects.create(
        procedure=procedure,
        name_vi="Lệ phí đăng ký",
        name_en="Registration fee",
        amount_vnd=1_000_000,
    )
    LegalDocument.objects.create(
        procedure=procedure,
        number="60/2014/QH13",
        title_vi="Luật Hộ tịch",
        title_en="Law on Civil Status",
        issued=date(2014, 11, 20),
        issuer_vi="Quốc hội",
        issuer_en="National Assembly",
    )
    services.procedure_changed(procedure)
    procedure.refresh_from_db()
    return procedure


@pytest.fixture
def offering(marriage, commune):
    commune.opening_hours_vi = "Thứ Hai – Thứ Sáu: 7:00–11:30"
    commune.save()
    return UnitProcedure.objects.create(
        unit=commune,
        procedure=marriage,
        counter_vi="Quầy số 2",
        counter_en="Counter 2",
        contact="Chị Lan, 0912 345 678",
        hours_vi="Sáng thứ Hai đến thứ Sáu",
        local_notes_vi="Mang theo căn cước của hai bên.",
    )


@pytest.fixture
def local_form(offering, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    form = LocalForm(offering=offering, title_vi="Tờ khai (mẫu của xã)")
    form.file.save("to-khai.pdf", ContentFile(b"%PDF-1.4 demo"), save=True)
    return form


# --- home ---------------------------------------------------------------------------------


def test_home_shows_fields_with_counts_and_most_used_first(client, db):
    civil = FieldFactory(code="HT", name_vi="Hộ tịch", name_en="Civil status")
    land = FieldFactory(code="DD", name_vi="Đất đai", name_en="Land")
    for n in range(9):
        ProcedureFactory(code=f"1.10000{n}", name_vi=f"Thủ tục {n}", popularity=n, field=civil)
    ProcedureFactory(code="1.200000", name_vi="Đăng ký đất đai", popularity=100, field=land)
    ProcedureFactory(code="1.300000", name_vi="Bản nháp", popularity=999, status=Status.DRAFT)

    page = html(client.get("/"))

    assert 'action="/search/"' in page and 'name="q"' in page
    assert "/search/?field=HT" in page and "/search/?field=DD" in page
    assert "9 thủ tục" in page and "1 thủ tục" in page
    most_used = page[page.index('id="most-used"') : page.index('id="fields"')]
    assert most_used.index("Đăng ký đất đai") < most_used.index("Thủ tục 8")
    assert most_used.index("Thủ tục 8") < most_used.index("Thủ tục 2")
    assert "Thủ tục 1" not in most_used  # only eight
    assert "Bản nháp" not in page


def test_home_query_count_does_not_grow_with_the_catalogue(client, db, django_assert_num_queries):
    ProcedureFactory(code="1.100000")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for n in range(20):
        ProcedureFactory(code=f"1.2{n:05d}", field=FieldFactory(code=f"F{n}", name_vi=f"LV {n}"))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/")


# --- search -------------------------------------------------------------------------------


def test_search_finds_marriage_without_diacritics(client, marriage):
    ProcedureFactory(code="1.001193", name_vi="Đăng ký khai sinh", name_en="Birth registration")

    response = client.get("/search/", {"q": "dang ky ket hon"})

    page = html(response)
    assert response.status_code == 200
    results = page[page.index('class="results"') :]
    assert results.index('href="/p/') == results.index('href="/p/1.000894"')  # best first
    assert 'value="dang ky ket hon"' in page


@pytest.mark.parametrize(
    "params",
    [
        {"q": "kết hôn", "page": "abc"},
        {"q": "kết hôn", "page": "-3"},
        {"q": "kết hôn", "page": "99999"},
        {"q": "kết hôn", "level": "planet"},
        {"q": "kết hôn", "field": "NOPE"},
        {"q": "kết hôn", "unit": "../../etc"},
        {"q": "x" * 5000},
        {"q": "%00<script>"},
    ],
)
def test_search_handles_bad_parameters(client, marriage, params):
    response = client.get("/search/", params)

    assert response.status_code == 200
    assert "<script>" not in html(response)


def test_search_without_results_gives_tips(client, marriage):
    page = html(client.get("/search/", {"q": "tàu vũ trụ"}))

    assert "Không tìm thấy thủ tục phù hợp" in page
    assert "dang ky ket hon" in page  # the tip about typing without diacritics


def test_search_filters_by_field_and_paginates(client, db):
    civil = FieldFactory(code="HT", name_vi="Hộ tịch")
    land = FieldFactory(code="DD", name_vi="Đất đai")
    for n in range(25):
        ProcedureFactory(code=f"1.1{n:05d}", name_vi=f"Đăng ký hộ tịch {n}", field=civil)
    ProcedureFactory(code="1.200000", name_vi="Đăng ký đất đai", field=land)

    first = html(client.get("/search/", {"field": "HT"}))
    second = html(client.get("/search/", {"field": "HT", "page": "2"}))

    assert "Tìm thấy 25 thủ tục" in first
    assert first.count('href="/p/1.1') == 20 and second.count('href="/p/1.1') == 5
    assert "Đăng ký đất đai" not in first + second
    assert 'href="?field=HT&amp;page=2"' in first


def test_search_within_a_units_offering_links_to_its_desk(client, offering, commune):
    ProcedureFactory(code="1.000593", name_vi="Đăng ký kết hôn có yếu tố nước ngoài")

    page = html(client.get("/search/", {"q": "ket hon", "unit": commune.code}))

    assert f'href="/p/1.000894?unit={commune.code}"' in page
    assert "/p/1.000593" not in page  # not offered at this desk
    assert f'name="unit" value="{commune.code}"' in page


def test_search_query_count_does_not_grow_with_the_results(client, db, django_assert_num_queries):
    field = FieldFactory()
    ProcedureFactory(code="1.100000", name_vi="Đăng ký kết hôn", field=field)
    with CaptureQueriesContext(connection) as few:
        client.get("/search/", {"q": "ket hon"})
    for n in range(30):
        ProcedureFactory(code=f"1.2{n:05d}", name_vi=f"Đăng ký kết hôn {n}", field=field)
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/search/", {"q": "ket hon", "page": "2"})


# --- procedure page -----------------------------------------------------------------------


def test_procedure_page_in_vietnamese(client, marriage):
    response = client.get("/p/1.000894")

    page = html(response)
    assert response.status_code == 200
    assert '<html lang="vi">' in page
    assert "<h1>Đăng ký kết hôn</h1>" in page
    assert "1.000894" in page and "Hộ tịch" in page and "Cấp xã" in page
    assert "3 ngày làm việc" in page and "không quá 8 ngày làm việc" in page
    assert "1.000.000 đồng" in page
    assert "Tờ khai đăng ký kết hôn" in page and "Mẫu tờ khai đăng ký kết hôn" in page
    assert "1 bản chính, 2 bản sao" in page and "Bắt buộc" in page and "Nếu có" in page
    assert page.index("Nộp hồ sơ") < page.index("Nhận kết quả")
    assert '<ol class="steps">' in page
    assert "Trực tiếp tại Bộ phận một cửa; Trực tuyến" in page
    assert "Một phần" in page and "Giấy chứng nhận kết hôn" in page
    assert "60/2014/QH13" in page and "Quốc hội, 20/11/2014" in page
    assert 'src="/p/1.000894/qr.svg"' in page and 'width="160" height="160"' in page
    assert 'href="/p/1.000894/poster.pdf"' in page
    assert f"{settings.SITE_URL}/p/1.000894" in page


def test_procedure_page_in_english_after_switching(client, marriage):
    switch = client.get("/lang/en/", {"next": "/p/1.000894"})
    assert switch.status_code == 302 and switch["Location"] == "/p/1.000894"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = html(client.get("/p/1.000894"))

    assert '<html lang="en">' in page
    assert "<h1>Marriage registration</h1>" in page
    assert "3 working days" in page and "Up to 8 working days" in page
    assert "1,000,000 VND" in page
    assert "Marriage registration declaration" in page
    assert "1 original, 2 copies" in page and "Required" in page
    assert "Submit the dossier" in page and "Law on Civil Status" in page
    assert "Documents to bring" in page and "Time limit" in page


def test_free_same_day_procedure(client, db):
    ProcedureFactory(
        code="1.001193",
        name_vi="Đăng ký khai sinh",
        processing_days=None,
        same_day=True,
        processing_note_vi="Nhận hồ sơ sau 15 giờ thì trả trong ngày làm việc tiếp theo.",
    )

    page = html(client.get("/p/1.001193"))

    assert "Trong ngày" in page and "sau 15 giờ" in page
    assert "Miễn phí" in page


def test_unit_parameter_adds_the_desks_local_details(client, offering, local_form, commune):
    page = html(client.get("/p/1.000894", {"unit": commune.code}))

    assert "Tại Xã Đạ Huoai" in page
    assert "Thôn 1, xã Đạ Huoai" in page and "0263 3874 123" in page
    assert "Quầy số 2" in page and "Chị Lan, 0912 345 678" in page
    assert "Sáng thứ Hai đến thứ Sáu" in page and "Mang theo căn cước" in page
    assert f'href="/forms/{local_form.pk}/"' in page and "Tờ khai (mẫu của xã)" in page
    assert f'src="/p/1.000894/qr.svg?unit={commune.code}"' in page
    assert f"{settings.SITE_URL}/p/1.000894?unit={commune.code}" in page


def test_unit_that_does_not_offer_the_procedure_says_so(client, marriage, other_commune):
    page = html(client.get("/p/1.000894", {"unit": other_commune.code}))

    assert "hiện không tiếp nhận thủ tục này" in page
    assert "Quầy tiếp nhận" not in page


def test_unknown_unit_shows_the_national_page(client, marriage):
    response = client.get("/p/1.000894", {"unit": "000.99.99.X00"})

    assert response.status_code == 200
    assert "<h1>Đăng ký kết hôn</h1>" in html(response)


def test_archived_procedure_says_so_and_links_to_its_successor(client, marriage):
    ProcedureFactory(
        code="1.000001",
        name_vi="Đăng ký kết hôn (thủ tục cũ)",
        status=Status.ARCHIVED,
        replaced_by=marriage,
    )

    page = html(client.get("/p/1.000001"))

    assert "Thủ tục này đã bãi bỏ hoặc được thay thế." in page
    assert page.index('class="notice"') < page.index("<h1>")
    assert '<a href="/p/1.000894">Đăng ký kết hôn (1.000894)</a>' in page


@pytest.mark.parametrize("url", ["/p/9.999999", "/p/1.000002", "/p/bad%20code!", "/nowhere/"])
def test_unknown_draft_or_made_up_pages_are_friendly_404s(client, db, url):
    ProcedureFactory(code="1.000002", status=Status.DRAFT)

    response = client.get(url)

    page = html(response)
    assert response.status_code == 404
    assert "Không tìm thấy trang" in page
    assert 'name="q"' in page and 'action="/search/"' in page
    assert 'href="/"' in page and "/lang/en/" in page


def test_made_up_codes_leave_nothing_in_the_cache(client, db):
    from django.core.cache import cache

    client.get("/p/9.999999")

    assert cache.get(services.REVISION_KEY.format(code="9.999999")) is None


def test_procedure_page_fits_the_30_kb_budget(client, db, commune):
    import_catalogue(SAMPLE_CATALOGUE.read_bytes())
    css = CSS.read_bytes()
    sizes = {}
    for procedure in Procedure.objects.public():
        UnitProcedure.objects.create(
            unit=commune, procedure=procedure, counter_vi="Quầy số 1", local_notes_vi="Ghi chú."
        )
        for lang in ("vi", "en"):
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
            response = client.get(f"/p/{procedure.code}", {"unit": commune.code})
            assert response.status_code == 200
            sizes[(procedure.code, lang)] = len(response.content)
    biggest = max(sizes.values())

    assert len(sizes) >= 40
    assert biggest + len(css) < 30 * 1024, (biggest, len(css))


# --- caching ------------------------------------------------------------------------------


def test_a_cached_page_is_served_without_database_queries(
    client, marriage, django_assert_num_queries
):
    first = client.get("/p/1.000894")

    with django_assert_num_queries(0):
        second = client.get("/p/1.000894")

    assert second.status_code == 200
    assert second.content == first.content
    assert "csrfmiddlewaretoken" not in html(second)
    assert "Set-Cookie" not in second.headers


def test_cache_headers_etag_and_304(client, marriage, django_assert_num_queries):
    response = client.get("/p/1.000894")

    assert response["Cache-Control"] == "public, max-age=300"
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}
    etag = response["ETag"]
    assert etag.startswith('"') and len(etag) > 10

    with django_assert_num_queries(0):
        not_modified = client.get("/p/1.000894", headers={"if-none-match": etag})

    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert client.get("/p/1.000894", headers={"if-none-match": '"other"'}).status_code == 200


def test_each_language_and_unit_has_its_own_page_and_etag(client, offering, commune):
    vi = client.get("/p/1.000894")
    local = client.get("/p/1.000894", {"unit": commune.code})
    client.get("/lang/en/")
    en = client.get("/p/1.000894")

    assert len({vi["ETag"], local["ETag"], en["ETag"]}) == 3
    assert "Marriage registration" in html(en)
    assert "Quầy số 2" in html(local) and "Quầy số 2" not in html(vi)


def test_an_edit_shows_at_once(client, marriage, django_capture_on_commit_callbacks):
    before = client.get("/p/1.000894")

    with django_capture_on_commit_callbacks(execute=True):
        marriage.name_vi = "Đăng ký kết hôn (mới)"
        marriage.save()
        services.procedure_changed(marriage)
    after = client.get("/p/1.000894")

    assert "Đăng ký kết hôn (mới)" in html(after)
    assert after["ETag"] != before["ETag"]


def test_query_count_on_a_miss_does_not_grow_with_the_procedure(
    client, marriage, offering, commune, django_assert_num_queries
):
    def misses() -> tuple[int, int]:
        counts = []
        for params in ({}, {"unit": commune.code}):
            services.invalidate_procedure_cache(marriage.code)
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/p/1.000894", params).status_code == 200
            counts.append(len(queries.captured_queries))
        return tuple(counts)

    small = misses()
    for n in range(10):
        ProcedureDocument.objects.create(procedure=marriage, position=10 + n, name_vi=f"Giấy {n}")
        ProcedureStep.objects.create(procedure=marriage, position=10 + n, text_vi=f"Bước {n}")
        ProcedureFee.objects.create(procedure=marriage, name_vi=f"Phí {n}", amount_vnd=n)
        LegalDocument.objects.create(procedure=marriage, number=f"{n}/2020/TT", title_vi="x")
        LocalForm.objects.create(offering=offering, title_vi=f"Mẫu {n}", file="forms/x.pdf")

    assert misses() == small
    # The page (5, or 8 with a unit), then the "submitted now, due on …" line: the unit
    # and its province calendar.
    assert small[0] <= 7 and small[1] <= 11, small


# --- language switch ----------------------------------------------------------------------


def test_every_page_has_a_language_switch_back_to_itself(client, marriage):
    for url, back in [
        ("/", "%2F"),
        ("/search/?q=k%E1%BA%BFt+h%C3%B4n", "%2Fsearch%2F%3Fq%3Dk%25E1%25BA%25BFt%2Bh%25C3%25B4n"),
        ("/p/1.000894?unit=nowhere&utm=x", "%2Fp%2F1.000894"),
    ]:
        page = html(client.get(url))
        assert f'href="/lang/en/?next={back}"' in page, url
        assert f'href="/lang/vi/?next={back}"' in page, url
        assert 'aria-current="true">Tiếng Việt</a>' in page, url


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_language_switch_never_leaves_the_site(client, db, next_url):
    response = client.get("/lang/en/", {"next": next_url})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_language_switch_rejects_unknown_languages(client, db):
    response = client.get("/lang/fr/", {"next": "/"})

    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_switching_back_to_vietnamese(client, marriage):
    client.get("/lang/en/", {"next": "/"})
    client.get("/lang/vi/", {"next": "/"})

    assert "<h1>Đăng ký kết hôn</h1>" in html(client.get("/p/1.000894"))


# --- local forms --------------------------------------------------------------------------


def test_local_form_download(client, local_form):
    response = client.get(f"/forms/{local_form.pk}/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 demo"
    assert "attachment" in response["Content-Disposition"]


@pytest.mark.parametrize("change", ["offering_inactive", "unit_inactive", "draft", "no_file"])
def test_local_form_download_denied(client, local_form, change):
    offering = local_form.offering
    if change == "offering_inactive":
        UnitProcedure.objects.filter(pk=offering.pk).update(is_active=False)
    elif change == "unit_inactive":
        type(offering.unit).objects.filter(pk=offering.unit_id).update(is_active=False)
    elif change == "draft":
        Procedure.objects.filter(pk=offering.procedure_id).update(status=Status.DRAFT)
    else:
        local_form.file.delete(save=False)

    assert client.get(f"/forms/{local_form.pk}/").status_code == 404


def test_unknown_local_form_is_404(client, db):
    assert client.get("/forms/424242/").status_code == 404


def test_page_says_when_a_dossier_submitted_now_would_be_due(
    client, marriage, django_assert_num_queries
):
    """3 working days: submitted Monday 07/12/2026 morning → Thursday; after 15:00 the
    clock starts the next day → Friday. The line changes, the cached page does not."""
    import time_machine

    with time_machine.travel("2026-12-07 09:00 +07:00", tick=False):
        morning = client.get("/p/1.000894")
        assert "hạn trả kết quả là thứ Năm 10/12/2026" in html(morning)
        with django_assert_num_queries(0):
            again = client.get("/p/1.000894")
        assert "thứ Năm 10/12/2026" in html(again)
    with time_machine.travel("2026-12-07 15:30 +07:00", tick=False):
        afternoon = client.get("/p/1.000894")
        assert "hạn trả kết quả là thứ Sáu 11/12/2026" in html(afternoon)
        assert afternoon["ETag"] != morning["ETag"]
        client.get("/lang/en/")
        english = client.get("/p/1.000894")
        assert "the result is due on Friday 11/12/2026" in html(english)


def test_pages_stay_vietnamese_for_an_english_browser_until_the_visitor_switches(client, marriage):
    page = client.get("/p/1.000894", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="vi">' in html(page) and "Đăng ký kết hôn" in html(page)
    client.get("/lang/en/")
    page = client.get("/p/1.000894", HTTP_ACCEPT_LANGUAGE="vi")
    assert '<html lang="en">' in html(page) and "Marriage registration" in html(page)
