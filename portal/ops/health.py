"""Liveness and readiness: what /healthz and /readyz report, and the process's part in them (its lifespan).

/healthz says the process answers (no database work). /readyz says whether this worker can serve: the database
answers, every migration of this release is applied (and none from a newer one), Redis answers in the scale-out
mode, and the background refresher completed a pass within REFRESHER_INTERVALS intervals (at least
REFRESHER_MIN_SECONDS); with PORTAL_REFRESH_SECONDS=0 there is no refresher in the process, which it says rather
than failing. Errors are named by their type only: a probe answer never carries a host name or a password.
"""

from __future__ import annotations

import asyncio
import os
import time
from contextlib import asynccontextmanager, suppress
from typing import Any

from litestar import Litestar

from portal.db.engine import current_engine
from portal.db.migrate import migration_names
from portal.ops import metrics, queries, serving
from portal.settings import Settings

#: A check that takes longer than this fails (a load balancer waits for the answer).
CHECK_TIMEOUT = 3.0
REFRESHER_INTERVALS = 3
REFRESHER_MIN_SECONDS = 30.0
#: How often each worker records its pool use for the multiprocess metrics.
POOL_SAMPLE_SECONDS = 5.0


def _failure(exc: BaseException) -> dict[str, Any]:
    return {"ok": False, "error": "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__}


async def _database() -> dict[str, Any]:
    try:
        await asyncio.wait_for(queries.database_answers(), CHECK_TIMEOUT)
    except Exception as exc:
        return _failure(exc)
    return {"ok": True}


async def _migrations() -> dict[str, Any]:
    try:
        applied = await asyncio.wait_for(queries.applied_migrations(), CHECK_TIMEOUT)
    except Exception as exc:
        return _failure(exc)
    known = migration_names()
    pending = [name for name in known if name not in applied]
    newer = sorted(applied - set(known))
    result: dict[str, Any] = {"ok": not pending and not newer, "applied": len(applied)}
    if pending:
        result["pending"] = pending
        result["hint"] = "run `portal migrate`"
    if newer:
        result["unknown"] = newer
        result["hint"] = "the database was migrated by a newer release"
    return result


async def _redis(settings: Settings) -> dict[str, Any]:
    if not settings.redis_url:
        return {"ok": True, "status": "not used (embedded mode)"}
    from redis.asyncio import Redis

    client = Redis.from_url(settings.redis_url, socket_connect_timeout=1, socket_timeout=1)
    try:
        await asyncio.wait_for(client.ping(), CHECK_TIMEOUT)  # type: ignore[arg-type]  # redis-py's union type
    except Exception as exc:
        return _failure(exc)
    finally:
        with suppress(Exception):
            await client.aclose()
    return {"ok": True}


def refresher_state(settings: Settings, refresher: Any, started: float, now: float | None = None) -> dict[str, Any]:
    """Whether the refresher of this process is keeping up (monotonic clock)."""
    if settings.refresh_seconds <= 0 or refresher is None:
        return {"ok": True, "status": "disabled",
                "note": "PORTAL_REFRESH_SECONDS=0: no background refresher runs in this process"}
    now = time.monotonic() if now is None else now
    limit = max(REFRESHER_INTERVALS * settings.refresh_seconds, REFRESHER_MIN_SECONDS)
    last = refresher.last_pass
    if last is None:
        waited = now - started
        if waited <= limit:
            return {"ok": True, "status": "starting", "seconds_since_start": round(waited, 1)}
        return {"ok": False, "status": "no pass completed", "seconds_since_start": round(waited, 1),
                "limit_seconds": limit}
    age = now - last
    return {"ok": age <= limit, "status": "running" if age <= limit else "behind",
            "seconds_since_last_pass": round(age, 1), "limit_seconds": limit}


async def readiness(app: Litestar) -> dict[str, Any]:
    """{"status": "ready" | "not ready", "failing": [names], "checks": {name: {...}}}."""
    settings: Settings = app.state.settings
    database = await _database()
    checks = {
        "database": database,
        "migrations": await _migrations() if database["ok"] else {"ok": False, "error": "database unavailable"},
        "redis": await _redis(settings),
        "refresher": refresher_state(settings, app.state.get("refresher"), app.state.get("started", 0.0)),
    }
    failing = [name for name, check in checks.items() if not check["ok"]]
    return {"status": "not ready" if failing else "ready", "failing": failing, "checks": checks}


async def _sample_pool(engine) -> None:
    while True:
        metrics.pool_sample(engine)
        await asyncio.sleep(POOL_SAMPLE_SECONDS)


@asynccontextmanager
async def lifespan(app: Litestar):
    """Around everything else: hold the serving lock (refuse to start during `portal restore`), note the start
    time, record this worker's pool use for the other workers' scrapes, and forget its live gauges at the end."""
    settings: Settings = app.state.settings
    lock = serving.serving(settings.var_dir)
    try:
        lock.acquire()
    except serving.LockBusy:
        raise RuntimeError(f"a restore is running on {settings.var_dir} ({lock.path}): start the portal after it "
                           "finishes") from None
    app.state.started = time.monotonic()
    try:
        yield
    finally:
        metrics.worker_stopped(os.getpid())
        lock.release()


@asynccontextmanager
async def pool_sampling(app: Litestar):
    """Inside the database's lifespan (the pool exists): with several workers, each records its pool use every
    few seconds, so a scrape answered by any one of them shows them all."""
    task = None
    if metrics.multiprocess_dir() is not None:
        task = asyncio.create_task(_sample_pool(current_engine()), name="portal-pool-sampler")
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
