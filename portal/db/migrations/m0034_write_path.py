"""Write path: rollup deltas written with their facts, published results kept by the background refresher."""

from __future__ import annotations

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine


async def forwards(engine: Engine) -> None:
    pg = isinstance(engine, PostgresEngine)
    serial = "BIGSERIAL PRIMARY KEY" if pg else "INTEGER PRIMARY KEY AUTOINCREMENT"
    stamp = "TIMESTAMPTZ"  # SQLite keeps the declared name, which Piccolo's converters read
    await engine.run_ddl(
        f"CREATE TABLE IF NOT EXISTS rollup_delta (id {serial}, service INTEGER NOT NULL, unit INTEGER NOT NULL,"
        " counter INTEGER NOT NULL DEFAULT 0, day DATE NOT NULL, payload TEXT NOT NULL DEFAULT '{}')"
    )
    await engine.run_ddl(
        f"CREATE TABLE IF NOT EXISTS published_result (id {serial}, key VARCHAR(120) NOT NULL UNIQUE,"
        f" payload TEXT NOT NULL DEFAULT '{{}}', computed_at {stamp} NOT NULL DEFAULT CURRENT_TIMESTAMP)"
    )
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS ix_rollup_delta_service_day ON rollup_delta (service, day)")
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS ix_overcharge_case_ref ON overcharge_case (source, ref_id)")
