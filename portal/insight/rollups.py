"""Per-service, per-local-day rollups. Writers call `touch(service_id, day)` after changing visits or responses."""

from __future__ import annotations

from datetime import date

from portal.db.engine import is_unique_violation
from portal.db.tables_insight import RollupDirty


async def touch(service_id: int, day: date) -> None:
    """Mark the (service, local day) rollup as needing recomputation (idempotent, safe under concurrency)."""
    exists = await RollupDirty.exists().where((RollupDirty.service == service_id) & (RollupDirty.day == day)).run()
    if exists:
        return
    try:
        await RollupDirty.insert(RollupDirty(service=service_id, day=day)).run()
    except Exception as exc:  # a concurrent writer marked it first
        if not is_unique_violation(exc):
            raise
