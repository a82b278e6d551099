"""Insight: time compliance per standard version in the rollups (issue 17 item 5: a period spanning two
versions reports each version's limit and compliance); every rollup is recomputed lazily."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty, run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, [
        "ALTER TABLE rollup_day ADD COLUMN time_version_n JSON NOT NULL DEFAULT '{{}}'",
        "ALTER TABLE rollup_day ADD COLUMN time_version_within JSON NOT NULL DEFAULT '{{}}'",
    ])
    await mark_all_dirty(engine)
