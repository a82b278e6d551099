"""Insight: hour-by-hour sketches in the rollups for the staffing plan (issue 29).

Adds `rollup_day.arrival_hours`, `activity_hours`, `wait_hours`, `busy_hours` and `busy_seconds` (defined in
portal.insight.aggregate.hourly_part) and marks every rollup for recomputation, so the days stored before this
migration get their hours too."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty, run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, [
        f"ALTER TABLE rollup_day ADD COLUMN {column} JSON NOT NULL DEFAULT '{{{{}}}}'"
        for column in ("arrival_hours", "activity_hours", "wait_hours", "busy_hours", "busy_seconds")
    ])
    await mark_all_dirty(engine)
