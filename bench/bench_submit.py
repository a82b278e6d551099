"""Survey-cycle benchmark (run by hand, never in the test suite): the portal's write path against bare Litestar.

    python bench/bench_submit.py [--duration 8] [--rounds 2] [--sizes 0,10000,100000]
    python bench/bench_submit.py --scale-out [--cycles 3000]

Default run, embedded mode (SQLite, in-process stores), on this machine's loopback:
1. a scratch folder; the portal migrated and seeded with a small demo (`portal demo --months 1 --scale 0.05`),
   served by `portal serve` (uvicorn, one process, access log off, PORTAL_TRUSTED_PROXIES=127.0.0.1 so that
   each cycle comes from its own address as behind nginx); the bare-Litestar baseline
   (../shared/perf/baseline_app.py: Jinja form with CSRF, form parse, one SQLite insert, thank-you page)
   served by uvicorn from its folder, access log off;
2. wrk with ../shared/perf/survey_cycle.lua, 8 threads x 8 connections (8 concurrent citizens), each cycle
   GET the counter's survey form then POST the answers; alternating baseline (A) and portal (B), A B A B,
   `--duration` seconds each after a warm-up; prints cycles/s of each run and the ratio B/A of the means;
3. POST latency for one service (ktp-el at DKP-01) when that service already holds 0, 10,000 and 100,000
   responses on the same local day: the responses are bulk-inserted into the database, the day is marked for
   the refresher, the benchmark waits until the refresher has folded it, then times 300 sequential cycles
   (the POST only): median and 90th percentile, and each size's median relative to the first.
--scale-out: PostgreSQL + Redis, `portal serve --workers 2`, 16 concurrent citizens (wrk -t16 -c16) for as long
as it takes to pass `--cycles` cycles; prints cycles, errors, cycles/s and the latency percentiles.
Results are written down in bench/RESULTS-submit.md.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import random
import re
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from perfdir import perf_dir  # bench/ is on the path when run as a script

REPO = Path(__file__).resolve().parents[1]
PERF = perf_dir()
LUA = PERF / "survey_cycle.lua"
FORM_PATH = "/c/DKP-01/s/ktp-el/survey"
PORTAL_PORT, BASELINE_PORT = 8322, 8811
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


def log(message: str) -> None:
    print(message, flush=True)


def wait_up(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not come up")


#: The portal's secret key in these runs: the latency run signs form stamps a minute old with it, as a citizen's.
SECRET_KEY = "bench-" + secrets.token_hex(8)


def portal_env(var_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update({"PORTAL_VAR_DIR": str(var_dir), "PORTAL_SECRET_KEY": SECRET_KEY,
                "PORTAL_TRUSTED_PROXIES": "127.0.0.1", "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{PORTAL_PORT}",
                "PYTHONPATH": str(REPO)})
    env.update(extra or {})
    return env


def portal_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "portal", *args]


def start(cmd: list[str], env: dict[str, str], cwd: Path | None = None, log_file: Path | None = None
          ) -> subprocess.Popen:
    """A server in its own session; its output goes to `log_file` (never to an unread pipe, which would block it)."""
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it open
    return subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def wrk(url: str, form_path: str, threads: int, duration: float, latency: bool = False) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{threads}", f"-d{int(round(duration))}s", "-s", str(LUA), url]
    if latency:
        cmd.insert(1, "--latency")
    out = subprocess.run(cmd, env={**os.environ, "FORM_PATH": form_path}, capture_output=True, text=True,
                         timeout=duration + 60).stdout
    found = re.search(r"cycles_ok (\d+) cycles_bad (\d+) cycles_per_s ([\d.]+)", out)
    if not found:
        raise SystemExit("wrk printed no cycle count:\n" + out)
    result = {"ok": int(found[1]), "bad": int(found[2]), "per_s": float(found[3]), "raw": out}
    avg = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out)
    if avg:
        result["latency_avg_ms"] = float(avg[1]) * {"us": 0.001, "ms": 1, "s": 1000}[avg[2]]
    for pct in ("50", "90", "99"):
        m = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out)
        if m:
            result[f"p{pct}_ms"] = float(m[1]) * {"us": 0.001, "ms": 1, "s": 1000}[m[2]]
    return result


def seed(env: dict[str, str]) -> None:
    subprocess.run(portal_cmd("migrate"), env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(portal_cmd("demo", "--months", "1", "--scale", "0.05"), env=env, check=True,
                   stdout=subprocess.DEVNULL)


def throughput(args: argparse.Namespace, scratch: Path) -> None:
    var_dir = scratch / "var"
    env = portal_env(var_dir, {"PORTAL_REFRESH_SECONDS": "5"})
    seed(env)
    portal = start(portal_cmd("serve", "--port", str(PORTAL_PORT), "--log-level", "warning"), env,
                   log_file=scratch / "portal.log")
    base_env = {**os.environ, "BASELINE_DB": str(scratch / "baseline.sqlite3")}
    baseline = start([sys.executable, "-m", "uvicorn", "baseline_app:app", "--port", str(BASELINE_PORT),
                      "--no-access-log", "--log-level", "warning"], base_env, cwd=PERF,
                     log_file=scratch / "baseline.log")
    try:
        wait_up(f"http://127.0.0.1:{PORTAL_PORT}{FORM_PATH}")
        wait_up(f"http://127.0.0.1:{BASELINE_PORT}/plain")
        settle(var_dir / "portal.sqlite3")  # the demo loader's days are recomputed by the refresher first
        a_url, b_url = f"http://127.0.0.1:{BASELINE_PORT}", f"http://127.0.0.1:{PORTAL_PORT}"
        wrk(a_url, "/form", 8, 2)  # warm-up
        wrk(b_url, FORM_PATH, 8, 2)
        runs: dict[str, list[dict]] = {"A": [], "B": []}
        for r in range(0 if args.latency_only else args.rounds):
            for name, url, path in (("A", a_url, "/form"), ("B", b_url, FORM_PATH)):
                result = wrk(url, path, 8, args.duration)
                runs[name].append(result)
                log(f"round {r + 1} {'baseline' if name == 'A' else 'portal  '}: {result['per_s']:8.1f} cycles/s"
                    f"  ok {result['ok']} bad {result['bad']}  latency avg {result.get('latency_avg_ms', 0):.1f} ms")
        if args.latency_only:
            latency_by_size(args, var_dir, b_url)
            return
        mean_a = statistics.mean(x["per_s"] for x in runs["A"])
        mean_b = statistics.mean(x["per_s"] for x in runs["B"])
        log(f"survey cycles/s: baseline {mean_a:.1f}, portal {mean_b:.1f}, ratio portal/baseline {mean_b / mean_a:.2f}")
        if any(x["bad"] for x in runs["B"]):
            log("WARNING: the portal answered some POSTs with an error")
        latency_by_size(args, var_dir, b_url)
    finally:
        stop(portal)
        stop(baseline)


def _service_ids(db: Path) -> tuple[int, int, int, str]:
    con = sqlite3.connect(db)
    service, unit = con.execute("SELECT id, unit FROM service WHERE slug = 'ktp-el'").fetchone()
    counter = con.execute("SELECT id FROM counter WHERE code = 'DKP-01'").fetchone()[0]
    tz = con.execute("SELECT timezone FROM unit WHERE id = ?", (unit,)).fetchone()[0]
    con.close()
    return service, unit, counter, tz


def settle(db: Path, timeout: float = 300) -> None:
    """Wait until the refresher has folded every delta and recomputed every day marked dirty."""
    con = sqlite3.connect(db, timeout=30)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = con.execute("SELECT (SELECT COUNT(*) FROM rollup_dirty) + (SELECT COUNT(*) FROM rollup_delta)")
        if pending.fetchone()[0] == 0:
            break
        time.sleep(0.5)
    con.close()


def fill_day(db: Path, target: int) -> None:
    """Bulk-insert ktp-el responses on today's local day until the day holds `target`, and mark the day for
    the refresher (as `portal rebuild-rollups` or the demo loader would)."""
    service, unit, counter, tz = _service_ids(db)
    today = datetime.now(ZoneInfo(tz)).date()
    con = sqlite3.connect(db, timeout=30)
    have = con.execute("SELECT COUNT(*) FROM survey_response WHERE service = ? AND local_day = ?",
                       (service, today.isoformat())).fetchone()[0]
    rng = random.Random(target)
    now = str(datetime.now(UTC))  # the text Piccolo's SQLite adapter stores (the refresher compares it)
    rows = [(service, unit, counter, *[rng.choice((2, 3, 3, 4, 4)) for _ in range(9)], "qr_counter",
             today.isoformat(), now) for _ in range(max(0, target - have))]
    with con:
        con.executemany("INSERT INTO survey_response (service, unit, counter, u1, u2, u3, u4, u5, u6, u7, u8, u9,"
                        " channel, local_day, submitted_at, comment, verified, flagged_fast, language)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'',0,0,'id')", rows)
        con.execute("INSERT INTO rollup_dirty (service, day, marked_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (service, day) DO UPDATE SET marked_at = excluded.marked_at",
                    (service, today.isoformat(), now))
    con.close()
    settle(db)


def _stamp_signature(body: str) -> str:
    """portal.feedback.antiabuse's stamp signature, with the key this benchmark gave the portal."""
    return hmac.new(SECRET_KEY.encode(), b"form-stamp:" + body.encode(), hashlib.sha256).hexdigest()[:32]


def post_latency(base: str, cycles: int) -> list[float]:
    timings = []
    with httpx.Client(base_url=base, timeout=30) as client:
        for _ in range(cycles):
            address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"
            headers = {"X-Forwarded-For": address}
            client.cookies.clear()
            form = client.get(FORM_PATH, headers=headers)
            csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)[1]
            # A stamp served a minute ago (the form's own nonce is kept): the answers are counted, so the POST goes
            # through the counting rule's per-address look-up as a real citizen's does (a stamp just served comes
            # back "too fast", is stored not counted and skips that look-up).
            served = re.search(r'name="stamp" value="([^"]+)"', form.text)[1]
            nonce = served.split(".")[1]
            issued = str(int(time.time()) - 60)
            stamp = f"{issued}.{nonce}.{_stamp_signature(f'{issued}.{nonce}')}"
            data = {"_csrf_token": csrf, "stamp": stamp, **{f"u{i}": "4" for i in range(1, 10)},
                    "amount_paid": "0", "extra_requirements": "no", "product_correct": "yes", "comment": "ok"}
            started = time.perf_counter()
            response = client.post(FORM_PATH, data=data, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"POST answered {response.status_code}: {response.text[:300]}")
    return timings


def latency_by_size(args: argparse.Namespace, var_dir: Path, base: str) -> None:
    db = var_dir / "portal.sqlite3"
    first = None
    for size in args.sizes:
        fill_day(db, size)
        timings = post_latency(base, args.latency_cycles)
        median = statistics.median(timings)
        p90 = statistics.quantiles(timings, n=10)[-1]
        first = first or median
        log(f"POST latency with {size:>7,} same-day responses: median {median:6.2f} ms, p90 {p90:6.2f} ms,"
            f" {median / first:.2f}x the first")


def scale_out(args: argparse.Namespace, scratch: Path) -> None:
    import asyncio

    import asyncpg

    name = f"bench_submit_{uuid.uuid4().hex[:8]}"
    base = PG_ADMIN.rpartition("/")[0]

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(PG_ADMIN)
        await conn.execute(sql)
        await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    env = portal_env(scratch / "var", {"PORTAL_DATABASE_URL": f"{base}/{name}",
                                       "PORTAL_REDIS_URL": "redis://127.0.0.1:6379/0",
                                       "PORTAL_REDIS_NAMESPACE": name, "PORTAL_REFRESH_SECONDS": "5"})
    server = None
    try:
        seed(env)
        server = start(portal_cmd("serve", "--port", str(PORTAL_PORT), "--workers", "2", "--log-level", "warning"),
                       env, log_file=scratch / "portal.log")
        url = f"http://127.0.0.1:{PORTAL_PORT}"
        wait_up(url + FORM_PATH)
        wrk(url, FORM_PATH, 16, 2)  # warm-up: both workers
        duration = 10.0
        while True:
            result = wrk(url, FORM_PATH, 16, duration, latency=True)
            if result["ok"] + result["bad"] >= args.cycles:
                break
            duration *= max(1.5, args.cycles / max(1, result["ok"]) * 1.2)
        log(f"scale-out (PostgreSQL + Redis, 2 workers, 16 citizens, {duration:.0f} s): {result['ok']} cycles ok, "
            f"{result['bad']} errors, {result['per_s']:.1f} cycles/s, latency avg {result.get('latency_avg_ms', 0):.1f}"
            f" ms, p50 {result.get('p50_ms', 0):.1f} ms, p90 {result.get('p90_ms', 0):.1f} ms,"
            f" p99 {result.get('p99_ms', 0):.1f} ms")
    finally:
        if server is not None:
            stop(server)
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of each wrk run (default 8)")
    parser.add_argument("--rounds", type=int, default=2, help="A B rounds (default 2: A B A B)")
    parser.add_argument("--sizes", default="0,10000,100000",
                        type=lambda text: [int(x) for x in text.split(",")], help="same-day responses")
    parser.add_argument("--latency-cycles", type=int, default=300)
    parser.add_argument("--latency-only", action="store_true", help="skip the throughput rounds")
    parser.add_argument("--scale-out", action="store_true", help="PostgreSQL + Redis, 2 workers, 16 citizens")
    parser.add_argument("--cycles", type=int, default=3000, help="cycles the scale-out run must pass")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed (apt-get install wrk)")
    if not LUA.is_file():
        raise SystemExit(f"{LUA} not found: run from a checkout with shared/ beside it")
    scratch = Path(tempfile.mkdtemp(prefix="bench-submit-"))
    try:
        (scale_out if args.scale_out else throughput)(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
