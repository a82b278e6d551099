"""Read a database's schema and the Piccolo models' schema into one comparable shape (used by test_schema*.py).

The shape: {table: {"columns": {name: (type, not_null, default)}, "indexes": {(columns, unique)},
"foreign_keys": {column: (table, on_delete)}, "checks": {column: allowed values}}}. Types are normalised per
dialect (SQLite: INTEGER/BIGINT/SMALLINT are one storage class); defaults are compared where both sides have one.
"""

from __future__ import annotations

import re

from piccolo.columns import ForeignKey
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

IGNORED_TABLES = {"portal_migration", "sqlite_sequence"}

#: Indexes over several columns (or not unique) that the models cannot declare: created by the migrations.
MIGRATION_INDEXES = {
    "standard_version": [(("service", "version"), True)],
    "counter_service": [(("counter", "service"), True)],
    "user_unit": [(("user", "unit"), True)],
    "visit": [(("unit", "local_day", "ticket_number"), True), (("service", "local_day"), False),
              (("unit", "local_day"), False), (("counter", "local_day"), False), (("unit", "called_at"), False),
              (("counter", "local_day"), True)],  # m0130: partial, one open ticket per counter and day
    "survey_response": [(("service", "local_day"), False), (("unit", "local_day"), False),
                        (("counter", "local_day"), False),
                        (("client_hash", "local_day", "service"), False)],  # m0172: address and day lead
    "audit_log": [(("entity", "entity_id"), False), (("unit", "id"), False)],
    "rollup_dirty": [(("service", "day"), True)],
    "feedback_paper_batch": [(("unit", "created_at"), False)],
    "feedback_paper_batch_response": [(("batch",), False)],
    "rollup_day": [(("service", "counter", "day"), True), (("unit", "day"), False)],
    "nonconformity": [(("unit", "service", "source", "period_from", "period_to"), True),
                      (("unit", "status"), False)],
    "nonconformity_event": [(("nonconformity",), False)],
    "overcharge_case": [(("service", "day"), False), (("source", "ref_id"), False)],
    "rollup_delta": [(("service", "day"), False)],
    "complaint": [(("unit", "received_day"), False), (("unit", "status", "deadline"), False),
                  (("closed_at",), False)],
    "complaint_message": [(("complaint", "id"), False)],
    "diagnostic_catalogue": [(("version",), True)],
    "diagnostic_assessment": [(("government", "unit", "year"), True)],
    "diagnostic_rating": [(("assessment", "code"), True)],
    "diagnostic_evidence": [(("assessment", "code"), False)],
    "login_throttle": [(("user_id", "client"), True)],
    "kiosk": [(("unit", "counter"), False)],
    "kiosk_answer": [(("kiosk", "given_at"), False)],
}

#: Foreign keys the hand-written DDL of m0040, m0050 and m0100 made NOT NULL while the models keep Piccolo's
#: nullable default: Piccolo refuses to build a row object whose non-null column is not given yet, and the kiosk
#: builds its receipt before the response exists. The database is the stricter side; listed, not ignored.
NOT_NULL_IN_DATABASE = {
    ("complaint", "unit"), ("complaint_photo", "complaint"), ("complaint_setting", "unit"),
    ("diagnostic_assessment", "government"), ("diagnostic_rating", "assessment"),
    ("diagnostic_evidence", "assessment"), ("kiosk", "unit"), ("kiosk", "counter"), ("kiosk_answer", "kiosk"),
    ("kiosk_answer", "response"),
}

_PG_TYPES = {"integer": "integer", "serial": "integer", "bigint": "bigint", "bigserial": "bigint",
             "smallint": "smallint", "text": "text", "json": "json", "jsonb": "jsonb", "boolean": "boolean",
             "date": "date", "timestamptz": "timestamptz", "timestamp with time zone": "timestamptz",
             "float": "double precision", "double precision": "double precision", "real": "real",
             "bytea": "bytea", "character varying": "varchar"}


def normalise_type(declared: str, postgres: bool) -> str:
    declared = declared.strip().lower()
    match = re.fullmatch(r"(varchar|character varying)\s*\((\d+)\)", declared)
    if match:
        return f"varchar({match.group(2)})"
    if postgres:
        return _PG_TYPES.get(declared, declared)
    if declared in ("integer", "bigint", "smallint", "int"):
        return "integer"
    if declared in ("blob", "bytea"):
        return "blob"
    return declared


def normalise_default(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    text = re.sub(r"::[a-z ]+(\(\d+\))?", "", text.lower()).strip()
    if text in ("null", ""):
        return None
    if text in ("current_timestamp", "now()"):
        return "now"
    if text in ("true", "1", "'t'"):
        return "true"
    if text in ("false", "0", "'f'"):
        return "false" if text != "0" else "0"
    if text == "current_date":
        return "today"
    return text


def _model_default(column) -> str | None:
    match = re.search(r" DEFAULT (.*)$", column.ddl)
    return normalise_default(match.group(1)) if match else None


def model_schema(tables: list[type[Table]], postgres: bool) -> dict:
    """The schema the models describe (their columns, unique columns, foreign keys)."""
    from tests.integration.schema_checks import model_checks

    checks = model_checks()
    schema = {}
    for table in tables:
        name = table._meta.tablename
        columns, indexes, fks = {}, set(), {}
        for column in table._meta.columns:
            col = column._meta.db_column_name
            if col == "id":
                columns[col] = (normalise_type("INTEGER", postgres), True, None)
                continue
            not_null = not column._meta.null or (name, col) in NOT_NULL_IN_DATABASE
            columns[col] = (normalise_type(column.column_type, postgres), not_null, _model_default(column))
            if column._meta.unique:
                indexes.add(((col,), True))
            if isinstance(column, ForeignKey):
                meta = column._foreign_key_meta
                fks[col] = (meta.resolved_references._meta.tablename, meta.on_delete.value.lower())
        for cols, unique in MIGRATION_INDEXES.get(name, []):
            indexes.add((tuple(cols), unique))
        schema[name] = {"columns": columns, "indexes": indexes, "foreign_keys": fks,
                        "checks": {c: v for (t, c), v in checks.items() if t == name}}
    return schema


async def database_schema(engine: Engine) -> dict:
    """The schema of the database `engine` is connected to, in the shape of `model_schema`."""
    if isinstance(engine, PostgresEngine):
        return await _postgres_schema(engine)
    return await _sqlite_schema(engine)


async def _sqlite_schema(engine: Engine) -> dict:
    from tests.integration.schema_checks import sqlite_checks

    schema = {}
    rows = await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    for row in rows:
        name = row["name"]
        if name in IGNORED_TABLES:
            continue
        columns, indexes, fks = {}, set(), {}
        for col in await engine.run_ddl(f'PRAGMA table_info("{name}")'):
            if col["pk"]:
                columns[col["name"]] = ("integer", True, None)
                continue
            columns[col["name"]] = (normalise_type(col["type"], False), bool(col["notnull"]),
                                    normalise_default(col["dflt_value"]))
        for index in await engine.run_ddl(f'PRAGMA index_list("{name}")'):
            if index["origin"] == "pk":
                continue
            info = await engine.run_ddl(f'PRAGMA index_info("{index["name"]}")')
            cols = tuple(i["name"] for i in sorted(info, key=lambda i: i["seqno"]))
            indexes.add((cols, bool(index["unique"])))
        for fk in await engine.run_ddl(f'PRAGMA foreign_key_list("{name}")'):
            fks[fk["from"]] = (fk["table"], fk["on_delete"].lower())
        schema[name] = {"columns": columns, "indexes": indexes, "foreign_keys": fks,
                        "checks": await sqlite_checks(engine, name)}
    return schema


async def _postgres_schema(engine: Engine) -> dict:
    from tests.integration.schema_checks import postgres_checks

    schema = {}
    tables = await engine.run_ddl("SELECT table_name FROM information_schema.tables "
                                  "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
    for row in tables:
        name = row["table_name"]
        if name in IGNORED_TABLES:
            continue
        schema[name] = {"columns": {}, "indexes": set(), "foreign_keys": {}, "checks": {}}
    for col in await engine.run_ddl(
            "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, column_default "
            "FROM information_schema.columns WHERE table_schema = current_schema()"):
        if col["table_name"] not in schema:
            continue
        if col["column_name"] == "id":
            schema[col["table_name"]]["columns"]["id"] = ("integer", True, None)
            continue
        declared = col["data_type"]
        if col["character_maximum_length"] is not None:
            declared = f"varchar({col['character_maximum_length']})"
        schema[col["table_name"]]["columns"][col["column_name"]] = (
            normalise_type(declared, True), col["is_nullable"] == "NO", normalise_default(col["column_default"]))
    for index in await engine.run_ddl(
            "SELECT t.relname AS table_name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary, "
            "array_to_string(array(SELECT a.attname FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.n), ',') AS cols "
            "FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid "
            "JOIN pg_namespace ns ON ns.oid = t.relnamespace WHERE ns.nspname = current_schema()"):
        if index["table_name"] in schema and not index["is_primary"]:
            schema[index["table_name"]]["indexes"].add((tuple(index["cols"].split(",")), index["is_unique"]))
    actions = {"a": "no action", "r": "restrict", "c": "cascade", "n": "set null", "d": "set default"}
    for fk in await engine.run_ddl(
            "SELECT c.conrelid::regclass::text AS table_name, c.confrelid::regclass::text AS ref_table, "
            "c.confdeltype::text AS on_delete, a.attname AS column_name FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_namespace ns ON ns.oid = c.connamespace "
            "WHERE c.contype = 'f' AND ns.nspname = current_schema()"):
        table = fk["table_name"].strip('"')
        if table in schema:
            schema[table]["foreign_keys"][fk["column_name"]] = (fk["ref_table"].strip('"'),
                                                                actions[fk["on_delete"]])
    for (table, column), values in (await postgres_checks(engine)).items():
        if table in schema:
            schema[table]["checks"][column] = values
    return schema


def diff(expected: dict, actual: dict) -> list[str]:
    """Readable differences: what the models say (expected) against what the database has (actual)."""
    lines = []
    for table in sorted(set(expected) | set(actual)):
        if table not in actual:
            lines.append(f"table {table}: in the models, missing in the database")
            continue
        if table not in expected:
            lines.append(f"table {table}: in the database, no model")
            continue
        exp, act = expected[table], actual[table]
        for col in sorted(set(exp["columns"]) | set(act["columns"])):
            e, a = exp["columns"].get(col), act["columns"].get(col)
            if e is None:
                lines.append(f"{table}.{col}: in the database, not in the model")
            elif a is None:
                lines.append(f"{table}.{col}: in the model, missing in the database (a migration is missing)")
            else:
                names = ("type", "not null", "default")
                for name, ev, av in zip(names, e, a, strict=True):
                    if name == "default" and (ev is None or av is None):
                        continue  # compared where both declare one (Piccolo supplies defaults on insert)
                    if ev != av:
                        lines.append(f"{table}.{col}: {name} is {av!r} in the database, {ev!r} in the model")
        for index in sorted(exp["indexes"] - act["indexes"]):
            lines.append(f"{table}: index {index} expected, missing in the database")
        for index in sorted(act["indexes"] - exp["indexes"]):
            lines.append(f"{table}: index {index} in the database, not expected")
        for col in sorted(set(exp["foreign_keys"]) | set(act["foreign_keys"])):
            e, a = exp["foreign_keys"].get(col), act["foreign_keys"].get(col)
            if e != a:
                lines.append(f"{table}.{col}: foreign key {a} in the database, {e} in the model")
        for col in sorted(set(exp["checks"]) | set(act["checks"])):
            e, a = exp["checks"].get(col), act["checks"].get(col)
            if e != a:
                lines.append(f"{table}.{col}: allowed values {a} in the database, {e} in the model")
    return lines
