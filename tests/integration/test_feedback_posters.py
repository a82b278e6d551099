# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""QR codes and printable posters through HTTP; the served SVG is rasterised and decoded with zxing-cpp."""

from __future__ import annotations

import re

import zxingcpp
from PIL import Image, ImageDraw

from portal.db.tables import Counter
from portal.feedback.qr import inline_svg, qr_matrix
from tests.factories import make_counter, make_service, make_unit
from tests.integration.test_feedback_support import phone, place  # noqa: F401

SCALE = 8


def rasterise(svg: bytes) -> Image.Image:
    """Draw the rectangles of qrcode's SVG path (M x,y H x2 V y2 H x z, in modules) onto a white bitmap."""
    text = svg.decode()
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', text).group(1))
    size = int(width * SCALE)
    image = Image.new("L", (size, size), 255)
    draw = ImageDraw.Draw(image)
    path = re.search(r'<path d="([^"]+)"', text).group(1)
    for x, y, x2, y2 in re.findall(r"M([\d.]+),([\d.]+)H([\d.]+)V([\d.]+)H[\d.]+z", path):
        draw.rectangle([float(x) * SCALE, float(y) * SCALE, float(x2) * SCALE - 1, float(y2) * SCALE - 1], fill=0)
    return image


def decode(image: Image.Image) -> str:
    [result] = zxingcpp.read_barcodes(image)
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    return result.text


async def test_qr_svg_decodes_to_the_counter_url(phone, place, settings):
    code = place["counter"]["code"]
    response = await phone.get(f"/c/{code}/qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert decode(rasterise(response.content)) == f"{settings.public_url}/c/{code}" == f"https://layanan.test/c/{code}"
    lower = await phone.get(f"/c/{code.lower()}/qr.svg")
    assert decode(rasterise(lower.content)) == f"https://layanan.test/c/{code}"


def test_rasteriser_matches_the_module_matrix():
    """The rasterised SVG has exactly the dark modules of the QR matrix (the test's decoder input is faithful)."""
    from portal.feedback.qr import qr_svg

    url = "https://layanan.test/c/ZZ9"
    image = rasterise(qr_svg(url))
    matrix = qr_matrix(url)
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            assert (image.getpixel((c * SCALE + SCALE // 2, r * SCALE + SCALE // 2)) == 0) == dark


async def test_unknown_counter_qr_is_404(phone):
    assert (await phone.get("/c/NOPE42/qr.svg")).status_code == 404


async def test_inactive_counter_is_404(phone, place):
    counter = await make_counter(place["unit"], [place["service"]])
    await Counter.update({Counter.active: False}).where(Counter.id == counter["id"]).run()
    assert (await phone.get(f"/c/{counter['code']}")).status_code == 404


async def test_counter_poster_has_everything_to_print(phone, place):
    code = place["counter"]["code"]
    response = await phone.get(f"/c/{code}/poster")
    assert response.status_code == 200
    page = response.text
    assert "Dinas Kependudukan Uji" in page and "Loket 1" in page
    assert "Akta Kelahiran Uji" in page and "30 menit" in page and "Rp 15.000" in page
    assert f'src="/c/{code}/qr.svg"' in page
    assert f"layanan.test/c/{code}" in page  # the short URL under the QR
    assert "Maklumat Pelayanan" in page and "Kami sanggup melayani sesuai standar." in page
    assert "Kepala Dinas Uji" in page


async def test_unit_prints_all_its_posters_one_per_page(phone, place):
    second = await make_counter(place["unit"], [place["service"]], name="Loket 2")
    response = await phone.get(f"/units/{place['unit']['slug']}/posters")
    assert response.status_code == 200
    assert response.text.count('<article class="poster">') == 2
    assert f"/c/{second['code']}/qr.svg" in response.text and f"/c/{place['counter']['code']}/qr.svg" in response.text
    from portal.paths import STATIC_DIR

    css = (STATIC_DIR / "css" / "feedback.css").read_text()
    assert "page-break-after:always" in css


async def test_poster_without_maklumat_omits_it(phone):
    unit = await make_unit()
    service = await make_service(unit)
    counter = await make_counter(unit, [service])
    page = (await phone.get(f"/c/{counter['code']}/poster")).text
    assert "Maklumat Pelayanan" not in page


async def test_unknown_unit_posters_is_404(phone):
    assert (await phone.get("/units/no-such-unit-xyz/posters")).status_code == 404


def test_inline_svgs_get_unique_ids():
    a, b = inline_svg("https://x.test/c/A", "p1"), inline_svg("https://x.test/c/B", "p2")
    ids = re.findall(r'id="([^"]+)"', a + b)
    assert len(ids) == len(set(ids)) == 2
