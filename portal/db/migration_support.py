"""Helpers the frozen migrations share: the dialect's spelling of a few column types, running a list of DDL
statements, running a statement with values, and marking every rollup dirty. Nothing here reads the live Piccolo
tables, so a migration that uses it keeps meaning what it meant when it was written; change these helpers only
compatibly.

A migration reaches the database only through `run_all` and `execute` (tests/unit/test_sql_style.py), so every
statement it sends is read the one way the portal reads raw SQL (portal.db.engine.read_template): `{name}` a
spelling filled in here, `{{ }}` a literal brace (a JSON default is written `'{{}}'`), `{}` a value, which DDL
never takes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine

from portal.db.engine import execute_on, read_template
from portal.timeutil import utcnow


def is_postgres(engine: Engine) -> bool:
    return isinstance(engine, PostgresEngine)


def types(engine: Engine) -> dict[str, str]:
    """Spellings of the frozen DDL: how Piccolo spelt these column types on each dialect."""
    if is_postgres(engine):
        return {"pk": "SERIAL PRIMARY KEY NOT NULL", "bigint": "BIGINT", "smallint": "SMALLINT", "blob": "BYTEA"}
    return {"pk": "INTEGER PRIMARY KEY NOT NULL", "bigint": "INTEGER", "smallint": "INTEGER", "blob": "BLOB"}


def fill(sql: str, spellings: dict[str, str]) -> str:
    """A DDL template as text: each `{name}` replaced by its spelling, `{{ }}` by a brace. A `{}` is refused (DDL
    binds no values: a literal brace is written `{{ }}`), and so is a name without a spelling."""
    out = []
    for literal, field in read_template(sql):
        out.append(literal)
        if field == "":
            raise ValueError(f"DDL takes no values: write a literal brace as {{{{ }}}}: {sql!r}")
        if field is not None:
            if field not in spellings:
                raise ValueError(f"DDL template: no spelling for {{{field}}}: {sql!r}")
            out.append(spellings[field])
    return "".join(out)


async def run_all(engine: Engine, statements: list[str], **spellings: str) -> None:
    """Run each DDL statement, its `{pk}`-style names filled from `types(engine)` and `spellings` (see `fill`)."""
    values = {**types(engine), **spellings}
    for sql in statements:
        await engine.run_ddl(fill(sql, values))


async def execute(engine: Engine, sql: str, *args: Any) -> list[dict[str, Any]]:
    """One statement with `{}` value markers, the values bound by the driver (portal.db.engine.execute_on)."""
    return await execute_on(engine, sql, *args)


async def mark_all_dirty(engine: Engine) -> None:
    """Drop every rollup row and mark each (service, local day) with raw rows dirty (recomputed on read)."""
    await execute(engine, "DELETE FROM rollup_day")
    pairs = set()
    for select in ("SELECT DISTINCT service, local_day FROM visit",
                   "SELECT DISTINCT service, local_day FROM survey_response"):
        for row in await execute(engine, select):
            pairs.add((row["service"], str(row["local_day"])[:10]))
    existing = {(r["service"], str(r["day"])[:10]) for r in
                await execute(engine, 'SELECT service, "day" FROM rollup_dirty')}
    now = utcnow()
    marks = sorted(pairs - existing)
    for start in range(0, len(marks), 500):
        chunk = marks[start:start + 500]
        values = ", ".join("({}, {}, {})" for _ in chunk)
        args = [arg for service, day in chunk for arg in (service, date.fromisoformat(day), now)]
        await execute(engine, f'INSERT INTO rollup_dirty (service, "day", marked_at) VALUES {values}', *args)
