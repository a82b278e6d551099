"""Live waiting times per service for the public (GET /api/v1/units/{slug}/queue, the unit and service pages).

Per service of a unit: people waiting now (today's tickets not yet called, the console's waiting list), counters
open (counters offering the service that called someone within the last hour), the median wait (arrival to call)
of the calls in the last hour or "no data", and an estimate for someone arriving now with its basis stated:
(queue position − ½) × the mean interval between the service's last calls today (at most BASIS_CALLS; at least
MIN_CALLS), a throughput estimate in the manner of Little's law (L = λW, waiting time = queue length / call
rate); else the median wait of the last hour; else no estimate. Whether the service is open today follows the
unit's working days: weekends, national holidays (and cuti bersama when the unit closes on them) from the
`holidays` package, and the unit's own closures (survey.clock.holiday_calendar); the data model has no opening
hours, so none is claimed.

Cost: two indexed reads bounded by the unit's open tickets of today and its last calls (LIMIT), plus the counters;
the result is cached in process for CACHE_SECONDS, so polling clients share it. No personal data: counts and
minutes only.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import msgspec
import numpy as np

from portal.db.tables import Counter, CounterService, Service, Visit
from portal.insight.aggregate import closures_of
from portal.queue import board
from portal.queue.queries import UnitRow
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


class LiveQueue(QueueState):
    """The board's queue state plus waiting times per service (and when they were computed)."""

    services: list[ServiceWait] = []
    open_today: bool = True
    closed_reason: str | None = None
    as_of: str = ""
    cache_seconds: float = CACHE_SECONDS


_cache: dict[int, tuple[float, LiveQueue]] = {}


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


def estimate(waiting: int, counters_open: int, call_times: list, median_minutes: float | None,
             reason: str | None) -> tuple[int | None, str, int]:
    """(minutes, basis, calls used) for someone arriving now; see the module docstring for the rule."""
    if reason is not None:
        return None, "closed", 0
    if waiting == 0 and counters_open > 0:
        return 0, "nobody_waiting", 0
    if len(call_times) >= MIN_CALLS:
        span = (max(call_times) - min(call_times)).total_seconds() / 60
        interval = span / (len(call_times) - 1)
        return round((waiting + 0.5) * interval), "calls", len(call_times)
    if median_minutes is not None:
        return round(median_minutes), "median_last_hour", 0
    return None, "no_data", 0


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
        (Visit.unit == unit["id"]) & (Visit.local_day == today) & Visit.called_at.is_null() & Visit.outcome.is_null()
    ).run()
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
        minutes, basis, used = estimate(n_waiting, len(active), [c["called_at"] for c in mine[:BASIS_CALLS]],
                                        median, reason)
        result.append(ServiceWait(
            service=s["slug"], name=s["name"], name_en=s["name_en"] or "", waiting=n_waiting,
            counters_open=len(active), counters_total=len(counter_ids), median_wait_minutes=median,
            median_wait_calls=len(waits), estimate_minutes=minutes, estimate_basis=basis, basis_calls=used,
            open_today=reason is None, closed_reason=reason))
    state = await board.queue_state(unit)
    return LiveQueue(**{f: getattr(state, f) for f in state.__struct_fields__}, services=result,
                     open_today=reason is None, closed_reason=reason, as_of=now.isoformat())


async def live(unit: UnitRow) -> LiveQueue:
    """The unit's live queue with waiting times, at most CACHE_SECONDS old (per process)."""
    found = _cache.get(unit["id"])
    if found is not None and found[0] > time.monotonic():
        return found[1]
    state = await compute(unit)
    if len(_cache) > 1024:
        _cache.clear()
    _cache[unit["id"]] = (time.monotonic() + CACHE_SECONDS, state)
    return state


def of_service(state: LiveQueue, slug: str) -> ServiceWait | None:
    return next((s for s in state.services if s.service == slug), None)
