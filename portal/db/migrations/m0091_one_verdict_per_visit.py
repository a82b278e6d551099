"""Insight: one cost verdict per visit and one accuracy verdict per delivered product (issue 17 items 2-3).

New rollup counts `cost_unrecorded` (officer recorded Rp 0, citizen reports paying) and `ftr_disagree` (officer
record and citizen answer about one product disagree); the cost and accuracy counts changed meaning, so every
existing rollup is recomputed lazily.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty, run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, [
        "ALTER TABLE rollup_day ADD COLUMN cost_unrecorded INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE rollup_day ADD COLUMN ftr_disagree INTEGER NOT NULL DEFAULT 0",
    ])
    await mark_all_dirty(engine)
