"""Initial schema: government, units, services, standard versions, counters, users, visits, responses, audit log."""

from __future__ import annotations

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from portal.db import tables as t

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
    for table in t.TABLES:
        await table.create_table(if_not_exists=True).run()
    for sql in INDEXES:
        await engine.run_ddl(sql)
    for sql in POSTGRES_TRIGGERS if isinstance(engine, PostgresEngine) else SQLITE_TRIGGERS:
        await engine.run_ddl(sql)
