"""The public diagnostic page printed by a real browser (chromium through Playwright): it fits an A4 page width
with the site header and navigation left out, and the PDF it prints is A4 with every verified colour on it.

The portal runs as `python -m portal serve` in a subprocess with its own SQLite var dir, seeded through the
diagnostic's own services (a manager rates every indicator, a head verifies them).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time

import pytest

from tests.e2e.test_feedback_browser import ARGS, CHROMIUM, REPO, _free_port

pytestmark = pytest.mark.e2e

SEED = textwrap.dedent("""
    from portal.accounts.auth import CurrentUser
    from portal.cli import apply_migrations, run_with_db
    from portal.diagnostic import queries, services
    from tests.factories import make_service, make_unit, make_user

    async def work(settings):
        await apply_migrations(settings)
        unit = await make_unit(name="Dinas Cetak")
        await make_service(unit)
        gov = await queries.government_of_unit(unit)
        scope = await queries.scope_of(gov)
        m, h = await make_user("manager", [unit]), await make_user("head", [unit])
        manager = CurrentUser(m["id"], m["username"], m["username"], "manager", frozenset({unit["id"]}))
        head = CurrentUser(h["id"], h["username"], h["username"], "head", frozenset({unit["id"]}))
        _v, indicators = await queries.indicators_of(None)
        for n, indicator in enumerate(indicators):
            colour = ("green", "yellow", "red")[n % 3]
            await services.rate(scope, 2025, indicator["code"], manager, colour,
                                evidence_text="Bukti " + indicator["code"], override_reason="Uji cetak")
            await services.verify(scope, 2025, indicator["code"], head, "confirm")
        print(gov["slug"])

    run_with_db(work)
""")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    if not os.path.exists(CHROMIUM):
        pytest.fail("chromium is required for the browser test: apt-get install -y chromium")
    var_dir = tmp_path_factory.mktemp("e2e-diagnostic")
    port = _free_port()
    env = {**os.environ, "PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": "e2e-secret-key-0123456789",
           "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}", "PORTAL_PORT": str(port)}
    for name in ("PORTAL_DATABASE_URL", "PORTAL_REDIS_URL"):
        env.pop(name, None)
    seeded = subprocess.run([sys.executable, "-c", SEED], env=env, cwd=REPO, capture_output=True, text=True,
                            timeout=120)
    assert seeded.returncode == 0, seeded.stderr
    slug = seeded.stdout.strip().splitlines()[-1]
    process = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--log-level", "warning"], env=env,
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    import socket

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
    yield {"base": f"http://127.0.0.1:{port}", "slug": slug}
    process.terminate()
    process.wait(timeout=10)


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
