"""Engine set-up for both modes: embedded SQLite (WAL, one serialised connection, IMMEDIATE) or PostgreSQL (pool).

Piccolo's SQLiteEngine opens a connection per query, leaves the journal in rollback mode and starts DEFERRED
transactions, which under concurrent read-then-write work fails with "database is locked". The embedded engine
here keeps one long-lived connection per event loop in WAL mode with synchronous=NORMAL and a busy timeout,
and serialises every statement and transaction on it (one writer, as Datasette does); transactions begin
IMMEDIATE so that a read-then-write unit of work holds the write lock from its first statement.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import sqlite3
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote, urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from portal.settings import Settings

BUSY_TIMEOUT_MS = 10_000


class SerialTransaction(SQLiteTransaction):
    """A transaction on the engine's shared connection, holding its lock from BEGIN to COMMIT/ROLLBACK."""

    async def __aenter__(self) -> SerialTransaction:
        if self._parent is not None:
            return self._parent
        connection, lock = await self.engine._shared()
        await lock.acquire()
        self._lock = lock
        self.connection = connection
        try:
            await self.begin()
        except BaseException:
            lock.release()
            raise
        self.context = self.engine.current_transaction.set(self)
        return self

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            self.engine.current_transaction.reset(self.context)
            self._lock.release()
        return exception is None


class EmbeddedSQLiteEngine(SQLiteEngine):
    """SQLite with WAL, a busy timeout, IMMEDIATE transactions and one serialised connection per event loop."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, timeout=BUSY_TIMEOUT_MS / 1000, **kwargs)
        self._connection: aiosqlite.Connection | None = None
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _shared(self) -> tuple[aiosqlite.Connection, asyncio.Lock]:
        loop = asyncio.get_running_loop()
        if self._connection is None or self._loop is not loop:
            connection = await aiosqlite.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            for pragma in (
                "PRAGMA journal_mode=WAL",
                "PRAGMA synchronous=NORMAL",
                f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
                "PRAGMA foreign_keys=1",
            ):
                await connection.execute(pragma)
            self._connection, self._lock, self._loop = connection, asyncio.Lock(), loop
        assert self._lock is not None
        return self._connection, self._lock

    async def close(self) -> None:
        if self._connection is not None and self._loop is asyncio.get_running_loop():
            await self._connection.close()
        self._connection = self._lock = self._loop = None

    async def _run_in_new_connection(self, query: str, args=None, query_type: str = "generic", table=None):
        connection, lock = await self._shared()
        async with lock:
            async with connection.execute(query, args or []) as cursor:
                return await cursor.fetchall()

    async def _run_in_existing_connection(self, connection, query: str, args=None, query_type="generic", table=None):
        async with connection.execute(query, args or []) as cursor:
            return await cursor.fetchall()

    def transaction(
        self, transaction_type: TransactionType = TransactionType.immediate, allow_nested: bool = True
    ) -> SerialTransaction:
        return SerialTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)


def make_engine(settings: Settings) -> Engine:
    """The engine named by PORTAL_DATABASE_URL."""
    if settings.is_sqlite:
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return EmbeddedSQLiteEngine(path=str(settings.sqlite_path))
    return PostgresEngine(config=postgres_config(settings.database_url))


def postgres_config(url: str) -> dict[str, Any]:
    parsed = urlparse(url)
    config: dict[str, Any] = {
        "host": parsed.hostname or "127.0.0.1",
        "port": parsed.port or 5432,
        "database": unquote(parsed.path.lstrip("/")) or "postgres",
        "user": unquote(parsed.username or "postgres"),
    }
    if parsed.password:
        config["password"] = unquote(parsed.password)
    return config


def table_modules() -> list[str]:
    """Every module of portal.db whose name starts with `tables` (capabilities may add their own)."""
    import portal.db

    names = [m.name for m in pkgutil.iter_modules(portal.db.__path__) if m.name.startswith("tables")]
    return [f"portal.db.{name}" for name in sorted(names)]


def all_tables() -> list[type[Table]]:
    tables: list[type[Table]] = []
    for module_name in table_modules():
        module = importlib.import_module(module_name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Table) and value is not Table:
                if value.__module__ == module_name and value not in tables:
                    tables.append(value)
    return tables


def bind(engine: Engine, tables: Iterable[type[Table]] | None = None) -> Engine:
    """Point every portal table at `engine` (no piccolo_conf lookup at run time)."""
    for table in all_tables() if tables is None else tables:
        table._meta.db = engine
    return engine


_current: Engine | None = None


def configure(settings: Settings) -> Engine:
    """Create the engine for these settings and bind all tables to it; returns it."""
    global _current
    _current = bind(make_engine(settings))
    return _current


def current_engine() -> Engine:
    if _current is None:
        raise RuntimeError("database engine not configured: call portal.db.engine.configure(settings)")
    return _current


async def start(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        if engine.pool is not None:
            await engine.close_connection_pool()
    elif isinstance(engine, EmbeddedSQLiteEngine):
        await engine.close()


def is_unique_violation(exc: BaseException) -> bool:
    """True when a write failed on a UNIQUE constraint, on either engine."""
    if isinstance(exc, sqlite3.IntegrityError):
        return "UNIQUE" in str(exc)
    try:
        import asyncpg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, asyncpg.UniqueViolationError)
