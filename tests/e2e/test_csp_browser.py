"""In a real browser with JavaScript on, the pages run under the Content-Security-Policy without a single
violation (no inline script, style or handler anywhere), and the board's script still works."""

from __future__ import annotations

import json
import urllib.request

import pytest

from tests.e2e.support import ARGS, CHROMIUM, scene, wait_until

pytestmark = pytest.mark.e2e


@pytest.fixture
def server(scenes):
    return scene(scenes, "citizen_loop")  # the citizen loop's unit, on the shared `scenes` portal


def test_pages_run_under_the_csp_without_violations(server):
    from playwright.sync_api import sync_playwright

    with urllib.request.urlopen(f"{server['base']}/api/v1/counters") as response:
        unit = next(c["unit"]["slug"] for c in json.load(response) if c["code"] == server["code"])
    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
        for path in ("/", f"/c/{server['code']}", "/schema", f"/performance/units/{unit}",
                     f"/units/{unit}/board"):
            response = page.goto(server["base"] + path)
            assert response.status < 400, path
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        wait_until(page, "document.getElementById('clock') && document.getElementById('clock').textContent")
        browser.close()
    assert violations == []
