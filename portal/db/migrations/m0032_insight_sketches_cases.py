"""Insight: duration sketches in the rollups and the overcharge case list; existing rollups are marked dirty."""

from __future__ import annotations

from datetime import UTC, date, datetime

from piccolo.engine.base import Engine

from portal.db.tables_insight import OverchargeCase, RollupDirty


async def _has_column(engine: Engine, table: str, column: str) -> bool:
    try:
        await engine.run_ddl(f"SELECT {column} FROM {table} WHERE 1 = 0")
        return True
    except Exception:
        return False


async def forwards(engine: Engine) -> None:
    for column in ("wait_hist", "handle_hist"):
        if not await _has_column(engine, "rollup_day", column):
            await engine.run_ddl(f"ALTER TABLE rollup_day ADD COLUMN {column} JSON NOT NULL DEFAULT '{{}}'")
    await OverchargeCase.create_table(if_not_exists=True).run()
    await engine.run_ddl('CREATE INDEX IF NOT EXISTS ix_overcharge_case ON overcharge_case (service, "day")')
    # Rollups computed before this migration lack sketches and cases: recompute every (service, day) lazily.
    await mark_all_dirty(engine)


async def mark_all_dirty(engine: Engine) -> None:
    """Drop every rollup row and mark each (service, local day) with raw rows dirty (recomputed on read)."""
    await engine.run_ddl("DELETE FROM rollup_day")
    pairs = set()
    for table in ("visit", "survey_response"):
        for row in await engine.run_ddl(f"SELECT DISTINCT service, local_day FROM {table}") or []:
            pairs.add((row["service"], str(row["local_day"])[:10]))
    existing = {(r["service"], str(r["day"])[:10]) for r in
                await engine.run_ddl('SELECT service, "day" FROM rollup_dirty') or []}
    now = datetime.now(UTC)
    marks = [RollupDirty(service=s, day=date.fromisoformat(d), marked_at=now) for s, d in sorted(pairs - existing)]
    for start in range(0, len(marks), 500):
        await RollupDirty.insert(*marks[start:start + 500]).run()
