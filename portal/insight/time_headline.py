"""The headline time figure of a service, a unit or a city over a period (issue 22), one shape everywhere.

A service is one *stratum*: a same-day service (limit in minutes or hours) by its completed visits judged against
the version recorded at arrival (the completed share, Wilson interval; docs/measures.md §4); a multi-day service
(limit in working or calendar days) by its cases, completed and open, Kaplan-Meier read at the horizon its
follow-up reaches (portal.insight.timecases; §5). A unit or the city pools its services' strata, each judged
against its own limit (survey.survival.pooled: case-weighted, variances added), so the headline of every scope
is the estimate that counts open cases. The completed-only share stays beside it as `completed_rate`.

Verdict against the target (survey.compliance.proportion, the exact binomial test of §3): a final figure
(no case of the period still open inside its deadline) equals the share of all its cases done within their
limits, k of n, and is judged as such. A provisional figure never "meets": its verdict is "provisional"
(final after `final_after`), unless even with every open case finishing in time the share would be below the
target, which is then certain ("below", tested on that best case).
"""

from __future__ import annotations

import math
from typing import Any

from portal.insight.timecases import Cases
from survey.change import Change, two_estimates, two_proportions
from survey.compliance import proportion
from survey.survival import pooled


def _num(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def same_day(within: int, n: int, std: dict | None) -> dict[str, Any]:
    """A same-day service's stratum: completed timed visits, `within` of `n` (no censoring: the share itself,
    with the binomial variance p (1 - p) / n, which is Greenwood's without censored cases)."""
    p = within / n if n else math.nan
    return {"multi_day": False, "n": int(n), "within": int(within), "completed": int(n), "open": 0,
            "open_late": 0, "open_within": 0, "prob": p, "variance": p * (1 - p) / n if n else math.nan,
            "ci95": list(proportion(within, n).ci95) if n else None, "horizon": None, "limited": False, "provisional": False, "final_after": None,
            "limit": (std or {}).get("time_limit_value"), "limit_unit": (std or {}).get("time_limit_unit"),
            "cases": None}


def multi_day(cases: Cases, at: float | None = None) -> dict[str, Any]:
    """A multi-day service's stratum: its cases read at their horizon (or at `at`, earlier)."""
    r = cases.read(at)
    return {"multi_day": True, "n": r["n"], "within": r["within"], "completed": r["completed"], "open": r["open"],
            "open_late": r["open_late"], "open_within": r["open_within"],
            "prob": r["estimate"] if r["estimate"] is not None else math.nan,
            "variance": r["variance"] if r["variance"] is not None else math.nan, "ci95": r["ci95"],
            "horizon": r["horizon"], "limited": r["limited"], "provisional": r["provisional"],
            "final_after": r["final_after"], "limit": r["limit"], "limit_unit": r["limit_unit"], "cases": cases}


def stratum(agg: dict, std: dict | None, cases: Cases | None) -> dict[str, Any]:
    """A service's stratum from its summed rollups (`agg`), the standard in force (`std`) and its cases."""
    if cases is not None:
        return multi_day(cases)
    return same_day(int(agg["time_within"]), int(agg["time_n"]), std)


def _common(values: list) -> Any:
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


def _verdict(within: int, open_within: int, n: int, provisional: bool, target: float | None) -> dict[str, Any]:
    """Verdict, p-value and cases needed of a headline (module docstring)."""
    if target is None or n == 0:
        return {"target": target, "verdict": None, "p_value": None, "extra_needed": None}
    if not provisional:
        p = proportion(within, n, target)
        return {"target": target, "verdict": p.verdict, "p_value": p.p_value, "extra_needed": p.extra_needed}
    best = proportion(within + open_within, n, target)
    return {"target": target, "verdict": "below" if best.verdict == "below" else "provisional",
            "p_value": best.p_value, "extra_needed": None}


def headline(strata: list[dict], target: float | None = None) -> dict[str, Any]:
    """The time block of the results API and the dashboard for the pooled strata (one: a service).

    Keys: basis ("kaplan_meier" when any stratum is multi-day, else "completed"), n (cases behind the headline:
    completed timed visits of same-day services plus completed and open cases of multi-day ones), within
    (completed within the limit), rate and ci95 (THE headline: the pooled estimate counting open cases, or the
    completed share with its Wilson interval for same-day services only), completed_rate and completed_ci95
    (completed cases only, Wilson: beside the headline, never instead of it), completed, open, open_late
    (multi-day), estimate and estimate_ci95 (the same as rate and ci95 when basis is kaplan_meier, kept for
    earlier readers), limit and limit_unit (when every stratum has the same), horizon_days (the horizon read,
    in the limit's unit, when every stratum is multi-day and read at the same one), horizon_limited (some
    stratum is read short of its limit), provisional and final_after, target, verdict, p_value, extra_needed.
    """
    n = sum(s["n"] for s in strata)
    within = sum(s["within"] for s in strata)
    completed = sum(s["completed"] for s in strata)
    multi = [s for s in strata if s["multi_day"]]
    done_p = proportion(within, completed)
    out: dict[str, Any] = {
        "n": n, "within": within, "completed_rate": _num(done_p.rate),
        "completed_ci95": list(done_p.ci95) if completed else None,
        "limit": _common([s["limit"] for s in strata]) if strata else None,
        "limit_unit": _common([s["limit_unit"] for s in strata]) if strata else None,
    }
    if not multi:
        p = proportion(within, n)
        return {**out, "basis": "completed", "rate": _num(p.rate), "ci95": list(p.ci95) if n else None,
                "completed": None, "open": None, "open_late": None, "estimate": None, "estimate_ci95": None,
                "horizon_days": None, "horizon_limited": False, "provisional": None, "final_after": None,
                **_verdict(within, 0, n, False, target)}
    pool = pooled([(s["n"], s["prob"], s["variance"]) for s in strata])
    rate = _num(pool.prob)
    ci95 = list(pool.ci95) if pool.ci95 else None
    with_cases = [s for s in strata if s["n"]]
    if len(with_cases) == 1:  # one service with cases: its own figure and interval (Kaplan-Meier, or Wilson)
        rate, ci95 = _num(with_cases[0]["prob"]), with_cases[0]["ci95"]
    provisional = any(s["provisional"] for s in strata)
    finals = [s["final_after"] for s in strata if s["final_after"] is not None]
    open_within = sum(s["open_within"] for s in strata)
    horizons = [(s["horizon"], s["limit_unit"]) for s in strata]
    horizon = horizons[0][0] if len(multi) == len(strata) and len(set(horizons)) == 1 else None
    return {**out, "basis": "kaplan_meier", "rate": rate, "ci95": ci95, "completed": completed,
            "open": sum(s["open"] for s in strata), "open_late": sum(s["open_late"] for s in strata),
            "estimate": rate, "estimate_ci95": ci95, "horizon_days": horizon,
            "horizon_limited": any(s["limited"] for s in multi), "provisional": provisional,
            "final_after": max(finals).isoformat() if finals else None,
            **_verdict(within, open_within, n, provisional, target)}


def change(pairs: list[tuple[dict, dict]]) -> Change:
    """The change of the headline against the previous period, from (previous, current) strata of the same
    services. Same-day services only: the two completed shares (survey.change.two_proportions). Otherwise the
    two pooled estimates, each multi-day service of both periods read at the same horizon (the shorter of the
    two), so that a recent period whose follow-up is short is compared like with like
    (survey.change.two_estimates)."""
    previous, current = [p for p, _c in pairs], [c for _p, c in pairs]
    if not any(s["multi_day"] for s in current + previous):
        return two_proportions(sum(s["within"] for s in previous), sum(s["n"] for s in previous),
                               sum(s["within"] for s in current), sum(s["n"] for s in current))

    def at_common(a: dict, b: dict) -> dict:
        if not a["multi_day"] or not b["multi_day"] or a["n"] == 0 or b["n"] == 0:
            return a
        h = min(a["horizon"], b["horizon"])
        return multi_day(a["cases"], h) if h < a["horizon"] else a

    a = pooled([(s["n"], s["prob"], s["variance"]) for s in (at_common(p, c) for p, c in pairs)])
    b = pooled([(s["n"], s["prob"], s["variance"]) for s in (at_common(c, p) for p, c in pairs)])
    return two_estimates(a.prob, a.variance, b.prob, b.variance)
