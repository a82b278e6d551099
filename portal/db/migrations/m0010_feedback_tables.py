"""Feedback side tables: paper import batches (and their responses) and used survey-form nonces.

The DDL is frozen: what Piccolo generated from the tables of the commit that added this migration.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all

TABLES = [
    """CREATE TABLE IF NOT EXISTS "feedback_paper_batch" (
        "id" {pk},
        "service" INTEGER REFERENCES "service" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "unit" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "period_from" DATE NOT NULL DEFAULT CURRENT_DATE,
        "period_to" DATE NOT NULL DEFAULT CURRENT_DATE,
        "filename" VARCHAR(200) NOT NULL DEFAULT '',
        "rows" INTEGER NOT NULL DEFAULT 0,
        "created_by" INTEGER REFERENCES "portal_user" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE IF NOT EXISTS "feedback_paper_batch_response" (
        "id" {pk},
        "batch" INTEGER REFERENCES "feedback_paper_batch" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "response" INTEGER UNIQUE REFERENCES "survey_response" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null
    )""",
    """CREATE TABLE IF NOT EXISTS "feedback_form_nonce" (
        "id" {pk},
        "nonce" VARCHAR(32) UNIQUE NOT NULL DEFAULT '',
        "used_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
]

INDEXES = [
    "CREATE INDEX IF NOT EXISTS ix_paper_batch_unit ON feedback_paper_batch (unit, created_at)",
    "CREATE INDEX IF NOT EXISTS ix_paper_batch_response_batch ON feedback_paper_batch_response (batch)",
]


async def forwards(engine: Engine) -> None:
    await run_all(engine, TABLES + INDEXES)
