"""Engine set-up for both modes: embedded SQLite (WAL, one serialised connection, IMMEDIATE) or PostgreSQL (pool).

Piccolo's SQLiteEngine opens a connection per query, leaves the journal in rollback mode and starts DEFERRED
transactions, which under concurrent read-then-write work fails with "database is locked". The embedded engine
here keeps long-lived connections per event loop in WAL mode with synchronous=NORMAL, and serialises every
statement and transaction of the process (one writer, as Datasette does); transactions begin IMMEDIATE so that
a read-then-write unit of work holds the write lock from its first statement.

Statements run directly on the event loop's thread through sqlite3 (the portal's statements take microseconds
on indexed tables, far less than a hand-off to a worker thread: aiosqlite costs three thread hand-offs per
statement). That connection never waits for a lock (busy timeout 0): when another process (a `portal` command)
holds the write lock, the statement, or the whole transaction, runs instead on an aiosqlite connection in its
own thread with a busy timeout, so the event loop never blocks on a lock.

WAL checkpoints (copying the log back into the database file, with an fsync) are kept off the request path: the
server runs `checkpointer()`, which after any write takes a PASSIVE checkpoint on a connection of its own (in its
own thread) every CHECKPOINT_EVERY_SECONDS (it blocks neither readers nor writers), so a commit only appends to the
log. Under a steady stream of answers such a checkpoint never finds the log wholly copied (commits arrive while it
copies), and SQLite restarts the log only after a checkpoint that has copied all of it; so the server's own connection
checkpoints when the log holds WAL_BACKSTOP_PAGES pages: by then the checkpointer has copied all but the last
fraction of a second, and this one copies those few pages (about a millisecond) and lets the next write start the
log from its beginning. Before this, the refresher's one checkpoint per pass left the server's connection to copy
20,000 pages at a time, a 40 ms stall on every request in flight every 1.5 s under load (bench/RESULTS-submit.md).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import sqlite3
import time
from collections.abc import Iterable
from string import Formatter
from types import ModuleType
from typing import Any, cast
from urllib.parse import unquote, urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from portal.settings import Settings

BUSY_TIMEOUT_MS = 10_000
log = logging.getLogger("portal.db")


class SerialTransaction(SQLiteTransaction):
    """A transaction on the engine's shared connection, holding its lock from BEGIN to COMMIT/ROLLBACK."""

    engine: EmbeddedSQLiteEngine  # only that engine creates this transaction
    _parent: SerialTransaction | None

    async def __aenter__(self) -> SerialTransaction:
        if self._parent is not None:
            return self._parent
        connection, lock = await self.engine._shared()
        await lock.acquire()
        self._lock = lock
        self.connection = connection
        try:
            try:
                await self.begin()
            except sqlite3.OperationalError as exc:  # another process writes: wait for it off the loop
                if not _is_busy(exc):
                    raise
                self.connection = await self.engine._threaded()
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


PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=1")
#: The server's own connection checkpoints the WAL when it holds this many pages (16 MB; see the module).
WAL_BACKSTOP_PAGES = 4_000
#: The checkpointer's period (a checkpoint only after the server's connection wrote something).
CHECKPOINT_EVERY_SECONDS = 0.2


#: Statements on the event loop's connection yield to the loop when it has not had a turn from them for this long.
YIELD_AFTER_SECONDS = 0.002
_last_yield = 0.0


def _is_busy(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


class _DirectCursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def fetchall(self) -> list:
        return self._cursor.fetchall()

    async def fetchone(self):
        return self._cursor.fetchone()

    async def close(self) -> None:
        self._cursor.close()


class _DirectResult:
    """What aiosqlite's execute() returns (awaitable, and an async context manager), done synchronously."""

    def __init__(self, connection: sqlite3.Connection, query: str, args) -> None:
        self._connection, self._query, self._args = connection, query, args
        self._cursor: _DirectCursor | None = None

    def __await__(self):
        return self._run().__await__()

    async def _run(self) -> _DirectCursor:
        global _last_yield
        started = time.perf_counter()
        if started - _last_yield >= YIELD_AFTER_SECONDS:
            # Long jobs (the refresher's passes) give the event loop to waiting requests between statements. A
            # request's few statements take microseconds each: yielding before every one cost an event-loop turn
            # (a task step and a poll) per statement, about a tenth of a survey POST (bench/RESULTS-submit.md).
            await asyncio.sleep(0)
            _last_yield = time.perf_counter()
        self._cursor = _DirectCursor(self._connection.execute(self._query, self._args))
        return self._cursor

    async def __aenter__(self) -> _DirectCursor:
        return await self._run()

    async def __aexit__(self, *exc_info) -> None:
        if self._cursor is not None:
            await self._cursor.close()


class DirectConnection:
    """A sqlite3 connection used from the event loop's thread with aiosqlite's calling convention; it never
    waits for another process's lock (busy timeout 0): callers fall back to the threaded connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def execute(self, query: str, args=None) -> _DirectResult:
        return _DirectResult(self._connection, query, args or [])

    @property
    def total_changes(self) -> int:
        """Rows this connection has changed since it opened."""
        return self._connection.total_changes

    async def fetch(self, query: str, args: list) -> list:
        """Run one statement and return its rows (as `execute` then `fetchall`, without their objects)."""
        global _last_yield
        if time.perf_counter() - _last_yield >= YIELD_AFTER_SECONDS:
            await asyncio.sleep(0)  # as in _DirectResult._run
            _last_yield = time.perf_counter()
        return self._connection.execute(query, args).fetchall()

    async def close(self) -> None:
        self._connection.close()


class EmbeddedSQLiteEngine(SQLiteEngine):
    """SQLite with WAL, IMMEDIATE transactions and serialised connections per event loop (see the module)."""

    def __init__(self, path: str, **kwargs: Any) -> None:
        super().__init__(path=path, timeout=BUSY_TIMEOUT_MS / 1000, **kwargs)
        self._direct: DirectConnection | None = None
        self._connection: aiosqlite.Connection | None = None
        self._checkpointing: aiosqlite.Connection | None = None
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def _shared(self) -> tuple[DirectConnection, asyncio.Lock]:
        loop = asyncio.get_running_loop()
        if self._direct is None or self._loop is not loop:
            raw = sqlite3.connect(**{**self.connection_kwargs, "timeout": 0, "check_same_thread": False})
            raw.row_factory = dict_factory
            for pragma in PRAGMAS:
                raw.execute(pragma)
            raw.execute("PRAGMA busy_timeout=0")
            raw.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
            self._direct, self._connection, self._lock, self._loop = DirectConnection(raw), None, asyncio.Lock(), loop
        assert self._lock is not None
        return self._direct, self._lock

    async def _threaded(self) -> aiosqlite.Connection:
        """The fallback connection in its own thread, waiting up to BUSY_TIMEOUT_MS for another process."""
        if self._connection is None:
            connection = await aiosqlite.connect(**self.connection_kwargs)
            connection.row_factory = dict_factory  # type: ignore[assignment]
            for pragma in (*PRAGMAS, f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}"):
                await connection.execute(pragma)
            self._connection = connection
        return self._connection

    async def checkpoint(self) -> None:
        """A PASSIVE WAL checkpoint on a connection of its own, in its worker thread: the event loop goes on serving
        meanwhile, and no transaction of the fallback connection can be open on it (SQLite refuses to checkpoint
        on a connection inside a transaction: "database table is locked")."""
        if self._checkpointing is None:
            self._checkpointing = await aiosqlite.connect(**self.connection_kwargs)
        await self._checkpointing.execute("PRAGMA wal_checkpoint(PASSIVE)")

    async def checkpointer(self, every: float = CHECKPOINT_EVERY_SECONDS) -> None:
        """Run for the server's life (a task of the app's lifespan): a PASSIVE checkpoint in the worker thread
        every `every` seconds after the event loop's connection changed something (see the module). A checkpoint
        that fails (the database busy or locked by another process) is tried again on the next turn: the task
        never ends by itself."""
        seen = -1
        while True:
            await asyncio.sleep(every)
            if self._direct is None or self._loop is not asyncio.get_running_loop():
                continue
            changes = self._direct.total_changes
            if changes != seen:
                try:
                    await self.checkpoint()
                except sqlite3.Error as exc:
                    log.info("WAL checkpoint not taken (%s); next turn in %.1f s", exc, every)
                    continue
                seen = changes

    async def close(self) -> None:
        if self._loop is asyncio.get_running_loop():
            if self._connection is not None:
                await self._connection.close()
            if self._checkpointing is not None:
                await self._checkpointing.close()
            if self._direct is not None:
                await self._direct.close()
        self._direct = self._connection = self._checkpointing = self._lock = self._loop = None

    async def _run_in_new_connection(self, query: str, args=None, query_type: str = "generic", table=None):
        connection, lock = await self._shared()
        async with lock:
            try:
                async with connection.execute(query, args or []) as cursor:
                    return await cursor.fetchall()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
            async with (await self._threaded()).execute(query, args or []) as cursor:
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


def table_modules() -> list[ModuleType]:
    """The modules of portal.db that define the portal's tables (a new `tables_*` module is added here)."""
    from portal.db import (
        tables,
        tables_accounts,
        tables_complaints,
        tables_diagnostic,
        tables_feedback,
        tables_insight,
        tables_kiosk,
        tables_staffing,
    )

    return [tables, tables_accounts, tables_complaints, tables_diagnostic, tables_feedback, tables_insight,
            tables_kiosk, tables_staffing]


def all_tables() -> list[type[Table]]:
    tables: list[type[Table]] = []
    for module in table_modules():
        for value in vars(module).values():
            if (isinstance(value, type) and issubclass(value, Table) and value is not Table
                    and value.__module__ == module.__name__ and value not in tables):
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


def _pooled_connection_class() -> type:
    import asyncpg

    class PooledConnection(asyncpg.Connection):
        """A pooled asyncpg connection returned to the pool without asyncpg's reset statement.

        asyncpg resets every connection it takes back ("SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
        RESET ALL;"): one more round trip to PostgreSQL after every query outside a transaction and every
        transaction, a seventh of a survey POST's database round trips. The portal leaves nothing on a connection
        for it to undo: its advisory locks are transaction-level (pg_advisory_xact_lock), its cursors live inside
        transactions, it never LISTENs on PostgreSQL (live events go through Redis) and never SETs a session
        variable. asyncpg still rolls back a transaction left open, whatever this returns. A change that keeps
        session state on a connection must bring the reset back (tests/integration/test_pool_reset.py)."""

        def get_reset_query(self) -> str:
            return ""

    return PooledConnection


def on_postgres() -> bool:
    """True when the configured engine is PostgreSQL (the scale-out mode)."""
    return isinstance(current_engine(), PostgresEngine)


async def start(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10, connection_class=_pooled_connection_class())


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


_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: ([\w.]+(?:, [\w.]+)*)$")
_PG_KEY = re.compile(r"Key \((.+?)\)=")


def unique_field(exc: BaseException) -> str | None:
    """The column a unique violation names, when it names plain columns (the last one of a composite index, e.g.
    `version` of (service, version)): SQLite "UNIQUE constraint failed: counter.code", PostgreSQL
    "Key (code)=(A1) already exists." None for an expression index or an unknown message."""
    if isinstance(exc, sqlite3.IntegrityError):
        found = _SQLITE_UNIQUE.search(str(exc))
        columns = [c.strip().rpartition(".")[2] for c in found.group(1).split(",")] if found else []
    else:
        found = _PG_KEY.search(getattr(exc, "detail", None) or "")
        columns = [c.strip() for c in found.group(1).split(",")] if found else []
    plain = [c for c in columns if re.fullmatch(r"[a-z_][a-z0-9_]*", c)]
    return plain[-1] if plain and len(plain) == len(columns) else None


def read_template(sql: str) -> list[tuple[str, str | None]]:
    """Raw SQL as the portal writes it, everywhere (CONTRIBUTING.md, "Raw SQL"): Python's format-string syntax as
    `string.Formatter` reads it. `{}` marks a value passed separately and bound by the driver, `{{` and `}}` are
    literal braces, and `{name}` is a spelling the migration helpers fill in (portal.db.migration_support.run_all:
    a dialect's column type, an identifier). Returns (literal text, field) pairs: field "" for a value, the name for
    a spelling, None after the last field. Anything else (`{0}`, `{x!r}`, `{:>3}`, an unpaired brace) is refused."""
    pieces: list[tuple[str, str | None]] = []
    for literal, field, spec, conversion in Formatter().parse(sql):
        if field is not None and (spec or conversion or (field and not field.isidentifier())):
            raise ValueError(f"SQL template: only {{}} (a value) or {{name}} (a spelling) may stand in braces: {sql!r}")
        pieces.append((literal, field))
    return pieces


@functools.lru_cache(maxsize=64)
def _placeholders(sql: str, postgres: bool) -> str:
    """`{}` markers as the driver wants them (`?` for sqlite3, `$1, $2, ...` for asyncpg), `{{ }}` as braces."""
    out, index = [], 0
    for literal, field in read_template(sql):
        out.append(literal)
        if field is None:
            continue
        if field:
            raise ValueError(f"SQL template: {{{field}}} is a spelling for migration_support.run_all, not a value: "
                             f"pass the value and write {{}}: {sql!r}")
        index += 1
        out.append(f"${index}" if postgres else "?")
    return "".join(out)


async def execute(sql: str, *args: Any) -> list[dict[str, Any]]:
    """Run one plain SQL statement with `{}` value markers (`{{ }}` for a literal brace) on the configured engine,
    inside the current transaction when there is one; returns its rows as dicts.

    For the few statements every survey submit runs (portal.feedback.services, portal.insight.ledger): Piccolo's
    `raw()` parses its template and wraps every value again on each call, about 30 µs a statement on the
    development machine; this goes straight to the same connection, with the same type adapters, and the same
    fall-back to the threaded SQLite connection while another process holds the write lock."""
    return await execute_on(current_engine(), sql, *args)


async def execute_on(engine: Engine, sql: str, *args: Any) -> list[dict[str, Any]]:
    """`execute` on a given engine (the migrations get theirs as an argument)."""
    transaction = engine.current_transaction.get()
    if isinstance(engine, PostgresEngine):
        query = _placeholders(sql, True)
        if transaction is not None:
            rows = await transaction.connection.fetch(query, *args)
        elif engine.pool:
            rows = await engine._run_in_pool(query, args)
        else:
            rows = await engine._run_in_new_connection(query, args)
        return [dict(row) for row in rows]
    query = _placeholders(sql, False)
    assert isinstance(engine, EmbeddedSQLiteEngine)
    if transaction is not None:
        connection = transaction.connection
        if type(connection) is DirectConnection:  # the event loop's own connection: straight to sqlite3
            return await connection.fetch(query, list(args))
        rows = await engine._run_in_existing_connection(connection, query, list(args))
    else:
        rows = await engine._run_in_new_connection(query, list(args))
    return cast("list[dict[str, Any]]", rows)  # the connections' row_factory makes each row a dict
