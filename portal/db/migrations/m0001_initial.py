"""Initial schema: government, units, services, standard versions, counters, users, visits, responses, audit log.

The DDL is frozen: it is what Piccolo generated from the tables of the commit that added this migration (SQLite and
PostgreSQL differ only in the `{pk}`, `{bigint}` and `{smallint}` spellings, see portal.db.migration_support).
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import is_postgres, run_all

TABLES = [
    """CREATE TABLE IF NOT EXISTS "government" (
        "id" {pk},
        "slug" VARCHAR(80) UNIQUE NOT NULL DEFAULT '',
        "name" VARCHAR(200) NOT NULL DEFAULT '',
        "kind" VARCHAR(20) NOT NULL DEFAULT 'kota',
        "province" VARCHAR(120) NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE IF NOT EXISTS "unit" (
        "id" {pk},
        "government" INTEGER REFERENCES "government" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "parent" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "slug" VARCHAR(80) UNIQUE NOT NULL DEFAULT '',
        "name" VARCHAR(200) NOT NULL DEFAULT '',
        "short_name" VARCHAR(60) NOT NULL DEFAULT '',
        "kind" VARCHAR(10) NOT NULL DEFAULT 'OPD',
        "timezone" VARCHAR(40) NOT NULL DEFAULT 'Asia/Jakarta',
        "address" TEXT NOT NULL DEFAULT '',
        "phone" VARCHAR(40) NOT NULL DEFAULT '',
        "email" VARCHAR(120) NOT NULL DEFAULT '',
        "closures" JSON NOT NULL DEFAULT '[]',
        "maklumat_text" TEXT NOT NULL DEFAULT '',
        "maklumat_signer" VARCHAR(200) NOT NULL DEFAULT '',
        "maklumat_date" DATE DEFAULT null
    )""",
    """CREATE TABLE IF NOT EXISTS "service" (
        "id" {pk},
        "unit" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "slug" VARCHAR(100) UNIQUE NOT NULL DEFAULT '',
        "name" VARCHAR(200) NOT NULL DEFAULT '',
        "name_en" VARCHAR(200) NOT NULL DEFAULT '',
        "description" TEXT NOT NULL DEFAULT '',
        "active" BOOLEAN NOT NULL DEFAULT true
    )""",
    """CREATE TABLE IF NOT EXISTS "portal_user" (
        "id" {pk},
        "username" VARCHAR(80) UNIQUE NOT NULL DEFAULT '',
        "display_name" VARCHAR(200) NOT NULL DEFAULT '',
        "password_hash" VARCHAR(255) NOT NULL DEFAULT '',
        "role" VARCHAR(10) NOT NULL DEFAULT '',
        "active" BOOLEAN NOT NULL DEFAULT true,
        "failed_logins" INTEGER NOT NULL DEFAULT 0,
        "locked_until" TIMESTAMPTZ DEFAULT null,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE IF NOT EXISTS "standard_version" (
        "id" {pk},
        "service" INTEGER REFERENCES "service" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "version" INTEGER NOT NULL DEFAULT 0,
        "status" VARCHAR(10) NOT NULL DEFAULT 'draft',
        "requirements" JSON NOT NULL DEFAULT '[]',
        "procedure" JSON NOT NULL DEFAULT '[]',
        "time_limit_value" INTEGER NOT NULL DEFAULT 0,
        "time_limit_unit" VARCHAR(20) NOT NULL DEFAULT '',
        "fee" {bigint} NOT NULL DEFAULT 0,
        "product" TEXT NOT NULL DEFAULT '',
        "complaint_channel" TEXT NOT NULL DEFAULT '',
        "legal_basis" TEXT NOT NULL DEFAULT '',
        "facilities" TEXT NOT NULL DEFAULT '',
        "staff_count" INTEGER NOT NULL DEFAULT 1,
        "service_guarantee" TEXT NOT NULL DEFAULT '',
        "target_time" FLOAT NOT NULL DEFAULT 0.95,
        "target_cost" FLOAT NOT NULL DEFAULT 0.99,
        "target_accuracy" FLOAT NOT NULL DEFAULT 0.95,
        "effective_from" TIMESTAMPTZ DEFAULT null,
        "approved_by" INTEGER REFERENCES "portal_user" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "approved_at" TIMESTAMPTZ DEFAULT null,
        "created_by" INTEGER REFERENCES "portal_user" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        "change_note" TEXT NOT NULL DEFAULT ''
    )""",
    """CREATE TABLE IF NOT EXISTS "counter" (
        "id" {pk},
        "unit" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "code" VARCHAR(16) UNIQUE NOT NULL DEFAULT '',
        "name" VARCHAR(120) NOT NULL DEFAULT '',
        "active" BOOLEAN NOT NULL DEFAULT true
    )""",
    """CREATE TABLE IF NOT EXISTS "counter_service" (
        "id" {pk},
        "counter" INTEGER REFERENCES "counter" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "service" INTEGER REFERENCES "service" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null
    )""",
    """CREATE TABLE IF NOT EXISTS "user_unit" (
        "id" {pk},
        "user" INTEGER REFERENCES "portal_user" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "unit" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null
    )""",
    """CREATE TABLE IF NOT EXISTS "visit" (
        "id" {pk},
        "unit" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "service" INTEGER REFERENCES "service" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "counter" INTEGER REFERENCES "counter" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "standard_version" INTEGER REFERENCES "standard_version" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "origin" VARCHAR(10) NOT NULL DEFAULT 'ticket',
        "ticket_number" VARCHAR(20) DEFAULT null,
        "local_day" DATE NOT NULL DEFAULT CURRENT_DATE,
        "token" VARCHAR(64) UNIQUE NOT NULL DEFAULT '',
        "arrived_at" TIMESTAMPTZ DEFAULT null,
        "arrived_source" VARCHAR(8) DEFAULT null,
        "called_at" TIMESTAMPTZ DEFAULT null,
        "called_source" VARCHAR(8) DEFAULT null,
        "served_at" TIMESTAMPTZ DEFAULT null,
        "served_source" VARCHAR(8) DEFAULT null,
        "finished_at" TIMESTAMPTZ DEFAULT null,
        "finished_source" VARCHAR(8) DEFAULT null,
        "delivered_at" TIMESTAMPTZ DEFAULT null,
        "delivered_source" VARCHAR(8) DEFAULT null,
        "outcome" VARCHAR(24) DEFAULT null,
        "fee_charged" {bigint} DEFAULT null,
        "correction_needed" BOOLEAN DEFAULT null,
        "officer" INTEGER REFERENCES "portal_user" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "survey_offered" BOOLEAN NOT NULL DEFAULT false,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE IF NOT EXISTS "survey_response" (
        "id" {pk},
        "visit" INTEGER UNIQUE REFERENCES "visit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "counter" INTEGER REFERENCES "counter" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "service" INTEGER REFERENCES "service" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "unit" INTEGER REFERENCES "unit" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "u1" {smallint} DEFAULT null,
        "u2" {smallint} DEFAULT null,
        "u3" {smallint} DEFAULT null,
        "u4" {smallint} DEFAULT null,
        "u5" {smallint} DEFAULT null,
        "u6" {smallint} DEFAULT null,
        "u7" {smallint} DEFAULT null,
        "u8" {smallint} DEFAULT null,
        "u9" {smallint} DEFAULT null,
        "amount_paid" {bigint} DEFAULT null,
        "extra_requirements" BOOLEAN DEFAULT null,
        "product_correct" VARCHAR(8) DEFAULT null,
        "comment" TEXT NOT NULL DEFAULT '',
        "sex" VARCHAR(8) DEFAULT null,
        "age_band" VARCHAR(8) DEFAULT null,
        "education" VARCHAR(8) DEFAULT null,
        "occupation" VARCHAR(12) DEFAULT null,
        "channel" VARCHAR(12) NOT NULL DEFAULT 'qr_counter',
        "verified" BOOLEAN NOT NULL DEFAULT false,
        "flagged_fast" BOOLEAN NOT NULL DEFAULT false,
        "language" VARCHAR(2) NOT NULL DEFAULT 'id',
        "client_hash" VARCHAR(64) DEFAULT null,
        "local_day" DATE NOT NULL DEFAULT CURRENT_DATE,
        "submitted_at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp
    )""",
    """CREATE TABLE IF NOT EXISTS "audit_log" (
        "id" {pk},
        "at" TIMESTAMPTZ NOT NULL DEFAULT current_timestamp,
        "actor" INTEGER REFERENCES "portal_user" ("id") ON DELETE CASCADE ON UPDATE CASCADE DEFAULT null,
        "actor_name" VARCHAR(80) NOT NULL DEFAULT '',
        "action" VARCHAR(40) NOT NULL DEFAULT '',
        "entity" VARCHAR(40) NOT NULL DEFAULT '',
        "entity_id" INTEGER DEFAULT null,
        "details" JSON NOT NULL DEFAULT '{{}}'
    )""",
]

INDEXES = [
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_standard_version ON standard_version (service, version)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_counter_service ON counter_service (counter, service)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_user_unit ON user_unit (\"user\", unit)",
    "CREATE UNIQUE INDEX IF NOT EXISTS ux_visit_ticket ON visit (unit, local_day, ticket_number)",
    "CREATE INDEX IF NOT EXISTS ix_visit_service_day ON visit (service, local_day)",
    "CREATE INDEX IF NOT EXISTS ix_visit_unit_day ON visit (unit, local_day)",
    "CREATE INDEX IF NOT EXISTS ix_visit_counter_day ON visit (counter, local_day)",
    "CREATE INDEX IF NOT EXISTS ix_response_service_day ON survey_response (service, local_day)",
    "CREATE INDEX IF NOT EXISTS ix_response_unit_day ON survey_response (unit, local_day)",
    "CREATE INDEX IF NOT EXISTS ix_response_counter_day ON survey_response (counter, local_day)",
    "CREATE INDEX IF NOT EXISTS ix_audit_entity ON audit_log (entity, entity_id)",
]

SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
]

POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]


async def forwards(engine: Engine) -> None:
    await run_all(engine, TABLES)
    await run_all(engine, INDEXES + (POSTGRES_TRIGGERS if is_postgres(engine) else SQLITE_TRIGGERS))
