"""Login throttling per account and client (issue 11): failures and a growing lock for one (account, client) pair,
so that wrong passwords from one client never lock the account's owner out on another."""

from __future__ import annotations

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine


async def forwards(engine: Engine) -> None:
    key = "BIGSERIAL PRIMARY KEY" if isinstance(engine, PostgresEngine) else "INTEGER PRIMARY KEY AUTOINCREMENT"
    await engine.run_ddl(
        f"CREATE TABLE IF NOT EXISTS login_throttle (id {key}, user_id BIGINT NOT NULL, client VARCHAR(64) NOT NULL, "
        "failures INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMPTZ NULL, updated_at TIMESTAMPTZ NOT NULL)"
    )
    await engine.run_ddl("CREATE UNIQUE INDEX IF NOT EXISTS ux_login_throttle ON login_throttle (user_id, client)")
