"""Helpers the frozen migrations share: the dialect's spelling of a few column types, running a list of
statements, and marking every rollup dirty. Nothing here reads the live Piccolo tables, so a migration that
uses it keeps meaning what it meant when it was written; change these helpers only compatibly.
"""

from __future__ import annotations

from datetime import date

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.querystring import QueryString

from portal.timeutil import utcnow


def is_postgres(engine: Engine) -> bool:
    return isinstance(engine, PostgresEngine)


def types(engine: Engine) -> dict[str, str]:
    """Placeholders of the frozen DDL: how Piccolo spelt these column types on each dialect."""
    if is_postgres(engine):
        return {"pk": "SERIAL PRIMARY KEY NOT NULL", "bigint": "BIGINT", "smallint": "SMALLINT", "blob": "BYTEA"}
    return {"pk": "INTEGER PRIMARY KEY NOT NULL", "bigint": "INTEGER", "smallint": "INTEGER", "blob": "BLOB"}


async def run_all(engine: Engine, statements: list[str], **placeholders: str) -> None:
    """Run each statement, filling `{pk}`-style placeholders from `types(engine)` (and `placeholders`)."""
    values = {**types(engine), **placeholders}
    for sql in statements:
        await engine.run_ddl(sql.format(**values) if values else sql)


async def mark_all_dirty(engine: Engine) -> None:
    """Drop every rollup row and mark each (service, local day) with raw rows dirty (recomputed on read)."""
    await engine.run_ddl("DELETE FROM rollup_day")
    pairs = set()
    for table in ("visit", "survey_response"):
        for row in await engine.run_ddl(f"SELECT DISTINCT service, local_day FROM {table}") or []:
            pairs.add((row["service"], str(row["local_day"])[:10]))
    existing = {(r["service"], str(r["day"])[:10]) for r in
                await engine.run_ddl('SELECT service, "day" FROM rollup_dirty') or []}
    now = utcnow()
    marks = sorted(pairs - existing)
    for start in range(0, len(marks), 500):
        chunk = marks[start:start + 500]
        values = ", ".join("({}, {}, {})" for _ in chunk)
        args = [arg for service, day in chunk for arg in (service, date.fromisoformat(day), now)]
        await engine.run_querystring(
            QueryString(f'INSERT INTO rollup_dirty (service, "day", marked_at) VALUES {values}', *args))
