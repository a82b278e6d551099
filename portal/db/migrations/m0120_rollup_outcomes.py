"""Insight: visit outcomes in the rollups, and accuracy without products never delivered (issue 22 items 5-6).

Adds `rollup_day.rejected`, `cancelled`, `no_show` (visits that ended with that outcome; defined in
portal.insight.aggregate.visit_part) for the rejection, cancellation and no-show rates, and marks every rollup for
recomputation: the rows stored before this migration get their outcome counts, and their accuracy figures stop
counting citizens' answers bound to visits that ended without a product (rejected, cancelled, no-show)."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty, run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, [
        "ALTER TABLE rollup_day ADD COLUMN rejected INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE rollup_day ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE rollup_day ADD COLUMN no_show INTEGER NOT NULL DEFAULT 0",
    ])
    await mark_all_dirty(engine)
