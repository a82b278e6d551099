"""What the staffing page shows, built from plans: the week grid per pool, the hours short of counters, the summary
of their measured waits, and the CSV rows of the API (no figure is computed here, only arranged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal.staffing import plan as planning
from portal.staffing import queries
from portal.staffing.queries import CounterRow, ServiceRow, UnitRow
from portal.staffing.schemas import StaffingHour, StaffingPlan, StaffingPool


@dataclass(frozen=True)
class Page:
    """The page's two plans: the week asked for, and the week reviewed against reality (the same week when it is
    already past, else the last complete week); `review` None when that week has no past hour yet."""

    plan: StaffingPlan
    review: StaffingPlan | None
    previous_week: str
    next_week: str | None
    services: dict[str, ServiceRow]
    counters: dict[str, CounterRow]


async def page(unit: UnitRow, monday: date) -> Page:
    """Both plans of the staffing page for `unit` and the ISO week beginning `monday`."""
    shown = await planning.build(unit, monday)
    this_monday = planning.monday_of(date.fromisoformat(shown.today))
    if monday < this_monday:
        review: StaffingPlan | None = shown
    else:
        review = await planning.build(unit, this_monday - timedelta(days=7))
    ahead = monday + timedelta(days=7)
    counters, _links = await queries.counters_of(unit["id"])
    return Page(shown, review, planning.week_label(monday - timedelta(days=7)),
                planning.week_label(ahead) if ahead <= this_monday + timedelta(days=7 * planning.MAX_WEEKS_AHEAD)
                else None,
                {s["slug"]: s for s in await queries.services_of(unit["id"])}, {c["code"]: c for c in counters})


def grid(pool: StaffingPool, plan: StaffingPlan) -> list[dict]:
    """Rows of the week grid: one per hour, one cell per weekday (None where the unit is closed)."""
    cells = {(h.day, h.hour): h for h in pool.hours}
    return [{"hour": hour, "cells": [cells.get((d.day, hour)) for d in plan.days]} for hour in plan.hours]


def level(cell: StaffingHour | None) -> str:
    """The cell's shortfall class: none (enough counters), one, more (two or more short), quiet (a past hour
    nobody came to), unknown."""
    if cell is not None and cell.actual is not None and not cell.actual.arrivals and not cell.actual.counters_open:
        return "quiet"
    if cell is None or cell.shortfall is None:
        return "unknown"
    if cell.shortfall <= 0:
        return "none"
    return "one" if cell.shortfall == 1 else "more"


def short_hours(plan: StaffingPlan) -> list[tuple[StaffingPool, StaffingHour]]:
    """Past hours where fewer counters were open than the plan needed, by day and hour."""
    out = [(pool, h) for pool in plan.pools for h in pool.hours
           if h.actual is not None and h.shortfall is not None and h.shortfall > 0]
    return sorted(out, key=lambda item: (item[1].day, item[1].hour, item[0].key))


def waits_summary(plan: StaffingPlan) -> dict:
    """Measured waits of the past hours short of counters and of the other past hours: citizens with a measured
    wait and the share of them within the target (each hour's share weighted by its waits)."""
    short, other = [0.0, 0], [0.0, 0]
    for pool in plan.pools:
        for h in pool.hours:
            if h.actual is None or h.actual.within_target is None or not h.actual.waits:
                continue
            bucket = short if (h.shortfall or 0) > 0 else other
            bucket[0] += h.actual.within_target * h.actual.waits
            bucket[1] += h.actual.waits
    return {"short_waits": short[1], "short_within": short[0] / short[1] if short[1] else None,
            "other_waits": other[1], "other_within": other[0] / other[1] if other[1] else None,
            "short_hours": len(short_hours(plan)),
            "past_hours": sum(1 for pool in plan.pools for h in pool.hours if h.actual is not None)}


CSV_COLUMNS = (
    "week", "day", "hour", "pool", "counters", "services", "arrivals_forecast", "arrivals_low", "arrivals_high",
    "handle_minutes", "counters_needed", "counters_needed_high", "service_level", "p_wait", "mean_wait_minutes",
    "occupancy", "counters_available", "shortfall", "shortfall_basis", "actual_arrivals", "counters_open",
    "waits", "wait_median_minutes", "within_target", "counters_needed_for_actual", "target_wait_minutes",
    "target_share",
)


def csv_rows(plan: StaffingPlan) -> list[list]:
    """One row per pool, day and hour, at full precision (blank = no figure)."""
    def v(x):
        return "" if x is None else (repr(x) if isinstance(x, float) else x)

    rows = []
    for pool in plan.pools:
        for h in pool.hours:
            a = h.actual
            rows.append([
                plan.week, h.day, f"{h.hour:02d}:00", pool.key, " ".join(pool.counters), " ".join(pool.services),
                v(h.arrivals), h.arrivals_low, h.arrivals_high, v(h.handle_minutes), v(h.counters_needed),
                v(h.counters_needed_high), v(h.service_level), v(h.p_wait), v(h.mean_wait_minutes),
                v(h.occupancy), h.counters_available, v(h.shortfall), h.shortfall_basis,
                v(a.arrivals if a else None), v(a.counters_open if a else None), v(a.waits if a else None),
                v(a.wait_median_minutes if a else None), v(a.within_target if a else None),
                v(a.counters_needed_for_actual if a else None), v(plan.target.wait_minutes), v(plan.target.share),
            ])
    return rows
