"""Audit entries carry their unit as an indexed column (issue 16), so the audit page filters in SQL instead of
reading the newest rows and filtering a JSON field in Python; existing entries get the unit their details name.

The append-only triggers are dropped around the backfill and recreated exactly as m0001 wrote them, all within
this migration.
"""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import is_postgres, run_all

SQLITE = [
    "ALTER TABLE audit_log ADD COLUMN unit INTEGER NULL DEFAULT NULL",
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "UPDATE audit_log SET unit = CAST(json_extract(details, '$.unit_id') AS INTEGER) "
    "WHERE json_valid(details) AND json_type(details) = 'object' AND json_type(details, '$.unit_id') = 'integer'",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
    "CREATE INDEX IF NOT EXISTS ix_audit_unit ON audit_log (unit, id)",
]

POSTGRES = [
    "ALTER TABLE audit_log ADD COLUMN unit INTEGER NULL DEFAULT NULL",
    "DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log",
    "UPDATE audit_log SET unit = (details ->> 'unit_id')::integer "
    "WHERE json_typeof(details) = 'object' AND json_typeof(details -> 'unit_id') = 'number' "
    "AND (details ->> 'unit_id') ~ '^-?[0-9]{{1,9}}$'",  # {{ }}: literal braces (run_all)
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
    "CREATE INDEX IF NOT EXISTS ix_audit_unit ON audit_log (unit, id)",
]


async def forwards(engine: Engine) -> None:
    async with engine.transaction():  # the triggers are never missing outside this migration
        await run_all(engine, POSTGRES if is_postgres(engine) else SQLITE)
