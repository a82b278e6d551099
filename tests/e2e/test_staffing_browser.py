"""The staffing page in a real browser (chromium through Playwright): a head reads next week's grid on a 1366 px
desktop and a 360 px phone (the page never scrolls sideways, the grid scrolls inside its frame), axe-core finds
no violation, the grid says shortfalls in words as well as colours, and the printed page fits A4 landscape.

The portal is the session's shared `scenes` portal (tests/e2e/conftest.py); its staffing scene is ten weeks of a
queue with busy Monday mornings (tests/integration/staffing_support.py), laid out relative to the real day.
Screenshots go to FIELD_SCREENSHOTS when it is set, else to the test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.e2e.support import ARGS, CHROMIUM, axe_source, scene

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("FIELD_SCREENSHOTS")
A4_LANDSCAPE_PX = round((297 - 2 * 12) / 25.4 * 96)  # 297 mm less the 12 mm margins of staffing.css's @page


@pytest.fixture(scope="module")
def server(scenes):
    return scene(scenes, "staffing")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _page(browser, server, width: int):
    # bypass_csp: axe-core is injected as an inline script by the test; the CSP itself is tested elsewhere
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1, locale="id-ID",
                                  bypass_csp=True)
    page = context.new_page()
    page.goto(f"{server['base']}/login?lang=id")
    page.fill("#username", server["head"][0])
    page.fill("#password", server["head"][1])
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    response = page.goto(f"{server['base']}/console/staffing?unit={server['unit']}&lang=id")
    assert response is not None and response.status == 200
    return page


def _axe(page) -> list[str]:
    page.add_script_tag(content=axe_source())
    return page.evaluate("""async () => {
      const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)
        .map(n => n.target.join(' ')).join(' | '));
    }""")


@pytest.mark.parametrize("width", [1366, 360])
def test_head_reads_next_weeks_grid(browser, server, width, tmp_path):
    page = _page(browser, server, width)
    assert page.locator("h1").inner_text().startswith("Rencana kebutuhan loket")
    grids = page.locator("table.week-grid")
    assert grids.count() == 2  # the pool of the two counters sharing services, and the counter on its own
    first = grids.nth(0)
    assert first.locator("tbody tr").count() == 8 and first.locator("thead th").count() == 6
    # Monday 09.00 of the shared pool needs more counters than Friday 15.00, and every cell says it in words.
    monday_nine = first.locator("tbody tr").nth(1).locator("td").nth(0)
    friday_three = first.locator("tbody tr").nth(7).locator("td").nth(4)
    if "closed" not in (monday_nine.get_attribute("class") or "") + (friday_three.get_attribute("class") or ""):
        assert int(monday_nine.locator(".need").inner_text()) > int(friday_three.locator(".need").inner_text())
    words = page.locator("td.cell .gap").all_inner_texts()
    assert words and all(w.strip() for w in words)
    assert page.locator(".legend li").count() == 4
    shot = Path(SHOTS) if SHOTS else tmp_path
    page.screenshot(path=str(shot / f"{width}_staffing.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # the page itself never scrolls sideways
    assert _axe(page) == []
    page.context.close()


def test_the_plan_prints_on_a4_landscape(browser, server):
    page = _page(browser, server, A4_LANDSCAPE_PX)
    page.emulate_media(media="print")
    assert page.locator("header.site").is_hidden() and page.locator("form.filters").is_hidden()
    assert page.locator("table.week-grid").nth(0).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_LANDSCAPE_PX
    pdf = page.pdf(format="A4", landscape=True, prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF-")
    page.context.close()
