"""Reads for readiness and for the gauges computed at scrape time: a few bounded, indexed statements each."""

from __future__ import annotations

from typing import TypedDict

from piccolo.engine.postgres import PostgresEngine

from portal.db.tables import Unit, Visit
from portal.db.tables_insight import RollupDelta
from portal.queue.queries import waiting_condition
from portal.timeutil import local_day

#: The backlog is counted up to this many deltas (a scrape stays cheap even when the refresher is stuck).
PENDING_COUNT_CAP = 100_000


class PendingRow(TypedDict):
    count: int  # at most PENDING_COUNT_CAP
    oldest_seconds: float  # age of the oldest pending delta by the database's clock; 0 when none


def _postgres() -> bool:
    return isinstance(RollupDelta._meta.db, PostgresEngine)


async def database_answers() -> None:
    """Raises when the database does not answer a trivial statement."""
    await Unit.raw("SELECT 1").run()


async def applied_migrations() -> set[str]:
    """Names recorded in portal_migration (empty when the table is missing: nothing was ever applied). Reads only:
    unlike portal.db.migrate.applied, it never creates the table."""
    try:
        rows = await Unit.raw("SELECT name FROM portal_migration").run()
    except Exception as exc:
        if "portal_migration" in str(exc):  # no such table / relation does not exist
            return set()
        raise
    return {row["name"] for row in rows}


async def pending_deltas() -> PendingRow:
    """How many rollup deltas wait for the refresher and how old the oldest is (the refresher's lag)."""
    counted = await RollupDelta.raw(
        f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM rollup_delta LIMIT {PENDING_COUNT_CAP}) AS pending").run()
    if _postgres():
        sql = "SELECT EXTRACT(EPOCH FROM (now() - created_at)) AS age FROM rollup_delta ORDER BY id LIMIT 1"
    else:
        sql = "SELECT (julianday('now') - julianday(created_at)) * 86400.0 AS age FROM rollup_delta ORDER BY id LIMIT 1"
    oldest = await RollupDelta.raw(sql).run()
    age = float(oldest[0]["age"] or 0) if oldest else 0.0
    return {"count": int(counted[0]["n"]), "oldest_seconds": max(0.0, age)}


async def waiting_by_unit() -> list[tuple[str, int]]:
    """(unit slug, people waiting now) for every unit, by the queue's own rule (portal.queue.queries.
    waiting_condition: the console's list, the board's and the API's counts) on the unit's local day; one
    indexed count per unit."""
    units = await Unit.select(Unit.id, Unit.slug, Unit.timezone).order_by(Unit.slug).run()
    return [(unit["slug"], await Visit.count().where(waiting_condition(unit["id"], local_day(unit["timezone"]))))
            for unit in units]

def engine():
    """The engine the tables are bound to (its pool, on PostgreSQL, is what /metrics reports)."""
    return RollupDelta._meta.db
