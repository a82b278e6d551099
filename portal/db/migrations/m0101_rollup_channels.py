"""Insight: counted survey responses by channel in the rollups (issue 14: the channel is shown on the dashboard).

Adds `rollup_day.ch_qr`, `ch_ticket`, `ch_kiosk`, `ch_paper`, `ch_other` (portal.db.tables_insight.CHANNEL_COLUMNS,
defined in portal.insight.aggregate.response_part) and marks every rollup for recomputation, so the rows stored
before this migration get their channel counts too."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migrations.m0032_insight_sketches_cases import _has_column, mark_all_dirty

COLUMNS = ("ch_qr", "ch_ticket", "ch_kiosk", "ch_paper", "ch_other")  # as of this migration


async def forwards(engine: Engine) -> None:
    for column in COLUMNS:
        if not await _has_column(engine, "rollup_day", column):
            await engine.run_ddl(f"ALTER TABLE rollup_day ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
    await mark_all_dirty(engine)
