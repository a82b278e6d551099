"""Login throttling per account and client (issue 11): failures and a growing lock for one (account, client) pair,
so that wrong passwords from one client never lock the account's owner out on another."""

from __future__ import annotations

from piccolo.engine.base import Engine

from portal.db.migration_support import is_postgres, run_all


async def forwards(engine: Engine) -> None:
    key = "BIGSERIAL PRIMARY KEY" if is_postgres(engine) else "INTEGER PRIMARY KEY AUTOINCREMENT"
    await run_all(engine, [
        "CREATE TABLE IF NOT EXISTS login_throttle (id {key}, user_id BIGINT NOT NULL, client VARCHAR(64) NOT NULL, "
        "failures INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMPTZ NULL, updated_at TIMESTAMPTZ NOT NULL)",
        "CREATE UNIQUE INDEX IF NOT EXISTS ux_login_throttle ON login_throttle (user_id, client)",
    ], key=key)
