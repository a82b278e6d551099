"""The counting rule's per-address cap looks up one address's answers of a service and day: index it, so the
check costs the same on the millionth answer of the day as on the first."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, ["CREATE INDEX IF NOT EXISTS ix_response_client_day "
                           "ON survey_response (client_hash, service, local_day)"])
