"""Insight: nonconformities and corrective actions (ISO 9001 clause 10.2) with their history.

The DDL is frozen: what Piccolo generated from the tables of the commit that added this migration.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all

TABLES = [
    """CREATE TABLE IF NOT EXISTS "nonconformity" (
        "id" {pk},
        "unit" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "service" INTEGER REFERENCES "service" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "source" VARCHAR(24) NOT NULL DEFAULT '',
        "period" VARCHAR(24) NOT NULL DEFAULT '',
        "period_from" DATE NOT NULL DEFAULT CURRENT_DATE,
        "period_to" DATE NOT NULL DEFAULT CURRENT_DATE,
        "figure" TEXT NOT NULL DEFAULT '',
        "details" JSON NOT NULL DEFAULT '{{}}',
        "opened_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        "status" VARCHAR(16) NOT NULL DEFAULT 'open',
        "root_cause" TEXT NOT NULL DEFAULT '',
        "action" TEXT NOT NULL DEFAULT '',
        "owner" VARCHAR(200) NOT NULL DEFAULT '',
        "due_date" DATE DEFAULT null,
        "verification_note" TEXT NOT NULL DEFAULT '',
        "closed_by" INTEGER REFERENCES "portal_user" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "closed_at" TIMESTAMPTZ DEFAULT null
    )""",
    """CREATE TABLE IF NOT EXISTS "nonconformity_event" (
        "id" {pk},
        "nonconformity" INTEGER REFERENCES "nonconformity" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        "actor" INTEGER REFERENCES "portal_user" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "actor_name" VARCHAR(80) NOT NULL DEFAULT '',
        "action" VARCHAR(40) NOT NULL DEFAULT '',
        "status" VARCHAR(16) NOT NULL DEFAULT '',
        "changes" JSON NOT NULL DEFAULT '{{}}'
    )""",
]

INDEXES = [
    # One nonconformity per (unit, service, source, period): automatic opening is idempotent.
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_nonconformity_key "
    "ON nonconformity (unit, service, source, period_from, period_to)",
    "CREATE INDEX IF NOT EXISTS ix_nonconformity_unit_status ON nonconformity (unit, status)",
    "CREATE INDEX IF NOT EXISTS ix_nonconformity_event ON nonconformity_event (nonconformity)",
]


async def forwards(engine: Engine) -> None:
    await run_all(engine, TABLES + INDEXES)
