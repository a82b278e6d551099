"""Insight: duration sketches in the rollups and the overcharge case list; existing rollups are marked dirty.

The DDL is frozen: what Piccolo generated from the tables of the commit that added this migration.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty, run_all

TABLES = [
    """CREATE TABLE IF NOT EXISTS "overcharge_case" (
        "id" {pk},
        "service" INTEGER REFERENCES "service" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "unit" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "counter" INTEGER NOT NULL DEFAULT 0,
        "day" DATE NOT NULL DEFAULT CURRENT_DATE,
        "source" VARCHAR(8) NOT NULL DEFAULT '',
        "ref_id" INTEGER NOT NULL DEFAULT 0,
        "amount" {bigint} NOT NULL DEFAULT 0,
        "fee" {bigint} NOT NULL DEFAULT 0
    )""",
]

COLUMNS = [
    "ALTER TABLE rollup_day ADD COLUMN wait_hist JSON NOT NULL DEFAULT '{{}}'",
    "ALTER TABLE rollup_day ADD COLUMN handle_hist JSON NOT NULL DEFAULT '{{}}'",
]

INDEXES = ['CREATE INDEX IF NOT EXISTS ix_overcharge_case ON overcharge_case (service, "day")']


async def forwards(engine: Engine) -> None:
    await run_all(engine, COLUMNS + TABLES + INDEXES)
    # Rollups computed before this migration lack sketches and cases: recompute every (service, day) lazily.
    await mark_all_dirty(engine)
