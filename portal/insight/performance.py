"""Public performance of a unit or service: results of a closed period, the monthly trend, the follow-up plan.

The time figure of the trend is each month's headline (portal.insight.time_headline), as in the results.

Aggregates only: no individual response, no comment, no personal data (the action owner is left out).
"""

from __future__ import annotations

from datetime import date

from portal.db.tables import Service
from portal.insight import actions, report, rollups, time_headline, timecases
from portal.insight.aggregate import empty, load_standards
from portal.insight.periods import Period, custom
from portal.insight.results import DEFAULT_TARGET_TIME, service_results, target_of, unit_results
from portal.timeutil import utcnow

TREND_MONTHS = 12


def trend_window(period: Period) -> Period:
    """The TREND_MONTHS calendar months ending with the period's last month."""
    end = period.end
    m = end.month - 1 - (TREND_MONTHS - 1)
    start = date(end.year + m // 12, m % 12 + 1, 1)
    return custom(start, end)


async def _time_by_month(unit: dict, service_ids: list[int], window: Period) -> dict[str, dict]:
    """The headline time figure of each month of the window (portal.insight.time_headline, issue 22): for a
    multi-day service the estimate counting open cases, read at the horizon that month's follow-up reaches and
    provisional while a case is open inside its deadline; several services pooled, each against its own limit.
    Read from the rollups: one sum per month plus each multi-day service's cases."""
    standards = {sid: (await load_standards(sid)).in_force(utcnow()) for sid in service_ids}
    target = max((target_of(std, "target_time", DEFAULT_TARGET_TIME) for std in standards.values()),
                 default=DEFAULT_TARGET_TIME)
    out = {}
    for start, end in window.months():
        per = {r["group"]: r for r in await rollups.sums(service_ids, start, end, by="service")}
        strata = []
        for sid in service_ids:
            std = standards[sid]
            cases = await timecases.service_inputs(sid, std, unit, start, end)
            strata.append(time_headline.stratum(per.get(sid, empty()), std, cases))
        out[f"{start.year}-{start.month:02d}"] = time_headline.headline(strata, target)
    return out


def _trend_points(rows: list[dict], window: Period, times: dict[str, dict]) -> list[dict]:
    out = []
    for p in report.monthly_trend(rows, window):
        sat = p["satisfaction"]
        out.append({"month": p["label"],
                    "satisfaction": {"n": sat["n"], "ikm": sat["ikm"], "category": sat["category"],
                                     "ci95": sat["ci95"], "nrr": [u["nrr"] for u in sat["unsur"]]},
                    "time": times[p["label"]]})
    return out


def _weakest(agg: dict, lang: str) -> list[dict]:
    sat = report.satisfaction(agg)
    return [{"code": u["code"], "name": u["name_id"] if lang == "id" else u["name_en"], "nrr": u["nrr"],
             "grade": u["grade"]} for u in sat["unsur"] if u["weakest"]]


async def _follow_up(unit_id: int, service_id: int | None) -> list[dict]:
    items = await actions.items([unit_id], actions.OPEN_STATUSES)
    if service_id is not None:
        items = [i for i in items if i["service"] == service_id]
    return [{"service": i["service_slug"] or "", "source": i["source"], "period": i["period"],
             "status": i["status"], "action": i["action"],
             "due_date": i["due_date"].isoformat() if i["due_date"] else None} for i in items]


async def of_service(service: dict, unit: dict, period: Period, lang: str) -> dict:
    results = await service_results(service["id"], period.start, period.end)
    window = trend_window(period)
    rows = await rollups.sums([service["id"]], window.start, window.end, by="day", profiles=True)
    agg = report._sum([r for r in rows if period.start <= r["group"] <= period.end])
    times = await _time_by_month(unit, [service["id"]], window)
    return {"results": results, "period_label": period.label, "trend": _trend_points(rows, window, times),
            "weakest_unsur": _weakest(agg, lang), "follow_up": await _follow_up(unit["id"], service["id"])}


async def of_unit(unit: dict, period: Period, lang: str) -> dict:
    results = await unit_results(unit["id"], period.start, period.end)
    ids = [s["id"] for s in await Service.select(Service.id).where(Service.unit == unit["id"]).run()]
    window = trend_window(period)
    rows = await rollups.sums(ids, window.start, window.end, by="day", profiles=True)
    agg = report._sum([r for r in rows if period.start <= r["group"] <= period.end])
    times = await _time_by_month(unit, ids, window)
    return {"results": results, "period_label": period.label, "trend": _trend_points(rows, window, times),
            "weakest_unsur": _weakest(agg, lang), "follow_up": await _follow_up(unit["id"], None)}


