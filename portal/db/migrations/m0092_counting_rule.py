"""Feedback/insight: the counting rule of issue 10. Each survey response records whether it counts and why
(`survey_response.counted`, `count_reason`; rows stored before are counted, reason unknown), and the rollups keep
the responses not counted by reason (`rollup_day.nc_*`); every rollup is recomputed lazily."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty, run_all

REASONS = ("no_stamp", "reused_stamp", "too_fast", "over_cap", "manager_out")  # as of this migration


async def forwards(engine: Engine) -> None:
    for column, ddl in (("counted", "BOOLEAN NOT NULL DEFAULT TRUE"), ("count_reason", "VARCHAR(16) NULL")):
        await run_all(engine, ["ALTER TABLE survey_response ADD COLUMN {column} {ddl}"], column=column, ddl=ddl)
    for reason in REASONS:
        await run_all(engine, ["ALTER TABLE rollup_day ADD COLUMN nc_{reason} INTEGER NOT NULL DEFAULT 0"], reason=reason)
    await mark_all_dirty(engine)
