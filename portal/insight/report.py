"""The dashboard's figures for a scope (unit, service or counter) and a period: rollups in, survey/ figures out.

Everything additive comes from the rollups (cost grows with services x days x counters, not with responses).
Waiting and handling times (median, 90th percentile) come from the duration sketches in the rollups (within
5 % of the raw value, portal.insight.sketch), Kaplan-Meier from the completed-duration histograms and open
counts in the rollups, and overcharge cases from the case list kept with the rollups: the dashboard reads
no raw visit or response.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np

from portal.db.tables import Counter, Service, StandardVersion
from portal.db.tables_insight import CHANNEL_COLUMNS, OverchargeCase
from portal.insight import rollups, time_headline, timecases
from portal.insight.aggregate import (
    Standards,
    _day,
    add_into,
    counts_matrix,
    empty,
    ikm_of,
    profiles_matrix,
)
from portal.insight.periods import Period
from portal.insight.results import (
    DEFAULT_TARGET_ACCURACY,
    DEFAULT_TARGET_TIME,
    num,
    outcomes_block,
    quantiles,
    response_block,
    version_blocks,
)
from portal.timeutil import utcnow
from survey.change import ikm_change, two_proportions
from survey.compliance import proportion
from survey.ikm import CATEGORY_LABELS, PROFILE_SHAPE
from survey.instrument import UNSUR_2017
from survey.sampling import krejcie_morgan
from survey.spc import funnel as spc_funnel
from survey.spc import p_chart

WEEKLY_MAX_DAYS = 92  # p-chart by week up to a quarter, by month beyond


@dataclass
class Scope:
    """What a dashboard (or evidence pack, or public page) looks at: one unit, optionally a service or counter."""

    unit: dict
    services: list[dict]  # services of the unit in scope (all, or the one selected)
    service: dict | None = None
    counter: dict | None = None
    peer_units: list[dict] = field(default_factory=list)  # for the funnel across units (with their services)

    @property
    def service_ids(self) -> list[int]:
        return [s["id"] for s in self.services]

    @property
    def counter_id(self) -> int | None:
        return self.counter["id"] if self.counter else None

    def key(self) -> str:
        return f"u{self.unit['id']}-s{self.service['id'] if self.service else 0}-c{self.counter_id or 0}"


def prop(k: int, n: int, target: float | None = None) -> dict[str, Any]:
    """A rate with its Wilson 95 % interval (and verdict against a target) as a plain dict for templates/JSON."""
    p = proportion(int(k), int(n), target if n else None)
    return {"k": p.k, "n": p.n, "rate": num(p.rate), "ci95": list(p.ci95) if n else None, "target": target,
            "verdict": p.verdict, "p_value": p.p_value, "extra_needed": p.extra_needed}


def change_dict(c) -> dict[str, Any]:
    return {"diff": num(c.diff), "ci95": list(c.ci95) if c.ci95 else None, "p_value": c.p_value}


def satisfaction(agg: dict[str, Any], with_ci: bool = True) -> dict[str, Any]:
    """IKM, category, interval, certainty and the per-unsur table from an aggregate (survey.ikm)."""
    r = ikm_of(agg, bootstrap=with_ci)
    ikm = num(r.ikm)
    nrr = [num(x) for x in r.nrr]
    answered = [x for x in nrr if x is not None]
    weakest = min(answered) if answered else None
    unsur = [{"code": u.code, "name_id": u.name_id, "name_en": u.name_en, "nrr": x, "nrr25": None if x is None else x * 25,
              "grade": g if x is not None else None, "answers": k, "weighted": None if x is None else x / 9,
              "weakest": x is not None and x == weakest}
             for u, x, g, k in zip(UNSUR_2017, nrr, r.unsur_grades, r.responses_per_unsur, strict=True)]
    category = r.category if ikm is not None else None
    return {"n": int(agg["respondents"]), "ikm": ikm, "ni": num(r.ni), "category": category,
            "label": CATEGORY_LABELS.get(category or "", ("", "")),
            "ci95": list(r.ci95) if r.ci95 else None, "certain": r.category_certain, "ci_method": r.ci_method,
            "unsur": unsur, "weakest": [u["code"] for u in unsur if u["weakest"]]}


async def _targets(service_ids: list[int]) -> dict[int, dict]:
    """The standard in force now of each service (its targets and limits), by service id."""
    out: dict[int, dict] = {}
    if not service_ids:
        return out
    versions = await StandardVersion.select().where(StandardVersion.service.is_in(service_ids)).run()
    by_service: dict[int, list[dict]] = defaultdict(list)
    for v in versions:
        by_service[v["service"]].append(v)
    now = utcnow()
    for sid, vs in by_service.items():
        std = Standards(vs)
        chosen = std.in_force(now)
        if chosen is not None:
            out[sid] = {**chosen, "_standards": std}
        else:
            out[sid] = {"_standards": std, "fee": 0, "target_time": DEFAULT_TARGET_TIME,
                        "target_accuracy": DEFAULT_TARGET_ACCURACY, "time_limit_unit": None, "time_limit_value": None}
    return out


def _sum(rows: list[dict], keyfunc=None) -> dict:
    if keyfunc is None:
        total = empty()
        for row in rows:
            add_into(total, row)
        return total
    groups: dict[Any, dict] = defaultdict(empty)
    for row in rows:
        add_into(groups[keyfunc(row)], row)
    return dict(groups)


def channels(agg: dict) -> dict[str, Any]:
    """Counted answers by channel (issue 14): {"n": counted responses, "rows": [{"channel": "qr" | "ticket" |
    "kiosk" | "paper" | "other", "k": count, "share": k / n}]} for the channels with answers, in a fixed order.
    Not-counted answers are left out (the counting rule), so the shares describe the answers behind the IKM."""
    n = int(agg["responses"])
    rows = [{"channel": column[3:], "k": int(agg[column]), "share": int(agg[column]) / n}
            for column in CHANNEL_COLUMNS if n and agg[column]]
    return {"n": n, "rows": rows}


def block(agg: dict, target_time: float | None = None, target_accuracy: float | None = None,
          with_ci: bool = True) -> dict[str, Any]:
    """The figures of one aggregate that come from its counts alone (with_ci=False skips the IKM bootstrap).

    `time` here is the completed-only share (what the p-chart and the funnels plot); the headline time figure
    of a scope counts open cases and is set by `build` (portal.insight.time_headline). Cost and accuracy: the
    headline counts visits (one verdict per visit, per product delivered at a visit); answers bound to no
    visit are their own line (`cost_responses`, `accuracy_responses`), never added to them (issue 22 item 5).
    """
    return {
        "satisfaction": satisfaction(agg, with_ci),
        "time": prop(agg["time_within"], agg["time_n"], target_time),
        "cost": prop(agg["cost_visit_over"], agg["cost_visit_n"]),
        "cost_responses": prop(agg["cost_resp_over"], agg["cost_resp_n"]),
        "cost_cases": int(agg["cost_visit_over"] + agg["cost_resp_over"]),
        "accuracy": prop(agg["ftr_visit_ok"], agg["ftr_visit_n"], target_accuracy),
        "accuracy_responses": prop(agg["ftr_resp_ok"], agg["ftr_resp_n"]),
        "accuracy_disagree": int(agg["ftr_disagree"]),
        "cost_unrecorded": int(agg["cost_unrecorded"]),
        "requirements": prop(agg["req_ok"], agg["req_n"]),
        "channels": channels(agg),
        "outcomes": outcomes_block(agg),
    }


def _bucket(d: date, grain: str) -> str:
    if grain == "month":
        return f"{d.year}-{d.month:02d}"
    iso = d.isocalendar()
    return f"{iso[0]}-W{iso[1]:02d}"


def series(day_rows: list[dict], period: Period, grain: str) -> list[dict]:
    """Per week or month from per-day sums (rollups.sums by="day"), in order (empty buckets kept)."""
    spans = period.weeks() if grain == "week" else period.months()
    groups = _sum(day_rows, lambda r: _bucket(r["group"], grain))
    out = []
    for start, end in spans:
        label = _bucket(start, grain)
        out.append({"label": label, "from": start, "to": end, "agg": groups.get(label, empty())})
    return out


def pchart(points: list[dict]) -> dict[str, Any]:
    """p-chart of time compliance per bucket (survey.spc.p_chart, limits varying with n)."""
    k = np.array([p["agg"]["time_within"] for p in points], dtype=float)
    n = np.array([p["agg"]["time_n"] for p in points], dtype=float)
    if n.sum() == 0:
        return {"points": [], "center": None, "signals": []}
    chart = p_chart(k, n)
    pts = [{"label": p["label"], "k": int(ki), "n": int(ni), "p": num(pi), "lcl": num(lo), "ucl": num(hi)}
           for p, ki, ni, pi, lo, hi in zip(points, k, n, chart.p, chart.lcl, chart.ucl, strict=True)]
    return {"points": pts, "center": num(chart.center),
            "signals": [{"label": points[i]["label"], "rule": rule} for i, rule in chart.signals]}


def funnel(items: list[tuple[str, int, int]]) -> dict[str, Any]:
    """Funnel plot of time compliance across places (survey.spc.funnel: 95 % and 99.8 % limits, widened for
    overdispersion when the data call for it; `method`, `phi` and `tau2` say which limits were drawn)."""
    items = [(label, k, n) for label, k, n in items if n > 0]
    if len(items) < 2:
        return {"rows": [], "p0": None, "method": None, "phi": None, "tau2": None}
    k = np.array([i[1] for i in items], dtype=float)
    n = np.array([i[2] for i in items], dtype=float)
    f = spc_funnel(k, n)
    limits = f.limits
    rows = [{"label": label, "k": int(ki), "n": int(ni), "p": ki / ni, "position": pos,
             "lo95": float(limits[0.95][0][i]), "hi95": float(limits[0.95][1][i]),
             "lo998": float(limits[0.998][0][i]), "hi998": float(limits[0.998][1][i])}
            for i, ((label, _k, _n), ki, ni, pos) in enumerate(zip(items, k, n, f.positions, strict=True))]
    return {"rows": rows, "p0": f.p0, "method": f.method, "phi": num(f.phi), "tau2": f.tau2}


def _durations(hists: dict, strata: list[tuple[dict, dict]]) -> dict:
    """Waiting and handling: median and 90th percentile with intervals from the rollups' duration sketches.
    Kaplan-Meier per multi-day service (portal.insight.timecases, from the rollups too): completed durations as
    events, open cases censored at their time so far, open cases past their deadline counted as breaches, read
    at the horizon the follow-up reaches."""
    km = []
    for service, st in strata:
        if not st["multi_day"] or st["n"] == 0:
            continue
        km.append({"service": service, "limit": st["limit"], "limit_unit": st["limit_unit"],
                   "prob": num(st["prob"]), "ci95": st["ci95"], "n": st["n"], "events": st["completed"],
                   "censored": st["open"], "completed": st["completed"], "open": st["open"],
                   "open_late": st["open_late"], "provisional": st["provisional"], "horizon": st["horizon"],
                   "limited": st["limited"],
                   "final_after": st["final_after"].isoformat() if st["final_after"] else None})
    return {"waiting": quantiles(hists["wait_hist"]), "handling": quantiles(hists["handle_hist"]), "km": km}


async def overcharge_cases(scope: Scope, period: Period, targets: dict[int, dict] | None = None) -> list[dict]:
    """Every payment above the official fee in the period (never trimmed), oldest first, from the case list the
    rollups keep (portal.db.tables_insight.OverchargeCase)."""
    if not scope.service_ids:
        return []
    where = (OverchargeCase.service.is_in(scope.service_ids) & (OverchargeCase.day >= period.start)
             & (OverchargeCase.day <= period.end))
    if scope.counter_id:
        where &= OverchargeCase.counter == scope.counter_id
    names = {s["id"]: s for s in scope.services}
    counters = {c["id"]: c for c in await Counter.select(Counter.id, Counter.code, Counter.name)
                .where(Counter.unit == scope.unit["id"]).run()}
    rows = await OverchargeCase.select().where(where).order_by(OverchargeCase.day).order_by(OverchargeCase.id).run()
    return [{"day": _day(r["day"]), "service": names[r["service"]], "source": r["source"], "amount": r["amount"],
             "fee": r["fee"], "ref": f"{'V' if r['source'] == 'officer' else 'R'}{r['ref_id']}",
             "counter": counters.get(r["counter"])} for r in rows]


async def _strata(scope: Scope, period: Period, targets: dict[int, dict]) -> list[dict]:
    """The time stratum of each service in scope over the period (portal.insight.time_headline.stratum), with
    its summed rollups; services in the scope's order."""
    rows = {r["group"]: r for r in await rollups.sums(scope.service_ids, period.start, period.end,
                                                      scope.counter_id, "service", True, versions=True)}
    now = utcnow()
    out = []
    for s in scope.services:
        std = targets.get(s["id"])
        std = std if std and std.get("time_limit_unit") else None
        agg = rows.get(s["id"], empty())
        cases = await timecases.service_inputs(s["id"], std, scope.unit, period.start, period.end,
                                               scope.counter_id, now)
        out.append({"service": s, "agg": agg, "stratum": time_headline.stratum(agg, std, cases)})
    return out


def _target(targets: dict[int, dict], service_id: int, key: str, default: float) -> float:
    value = targets.get(service_id, {}).get(key)
    return default if value is None else float(value)


async def build(scope: Scope, period: Period, *, with_durations: bool = True) -> dict[str, Any]:
    """Every figure of the dashboard for this scope and period (see the module docstring for what reads raw rows).

    Sums come from the database over the rollups (GROUP BY service, counter or day), so the cost grows with
    services x counters x days, not with responses. The time headline of the scope and of each service is
    portal.insight.time_headline's, the same function the results API uses (issue 22).
    """
    targets = await _targets(scope.service_ids)
    ids, cid = scope.service_ids, scope.counter_id
    target_time = max((_target(targets, i, "target_time", DEFAULT_TARGET_TIME) for i in ids),
                      default=DEFAULT_TARGET_TIME)
    target_accuracy = max((_target(targets, i, "target_accuracy", DEFAULT_TARGET_ACCURACY) for i in ids),
                          default=DEFAULT_TARGET_ACCURACY)
    current = await _strata(scope, period, targets)
    per_service = {c["service"]["id"]: c["agg"] for c in current}
    previous = period.previous()
    before = await _strata(scope, previous, targets)
    # with the respondent profiles: the IKM-change interval resamples respondents of both periods (issue 17 item 6)
    prev = _sum(await rollups.sums(ids, previous.start, previous.end, cid, profiles=True))
    total = _sum(list(per_service.values()))
    head = block(total, target_time, target_accuracy)
    head["completed_time"] = head["time"]
    head["time"] = time_headline.headline([c["stratum"] for c in current], target_time)
    prev_head = block(prev, target_time, target_accuracy, with_ci=False)
    prev_head["time"] = time_headline.headline([c["stratum"] for c in before], target_time)

    sat = head["satisfaction"]
    served = total["served"]
    needed = krejcie_morgan(served) if served > 0 else None
    sat.update({"population": served, "sample_needed": needed,
                "sample_met": None if needed is None else sat["n"] >= needed,
                "response": {**response_block(total),
                             # the funnel's two rates as rate dicts for the page (k capped at n, as the API)
                             "response_prop": prop(min(total["responded"], total["offered"]), total["offered"]),
                             "coverage_prop": prop(min(total["responded"], total["served"]), total["served"])}})

    change = {
        "ikm": change_dict(_ikm_change(prev, total)),
        "time": change_dict(time_headline.change([(b["stratum"], c["stratum"])
                                                  for b, c in zip(before, current, strict=True)])),
        "cost": change_dict(two_proportions(prev["cost_visit_over"], prev["cost_visit_n"],
                                            total["cost_visit_over"], total["cost_visit_n"])),
        "accuracy": change_dict(two_proportions(prev["ftr_visit_ok"], prev["ftr_visit_n"],
                                                total["ftr_visit_ok"], total["ftr_visit_n"])),
    }
    grain = "week" if period.days <= WEEKLY_MAX_DAYS else "month"
    points = series(await rollups.sums(ids, period.start, period.end, cid, "day"), period, grain)

    services = []
    for c in current:
        s, agg = c["service"], c["agg"]
        t = targets.get(s["id"], {})
        figures = block(agg, t.get("target_time"), t.get("target_accuracy"))
        figures["completed_time"] = figures["time"]
        figures["time"] = time_headline.headline(
            [c["stratum"]], _target(targets, s["id"], "target_time", DEFAULT_TARGET_TIME))
        services.append({"service": s, "standard": t, "agg": agg,
                         "time_versions": version_blocks(agg, t.get("_standards")), **figures})

    counters = {c["id"]: c for c in await Counter.select().where(Counter.unit == scope.unit["id"])
                .order_by(Counter.code).run()}
    per_counter = {r["group"]: r for r in await rollups.sums(ids, period.start, period.end, None, "counter")}
    counter_funnel = funnel([(counters[c]["code"], a["time_within"], a["time_n"])
                             for c, a in sorted(per_counter.items()) if c in counters])
    unit_funnel = {"rows": [], "p0": None, "method": None, "phi": None, "tau2": None}
    if len(scope.peer_units) >= 2:
        all_ids = [s["id"] for peer in scope.peer_units for s in peer["services"]]
        by_service = {r["group"]: r for r in await rollups.sums(all_ids, period.start, period.end, None, "service")}
        items = []
        for peer in scope.peer_units:
            agg = _sum([by_service[s["id"]] for s in peer["services"] if s["id"] in by_service])
            items.append((peer["unit"]["short_name"] or peer["unit"]["slug"], agg["time_within"], agg["time_n"]))
        unit_funnel = funnel(items)

    result: dict[str, Any] = {
        "period": period, "previous": previous, "grain": grain, "totals": total, **head,
        "target_time": target_time, "target_accuracy": target_accuracy,
        "previous_figures": prev_head, "change": change, "pchart": pchart(points),
        "services": services, "counter_funnel": counter_funnel, "unit_funnel": unit_funnel,
        "overcharges": await overcharge_cases(scope, period),
    }
    if with_durations:
        sk = await rollups.sums(ids, period.start, period.end, cid, sketches=True)
        result["durations"] = _durations(sk[0] if sk else empty(),
                                         [(c["service"], c["stratum"]) for c in current])
    return result


@lru_cache(maxsize=1024)
def _ikm_change_cached(a: bytes, b: bytes, pa: bytes, pb: bytes):
    def table(raw: bytes, shape: tuple[int, int]) -> np.ndarray:
        return np.frombuffer(raw, dtype=np.int64).reshape(shape)

    return ikm_change(table(a, (9, 4)), table(b, (9, 4)),
                      profiles_a=table(pa, PROFILE_SHAPE), profiles_b=table(pb, PROFILE_SHAPE))


def _ikm_change(prev: dict, cur: dict):
    """survey.change.ikm_change of two aggregates, resampling respondents through their profiles
    (memoised: a pure function of the two count tables and the two profile histograms)."""
    return _ikm_change_cached(counts_matrix(prev).tobytes(), counts_matrix(cur).tobytes(),
                              profiles_matrix(prev).astype(np.int64).tobytes(),
                              profiles_matrix(cur).astype(np.int64).tobytes())


def monthly_trend(day_rows: list[dict], period: Period) -> list[dict]:
    """IKM and time compliance per month from per-day sums with profiles (public pages, evidence pack)."""
    return [{"label": p["label"], "from": p["from"], "to": p["to"], "satisfaction": satisfaction(p["agg"]),
             "time": prop(p["agg"]["time_within"], p["agg"]["time_n"])} for p in series(day_rows, period, "month")]


async def unit_scope(unit: dict, service: dict | None = None, counter: dict | None = None) -> Scope:
    services = await (Service.select().where(Service.unit == unit["id"]).order_by(Service.name).run())
    if service is not None:
        services = [s for s in services if s["id"] == service["id"]]
    return Scope(unit=unit, services=services, service=service, counter=counter)
