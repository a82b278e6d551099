"""The kiosk's sync in a real browser (issue 24): a bad item never blocks the tablet. While the server answers
503 the answers stay on the tablet; then a queue holding a NUL, a lone surrogate and an item a proxy refuses as a
whole batch (400) is sent: the good answers are stored, the server refuses the NUL and surrogate items alone, the
400 batch is never sent again as it was but halved until its bad item travels alone and is dropped, and the tablet
shows staff how many answers were refused. A 409 keeps the answer and stops sending until the page is loaded
again; the count of refused answers survives the reload."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.support import ARGS, CHROMIUM, REPO, scene
from tests.e2e.test_kiosk_browser import _answer

pytestmark = pytest.mark.e2e
API = "/api/v1/kiosk/responses"


@pytest.fixture
def server(scenes):
    return scene(scenes, "kiosk_sync")


def _stored(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute("SELECT COUNT(*) FROM survey_response WHERE channel = 'kiosk' AND counter = "
                            "(SELECT id FROM counter WHERE code = 'KIO02')").fetchone()[0]


def _wait_stored(db: Path, n: int, seconds: float = 30) -> int:
    deadline = time.monotonic() + seconds
    while _stored(db) != n and time.monotonic() < deadline:
        time.sleep(0.25)
    return _stored(db)


QUEUE_JS = """(items) => new Promise((resolve, reject) => {
  const open = indexedDB.open("portal-kiosk", 1);
  open.onsuccess = () => {
    const tx = open.result.transaction("queue", "readwrite");
    const odd = {NUL: "a" + String.fromCharCode(0) + "b", LONE: "x" + String.fromCharCode(0xD800) + "y"};
    items.forEach((item) => tx.objectStore("queue").put(
      {...item, comment: odd[item.comment] || item.comment, given_at: new Date().toISOString()}));
    tx.oncomplete = () => resolve(true);
    tx.onerror = () => reject(tx.error);
  };
})"""


def test_bad_items_are_dropped_and_counted_and_a_4xx_is_never_resent(server, tmp_path):
    from playwright.sync_api import sync_playwright

    db = server["db"]
    added = subprocess.run([sys.executable, "-m", "portal", "kiosk", "add", "--counter", server["counter"],
                            "--no-qr"], env=server["env"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert added.returncode == 0, added.stderr
    link = next(line for line in added.stdout.splitlines() if line.startswith("http"))
    phase = {"name": "down"}
    sent: list[tuple[str, int, list[dict]]] = []  # (phase, status answered, items)

    def answer(route):
        items = json.loads(route.request.post_data or "{}").get("items", [])
        status = {"down": 503, "closed": 409}.get(phase["name"])
        if status is None and any(i.get("comment") == "RUSAK" for i in items):
            status = 400  # a proxy in between refuses any batch holding this item
        sent.append((phase["name"], status or 200, items))
        if status is None:
            route.continue_()
        else:
            route.fulfill(status=status, content_type="application/json",
                          body=json.dumps({"status": status, "error": "refused by the test"}))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 800, "height": 1200}, locale="id-ID")
        context.route("**" + API, answer)
        page = context.new_page()
        page.goto(link)
        page.get_by_role("button", name="Pasangkan tablet ini").click()
        page.wait_for_url("**/kiosk")

        # 1. The server is down (503): both answers stay on the tablet, to be sent later.
        _answer(page)
        _answer(page)
        page.locator('#main[data-sync="offline"][data-pending="2"]').wait_for(timeout=10000)
        assert _stored(db) == 0 and {status for _p, status, _i in sent} == {503}

        # 2. Three bad items join the queue; the server is back.
        page.evaluate(QUEUE_JS, [
            {"id": "00000000-0000-4000-8000-000000000001", "service": None, "u": [4] * 9, "comment": "NUL",
             "lang": "id"},
            {"id": "00000000-0000-4000-8000-000000000002", "service": None, "u": [3] * 9, "comment": "RUSAK",
             "lang": "id"},
            {"id": "00000000-0000-4000-8000-000000000003", "service": None, "u": [2] * 9, "comment": "LONE",
             "lang": "id"}])
        phase["name"] = "up"
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.locator('#main[data-pending="0"][data-refused="3"]').wait_for(timeout=20000)
        assert _wait_stored(db, 2) == 2  # the two real answers, nothing else
        up = [(status, [i["id"] for i in items]) for name, status, items in sent if name == "up"]
        for (status, ids), (_next_status, next_ids) in zip(up, up[1:], strict=False):
            if status == 400:
                assert next_ids != ids, up  # a refused batch is never sent again as it was
        assert (400, ["00000000-0000-4000-8000-000000000002"]) in up  # the bad item travelled alone, then went
        status_line = page.locator("#kiosk-status").inner_text()
        assert "3 jawaban ditolak server dan dihapus dari tablet ini." in status_line
        page.screenshot(path=str(tmp_path / "kiosk-refused.png"))

        # 3. 409 (the counter does not take answers): kept, and not sent again until the page is loaded again.
        phase["name"] = "closed"
        _answer(page)
        page.locator('#main[data-sync="paused"][data-pending="1"]').wait_for(timeout=10000)
        closed = len(sent)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_timeout(1500)  # a request, if one were sent, would be recorded by now
        assert len(sent) == closed and _stored(db) == 2
        assert "Mohon beri tahu pengelola loket" in page.locator("#kiosk-status").inner_text()

        # 4. Loaded again with the counter open: the kept answer goes; the refused count is still shown.
        phase["name"] = "open"
        page.reload()
        page.locator('#main[data-pending="0"][data-refused="3"]').wait_for(timeout=20000)
        assert _wait_stored(db, 3) == 3
        browser.close()
