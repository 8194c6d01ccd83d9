"""QR codes for links printed on paper: counter posters, receipts, booklets.

A QR image is a pure function of the link it encodes, so images are cached under the
link (and the rendering settings below) and served with an ETag derived from the same.

Error correction is level Q (about 25 % of the code may be lost): a poster on a counter
gets scratched, stained and photographed at an angle by cheap phones for years, and the
links are short enough that Q still gives a small, coarse code (version 4-5).
"""

from __future__ import annotations

import hashlib
import io
from xml.sax.saxutils import escape

import qrcode
from django.core.cache import cache
from qrcode.constants import ERROR_CORRECT_Q

ERROR_CORRECTION = ERROR_CORRECT_Q
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 requires
# A PNG at least this wide: 8 cm at 300 dpi, so a downloaded PNG prints sharp.
PNG_MIN_PIXELS = 1000
# Bump when the rendering changes: it is part of the ETag and of the cache keys, so browsers
# and caches drop images drawn the old way.
RENDER_VERSION = 1
CACHE_SECONDS = 7 * 24 * 3600


def etag_for(url: str) -> str:
    """The ETag of every QR image of `url` (PNG and SVG are different resources)."""
    return hashlib.sha256(f"qr/{RENDER_VERSION}/{url}".encode()).hexdigest()[:32]


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules of the QR code of `url`, quiet zone included; True is dark."""
    return _encode(url).get_matrix()


def _encode(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_png(url: str) -> bytes:
    """A black-and-white PNG of the QR code of `url`, at least PNG_MIN_PIXELS wide, with
    whole pixels per module so that it stays sharp when scaled by an integer."""
    return _cached("png", url, _render_png)


def qr_svg(url: str) -> bytes:
    """A standalone SVG document of the QR code of `url`: white background, one path of
    dark modules on a grid of 1 unit per module, crisp edges, 50 mm wide by default."""
    return _cached("svg", url, _render_svg)


def _cached(kind: str, url: str, render) -> bytes:
    key = f"qr:{kind}:{etag_for(url)}"
    image = cache.get(key)
    if image is None:
        image = render(url)
        cache.set(key, image, CACHE_SECONDS)
    return image


def _render_png(url: str) -> bytes:
    code = _encode(url)
    width = code.modules_count + 2 * QUIET_ZONE
    code.box_size = -(-PNG_MIN_PIXELS // width)  # ceiling division
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG", optimize=True)  # 1-bit, a few KB
    return buffer.getvalue()


def _render_svg(url: str) -> bytes:
    matrix = qr_matrix(url)
    size = len(matrix)
    # One sub-path per horizontal run of dark modules: small, and with crispEdges no
    # hairline seams between neighbouring modules when rasterised.
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="50mm" height="50mm" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
        f"<title>{escape(url)}</title>"
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/>'
        "</svg>\n"
    ).encode()
