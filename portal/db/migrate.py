"""Migration runner: applies portal.db.migrations.MIGRATIONS in order, once each, on SQLite and PostgreSQL alike.

Each migration module defines `async def forwards(engine)`; it may use Piccolo DDL (create_table, create_index)
and plain SQL that both engines accept. Applied names are kept in `portal_migration`. On PostgreSQL an advisory
lock makes concurrent starts safe.
"""

from __future__ import annotations

from types import ModuleType

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from portal.db.migrations import MIGRATIONS
from portal.timeutil import utcnow

ADVISORY_LOCK_KEY = 7_250_914_2017


def migration_name(module: ModuleType) -> str:
    """The name a migration is recorded under: its module's name, e.g. "m0001_initial"."""
    return module.__name__.rpartition(".")[2]


def migration_names() -> list[str]:
    return [migration_name(module) for module in MIGRATIONS]


async def applied(engine: Engine) -> set[str]:
    await engine.run_ddl(
        "CREATE TABLE IF NOT EXISTS portal_migration (name VARCHAR(200) PRIMARY KEY, applied_at VARCHAR(40) NOT NULL)"
    )
    rows = await engine.run_ddl("SELECT name FROM portal_migration")
    return {row["name"] for row in rows or []}


async def migrate(engine: Engine) -> list[str]:
    """Apply the pending migrations; returns the names applied now."""
    is_pg = isinstance(engine, PostgresEngine)
    if is_pg:
        await engine.run_ddl(f"SELECT pg_advisory_lock({ADVISORY_LOCK_KEY})")
    try:
        done = await applied(engine)
        now_applied = []
        for module in MIGRATIONS:
            name = migration_name(module)
            if name in done:
                continue
            await module.forwards(engine)
            stamp = utcnow().isoformat()
            await engine.run_ddl(f"INSERT INTO portal_migration (name, applied_at) VALUES ('{name}', '{stamp}')")
            now_applied.append(name)
        return now_applied
    finally:
        if is_pg:
            await engine.run_ddl(f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")
