"""Migration runner: applies portal.db.migrations.MIGRATIONS in order, once each, on SQLite and PostgreSQL alike.

Each migration module defines `async def forwards(engine)` and sends its statements through
portal.db.migration_support. Applied names are kept in `portal_migration`. Each migration and the row recording it
commit in one transaction: both engines have transactional DDL, so a migration that fails half way leaves the
database as it was (no column added without its record) and the next run applies it again from the start.

Concurrent runs (two workers starting, `portal migrate` beside `portal serve`): every transaction here first takes
the migrations' lock — a transaction-level advisory lock on PostgreSQL, the database's write lock on SQLite
(the embedded engine begins IMMEDIATE) — and checks again, under it, whether the migration was recorded meanwhile.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType

from piccolo.engine.base import Engine

from portal.db.migration_support import execute, is_postgres
from portal.db.migrations import MIGRATIONS
from portal.timeutil import utcnow

ADVISORY_LOCK_KEY = 7_250_914_2017


def migration_name(module: ModuleType) -> str:
    """The name a migration is recorded under: its module's name, e.g. "m0001_initial"."""
    return module.__name__.rpartition(".")[2]


def migration_names() -> list[str]:
    return [migration_name(module) for module in MIGRATIONS]


async def _lock(engine: Engine) -> None:
    """Inside a transaction: wait until no other run is migrating (released at commit or rollback)."""
    if is_postgres(engine):
        await execute(engine, "SELECT pg_advisory_xact_lock({})", ADVISORY_LOCK_KEY)


async def _recorded(engine: Engine) -> set[str]:
    return {row["name"] for row in await execute(engine, "SELECT name FROM portal_migration")}


async def applied(engine: Engine) -> set[str]:
    """The names of the migrations applied to this database (creating the record table on first use)."""
    async with engine.transaction():
        await _lock(engine)
        await execute(engine, "CREATE TABLE IF NOT EXISTS portal_migration "
                              "(name VARCHAR(200) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)")
        return await _recorded(engine)


async def migrate(engine: Engine, migrations: Sequence[ModuleType] = MIGRATIONS) -> list[str]:
    """Apply the pending migrations, each with its record in one transaction; returns the names applied now.
    A migration that raises is rolled back and the error raised: the ones before it stay applied."""
    done = await applied(engine)
    now_applied = []
    for module in migrations:
        name = migration_name(module)
        if name in done:
            continue
        async with engine.transaction():
            await _lock(engine)
            if name in await _recorded(engine):  # another run applied it while this one waited
                continue
            await module.forwards(engine)
            await execute(engine, "INSERT INTO portal_migration (name, applied_at) VALUES ({}, {})",
                          name, utcnow().isoformat())
        now_applied.append(name)
    return now_applied
