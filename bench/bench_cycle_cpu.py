"""Server-side CPU of one survey cycle (GET the counter's form, POST the answers), measured in-process.

The portal and ../shared/perf/baseline_app.py are called as ASGI apps, without sockets or an HTTP parser, so the
figure is what the application itself costs per cycle (the part the portal can change); wrk's end-to-end ratio
(bench_submit.py) adds the HTTP server's and the kernel's share, which is the same for both.

    python bench/bench_cycle_cpu.py [--cycles 300] [--batches 5] [--rounds 2] [--profile FILE]

Prints the minimum over batches of the mean CPU microseconds (process time, so that other load on the machine
weighs less) per cycle (GET + POST) for each app, and their ratio; then the same per phase: the GET alone and the
counted POST alone (the GETs of a batch run first, then its POSTs, each timed by itself). `--profile FILE` writes
a cProfile of the portal's counted POSTs of one more batch (read it with `python -m pstats FILE`).
Each cycle comes from its own address (X-Forwarded-For, as in survey_cycle.lua), and the answers are counted
(the minimum reading time is set to 0 here; wrk's cycles come back "too fast" and skip the counting rule's
per-address look-up). Run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import logging
import os
import random
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from perfdir import perf_dir  # bench/ is on the path when run as a script

REPO = Path(__file__).resolve().parents[1]
PERF = perf_dir()
FORM_PATH = "/c/DKP-01/s/ktp-el/survey"
ANSWERS = {**{f"u{i}": str(3 + i % 2) for i in range(1, 10)}, "amount_paid": "0", "extra_requirements": "no",
           "product_correct": "yes", "comment": "ok"}


async def call(app, method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> tuple[int, bytes]:
    """One HTTP request through the ASGI app; returns (status, body)."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1:8000"), *headers], "client": ("127.0.0.1", 50000),
             "server": ("127.0.0.1", 8000), "state": {}}
    sent = False
    status, chunks = 0, []

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


Post = tuple[list[tuple[bytes, bytes]], bytes]


async def get_form(app, path: str) -> Post:
    """GET the form from a new address; returns the headers and body of its POST (the citizen's answers)."""
    address = f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}".encode()
    status, page = await call(app, "GET", path, [(b"x-forwarded-for", address)])
    if status != 200:
        raise SystemExit(f"GET {path} answered {status}: {page[:300]!r}")
    csrf = re.search(rb'name="_csrf_token" value="([^"]+)"', page)[1].decode()
    stamp = re.search(rb'name="stamp" value="([^"]+)"', page)[1].decode()
    body = urlencode({"_csrf_token": csrf, "stamp": stamp, **ANSWERS}).encode()
    return [(b"x-forwarded-for", address), (b"cookie", f"csrftoken={csrf}".encode()),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode())], body


async def post_answers(app, path: str, post: Post) -> None:
    status, page = await call(app, "POST", path, *post)
    if status != 200:
        raise SystemExit(f"POST {path} answered {status}: {page[:300]!r}")


async def cycle(app, path: str) -> None:
    await post_answers(app, path, await get_form(app, path))


async def phases(app, path: str, cycles: int, batches: int) -> tuple[float, float]:
    """Minimum over batches of the mean CPU microseconds of the GET alone and of the counted POST alone."""
    best_get = best_post = float("inf")
    for _ in range(batches):
        started = time.process_time()
        posts = [await get_form(app, path) for _ in range(cycles)]
        best_get = min(best_get, (time.process_time() - started) / cycles * 1e6)
        started = time.process_time()
        for post in posts:
            await post_answers(app, path, post)
        best_post = min(best_post, (time.process_time() - started) / cycles * 1e6)
    return best_get, best_post


async def profile_posts(app, path: str, cycles: int, out: str) -> None:
    import cProfile

    posts = [await get_form(app, path) for _ in range(cycles)]
    profiler = cProfile.Profile()
    profiler.enable()
    for post in posts:
        await post_answers(app, path, post)
    profiler.disable()
    profiler.dump_stats(out)


async def measure(app, path: str, cycles: int, batches: int) -> float:
    for _ in range(50):
        await cycle(app, path)  # warm-up
    best = float("inf")
    for _ in range(batches):
        started = time.process_time()
        for _ in range(cycles):
            await cycle(app, path)
        best = min(best, (time.process_time() - started) / cycles * 1e6)
    return best


async def main_async(args: argparse.Namespace) -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-cycle-"))
    os.environ.update({"PORTAL_VAR_DIR": str(scratch / "var"), "PORTAL_SECRET_KEY": "bench-" + secrets.token_hex(8),
                       "PORTAL_TRUSTED_PROXIES": "127.0.0.1", "PORTAL_REFRESH_SECONDS": "0",
                       "BASELINE_DB": str(scratch / "baseline.sqlite3")})
    for name in ("PORTAL_DATABASE_URL", "PORTAL_REDIS_URL"):
        os.environ.pop(name, None)
    from portal.app import create_app
    from portal.db.engine import current_engine
    from portal.db.migrate import migrate
    from portal.demo.seed import seed_demo
    from portal.feedback import antiabuse

    logging.getLogger("portal.access").disabled = True  # as `portal serve --log-level warning` (no access lines)

    # A citizen takes longer than the minimum reading time: without this every answer would come back "too fast"
    # and skip the counting rule's per-address look-up, which real answers go through.
    antiabuse.MIN_SECONDS = 0
    portal = create_app()
    spec = importlib.util.spec_from_file_location("baseline_app", PERF / "baseline_app.py")
    baseline_module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_app"] = baseline_module  # Litestar resolves handler annotations through sys.modules
    spec.loader.exec_module(baseline_module)
    baseline = baseline_module.app
    async with portal.lifespan(), baseline.lifespan():
        await migrate(current_engine())
        await seed_demo(months=1, scale=0.02, seed=3, quiet=True)
        results: dict[str, list[float]] = {"baseline": [], "portal": []}
        split: dict[str, list[tuple[float, float]]] = {"baseline": [], "portal": []}
        for _ in range(args.rounds):
            results["baseline"].append(await measure(baseline, "/form", args.cycles, args.batches))
            results["portal"].append(await measure(portal, FORM_PATH, args.cycles, args.batches))
            split["baseline"].append(await phases(baseline, "/form", args.cycles, args.batches))
            split["portal"].append(await phases(portal, FORM_PATH, args.cycles, args.batches))
        if args.profile:
            await profile_posts(portal, FORM_PATH, args.cycles, args.profile)
    base, mine = min(results["baseline"]), min(results["portal"])
    print(f"baseline {base:7.0f} us/cycle   portal {mine:7.0f} us/cycle   portal/baseline time {mine / base:.2f}"
          f"   (rounds: {', '.join(f'{b:.0f}/{p:.0f}' for b, p in zip(results['baseline'], results['portal'], strict=True))})")
    for phase, index in (("GET", 0), ("counted POST", 1)):
        b = min(x[index] for x in split["baseline"])
        p = min(x[index] for x in split["portal"])
        print(f"  {phase:<12} baseline {b:7.0f} us   portal {p:7.0f} us   portal/baseline time {p / b:.2f}")
    if args.profile:
        print(f"cProfile of {args.cycles} counted POSTs of the portal: {args.profile}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=300, help="cycles per batch (default 300)")
    parser.add_argument("--batches", type=int, default=5, help="batches per round; the fastest counts (default 5)")
    parser.add_argument("--rounds", type=int, default=2, help="A B rounds (default 2)")
    parser.add_argument("--profile", metavar="FILE", help="also write a cProfile of the portal's counted POSTs")
    asyncio.run(main_async(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
