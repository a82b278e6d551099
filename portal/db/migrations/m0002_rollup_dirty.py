"""Rollup bookkeeping: the (service, local day) pairs to recompute.

The DDL is frozen: what Piccolo generated from the tables of the commit that added this migration.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all

TABLES = [
    """CREATE TABLE IF NOT EXISTS "rollup_dirty" (
        "id" {pk},
        "service" INTEGER REFERENCES "service" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "day" DATE NOT NULL DEFAULT CURRENT_DATE,
        "marked_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
]

INDEXES = ["CREATE UNIQUE INDEX IF NOT EXISTS ux_rollup_dirty ON rollup_dirty (service, day)"]


async def forwards(engine: Engine) -> None:
    await run_all(engine, TABLES + INDEXES)
