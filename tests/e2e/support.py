"""Shared pieces of the browser suite: the portals served on their own ports, chromium, axe-core, the page list.

Two portals serve the whole suite, both started through `portal_server` (its own SQLite var dir, a free port,
`python -m portal serve`, the server's output in `<var>/server.log`):

- `scenes` (tests/e2e/conftest.py, once per session): one small database holding each browser walk's own scene (SCENES_SEED: a unit, its own government,
  services, counter codes and accounts per test module), served with PORTAL_PUBLIC_URL and PORTAL_PORT set (the
  kiosk's pairing link printed by `portal kiosk add` must reach it) and info logging (the complaint walk checks
  that no log line holds the citizen's contact). The scenes do not see each other's rows: each test reads only
  its own unit, counter, kiosk answers or government.
- `portal` (test_field_quality.py, its only user): the demo seeded small (`portal demo --scale 0.12`), reviewed once (`portal review`, so
  corrective actions exist), served with `portal serve --port P` and NO PORTAL_PUBLIC_URL / PORTAL_PORT, so the
  public URL in QR codes must come from the --port flag. It stays separate: the field-quality crawl reads every
  page as every role (admins see every unit, user and audit entry), so the scenes' units, accounts, complaints
  and answers written by the other walks would change what it checks.

axe-core is fetched from the npm registry (a pinned version, checked against its published sha512) into
.cache/axe-core/ the first time; `npm pack` is used when npm is installed, otherwise the registry's tarball URL.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

AXE_VERSION = "4.14.1"
AXE_SHA512 = "FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
AXE_DIR = REPO / ".cache" / "axe-core"

ACCOUNTS = {  # the demo's printed accounts (DEMO PASSWORDS)
    "admin": ("admin", "demo-admin-2026"),
    "head": ("kadis.dukcapil", "demo-kepala-2026"),
    "manager": ("manajer.rsud", "demo-manajer-2026"),
    "officer": ("petugas.dukcapil", "demo-petugas-2026"),
}


def wait_until(page, expression: str, timeout: float = 15.0) -> None:
    """Poll a JavaScript expression from here until it is truthy. Playwright's wait_for_function evaluates a string
    predicate with eval inside the page when its first check fails, which the portal's Content Security Policy
    (script-src 'self') refuses: an EvalError whenever the page is a little slow. page.evaluate goes through the
    browser's debugging protocol, which the policy does not govern."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(100)


def axe_source() -> str:
    """The text of axe.min.js (pinned, integrity-checked), fetched from the npm registry once."""
    target = AXE_DIR / AXE_VERSION / "axe.min.js"
    if target.is_file():
        return target.read_text()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tgz = Path(tmp) / f"axe-core-{AXE_VERSION}.tgz"
        npm = shutil.which("npm")
        if npm:
            subprocess.run([npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", tmp, "--silent"],
                           check=True, capture_output=True, timeout=180)
        else:
            url = f"https://registry.npmjs.org/axe-core/-/axe-core-{AXE_VERSION}.tgz"
            with urllib.request.urlopen(url, timeout=60) as r:  # noqa: S310 - a fixed https URL
                tgz.write_bytes(r.read())
        blob = tgz.read_bytes()
        digest = base64.b64encode(hashlib.sha512(blob).digest()).decode()
        if digest != AXE_SHA512:
            raise RuntimeError(f"axe-core {AXE_VERSION}: integrity mismatch")
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            member = tar.extractfile("package/axe.min.js")
            assert member is not None
            target.write_bytes(member.read())
    return target.read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def portal_env(var_dir: Path) -> dict[str, str]:
    env = {**os.environ, "PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": "e2e-field-quality-0123456789"}
    for name in ("PORTAL_DATABASE_URL", "PORTAL_REDIS_URL", "PORTAL_PUBLIC_URL", "PORTAL_PORT", "PORTAL_HOST"):
        env.pop(name, None)  # an embedded SQLite portal whose public URL comes from --port alone
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_portal(env: dict[str, str], *args: str, timeout: int = 300) -> str:
    done = subprocess.run([sys.executable, "-m", "portal", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"portal {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def start_server(env: dict[str, str], port: int, log_level: str = "warning") -> subprocess.Popen:
    """`portal serve --port P` in a subprocess, its output appended to <PORTAL_VAR_DIR>/server.log (a file, not a
    pipe nobody reads: a chatty server never blocks on a full pipe); returns once the port accepts connections."""
    log_path = Path(env["PORTAL_VAR_DIR"]) / "server.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--port", str(port), "--log-level",
                                    log_level], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                break
            time.sleep(0.2)
    process.kill()
    process.wait(timeout=10)
    raise RuntimeError("the portal did not start: " + log_path.read_text(errors="replace"))


@contextmanager
def portal_server(var_dir: Path, *, public_url: bool = False, log_level: str = "warning",
                  seed: Callable[[dict[str, str]], object] | None = None) -> Iterator[dict]:
    """A portal on its own SQLite var dir and a free port, stopped on exit. `seed(env)` prepares the database
    before the server starts (its result is yielded as "seed"). With `public_url`, PORTAL_PUBLIC_URL and
    PORTAL_PORT name the server (for commands such as `portal kiosk add`); without, only --port does."""
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is required for the browser tests: apt-get install -y chromium")
    env = portal_env(var_dir)
    port = free_port()
    if public_url:
        env.update({"PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}", "PORTAL_PORT": str(port)})
    seeded = seed(env) if seed is not None else None
    process = start_server(env, port, log_level)
    try:
        yield {"base": f"http://127.0.0.1:{port}", "port": port, "env": env, "var": var_dir,
               "db": var_dir / "portal.sqlite3", "log": var_dir / "server.log", "seed": seeded}
    finally:
        process.terminate()
        process.wait(timeout=10)


#: Each browser walk's own scene, in one database (printed as JSON, one key per scene).
SCENES_SEED = textwrap.dedent("""
    import json

    from portal.accounts.auth import CurrentUser
    from portal.cli import apply_migrations, run_with_db
    from portal.diagnostic import queries, services
    from tests.factories import make_counter, make_service, make_unit, make_user

    async def citizen_loop():  # test_feedback_browser (JavaScript off) and test_csp_browser (JavaScript on)
        unit = await make_unit(name="Dinas Kependudukan Browser", maklumat_text="Kami siap melayani.")
        akta = await make_service(unit, fee=0, name="Akta Kelahiran")
        kk = await make_service(unit, fee=25000, time_limit=(3, "working_days"), name="Kartu Keluarga")
        counter = await make_counter(unit, [akta, kk], name="Loket Browser", code="WEB01")
        return {"code": counter["code"]}

    async def complaints():  # test_complaints_browser
        unit = await make_unit(name="Dinas Pengaduan Browser", timezone="Asia/Jakarta")
        kk = await make_service(unit, fee=25000, time_limit=(3, "working_days"), name="Kartu Keluarga")
        counter = await make_counter(unit, [kk], name="Loket Pengaduan", code="ADU01")
        user = await make_user("manager", [unit])
        return {"username": user["username"], "password": user["password"], "unit": unit["slug"],
                "counter": counter["code"]}

    async def complaint_follow_up():  # test_complaint_follow_up_browser: its own unit, so counts stay exact
        unit = await make_unit(name="Dinas Tindak Lanjut Browser", timezone="Asia/Makassar")
        await make_service(unit, fee=0, name="Surat Keterangan Usaha")
        user = await make_user("manager", [unit])
        return {"username": user["username"], "password": user["password"], "unit": unit["slug"],
                "unit_name": unit["name"]}

    async def diagnostic():  # test_diagnostic_print: a manager rates every indicator, a head verifies them
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
        return {"slug": gov["slug"]}

    async def kiosk():  # test_kiosk_browser
        unit = await make_unit(name="Dinas Kependudukan Kios")
        service = await make_service(unit, name="Akta Kelahiran")
        await make_counter(unit, [service], name="Loket Kios", code="KIO01")
        manager = await make_user("manager", [unit])
        return {"manager": [manager["username"], manager["password"]]}

    async def kiosk_sync():  # test_kiosk_sync_browser: its own counter, so the kiosk walk's counts stay its own
        unit = await make_unit(name="Dinas Kependudukan Kios Sinkron")
        service = await make_service(unit, name="Kartu Keluarga")
        await make_counter(unit, [service], name="Loket Kios Sinkron", code="KIO02")
        return {"counter": "KIO02"}

    async def queue():  # test_queue_browser: two counters of one unit, an officer
        unit = await make_unit(name="Dinas Antrean Browser", timezone="Asia/Jakarta")
        ktp = await make_service(unit, name="KTP Elektronik")
        kk = await make_service(unit, name="Kartu Keluarga", time_limit=(3, "working_days"))
        await make_counter(unit, [ktp, kk], name="Loket 1", code="ANT01")
        await make_counter(unit, [ktp, kk], name="Loket 2", code="ANT02")
        officer = await make_user("officer", [unit])
        return {"unit": unit["slug"], "officer": [officer["username"], officer["password"]]}

    async def staffing():  # test_staffing_browser: ten weeks of a queue with busy Monday mornings
        from portal.insight.refresher import run_once
        from portal.timeutil import utcnow
        from tests.integration.staffing_support import staffing_scene

        built = await staffing_scene(utcnow())
        await run_once(full=True)
        head = built["users"]["head"]
        return {"unit": built["unit"]["slug"], "head": [head["username"], head["password"]]}

    async def headline():  # test_headline_browser: a multi-day service whose latest cases are still open
        from datetime import timedelta

        import numpy as np

        from portal.db.tables import StandardVersion
        from portal.timeutil import local_day
        from survey.clock import WEEKMASK, deadline_day, holiday_calendar
        from tests.integration.test_insight_support import add_visit, at

        unit = await make_unit(name="Dinas Perizinan Browser")
        service = await make_service(unit, fee=0, time_limit=(20, "working_days"), name="Izin Bangunan Uji")
        await StandardVersion.update({StandardVersion.target_time: 0.8}).where(
            StandardVersion.service == service["id"]).run()
        today = local_day(unit["timezone"])
        cal = np.busdaycalendar(weekmask=WEEKMASK, holidays=holiday_calendar([today.year - 1, today.year]))
        start = np.busday_offset(np.datetime64(today, "D"), -8, roll="backward", busdaycal=cal).item()
        for i in range(30):  # done in 3 working days
            arrived = at(unit, start, 9, i)
            await add_visit(unit, service, arrived, minutes=30,
                            delivered_at=at(unit, deadline_day(start, 3, "working_days"), 10))
        for i in range(2):  # still waiting for the product
            await add_visit(unit, service, at(unit, start, 11, i), outcome=None, minutes=30)
        head = await make_user("head", [unit])
        return {"unit": unit["slug"], "service": service["slug"], "from": start.isoformat(),
                "to": today.isoformat(), "username": head["username"], "password": head["password"]}

    async def work(settings):
        await apply_migrations(settings)
        scenes = {"citizen_loop": await citizen_loop(), "complaints": await complaints(),
                  "complaint_follow_up": await complaint_follow_up(),
                  "diagnostic": await diagnostic(), "kiosk": await kiosk(), "kiosk_sync": await kiosk_sync(),
                  "queue": await queue(), "staffing": await staffing(), "headline": await headline()}
        print(json.dumps(scenes))

    run_with_db(work)
""")


def seed_scenes(env: dict[str, str]) -> dict[str, dict]:
    """Run SCENES_SEED against the portal of `env`; returns each scene's names and accounts."""
    done = subprocess.run([sys.executable, "-c", SCENES_SEED], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def scene(scenes: dict, name: str) -> dict:
    """One scene of the shared `scenes` portal as its test module sees it: the server's base URL, log, database
    and environment, with the scene's own names and accounts."""
    return {"base": scenes["base"], "env": scenes["env"], "db": scenes["db"], "log": scenes["log"],
            **scenes["seed"][name]}


def login(page, base: str, role: str) -> None:
    username, password = ACCOUNTS[role]
    page.goto(f"{base}/login?lang=id")
    page.fill("#username", username)
    page.fill("#password", password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


#: The public results pages' layout, measured in the page (issue 26): each visible table of `minColumns` or more
#: columns still laid out as a table (display: table), and each word inside a table cell that the browser split
#: across two lines (a word's Range has rects on more than one line). Words are separated by white space, dashes
#: and slashes (a break after "KTP-" or "/" is where a reader expects one).
RESULTS_LAYOUT = """(minColumns) => {
  const out = {wide: [], split: [], tables: 0, cells: 0};
  const tables = [...document.querySelectorAll('main table')].filter(t => t.getClientRects().length);
  out.tables = tables.length;
  for (const t of tables) {
    const columns = Math.max(0, ...[...t.querySelectorAll('tr')].map(r => r.children.length));
    if (columns >= minColumns && getComputedStyle(t).display === 'table')
      out.wide.push(columns + ' columns: ' + (t.caption ? t.caption.textContent : t.textContent).trim().slice(0, 60));
  }
  const range = document.createRange();
  for (const cell of tables.flatMap(t => [...t.querySelectorAll('th, td')])) {
    const group = cell.closest('thead, tbody, tfoot, table');
    if (group.getBoundingClientRect().width <= 1) continue;  // a header row kept for screen readers only
    out.cells++;
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.parentElement.closest('svg') || !node.parentElement.getClientRects().length) continue;
      for (const m of node.data.matchAll(/[^\\s\\-–—\\/]+/g)) {
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.bottom)));
        if (lines.size > 1) out.split.push(m[0]);
      }
    }
  }
  return out;
}"""
