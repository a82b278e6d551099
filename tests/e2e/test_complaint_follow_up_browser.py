"""The complaint follow-up in a real browser (issue 26 item 6), the citizen on a 360 px phone without JavaScript:
file a complaint with a receipt photo, see it (text and photo) on the tracking page; a manager asks for more
information; the citizen replies on the tracking page; the manager answers; the citizen rates the answer; the
register and the dashboard show the rating. axe-core checks the tracking page at each step; screenshots at 360 px
and 1366 px go to FIELD_SCREENSHOTS when set.

The portal is the session's shared `scenes` portal (tests/e2e/conftest.py), its "complaint_follow_up" scene.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from tests.e2e.support import ARGS, CHROMIUM, axe_source, scene

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("FIELD_SCREENSHOTS")


@pytest.fixture
def server(scenes):
    return scene(scenes, "complaint_follow_up")


def _receipt() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 200), (240, 240, 230)).save(buffer, "JPEG")
    return buffer.getvalue()


def _axe(page) -> list[str]:
    page.add_script_tag(content=axe_source())
    return page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
    }""")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_ask_reply_answer_and_rate_through_the_browser(server):
    from playwright.sync_api import sync_playwright

    base = server["base"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # bypass_csp only so that the test can inject axe-core; the pages use no script of their own here
        phone = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740},
                                    device_scale_factor=1, locale="id-ID")
        axe_phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1,
                                        locale="id-ID", bypass_csp=True)
        citizen = phone.new_page()
        citizen.goto(base + "/")
        citizen.locator("footer").get_by_role("link", name="Sampaikan pengaduan").click()
        assert citizen.locator("#service optgroup").count() >= 1  # services grouped by unit
        group = citizen.locator(f'#service optgroup[label="{server["unit_name"]}"]')
        citizen.locator("#service").select_option(group.locator("option").first.get_attribute("value"))
        citizen.locator('input[name="category"][value="time"]').check()
        citizen.fill("#description", "Antre tiga jam padahal standar 30 menit.")
        citizen.set_input_files("input[type=file]", files=[{"name": "nota.jpg", "mimeType": "image/jpeg",
                                                            "buffer": _receipt()}])
        citizen.get_by_role("button", name="Kirim pengaduan").click()
        assert citizen.locator("h1").inner_text() == "Pengaduan Anda telah diterima"
        track_url = citizen.url.split("?")[0]
        shown = citizen.locator("#tracking-code").inner_text().strip()
        assert "Antre tiga jam" in citizen.locator("#description").inner_text()
        assert citizen.locator("img.complaint-photo").evaluate("i => i.complete && i.naturalWidth") == 320
        assert citizen.evaluate("document.documentElement.scrollWidth") <= 360

        staff = browser.new_context(java_script_enabled=False, viewport={"width": 1366, "height": 900},
                                    locale="id-ID").new_page()
        staff.goto(f"{base}/login")
        staff.fill('input[name="username"]', server["username"])
        staff.fill('input[name="password"]', server["password"])
        staff.locator('form button[type="submit"]').last.click()
        staff.wait_for_url("**/dashboard**")  # a manager lands on the dashboard, not the counter picker
        staff.goto(f"{base}/console/complaints?code={shown}")
        staff.get_by_role("link", name=shown).click()
        staff.fill("#ask-text", "Mohon sebutkan nomor antrean Anda.")
        staff.get_by_role("button", name="Tanyakan kepada warga").click()
        assert "Menunggu balasan warga" in staff.locator("#waiting-reply").inner_text()

        citizen.goto(track_url)
        assert "Mohon sebutkan nomor antrean Anda." in citizen.locator(".exchange").inner_text()
        _shot(citizen, "360_complaint_track_asked")
        check = axe_phone.new_page()
        check.goto(track_url)
        assert _axe(check) == []
        citizen.fill("#reply", "Nomor antrean A-017, tanggal hari ini.")
        citizen.get_by_role("button", name="Kirim balasan").click()
        assert "A-017" in citizen.locator(".exchange").inner_text()
        assert citizen.locator("#reply-form").count() == 0

        staff.reload()
        assert "A-017" in staff.locator(".exchange").inner_text()
        staff.select_option("#severity", "light")
        staff.get_by_role("button", name="Klasifikasikan").click()
        staff.fill("#answer-text", "Loket tambahan dibuka pada jam sibuk mulai pekan ini.")
        staff.get_by_role("button", name="Kirim jawaban").click()
        _shot(staff, "1366_complaint_detail_answered")

        citizen.goto(track_url)
        citizen.get_by_label("Ya").check()
        citizen.get_by_label("Puas", exact=True).check()
        citizen.fill("#note", "Semoga konsisten.")
        _shot(citizen, "360_complaint_track_rating_form")
        check.goto(track_url)
        assert _axe(check) == []
        citizen.get_by_role("button", name="Kirim penilaian saya").click()
        assert "Jawaban menyelesaikan pengaduan saya" in citizen.locator("#rating").inner_text()
        assert citizen.locator("form#rating").count() == 0  # once
        assert citizen.evaluate("document.documentElement.scrollWidth") <= 360
        _shot(citizen, "360_complaint_track_rated")

        staff.goto(f"{base}/console/complaints?code={shown}")
        assert "Terselesaikan · Puas" in staff.locator(f'tr[data-code="{shown.replace("-", "")}"] td.rating').inner_text()
        _shot(staff, "1366_complaint_register")
        staff.goto(f"{base}/dashboard?unit={server['unit']}")
        ratings = staff.locator(".complaints-ratings")
        assert ratings.locator('[data-figure="complaints.ratings.n"]').inner_text() == "1"
        assert ratings.locator('[data-figure="complaints.ratings.mean_score"]').inner_text() == "3,00"
        browser.close()
