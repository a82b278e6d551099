"""Insight: Kaplan-Meier inputs in the rollups (completed multi-day durations, open cases per arrival day)."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migrations.m0032_insight_sketches_cases import _has_column, mark_all_dirty


async def forwards(engine: Engine) -> None:
    for column, ddl in (("km_open", "INTEGER NOT NULL DEFAULT 0"), ("km_hist", "JSON NOT NULL DEFAULT '{}'")):
        if not await _has_column(engine, "rollup_day", column):
            await engine.run_ddl(f"ALTER TABLE rollup_day ADD COLUMN {column} {ddl}")
    await mark_all_dirty(engine)
