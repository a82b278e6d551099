"""Staffing: a unit's waiting target for the staffing plan (issue 29), "share P of citizens wait at most T
minutes"; a unit without a row uses the default target (portal.staffing.plan.DEFAULT_TARGET)."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, [
        """CREATE TABLE IF NOT EXISTS staffing_target (
            id {pk},
            unit INTEGER NOT NULL UNIQUE REFERENCES unit (id) ON DELETE CASCADE,
            wait_minutes DOUBLE PRECISION NOT NULL DEFAULT 15.0,
            share DOUBLE PRECISION NOT NULL DEFAULT 0.8,
            updated_by INTEGER REFERENCES portal_user (id) ON DELETE SET NULL,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP
        )""",
    ])
