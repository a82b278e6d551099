"""A real browser (Debian's chromium through Playwright, JavaScript disabled, a phone-sized window) files a
complaint from the thank-you page after reporting an overcharge, reads the tracking code, follows it from a
fresh browser, and a manager classifies and answers it; the tracking page, the API and the dashboard show it.

The portal runs as `python -m portal serve` in a subprocess on a free port with its own SQLite var dir.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
REPO = Path(__file__).resolve().parents[2]
CONTACT = "warga.uji@example.org"

SEED = textwrap.dedent("""
    import asyncio
    from portal.cli import apply_migrations, run_with_db
    from tests.factories import make_counter, make_service, make_unit, make_user

    async def work(settings):
        await apply_migrations(settings)
        unit = await make_unit(name="Dinas Pengaduan Browser", timezone="Asia/Jakarta")
        kk = await make_service(unit, fee=25000, time_limit=(3, "working_days"), name="Kartu Keluarga")
        counter = await make_counter(unit, [kk], name="Loket Pengaduan", code="ADU01")
        user = await make_user("manager", [unit])
        print(user["username"], user["password"], unit["slug"], counter["code"])

    run_with_db(work)
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is required for the browser test: apt-get install -y chromium")
    var_dir = tmp_path_factory.mktemp("e2e-complaints")
    port = _free_port()
    env = {**os.environ, "PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": "e2e-complaints-key-0123456789",
           "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}", "PORTAL_PORT": str(port)}
    for name in ("PORTAL_DATABASE_URL", "PORTAL_REDIS_URL"):
        env.pop(name, None)
    seeded = subprocess.run([sys.executable, "-c", SEED], env=env, cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert seeded.returncode == 0, seeded.stderr
    username, password, unit_slug, counter = seeded.stdout.strip().splitlines()[-1].split()
    with open(var_dir / "server.log", "wb") as log:  # the server keeps its own descriptor of the file
        process = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--log-level", "info"], env=env,
                                   cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the portal did not start: " + (var_dir / "server.log").read_text(errors="replace"))
    yield {"base": f"http://127.0.0.1:{port}", "username": username, "password": password, "unit": unit_slug,
           "counter": counter, "log": var_dir / "server.log"}
    process.terminate()
    process.wait(timeout=10)


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
