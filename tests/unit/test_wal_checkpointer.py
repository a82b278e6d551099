"""The embedded engine's WAL checkpointer (portal.db.engine): writes on the server's connection only append to the
log; the checkpointer copies them into the database file in the background soon after, and does nothing while
nothing is written."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3

from portal.db.engine import WAL_BACKSTOP_PAGES, EmbeddedSQLiteEngine, execute_on


async def test_checkpointer_copies_the_log_back_after_writes_and_idles_without(tmp_path):
    path = tmp_path / "portal.sqlite3"
    engine = EmbeddedSQLiteEngine(path=str(path))
    await execute_on(engine, "CREATE TABLE answer (id INTEGER PRIMARY KEY, body TEXT)")
    checkpoints = []
    checkpoint = engine.checkpoint

    async def counted_checkpoint() -> None:
        checkpoints.append(path.stat().st_size)
        await checkpoint()

    engine.checkpoint = counted_checkpoint  # type: ignore[method-assign]
    task = asyncio.create_task(engine.checkpointer(every=0.02))
    try:
        await asyncio.sleep(0.1)  # the first turn copies the table's creation
        size_before = path.stat().st_size
        turns = len(checkpoints)
        await asyncio.sleep(0.1)
        assert len(checkpoints) == turns  # nothing written: no checkpoint
        for i in range(200):
            async with engine.transaction():
                await execute_on(engine, "INSERT INTO answer (body) VALUES ({})", "x" * 2000 + str(i))
        # About 100 pages of log, far below the server connection's own threshold: only the checkpointer copies it
        # back (here or, on a loaded machine where a write waited in the fallback thread, already during the loop).
        assert WAL_BACKSTOP_PAGES > 200
        copied_back = size_before + 90 * 4096  # the 2 kB rows, copied back by the checkpointer
        for _ in range(150):
            if path.stat().st_size > copied_back:
                break
            await asyncio.sleep(0.02)
        assert path.stat().st_size > copied_back
        assert len(checkpoints) > turns
        assert (tmp_path / "portal.sqlite3-wal").stat().st_size > 0
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await engine.close()


async def test_checkpointer_survives_a_failed_checkpoint_and_an_open_fallback_transaction(tmp_path):
    engine = EmbeddedSQLiteEngine(path=str(tmp_path / "portal.sqlite3"))
    await execute_on(engine, "CREATE TABLE answer (id INTEGER PRIMARY KEY, body TEXT)")
    taken, checkpoint = [], engine.checkpoint

    async def flaky_checkpoint() -> None:
        if not taken:
            taken.append("refused")
            raise sqlite3.OperationalError("database is locked")
        await checkpoint()
        taken.append("taken")

    engine.checkpoint = flaky_checkpoint  # type: ignore[method-assign]
    task = asyncio.create_task(engine.checkpointer(every=0.02))
    fallback = await engine._threaded()  # the connection used while another process holds the write lock
    try:
        await fallback.execute("BEGIN IMMEDIATE")
        await fallback.execute("INSERT INTO answer (body) VALUES ('x')")
        await execute_on(engine, "SELECT 1")
        for _ in range(50):
            await asyncio.sleep(0.02)
            if "taken" in taken:
                break
        assert taken[0] == "refused" and "taken" in taken  # tried again after the failure, beside the transaction
        assert not task.done()
        await fallback.execute("COMMIT")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await engine.close()
