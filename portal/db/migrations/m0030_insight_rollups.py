"""Insight: per-service, per-counter, per-local-day rollups.

The DDL is frozen: what Piccolo generated from the tables of the commit that added this migration.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all

TABLES = [
    """CREATE TABLE IF NOT EXISTS "rollup_day" (
        "id" {pk},
        "service" INTEGER REFERENCES "service" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "unit" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "counter" INTEGER NOT NULL DEFAULT 0,
        "day" DATE NOT NULL DEFAULT CURRENT_DATE,
        "profiles" JSON NOT NULL DEFAULT '{{}}',
        "computed_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        "responses" INTEGER NOT NULL DEFAULT 0,
        "respondents" INTEGER NOT NULL DEFAULT 0,
        "u1_1" INTEGER NOT NULL DEFAULT 0,
        "u1_2" INTEGER NOT NULL DEFAULT 0,
        "u1_3" INTEGER NOT NULL DEFAULT 0,
        "u1_4" INTEGER NOT NULL DEFAULT 0,
        "u2_1" INTEGER NOT NULL DEFAULT 0,
        "u2_2" INTEGER NOT NULL DEFAULT 0,
        "u2_3" INTEGER NOT NULL DEFAULT 0,
        "u2_4" INTEGER NOT NULL DEFAULT 0,
        "u3_1" INTEGER NOT NULL DEFAULT 0,
        "u3_2" INTEGER NOT NULL DEFAULT 0,
        "u3_3" INTEGER NOT NULL DEFAULT 0,
        "u3_4" INTEGER NOT NULL DEFAULT 0,
        "u4_1" INTEGER NOT NULL DEFAULT 0,
        "u4_2" INTEGER NOT NULL DEFAULT 0,
        "u4_3" INTEGER NOT NULL DEFAULT 0,
        "u4_4" INTEGER NOT NULL DEFAULT 0,
        "u5_1" INTEGER NOT NULL DEFAULT 0,
        "u5_2" INTEGER NOT NULL DEFAULT 0,
        "u5_3" INTEGER NOT NULL DEFAULT 0,
        "u5_4" INTEGER NOT NULL DEFAULT 0,
        "u6_1" INTEGER NOT NULL DEFAULT 0,
        "u6_2" INTEGER NOT NULL DEFAULT 0,
        "u6_3" INTEGER NOT NULL DEFAULT 0,
        "u6_4" INTEGER NOT NULL DEFAULT 0,
        "u7_1" INTEGER NOT NULL DEFAULT 0,
        "u7_2" INTEGER NOT NULL DEFAULT 0,
        "u7_3" INTEGER NOT NULL DEFAULT 0,
        "u7_4" INTEGER NOT NULL DEFAULT 0,
        "u8_1" INTEGER NOT NULL DEFAULT 0,
        "u8_2" INTEGER NOT NULL DEFAULT 0,
        "u8_3" INTEGER NOT NULL DEFAULT 0,
        "u8_4" INTEGER NOT NULL DEFAULT 0,
        "u9_1" INTEGER NOT NULL DEFAULT 0,
        "u9_2" INTEGER NOT NULL DEFAULT 0,
        "u9_3" INTEGER NOT NULL DEFAULT 0,
        "u9_4" INTEGER NOT NULL DEFAULT 0,
        "visits" INTEGER NOT NULL DEFAULT 0,
        "served" INTEGER NOT NULL DEFAULT 0,
        "completed" INTEGER NOT NULL DEFAULT 0,
        "offered" INTEGER NOT NULL DEFAULT 0,
        "responded" INTEGER NOT NULL DEFAULT 0,
        "time_n" INTEGER NOT NULL DEFAULT 0,
        "time_within" INTEGER NOT NULL DEFAULT 0,
        "cost_visit_n" INTEGER NOT NULL DEFAULT 0,
        "cost_visit_over" INTEGER NOT NULL DEFAULT 0,
        "cost_resp_n" INTEGER NOT NULL DEFAULT 0,
        "cost_resp_over" INTEGER NOT NULL DEFAULT 0,
        "ftr_visit_n" INTEGER NOT NULL DEFAULT 0,
        "ftr_visit_ok" INTEGER NOT NULL DEFAULT 0,
        "ftr_resp_n" INTEGER NOT NULL DEFAULT 0,
        "ftr_resp_ok" INTEGER NOT NULL DEFAULT 0,
        "req_n" INTEGER NOT NULL DEFAULT 0,
        "req_ok" INTEGER NOT NULL DEFAULT 0
    )""",
]

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_rollup_day ON rollup_day (service, counter, day)",
    "CREATE INDEX IF NOT EXISTS ix_rollup_day_unit ON rollup_day (unit, day)",
]


async def forwards(engine: Engine) -> None:
    await run_all(engine, TABLES + INDEXES)
