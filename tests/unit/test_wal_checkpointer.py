"""The embedded engine's WAL checkpointer (portal.db.engine): writes on the server's connection only append to the
log; the checkpointer copies them into the database file in the background soon after, and does nothing while
nothing is written."""

from __future__ import annotations

import asyncio
import contextlib

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
        for i in range(200):  # about 100 pages of log, far below the server connection's own threshold
            async with engine.transaction():
                await execute_on(engine, "INSERT INTO answer (body) VALUES ({})", "x" * 2000 + str(i))
        assert WAL_BACKSTOP_PAGES > 200 and path.stat().st_size == size_before  # only the log grew so far
        for _ in range(50):
            await asyncio.sleep(0.02)
            if path.stat().st_size > size_before:
                break
        assert path.stat().st_size > size_before + 90 * 4096  # the 2 kB rows, copied back by the checkpointer
        assert len(checkpoints) > turns
        assert (tmp_path / "portal.sqlite3-wal").stat().st_size > 0
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await engine.close()
