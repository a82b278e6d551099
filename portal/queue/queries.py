"""Reads of the console and the queue: counters, services, visits and history, scoped to the user's units; the one
definition of who is waiting (waiting_condition) that the console, the board, the queue API and the ticket page
share (docs/queue.md)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TypedDict, cast

from portal.db.rows import CounterRow, ServiceRow, UnitRow
from portal.db.tables import Counter, CounterService, Service, Unit, Visit


class UnitListRow(TypedDict):
    """A unit as listed for the console (units_of())."""

    id: int
    slug: str
    name: str
    timezone: str


class CounterServicesRow(CounterRow):
    """A counter with the ids of the services it offers (counters_of_units())."""

    service_ids: list[int]


class VisitRow(TypedDict):
    """Every column of a visit (visit_by_id(), the waiting and open lists, tickets.call_next())."""

    id: int
    unit: int
    service: int
    counter: int | None
    standard_version: int | None
    origin: str  # one of VISIT_ORIGINS
    ticket_number: str | None
    local_day: date
    token: str
    arrived_at: datetime | None
    arrived_source: str | None  # one of SOURCES
    called_at: datetime | None
    called_source: str | None
    served_at: datetime | None
    served_source: str | None
    finished_at: datetime | None
    finished_source: str | None
    delivered_at: datetime | None
    delivered_source: str | None
    outcome: str | None  # one of OUTCOMES
    fee_charged: int | None
    correction_needed: bool | None
    officer: int | None
    survey_offered: bool
    created_at: datetime
    transferred_to: int | None  # the counter a transfer sent the ticket to (it waits for that counter only)
    recalled_at: datetime | None  # the last repeated call on the board


class WaitingRow(VisitRow):
    """A waiting ticket of a counter's list with its service's name (waiting_for_counter())."""

    service_name: str


class HistoryRow(VisitRow):
    """A visit of the history page with its service, counter, unit time zone and officer (history())."""

    service_name: str
    counter_name: str | None
    counter_code: str | None
    timezone: str
    officer_name: str | None


async def units_of(unit_ids: frozenset[int] | None) -> list[UnitListRow]:
    """The units a user reaches (None = all, for admins), by name."""
    query = Unit.select(Unit.id, Unit.slug, Unit.name, Unit.timezone)
    if unit_ids is not None:
        if not unit_ids:
            return []
        query = query.where(Unit.id.is_in(list(unit_ids)))
    return cast("list[UnitListRow]", await query.order_by(Unit.name).run())


async def unit_by_slug(slug: str) -> UnitRow | None:
    return cast("UnitRow | None", await Unit.select().where(Unit.slug == slug).first().run())


async def unit_by_id(unit_id: int) -> UnitRow | None:
    return cast("UnitRow | None", await Unit.select().where(Unit.id == unit_id).first().run())


async def counters_of_units(unit_ids: list[int], active_only: bool = False) -> list[CounterServicesRow]:
    if not unit_ids:
        return []
    condition = Counter.unit.is_in(unit_ids)
    if active_only:
        condition &= Counter.active == True  # noqa: E712
    counters = await Counter.select().where(condition).order_by(Counter.unit).order_by(Counter.name).run()
    links = await CounterService.select(CounterService.counter, CounterService.service).where(
        CounterService.counter.is_in([c["id"] for c in counters] or [0])).run()
    for counter in counters:
        counter["service_ids"] = sorted(r["service"] for r in links if r["counter"] == counter["id"])
    return cast("list[CounterServicesRow]", counters)


async def services_of_units(unit_ids: list[int]) -> list[ServiceRow]:
    if not unit_ids:
        return []
    return cast("list[ServiceRow]", await Service.select().where(Service.unit.is_in(unit_ids)).order_by(
        Service.unit).order_by(Service.name).run())


async def service_by_id(service_id: int) -> ServiceRow | None:
    return cast("ServiceRow | None", await Service.select().where(Service.id == service_id).first().run())


async def service_by_slug(slug: str) -> ServiceRow | None:
    return cast("ServiceRow | None", await Service.select().where(Service.slug == slug).first().run())


async def visit_by_id(visit_id: int) -> VisitRow | None:
    return cast("VisitRow | None", await Visit.select().where(Visit.id == visit_id).first().run())


def waiting_condition(unit_id: int, day: date):
    """Who is waiting (docs/queue.md): a ticket the officer issued (origin "ticket": a visit the citizen recorded
    by scanning the counter's QR is the citizen's own record and never enters the queue) on the unit's local day,
    arrived and neither called, served, finished nor closed by an outcome. The console's list, the board's and the
    queue API's counts and the ticket page's "ahead of you" all filter with this condition."""
    return ((Visit.unit == unit_id) & (Visit.local_day == day) & (Visit.origin == "ticket")
            & Visit.arrived_at.is_not_null() & Visit.called_at.is_null() & Visit.served_at.is_null()
            & Visit.finished_at.is_null() & Visit.delivered_at.is_null() & Visit.outcome.is_null())


def counter_queue_condition(unit_id: int, counter_id: int, service_ids: list[int], day: date):
    """The tickets a counter calls: waiting for one of its services (and not transferred to another counter), or
    transferred to this counter whatever their service."""
    for_services = Visit.transferred_to.is_null() & Visit.service.is_in(service_ids or [0])
    return waiting_condition(unit_id, day) & (for_services | (Visit.transferred_to == counter_id))


#: The order calls take: arrival, then the visit's id (ticket numbers are given in arrival order).
CALL_ORDER = (Visit.arrived_at, Visit.id)


async def waiting_for_counter(unit_id: int, counter_id: int, service_ids: list[int], day: date) -> list[WaitingRow]:
    """Every ticket the counter will call, in the order "call next" takes them (complete: the page pages it)."""
    query = Visit.select(*Visit.all_columns(), Visit.service.name.as_alias("service_name")).where(
        counter_queue_condition(unit_id, counter_id, service_ids, day))
    for column in CALL_ORDER:
        query = query.order_by(column)
    return cast("list[WaitingRow]", await query.run())


def open_condition(counter_id: int, day: date):
    """The ticket in service at a counter: called there on `day`, neither finished nor closed by an outcome (the
    database keeps it to one: m0130's unique index ux_visit_counter_open)."""
    return ((Visit.counter == counter_id) & (Visit.local_day == day) & Visit.called_at.is_not_null()
            & Visit.finished_at.is_null() & Visit.outcome.is_null())


async def current_at_counter(counter_id: int, day: date) -> VisitRow | None:
    """The ticket called to this counter today and still open (waiting to be served, or being served)."""
    return cast("VisitRow | None", await Visit.select().where(open_condition(counter_id, day)).first().run())


async def open_at_counter(counter_id: int, since_day: date) -> list[VisitRow]:
    """Visits of this counter that were called and still need an action (serve, finish, deliver, outcome)."""
    return cast("list[VisitRow]", await Visit.select().where(
        (Visit.counter == counter_id) & (Visit.local_day >= since_day) & Visit.called_at.is_not_null()
        & (Visit.outcome.is_null() | (Visit.delivered_at.is_null() & (Visit.outcome == "completed")
                                      & Visit.finished_at.is_not_null()))
    ).order_by(Visit.called_at, ascending=False).limit(50).run())


async def other_counters(unit_id: int, counter_id: int) -> list[CounterRow]:
    """The unit's other active counters, in the order they stand (codes), for a transfer."""
    return cast("list[CounterRow]", await Counter.select().where(
        (Counter.unit == unit_id) & (Counter.id != counter_id) & (Counter.active == True)  # noqa: E712
    ).order_by(Counter.code).run())


async def history(unit_ids: list[int], since: date, until: date) -> list[HistoryRow]:
    if not unit_ids:
        return []
    visits = await Visit.select(
        *Visit.all_columns(), Visit.service.name.as_alias("service_name"), Visit.counter.name.as_alias("counter_name"),
        Visit.counter.code.as_alias("counter_code"), Visit.unit.timezone.as_alias("timezone"),
        Visit.officer.username.as_alias("officer_name"),
    ).where(Visit.unit.is_in(unit_ids) & (Visit.local_day >= since) & (Visit.local_day <= until)).order_by(
        Visit.id, ascending=False).limit(500).run()
    return cast("list[HistoryRow]", visits)


def history_window(today: date, days: int) -> tuple[date, date]:
    return today - timedelta(days=max(0, days - 1)), today


async def counter_by_id(counter_id: int) -> CounterRow | None:
    return cast("CounterRow | None", await Counter.select().where(Counter.id == counter_id).first().run())
