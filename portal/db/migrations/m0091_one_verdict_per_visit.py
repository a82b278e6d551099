"""Insight: one cost verdict per visit and one accuracy verdict per delivered product (issue 17 items 2-3).

New rollup counts `cost_unrecorded` (officer recorded Rp 0, citizen reports paying) and `ftr_disagree` (officer
record and citizen answer about one product disagree); the cost and accuracy counts changed meaning, so every
existing rollup is recomputed lazily.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty


async def forwards(engine: Engine) -> None:
    for column in ("cost_unrecorded", "ftr_disagree"):
        await engine.run_ddl(f"ALTER TABLE rollup_day ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
    await mark_all_dirty(engine)
