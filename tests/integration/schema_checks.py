"""CHECK constraints of enum-like columns: what the models declare and what each database enforces.

The models' side is portal.db.checks.ALLOWED_VALUES. A column's database side is its allowed values when the
enforcement is whole (SQLite: both the insert and the update trigger, with the same list; PostgreSQL: a validated
constraint), else a description of what is wrong, so the schema diff shows it.
"""

from __future__ import annotations

import re

from piccolo.engine.base import Engine

_QUOTED = r"'((?:[^']|'')*)'"


def model_checks() -> dict[tuple[str, str], frozenset[str]]:
    from portal.db.checks import ALLOWED_VALUES

    return {key: frozenset(values) for key, values in ALLOWED_VALUES.items()}


def _values(sql: str) -> frozenset[str]:
    """The quoted values of the trigger's `WHEN NEW.c NOT IN (...)` list (not the quoted RAISE message)."""
    match = re.search(r"\bNOT IN \(((?:[^')]|'(?:[^']|'')*')*)\)", sql)
    assert match, sql
    return frozenset(v.replace("''", "'") for v in re.findall(_QUOTED, match.group(1)))


async def sqlite_checks(engine: Engine, table: str) -> dict[str, frozenset[str] | str]:
    """SQLite enforces them with BEFORE INSERT/UPDATE triggers named check_<table>_<column>_(insert|update)."""
    by_column: dict[str, dict[str, frozenset[str]]] = {}
    rows = await engine.run_ddl("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                f"AND tbl_name = '{table}' AND name LIKE 'check\\_%' ESCAPE '\\'")
    for row in rows:
        match = re.fullmatch(rf"check_{re.escape(table)}_(\w+)_(insert|update)", row["name"])
        if match:
            by_column.setdefault(match.group(1), {})[match.group(2)] = _values(row["sql"])
    found: dict[str, frozenset[str] | str] = {}
    for column, events in by_column.items():
        inserted, updated = events.get("insert"), events.get("update")
        found[column] = inserted if inserted is not None and inserted == updated else \
            f"insert trigger {sorted(inserted) if inserted else 'missing'}, " \
            f"update trigger {sorted(updated) if updated else 'missing'}"
    return found


async def postgres_checks(engine: Engine) -> dict[tuple[str, str], frozenset[str] | str]:
    found: dict[tuple[str, str], frozenset[str] | str] = {}
    rows = await engine.run_ddl(
        "SELECT c.conrelid::regclass::text AS table_name, c.conname AS name, pg_get_constraintdef(c.oid) AS def, "
        "c.convalidated AS validated "
        "FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace "
        "WHERE c.contype = 'c' AND ns.nspname = current_schema() AND c.conname LIKE 'ck\\_%'")
    for row in rows:
        table = row["table_name"].strip('"')
        column = row["name"][len(f"ck_{table}_"):]
        values = frozenset(v.replace("''", "'") for v in re.findall(_QUOTED, row["def"]))
        found[(table, column)] = values if row["validated"] else f"NOT VALID {sorted(values)}"
    return found
