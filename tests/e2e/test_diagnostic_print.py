"""The public diagnostic page printed by a real browser (chromium through Playwright): it fits an A4 page width
with the site header and navigation left out, and the PDF it prints is A4 with every verified colour on it.

The portal is the session's shared `scenes` portal (tests/e2e/conftest.py), whose diagnostic scene is seeded
through the diagnostic's own services (a manager rates every indicator, a head verifies them).
"""

from __future__ import annotations

import os
import re

import pytest

from tests.e2e.support import ARGS, CHROMIUM, scene

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(scenes):
    return scene(scenes, "diagnostic")


A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)  # 210 mm less the 12 mm margins of the page's @page rule


def test_public_diagnostic_prints_on_a4(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": A4_PRINTABLE_PX, "height": 1000}, locale="id-ID")
        page.goto(f"{server['base']}/diagnostic/2025?government={server['slug']}")
        assert page.locator("h1").inner_text().startswith("Diagnostik mutu pemerintah daerah 2025")
        assert page.locator("tr[data-colour=green]").count() == 13
        assert page.locator("tr[data-colour='']").count() == 0
        # The "Cetak (A4)" button works under the CSP (no inline handler: static/js/print.js wires [data-print]).
        page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
        page.get_by_role("button", name="Cetak (A4)").click()
        assert page.evaluate("window.printed") == 1
        page.emulate_media(media="print")
        assert page.locator("header.site").is_hidden() and page.locator("footer.site").is_hidden()
        assert page.evaluate("document.documentElement.scrollWidth") <= A4_PRINTABLE_PX  # nothing cut at the side
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        browser.close()
    assert pdf.startswith(b"%PDF-")
    (tmp_path / "diagnostic.pdf").write_bytes(pdf)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)
    assert boxes and all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes)  # A4, points
    assert 1 <= len(boxes) <= 4


def test_public_diagnostic_is_cards_on_a_phone_and_tables_on_a_desktop(server):
    """Issue 26 (1): at 360 px the year-over-year table (year, each area, all areas) reads as cards and no word
    is broken inside a cell of any table; at 1366 px it is a table again."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.support import RESULTS_LAYOUT

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width in (360, 1366):
            page = browser.new_page(viewport={"width": width, "height": 900}, locale="id-ID")
            page.goto(f"{server['base']}/diagnostic/2025?government={server['slug']}&lang=id")
            assert page.locator("#history table").count() == 1
            layout = page.evaluate(RESULTS_LAYOUT, 4)
            if width == 360:
                assert not layout["wide"] and not layout["split"], layout
                assert page.evaluate("document.documentElement.scrollWidth") <= 360
            else:
                assert layout["wide"], "the desktop keeps the year-over-year table"
            if os.environ.get("FIELD_SCREENSHOTS"):
                page.screenshot(path=f"{os.environ['FIELD_SCREENSHOTS']}/diagnostic_{width}.png", full_page=True)
            page.close()
        browser.close()
