"""Insight: per-service, per-counter, per-local-day rollups."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.tables_insight import RollupDay


async def forwards(engine: Engine) -> None:
    await RollupDay.create_table(if_not_exists=True).run()
    await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS ux_rollup_day ON rollup_day (service, counter, day)")
    await engine.run_ddl("CREATE INDEX IF NOT EXISTS ix_rollup_day_unit ON rollup_day (unit, day)")
