"""The database refuses impossible queue states on whichever engine the session runs (m0130, issue 23): a call after
the finish (or any pair of stage times out of order: portal.db.checks.ORDERED_TIMES) and a second open ticket at
one counter; the migration stops, changing nothing, on a database that already holds such visits."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import timedelta

import pytest

from portal.db import checks
from portal.db.engine import EmbeddedSQLiteEngine, is_unique_violation
from portal.db.migrate import migration_name
from portal.db.migrations import MIGRATIONS
from portal.db.tables import Visit
from portal.timeutil import local_day, utcnow
from tests.factories import make_counter, make_service, make_unit


def _refused(exc: BaseException, constraint: str) -> bool:
    """A CHECK violation on either engine: asyncpg's CheckViolationError or the SQLite trigger's ABORT."""
    if isinstance(exc, sqlite3.IntegrityError):
        return constraint in str(exc)
    import asyncpg

    return isinstance(exc, asyncpg.CheckViolationError) and exc.constraint_name == constraint


async def _visit(unit: dict, service: dict, counter: dict | None = None, **times) -> int:
    now = utcnow()
    rows = await Visit.insert(Visit(
        unit=unit["id"], service=service["id"], counter=counter["id"] if counter else None, origin="ticket",
        local_day=local_day(unit["timezone"], now), token=uuid.uuid4().hex, **times,
    )).returning(Visit.id).run()
    return rows[0]["id"]


async def test_a_call_after_the_finish_is_refused_by_the_database(app):
    unit = await make_unit()
    service = await make_service(unit)
    now = utcnow()
    ghost = await _visit(unit, service, arrived_at=now - timedelta(minutes=20), served_at=now - timedelta(minutes=15),
                         finished_at=now - timedelta(minutes=10))
    with pytest.raises(Exception) as caught:  # the ghost: called 10 minutes after it was finished
        await Visit.update({Visit.called_at: now}).where(Visit.id == ghost).run()
    assert _refused(caught.value, "visit_order_called_finished"), caught.value
    row = await Visit.select(Visit.called_at).where(Visit.id == ghost).first().run()
    assert row == {"called_at": None}
    await Visit.update({Visit.called_at: now - timedelta(minutes=18)}).where(Visit.id == ghost).run()  # in order


@pytest.mark.parametrize("pair", checks.ORDERED_TIMES["visit"], ids="-".join)
async def test_every_pair_of_stage_times_is_kept_in_order(app, pair):
    earlier, later = pair
    unit = await make_unit()
    service = await make_service(unit)
    now = utcnow()
    name = f"visit_order_{earlier.removesuffix('_at')}_{later.removesuffix('_at')}"
    with pytest.raises(Exception) as caught:  # on insert
        await _visit(unit, service, **{earlier: now, later: now - timedelta(seconds=1)})
    assert _refused(caught.value, name), caught.value
    visit_id = await _visit(unit, service, **{earlier: now, later: now})  # the same instant is in order
    with pytest.raises(Exception) as caught:  # and on update
        await Visit.update({getattr(Visit, later): now - timedelta(minutes=1)}).where(Visit.id == visit_id).run()
    assert _refused(caught.value, name), caught.value


async def test_one_open_ticket_per_counter_and_day(app):
    unit = await make_unit()
    service = await make_service(unit)
    counter = await make_counter(unit, [service])
    now = utcnow()
    await _visit(unit, service, counter, arrived_at=now, called_at=now)
    with pytest.raises(Exception) as caught:
        await _visit(unit, service, counter, arrived_at=now, called_at=now)
    assert is_unique_violation(caught.value)
    # a finished or closed ticket leaves the counter free
    await _visit(unit, service, counter, arrived_at=now, called_at=now, served_at=now, finished_at=now)
    await _visit(unit, service, counter, arrived_at=now, called_at=now, outcome="no_show")


async def test_existing_ghost_visits_stop_the_migration(tmp_path):
    """A database where a self-recorded visit was called after its finish, or a counter holds two open tickets,
    is not half-migrated: m0130 names the visits and changes nothing; once they are corrected it applies."""
    from portal.db.migrations import m0130_queue_order as m0130

    engine = EmbeddedSQLiteEngine(path=str(tmp_path / "old.sqlite3"))
    try:
        for module in MIGRATIONS:
            if migration_name(module) < "m0130":
                await module.forwards(engine)
        await engine.run_ddl("INSERT INTO government (slug, name, kind, province) VALUES ('k', 'Kota', 'kota', '')")
        await engine.run_ddl("INSERT INTO unit (government, slug, name, kind, timezone) VALUES "
                             "(1, 'u', 'Unit', 'OPD', 'Asia/Jakarta')")
        await engine.run_ddl("INSERT INTO service (unit, slug, name) VALUES (1, 's', 'Layanan')")
        await engine.run_ddl("INSERT INTO counter (unit, code, name) VALUES (1, 'L1', 'Loket 1')")
        await engine.run_ddl(
            "INSERT INTO visit (unit, service, counter, origin, local_day, token, arrived_at, served_at, finished_at, "
            "called_at) VALUES (1, 1, 1, 'scan', '2026-05-04', 'ghost', '2026-05-04 02:40:00+00:00', "
            "'2026-05-04 02:45:00+00:00', '2026-05-04 02:54:00+00:00', '2026-05-04 03:04:00+00:00')")
        for token in ("a", "b"):
            await engine.run_ddl(
                "INSERT INTO visit (unit, service, counter, origin, ticket_number, local_day, token, arrived_at, "
                f"called_at) VALUES (1, 1, 1, 'ticket', 'A-00{token == 'b' and 2 or 1}', '2026-05-04', '{token}', "
                "'2026-05-04 02:00:00+00:00', '2026-05-04 02:10:00+00:00')")
        with pytest.raises(m0130.QueueOrderViolations) as caught:
            await m0130.forwards(engine)
        message = str(caught.value)
        assert "1 visit(s) with called_at before" not in message
        assert "visit 1 (scan): finished_at 2026-05-04 02:54:00+00:00 before called_at" in message
        assert "counter 1 on 2026-05-04: 2 tickets called and neither finished nor closed" in message
        columns = {c["name"] for c in await engine.run_ddl('PRAGMA table_info("visit")')}
        assert "transferred_to" not in columns  # nothing changed

        await engine.run_ddl("UPDATE visit SET called_at = NULL, called_source = NULL WHERE token = 'ghost'")
        await engine.run_ddl("UPDATE visit SET outcome = 'no_show' WHERE token = 'a'")
        await m0130.forwards(engine)
        with pytest.raises(sqlite3.IntegrityError, match="visit_order_called_finished"):
            await engine.run_ddl("UPDATE visit SET called_at = '2026-05-04 03:04:00+00:00' WHERE token = 'ghost'")
    finally:
        await engine.close()
