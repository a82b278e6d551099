"""A unit's staffing plan for one ISO week: arrivals forecast per service and hour, counters needed per pool of
counters by Erlang C, and, for hours already past, what happened (docs/measures.md, "Staffing plan").

- Hours: the plan covers 08:00-16:00 (OPEN_HOURS, one slot per hour) on the unit's working days: weekends,
  national holidays, cuti bersama when the unit closes on them and its own closures are closed (survey.clock's
  holiday calendar, with portal.insight.aggregate's reading of the unit's settings, as every other figure). The
  data model has no opening hours: arrivals before 08:00 count in the 08:00 slot (they wait for the doors),
  arrivals from 16:00 are outside the plan.
- History: the last TRAINING_WEEKS complete ISO weeks before the planned week (and before the current week), from
  the unit's first day with a visit; closed days and days before the data begin are left out, not read as zeros.
  Arrivals per hour come from the rollups (`arrival_hours`), never from raw rows.
- Forecast: survey.forecast per service (seasonal mean or negative binomial GLM, chosen on held-out weeks) with a
  LEVEL prediction interval; a pool's arrivals are the sum of its services' (independent) forecasts.
- Pools: counters connected through the counter assignments (counter_service) form one pool serving all their
  services from one queue. Approximation: a counter that offers only some of the pool's services is counted as if
  it could serve any of them, so the counters needed are a lower bound where counters are specialised.
- Busy time per citizen: the measured mean time a counter is busy with one citizen, call (else start) to finish,
  per service over the history (`busy_hours`, `busy_seconds`); an hour's time is the arrivals-weighted mean of its
  services' times (a service without a measured time takes the pool's). Erlang C treats it as exponential.
- Counters needed: survey.staffing.counters_needed for the forecast mean (and for the interval's upper end) against
  the unit's target, "share P wait at most T minutes" (its setting, else DEFAULT_TARGET), each hour on its own
  (steady state within the hour, no queue carried over from the hour before).
- Against reality (past hours): arrivals, counters open = counters of the pool with activity (a call, a start or a
  finish) in that hour, the measured waits of the citizens who arrived then (median and share within T, from the
  rollups' sketches, within 5 %), and the counters Erlang C gives for the arrivals that came.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from portal.insight import sketch
from portal.insight.aggregate import WAIT_HOUR_STRIDE, closures_of, cuti_bersama_of
from portal.staffing import queries
from portal.staffing.queries import CounterRow, HourRow, LinkRow, ServiceRow, UnitRow
from portal.staffing.schemas import (
    StaffingActual,
    StaffingDay,
    StaffingHistory,
    StaffingHour,
    StaffingModel,
    StaffingPlan,
    StaffingPool,
    StaffingValidation,
    StaffingWaitTarget,
)
from portal.timeutil import local_day, utcnow
from survey import forecast as fc
from survey.clock import holiday_calendar
from survey.staffing import counters_needed

OPEN_HOURS = tuple(range(8, 16))  # slots 08:00 .. 15:00, the plan covers 08:00-16:00
WEEKDAYS = 5
TRAINING_WEEKS = 12
FEW_WEEKS = 8  # with fewer weeks of history the page says to treat the forecast with care
MAX_WEEKS_AHEAD = 8
LEVEL = fc.LEVEL
DEFAULT_TARGET = StaffingWaitTarget(wait_minutes=15.0, share=0.8, source="default")
WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{2})")  # ASCII digits only


class WeekError(ValueError):
    """A week the plan cannot read; `message` is an English message id with %(value)s."""

    def __init__(self, message: str, value: str) -> None:
        super().__init__(message % {"value": value})
        self.message = message
        self.value = value


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def parse_week(text: str | None, today: date) -> date:
    """The Monday of ISO week `text` ("2026-W07"); empty = next week. Refused: another spelling, a week that does
    not exist, a week more than MAX_WEEKS_AHEAD weeks after the current one."""
    if not text:
        return monday_of(today) + timedelta(days=7)
    match = WEEK_RE.fullmatch(text.strip())
    if match is None:
        raise WeekError("The week must be written as YYYY-Www, for example 2026-W07 (you sent %(value)s).", text[:40])
    try:
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise WeekError("There is no week %(value)s.", text[:40]) from None
    if monday > monday_of(today) + timedelta(days=7 * MAX_WEEKS_AHEAD):
        raise WeekError("The week %(value)s is too far ahead to plan from the queue's history.", text[:40])
    return monday


def closed_reasons(unit: UnitRow, days: list[date]) -> dict[date, str | None]:
    """Why the unit is closed on each day (weekend, holiday, closure) or None on a working day: national holidays
    and cuti bersama (when the unit closes on them) from survey.clock.holiday_calendar, plus its closures."""
    if not days:
        return {}
    closures = set(closures_of(unit))
    calendar = holiday_calendar(sorted({d.year for d in days}), (), cuti_bersama=cuti_bersama_of(dict(unit)))
    holidays = {d.item() for d in calendar}
    out: dict[date, str | None] = {}
    for d in days:
        out[d] = ("closure" if d.isoformat() in closures else "weekend" if d.weekday() >= 5
                  else "holiday" if d in holidays else None)
    return out


@dataclass
class _Pool:
    counters: list[CounterRow] = field(default_factory=list)
    services: list[ServiceRow] = field(default_factory=list)


def pools_of(services: list[ServiceRow], counters: list[CounterRow], links: list[LinkRow]) -> list[_Pool]:
    """Connected components of the counter-service graph (a service no counter offers is a pool of its own)."""
    service_ids = {s["id"] for s in services}
    counter_ids = {c["id"] for c in counters}
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(node: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for s in services:
        find(("s", s["id"]))
    for link in links:
        if link["service"] in service_ids and link["counter"] in counter_ids:
            a, b = find(("s", link["service"])), find(("c", link["counter"]))
            if a != b:
                parent[b] = a
    groups: dict[tuple[str, int], _Pool] = {}
    for s in services:
        groups.setdefault(find(("s", s["id"])), _Pool()).services.append(s)
    for c in counters:
        root = find(("c", c["id"]))
        if root in groups:
            groups[root].counters.append(c)
    return sorted(groups.values(), key=lambda p: (p.counters[0]["code"] if p.counters else "~",
                                                  p.services[0]["name"]))


def slot_of(hour: int) -> int | None:
    """The plan's slot of a local hour: before 08:00 counts at 08:00, from 16:00 is outside the plan."""
    if hour < OPEN_HOURS[0]:
        return 0
    if hour > OPEN_HOURS[-1]:
        return None
    return hour - OPEN_HOURS[0]


def share_within(hist: dict[int, int], minutes: float) -> float | None:
    """Share of the waits in a sketch that were at most `minutes` (linear inside the bin holding it)."""
    n = sum(hist.values())
    if n == 0:
        return None
    within = 0.0
    for b, count in hist.items():
        lo, hi = sketch.edges(b)
        if hi <= minutes:
            within += count
        elif lo < minutes:
            within += count * (minutes - lo) / (hi - lo)
    return within / n


def _model(service: ServiceRow, f: fc.Forecast, handle: tuple[float | None, int]) -> StaffingModel:
    v = f.validation
    validation = None if v is None else StaffingValidation(
        holdout_weeks=v.holdout_weeks, hours_scored=v.cells, mae=dict(v.mae), mean_arrivals=v.mean_count,
        relative_error=v.relative_error)
    return StaffingModel(service=service["slug"], name=service["name"], name_en=service["name_en"], model=f.model,
                        dispersion=f.dispersion, weeks=f.weeks, validation=validation, handle_minutes=handle[0],
                        handled=handle[1])


@dataclass
class History:
    """The weeks a forecast learns from: their Mondays (oldest first), which (week, weekday, slot) cells were open
    (`observed`), arrivals per service in each cell, and per service the busy time measured (visits, seconds)."""

    mondays: list[date]
    observed: np.ndarray
    counts: dict[int, np.ndarray]
    busy: dict[int, tuple[int, int]]

    @property
    def weeks(self) -> int:
        return len(self.mondays)


def history_mondays(monday: date, today: date, first: date | None) -> list[date]:
    """The last TRAINING_WEEKS complete weeks before the planned week and before the current one, from the week
    holding the unit's first visit."""
    if first is None:
        return []
    last = min(monday, monday_of(today)) - timedelta(days=7)
    mondays = [last - timedelta(days=7 * k) for k in range(TRAINING_WEEKS - 1, -1, -1)]
    return [m for m in mondays if m + timedelta(days=4) >= first]


def history(rows: list[HourRow], service_ids: list[int], mondays: list[date], reasons: dict[date, str | None],
            first: date | None) -> History:
    """Arrivals per service, week, weekday and slot, and busy times, from the rollup rows of those weeks; a day
    the unit was closed or before its first visit is not observed."""
    index = {m: w for w, m in enumerate(mondays)}
    observed = np.zeros((len(mondays), WEEKDAYS, len(OPEN_HOURS)), dtype=bool)
    for m in mondays:
        for i in range(WEEKDAYS):
            d = m + timedelta(days=i)
            if reasons.get(d) is None and first is not None and d >= first:
                observed[index[m], i, :] = True
    counts = {s: np.zeros(observed.shape) for s in service_ids}
    busy: dict[int, tuple[int, int]] = {s: (0, 0) for s in service_ids}
    for r in rows:
        week = index.get(monday_of(r["day"]))
        if week is None or r["service"] not in counts:
            continue
        if r["day"].weekday() < WEEKDAYS:
            for hour, k in r["arrival_hours"].items():
                slot = slot_of(hour)
                if slot is not None:
                    counts[r["service"]][week, r["day"].weekday(), slot] += k
        n, seconds = busy[r["service"]]
        busy[r["service"]] = (n + sum(r["busy_hours"].values()), seconds + sum(r["busy_seconds"].values()))
    return History(mondays, observed, counts, busy)


@dataclass
class Reality:
    """What happened per (pool, day, slot): arrivals of the pool's services, counters of the pool with activity,
    and the wait sketch of the citizens who arrived then."""

    arrived: dict[tuple[int, date, int], int] = field(default_factory=lambda: defaultdict(int))
    active: dict[tuple[int, date, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    waits: dict[tuple[int, date, int], dict[int, int]] = field(default_factory=lambda: defaultdict(dict))


def reality(rows: list[HourRow], pools: list[_Pool], today: date) -> Reality:
    """Reality of the days before `today` in `rows` (a counter's activity goes to its own pool, else to its
    service's; arrivals and waits to the service's pool)."""
    pool_of_service = {s["id"]: p for p, pool in enumerate(pools) for s in pool.services}
    pool_of_counter = {c["id"]: p for p, pool in enumerate(pools) for c in pool.counters}
    out = Reality()
    for r in rows:
        if r["day"] >= today:
            continue
        ps = pool_of_service.get(r["service"])
        if ps is not None:
            for hour, k in r["arrival_hours"].items():
                slot = slot_of(hour)
                if slot is not None:
                    out.arrived[(ps, r["day"], slot)] += k
            for cell, k in r["wait_hours"].items():
                slot = slot_of(cell // WAIT_HOUR_STRIDE)
                if slot is not None:
                    hist = out.waits[(ps, r["day"], slot)]
                    hist[cell % WAIT_HOUR_STRIDE] = hist.get(cell % WAIT_HOUR_STRIDE, 0) + k
        pc = pool_of_counter.get(r["counter"], ps)
        if pc is not None and r["counter"]:
            for hour, k in r["activity_hours"].items():
                slot = slot_of(hour)
                if slot is not None and k > 0:
                    out.active[(pc, r["day"], slot)].add(r["counter"])
    return out


def _pool_hours(p: int, pool: _Pool, forecasts: dict[int, fc.Forecast], handle_of: dict[int, tuple[float | None, int]],
                days: list[date], reasons: dict[date, str | None], today: date, target: StaffingWaitTarget,
                seen: Reality) -> StaffingPool:
    """One pool's hours of the week: forecast, Erlang C and, for past days, what happened (module docstring)."""
    members = [forecasts[s["id"]] for s in pool.services if s["id"] in forecasts]
    measured = [(h, n) for h, n in (handle_of[s["id"]] for s in pool.services) if h is not None]
    pool_handle = (sum(h * n for h, n in measured) / sum(n for _h, n in measured)) if measured else None
    shape = (WEEKDAYS, len(OPEN_HOURS))
    if members:
        mean, _variance, low, high = fc.combine(members, level=LEVEL)
        # Busy time of each slot: the arrivals-weighted mean of the services' measured times.
        load = np.zeros(shape)
        for s in pool.services:
            if s["id"] in forecasts:
                own = handle_of[s["id"]][0]
                load += forecasts[s["id"]].mean * (own if own is not None else (pool_handle or 0.0))
    else:
        mean, load, low, high = np.zeros(shape), np.zeros(shape), np.zeros(shape, int), np.zeros(shape, int)
    hours = []
    for d in days:
        if reasons[d] is not None:
            continue
        for slot, hour in enumerate(OPEN_HOURS):
            lam = float(mean[d.weekday(), slot])
            handle = float(load[d.weekday(), slot]) / lam if lam > 0 else pool_handle
            cell = StaffingHour(day=d.isoformat(), hour=hour, arrivals=lam,
                                arrivals_low=int(low[d.weekday(), slot]), arrivals_high=int(high[d.weekday(), slot]),
                                handle_minutes=handle, counters_needed=None, counters_needed_high=None,
                                service_level=None, p_wait=None, mean_wait_minutes=None, occupancy=None,
                                counters_available=len(pool.counters), shortfall=None, shortfall_basis="available")
            if handle is not None and handle > 0 and members:
                q = counters_needed(lam, handle, target.wait_minutes, target.share)
                cell.counters_needed = q.counters
                cell.counters_needed_high = counters_needed(float(high[d.weekday(), slot]), handle,
                                                            target.wait_minutes, target.share).counters
                cell.service_level, cell.p_wait = q.service_level, q.p_wait
                cell.mean_wait_minutes, cell.occupancy = q.mean_wait, q.occupancy
                cell.shortfall = q.counters - len(pool.counters)
            if d < today:
                key = (p, d, slot)
                hist = seen.waits.get(key, {})
                median = sketch.quantile_ci(hist, 0.5) if hist else None
                need_actual = None
                if pool_handle is not None:
                    need_actual = counters_needed(float(seen.arrived[key]), handle or pool_handle,
                                                  target.wait_minutes, target.share).counters
                cell.actual = StaffingActual(arrivals=seen.arrived[key], counters_open=len(seen.active[key]),
                                             waits=sum(hist.values()),
                                             wait_median_minutes=median["est"] if median else None,
                                             within_target=share_within(hist, target.wait_minutes),
                                             counters_needed_for_actual=need_actual)
                cell.shortfall_basis = "open"
                # An hour nobody came to and no counter worked in says nothing of the counters open (an idle
                # counter leaves no trace): no shortfall is claimed for it.
                quiet = not seen.arrived[key] and not seen.active[key]
                cell.shortfall = (None if cell.counters_needed is None or quiet
                                  else cell.counters_needed - len(seen.active[key]))
            hours.append(cell)
    return StaffingPool(key=f"pool-{p + 1}", counters=[c["code"] for c in pool.counters],
                        services=[s["slug"] for s in pool.services], handle_minutes=pool_handle, hours=hours)


async def build(unit: UnitRow, monday: date, now: datetime | None = None) -> StaffingPlan:
    """The staffing plan of `unit` for the ISO week beginning `monday` (module docstring)."""
    now = now or utcnow()
    today = local_day(unit["timezone"], now)
    target_row = await queries.target_of(unit["id"])
    target = (StaffingWaitTarget(wait_minutes=target_row["wait_minutes"], share=target_row["share"], source="unit")
              if target_row else DEFAULT_TARGET)
    services = await queries.services_of(unit["id"])
    counters, links = await queries.counters_of(unit["id"])
    pools = pools_of(services, counters, links)
    first = await queries.first_day(unit["id"])
    mondays = history_mondays(monday, today, first)
    week_days = [monday + timedelta(days=i) for i in range(WEEKDAYS)]
    history_days = [m + timedelta(days=i) for m in mondays for i in range(WEEKDAYS)]
    reasons = closed_reasons(unit, history_days + week_days)
    rows = await queries.hour_rows(unit["id"], mondays[0] if mondays else monday, week_days[-1])
    past = history([r for r in rows if r["day"] < monday], [s["id"] for s in services], mondays, reasons, first)

    notes: list[str] = []
    if past.weeks == 0:
        notes.append("no_history")
    elif past.weeks < FEW_WEEKS:
        notes.append("few_weeks")
    forecasts: dict[int, fc.Forecast] = {}
    models = []
    handle_of: dict[int, tuple[float | None, int]] = {}
    for s in services:
        n, seconds = past.busy[s["id"]]
        handle_of[s["id"]] = (seconds / n / 60.0 if n else None, n)
        if past.weeks:
            forecasts[s["id"]] = fc.forecast(past.counts[s["id"]], past.observed, level=LEVEL)
            models.append(_model(s, forecasts[s["id"]], handle_of[s["id"]]))
    seen = reality([r for r in rows if r["day"] >= monday], pools, today)
    out_pools = []
    for p, pool in enumerate(pools):
        out_pools.append(_pool_hours(p, pool, forecasts, handle_of, week_days, reasons, today, target, seen))
        if out_pools[-1].handle_minutes is None:
            notes.append(f"no_handling_time:{p}")
    return StaffingPlan(
        unit=unit["slug"], week=week_label(monday), start=monday.isoformat(),
        end=(monday + timedelta(days=6)).isoformat(), today=today.isoformat(), hours=list(OPEN_HOURS), level=LEVEL,
        target=target,
        training=StaffingHistory(start=mondays[0].isoformat() if mondays else None,
                                 end=(mondays[-1] + timedelta(days=6)).isoformat() if mondays else None,
                                 weeks=past.weeks),
        days=[StaffingDay(day=d.isoformat(), weekday=d.weekday(), closed_reason=reasons[d]) for d in week_days],
        models=models, pools=out_pools, notes=notes, generated_at=now.isoformat())
