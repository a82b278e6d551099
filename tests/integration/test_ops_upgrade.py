"""Upgrade from the project's earlier release: a database made by commit b5ad380 (the 2026-12-03 state of main)
with its own `portal demo` and a few more facts through its own doors (a corrective-action review, a kiosk, a
paper batch, a complaint with its photo, a survey answer, a failed sign-in), prepared as docs/queue.md asks before
m0130 (the ghost tickets its demo leaves closed on its own console), then this release's `portal migrate`:
every row of every table is still there with the same values (derived rollups may be rebuilt), and the published
figures (the results API of every unit and service, default window and fixed periods) are what the earlier release
serves from the same data, except those redefined on purpose since (REDEFINED_SINCE, each with its reason).

The earlier release runs from `git archive b5ad380` (the history is in every clone; nothing is fetched) with this
environment's packages. Its SQLite database is built once a day (demo data ends on the day it is made) and
cached under .cache/upgrade/<commit>-<recipe>/; the scale-out pass builds its PostgreSQL database afresh. Keep
this test for each later release: add the newest release beside OLD_RELEASES when it ships.
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from portal.timeutil import local_day, utcnow
from tests.integration.ops_support import (
    REPO,
    _pg,
    cli,
    free_port,
    hidden_fields,
    portal_env,
    scale_out,
    served,
)

OLD_RELEASES = ("b5ad380",)
#: Figures whose definition changed on purpose since an earlier release (so its answers and this release's differ
#: by design): for each, the block of the results API and why. Every other published figure of that release
#: must come back unchanged; rows are compared whatever the definitions.
REDEFINED_SINCE: dict[str, dict[str, str]] = {
    "b5ad380": {
        "time": "issue 22: the on-time headline counts open cases (estimate at the horizon, provisional), and a "
                "unit pools its services each against its own limit",
        "accuracy": "issue 22: leaves out visits that ended without the product, and visits apart from unbound "
                    "answers",
        "cost": "issue 22: visits apart from unbound answers",
    },
}
#: Bump when the build below changes, so a cached database of the earlier recipe is not reused.
RECIPE = "r2"
#: Tables whose rows are derived from the facts and that a migration may rebuild (portal.db.migration_support.
#: mark_all_dirty: the refresher recomputes them from the raw rows); the published figures, compared below, are
#: what proves they came back the same. m0170 (issue 29) rebuilds the rollups to add their hourly sketches.
DERIVED = frozenset({"rollup_day"})


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, timeout=60)


def old_source(commit: str) -> tuple[str, Path]:
    """(full commit id, the earlier release's source tree under .cache/upgrade/)."""
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout: the earlier release comes from the repository's history")
    found = _git("rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
    if found.returncode != 0:
        pytest.fail(f"commit {commit} is not in this clone (a shallow clone?): the upgrade test needs the history "
                    "(git fetch --unshallow)")
    full = found.stdout.decode().strip()
    source = REPO / ".cache" / "upgrade" / f"{full}-{RECIPE}" / "src"
    if not (source / "portal" / "cli.py").is_file():
        source.parent.mkdir(parents=True, exist_ok=True)
        partial = source.with_name("src.partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir()
        archive = _git("archive", "--format=tar", full)
        assert archive.returncode == 0, archive.stderr
        import tarfile

        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(partial, filter="data")
        os.replace(partial, source)
    return full, source


def old_env(env: dict[str, str], source: Path) -> dict[str, str]:
    """The environment with the earlier release first on the path instead of this checkout (the suite's clock
    site, tests/clock_site, stays: the earlier release lives on the suite's day too)."""
    others = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != REPO]
    return {**env, "PYTHONPATH": os.pathsep.join([str(source), *others])}


def run_old(env: dict[str, str], source: Path, *commands: list[str]) -> str:
    """The earlier release's `portal` commands, in order, through its own portal.cli.main (one interpreter)."""
    script = ("import sys\nfrom portal.cli import main\nfor args in " + repr([list(c) for c in commands]) +
              ":\n    code = main(args)\n    if code:\n        sys.exit(f'portal {args} exited {code}')\n")
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=source, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, f"old portal {commands} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def start_old(env: dict[str, str], source: Path, var: Path) -> tuple[subprocess.Popen, str]:
    """The earlier release's server (it has no /readyz: ready when its home page answers)."""
    port = free_port()
    with open(var / "old-server.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "portal", "serve", "--port", str(port), "--log-level",
                                    "warning"], env=env, cwd=source, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{base}/", timeout=5).status_code == 200:
                return process, base
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.kill()
    raise AssertionError("the earlier release did not start:\n" + (var / "old-server.log").read_text()[-3000:])


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _photo() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def build_old_database(env: dict[str, str], source: Path, var: Path) -> None:
    """The earlier release's demo at a small scale, plus facts through its own commands and pages."""
    old = old_env(env, source)
    run_old(old, source, ["demo", "--months", "2", "--scale", "0.06", "--seed", "11"], ["review"])
    rows = _rows(old, "SELECT c.code, s.slug, u.timezone FROM counter c JOIN counter_service cs ON cs.counter = c.id "
                      "JOIN service s ON s.id = cs.service JOIN unit u ON u.id = c.unit ORDER BY c.code, s.slug")
    code, slug, timezone = rows[0]["code"], rows[0]["slug"], rows[0]["timezone"]
    paper = var / "paper.csv"
    paper.write_text("u1,u2,u3,u4,u5,u6,u7,u8,u9,amount_paid\n" + "".join(
        f"{3 + n % 2},3,4,3,{2 + n % 3},4,3,4,3,{n * 1000}\n" for n in range(6)))
    today = local_day(timezone)
    run_old(old, source, ["kiosk", "add", "--counter", code, "--label", "upgrade", "--no-qr"],
            ["import-paper", str(paper), "--service", slug, "--from", (today - timedelta(days=20)).isoformat(),
             "--to", (today - timedelta(days=14)).isoformat()])
    process, base = start_old({**old, "PORTAL_REFRESH_SECONDS": "1"}, source, var)
    try:
        with httpx.Client(base_url=base, timeout=60) as client:
            form = client.get(f"/c/{code}/s/{slug}/survey")
            assert form.status_code == 200, form.text[-500:]
            thanks = client.post(f"/c/{code}/s/{slug}/survey",
                                 data={**hidden_fields(form.text), **{f"u{i}": "4" for i in range(1, 10)}})
            assert thanks.status_code == 200
            form = client.get(f"/complaints/new?service={slug}&counter={code}")
            filed = client.post("/complaints/new", data={
                **hidden_fields(form.text), "service": slug, "counter": code, "category": "overcharge",
                "description": "Diminta bayar lebih.", "amount": "20000", "contact": "+62 812-0000-1111"},
                files={"photo": ("struk.png", _photo(), "image/png")})
            assert filed.status_code == 303, filed.text[-800:]
            close_ghost_tickets(client, old)
        with httpx.Client(base_url=base, timeout=60) as stranger:
            login = stranger.get("/login")
            stranger.post("/login", data={**hidden_fields(login.text), "username": "admin", "password": "wrong-one"})
    finally:
        stop(process)
    run_old(old, source, ["review"])  # fold what the server left pending: the cached database has no backlog


def close_ghost_tickets(client: httpx.Client, env: dict[str, str]) -> None:
    """The operator's preparation for m0130 (docs/queue.md, "Upgrading a database with ghost visits"), on the
    earlier release's console: where a counter holds several called tickets neither finished nor closed on one
    day (the earlier release let an officer call the next before closing the last; its demo leaves such days),
    record an outcome for all but the latest call: no-show when never served, else cancelled."""
    open_tickets = _rows(env, "SELECT id, counter, local_day, served_at FROM visit WHERE counter IS NOT NULL AND "
                              "called_at IS NOT NULL AND finished_at IS NULL AND outcome IS NULL "
                              "ORDER BY counter, local_day, called_at, id")
    by_counter_day: dict[tuple, list[dict]] = {}
    for row in open_tickets:
        by_counter_day.setdefault((row["counter"], str(row["local_day"])[:10]), []).append(row)
    ghosts = [row for rows in by_counter_day.values() for row in rows[:-1]]
    if not ghosts:
        return
    login = client.get("/login")
    signed_in = client.post("/login", data={**hidden_fields(login.text), "username": "admin",
                                            "password": "demo-admin-2026"})  # the earlier demo's printed account
    assert signed_in.status_code == 303, signed_in.text[-500:]
    for ghost in ghosts:
        closed = client.post(f"/console/visits/{ghost['id']}/outcome", data={
            "outcome": "no_show" if ghost["served_at"] is None else "cancelled",
            "_csrf_token": client.cookies.get("csrftoken") or ""})
        assert closed.status_code == 303, closed.text[-500:]


def _rows(env: dict[str, str], sql: str) -> list[dict]:
    url = env.get("PORTAL_DATABASE_URL", "")
    if url.startswith("postgres"):
        import asyncio

        import asyncpg

        async def fetch() -> list[dict]:
            conn = await asyncpg.connect(url)
            try:
                return [dict(r) for r in await conn.fetch(sql)]
            finally:
                await conn.close()

        return asyncio.run(fetch())
    with sqlite3.connect(Path(env["PORTAL_VAR_DIR"]) / "portal.sqlite3") as connection:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute(sql)]


def snapshot(env: dict[str, str]) -> dict[str, tuple[list[str], list[tuple]]]:
    """{table: (columns, rows sorted)} of every table of the portal's database."""
    if env.get("PORTAL_DATABASE_URL", "").startswith("postgres"):
        names = [r["table_name"] for r in _rows(env, "SELECT table_name FROM information_schema.tables WHERE "
                                                     "table_schema = 'public' AND table_type = 'BASE TABLE'")]
    else:
        names = [r["name"] for r in _rows(env, "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                               "name NOT LIKE 'sqlite_%'")]
    tables = {}
    for name in sorted(names):
        rows = _rows(env, f'SELECT * FROM "{name}"')
        columns = list(rows[0]) if rows else []
        tables[name] = (columns, sorted((tuple(r.values()) for r in rows), key=repr))
    return tables


def figures(base: str, units: list[dict], services: list[dict], today) -> dict[str, object]:
    """The results API of every unit (default window, last 30 days, the 30 days before) and every service."""
    found: dict[str, object] = {}
    periods = {"default": {}, "recent": {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()},
               "before": {"from": (today - timedelta(days=59)).isoformat(),
                          "to": (today - timedelta(days=30)).isoformat()}}
    with httpx.Client(base_url=base, timeout=120) as client:
        for unit in units:
            for label, params in periods.items():
                response = client.get(f"/api/v1/units/{unit['slug']}/results", params=params)
                assert response.status_code == 200, response.text[-500:]
                found[f"unit {unit['slug']} {label}"] = response.json()
        for service in services:
            response = client.get(f"/api/v1/services/{service['slug']}/results", params=periods["recent"])
            assert response.status_code == 200, response.text[-500:]
            found[f"service {service['slug']}"] = response.json()
    return found


def differences(a, b, path: tuple = ()) -> list[tuple]:
    """The leaf paths (keys, list positions as '*') where the later answer `b` differs from the earlier `a`; a key
    the earlier release did not publish is an addition, not a change."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(a) for d in differences(a[k], b.get(k), (*path, k))]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for x, y in zip(a, b, strict=True) for d in differences(x, y, (*path, "*"))]
    return [] if a == b else [path]


def _copy_database(old: dict[str, str], new: dict[str, str]) -> None:
    if old.get("PORTAL_DATABASE_URL", "").startswith("postgres"):
        source_db = old["PORTAL_DATABASE_URL"].rpartition("/")[2]
        target_db = new["PORTAL_DATABASE_URL"].rpartition("/")[2]
        _pg(f'DROP DATABASE IF EXISTS "{target_db}" WITH (FORCE)')
        _pg(f'CREATE DATABASE "{target_db}" TEMPLATE "{source_db}"')
    else:
        shutil.copy2(Path(old["PORTAL_VAR_DIR"]) / "portal.sqlite3", Path(new["PORTAL_VAR_DIR"]) / "portal.sqlite3")
    shutil.copy2(Path(old["PORTAL_VAR_DIR"]) / "secret_key", Path(new["PORTAL_VAR_DIR"]) / "secret_key")


@pytest.mark.parametrize("commit", OLD_RELEASES)
def test_a_database_of_the_earlier_release_survives_this_releases_migrate(tmp_path, commit):
    full, source = old_source(commit)
    old_var, new_var = tmp_path / "old", tmp_path / "new"
    old_var.mkdir()
    new_var.mkdir()
    # Demo data ends on the day it is made, so a cached database serves that day only (then it is made again).
    cached = source.parent / f"portal-{utcnow().date().isoformat()}.sqlite3"
    with portal_env(old_var, PORTAL_REFRESH_SECONDS="0") as old, \
            portal_env(new_var, PORTAL_REFRESH_SECONDS="0") as new:
        for env in (old, new):
            env.pop("PORTAL_SECRET_KEY")  # each keeps the earlier release's var/secret_key
        if scale_out():
            build_old_database(old, source, old_var)
        else:
            if not cached.is_file():
                build = tmp_path / "build"
                build.mkdir()
                with portal_env(build, embedded=True, PORTAL_REFRESH_SECONDS="0") as env:
                    env.pop("PORTAL_SECRET_KEY")
                    build_old_database(env, source, build)
                partial = cached.with_name(f"portal.sqlite3.{uuid.uuid4().hex}")
                with sqlite3.connect(build / "portal.sqlite3") as src, sqlite3.connect(partial) as dst:
                    src.backup(dst)
                shutil.copy2(build / "secret_key", source.parent / "secret_key")
                for stale in source.parent.glob("portal-*.sqlite3"):
                    stale.unlink()
                os.replace(partial, cached)
            shutil.copy2(cached, old_var / "portal.sqlite3")
            shutil.copy2(source.parent / "secret_key", old_var / "secret_key")
        _copy_database(old, new)
        before = snapshot(old)
        assert before["survey_response"][1] and before["complaint"][1] and before["complaint_photo"][1]
        assert before["kiosk"][1] and before["feedback_paper_batch"][1] and before["login_throttle"][1]

        applied = cli(new, "migrate")
        assert "applied" in applied.stdout or "up to date" in applied.stdout
        after = snapshot(new)
        for table, (columns, rows) in before.items():
            assert table in after, f"table {table} is gone"
            if table in DERIVED:
                continue
            new_columns, new_rows = after[table]
            if not rows:
                continue
            kept = Counter(tuple(dict(zip(new_columns, row, strict=True))[c] for c in columns) for row in new_rows)
            lost = Counter(rows) - kept  # a migration may add rows (portal_migration does), never lose or alter one
            assert not lost, f"{sum(lost.values())} rows of {table} lost or changed, e.g. {next(iter(lost))}"
        assert cli(new, "migrate").stdout.strip() == "database is up to date"

        units = _rows(old, "SELECT slug, timezone FROM unit ORDER BY slug")
        services = _rows(old, "SELECT slug FROM service ORDER BY slug")
        today = local_day(units[0]["timezone"])
        process, base = start_old(old_env(old, source), source, old_var)
        try:
            earlier = figures(base, units, services, today)
        finally:
            stop(process)
        # This release recomputes every published figure on its refresher's first pass (full republish).
        with served({**new, "PORTAL_REFRESH_SECONDS": "1"}) as server:
            deadline = time.monotonic() + 120
            while True:
                ready = httpx.get(f"{server['base']}/readyz", timeout=30).json()
                if ready["checks"]["refresher"]["status"] == "running" or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert ready["status"] == "ready" and ready["checks"]["refresher"]["status"] == "running", ready
            now = figures(server["base"], units, services, today)
        assert now.keys() == earlier.keys()
        redefined = REDEFINED_SINCE.get(commit, {})
        for key in earlier:
            changed = [path for path in differences(earlier[key], now[key])
                       if not set(path[:1] + path[2:3]) & set(redefined)]  # a block, or a service's block
            assert not changed, f"{key}: {changed[:5]} changed across the upgrade from {full[:7]}"
        assert sum(v["satisfaction"]["n"] for k, v in earlier.items() if k.endswith(" default")) > 50  # type: ignore[index]
        assert any(v["time"]["n"] for v in earlier.values())  # type: ignore[index]
