"""A real browser (Debian's chromium through Playwright, JavaScript disabled, a 360 x 740 phone) walks the citizen
loop: counter QR page -> choose the service -> start -> being served -> finished -> survey -> thank-you.

The portal runs as `python -m portal serve` in a subprocess on a free port with its own SQLite var dir.
"""

from __future__ import annotations

import os
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

SEED = textwrap.dedent("""
    import asyncio
    from portal.cli import apply_migrations, run_with_db
    from tests.factories import make_counter, make_service, make_unit

    async def work(settings):
        await apply_migrations(settings)
        unit = await make_unit(name="Dinas Kependudukan Browser", maklumat_text="Kami siap melayani.")
        akta = await make_service(unit, fee=0, name="Akta Kelahiran")
        kk = await make_service(unit, fee=25000, time_limit=(3, "working_days"), name="Kartu Keluarga")
        counter = await make_counter(unit, [akta, kk], name="Loket Browser", code="WEB01")
        print(counter["code"])

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
    var_dir = tmp_path_factory.mktemp("e2e-var")
    port = _free_port()
    env = {**os.environ, "PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": "e2e-secret-key-0123456789",
           "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}", "PORTAL_PORT": str(port)}
    for name in ("PORTAL_DATABASE_URL", "PORTAL_REDIS_URL"):
        env.pop(name, None)  # the browser walk runs on its own embedded SQLite database
    seeded = subprocess.run([sys.executable, "-c", SEED], env=env, cwd=REPO, capture_output=True, text=True,
                            timeout=60)
    assert seeded.returncode == 0, seeded.stderr
    code = seeded.stdout.strip().splitlines()[-1]
    process = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--log-level", "warning"], env=env,
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the portal did not start: " + process.stdout.read().decode(errors="replace"))
    yield {"base": f"http://127.0.0.1:{port}", "code": code}
    process.terminate()
    process.wait(timeout=10)


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
