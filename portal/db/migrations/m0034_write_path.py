"""Write path: rollup deltas written with their facts, published results kept by the background refresher."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import is_postgres, run_all

# SQLite keeps the declared name TIMESTAMPTZ, which Piccolo's converters read.
STATEMENTS = [
    "CREATE TABLE IF NOT EXISTS rollup_delta (id {serial}, service INTEGER NOT NULL, unit INTEGER NOT NULL,"
    " counter INTEGER NOT NULL DEFAULT 0, day DATE NOT NULL, payload TEXT NOT NULL DEFAULT '{{}}')",
    "CREATE TABLE IF NOT EXISTS published_result (id {serial}, key VARCHAR(120) NOT NULL UNIQUE,"
    " payload TEXT NOT NULL DEFAULT '{{}}', computed_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    "CREATE INDEX IF NOT EXISTS ix_rollup_delta_service_day ON rollup_delta (service, day)",
    "CREATE INDEX IF NOT EXISTS ix_overcharge_case_ref ON overcharge_case (source, ref_id)",
]


async def forwards(engine: Engine) -> None:
    serial = "BIGSERIAL PRIMARY KEY" if is_postgres(engine) else "INTEGER PRIMARY KEY AUTOINCREMENT"
    await run_all(engine, STATEMENTS, serial=serial)
