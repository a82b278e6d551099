"""Published results of a service or unit over a period of unit-local days, in the API shape (issue 4 item 6).

Period: unit-local days (Visit.local_day / SurveyResponse.local_day), both ends inclusive.
Every figure comes from survey/ at full precision (rounded only for display); NaN and missing values are None.

- satisfaction: all responses of the period: `n` = respondents with at least one answer; `ikm`, `category`,
  `ci95` = survey.ikm.ikm_from_counts on the 9 x 4 unsur x score counts and the respondent-profile histogram
  (exact 1/9 weights; its default seeded respondent bootstrap, so the same answers give exactly the interval
  of `portal ikm`); `nrr` = NRR per unsur U1..U9.
- time: completed visits judged against the standard version in force at arrival (see portal.insight.aggregate);
  `within` of `n` with a Wilson 95 % interval (survey.compliance.proportion). For a service whose limit is in
  days (multi-day) the headline is `estimate` with `estimate_ci95`: Kaplan-Meier completion within the limit of
  the standard in force now, open cases censored and open cases past their deadline counted as breaches
  (portal.insight.timecases), with `completed`, `open`, `open_late` and `provisional` (most cases still open);
  `basis` says which ("kaplan_meier" or "completed"). For a unit, the counts are summed over its multi-day
  services and `estimate` is given only when it has exactly one. `versions`: the same completed-case figure
  per standard version judged against (number, limit, n, within, rate, ci95); `combined_versions` is true when
  the period spans more than one version (the headline then combines different limits).
- cost: one verdict per visit (officer record or the bound answer: overcharged when either is above the official
  fee) plus one per answer bound to no visit; `unrecorded_payments` = visits where the officer recorded Rp 0
  and the citizen reports paying (portal.insight.aggregate).
- accuracy: one verdict per delivered product: the officer's record of a visit where there is one, else the
  citizen's answer (yes/no), plus answers bound to no visit; `disagreements` = products where the two disagree
  (counted as not right first time); `first_time_right` of `n`.
A rate or interval with n = 0 is None.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import anyio

from portal.db.tables import Service, Unit
from portal.insight import rollups, timecases
from portal.insight.aggregate import add_into, empty, ikm_of, load_standards
from portal.timeutil import utcnow
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


def version_blocks(agg: dict, standards) -> list[dict[str, Any]]:
    """Time compliance per standard version judged against (issue 17 item 5), oldest version first: its number,
    limit, `within` of `n` and Wilson interval. With more than one entry the headline time figure is the
    combination of versions with different limits, and is labelled so."""
    out = []
    for vid, n in sorted((int(k), int(v)) for k, v in (agg.get("time_version_n") or {}).items()):
        if n <= 0:
            continue
        std = standards.by_id.get(vid) if standards is not None else None
        k = int((agg.get("time_version_within") or {}).get(vid, 0))
        block = rate_block(k, n)
        out.append({"version": std["version"] if std else None,
                    "limit": std["time_limit_value"] if std else None,
                    "limit_unit": std["time_limit_unit"] if std else None,
                    "n": n, "within": k, "rate": block["rate"], "ci95": block["ci95"]})
    return sorted(out, key=lambda x: (x["version"] is None, x["version"] or 0))


def time_fields(cases: list[dict]) -> dict[str, Any]:
    """The open-case fields of the time block from the services' timecases results (none: same-day limits)."""
    if not cases:
        return {"basis": "completed", "completed": None, "open": None, "open_late": None, "estimate": None,
                "estimate_ci95": None, "provisional": None}
    one = cases[0] if len(cases) == 1 else None
    completed = sum(c["completed"] for c in cases)
    n_open = sum(c["open"] for c in cases)
    return {"basis": "kaplan_meier", "completed": completed, "open": n_open,
            "open_late": sum(c["open_late"] for c in cases),
            "estimate": one["estimate"] if one else None, "estimate_ci95": one["ci95"] if one else None,
            "provisional": n_open * 2 > completed + n_open}


async def _cases(service_id: int, unit: dict, date_from: date, date_to: date) -> dict | None:
    std = (await load_standards(service_id)).in_force(utcnow())
    return await timecases.service_cases(service_id, std, unit, date_from, date_to)


def _public(agg: dict[str, int], cases: list[dict] | None = None, versions: list[dict] | None = None) -> dict[str, Any]:
    time = rate_block(agg["time_within"], agg["time_n"])
    cost = rate_block(agg["cost_visit_over"] + agg["cost_resp_over"], agg["cost_visit_n"] + agg["cost_resp_n"])
    acc = rate_block(agg["ftr_visit_ok"] + agg["ftr_resp_ok"], agg["ftr_visit_n"] + agg["ftr_resp_n"])
    return {
        "satisfaction": satisfaction_block(agg),
        "time": {"n": time["n"], "within": time["k"], "rate": time["rate"], "ci95": time["ci95"],
                 **time_fields(cases or []), "versions": versions or [],
                 "combined_versions": len(versions or []) > 1},
        "cost": {"n": cost["n"], "overcharged": cost["k"], "rate": cost["rate"], "ci95": cost["ci95"],
                 "unrecorded_payments": int(agg["cost_unrecorded"])},
        "accuracy": {"n": acc["n"], "first_time_right": acc["k"], "rate": acc["rate"], "ci95": acc["ci95"],
                     "disagreements": int(agg["ftr_disagree"])},
    }


def _period(date_from: date, date_to: date) -> dict[str, str]:
    return {"from": date_from.isoformat(), "to": date_to.isoformat()}


async def service_totals(service_id: int, date_from: date, date_to: date, counter_id: int | None = None) -> dict:
    """Summed aggregates of one service over the period (optionally one counter), from the rollups."""
    rows = await rollups.sums([service_id], date_from, date_to, counter_id=counter_id, profiles=True, versions=True)
    return rows[0] if rows else empty()


async def service_results(service_id: int, date_from: date, date_to: date) -> dict:
    """Results of one service over [date_from, date_to] (unit-local days, inclusive) in the API shape."""
    service = await Service.select(Service.slug, Service.unit).where(Service.id == service_id).first().run()
    if service is None:
        raise LookupError(f"no service {service_id}")
    unit = await Unit.select().where(Unit.id == service["unit"]).first().run()
    assert unit is not None  # a service's unit exists (foreign key)
    agg = await service_totals(service_id, date_from, date_to)
    cases = await _cases(service_id, unit, date_from, date_to)
    versions = version_blocks(agg, await load_standards(service_id))
    return {"service": service["slug"], "period": _period(date_from, date_to),
            **await figures((agg, [cases] if cases else [], versions))}


async def unit_results(unit_id: int, date_from: date, date_to: date) -> dict:
    """Results of a unit (all its services pooled) plus one entry per service, in the API shape."""
    unit = await Unit.select().where(Unit.id == unit_id).first().run()
    if unit is None:
        raise LookupError(f"no unit {unit_id}")
    services = await (Service.select(Service.id, Service.slug).where(Service.unit == unit_id)
                      .order_by(Service.slug).run())
    rows = await rollups.sums([s["id"] for s in services], date_from, date_to, by="service", profiles=True,
                              versions=True)
    per: dict[int, dict[str, int]] = {s["id"]: empty() for s in services}
    total = empty()
    for row in rows:
        per[row["group"]] = row
        add_into(total, row)
    period = _period(date_from, date_to)
    cases = {s["id"]: await _cases(s["id"], unit, date_from, date_to) for s in services}
    versions = {s["id"]: version_blocks(per[s["id"]], await load_standards(s["id"])) for s in services}
    pooled, *each = await figures((total, [c for c in cases.values() if c], None),
                                  *((per[s["id"]], [cases[s["id"]]] if cases[s["id"]] else [], versions[s["id"]])
                                    for s in services))
    return {
        "unit": unit["slug"], "period": period, **pooled,
        "services": [{"service": s["slug"], "period": period, **entry} for s, entry in zip(services, each,
                                                                                           strict=True)],
    }


async def figures(*inputs: tuple) -> Any:  # one dict, or a list of them for several inputs
    """_public(agg, cases, versions) of each input, computed in a worker thread: the respondent bootstrap is CPU
    work that must not hold up the event loop. One input gives one dict, several a list."""
    done = await anyio.to_thread.run_sync(lambda: [_public(*args) for args in inputs])
    return done[0] if len(inputs) == 1 else done
