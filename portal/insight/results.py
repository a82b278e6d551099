"""Published results of a service, a unit or the city over a period of unit-local days, in the API shape (issues 4,
17 and 22): every figure the dashboard shows, under the names the dashboard uses.

Period: unit-local days (Visit.local_day / SurveyResponse.local_day), both ends inclusive.
Every figure comes from survey/ at full precision (rounded only for display); NaN and missing values are None.

- satisfaction: the counted responses of the period (the counting rule, docs/measures.md §0): `n` = respondents
  with at least one answer; `ikm`, `category`, `ci95` = survey.ikm.ikm_from_counts on the 9 x 4 unsur x score
  counts and the respondent-profile histogram (exact 1/9 weights; its seeded respondent bootstrap, so the same
  answers give exactly the interval of `portal ikm`); `nrr` = NRR per unsur U1..U9; `certain` = both ends of the
  interval in one category; `unsur` = code, NRR, grade and answers per unsur, `weakest` = the lowest;
  `population` (visits served), `sample_needed` (Krejcie-Morgan) and `sample_met`; `response` = the funnel
  (served, offered, responded: survey.sampling.response_rate, Wilson intervals) and the answers not counted
  by reason; `channels` = counted answers by channel. A unit pools its services' answers (one IKM over all its
  respondents: the 9 x 4 counts and the respondent profiles are added, never the services' IKM averaged).
- time: the headline of portal.insight.time_headline: the estimate that counts open cases (Kaplan-Meier read at
  the horizon the follow-up reaches for a multi-day service; a unit pools its services, each against its own
  limit), the completed-only share beside it (`completed_rate`), the horizon, whether it is provisional and
  until when, and the verdict against the target. `versions`: completed cases per standard version judged
  against (number, limit, n, within, rate, ci95); `combined_versions` when the period spans more than one.
- durations: waiting (arrival -> called) and handling (served -> finished) in minutes, median and 90th
  percentile with distribution-free intervals, from the rollups' duration sketches (portal.insight.sketch).
- outcomes: visits, those that ended (completed, rejected as incomplete, cancelled, no-show) and each
  ending's share of the ended visits with its Wilson interval; `open` = visits not ended yet.
- cost: one verdict per visit (officer record or the bound answer: overcharged when either is above the official
  fee; the headline); `unbound`: answers bound to no visit, their own line (one transaction may also be a
  visit, so the two are never added); `unrecorded_payments` = visits where the officer recorded Rp 0 and the
  citizen reports paying.
- accuracy: one verdict per delivered product of a visit (the officer's record where there is one, else the
  citizen's answer; visits that ended without the product have none; the headline, with its verdict against
  the target); `disagreements` = products where the two disagree (not right first time); `unbound`: answers
  bound to no visit, their own line.
- requirements: counted answers saying whether more than the published requirements was asked.
- complaints: portal.complaints.insight (received on the period's days): received, open, overdue, rejected,
  answered within the deadline, time to answer (Kaplan-Meier at 2, 5 and 14 working days, read at the horizon
  reached), by subject.
A rate or interval with n = 0 is None.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import anyio

from portal.complaints import insight as complaint_insight
from portal.db.tables import Service, Unit
from portal.db.tables_insight import CHANNEL_COLUMNS, NOT_COUNTED_FIELDS
from portal.insight import rollups, sketch, time_headline, timecases
from portal.insight.aggregate import add_into, empty, ikm_of, load_standards
from portal.timeutil import utcnow
from survey.compliance import proportion
from survey.instrument import UNSUR_2017
from survey.sampling import krejcie_morgan, response_rate

DEFAULT_TARGET_TIME = 0.95
DEFAULT_TARGET_ACCURACY = 0.95


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


def satisfaction_block(agg: dict) -> dict[str, Any]:
    """IKM, category, interval, NRR, the per-unsur grades and the category certainty (PermenPANRB 14/2017)."""
    r = ikm_of(agg)
    ikm = num(r.ikm)
    nrr = [num(x) for x in r.nrr]
    answered = [x for x in nrr if x is not None]
    weakest = min(answered) if answered else None
    return {
        "n": int(agg["respondents"]),
        "ikm": ikm,
        "category": r.category if ikm is not None else None,
        "ci95": [r.ci95[0], r.ci95[1]] if r.ci95 else None,
        "nrr": nrr,
        "certain": r.category_certain if ikm is not None else None,
        "ci_method": r.ci_method,
        "unsur": [{"code": u.code, "nrr": x, "grade": g if x is not None else None, "answers": int(k)}
                  for u, x, g, k in zip(UNSUR_2017, nrr, r.unsur_grades, r.responses_per_unsur, strict=True)],
        "weakest": [u.code for u, x in zip(UNSUR_2017, nrr, strict=True) if x is not None and x == weakest],
    }


def response_block(agg: dict) -> dict[str, Any]:
    """The response funnel (docs/measures.md §2) and the answers stored but not counted, by reason (§0)."""
    rr = response_rate(int(agg["served"]), int(agg["offered"]), int(agg["responded"]))
    # answers bound to a visit can outnumber the visits marked "offered" when officers forget the mark: k is
    # capped at n for the interval
    response = rate_block(min(rr.responded, rr.offered), rr.offered)
    coverage = rate_block(min(rr.responded, rr.served), rr.served)
    return {"served": rr.served, "offered": rr.offered, "responded": rr.responded,
            "all_responses": int(agg["responses"]), "offer_rate": num(rr.offer_rate),
            "response_rate": num(rr.response_rate), "response_ci95": response["ci95"],
            "coverage": num(rr.coverage), "coverage_ci95": coverage["ci95"],
            "not_counted": {f[3:]: int(agg[f]) for f in NOT_COUNTED_FIELDS},
            "not_counted_total": sum(int(agg[f]) for f in NOT_COUNTED_FIELDS)}


def channels_block(agg: dict) -> dict[str, int]:
    """Counted answers by channel (issue 14): qr, ticket, kiosk, paper, other."""
    return {column[3:]: int(agg[column]) for column in CHANNEL_COLUMNS}


def quantiles(hist: dict) -> dict[str, Any]:
    """Median and 90th percentile of a duration sketch with their distribution-free intervals."""
    return {"n": int(sum(hist.values())), "median": sketch.quantile_ci(hist, 0.5),
            "p90": sketch.quantile_ci(hist, 0.9)}


def outcomes_block(agg: dict) -> dict[str, Any]:
    """How the period's visits ended (issue 22 item 6): each ending's share of the visits that ended."""
    ended = int(agg["completed"] + agg["rejected"] + agg["cancelled"] + agg["no_show"])
    out: dict[str, Any] = {"visits": int(agg["visits"]), "ended": ended, "open": int(agg["visits"]) - ended}
    for name in ("completed", "rejected", "cancelled", "no_show"):
        block = rate_block(agg[name], ended)
        out[name] = int(agg[name])
        out[f"{name}_rate"], out[f"{name}_ci95"] = block["rate"], block["ci95"]
    return out


def version_blocks(agg: dict, standards) -> list[dict[str, Any]]:
    """Time compliance per standard version judged against (issue 17 item 5), oldest version first: its number,
    limit, `within` of `n` and Wilson interval. With more than one entry the completed figures combine
    versions with different limits, and are labelled so."""
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


def _complaints(figures: dict | None) -> dict[str, Any] | None:
    if figures is None:
        return None
    return {k: figures[k] for k in ("received", "open", "overdue", "rejected", "categories", "on_time", "km")}


def public(agg: dict, strata: list[dict], versions: list[dict] | None = None,
           target_time: float | None = None, target_accuracy: float | None = None,
           complaints: dict | None = None) -> dict[str, Any]:
    """Every published figure of one aggregate (a service, a unit, a counter) in the API shape."""
    cost = rate_block(agg["cost_visit_over"], agg["cost_visit_n"])
    cost_unbound = rate_block(agg["cost_resp_over"], agg["cost_resp_n"])
    acc = rate_block(agg["ftr_visit_ok"], agg["ftr_visit_n"], target_accuracy)
    acc_unbound = rate_block(agg["ftr_resp_ok"], agg["ftr_resp_n"])
    req = rate_block(agg["req_ok"], agg["req_n"])
    sat = satisfaction_block(agg)
    served = int(agg["served"])
    needed = krejcie_morgan(served) if served > 0 else None
    sat.update({"population": served, "sample_needed": needed,
                "sample_met": None if needed is None else sat["n"] >= needed,
                "response": response_block(agg), "channels": channels_block(agg)})
    return {
        "satisfaction": sat,
        "time": {**time_headline.headline(strata, target_time), "versions": versions or [],
                 "combined_versions": len(versions or []) > 1},
        "durations": {"waiting": quantiles(agg["wait_hist"]), "handling": quantiles(agg["handle_hist"])},
        "outcomes": outcomes_block(agg),
        "cost": {"n": cost["n"], "overcharged": cost["k"], "rate": cost["rate"], "ci95": cost["ci95"],
                 "unrecorded_payments": int(agg["cost_unrecorded"]),
                 "unbound": {"n": cost_unbound["n"], "overcharged": cost_unbound["k"], "rate": cost_unbound["rate"],
                             "ci95": cost_unbound["ci95"]}},
        "accuracy": {"n": acc["n"], "first_time_right": acc["k"], "rate": acc["rate"], "ci95": acc["ci95"],
                     "disagreements": int(agg["ftr_disagree"]), "target": target_accuracy if acc["n"] else None,
                     "verdict": acc["verdict"], "p_value": acc["p_value"], "extra_needed": acc["extra_needed"],
                     "unbound": {"n": acc_unbound["n"], "first_time_right": acc_unbound["k"],
                                 "rate": acc_unbound["rate"], "ci95": acc_unbound["ci95"]}},
        "requirements": {"n": req["n"], "consistent": req["k"], "rate": req["rate"], "ci95": req["ci95"]},
        "complaints": _complaints(complaints),
    }


def _period(date_from: date, date_to: date) -> dict[str, str]:
    return {"from": date_from.isoformat(), "to": date_to.isoformat()}


def target_of(std: dict | None, key: str, default: float) -> float:
    value = (std or {}).get(key)
    return default if value is None else float(value)


async def service_totals(service_id: int, date_from: date, date_to: date, counter_id: int | None = None) -> dict:
    """Summed aggregates of one service over the period (optionally one counter), from the rollups."""
    rows = await rollups.sums([service_id], date_from, date_to, counter_id=counter_id, profiles=True, versions=True,
                              sketches=True)
    return rows[0] if rows else empty()


async def service_part(service_id: int, unit: dict, date_from: date, date_to: date, counter_id: int | None = None,
                       agg: dict | None = None) -> dict[str, Any]:
    """One service's inputs of the published figures: its summed rollups (`agg`), the standard in force now
    (`std`: limit and targets), its time stratum (portal.insight.time_headline) and per-version figures."""
    standards = await load_standards(service_id)
    std = standards.in_force(utcnow())
    if agg is None:
        agg = await service_totals(service_id, date_from, date_to, counter_id)
    cases = await timecases.service_inputs(service_id, std, unit, date_from, date_to, counter_id)
    return {"agg": agg, "std": std, "stratum": time_headline.stratum(agg, std, cases),
            "versions": version_blocks(agg, standards),
            "target_time": target_of(std, "target_time", DEFAULT_TARGET_TIME),
            "target_accuracy": target_of(std, "target_accuracy", DEFAULT_TARGET_ACCURACY)}


def strictest(parts: list[dict], key: str, default: float) -> float:
    """For several services pooled, the strictest (highest) target of each kind."""
    return max((p[key] for p in parts if p["std"] is not None), default=default)


async def service_results(service_id: int, date_from: date, date_to: date) -> dict:
    """Results of one service over [date_from, date_to] (unit-local days, inclusive) in the API shape."""
    service = await Service.select(Service.slug, Service.unit).where(Service.id == service_id).first().run()
    if service is None:
        raise LookupError(f"no service {service_id}")
    unit = await Unit.select().where(Unit.id == service["unit"]).first().run()
    assert unit is not None  # a service's unit exists (foreign key)
    part = await service_part(service_id, unit, date_from, date_to)
    complaints = await complaint_insight.figures([unit], [service_id], date_from, date_to)
    return {"service": service["slug"], "period": _period(date_from, date_to),
            **(await figures((part["agg"], [part["stratum"]], part["versions"], part["target_time"],
                              part["target_accuracy"], complaints)))[0]}


async def unit_parts(unit: dict, date_from: date, date_to: date) -> tuple[list[dict], list[dict]]:
    """The unit's services (id, slug, name, by slug) and each one's `service_part`."""
    services = await (Service.select(Service.id, Service.slug, Service.name).where(Service.unit == unit["id"])
                      .order_by(Service.slug).run())
    rows = await rollups.sums([s["id"] for s in services], date_from, date_to, by="service", profiles=True,
                              versions=True, sketches=True)
    per: dict[int, dict] = {s["id"]: empty() for s in services}
    for row in rows:
        per[row["group"]] = row
    parts = [await service_part(s["id"], unit, date_from, date_to, agg=per[s["id"]]) for s in services]
    return list(services), parts


async def unit_results(unit_id: int, date_from: date, date_to: date) -> dict:
    """Results of a unit (all its services pooled: one IKM over all respondents, one time estimate over all
    cases, each judged against its own service's limit) plus one entry per service, in the API shape."""
    unit = await Unit.select().where(Unit.id == unit_id).first().run()
    if unit is None:
        raise LookupError(f"no unit {unit_id}")
    services, parts = await unit_parts(unit, date_from, date_to)
    total = empty()
    for part in parts:
        add_into(total, part["agg"])
    period = _period(date_from, date_to)
    complaints = {s["id"]: await complaint_insight.figures([unit], [s["id"]], date_from, date_to) for s in services}
    pooled, *each = await figures(
        (total, [p["stratum"] for p in parts], None, strictest(parts, "target_time", DEFAULT_TARGET_TIME),
         strictest(parts, "target_accuracy", DEFAULT_TARGET_ACCURACY),
         await complaint_insight.figures([unit], None, date_from, date_to)),
        *((p["agg"], [p["stratum"]], p["versions"], p["target_time"], p["target_accuracy"], complaints[s["id"]])
          for s, p in zip(services, parts, strict=True)))
    return {
        "unit": unit["slug"], "period": period, **pooled,
        "services": [{"service": s["slug"], "period": period, **entry} for s, entry in zip(services, each,
                                                                                           strict=True)],
    }


async def figures(*inputs: tuple) -> list[dict]:
    """public(...) of each input, in order, computed in a worker thread: the respondent bootstrap and the exact
    searches are CPU work that must not hold up the event loop."""
    return await anyio.to_thread.run_sync(lambda: [public(*args) for args in inputs])
