"""Reads for readiness and for the gauges computed at scrape time: a few bounded, indexed statements each."""

from __future__ import annotations

from collections import defaultdict
from typing import TypedDict

from piccolo.engine.postgres import PostgresEngine
from piccolo.query.functions.aggregate import Count

from portal.db.tables import Unit, Visit
from portal.db.tables_insight import RollupDelta
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
    """(unit slug, people waiting now) for every unit: today's visits (in the unit's timezone) not yet called and
    without an outcome, the officer console's waiting list (portal.queue.queries.waiting_for_counter)."""
    units = await Unit.select(Unit.id, Unit.slug, Unit.timezone).order_by(Unit.slug).run()
    by_day: dict = defaultdict(list)
    for unit in units:
        by_day[local_day(unit["timezone"])].append(unit["id"])
    waiting: dict[int, int] = {}
    for day, unit_ids in by_day.items():
        rows = await Visit.select(Visit.unit, Count(Visit.id, alias="n")).where(
            Visit.unit.is_in(unit_ids) & (Visit.local_day == day) & Visit.called_at.is_null()
            & Visit.outcome.is_null()
        ).group_by(Visit.unit).run()
        waiting.update({row["unit"]: int(row["n"]) for row in rows})
    return [(unit["slug"], waiting.get(unit["id"], 0)) for unit in units]


def engine():
    """The engine the tables are bound to (its pool, on PostgreSQL, is what /metrics reports)."""
    return RollupDelta._meta.db
