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
from portal.db.tables_insight import CHANNEL_COLUMNS, NOT_COUNTED_FIELDS, OverchargeCase
from portal.insight import rollups, sketch, timecases
from portal.insight.aggregate import (
    Standards,
    _day,
    add_into,
    closures_of,
    counts_matrix,
    empty,
    ikm_of,
    profiles_matrix,
)
from portal.insight.periods import Period
from portal.insight.results import num, version_blocks
from portal.timeutil import utcnow
from survey.change import ikm_change, two_proportions
from survey.compliance import proportion
from survey.ikm import CATEGORY_LABELS, PROFILE_SHAPE
from survey.instrument import UNSUR_2017
from survey.sampling import krejcie_morgan, response_rate
from survey.spc import funnel as spc_funnel
from survey.spc import p_chart

DEFAULT_TARGET_TIME = 0.95
DEFAULT_TARGET_ACCURACY = 0.95
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
    """All the headline figures of one aggregate (with_ci=False skips the IKM bootstrap)."""
    return {
        "satisfaction": satisfaction(agg, with_ci),
        "time": prop(agg["time_within"], agg["time_n"], target_time),
        "cost": prop(agg["cost_visit_over"] + agg["cost_resp_over"], agg["cost_visit_n"] + agg["cost_resp_n"]),
        "cost_visits": prop(agg["cost_visit_over"], agg["cost_visit_n"]),
        "cost_responses": prop(agg["cost_resp_over"], agg["cost_resp_n"]),
        "accuracy": prop(agg["ftr_visit_ok"] + agg["ftr_resp_ok"], agg["ftr_visit_n"] + agg["ftr_resp_n"],
                         target_accuracy),
        "accuracy_visits": prop(agg["ftr_visit_ok"], agg["ftr_visit_n"]),
        "accuracy_responses": prop(agg["ftr_resp_ok"], agg["ftr_resp_n"]),
        "accuracy_disagree": int(agg["ftr_disagree"]),
        "cost_unrecorded": int(agg["cost_unrecorded"]),
        "requirements": prop(agg["req_ok"], agg["req_n"]),
        "channels": channels(agg),
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


async def _durations(scope: Scope, period: Period, targets: dict[int, dict], tz: str, closures: list[str]) -> dict:
    """Waiting and handling: median and 90th percentile with intervals from the rollups' duration sketches.
    Kaplan-Meier per multi-day service from the rollups too (portal.insight.timecases): completed durations as
    events, open cases censored at their time so far, open cases past their deadline counted as breaches."""
    sk = await rollups.sums(scope.service_ids, period.start, period.end, scope.counter_id, sketches=True)
    hists = sk[0] if sk else empty()

    def quantiles(hist: dict) -> dict:
        n = sum(hist.values())
        return {"n": n, "median": sketch.quantile_ci(hist, 0.5), "p90": sketch.quantile_ci(hist, 0.9)}

    km = []
    now = utcnow()
    for service in scope.services:
        target = targets.get(service["id"]) or {}
        res = await timecases.service_cases(service["id"], target, scope.unit, period.start, period.end,
                                            scope.counter_id, now)
        if res is None or res["n"] == 0:
            continue
        km.append({"service": service, "limit": res["limit"], "limit_unit": res["limit_unit"],
                   "prob": res["estimate"], "ci95": res["ci95"], "n": res["n"], "events": res["completed"],
                   "censored": res["open"], "completed": res["completed"], "open": res["open"],
                   "open_late": res["open_late"], "provisional": res["provisional"]})
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


def _targets_pooled(service_ids: list[int], targets: dict[int, dict]) -> tuple[float, float]:
    """For several services pooled, the strictest (highest) target of each kind."""
    tt = [targets[s].get("target_time") for s in service_ids if s in targets]
    ta = [targets[s].get("target_accuracy") for s in service_ids if s in targets]
    return (max([x for x in tt if x is not None], default=DEFAULT_TARGET_TIME),
            max([x for x in ta if x is not None], default=DEFAULT_TARGET_ACCURACY))


async def build(scope: Scope, period: Period, *, with_durations: bool = True) -> dict[str, Any]:
    """Every figure of the dashboard for this scope and period (see the module docstring for what reads raw rows).

    Sums come from the database over the rollups (GROUP BY service, counter or day), so the cost grows with
    services x counters x days, not with responses.
    """
    targets = await _targets(scope.service_ids)
    target_time, target_accuracy = _targets_pooled(scope.service_ids, targets)
    ids, cid = scope.service_ids, scope.counter_id
    per_service = {r["group"]: r for r in await rollups.sums(ids, period.start, period.end, cid, "service", True,
                                                             versions=True)}
    previous = period.previous()
    # with the respondent profiles: the IKM-change interval resamples respondents of both periods (issue 17 item 6)
    prev = _sum(await rollups.sums(ids, previous.start, previous.end, cid, profiles=True))
    total = _sum(list(per_service.values()))
    head = block(total, target_time, target_accuracy)
    prev_head = block(prev, target_time, target_accuracy, with_ci=False)

    sat = head["satisfaction"]
    served = total["served"]
    needed = krejcie_morgan(served) if served > 0 else None
    rr = response_rate(served, total["offered"], total["responded"])
    sat.update({"population": served, "sample_needed": needed,
                "sample_met": None if needed is None else sat["n"] >= needed,
                "response": {"served": rr.served, "offered": rr.offered, "responded": rr.responded,
                             "all_responses": total["responses"], "offer_rate": num(rr.offer_rate),
                             # the counting rule (issue 10): stored but not counted, by reason
                             "not_counted": {f[3:]: int(total[f]) for f in NOT_COUNTED_FIELDS},
                             "not_counted_total": sum(int(total[f]) for f in NOT_COUNTED_FIELDS),
                             "response_rate": num(rr.response_rate), "coverage": num(rr.coverage),
                             # Wilson intervals; responses bound to a visit can outnumber the visits marked
                             # "offered" when officers forget the mark, so k is capped at n for the interval.
                             "response_prop": prop(min(rr.responded, rr.offered), rr.offered),
                             "coverage_prop": prop(min(rr.responded, rr.served), rr.served)}})

    change = {
        "ikm": change_dict(_ikm_change(prev, total)),
        "time": change_dict(two_proportions(prev["time_within"], prev["time_n"], total["time_within"], total["time_n"])),
        "cost": change_dict(two_proportions(prev["cost_visit_over"] + prev["cost_resp_over"],
                                            prev["cost_visit_n"] + prev["cost_resp_n"],
                                            total["cost_visit_over"] + total["cost_resp_over"],
                                            total["cost_visit_n"] + total["cost_resp_n"])),
        "accuracy": change_dict(two_proportions(prev["ftr_visit_ok"] + prev["ftr_resp_ok"],
                                                prev["ftr_visit_n"] + prev["ftr_resp_n"],
                                                total["ftr_visit_ok"] + total["ftr_resp_ok"],
                                                total["ftr_visit_n"] + total["ftr_resp_n"])),
    }
    grain = "week" if period.days <= WEEKLY_MAX_DAYS else "month"
    points = series(await rollups.sums(ids, period.start, period.end, cid, "day"), period, grain)

    services = []
    for s in scope.services:
        t = targets.get(s["id"], {})
        agg = per_service.get(s["id"], empty())
        services.append({"service": s, "standard": t, "agg": agg,
                         "time_versions": version_blocks(agg, t.get("_standards")),
                         **block(agg, t.get("target_time"), t.get("target_accuracy"))})

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

    tz, closures = scope.unit["timezone"], closures_of(scope.unit)
    result: dict[str, Any] = {
        "period": period, "previous": previous, "grain": grain, "totals": total, **head,
        "target_time": target_time, "target_accuracy": target_accuracy,
        "previous_figures": prev_head, "change": change, "pchart": pchart(points),
        "services": services, "counter_funnel": counter_funnel, "unit_funnel": unit_funnel,
        "overcharges": await overcharge_cases(scope, period),
    }
    if with_durations:
        result["durations"] = await _durations(scope, period, targets, tz, closures)
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
