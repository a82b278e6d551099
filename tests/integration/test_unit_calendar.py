"""Cuti bersama per unit (migration m0070): counted as non-working days by default, switchable with
`portal unit-calendar`, and the published time figures follow."""

from __future__ import annotations

import json
from datetime import date

from portal.db.engine import current_engine
from portal.db.migrate import applied, migrate
from portal.db.migrations.m0070_unit_cuti_bersama import COLUMN
from portal.db.tables import AuditLog, Unit
from tests.factories import make_service, make_unit, uid
from tests.integration.test_insight_support import add_visit, at, run_cli


async def test_migration_column_ddl_runs_on_this_engine(app):
    engine = current_engine()
    table = f"m0070_probe_{uid('t').replace('-', '_')}"
    await engine.run_ddl(f"CREATE TABLE {table} (id INTEGER)")
    try:
        await engine.run_ddl(f"INSERT INTO {table} (id) VALUES (1)")
        await engine.run_ddl(f"ALTER TABLE {table} ADD COLUMN {COLUMN}")  # the migration's own text
        rows = await engine.run_ddl(f"SELECT cuti_bersama FROM {table}")
        assert [bool(r["cuti_bersama"]) for r in rows] == [True]  # existing rows take the default
    finally:
        await engine.run_ddl(f"DROP TABLE {table}")
    # Migrations are frozen and run once each: the runner knows m0070 is applied and runs nothing again.
    assert "m0070_unit_cuti_bersama" in await applied(engine)
    assert await migrate(engine) == []


async def _within(client, service) -> tuple[int, int]:
    r = await client.get(f"/api/v1/services/{service['slug']}/results?from=2026-03-01&to=2026-03-31")
    assert r.status_code == 200, r.text
    return r.json()["time"]["within"], r.json()["time"]["n"]


async def test_cuti_bersama_counted_by_default_and_switchable(client, settings, capsys):
    unit = await make_unit(timezone="Asia/Jakarta")
    assert unit["cuti_bersama"] in (True, 1)  # default on
    service = await make_service(unit, time_limit=(1, "working_days"))
    # Thu 19 Mar 2026 (Nyepi) -> Wed 25 Mar: Fri 20, Mon 23, Tue 24 are cuti bersama Idul Fitri, so the
    # product came 1 working day later (within the limit of 1); a unit open on cuti bersama counts 4.
    await add_visit(unit, service, at(unit, date(2026, 3, 19), 9), delivered_at=at(unit, date(2026, 3, 25), 10))
    assert await _within(client, service) == (1, 1)

    code, out = await run_cli(settings, ["unit-calendar", "--unit", unit["slug"], "--cuti-bersama", "open"], capsys)
    assert code == 0 and "open (working days)" in out and "rebuilt rollups of 1 services" in out
    row = await Unit.select(Unit.cuti_bersama).where(Unit.id == unit["id"]).first().run()
    assert not row["cuti_bersama"]
    assert await _within(client, service) == (0, 1)
    audit = await AuditLog.select().where((AuditLog.entity == "unit") & (AuditLog.entity_id == unit["id"])).run()
    assert [a["action"] for a in audit] == ["unit_calendar_changed"]
    assert json.loads(audit[0]["details"])["changes"]["cuti_bersama"] == {"before": True, "after": False}

    code, out = await run_cli(settings, ["unit-calendar", "--unit", unit["slug"]], capsys)
    assert code == 0 and "open (working days)" in out
    code, out = await run_cli(settings, ["unit-calendar", "--unit", unit["slug"], "--cuti-bersama", "closed"], capsys)
    assert code == 0 and "closed (non-working days)" in out
    assert await _within(client, service) == (1, 1)
    code, _ = await run_cli(settings, ["unit-calendar", "--unit", "no-such-unit", "--cuti-bersama", "open"], capsys)
    assert code == 2
