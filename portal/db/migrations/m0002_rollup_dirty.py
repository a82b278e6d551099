"""Rollup bookkeeping: the (service, local day) pairs to recompute."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.tables_insight import RollupDirty


async def forwards(engine: Engine) -> None:
    await RollupDirty.create_table(if_not_exists=True).run()
    await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS ux_rollup_dirty ON rollup_dirty (service, day)")
