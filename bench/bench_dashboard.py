"""Dashboard benchmark (run by hand, not a test): a unit with 1M (then 10M) survey responses on a scratch SQLite DB.

    /work/venv/bin/python bench/bench_dashboard.py [--responses 1000000] [--scale10 direct|raw] [--keep DIR]

Steps: (1) a scratch database under a temporary folder, migrated; (2) one unit (WITA) with 5 services (one
multi-day) and 4 counters; (3) N responses and N/2 visits over 730 days bulk-inserted with raw sqlite3
executemany (answers correlated through a latent satisfaction, 0.05 % overcharges); (4) rollups built with
portal.insight.rollups.rebuild (timed); (5) GET /dashboard through httpx.ASGITransport, logged in as the unit's
head, for the last full quarter and the last full year: one cold request, then the median of 15 warm ones.

For 10M the same day-by-day volumes x 10 are needed. `--scale10 raw` inserts 10M raw responses (+5M visits)
and rebuilds (tens of minutes on 2 cores); `--scale10 direct` (default) multiplies every rollup counter and
histogram of the 1M database by 10 and repeats each overcharge case 10 times, which is exactly what the
dashboard would read for 10x the data: it reads no raw visit or response.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DAYS = 730
END_DAY = date(2026, 9, 30)  # the last full quarter is 2026-Q3 relative to "today" in the benchmark's window
TZ_OFFSET = timedelta(hours=8)  # Asia/Makassar
PASSWORD = "bench-password-123"


def _settings(var_dir: Path):
    from portal.settings import Settings

    return Settings.from_env({"PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": "bench-" + "x" * 32,
                              "PORTAL_PUBLIC_URL": "https://bench.test"})


async def setup_catalog() -> dict:
    from portal.accounts.passwords import hash_password
    from portal.accounts.queries import create_user
    from portal.db.tables import Counter, CounterService, Government, Service, StandardVersion, Unit

    gov = Government(slug="kota-bench", name="Kota Bench")
    await gov.save().run()
    unit = Unit(government=gov.id, slug="dinas-bench", name="Dinas Bench", short_name="DB", timezone="Asia/Makassar")
    await unit.save().run()
    services = []
    specs = [("ktp", 30, "minutes", 0), ("kk", 45, "minutes", 0), ("akta", 60, "minutes", 0),
             ("izin", 5, "working_days", 150000), ("legalisir", 20, "minutes", 5000)]
    for slug, value, unit_name, fee in specs:
        s = Service(unit=unit.id, slug=f"bench-{slug}", name=f"Layanan {slug}")
        await s.save().run()
        await StandardVersion(service=s.id, version=1, status="approved", time_limit_value=value,
                              time_limit_unit=unit_name, fee=fee, effective_from=datetime(2020, 1, 1, tzinfo=UTC),
                              requirements=["KTP"], procedure=["a"]).save().run()
        services.append({"id": s.id, "limit": value, "unit": unit_name, "fee": fee})
    counters = []
    for i in range(4):
        c = Counter(unit=unit.id, code=f"BEN{i}", name=f"Loket {i}")
        await c.save().run()
        counters.append(c.id)
        for s in services:
            await CounterService(counter=c.id, service=s["id"]).save().run()
    await create_user("bench-head", await hash_password(PASSWORD), "head", ["dinas-bench"])
    return {"unit": unit.id, "services": services, "counters": counters}


def bulk_insert(db_path: Path, cat: dict, n_responses: int, seed: int, id_offset: int = 0) -> None:
    """Raw executemany of visits (n/2) and responses (n) spread over DAYS days, in chunks."""
    rng = np.random.default_rng(seed)
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=OFF")
    first_day = END_DAY - timedelta(days=DAYS - 1)
    chunk = 200_000
    n_visits = n_responses // 2
    services, counters = cat["services"], cat["counters"]
    vcols = ("unit, service, counter, standard_version, origin, local_day, token, arrived_at, arrived_source, "
             "called_at, served_at, finished_at, delivered_at, outcome, fee_charged, correction_needed, "
             "survey_offered, created_at")
    versions = {s["id"]: s["id"] for s in services}  # version id == service id (created in the same order)
    done = 0
    while done < n_visits:
        m = min(chunk, n_visits - done)
        si = rng.integers(0, len(services), m)
        ci = rng.integers(0, len(counters), m)
        day = rng.integers(0, DAYS, m)
        minute = rng.integers(8 * 60, 15 * 60, m)
        wait = rng.lognormal(2.3, 0.6, m)
        handle = rng.lognormal(2.7, 0.5, m)
        over = rng.random(m) < 0.0005
        corr = rng.random(m) < 0.04
        rows = []
        for j in range(m):
            s = services[si[j]]
            d = first_day + timedelta(days=int(day[j]))
            arrived = datetime(d.year, d.month, d.day, tzinfo=UTC) - TZ_OFFSET + timedelta(minutes=int(minute[j]))
            called = arrived + timedelta(minutes=float(wait[j]))
            served = called + timedelta(minutes=0.5)
            finished = served + timedelta(minutes=float(handle[j]))
            delivered = finished + timedelta(days=int(rng.integers(1, 9))) if s["unit"] == "working_days" else None
            fee = s["fee"] + (50_000 if over[j] else 0)
            rows.append((cat["unit"], s["id"], counters[ci[j]], versions[s["id"]], "ticket", d.isoformat(),
                         f"tok{id_offset}-{done + j}", arrived.isoformat(), "officer", called.isoformat(),
                         served.isoformat(), finished.isoformat(), delivered.isoformat() if delivered else None,
                         "completed", fee, int(corr[j]), 1, arrived.isoformat()))
        con.executemany(f"INSERT INTO visit ({vcols}) VALUES ({','.join('?' * 18)})", rows)
        con.commit()
        done += m
    rcols = ("service, unit, counter, u1, u2, u3, u4, u5, u6, u7, u8, u9, amount_paid, extra_requirements, "
             "product_correct, comment, channel, verified, flagged_fast, language, local_day, submitted_at")
    done = 0
    while done < n_responses:
        m = min(chunk, n_responses - done)
        si = rng.integers(0, len(services), m)
        ci = rng.integers(0, len(counters), m)
        day = rng.integers(0, DAYS, m)
        latent = rng.normal(3.1, 0.45, m)
        answers = np.clip(np.rint(latent[:, None] + rng.normal(0, 0.45, (m, 9))), 1, 4).astype(int)
        blank = rng.random((m, 9)) < 0.03
        paid = rng.random(m)
        extra = rng.random(m) < 0.05
        product = rng.choice(["yes", "no", "not_yet"], m, p=[0.9, 0.04, 0.06])
        rows = []
        for j in range(m):
            s = services[si[j]]
            d = first_day + timedelta(days=int(day[j]))
            a = [None if blank[j, k] else int(answers[j, k]) for k in range(9)]
            amount = None if paid[j] < 0.5 else (s["fee"] + 25_000 if paid[j] > 0.9997 else s["fee"])
            rows.append((s["id"], cat["unit"], counters[ci[j]], *a, amount, int(extra[j]), str(product[j]), "",
                         "qr_counter", 0, 0, "id", d.isoformat(),
                         (datetime(d.year, d.month, d.day, 4, tzinfo=UTC)).isoformat()))
        con.executemany(f"INSERT INTO survey_response ({rcols}) VALUES ({','.join('?' * 22)})", rows)
        con.commit()
        done += m
    con.close()


def scale_rollups_direct(db_path: Path, cat: dict, factor: int) -> None:
    """Make the rollups exactly what `factor` x the data would give: every counter and every histogram
    (respondent profiles, waiting/handling sketches, Kaplan-Meier durations) multiplied by `factor`, and each
    overcharge case repeated `factor` times. The dashboard reads nothing else (no raw visit or response)."""
    from portal.db.tables_insight import COUNT_FIELDS

    con = sqlite3.connect(db_path)
    sets = ", ".join(f"{c} = {c} * {factor}" for c in COUNT_FIELDS)
    con.execute(f"UPDATE rollup_day SET {sets}")
    hist_cols = ("profiles", "wait_hist", "handle_hist", "km_hist")
    rows = con.execute(f"SELECT id, {', '.join(hist_cols)} FROM rollup_day").fetchall()
    con.executemany(
        f"UPDATE rollup_day SET {', '.join(f'{c} = ?' for c in hist_cols)} WHERE id = ?",
        [(*(json.dumps({k: v * factor for k, v in json.loads(h).items()}) for h in row[1:]), row[0]) for row in rows])
    cols = "service, unit, counter, day, source, ref_id, amount, fee"
    last = con.execute("SELECT COALESCE(MAX(id), 0) FROM overcharge_case").fetchone()[0]
    for _ in range(1, factor):
        con.execute(f"INSERT INTO overcharge_case ({cols}) SELECT {cols} FROM overcharge_case WHERE id <= ?", (last,))
    con.execute("DELETE FROM rollup_dirty")
    con.commit()
    con.close()


async def time_dashboard(app, label: str, period: str, runs: int = 15) -> dict:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://bench.test") as client:
        page = await client.get("/login")
        import re

        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        r = await client.post("/login", data={"username": "bench-head", "password": PASSWORD, "_csrf_token": token})
        assert r.status_code == 303, r.status_code
        url = f"/dashboard?unit=dinas-bench&period={period}"
        t0 = time.perf_counter()
        r = await client.get(url)
        cold = time.perf_counter() - t0
        assert r.status_code == 200, r.text[-2000:]
        warm = []
        for _ in range(runs):
            t0 = time.perf_counter()
            r = await client.get(url)
            warm.append(time.perf_counter() - t0)
            assert r.status_code == 200
    return {"label": label, "period": period, "cold_ms": cold * 1000, "warm_median_ms": statistics.median(warm) * 1000,
            "warm_min_ms": min(warm) * 1000, "warm_max_ms": max(warm) * 1000}


async def run(args) -> list[dict]:
    from portal.app import create_app
    from portal.db.engine import current_engine
    from portal.db.migrate import migrate
    from portal.insight.rollups import rebuild

    results = []
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        settings = _settings(tmp)
        app = create_app(settings)
        async with app.lifespan():
            await migrate(current_engine())
            cat = await setup_catalog()
            t0 = time.perf_counter()
            await asyncio.to_thread(bulk_insert, settings.sqlite_path, cat, args.responses, 1)
            gen = time.perf_counter() - t0
            t0 = time.perf_counter()
            built = await rebuild()
            reb = time.perf_counter() - t0
            print(f"1x: inserted {args.responses:,} responses + {args.responses // 2:,} visits in {gen:.1f} s; "
                  f"rebuild {reb:.1f} s ({built['rows']} rollup rows)", flush=True)
            for period in ("2026-Q3", "2026"):
                res = await time_dashboard(app, f"{args.responses:,}", period)
                results.append(res)
                print(json.dumps(res), flush=True)
            t0 = time.perf_counter()
            if args.scale10 == "raw":
                for k in range(9):
                    await asyncio.to_thread(bulk_insert, settings.sqlite_path, cat, args.responses, 100 + k, k + 1)
                await rebuild()
            else:
                await asyncio.to_thread(scale_rollups_direct, settings.sqlite_path, cat, 10)
            print(f"10x ({args.scale10}) prepared in {time.perf_counter() - t0:.1f} s", flush=True)
            for period in ("2026-Q3", "2026"):
                res = await time_dashboard(app, f"{10 * args.responses:,} ({args.scale10})", period)
                results.append(res)
                print(json.dumps(res), flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responses", type=int, default=1_000_000)
    parser.add_argument("--scale10", choices=("direct", "raw"), default="direct")
    parser.add_argument("--keep", help="keep the scratch database in this folder")
    args = parser.parse_args()
    os.environ.setdefault("PORTAL_DEFAULT_LANGUAGE", "id")
    results = asyncio.run(run(args))
    for r in results:
        print(f"{r['label']:>22}  {r['period']:>8}  cold {r['cold_ms']:8.1f} ms  warm median {r['warm_median_ms']:7.1f} ms"
              f"  (min {r['warm_min_ms']:.1f}, max {r['warm_max_ms']:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
