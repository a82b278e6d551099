"""The typed rows of the queue, complaints and kiosk queries (TypedDicts) match what the driver returns, on SQLite
and PostgreSQL alike: the same keys, and every value of the declared Python type (dates as date, times as datetime,
booleans as bool, JSON as text)."""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from typing import Any, NotRequired, get_args, get_origin, get_type_hints

from portal.accounts.auth import CurrentUser
from portal.complaints import insight as complaint_insight
from portal.complaints import queries as complaint_queries
from portal.complaints import services as complaint_services
from portal.complaints.schemas import ComplaintInput
from portal.db.tables import Unit
from portal.kiosk import queries as kiosk_queries
from portal.kiosk import services as kiosk_services
from portal.queue import queries, tickets
from portal.timeutil import local_day
from tests.factories import make_user
from tests.integration.queue_support import world


def _matches(value: Any, annotation: Any) -> bool:
    if isinstance(annotation, types.UnionType) or get_origin(annotation) is typing.Union:
        return any(_matches(value, a) for a in get_args(annotation))
    if annotation is type(None):
        return value is None
    if typing.is_typeddict(annotation):  # a nested row (a service's standard in force)
        try:
            check(value, annotation)
        except AssertionError:
            return False
        return True
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        return isinstance(value, list) and all(_matches(v, item) for v in value)
    if annotation is int:
        return type(value) is int  # not a bool
    if annotation is bytes:
        return isinstance(value, bytes | bytearray | memoryview)
    if annotation is date:
        return type(value) is date  # not a datetime
    return isinstance(value, annotation)


def check(row: Any, typed: type) -> None:
    """`row` has the TypedDict's required keys, no key it does not declare, and values of the declared types."""
    assert row is not None
    hints = get_type_hints(typed)
    # Not __required_keys__: with postponed annotations Python 3.11 does not see NotRequired there.
    required = {k for k, v in get_type_hints(typed, include_extras=True).items() if get_origin(v) is not NotRequired}
    assert required <= set(row), (typed.__name__, required - set(row))
    assert set(row) <= set(hints), (typed.__name__, set(row) - set(hints))
    wrong = {k: (type(v).__name__, hints[k]) for k, v in row.items() if not _matches(v, hints[k])}
    assert not wrong, (typed.__name__, wrong)


async def test_queue_rows_are_what_their_typed_dicts_say(client):
    w = await world()
    unit_id = w["unit"]["id"]
    await Unit.update({Unit.maklumat_date: date(2026, 1, 2)}).where(Unit.id == unit_id).run()
    unit = await queries.unit_by_id(unit_id)
    check(unit, queries.UnitRow)
    assert unit is not None
    check(await queries.unit_by_slug(unit["slug"]), queries.UnitRow)
    for row in await queries.units_of(frozenset({unit_id})):
        check(row, queries.UnitListRow)
    counters = await queries.counters_of_units([unit_id])
    assert counters
    for row in counters:
        check(row, queries.CounterServicesRow)
    counter = await queries.counter_by_id(w["counter"]["id"])
    check(counter, queries.CounterRow)
    check(await tickets.counter_by_code(w["counter"]["code"]), queries.CounterRow)
    assert counter is not None
    services = await queries.services_of_units([unit_id])
    assert services
    for row in [*services, *await tickets.counter_services(counter["id"])]:
        check(row, queries.ServiceRow)
    check(await queries.service_by_slug(services[0]["slug"]), queries.ServiceRow)

    officer = await make_user("officer", [w["unit"]])
    day = local_day(unit["timezone"])
    for _ in range(2):
        await tickets.issue(unit=unit, service_id=services[0]["id"], counter_id=counter["id"],
                            officer_id=officer["id"], standard_version_id=None, secret_key="k")
    waiting = await queries.waiting_for_counter(unit_id, counter["id"], [s["id"] for s in services], day)
    assert len(waiting) == 2
    for row in waiting:
        check(row, queries.WaitingRow)
    visit = await tickets.call_next(unit_id, counter["id"], day, officer["id"])
    check(visit, queries.VisitRow)
    assert visit is not None
    check(await queries.current_at_counter(counter["id"], day), queries.VisitRow)
    for row in await queries.other_counters(unit_id, counter["id"]):
        check(row, queries.CounterRow)
    await tickets.start(visit, officer["id"])
    await tickets.finish(visit, officer["id"])
    await tickets.deliver(visit, officer["id"])
    await tickets.record_outcome(visit, "completed", 0, False, officer["id"])
    done = await queries.visit_by_id(visit["id"])
    check(done, queries.VisitRow)
    assert done is not None and done["delivered_at"] is not None and done["correction_needed"] is False
    for row in await queries.open_at_counter(counter["id"], day):
        check(row, queries.VisitRow)
    history = await queries.history([unit_id], day, day)
    assert len(history) == 2
    for row in history:
        check(row, queries.HistoryRow)


async def test_complaint_and_kiosk_rows_are_what_their_typed_dicts_say(client):
    w = await world()
    unit = await complaint_queries.unit_by_id(w["unit"]["id"])
    check(unit, complaint_queries.UnitRow)
    assert unit is not None
    check(await complaint_queries.unit_by_slug(unit["slug"]), complaint_queries.UnitRow)
    for row in await complaint_queries.units([unit["id"]]):
        check(row, complaint_queries.UnitListRow)
    service = w["services"][0]
    check(await complaint_queries.service_by_slug(service["slug"]), complaint_queries.ServiceRow)
    check(await complaint_queries.service_by_id(service["id"]), complaint_queries.ServiceRow)
    for row in await complaint_queries.services_of_units([unit["id"]]):
        check(row, complaint_queries.ServiceListRow)
    check(await complaint_queries.counter_by_code(w["counter"]["code"]), complaint_queries.CounterRow)
    check(await complaint_queries.counter_by_id(w["counter"]["id"]), complaint_queries.CounterRow)

    code, _ = await complaint_services.file_complaint(
        ComplaintInput("overcharge", "diminta bayar", date(2026, 1, 5), 20_000, "0812"), unit=unit,
        service_id=service["id"], counter_id=w["counter"]["id"], nonce="typed-rows-nonce")
    found = await complaint_queries.by_code(code)
    check(found, complaint_queries.ComplaintRow)
    assert found is not None and "contact" not in found
    with_contact = await complaint_queries.by_id(found["id"], with_contact=True)
    check(with_contact, complaint_queries.ComplaintRow)
    assert with_contact is not None and with_contact.get("contact") == "0812"
    check(await complaint_queries.by_nonce("typed-rows-nonce"), complaint_queries.CodeRow)
    manager = await make_user("manager", [w["unit"]])
    actor = CurrentUser(manager["id"], manager["username"], manager["username"], "manager",
                                           frozenset({unit["id"]}))
    await complaint_services.transition(found["id"], "classify", actor, {"severity": "light"})
    await complaint_services.transition(found["id"], "answer", actor, {"answer": "Dikembalikan."})
    rows = await complaint_queries.register([unit["id"]], {}, {unit["id"]: local_day(unit["timezone"])})
    assert rows
    for row in rows:
        check(row, complaint_queries.RegisterRow)
    day = local_day(unit["timezone"])
    for row in await complaint_queries.export_rows(unit["id"], day, day, True):
        check(row, complaint_queries.ComplaintRow)
    for row in await complaint_queries.history(found["id"]):
        check(row, complaint_queries.HistoryRow)
    figures = await complaint_insight.figures([unit], None, day, day)
    assert figures["received"] == 1

    counter = await kiosk_queries.counter_by_code(w["counter"]["code"])
    check(counter, kiosk_queries.CounterRow)
    check(await kiosk_queries.counter_by_id(w["counter"]["id"]), kiosk_queries.CounterRow)
    for row in await kiosk_queries.counters_of_units([unit["id"]]):
        check(row, kiosk_queries.CounterRow)
    assert counter is not None
    kiosk_id, pairing = await kiosk_services.create(counter, "Tablet", None)
    check(await kiosk_queries.kiosk_by_pairing(pairing, datetime.now().astimezone()), kiosk_queries.KioskRow)
    paired = await kiosk_services.pair(pairing)
    assert paired is not None
    check(paired[0], kiosk_queries.KioskRow)
    check(await kiosk_queries.kiosk_by_token(paired[1]), kiosk_queries.KioskRow)
    check(await kiosk_queries.kiosk_by_id(kiosk_id), kiosk_queries.KioskRow)
    for row in await kiosk_queries.kiosks_of_units([unit["id"]]):
        check(row, kiosk_queries.KioskListRow)
    issued = await tickets.issue(unit=unit, service_id=service["id"], counter_id=counter["id"],
                                 officer_id=manager["id"], standard_version_id=None, secret_key="k")
    visit = await queries.visit_by_id(issued.visit_id)
    assert visit is not None
    await tickets.call(visit, counter["id"], manager["id"])
    await tickets.start(visit, manager["id"])
    served = await kiosk_queries.visit_served_at(counter["id"], service["id"], datetime.now().astimezone())
    check(served, kiosk_queries.ServedVisitRow)
