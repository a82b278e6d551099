"""Time compliance of a multi-day service with its open cases (issue 17 item 1), read from the rollups only.

Rule (docs/measures.md, "Time"): the unit of analysis is the case (a visit) of a service whose limit is in
working or calendar days. A completed case is an event at its duration; an open case (no outcome, product
not delivered) whose time so far is within the limit is right-censored at its time so far; an open case past
its deadline is a breach now (it is censored at a time beyond the limit, so Kaplan-Meier counts it as not done
within the limit). The headline is the Kaplan-Meier estimate of completion within the limit with its log-log
95 % interval (survey.survival.km_within; Kaplan & Meier 1958, Kalbfleisch & Prentice 2002 sec. 4.3), beside
it the completed / open / open-and-late counts; the figure is provisional when most cases of the period are
still open.

Inputs: `km_hist` (completed durations in whole days of the limit's unit) and `km_open` per (counter, arrival
day) from the rollups. "Open and late" depends on now, so it is judged here at read time: every open case of
one arrival day has the same time so far (durations count local days), survey.clock.durations from the arrival
day's local midnight to now. Nothing here writes.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

import numpy as np

from portal.insight import rollups
from portal.insight.aggregate import MULTI_DAY, closures_of, cuti_bersama_of
from portal.timeutil import local_midnight_utc, utcnow
from survey.clock import durations, within_limit
from survey.survival import km_within


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def estimate(hist: dict, open_days: list[tuple[date, int]], limit: float, limit_unit: str, unit: dict,
             now: datetime) -> dict[str, Any]:
    """Kaplan-Meier completion within `limit` from completed durations {days: count} and open cases per arrival
    day [(day, count)], with the completed / open / open-and-late counts (see the module docstring)."""
    event_days = np.array([int(k) for k in hist], dtype=float)
    event_counts = np.array([int(v) for v in hist.values()], dtype=int)
    open_days = [(d, int(k)) for d, k in open_days if int(k) > 0]
    so_far = np.array([], dtype=float)
    if open_days:
        starts = [local_midnight_utc(unit["timezone"], d) for d, _ in open_days]
        so_far = np.asarray(durations(starts, [now] * len(starts), limit_unit, unit["timezone"], closures_of(unit),
                                      cuti_bersama=cuti_bersama_of(unit)), dtype=float)
        so_far = np.maximum(so_far, 0.0)  # an arrival day after `now` (clock skew) is not yet late
    counts = np.array([k for _, k in open_days], dtype=int)
    late = int(counts[~within_limit(so_far, limit)].sum()) if open_days else 0
    censor = np.repeat(so_far, counts) if open_days else so_far
    completed = int(event_counts.sum())
    within = int(event_counts[event_days <= limit].sum()) if completed else 0
    n_open = int(counts.sum()) if open_days else 0
    d = np.concatenate([np.repeat(event_days, event_counts), censor])
    observed = np.concatenate([np.ones(completed, dtype=bool), np.zeros(censor.size, dtype=bool)])
    res = km_within(d, observed, limit) if d.size else None
    return {
        "limit": limit, "limit_unit": limit_unit, "completed": completed, "within": within, "open": n_open,
        "open_late": late, "estimate": _num(res.prob) if res else None,
        "ci95": [float(res.ci95[0]), float(res.ci95[1])] if res and res.ci95 else None,
        "n": completed + n_open, "provisional": n_open * 2 > completed + n_open,
    }


async def service_cases(service_id: int, std: dict | None, unit: dict, date_from: date, date_to: date,
                        counter_id: int | None = None, now: datetime | None = None) -> dict[str, Any] | None:
    """`estimate` for one service over [date_from, date_to] (arrival days, inclusive) against `std`'s limit;
    None when the service's limit is not in days."""
    if not std or std.get("time_limit_unit") not in MULTI_DAY or std.get("time_limit_value") is None:
        return None
    done = await rollups.sums([service_id], date_from, date_to, counter_id, km=True)
    per_day = await rollups.sums([service_id], date_from, date_to, counter_id, by="day")
    hist = done[0]["km_hist"] if done else {}
    open_days = [(r["group"], r["km_open"]) for r in per_day if r["km_open"] > 0]
    return estimate(hist, open_days, float(std["time_limit_value"]), std["time_limit_unit"], unit,
                    now or utcnow())
