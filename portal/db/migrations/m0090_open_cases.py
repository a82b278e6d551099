"""Insight: open multi-day cases include visits finished at the counter but not yet delivered (issue 17 item 1);
the definition of `km_open` changed, so every existing rollup is recomputed lazily."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import mark_all_dirty


async def forwards(engine: Engine) -> None:
    await mark_all_dirty(engine)
