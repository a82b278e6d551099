"""Live waiting times per service for the public (GET /api/v1/units/{slug}/queue, the unit and service pages) and
for one ticket holder (the ticket page's "N people ahead of you").

Per service of a unit: people waiting now (portal.queue.queries.waiting_condition: today's officer-issued tickets
not yet called, the console's waiting list), counters open (counters offering the service that called someone
within the last hour), the median wait (arrival to call) of the calls in the last hour or "no data", and an
estimate for someone arriving now with its basis stated: (queue position − ½) × the mean interval between the
service's last calls today (at most BASIS_CALLS; at least MIN_CALLS), a throughput estimate in the manner of
Little's law (L = λW, waiting time = queue length / call rate); else the median wait of the last hour; else no
estimate. A ticket holder with N people ahead has queue position N + 1, so the same rule gives (N + ½) × the
interval (`estimate_at`). Whether the service is open today follows the unit's working days: weekends, national
holidays (and cuti bersama when the unit closes on them) from the `holidays` package, and the unit's own
closures (survey.clock.holiday_calendar); the data model has no opening hours, so none is claimed.

Cost: two indexed reads bounded by the unit's open tickets of today and its last calls (LIMIT), plus the counters;
the result is cached in process for CACHE_SECONDS, so polling clients share it. A ticket's position is one count
over the same open tickets. No personal data: counts and minutes only.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import msgspec
import numpy as np

from portal.db.tables import Counter, CounterService, Service, Visit
from portal.insight.aggregate import closures_of
from portal.queue import board, queries
from portal.queue.queries import UnitRow, VisitRow
from portal.queue.schemas import QueueState
from portal.timeutil import local_day, local_midnight_utc, utcnow
from survey.clock import holiday_calendar

CACHE_SECONDS = 3.0
BASIS_CALLS = 20
MIN_CALLS = 3
RECENT_CALLS_LIMIT = 500  # the unit's latest calls today read per refresh (covers BASIS_CALLS per service)
HOUR = timedelta(hours=1)


class ServiceWait(msgspec.Struct):
    """Waiting time of one service now. `estimate_basis`: calls (the mean interval between the last
    `basis_calls` calls today), median_last_hour, nobody_waiting, closed or no_data."""

    service: str
    name: str
    name_en: str
    waiting: int
    counters_open: int
    counters_total: int
    median_wait_minutes: float | None
    median_wait_calls: int
    estimate_minutes: int | None
    estimate_basis: str
    basis_calls: int
    open_today: bool
    closed_reason: str | None = None  # weekend | holiday | closure
    call_interval_minutes: float | None = None  # mean interval between the basis calls (basis "calls" only)


class LiveQueue(QueueState):
    """The board's queue state plus waiting times per service (and when they were computed)."""

    services: list[ServiceWait] = []
    open_today: bool = True
    closed_reason: str | None = None
    as_of: str = ""
    cache_seconds: float = CACHE_SECONDS


_cache: dict[int, tuple[float, int, LiveQueue]] = {}


def closed_reason(unit: UnitRow, day: date) -> str | None:
    """Why the unit is closed on `day` (weekend, holiday, closure), or None on a working day."""
    if day.isoformat() in closures_of(unit):
        return "closure"
    if day.weekday() >= 5:
        return "weekend"
    calendar = holiday_calendar(day.year, (), cuti_bersama=bool(unit.get("cuti_bersama", True)))
    if np.datetime64(day, "D") in calendar:
        return "holiday"
    return None


def call_interval(call_times: list) -> float | None:
    """The mean interval in minutes between the service's last calls today (full precision); None below
    MIN_CALLS calls."""
    if len(call_times) < MIN_CALLS:
        return None
    return (max(call_times) - min(call_times)).total_seconds() / 60 / (len(call_times) - 1)


def estimate(waiting: int, counters_open: int, call_times: list, median_minutes: float | None,
             reason: str | None) -> tuple[int | None, str, int]:
    """(minutes, basis, calls used) for someone arriving now, behind `waiting` people; see the module docstring."""
    if reason is not None:
        return None, "closed", 0
    if waiting == 0 and counters_open > 0:
        return 0, "nobody_waiting", 0
    interval = call_interval(call_times)
    if interval is not None:
        return round((waiting + 0.5) * interval), "calls", len(call_times)
    if median_minutes is not None:
        return round(median_minutes), "median_last_hour", 0
    return None, "no_data", 0


def estimate_at(ahead: int, service: ServiceWait) -> tuple[int | None, str]:
    """(minutes, basis) for a ticket holder with `ahead` people in front: the same rule as `estimate` with the
    queue position ahead + 1 (so the figures agree with the API's estimate for the service)."""
    if not service.open_today:
        return None, "closed"
    if ahead == 0 and service.counters_open > 0:
        return 0, "nobody_waiting"
    if service.call_interval_minutes is not None:
        return round((ahead + 0.5) * service.call_interval_minutes), "calls"
    if service.median_wait_minutes is not None:
        return round(service.median_wait_minutes), "median_last_hour"
    return None, "no_data"


async def compute(unit: UnitRow) -> LiveQueue:
    now = utcnow()
    today = local_day(unit["timezone"], now)
    reason = closed_reason(unit, today)
    services = await Service.select(Service.id, Service.slug, Service.name, Service.name_en).where(
        (Service.unit == unit["id"]) & (Service.active == True)  # noqa: E712
    ).order_by(Service.name).run()
    counters = await Counter.select(Counter.id).where(
        (Counter.unit == unit["id"]) & (Counter.active == True)).run()  # noqa: E712
    links = await CounterService.select(CounterService.counter, CounterService.service).where(
        CounterService.counter.is_in([c["id"] for c in counters] or [0])).run()
    waiting = await Visit.select(Visit.service).where(  # the console's waiting list (queue.queries)
        queries.waiting_condition(unit["id"], today)).run()
    calls = await Visit.select(Visit.service, Visit.counter, Visit.arrived_at, Visit.called_at).where(
        (Visit.unit == unit["id"]) & (Visit.called_at >= local_midnight_utc(unit["timezone"], today))
        & (Visit.called_at <= now)
    ).order_by(Visit.called_at, ascending=False).limit(RECENT_CALLS_LIMIT).run()
    result = []
    for s in services:
        counter_ids = {link["counter"] for link in links if link["service"] == s["id"]}
        mine = [c for c in calls if c["service"] == s["id"]]
        last_hour = [c for c in mine if c["called_at"] >= now - HOUR]
        active = {c["counter"] for c in last_hour if c["counter"] in counter_ids}
        waits = [(c["called_at"] - c["arrived_at"]).total_seconds() / 60 for c in last_hour if c["arrived_at"]]
        median = round(float(np.median(waits)), 1) if waits else None
        n_waiting = sum(1 for v in waiting if v["service"] == s["id"])
        basis_times = [c["called_at"] for c in mine[:BASIS_CALLS]]
        minutes, basis, used = estimate(n_waiting, len(active), basis_times, median, reason)
        result.append(ServiceWait(
            service=s["slug"], name=s["name"], name_en=s["name_en"] or "", waiting=n_waiting,
            counters_open=len(active), counters_total=len(counter_ids), median_wait_minutes=median,
            median_wait_calls=len(waits), estimate_minutes=minutes, estimate_basis=basis, basis_calls=used,
            open_today=reason is None, closed_reason=reason,
            call_interval_minutes=call_interval(basis_times) if reason is None else None))
    state = await board.queue_state(unit)
    return LiveQueue(**{f: getattr(state, f) for f in state.__struct_fields__}, services=result,
                     open_today=reason is None, closed_reason=reason, as_of=now.isoformat())


async def live(unit: UnitRow) -> LiveQueue:
    """The unit's live queue with waiting times, at most CACHE_SECONDS old (per process), and recomputed at once
    after a queue event published by this process (board.changes_of)."""
    found = _cache.get(unit["id"])
    changes = board.changes_of(unit["id"])
    if found is not None and found[0] > time.monotonic() and found[1] == changes:
        return found[2]
    state = await compute(unit)
    if len(_cache) > 1024:
        _cache.clear()
    _cache[unit["id"]] = (time.monotonic() + CACHE_SECONDS, changes, state)
    return state


def of_service(state: LiveQueue, slug: str) -> ServiceWait | None:
    return next((s for s in state.services if s.service == slug), None)


class Position(msgspec.Struct):
    """Where one waiting ticket stands: people ahead and the estimate for it (estimate_at)."""

    ahead: int
    estimate_minutes: int | None
    estimate_basis: str


async def position(visit: VisitRow, unit: UnitRow) -> Position | None:
    """People ahead of a waiting ticket in the order calls take (queries.CALL_ORDER): tickets of its service not
    transferred elsewhere, or, for a ticket transferred to a counter, that counter's queue; None when the visit is
    not waiting (called, served, finished, closed, or a citizen's own scan visit)."""
    today = local_day(unit["timezone"], utcnow())
    if visit["local_day"] != today:
        return None
    waiting = queries.waiting_condition(unit["id"], today)
    if not await Visit.exists().where(waiting & (Visit.id == visit["id"])).run():
        return None
    if visit["transferred_to"] is not None:
        links = await CounterService.select(CounterService.service).where(
            CounterService.counter == visit["transferred_to"]).run()
        line = queries.counter_queue_condition(unit["id"], visit["transferred_to"], [r["service"] for r in links],
                                               today)
    else:
        line = waiting & (Visit.service == visit["service"]) & Visit.transferred_to.is_null()
    arrived = visit["arrived_at"]
    earlier = (Visit.arrived_at < arrived) | ((Visit.arrived_at == arrived) & (Visit.id < visit["id"]))
    ahead = await Visit.count().where(line & earlier).run()
    service = await Service.select(Service.slug).where(Service.id == visit["service"]).first().run()
    wait = of_service(await live(unit), service["slug"]) if service else None
    minutes, basis = estimate_at(ahead, wait) if wait is not None else (None, "no_data")
    return Position(ahead=ahead, estimate_minutes=minutes, estimate_basis=basis)
