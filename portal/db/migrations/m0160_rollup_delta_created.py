"""Rollup deltas carry the time they were written (issue 27), so /metrics can report the refresher's lag: the age
of the oldest delta not yet folded. The database's clock fills it (the survey's hot path sends nothing more).

SQLite cannot add a column whose default is CURRENT_TIMESTAMP, so there the table is rebuilt with the column,
its rows (deltas waiting for the refresher) and its AUTOINCREMENT sequence kept; those rows are stamped with
the time of the migration. PostgreSQL adds the column in place.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import is_postgres, run_all

SQLITE = [
    "CREATE TABLE rollup_delta_new (id INTEGER PRIMARY KEY AUTOINCREMENT, service INTEGER NOT NULL,"
    " unit INTEGER NOT NULL, counter INTEGER NOT NULL DEFAULT 0, day DATE NOT NULL,"
    " payload TEXT NOT NULL DEFAULT '{{}}', created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    "INSERT INTO rollup_delta_new (id, service, unit, counter, day, payload)"
    " SELECT id, service, unit, counter, day, payload FROM rollup_delta ORDER BY id",
    "DELETE FROM sqlite_sequence WHERE name = 'rollup_delta_new'",
    "INSERT INTO sqlite_sequence (name, seq) SELECT 'rollup_delta_new', seq FROM sqlite_sequence"
    " WHERE name = 'rollup_delta'",
    "DROP TABLE rollup_delta",
    "ALTER TABLE rollup_delta_new RENAME TO rollup_delta",
    "CREATE INDEX IF NOT EXISTS ix_rollup_delta_service_day ON rollup_delta (service, day)",
]

POSTGRES = [
    "ALTER TABLE rollup_delta ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP",
]


async def forwards(engine: Engine) -> None:
    # The runner applies and records each migration in one transaction (portal.db.migrate).
    await run_all(engine, POSTGRES if is_postgres(engine) else SQLITE)
