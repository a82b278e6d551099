"""Time compliance of a multi-day service with its open cases (issues 17 and 22), read from the rollups only.

Rule (docs/measures.md, "Open cases"): the unit of analysis is the case (a visit) of a service whose limit is in
working or calendar days. A completed case is an event at its duration; an open case (no outcome, product not
delivered) whose time so far is within the limit is right-censored at its time so far; an open case past its
deadline is a breach now (censored at a time beyond the limit, so Kaplan-Meier counts it as not done within the
limit). The figure is the Kaplan-Meier estimate of completion with its log-log 95 % interval, read at the
limit, or at the horizon the follow-up reaches when some case is still open at a time shorter than the limit
(survey.survival.km_reading: never read past the follow-up). It is **provisional** while a case of the period
is still open within its deadline (its outcome can still move the figure), and final after the last such
deadline (`final_after`); once final it equals the share of the period's cases done within the limit.

Inputs: `km_hist` (completed durations in whole days of the limit's unit) and `km_open` per (counter, arrival
day) from the rollups. "Open and late" depends on now, so it is judged here at read time: every open case of
one arrival day has the same time so far (durations count local days), survey.clock.durations from the arrival
day's local midnight to now. Nothing here writes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np

from portal.insight import rollups
from portal.insight.aggregate import MULTI_DAY, closures_of, cuti_bersama_of
from portal.timeutil import local_midnight_utc, utcnow
from survey.clock import deadline_day, durations, within_limit
from survey.survival import km_reading


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def estimate(hist: dict, open_days: list[tuple[date, int]], limit: float, limit_unit: str, unit: dict,
             now: datetime, at: float | None = None) -> dict[str, Any]:
    """Kaplan-Meier completion from completed durations {days: count} and open cases per arrival day
    [(day, count)], read at the horizon the data reach (or at `at`, earlier), with the completed / open /
    open-and-late counts and whether the figure is still provisional (see the module docstring).

    Keys: limit, limit_unit, completed, within (completed within the limit), open, open_late, open_within
    (open and still inside their deadline), n (completed + open), estimate and ci95 (at `horizon`), variance
    (Greenwood), horizon, limited (horizon < limit), follow_up, provisional (open_within > 0), final_after
    (the last deadline day of an open case still inside it: the figure is final once that day is over)."""
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
    is_late = ~within_limit(so_far, limit) if open_days else np.zeros(0, dtype=bool)
    late = int(counts[is_late].sum()) if open_days else 0
    censor = np.repeat(so_far, counts) if open_days else so_far
    completed = int(event_counts.sum())
    within = int(event_counts[event_days <= limit].sum()) if completed else 0
    n_open = int(counts.sum()) if open_days else 0
    d = np.concatenate([np.repeat(event_days, event_counts), censor])
    observed = np.concatenate([np.ones(completed, dtype=bool), np.zeros(censor.size, dtype=bool)])
    res = km_reading(d, observed, limit, at) if d.size else None
    waiting = [day for (day, _k), late_ in zip(open_days, is_late, strict=True) if not late_]
    final_after = deadline_day(max(waiting), int(math.ceil(limit)), limit_unit, closures_of(unit),
                               cuti_bersama_of(unit)) if waiting else None
    return {
        "limit": limit, "limit_unit": limit_unit, "completed": completed, "within": within, "open": n_open,
        "open_late": late, "open_within": n_open - late, "n": completed + n_open,
        "estimate": _num(res.prob) if res else None,
        "ci95": [float(res.ci95[0]), float(res.ci95[1])] if res and res.ci95 else None,
        "variance": _num(res.variance) if res else None,
        "horizon": res.horizon if res else float(limit), "limited": bool(res.limited) if res else False,
        "follow_up": res.follow_up if res else 0.0,
        "provisional": n_open - late > 0, "final_after": final_after,
    }


@dataclass(frozen=True)
class Cases:
    """The Kaplan-Meier inputs of one multi-day service over a period, to read at its horizon or earlier."""

    hist: dict
    open_days: list[tuple[date, int]]
    limit: float
    limit_unit: str
    unit: dict
    now: datetime

    def read(self, at: float | None = None) -> dict[str, Any]:
        return estimate(self.hist, self.open_days, self.limit, self.limit_unit, self.unit, self.now, at)


async def service_inputs(service_id: int, std: dict | None, unit: dict, date_from: date, date_to: date,
                         counter_id: int | None = None, now: datetime | None = None) -> Cases | None:
    """The cases of one service over [date_from, date_to] (arrival days, inclusive) against `std`'s limit;
    None when the service's limit is not in days."""
    if not std or std.get("time_limit_unit") not in MULTI_DAY or std.get("time_limit_value") is None:
        return None
    done = await rollups.sums([service_id], date_from, date_to, counter_id, km=True)
    per_day = await rollups.sums([service_id], date_from, date_to, counter_id, by="day")
    hist = done[0]["km_hist"] if done else {}
    open_days = [(r["group"], r["km_open"]) for r in per_day if r["km_open"] > 0]
    return Cases(hist, open_days, float(std["time_limit_value"]), std["time_limit_unit"], unit, now or utcnow())


async def service_cases(service_id: int, std: dict | None, unit: dict, date_from: date, date_to: date,
                        counter_id: int | None = None, now: datetime | None = None) -> dict[str, Any] | None:
    """`estimate` for one service over [date_from, date_to] (arrival days, inclusive) against `std`'s limit;
    None when the service's limit is not in days."""
    cases = await service_inputs(service_id, std, unit, date_from, date_to, counter_id, now)
    return cases.read() if cases else None
