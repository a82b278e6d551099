"""The issue's Done-when for the counter kiosk, in a real browser (Debian's chromium through Playwright, JavaScript
on, a tablet viewport): pair a kiosk with the link `portal kiosk add` prints, answer three surveys, go offline,
answer five more, reload while offline (it still works), go online: the server holds exactly eight responses with
the times they were given, and replaying the same batch stores nothing new. Then a manager revokes the kiosk: its
next sync is refused (401) and its answer stays on the tablet until it is paired again.

The portal is the session's shared `scenes` portal (tests/e2e/conftest.py): its PORTAL_PUBLIC_URL makes the
printed pairing link reach it; only this walk stores kiosk answers there, so counting them by channel is exact.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.e2e.support import ARGS, CHROMIUM, REPO, scene, wait_until


def shots(tmp_path: Path) -> Path:
    """Where screenshots go: FIELD_SCREENSHOTS when set (to look at them), else the test's own directory."""
    import os

    folder = Path(os.environ.get("FIELD_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(scenes):
    return scene(scenes, "kiosk")


def _kiosk_times(db: Path) -> list[datetime]:
    """The times the kiosk answers were given, as the server stored them."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute("SELECT submitted_at FROM survey_response WHERE channel = 'kiosk' AND counter = "
                            "(SELECT id FROM counter WHERE code = 'KIO01') ORDER BY submitted_at")
        return [datetime.fromisoformat(str(r[0]).replace(" ", "T")).astimezone(UTC) for r in rows.fetchall()]


def _wait_count(db: Path, n: int, seconds: float = 30) -> list[datetime]:
    deadline = time.monotonic() + seconds
    while True:
        times = _kiosk_times(db)
        if len(times) == n or time.monotonic() > deadline:
            return times
        time.sleep(0.25)


def _answer(page, low: bool = False) -> datetime:
    """Answer the nine questions one screen at a time and send; returns when it was given."""
    for i in range(1, 10):
        screen = page.locator(".screen.current")
        screen.locator(f'label:has(input[name="u{i}"][value="{2 if low else 4}"])').click()
    page.locator(".screen.current").get_by_role("button", name="Kirim jawaban saya").click()
    given = datetime.now(UTC)
    page.locator("#kiosk-thanks").wait_for(state="visible")
    page.get_by_role("button", name="Orang berikutnya").click()
    page.locator('.screen.current[data-step="u1"]').wait_for(state="visible")
    return given


def _pairing_link(server) -> str:
    added = subprocess.run([sys.executable, "-m", "portal", "kiosk", "add", "--counter", "KIO01"],
                           env=server["env"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    lines = added.stdout.splitlines()
    assert any("█" in line or "▀" in line or "▄" in line for line in lines)  # the QR code, as text
    return next(line for line in lines if line.startswith("http"))


def test_kiosk_keeps_answers_offline_and_sends_each_once(server, tmp_path):
    from playwright.sync_api import sync_playwright

    db = server["db"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 800, "height": 1200}, locale="id-ID")
        page = context.new_page()
        page.goto(_pairing_link(server))
        page.get_by_role("button", name="Pasangkan tablet ini").click()
        page.wait_for_url("**/kiosk")
        assert page.locator("h1").inner_text() == "Bagaimana pelayanan kami hari ini?"
        assert page.locator(".screen.current").count() == 1  # one question per screen
        wait_until(page, "navigator.serviceWorker && navigator.serviceWorker.controller !== null")
        # Faces with words (issue 26): four big buttons, each a face and its word; back returns to the question
        faces = page.locator(".screen.current .opt.face")
        assert faces.count() == 4 and faces.nth(3).locator("svg.face-icon").count() == 1
        assert faces.nth(3).inner_text().strip().lower() == "sangat sesuai" and faces.nth(0).inner_text().strip()
        page.screenshot(path=str(shots(tmp_path) / "kiosk-faces-tablet.png"))
        faces.nth(2).click()
        page.locator('.screen.current[data-step="u2"]').wait_for(state="visible")
        page.locator(".screen.current").get_by_role("button", name="Kembali").click()
        page.locator('.screen.current[data-step="u1"]').wait_for(state="visible")
        assert page.locator('input[name="u1"][value="3"]').is_checked()  # the answer is kept
        assert page.locator('.screen.current [data-action="back"]').count() == 0  # nothing before the first
        given = [_answer(page) for _ in range(3)]
        assert len(_wait_count(db, 3)) == 3

        context.set_offline(True)
        given += [_answer(page, low=i % 2 == 0) for i in range(5)]
        page.locator('#main[data-pending="5"]').wait_for(timeout=10000)
        page.reload()  # offline: the service worker serves the kiosk from its cache
        assert page.locator("h1").inner_text() == "Bagaimana pelayanan kami hari ini?"
        page.locator('#main[data-pending="5"]').wait_for(timeout=10000)
        assert "5 jawaban tersimpan di tablet ini" in page.locator("#kiosk-status").inner_text()
        assert len(_kiosk_times(db)) == 3
        page.screenshot(path=str(tmp_path / "kiosk-offline.png"))

        with page.expect_request(lambda r: r.url.endswith("/api/v1/kiosk/responses")) as sent:
            context.set_offline(False)
        synced_at = datetime.now(UTC)
        stored = _wait_count(db, 8)
        assert len(stored) == 8
        for kept, at in zip(stored, given, strict=True):  # the time each was given, not the time of the sync
            assert abs((kept - at).total_seconds()) < 3
        assert all(t < synced_at for t in stored[3:])
        page.locator('#main[data-pending="0"]').wait_for(timeout=10000)

        # The console shows each tablet's last contact (in the unit's zone) and the answers it still holds.
        office = browser.new_context(locale="id-ID").new_page()
        office.goto(server["base"] + "/login")
        office.fill('input[name="username"]', server["manager"][0])
        office.fill('input[name="password"]', server["manager"][1])
        office.locator('form:has(input[name="password"]) button[type="submit"]').click()
        office.goto(server["base"] + "/console/kiosks")
        row = office.locator("table tbody tr").first
        assert row.locator("td.waiting").inner_text().strip() == "0"
        assert row.locator("td.last-sync").inner_text().strip()[-4:] in ("WITA", " WIB", " WIT")
        assert "UTC" not in office.locator("table").inner_text()

        batch = sent.value
        replay = context.request.post(batch.url, data=batch.post_data,
                                      headers={"content-type": "application/json",
                                               "x-kiosk-token": batch.headers["x-kiosk-token"]})
        assert replay.status == 200 and replay.json()["stored"] == 0 and replay.json()["duplicates"] == 5
        assert len(_kiosk_times(db)) == 8

        # A manager revokes the kiosk: its next sync is refused and the answer stays on the tablet.
        office.goto(server["base"] + "/console/kiosks")
        office.get_by_role("button", name="Cabut").click()
        assert "Dicabut" in office.locator("table").inner_text()
        with page.expect_response(lambda r: r.url.endswith("/api/v1/kiosk/responses")) as refused:
            _answer(page)
        assert refused.value.status == 401
        page.locator('#main[data-sync="revoked"][data-pending="1"]').wait_for(timeout=10000)
        page.reload()
        assert page.locator("h1").inner_text() == "Tablet ini belum dipasangkan dengan loket"
        page.locator('#main[data-pending="1"]').wait_for(timeout=10000)
        assert len(_kiosk_times(db)) == 8

        # Paired again (a new link for the same kiosk): the kept answer is sent.
        office.get_by_role("button", name="Tautan pemasangan baru").click()
        link = office.locator("a.pairing-link").inner_text()
        page.goto(link)
        page.get_by_role("button", name="Pasangkan tablet ini").click()
        page.wait_for_url("**/kiosk")
        assert len(_wait_count(db, 9)) == 9
        page.locator('#main[data-pending="0"]').wait_for(timeout=10000)
        browser.close()
