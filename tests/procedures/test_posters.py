"""A4 counter posters and unit booklets: read back with poppler's tools, as a printer would
see them, and their QR codes decoded from the printed page."""

import re
import subprocess

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django.utils import translation
from PIL import Image

from portal.models import Unit
from procedures import posters
from procedures.models import ProcedureFee, Status, UnitProcedure
from tests.factories import ProcedureFactory

from .test_qr import decode

SITE = "https://dichvucong.lamdong.example.vn"
A4_POINTS = (595.28, 841.89)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def marriage(procedure, commune):
    """Đăng ký kết hôn, same-day, with a fee, offered at the commune's counter 2."""
    procedure.same_day = True
    procedure.processing_days = None
    procedure.save()
    ProcedureFee.objects.create(
        procedure=procedure, name_vi="Lệ phí đăng ký kết hôn", amount_vnd=1_000_000
    )
    UnitProcedure.objects.create(unit=commune, procedure=procedure, counter_vi="Quầy số 2")
    return procedure


def write(tmp_path, pdf: bytes, name: str = "poster.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def pdf_text(path, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", *pages, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdf_info(path) -> dict:
    out = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    return dict(line.split(":", 1) for line in out.stdout.splitlines() if ":" in line)


def page_count(path) -> int:
    return int(pdf_info(path)["Pages"])


def pdf_fonts(path) -> list[dict]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    header, _, *rows = out.stdout.splitlines()
    columns = header.split()  # name type encoding emb sub uni object ID
    fonts = []
    for row in rows:
        # "type" may contain a space ("CID TrueType"), so read the columns from the right.
        parts = row.split()
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4]})
    assert columns[:1] == ["name"]
    return fonts


def page_qr(path, tmp_path, page: int = 1) -> str:
    """Print the page at 150 dpi and decode its QR code."""
    prefix = tmp_path / f"page{page}"
    subprocess.run(
        ["pdftoppm", "-r", "150", "-f", str(page), "-l", str(page), "-png", "-singlefile"]
        + [str(path), str(prefix)],
        check=True,
    )
    code = decode(Image.open(f"{prefix}.png"))
    assert code.ec_level in {"M", "Q", "H"}
    return code.text


def flat(text: str) -> str:
    return " ".join(text.split())


# --- the poster ------------------------------------------------------------------------


def test_poster_is_one_a4_page_with_the_procedure_in_vietnamese(tmp_path, marriage, commune):
    path = write(tmp_path, posters.procedure_poster_pdf(marriage, commune))
    assert path.read_bytes().startswith(b"%PDF-")
    assert page_count(path) == 1
    width, height = (float(v) for v in re.findall(r"[\d.]+", pdf_info(path)["Page size"])[:2])
    assert (width, height) == pytest.approx(A4_POINTS, abs=0.5)

    text = flat(pdf_text(path))
    assert "Đăng ký kết hôn" in text
    assert "1.000894" in text
    assert "Trong ngày" in text  # same-day time limit
    assert "Lệ phí đăng ký kết hôn: 1.000.000 đồng" in text
    assert "Quầy số 2" in text
    assert "Quét mã để xem chi tiết" in text
    assert "XÃ ĐẠ HUOAI" in text  # the unit on top
    assert "Thôn 1, xã Đạ Huoai" in text  # and its address
    assert "dichvucong.lamdong.example.vn/p/1.000894?unit=000.00.23.H56" in text


def test_poster_embeds_its_font(tmp_path, marriage, commune):
    path = write(tmp_path, posters.procedure_poster_pdf(marriage, commune))
    fonts = pdf_fonts(path)
    assert fonts
    assert all(font["emb"] == "yes" for font in fonts), fonts
    # The shipped DejaVu files, under the family name the poster's CSS gives them.
    assert {font["name"].split("+")[-1] for font in fonts} == {"Poster-Sans", "Poster-Sans-Bold"}


def test_poster_qr_code_decodes_to_the_unit_link(tmp_path, marriage, commune):
    path = write(tmp_path, posters.procedure_poster_pdf(marriage, commune))
    assert page_qr(path, tmp_path) == f"{SITE}/p/1.000894?unit=000.00.23.H56"


def test_poster_without_unit(tmp_path, marriage):
    path = write(tmp_path, posters.procedure_poster_pdf(marriage))
    assert page_count(path) == 1
    text = flat(pdf_text(path))
    assert "Đăng ký kết hôn" in text
    assert "Đạ Huoai" not in text
    assert page_qr(path, tmp_path) == f"{SITE}/p/1.000894"


def test_free_procedure_in_working_days(tmp_path, db):
    procedure = ProcedureFactory(code="1.004837", name_vi="Đăng ký giám hộ", processing_days=3)
    text = flat(pdf_text(write(tmp_path, posters.procedure_poster_pdf(procedure))))
    assert "Miễn phí" in text
    assert "3 ngày làm việc" in text


def test_archived_procedure_poster_names_its_successor(tmp_path, db):
    new = ProcedureFactory(code="1.001193", name_vi="Đăng ký khai sinh")
    old = ProcedureFactory(
        code="1.000001", name_vi="Đăng ký khai sinh (cũ)", status=Status.ARCHIVED, replaced_by=new
    )
    text = flat(pdf_text(write(tmp_path, posters.procedure_poster_pdf(old))))
    assert "đã bãi bỏ" in text
    assert "1.001193" in text


def test_a_very_long_poster_still_fits_one_page_and_scans(tmp_path, commune):
    name = "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ, sửa chữa, cải tạo, di dời " * 6
    procedure = ProcedureFactory(code="1.009994", name_vi=name.strip(), processing_days=15)
    for position in range(6):
        ProcedureFee.objects.create(
            procedure=procedure,
            position=position,
            name_vi=f"Lệ phí cấp giấy phép xây dựng loại {position}",
            amount_vnd=75_000 * (position + 1),
            note_vi="Miễn lệ phí đối với hộ nghèo, người có công với cách mạng. " * 3,
        )
    offering = UnitProcedure.objects.create(
        unit=commune,
        procedure=procedure,
        counter_vi="Quầy số 5 – Xây dựng, đất đai, tài nguyên và môi trường",
        hours_vi="Sáng thứ Hai đến sáng thứ Bảy, 7 giờ 30 – 11 giờ 30; chiều 13 giờ 30 – 17 giờ",
    )
    path = write(tmp_path, posters.procedure_poster_pdf(procedure, offering.unit))
    assert page_count(path) == 1
    text = flat(pdf_text(path))
    assert "75.000 đồng" in text
    assert "Quét mã để xem chi tiết" in text
    assert page_qr(path, tmp_path) == f"{SITE}/p/1.009994?unit=000.00.23.H56"


def test_poster_follows_the_active_language(tmp_path, marriage):
    with translation.override("en"):
        text = flat(pdf_text(write(tmp_path, posters.procedure_poster_pdf(marriage))))
    assert "Marriage registration" in text


def test_pdfs_are_cached_by_their_html(marriage, commune, monkeypatch):
    first = posters.procedure_poster_pdf(marriage, commune)
    import weasyprint

    monkeypatch.setattr(weasyprint, "HTML", None)  # a second rendering would fail
    assert posters.procedure_poster_pdf(marriage, commune) == first


@pytest.mark.parametrize("src", ["file:///etc/hostname", "http://example.com/x.png"])
def test_printing_reads_nothing_outside_static(src):
    from weasyprint.urls import FatalURLFetchingError

    with pytest.raises(FatalURLFetchingError):
        posters.html_to_pdf(f'<img src="{src}">')


def test_format_vnd():
    assert posters.format_vnd(0) == "0 đồng"
    assert posters.format_vnd(3000) == "3.000 đồng"
    assert posters.format_vnd(1_000_000) == "1.000.000 đồng"


# --- /p/<code>/poster.pdf ---------------------------------------------------------------


def test_poster_view(client, tmp_path, marriage, commune):
    response = client.get("/p/1.000894/poster.pdf", {"unit": commune.code})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "poster-1.000894-000.00.23.H56.pdf" in response["Content-Disposition"]
    path = write(tmp_path, response.content)
    assert page_count(path) == 1
    assert "XÃ ĐẠ HUOAI" in flat(pdf_text(path))
    assert page_qr(path, tmp_path) == f"{SITE}/p/1.000894?unit=000.00.23.H56"

    again = client.get(
        "/p/1.000894/poster.pdf", {"unit": commune.code}, HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304


def test_poster_view_with_unknown_unit_prints_the_plain_poster(client, tmp_path, marriage):
    response = client.get("/p/1.000894/poster.pdf", {"unit": "000.99.99.H56"})
    assert response.status_code == 200
    assert page_qr(write(tmp_path, response.content), tmp_path) == f"{SITE}/p/1.000894"


def test_poster_view_etag_changes_with_the_procedure(client, marriage):
    etag = client.get("/p/1.000894/poster.pdf")["ETag"]
    marriage.name_vi = "Đăng ký kết hôn (sửa đổi)"
    marriage.save()
    response = client.get("/p/1.000894/poster.pdf", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


@pytest.mark.parametrize("code", ["9.999999", "../etc", "1.000002"])
def test_poster_view_404(client, db, code):
    ProcedureFactory(code="1.000002", status=Status.DRAFT)
    assert client.get(f"/p/{code}/poster.pdf").status_code == 404


# --- the booklet and print_posters ------------------------------------------------------


@pytest.fixture
def offering(commune, other_commune):
    """The commune's desk receives three published procedures; other rows must stay out."""
    names = {"2.000815": "Chứng thực bản sao", "1.001193": "Đăng ký khai sinh"}
    offered = [ProcedureFactory(code=code, name_vi=name) for code, name in names.items()]
    offered.append(ProcedureFactory(code="1.004873", name_vi="Xác nhận tình trạng hôn nhân"))
    for procedure in offered:
        UnitProcedure.objects.create(unit=commune, procedure=procedure)
    stopped = ProcedureFactory(code="1.000656", name_vi="Đăng ký khai tử")
    UnitProcedure.objects.create(unit=commune, procedure=stopped, is_active=False)
    draft = ProcedureFactory(code="1.000775", name_vi="Tặng giấy khen", status=Status.DRAFT)
    UnitProcedure.objects.create(unit=commune, procedure=draft)
    elsewhere = ProcedureFactory(code="2.000575", name_vi="Thành lập hộ kinh doanh")
    UnitProcedure.objects.create(unit=other_commune, procedure=elsewhere)
    return commune


def test_booklet_has_a_cover_and_one_page_per_procedure_by_code(tmp_path, offering):
    path = write(tmp_path, posters.unit_booklet_pdf(offering))
    assert page_count(path) == 4
    cover = flat(pdf_text(path, 1))
    assert "DANH MỤC THỦ TỤC HÀNH CHÍNH" in cover
    assert "Thôn 1, xã Đạ Huoai" in cover
    for name in ("Đăng ký khai sinh", "Xác nhận tình trạng hôn nhân", "Chứng thực bản sao"):
        assert name in cover
    for name in ("Đăng ký khai tử", "Tặng giấy khen", "Thành lập hộ kinh doanh"):
        assert name not in flat(pdf_text(path))
    pages = {page: flat(pdf_text(path, page)) for page in (2, 3, 4)}
    assert "1.001193" in pages[2] and "Đăng ký khai sinh" in pages[2]
    assert "1.004873" in pages[3]
    assert "2.000815" in pages[4]
    assert page_qr(path, tmp_path, 4) == f"{SITE}/p/2.000815?unit=000.00.23.H56"


def test_booklet_queries_do_not_grow_with_its_procedures(offering):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            posters.unit_booklet_pdf(Unit.objects.get(pk=offering.pk))
        return len(captured)

    three = queries()
    for code in ("1.004884", "1.004859"):
        UnitProcedure.objects.create(unit=offering, procedure=ProcedureFactory(code=code))
    assert queries() == three


def test_print_posters_writes_the_booklet(tmp_path, offering, capsys):
    output = tmp_path / "booklet.pdf"
    call_command("print_posters", unit=offering.code, output=str(output))
    assert page_count(output) == 3 + 1
    assert "booklet.pdf" in capsys.readouterr().out


def test_print_posters_one_procedure(tmp_path, offering):
    output = tmp_path / "one.pdf"
    call_command("print_posters", "--unit", offering.code, "--procedure", "1.001193", "-o", output)
    assert page_count(output) == 1
    assert "Đăng ký khai sinh" in pdf_text(output)


def test_print_posters_in_english(tmp_path, offering):
    output = tmp_path / "en.pdf"
    call_command("print_posters", unit=offering.code, output=str(output), language="en")
    assert page_count(output) == 4


@pytest.mark.parametrize(
    "args, message",
    [
        (["--unit", "000.99.99.H56"], "unknown unit"),
        (["--unit", "000.00.23.H56", "--procedure", "9.999999"], "unknown procedure"),
        (["--unit", "000.00.23.H56", "--procedure", "1.000775"], "unknown procedure"),  # draft
        (["--unit", "000.00.23.H56", "--procedure", "2.000575"], "does not offer"),
        (["--unit", "000.00.23.H56", "--procedure", "1.000656"], "does not offer"),  # stopped
    ],
)
def test_print_posters_rejects_bad_input_and_writes_nothing(tmp_path, offering, args, message):
    output = tmp_path / "out.pdf"
    with pytest.raises(CommandError, match=message):
        call_command("print_posters", *args, "-o", str(output))
    assert list(tmp_path.iterdir()) == []


def test_print_posters_exits_non_zero_for_an_unknown_unit(tmp_path, db, capsys):
    output = tmp_path / "out.pdf"
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(
            ["manage.py", "print_posters", "--unit", "000.99.99.H56", "-o", str(output)]
        )
    assert exit_.value.code != 0
    assert "unknown unit '000.99.99.H56'" in capsys.readouterr().err
    assert not output.exists()


def test_print_posters_rejects_a_missing_directory(tmp_path, offering):
    with pytest.raises(CommandError, match="does not exist"):
        call_command("print_posters", unit=offering.code, output=str(tmp_path / "no" / "b.pdf"))


def test_print_posters_skips_inactive_units(tmp_path, offering):
    Unit.objects.filter(pk=offering.pk).update(is_active=False)
    with pytest.raises(CommandError, match="unknown unit"):
        call_command("print_posters", unit=offering.code, output=str(tmp_path / "b.pdf"))
