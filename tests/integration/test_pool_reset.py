# ruff: noqa: F811  (pytest fixtures imported from test_feedback_support)
"""The PostgreSQL pool returns connections without asyncpg's reset statement (portal.db.engine.start): that is
safe only while the portal leaves no session state on a connection. Walk the citizen's survey, a refresher pass
(its advisory lock) and staff pages through HTTP, then look at every pooled connection: no advisory lock, cursor,
LISTEN or session setting left, and none in a transaction. A change that keeps session state fails here."""

from __future__ import annotations

import pytest

from portal.db.engine import current_engine
from tests.factories import refresh
from tests.integration.test_feedback_support import ANSWERS, phone, place, survey_form, survey_path  # noqa: F401

LEFT_ON_A_CONNECTION = {
    "advisory locks": "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()",
    "cursors": "SELECT count(*) FROM pg_cursors WHERE name <> ''",
    "listens": "SELECT count(*) FROM pg_listening_channels()",
    "session settings": "SELECT count(*) FROM pg_settings WHERE source = 'session'",
}


def _pool():
    from piccolo.engine.postgres import PostgresEngine

    engine = current_engine()
    if not isinstance(engine, PostgresEngine) or engine.pool is None:
        pytest.skip("the PostgreSQL pool (scale-out mode)")
    return engine.pool


async def test_pool_skips_the_reset_statement_and_the_portal_leaves_nothing_to_reset(app, phone, place):
    pool = _pool()
    fields = {**await survey_form(phone, survey_path(place)), **ANSWERS}
    assert (await phone.post(survey_path(place), data=fields)).status_code == 200
    await refresh()
    assert (await phone.get(f"/api/v1/services/{place['service']['slug']}/results")).status_code == 200

    held = [await pool.acquire() for _ in range(pool.get_size())]
    try:
        for connection in held:
            assert connection.get_reset_query() == ""
            for what, sql in LEFT_ON_A_CONNECTION.items():
                assert (await connection.fetchval(sql)) == 0, what
    finally:
        for connection in held:
            await pool.release(connection)


async def test_a_transaction_left_open_is_still_rolled_back_on_release(app):
    pool = _pool()
    connection = await pool.acquire()
    await connection.execute("BEGIN")
    await connection.execute("SELECT pg_advisory_xact_lock(424242)")
    await pool.release(connection)
    async with pool.acquire() as other:
        assert await other.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 424242") == 0
