"""Insight: counted survey responses by channel in the rollups (issue 14: the channel is shown on the dashboard).

Adds `rollup_day.ch_qr`, `ch_ticket`, `ch_kiosk`, `ch_paper`, `ch_other` (portal.db.tables_insight.CHANNEL_COLUMNS,
defined in portal.insight.aggregate.response_part) and marks every rollup for recomputation, so the rows stored
before this migration get their channel counts too."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty, run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, [
        "ALTER TABLE rollup_day ADD COLUMN ch_qr INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE rollup_day ADD COLUMN ch_ticket INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE rollup_day ADD COLUMN ch_kiosk INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE rollup_day ADD COLUMN ch_paper INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE rollup_day ADD COLUMN ch_other INTEGER NOT NULL DEFAULT 0",
    ])
    await mark_all_dirty(engine)
