"""QR codes of the public links: decoded with zxing-cpp, as a phone would."""

import io
import re
import xml.etree.ElementTree as ET

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from procedures import qr
from procedures.models import Status
from tests.factories import ProcedureFactory

SITE = "https://dichvucong.lamdong.example.vn"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def decode(image: Image.Image) -> zxingcpp.Barcode:
    """The one QR code in the image."""
    found = [
        code
        for code in zxingcpp.read_barcodes(image.convert("L"))
        if code.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert len(found) == 1, found
    return found[0]


def decode_png(data: bytes) -> zxingcpp.Barcode:
    return decode(Image.open(io.BytesIO(data)))


def svg_modules(data: bytes) -> list[list[bool]]:
    """The module grid an SVG QR code draws: its viewBox is one unit per module, its path
    draws dark rectangles. Read from the drawing itself, not from the code that made it."""
    root = ET.fromstring(data)
    _, _, width, height = (int(v) for v in root.get("viewBox").split())
    grid = [[False] * width for _ in range(height)]
    (path,) = root.iter(f"{SVG}path")
    for x, y, run in re.findall(r"M(\d+),(\d+)h(\d+)v1h-\3z", path.get("d")):
        for dx in range(int(run)):
            grid[int(y)][int(x) + dx] = True
    # The parse must account for the whole path: nothing drawn is left unread.
    assert re.sub(r"M(\d+),(\d+)h(\d+)v1h-\3z", "", path.get("d")) == ""
    return grid


def grid_image(grid: list[list[bool]], scale: int = 10) -> Image.Image:
    size = len(grid)
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for y, row in enumerate(grid):
        for x, dark in enumerate(row):
            if dark:
                draw.rectangle([x * scale, y * scale, (x + 1) * scale - 1, (y + 1) * scale - 1], 0)
    return image


def png_modules(data: bytes, size: int) -> list[list[bool]]:
    """Sample the PNG at the centre of each of `size` x `size` modules."""
    image = Image.open(io.BytesIO(data)).convert("L")
    step = image.width / size
    return [
        [image.getpixel((int((x + 0.5) * step), int((y + 0.5) * step))) < 128 for x in range(size)]
        for y in range(size)
    ]


# --- /p/<code>/qr.png -------------------------------------------------------------------


def test_png_encodes_the_absolute_public_link(client, procedure):
    response = client.get("/p/1.000894/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    code = decode_png(response.content)
    assert code.text == f"{SITE}/p/1.000894"
    assert code.ec_level in {"M", "Q", "H"}


def test_png_for_a_unit_encodes_the_unit_link(client, procedure, commune):
    response = client.get("/p/1.000894/qr.png", {"unit": commune.code})
    assert decode_png(response.content).text == f"{SITE}/p/1.000894?unit=000.00.23.H56"


@pytest.mark.parametrize("unit", ["000.99.99.H56", "no such unit", "<script>"])
def test_png_with_an_unknown_unit_encodes_the_plain_link(client, procedure, unit):
    response = client.get("/p/1.000894/qr.png", {"unit": unit})
    assert response.status_code == 200
    assert decode_png(response.content).text == f"{SITE}/p/1.000894"


def test_png_with_an_inactive_unit_encodes_the_plain_link(client, procedure, commune):
    commune.is_active = False
    commune.save()
    response = client.get("/p/1.000894/qr.png", {"unit": commune.code})
    assert decode_png(response.content).text == f"{SITE}/p/1.000894"


def test_png_is_large_enough_to_print_with_a_quiet_zone_of_four_modules(client, procedure):
    image = Image.open(io.BytesIO(client.get("/p/1.000894/qr.png").content)).convert("L")
    assert image.width == image.height >= 1000
    left, top, right, bottom = Image.eval(image, lambda v: 255 - v).getbbox()  # dark pixels
    # The top-left finder pattern starts the first dark row: 7 modules wide.
    first_row = [image.getpixel((x, top)) < 128 for x in range(left, right)]
    module = first_row.index(False) / 7
    assert module >= 10
    for margin in (left, top, image.width - right, image.height - bottom):
        assert margin == pytest.approx(4 * module)


def test_an_archived_procedure_keeps_its_qr_code(client, db):
    ProcedureFactory(code="1.000001", status=Status.ARCHIVED)
    response = client.get("/p/1.000001/qr.png")
    assert decode_png(response.content).text == f"{SITE}/p/1.000001"


@pytest.mark.parametrize("url", ["/p/9.999999/qr.png", "/p/9.999999/qr.svg"])
def test_unknown_code_is_404(client, db, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_draft_procedure_has_no_qr_code(client, db, kind):
    ProcedureFactory(code="1.000002", status=Status.DRAFT)
    assert client.get(f"/p/1.000002/qr.{kind}").status_code == 404


def test_a_matching_etag_does_not_hide_an_unknown_code(client, db):
    etag = f'"{qr.etag_for(f"{SITE}/p/9.999999")}"'
    response = client.get("/p/9.999999/qr.png", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["png", "svg"])
def test_etag_and_304(client, procedure, commune, kind):
    url = f"/p/1.000894/qr.{kind}"
    first = client.get(url)
    etag = first["ETag"]
    assert etag
    assert "max-age" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    # Another link is another image: the unit's code must not answer to the plain ETag.
    for_unit = client.get(url, {"unit": commune.code}, HTTP_IF_NONE_MATCH=etag)
    assert for_unit.status_code == 200
    assert for_unit["ETag"] != etag


def test_etag_follows_site_url(client, procedure, settings):
    etag = client.get("/p/1.000894/qr.png")["ETag"]
    settings.SITE_URL = "https://motcua.example.vn"
    moved = client.get("/p/1.000894/qr.png", HTTP_IF_NONE_MATCH=etag)
    assert moved.status_code == 200
    assert decode_png(moved.content).text == "https://motcua.example.vn/p/1.000894"


def test_qr_view_queries_are_few(client, procedure, commune, django_assert_max_num_queries):
    client.get("/p/1.000894/qr.png", {"unit": commune.code})  # warm the image cache
    with django_assert_max_num_queries(2):
        assert client.get("/p/1.000894/qr.png", {"unit": commune.code}).status_code == 200


def test_head_is_allowed_and_post_is_not(client, procedure):
    assert client.head("/p/1.000894/qr.png").status_code == 200
    assert client.post("/p/1.000894/qr.png").status_code == 405


# --- /p/<code>/qr.svg -------------------------------------------------------------------


def test_svg_is_a_standalone_svg_document_of_the_same_code(client, procedure, commune):
    response = client.get("/p/1.000894/qr.svg", {"unit": commune.code})
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert root.get("width") and root.get("height")
    # A white background, so the quiet zone exists on a dark page too.
    (background,) = root.iter(f"{SVG}rect")
    assert background.get("fill") in {"#fff", "#ffffff", "white"}

    grid = svg_modules(response.content)
    link = f"{SITE}/p/1.000894?unit=000.00.23.H56"
    # What the SVG draws is a QR code of the link...
    code = decode(grid_image(grid))
    assert code.text == link
    assert code.ec_level in {"M", "Q", "H"}
    # ...with its quiet zone...
    assert not any(any(row) for row in grid[:4] + grid[-4:])
    assert not any(any(row[:4]) or any(row[-4:]) for row in grid)
    # ...and exactly the modules of the PNG.
    png = client.get("/p/1.000894/qr.png", {"unit": commune.code}).content
    assert png_modules(png, len(grid)) == grid


# --- procedures.qr ----------------------------------------------------------------------


def test_images_are_cached_by_link(monkeypatch):
    renders = []
    real = qr._render_png
    monkeypatch.setattr(qr, "_render_png", lambda url: renders.append(url) or real(url))
    first = qr.qr_png(f"{SITE}/p/1.000894")
    assert qr.qr_png(f"{SITE}/p/1.000894") == first
    qr.qr_png(f"{SITE}/p/1.000895")
    assert renders == [f"{SITE}/p/1.000894", f"{SITE}/p/1.000895"]


def test_etag_depends_on_the_link_only():
    assert qr.etag_for("a") == qr.etag_for("a")
    assert qr.etag_for("a") != qr.etag_for("b")
