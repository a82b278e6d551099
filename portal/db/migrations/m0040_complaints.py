"""Complaints: the complaint register, receipt photos, per-unit deadline settings; the answer is written once."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import is_postgres, run_all

TABLES = [
    """CREATE TABLE IF NOT EXISTS complaint (
        id {id},
        code VARCHAR(11) NOT NULL UNIQUE,
        unit INTEGER NOT NULL REFERENCES unit (id),
        first_unit INTEGER REFERENCES unit (id),
        service INTEGER REFERENCES service (id),
        counter INTEGER REFERENCES counter (id),
        category VARCHAR(16) NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        happened_on DATE,
        amount BIGINT,
        channel VARCHAR(8) NOT NULL DEFAULT 'web',
        lapor_number VARCHAR(40),
        contact VARCHAR(120) NOT NULL DEFAULT '',
        contact_erased_at TIMESTAMPTZ,
        status VARCHAR(12) NOT NULL DEFAULT 'received',
        severity VARCHAR(16),
        deadline_days INTEGER NOT NULL,
        deadline DATE NOT NULL,
        received_at TIMESTAMPTZ NOT NULL,
        received_day DATE NOT NULL,
        classified_at TIMESTAMPTZ,
        answered_at TIMESTAMPTZ,
        answered_day DATE,
        answer TEXT NOT NULL DEFAULT '',
        answered_by INTEGER REFERENCES portal_user (id),
        closed_at TIMESTAMPTZ,
        reject_reason TEXT NOT NULL DEFAULT '',
        forward_note TEXT NOT NULL DEFAULT '',
        nonconformity INTEGER REFERENCES nonconformity (id),
        flag VARCHAR(12) NOT NULL DEFAULT '',
        language VARCHAR(2) NOT NULL DEFAULT 'id',
        client_hash VARCHAR(64),
        nonce VARCHAR(32) UNIQUE,
        recorded_by INTEGER REFERENCES portal_user (id),
        updated_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS complaint_photo (
        id {id},
        complaint INTEGER NOT NULL UNIQUE REFERENCES complaint (id),
        data {blob} NOT NULL,
        media_type VARCHAR(16) NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS complaint_setting (
        id {id},
        unit INTEGER NOT NULL UNIQUE REFERENCES unit (id),
        light_days INTEGER NOT NULL DEFAULT 2,
        normative_days INTEGER NOT NULL DEFAULT 5,
        plain_days INTEGER NOT NULL DEFAULT 14,
        investigation_days INTEGER NOT NULL DEFAULT 60,
        contact_days INTEGER NOT NULL DEFAULT 180
    )""",
    "CREATE INDEX IF NOT EXISTS ix_complaint_unit_day ON complaint (unit, received_day)",
    "CREATE INDEX IF NOT EXISTS ix_complaint_unit_status ON complaint (unit, status, deadline)",
    "CREATE INDEX IF NOT EXISTS ix_complaint_closed ON complaint (closed_at)",
]

SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS complaint_answer_once BEFORE UPDATE OF answer ON complaint "
    "WHEN OLD.answer <> '' AND NEW.answer IS NOT OLD.answer "
    "BEGIN SELECT RAISE(ABORT, 'a complaint answer is written once'); END",
]

POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION complaint_answer_once() RETURNS trigger AS $$ BEGIN "
    "IF OLD.answer <> '' AND NEW.answer IS DISTINCT FROM OLD.answer THEN "
    "RAISE EXCEPTION 'a complaint answer is written once'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
    "DROP TRIGGER IF EXISTS complaint_answer_once ON complaint",
    "CREATE TRIGGER complaint_answer_once BEFORE UPDATE ON complaint "
    "FOR EACH ROW EXECUTE FUNCTION complaint_answer_once()",
]


async def forwards(engine: Engine) -> None:
    is_pg = is_postgres(engine)
    await run_all(engine, TABLES, id="SERIAL PRIMARY KEY" if is_pg else "INTEGER PRIMARY KEY")  # {blob}: types()
    await run_all(engine, POSTGRES_TRIGGERS if is_pg else SQLITE_TRIGGERS)
