"""Kiosk: counter tablets (hashed pairing link and device token, revocation) and receipts of their answers."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import is_postgres, run_all

TABLES = [
    """CREATE TABLE IF NOT EXISTS kiosk (
        id {id},
        unit INTEGER NOT NULL REFERENCES unit (id),
        counter INTEGER NOT NULL REFERENCES counter (id),
        label VARCHAR(80) NOT NULL DEFAULT '',
        pairing_hash VARCHAR(64) UNIQUE,
        pairing_expires_at TIMESTAMPTZ,
        token_hash VARCHAR(64) UNIQUE,
        paired_at TIMESTAMPTZ,
        last_paired_at TIMESTAMPTZ,
        revoked_at TIMESTAMPTZ,
        created_by INTEGER REFERENCES portal_user (id),
        created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
    )""",
    """CREATE TABLE IF NOT EXISTS kiosk_answer (
        id {id},
        uuid VARCHAR(36) NOT NULL UNIQUE,
        kiosk INTEGER NOT NULL REFERENCES kiosk (id),
        response INTEGER NOT NULL UNIQUE REFERENCES survey_response (id),
        given_at TIMESTAMPTZ NOT NULL,
        received_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
    )""",
    "CREATE INDEX IF NOT EXISTS ix_kiosk_unit ON kiosk (unit, counter)",
    "CREATE INDEX IF NOT EXISTS ix_kiosk_answer_kiosk ON kiosk_answer (kiosk, given_at)",
    # Live waiting times (portal.queue.waits): today's open tickets and the latest calls of a unit.
    "CREATE INDEX IF NOT EXISTS ix_visit_unit_called ON visit (unit, called_at)",
]


async def forwards(engine: Engine) -> None:
    await run_all(engine, TABLES, id="SERIAL PRIMARY KEY" if is_postgres(engine) else "INTEGER PRIMARY KEY")
