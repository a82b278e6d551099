"""Diagnostic (ISO 18091): catalogue versions, yearly assessments, ratings and evidence files.

The DDL is written out here (not derived from the live tables) so that it stays the schema as it was then.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all

USER = 'INTEGER REFERENCES "portal_user" ("id") ON DELETE SET NULL DEFAULT null'
ASSESSMENT = 'INTEGER NOT NULL REFERENCES "diagnostic_assessment" ("id") ON DELETE CASCADE'

#: `{pk}` and `{blob}` are portal.db.migration_support.types(engine); `{user}` and `{assessment}` the two above.
STATEMENTS = [
    '''CREATE TABLE IF NOT EXISTS "diagnostic_catalogue" ("id" {pk}, "version" INTEGER NOT NULL,
            "shipped" VARCHAR(20) NOT NULL DEFAULT '', "indicators" JSON NOT NULL DEFAULT '[]',
            "note" TEXT NOT NULL DEFAULT '', "created_by" {user},
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)''',
    'CREATE UNIQUE INDEX IF NOT EXISTS ux_diagnostic_catalogue_version ON diagnostic_catalogue ("version")',
    '''CREATE TABLE IF NOT EXISTS "diagnostic_assessment" ("id" {pk},
            "government" INTEGER NOT NULL REFERENCES "government" ("id") ON DELETE CASCADE,
            "unit" INTEGER NOT NULL DEFAULT 0, "year" INTEGER NOT NULL, "catalogue_version" INTEGER NOT NULL,
            "status" VARCHAR(10) NOT NULL DEFAULT 'open', "created_by" {user},
            "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, "verified_at" TIMESTAMPTZ DEFAULT null)''',
    'CREATE UNIQUE INDEX IF NOT EXISTS ux_diagnostic_assessment ON diagnostic_assessment (government, unit, "year")',
    '''CREATE TABLE IF NOT EXISTS "diagnostic_rating" ("id" {pk}, "assessment" {assessment},
            "code" VARCHAR(20) NOT NULL, "colour" VARCHAR(8) NOT NULL, "source" VARCHAR(10) NOT NULL DEFAULT 'manual',
            "status" VARCHAR(10) NOT NULL DEFAULT 'submitted', "evidence_text" TEXT NOT NULL DEFAULT '',
            "evidence_link" VARCHAR(500) NOT NULL DEFAULT '', "override_reason" TEXT NOT NULL DEFAULT '',
            "measure" JSON NOT NULL DEFAULT '{{}}', "assessed_by" {user},
            "assessed_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp, "verified_by" {user},
            "verified_at" TIMESTAMPTZ DEFAULT null, "return_note" TEXT NOT NULL DEFAULT '')''',
    'CREATE UNIQUE INDEX IF NOT EXISTS ux_diagnostic_rating ON diagnostic_rating (assessment, code)',
    '''CREATE TABLE IF NOT EXISTS "diagnostic_evidence" ("id" {pk}, "assessment" {assessment},
            "code" VARCHAR(20) NOT NULL, "filename" VARCHAR(200) NOT NULL, "content_type" VARCHAR(40) NOT NULL,
            "size" INTEGER NOT NULL, "sha256" VARCHAR(64) NOT NULL, "content" {blob} NOT NULL,
            "uploaded_by" {user}, "uploaded_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)''',
    'CREATE INDEX IF NOT EXISTS ix_diagnostic_evidence ON diagnostic_evidence (assessment, code)',
]


async def forwards(engine: Engine) -> None:
    await run_all(engine, STATEMENTS, user=USER, assessment=ASSESSMENT)
