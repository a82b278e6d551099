"""Insight: time compliance per standard version in the rollups (issue 17 item 5: a period spanning two
versions reports each version's limit and compliance); every rollup is recomputed lazily."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty


async def forwards(engine: Engine) -> None:
    for column in ("time_version_n", "time_version_within"):
        await engine.run_ddl(f"ALTER TABLE rollup_day ADD COLUMN {column} JSON NOT NULL DEFAULT '{{}}'")
    await mark_all_dirty(engine)
