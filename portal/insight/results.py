"""Published results of a service or unit over a period of unit-local days, in the API shape (issue 4 item 6).

Period: unit-local days (Visit.local_day / SurveyResponse.local_day), both ends inclusive.
Every figure comes from survey/ at full precision (rounded only for display); NaN and missing values are None.

- satisfaction: all responses of the period: `n` = respondents with at least one answer; `ikm`, `category`,
  `ci95` = survey.ikm.ikm_from_counts on the 9 x 4 unsur x score counts and the respondent-profile histogram
  (exact 1/9 weights; its default seeded respondent bootstrap, so the same answers give exactly the interval
  of `portal ikm`); `nrr` = NRR per unsur U1..U9.
- time: completed visits judged against the standard version in force at arrival (see portal.insight.aggregate);
  `within` of `n` with a Wilson 95 % interval (survey.compliance.proportion).
- cost: visits with a recorded fee plus responses with a reported amount; `overcharged` = amounts above the
  official fee of the version in force.
- accuracy: completed visits with correction_needed recorded (right = no correction) plus responses answering
  product correct yes/no (right = yes); `first_time_right` of `n`.
A rate or interval with n = 0 is None.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import anyio

from portal.db.tables import Service, Unit
from portal.insight import rollups
from portal.insight.aggregate import add_into, empty, ikm_of
from survey.compliance import proportion


def num(x: float | None) -> float | None:
    """A float for JSON: None for None, NaN or infinity."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def rate_block(k: int, n: int, target: float | None = None) -> dict[str, Any]:
    p = proportion(int(k), int(n), target if n else None)
    return {"n": int(n), "k": int(k), "rate": num(p.rate), "ci95": [p.ci95[0], p.ci95[1]] if n else None,
            "verdict": p.verdict, "p_value": p.p_value, "extra_needed": p.extra_needed}


def satisfaction_block(agg: dict[str, int]) -> dict[str, Any]:
    r = ikm_of(agg)
    ikm = num(r.ikm)
    return {
        "n": int(agg["respondents"]),
        "ikm": ikm,
        "category": r.category if ikm is not None else None,
        "ci95": [r.ci95[0], r.ci95[1]] if r.ci95 else None,
        "nrr": [num(x) for x in r.nrr],
    }


def _public(agg: dict[str, int]) -> dict[str, Any]:
    time = rate_block(agg["time_within"], agg["time_n"])
    cost = rate_block(agg["cost_visit_over"] + agg["cost_resp_over"], agg["cost_visit_n"] + agg["cost_resp_n"])
    acc = rate_block(agg["ftr_visit_ok"] + agg["ftr_resp_ok"], agg["ftr_visit_n"] + agg["ftr_resp_n"])
    return {
        "satisfaction": satisfaction_block(agg),
        "time": {"n": time["n"], "within": time["k"], "rate": time["rate"], "ci95": time["ci95"]},
        "cost": {"n": cost["n"], "overcharged": cost["k"], "rate": cost["rate"], "ci95": cost["ci95"]},
        "accuracy": {"n": acc["n"], "first_time_right": acc["k"], "rate": acc["rate"], "ci95": acc["ci95"]},
    }


def _period(date_from: date, date_to: date) -> dict[str, str]:
    return {"from": date_from.isoformat(), "to": date_to.isoformat()}


async def service_totals(service_id: int, date_from: date, date_to: date, counter_id: int | None = None) -> dict:
    """Summed aggregates of one service over the period (optionally one counter), from the rollups."""
    rows = await rollups.sums([service_id], date_from, date_to, counter_id=counter_id, profiles=True)
    return rows[0] if rows else empty()


async def service_results(service_id: int, date_from: date, date_to: date) -> dict:
    """Results of one service over [date_from, date_to] (unit-local days, inclusive) in the API shape."""
    service = await Service.select(Service.slug).where(Service.id == service_id).first().run()
    if service is None:
        raise LookupError(f"no service {service_id}")
    agg = await service_totals(service_id, date_from, date_to)
    return {"service": service["slug"], "period": _period(date_from, date_to), **await figures(agg)}


async def unit_results(unit_id: int, date_from: date, date_to: date) -> dict:
    """Results of a unit (all its services pooled) plus one entry per service, in the API shape."""
    unit = await Unit.select(Unit.slug).where(Unit.id == unit_id).first().run()
    if unit is None:
        raise LookupError(f"no unit {unit_id}")
    services = await (Service.select(Service.id, Service.slug).where(Service.unit == unit_id)
                      .order_by(Service.slug).run())
    rows = await rollups.sums([s["id"] for s in services], date_from, date_to, by="service", profiles=True)
    per: dict[int, dict[str, int]] = {s["id"]: empty() for s in services}
    total = empty()
    for row in rows:
        per[row["group"]] = row
        add_into(total, row)
    period = _period(date_from, date_to)
    pooled, *each = await figures(total, *(per[s["id"]] for s in services))
    return {
        "unit": unit["slug"], "period": period, **pooled,
        "services": [{"service": s["slug"], "period": period, **entry} for s, entry in zip(services, each,
                                                                                           strict=True)],
    }


async def figures(*aggs: dict[str, int]):
    """_public() of each aggregate, computed in a worker thread: the respondent bootstrap is CPU work that must
    not hold up the event loop. One aggregate gives one dict, several a list."""
    done = await anyio.to_thread.run_sync(lambda: [_public(a) for a in aggs])
    return done[0] if len(aggs) == 1 else done
