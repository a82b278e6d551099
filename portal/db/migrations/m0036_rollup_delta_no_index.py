"""rollup_delta holds only the deltas not yet folded (a few hundred rows at most): its (service, day) index cost
every survey submit one more B-tree write and served only rare deletions, which scan the small table as fast."""

from __future__ import annotations

from piccolo.engine.base import Engine


async def forwards(engine: Engine) -> None:
    await engine.run_ddl("DROP INDEX IF EXISTS ix_rollup_delta_service_day")
