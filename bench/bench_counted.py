"""The counted survey cycle (../shared/perf/counted_cycle.sh) against the bare-Litestar baseline, in one command.

    python bench/bench_counted.py [--mode embedded|scale-out] [--rounds 2] [--seconds 8]

Starts the baseline (../shared/perf/baseline_app.py, uvicorn, one process, access log off) and the portal, seeded
with the demo (`portal demo --months 1 --scale 0.05`, refresher every 5 s, PORTAL_TRUSTED_PROXIES=127.0.0.1):
- embedded: SQLite, `portal serve` with one worker;
- scale-out: PostgreSQL (a scratch database on 127.0.0.1:5432, dropped after) + Redis (PORTAL_REDIS_URL, default
  database 5 of 127.0.0.1:6379, keys under a scratch namespace), `portal serve --workers 2`;
then runs counted_cycle.sh BASELINE PORTAL ROUNDS SECONDS (forms fetched, held 9 s, each posted once: every answer
counted; GET/s, counted POST/s with p50/p99, cycle/s, A B A B, and the ratio) and prints the load average before
and after. Results go into bench/RESULTS-submit.md by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from bench_submit import (
    BASELINE_PORT,
    PG_ADMIN,
    PORTAL_PORT,
    portal_cmd,
    portal_env,
    seed,
    start,
    stop,
    wait_up,
)
from perfdir import perf_dir  # bench/ is on the path when run as a script

FORM_PATH = "/c/DKP-01/s/ktp-el/survey"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


async def _admin(sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    await conn.execute(sql)
    await conn.close()


def mode_settings(mode: str, redis_url: str) -> tuple[str | None, dict[str, str]]:
    """(scratch PostgreSQL database created for the scale-out mode or None, the portal's extra environment)."""
    extra = {"PORTAL_REFRESH_SECONDS": "5"}
    if mode != "scale-out":
        return None, extra
    database = f"bench_counted_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(f'CREATE DATABASE "{database}"'))
    extra.update({"PORTAL_DATABASE_URL": f"{PG_ADMIN.rpartition('/')[0]}/{database}",
                  "PORTAL_REDIS_URL": redis_url, "PORTAL_REDIS_NAMESPACE": database})
    return database, extra


def drop_database(database: str | None) -> None:
    if database:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--mode", choices=("embedded", "scale-out"), default="embedded")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--redis", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"))
    args = parser.parse_args()
    perf = perf_dir()
    if shutil.which("wrk") is None or not (perf / "counted_cycle.sh").is_file():
        raise SystemExit(f"needs wrk and {perf / 'counted_cycle.sh'}")
    scratch = Path(tempfile.mkdtemp(prefix="bench-counted-"))
    database, extra = mode_settings(args.mode, args.redis)
    env = portal_env(scratch / "var", extra)
    servers = []
    try:
        seed(env)
        workers = ["--workers", "2"] if args.mode == "scale-out" else []
        servers.append(start(portal_cmd("serve", "--port", str(PORTAL_PORT), *workers, "--log-level", "warning"),
                             env, log_file=scratch / "portal.log"))
        servers.append(start([sys.executable, "-m", "uvicorn", "baseline_app:app", "--port", str(BASELINE_PORT),
                              "--no-access-log", "--log-level", "warning"],
                             {**os.environ, "BASELINE_DB": str(scratch / "baseline.sqlite3")}, cwd=perf,
                             log_file=scratch / "baseline.log"))
        portal, baseline = f"http://127.0.0.1:{PORTAL_PORT}", f"http://127.0.0.1:{BASELINE_PORT}"
        wait_up(portal + FORM_PATH)
        wait_up(baseline + "/plain")
        print(f"mode {args.mode}; before: {uptime()}", flush=True)
        subprocess.run([str(perf / "counted_cycle.sh"), baseline, portal, str(args.rounds), str(args.seconds),
                        sys.executable], check=True)
        print(f"after: {uptime()}", flush=True)
    finally:
        for server in servers:
            stop(server)
        drop_database(database)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
