"""Units: `cuti_bersama` (closed on collective leave, so those days are not working days; default true).

Working-day durations of existing data change with the new default, so every rollup is recomputed lazily.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty, run_all

COLUMN = "cuti_bersama BOOLEAN NOT NULL DEFAULT TRUE"  # valid on SQLite (>= 3.23) and PostgreSQL


async def forwards(engine: Engine) -> None:
    await run_all(engine, ["ALTER TABLE unit ADD COLUMN {column}"], column=COLUMN)
    await mark_all_dirty(engine)
