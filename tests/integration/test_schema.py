"""The migrations reproduce the models: this session's migrated database (SQLite or PostgreSQL, whichever the
session runs on) has exactly the tables, columns, types, nullability, defaults, indexes, foreign keys and CHECK
constraints the Piccolo tables (and the migrations' composite indexes) describe."""

from __future__ import annotations

from piccolo.columns import Varchar
from piccolo.engine.postgres import PostgresEngine

from portal.db.engine import all_tables, current_engine
from tests.integration.schema_support import database_schema, diff, model_schema


async def _differences(tables) -> list[str]:
    engine = current_engine()
    expected = model_schema(tables, isinstance(engine, PostgresEngine))
    return diff(expected, await database_schema(engine))


async def test_migrated_database_matches_the_models(app):
    differences = await _differences(all_tables())
    assert not differences, "schema differs from the models:\n  " + "\n  ".join(differences)


async def test_a_model_column_without_a_migration_is_reported(app):
    from portal.db.tables import Counter

    class CounterWithExtra(Counter, tablename="counter", db=current_engine()):  # a column added, no migration
        nickname = Varchar(length=20, default="")

    tables = [CounterWithExtra if t is Counter else t for t in all_tables()]
    differences = await _differences(tables)
    assert differences == ["counter.nickname: in the model, missing in the database (a migration is missing)"]
