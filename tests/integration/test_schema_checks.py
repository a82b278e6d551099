"""Enum-like columns accept only their declared values (m0110, issue 16), on whichever engine the session runs:
the database refuses an out-of-range insert or update, lets NULL through where the column is nullable, and the
schema test notices a value declared in portal.db.checks without a migration."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest
from piccolo.engine.postgres import PostgresEngine

from portal.db import checks
from portal.db.engine import EmbeddedSQLiteEngine, all_tables, current_engine
from portal.db.migrate import migration_name
from portal.db.migrations import MIGRATIONS
from portal.db.tables import SurveyResponse, User
from tests.factories import make_service, make_unit, uid
from tests.integration.schema_support import database_schema, diff, model_schema


def _refused(exc: BaseException, constraint: str) -> bool:
    """A CHECK violation on either engine: asyncpg's CheckViolationError or the SQLite trigger's ABORT."""
    if isinstance(exc, sqlite3.IntegrityError):
        return constraint in str(exc)
    import asyncpg

    return isinstance(exc, asyncpg.CheckViolationError) and exc.constraint_name == constraint


async def _response(service: dict, **values) -> int:
    row = SurveyResponse(service=service["id"], unit=service["unit"], local_day=date(2026, 3, 2), u1=4, **values)
    rows = await SurveyResponse.insert(row).returning(SurveyResponse.id).run()
    return rows[0]["id"]


async def test_out_of_range_values_are_refused_by_the_database(app):
    unit = await make_unit()
    service = await make_service(unit)
    with pytest.raises(Exception) as caught:
        await _response(service, channel="fax")
    assert _refused(caught.value, "ck_survey_response_channel"), caught.value
    with pytest.raises(Exception) as caught:
        await User.insert(User(username=uid("root"), password_hash="x", role="root")).run()
    assert _refused(caught.value, "ck_portal_user_role"), caught.value
    assert not await User.exists().where(User.role == "root").run()

    response_id = await _response(service, channel="kiosk", sex=None, count_reason=None)  # NULL where nullable
    with pytest.raises(Exception) as caught:  # an update is checked too
        await SurveyResponse.update({SurveyResponse.sex: "other"}).where(SurveyResponse.id == response_id).run()
    assert _refused(caught.value, "ck_survey_response_sex"), caught.value
    await SurveyResponse.update({SurveyResponse.sex: "female", SurveyResponse.count_reason: "kiosk"}).where(
        SurveyResponse.id == response_id).run()
    row = await SurveyResponse.select(SurveyResponse.sex).where(SurveyResponse.id == response_id).first().run()
    assert row == {"sex": "female"}


async def test_every_declared_value_is_accepted(app):
    """The other way round: values the tuples declare are stored (the schema test compares the full lists)."""
    unit = await make_unit(kind="UPT")
    service = await make_service(unit)
    for channel in checks.ALLOWED_VALUES[("survey_response", "channel")]:
        await _response(service, channel=channel, sex="male", age_band="56+", education="D1-D3",
                        occupation="lainnya", product_correct="not_yet", count_reason="manager_out", language="en")


async def test_a_value_declared_without_a_migration_is_reported(app, monkeypatch):
    engine = current_engine()
    postgres = isinstance(engine, PostgresEngine)
    actual = await database_schema(engine)
    assert diff(model_schema(all_tables(), postgres), actual) == []

    channels = checks.ALLOWED_VALUES[("survey_response", "channel")]
    monkeypatch.setitem(checks.ALLOWED_VALUES, ("survey_response", "channel"), (*channels, "fax"))
    monkeypatch.setitem(checks.ALLOWED_VALUES, ("counter", "code"), ("A", "B"))
    differences = diff(model_schema(all_tables(), postgres), actual)
    assert [d.split(":")[0] for d in differences] == ["counter.code", "survey_response.channel"], differences
    assert "'fax'" in differences[1] and "None in the database" in differences[0]


async def test_existing_rows_outside_the_sets_stop_the_migration(tmp_path):
    """A database holding a value the portal never wrote (entered by hand) is not half-migrated: m0110 names the
    rows and changes nothing; once they are corrected it applies."""
    from portal.db.migrations import m0110_check_constraints as m0110

    engine = EmbeddedSQLiteEngine(path=str(tmp_path / "old.sqlite3"))
    try:
        for module in MIGRATIONS:
            if migration_name(module) < "m0110":
                await module.forwards(engine)
        await engine.run_ddl("INSERT INTO government (slug, name, kind, province) VALUES ('k', 'Kota', 'negara', '')")
        with pytest.raises(m0110.DisallowedValues) as caught:
            await m0110.forwards(engine)
        assert "government.kind = 'negara': 1 row(s)" in str(caught.value)
        triggers = await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'check%'")
        assert triggers == []

        await engine.run_ddl("UPDATE government SET kind = 'kota'")
        await m0110.forwards(engine)
        triggers = await engine.run_ddl("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'check%'")
        assert len(triggers) == 2 * len(m0110.CHECKS)
        with pytest.raises(sqlite3.IntegrityError, match="ck_government_kind"):
            await engine.run_ddl("UPDATE government SET kind = 'negara'")
    finally:
        await engine.close()
