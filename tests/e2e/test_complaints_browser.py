"""A real browser (Debian's chromium through Playwright, JavaScript disabled, a phone-sized window) files a
complaint from the thank-you page after reporting an overcharge, reads the tracking code, follows it from a
fresh browser, and a manager classifies and answers it; the tracking page, the API and the dashboard show it.

The portal is the session's shared `scenes` portal (tests/e2e/conftest.py; info logging into its server.log).
"""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e.support import ARGS, CHROMIUM, scene

pytestmark = pytest.mark.e2e

CONTACT = "warga.uji@example.org"


@pytest.fixture
def server(scenes):
    return scene(scenes, "complaints")


def _phone(browser):
    return browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740},
                               device_scale_factor=1, locale="id-ID")


def test_complaint_from_thank_you_page_to_answer_on_time(server):
    from playwright.sync_api import sync_playwright

    base = server["base"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        citizen = _phone(browser).new_page()
        citizen.goto(f"{base}/c/{server['counter']}")
        citizen.get_by_role("button", name="Saya sudah tiba, mulai").click()
        citizen.get_by_role("button", name="Saya sedang dilayani").click()
        citizen.get_by_role("button", name="Selesai").click()
        for i in range(1, 10):
            citizen.locator(f'input[name="u{i}"][value="3"]').check()
        citizen.fill("#amount_paid", "75000")  # the official fee is 25,000
        citizen.get_by_role("button", name="Kirim jawaban saya").click()
        assert citizen.locator("h1").inner_text() == "Terima kasih atas jawaban Anda"
        citizen.get_by_role("link", name="Sampaikan pengaduan tentang layanan ini").click()
        assert citizen.locator("#amount").input_value() == "75000"  # the reported amount is carried over
        assert citizen.locator('input[name="category"][value="overcharge"]').is_checked()
        assert citizen.locator("#service").input_value() != ""
        assert citizen.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling on a phone
        citizen.fill("#description", "Diminta membayar Rp 75.000 padahal tarif resmi Rp 25.000.")
        citizen.fill("#contact", CONTACT)
        citizen.get_by_role("button", name="Kirim pengaduan").click()
        assert citizen.locator("h1").inner_text() == "Pengaduan Anda telah diterima"
        shown = citizen.locator("#tracking-code").inner_text().strip()
        assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{3}", shown)
        assert CONTACT not in citizen.content()

        other = _phone(browser).new_page()  # a fresh browser: no cookie, no session
        other.goto(f"{base}/complaints")
        other.fill("#code", shown.lower())  # typed by hand from paper
        other.get_by_role("button", name="Tampilkan pengaduan").click()
        assert "diterima" in other.locator(".status").inner_text()
        assert "hari kerja" in other.locator(".deadline").inner_text()
        assert CONTACT not in other.content()

        staff = browser.new_context(java_script_enabled=False, locale="id-ID").new_page()
        staff.goto(f"{base}/login")
        staff.fill('input[name="username"]', server["username"])
        staff.fill('input[name="password"]', server["password"])
        staff.locator('form button[type="submit"]').last.click()
        staff.goto(f"{base}/console/complaints")
        staff.get_by_role("link", name=shown).click()
        assert CONTACT in staff.content()  # managers of the unit see the contact
        staff.select_option("#severity", "light")
        staff.get_by_role("button", name="Klasifikasikan").click()
        staff.fill("#answer-text", "Kelebihan Rp 50.000 dikembalikan; petugas dibina.")
        staff.get_by_role("button", name="Kirim jawaban").click()
        assert "dijawab" in staff.locator(".status").inner_text()

        other.reload()
        assert "dijawab" in other.locator(".status").inner_text()
        assert "Kelebihan Rp 50.000 dikembalikan" in other.locator("#answer").inner_text()
        api = json.loads(other.goto(f"{base}/api/v1/complaints/{shown}").text())
        assert api["status"] == "answered" and api["answer"].startswith("Kelebihan Rp 50.000")
        assert CONTACT not in json.dumps(api)

        staff.goto(f"{base}/dashboard?unit={server['unit']}")
        figures = staff.locator("#complaints")
        assert figures.locator(".complaints-received").inner_text() == "1"
        assert "(interval 95%" in figures.locator(".complaints-on-time").inner_text()
        assert "1/1" in figures.locator(".complaints-on-time").inner_text()  # answered within the deadline
        browser.close()
    assert CONTACT not in server["log"].read_text(errors="replace")  # never in a log line
