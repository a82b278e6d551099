"""Kiosk sync report (issue 26): when each tablet last reached the server (a batch of answers or an empty one as a
heartbeat) and how many answers it still held then, so /console/kiosks shows a tablet that is offline or behind."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, [
        "ALTER TABLE kiosk ADD COLUMN last_sync_at TIMESTAMPTZ",
        "ALTER TABLE kiosk ADD COLUMN waiting INTEGER",
    ])
