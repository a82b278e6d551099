"""Insight: Kaplan-Meier inputs in the rollups (completed multi-day durations, open cases per arrival day)."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty, run_all

COLUMNS = [
    "ALTER TABLE rollup_day ADD COLUMN km_open INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE rollup_day ADD COLUMN km_hist JSON NOT NULL DEFAULT '{{}}'",
]


async def forwards(engine: Engine) -> None:
    await run_all(engine, COLUMNS)
    await mark_all_dirty(engine)
