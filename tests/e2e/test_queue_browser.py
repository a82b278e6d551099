"""The queue in a real browser (Debian's chromium through Playwright) on the shared `scenes` portal: the officer's
first screen after "Panggil berikutnya" names the called ticket (1366 px); the TV board (1920 x 1080 and 1280 x 720)
announces two calls one after the other, never overlapping, in the order they were made (the clips it played are
read from window.BoardVoice.played), and says how to turn the sound on while the browser keeps it off; the
citizen's ticket page (360 px) shows how many people are ahead and updates on a call without reloading, then says
where to go in large type. Screenshots go to FIELD_SCREENSHOTS when it is set."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.e2e.support import ARGS, CHROMIUM, axe_source, scene, wait_until

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("FIELD_SCREENSHOTS")

#: The browser keeps a page's sound off until a touch: a context built suspended, resumed by the page's script.
SUSPENDED_AUDIO = """(() => {
  const Real = window.AudioContext;
  window.AudioContext = class extends Real { constructor() { super(); this.suspend(); } };
})();"""


@pytest.fixture
def server(scenes):
    return scene(scenes, "queue")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


def _shot(page, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path))
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        (Path(SHOTS) / name).write_bytes(path.read_bytes())


def _officer(browser, server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, device_scale_factor=1, locale="id-ID")
    page = context.new_page()
    page.goto(f"{server['base']}/login?lang=id")
    page.fill("#username", server["officer"][0])
    page.fill("#password", server["officer"][1])
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    return page


def _issue(page, base: str, counter: str, service: str) -> None:
    page.goto(f"{base}/console/counters/{counter}")
    page.select_option("#service", label=service)
    page.locator("form[action$='/tickets'] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("p.notice").count() == 1, page.url + page.content()[-3000:]


def _call_next(page, base: str, counter: str) -> None:
    page.goto(f"{base}/console/counters/{counter}")
    page.locator("form[action$='/call-next'] button[type=submit]").click()
    page.wait_for_load_state()


def _close_current(page, base: str, counter: str) -> None:
    page.goto(f"{base}/console/counters/{counter}")
    if page.locator("#current").count():
        page.locator("#current form[action$='/outcome'] button").click()
        page.wait_for_load_state()


def test_console_board_and_ticket_page_follow_a_call(server, browser, tmp_path):
    base = server["base"]
    officer = _officer(browser, server)
    for counter in ("ANT01", "ANT02"):
        _close_current(officer, base, counter)
    for _ in range(3):
        _issue(officer, base, "ANT01", "KTP Elektronik")
    token = re.search(r"/console/visits/(\d+)/ticket", officer.content()).group(1)
    officer.goto(f"{base}/console/visits/{token}/ticket")
    ticket_url = re.search(r"/t/[A-Za-z0-9_.\-]+", officer.content()).group(0)

    # the citizen's phone, JavaScript on: how many are ahead, updated live
    phone = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=1, locale="id-ID")
    citizen = phone.new_page()
    citizen.goto(base + ticket_url)
    ahead = citizen.locator("#live .ahead")
    before = int(re.search(r"\d+", ahead.inner_text()).group(0))
    assert "orang di depan Anda" in ahead.inner_text() and before >= 2
    assert "Perkiraan waktu tunggu" in citizen.locator("#live").inner_text()
    citizen.evaluate("window.__notReloaded = true")

    # the TV board, sound off until a touch: it says how to turn it on
    tv = browser.new_context(viewport={"width": 1920, "height": 1080}, device_scale_factor=1, locale="id-ID")
    tv.add_init_script(SUSPENDED_AUDIO)
    board = tv.new_page()
    board.goto(f"{base}/units/{server['unit']}/board?lang=id")
    notice = board.locator("#sound")
    notice.wait_for(state="visible")
    assert "Nyalakan suara" in notice.inner_text() and "sentuh" in notice.inner_text().lower()
    _shot(board, tmp_path, "board_sound_off_1920.png")
    board.locator("#sound-on").click()
    notice.wait_for(state="hidden")
    wait_until(board, "window.BoardVoice && window.BoardVoice.on()")
    board.wait_for_selector("#board[data-ready]")  # the first state (remembered, never announced) has arrived

    # two calls in quick succession at two counters
    _call_next(officer, base, "ANT01")
    _call_next(officer, base, "ANT02")
    current = officer.locator("#current")
    assert current.locator(".current-number").inner_text().startswith("A-")
    box = current.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 768, box  # on the first screen at 1366 x 768
    for name in ("Mulai layani", "Panggil ulang", "Tidak hadir", "Alihkan"):
        assert current.get_by_role("button", name=name).count() == 1, name
    _shot(officer, tmp_path, "console_after_call_1366.png")

    view = board.request.get(f"{base}/units/{server['unit']}/board/state?lang=id").json()
    first_call, second_call = [r["key"] for r in view["state"]["recent"][:2]][::-1]  # newest first on the board
    expected = [(key, url.rsplit("/", 1)[1]) for key in (first_call, second_call) for url in view["clips"][key]]
    assert [clip for key, clip in expected if key == first_call][-2:] == ["go-to-counter", "1"]
    assert [clip for key, clip in expected if key == second_call][-2:] == ["go-to-counter", "2"]
    wait_until(board, f"window.BoardVoice.played.length >= {len(expected)}", timeout=30)
    played = board.evaluate("window.BoardVoice.played")
    assert [(p["call"], p["clip"]) for p in played] == expected  # the first call whole, then the second
    for earlier, later in zip(played, played[1:], strict=False):  # one clip at a time, never two calls at once
        assert later["start"] >= earlier["end"], (earlier, later)
    assert board.locator("#board").get_attribute("data-played").startswith("chime ticket-number a")
    assert board.locator("#recent li").count() >= 2
    _shot(board, tmp_path, "board_two_calls_1920.png")
    board.set_viewport_size({"width": 1280, "height": 720})
    board.wait_for_timeout(300)
    _shot(board, tmp_path, "board_two_calls_1280.png")
    axe = board.evaluate(axe_source() + "\n;axe.run(document).then(r => r.violations.map(v => v.id))")
    assert axe == [], axe

    # the citizen's page changed without a reload: one person fewer ahead
    wait_until(citizen, f"""() => {{ const a = document.querySelector('#live .ahead');
        return a && !a.textContent.includes('{before} orang'); }}""", timeout=15)
    assert citizen.evaluate("window.__notReloaded") is True
    assert str(before - 2) in citizen.locator("#live .ahead").inner_text() or "berikutnya" in \
        citizen.locator("#live .ahead").inner_text()
    _shot(citizen, tmp_path, "ticket_ahead_360.png")
    # called: where to go, in large type, still without a reload
    while "go-to" not in citizen.content():
        _close_current(officer, base, "ANT01")
        _call_next(officer, base, "ANT01")
        citizen.wait_for_timeout(700)
        if officer.locator("p.alert").count() and "Tidak ada" in officer.locator("p.alert").inner_text():
            break
    go = citizen.locator("#live .go-to")
    go.wait_for(state="visible", timeout=15000)
    assert "Silakan menuju Loket 1" in go.inner_text()
    assert float(go.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 28
    assert citizen.evaluate("window.__notReloaded") is True
    assert citizen.evaluate("document.documentElement.scrollWidth") <= 360
    _shot(citizen, tmp_path, "ticket_called_360.png")
    for context in (officer.context, phone, tv):
        context.close()
