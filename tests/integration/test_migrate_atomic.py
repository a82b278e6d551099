"""Migrations are atomic (issue 25 item 8), on whichever engine the session runs (SQLite in the first pass,
PostgreSQL in the second): a migration and the row recording it commit together, so one that fails half way
leaves the database as it was and the next run applies it from the start; concurrent runs apply it once.

The probe migrations work on a table of their own in the session's database and are removed afterwards."""

from __future__ import annotations

import asyncio
import contextvars
import uuid
from collections.abc import Awaitable, Callable
from types import ModuleType

import pytest
from piccolo.engine.base import Engine

from portal.db.engine import current_engine
from portal.db.migrate import applied, migrate
from portal.db.migration_support import execute, is_postgres, run_all


def probe(name: str, forwards: Callable[[Engine], Awaitable[None]]) -> ModuleType:
    """A migration module as portal.db.migrate sees one: a name and `forwards(engine)`."""
    module = ModuleType(f"portal.db.migrations.{name}")
    module.forwards = forwards  # type: ignore[attr-defined]
    return module


async def columns(engine: Engine, table: str) -> list[str]:
    rows = await execute(engine, f"SELECT * FROM {table} ORDER BY id")
    return sorted(rows[0]) if rows else []


async def has_index(engine: Engine, name: str) -> bool:
    if is_postgres(engine):
        return bool(await execute(engine, "SELECT 1 FROM pg_indexes WHERE indexname = {}", name))
    return bool(await execute(engine, "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = {}", name))


async def drop(engine: Engine, table: str, names: list[str]) -> None:
    await run_all(engine, [f"DROP TABLE IF EXISTS {table}"])
    for name in names:
        await execute(engine, "DELETE FROM portal_migration WHERE name = {}", name)


async def test_a_migration_failing_half_way_changes_nothing_and_a_rerun_applies_it(app):
    engine = current_engine()
    tag = uuid.uuid4().hex[:8]
    table, index = f"probe_{tag}", f"ix_probe_{tag}"
    fail = {"now": True}

    async def create(engine: Engine) -> None:  # no IF NOT EXISTS: applied twice, it would fail
        await run_all(engine, [f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, label VARCHAR(20) NOT NULL)",
                               f"INSERT INTO {table} (id, label) VALUES (1, 'first')"])

    async def widen(engine: Engine) -> None:
        await run_all(engine, [f"ALTER TABLE {table} ADD COLUMN note VARCHAR(40) NOT NULL DEFAULT ''",
                               f"CREATE INDEX {index} ON {table} (note)",
                               f"UPDATE {table} SET label = 'changed', note = 'n'",
                               f"INSERT INTO {table} (id, label, note) VALUES (2, 'second', 'n')"])
        if fail["now"]:
            raise RuntimeError("the migration fails half way")

    first, second = probe(f"m0200_probe_{tag}_a", create), probe(f"m0200_probe_{tag}_b", widen)
    try:
        assert await migrate(engine, [first]) == [f"m0200_probe_{tag}_a"]
        with pytest.raises(RuntimeError, match="half way"):
            await migrate(engine, [first, second])
        # As it was: no column, no index, no row changed or added, no record.
        assert await columns(engine, table) == ["id", "label"]
        assert await execute(engine, f"SELECT id, label FROM {table}") == [{"id": 1, "label": "first"}]
        assert not await has_index(engine, index)
        done = await applied(engine)
        assert f"m0200_probe_{tag}_a" in done and f"m0200_probe_{tag}_b" not in done

        fail["now"] = False  # corrected: the rerun applies the second from the start and skips the first
        assert await migrate(engine, [first, second]) == [f"m0200_probe_{tag}_b"]
        assert await columns(engine, table) == ["id", "label", "note"]
        assert await execute(engine, f"SELECT id, label, note FROM {table} ORDER BY id") == [
            {"id": 1, "label": "changed", "note": "n"}, {"id": 2, "label": "second", "note": "n"}]
        assert await has_index(engine, index)
        assert await migrate(engine, [first, second]) == []
    finally:
        await drop(engine, table, [first.__name__.rpartition(".")[2], second.__name__.rpartition(".")[2]])


async def test_concurrent_runs_apply_a_migration_once(app):
    """Two runs at once (two workers starting): the second waits for the migrations' lock (PostgreSQL's advisory
    lock, SQLite's write lock), finds the migration recorded and applies nothing."""
    engine = current_engine()
    tag = uuid.uuid4().hex[:8]
    table = f"probe_{tag}"
    runs: list[asyncio.Task] = []

    async def create(engine: Engine) -> None:
        if not runs:  # the first run, inside its transaction, starts the second (outside that transaction)
            runs.append(asyncio.create_task(migrate(engine, [module]), context=contextvars.Context()))
            await _until_the_second_run_waits(engine)
        await run_all(engine, [f"CREATE TABLE {table} (id INTEGER PRIMARY KEY)"])  # twice would fail

    module = probe(f"m0200_probe_{tag}_c", create)
    try:
        assert await migrate(engine, [module]) == [f"m0200_probe_{tag}_c"]
        assert await runs[0] == []
        recorded = await execute(engine, "SELECT name FROM portal_migration WHERE name = {}", f"m0200_probe_{tag}_c")
        assert len(recorded) == 1
    finally:
        await drop(engine, table, [f"m0200_probe_{tag}_c"])


async def _until_the_second_run_waits(engine: Engine) -> None:
    """On PostgreSQL, until another session waits for an advisory lock (the second run, blocked by this one); on
    SQLite the second run queues for the write lock this transaction holds as soon as it gets the event loop."""
    for _ in range(500):
        await asyncio.sleep(0.01)
        if not is_postgres(engine):
            return
        waiting = await execute(engine, "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        if waiting:
            return
    raise AssertionError("the second run never waited for the migrations' lock")
