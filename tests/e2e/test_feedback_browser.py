"""A real browser (Debian's chromium through Playwright, JavaScript disabled, a 360 x 740 phone) walks the citizen
loop: counter QR page -> choose the service -> start -> being served -> finished -> survey -> thank-you.

The portal is the session's shared `scenes` portal (tests/e2e/conftest.py): its own SQLite database, a free port.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.support import ARGS, CHROMIUM, scene

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(scenes):
    return scene(scenes, "citizen_loop")


def test_citizen_walks_the_qr_loop_without_javascript(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740},
                                      device_scale_factor=1, locale="id-ID")
        page = context.new_page()
        page.goto(f"{server['base']}/c/{server['code']}")
        assert page.locator("h1").inner_text() == "Layanan apa yang Anda perlukan?"
        page.get_by_role("link", name="Kartu Keluarga").click()
        assert "Rp 25.000" in page.content() and "3 hari kerja" in page.content()
        page.get_by_role("button", name="Saya sudah tiba, mulai").click()
        assert "Menunggu" in page.locator(".visit").inner_text()
        page.reload()  # the visit resumes from the HttpOnly cookie
        assert "Menunggu" in page.locator(".visit").inner_text()
        page.get_by_role("button", name="Saya sedang dilayani").click()
        assert "Sedang dilayani" in page.locator(".visit").inner_text()
        page.get_by_role("button", name="Selesai").click()
        assert page.url.endswith("/survey")
        assert page.locator("fieldset").count() == 12
        box = page.locator("label.opt").first.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44  # tap targets of at least 44 px
        assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling on a phone
        page.screenshot(path=str(tmp_path / "survey.png"), full_page=True)
        for i in range(1, 10):
            page.locator(f'input[name="u{i}"][value="{4 if i != 3 else 2}"]').check()
        page.fill("#amount_paid", "25000")
        page.locator('input[name="extra_requirements"][value="no"]').check()
        page.locator('input[name="product_correct"][value="yes"]').check()
        page.fill("#comment", "Petugas ramah, antrean agak lama.")
        page.select_option('select[name="education"]', "S1")
        page.get_by_role("button", name="Kirim jawaban saya").click()
        assert page.locator("h1").inner_text() == "Terima kasih atas jawaban Anda"
        assert "Indeks Kepuasan Masyarakat (IKM)" in page.content()
        assert "Anda dapat menyampaikan pengaduan" in page.content()  # answered 2 on U3
        page.screenshot(path=str(tmp_path / "thanks.png"), full_page=True)
        shots = os.environ.get("FEEDBACK_SCREENSHOTS")
        if shots:
            for name in ("survey.png", "thanks.png"):
                (Path(shots) / name).write_bytes((tmp_path / name).read_bytes())
        page.goto(page.url.removesuffix("/survey"))  # the service page again: this visit is answered
        assert "jawaban Anda untuk kunjungan ini sudah diterima" in page.content()
        browser.close()
