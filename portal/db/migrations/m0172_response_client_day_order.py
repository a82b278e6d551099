"""The per-address cap's look-up (portal.feedback.queries.COUNTED_UNBOUND_SQL) keeps the service's day index out of
its choice with `+service`, so its own index must serve it without the service column: (client_hash, local_day,
service) finds one address's answers of one day by its first two columns, on SQLite and PostgreSQL alike (was
(client_hash, service, local_day), whose first column alone was then usable). Rebuilding it locks out writes to
survey_response while it builds: seconds for a few million answers; run it in a quiet hour."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import run_all


async def forwards(engine: Engine) -> None:
    await run_all(engine, [
        "DROP INDEX IF EXISTS ix_response_client_day",
        "CREATE INDEX ix_response_client_day ON survey_response (client_hash, local_day, service)",
    ])
