"""CHECK constraints of enum-like columns: what the models declare and what each database enforces."""

from __future__ import annotations

import re

from piccolo.engine.base import Engine


def model_checks() -> dict[tuple[str, str], frozenset[str]]:
    try:
        from portal.db.checks import ALLOWED_VALUES
    except ImportError:  # before m0110
        return {}
    return {key: frozenset(values) for key, values in ALLOWED_VALUES.items()}


def _values(sql: str) -> frozenset[str]:
    return frozenset(re.findall(r"'((?:[^']|'')*)'", sql.split(" IN ", 1)[1]))


async def sqlite_checks(engine: Engine, table: str) -> dict[str, frozenset[str]]:
    """SQLite enforces them with BEFORE INSERT/UPDATE triggers named check_<table>_<column>_(insert|update)."""
    found: dict[str, frozenset[str]] = {}
    rows = await engine.run_ddl("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                                f"AND tbl_name = '{table}' AND name LIKE 'check_%_insert'")
    for row in rows:
        column = row["name"][len(f"check_{table}_"):-len("_insert")]
        found[column] = _values(row["sql"])
    return found


async def postgres_checks(engine: Engine) -> dict[tuple[str, str], frozenset[str]]:
    found: dict[tuple[str, str], frozenset[str]] = {}
    rows = await engine.run_ddl(
        "SELECT c.conrelid::regclass::text AS table_name, c.conname AS name, pg_get_constraintdef(c.oid) AS def "
        "FROM pg_constraint c JOIN pg_namespace ns ON ns.oid = c.connamespace "
        "WHERE c.contype = 'c' AND ns.nspname = current_schema() AND c.conname LIKE 'ck_%'")
    for row in rows:
        table = row["table_name"].strip('"')
        column = row["name"][len(f"ck_{table}_"):]
        found[(table, column)] = frozenset(re.findall(r"'((?:[^']|'')*)'", row["def"]))
    return found
