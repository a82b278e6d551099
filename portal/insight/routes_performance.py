"""Insight routes for the public: published performance pages, their JSON API and monthly-trend CSV."""

from __future__ import annotations

import io
from typing import Annotated

import msgspec
from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from portal import exports
from portal.complaints import insight as complaint_insight
from portal.db.tables import Service
from portal.insight import api, charts, performance, periods
from portal.insight.api import period_or_400
from portal.insight.schemas import ServicePerformance, UnitPerformance
from portal.timeutil import local_day
from portal.web import request_lang, t
from survey.ikm import CATEGORY_LABELS

Q = QueryParameter
PeriodParam = Annotated[str | None, Q(name="period", description="2026-Q3, 2026-S1, 2026-07 or 2026 "
                                                                "(default: the last closed quarter)")]
PUBLIC = {"exclude_from_auth": True}


async def _public_service(request: Request, service_slug: str, period: str | None):
    service, unit = await api._service(request, service_slug)
    p = period_or_400(request, None, None, unit["timezone"], period, default="closed_quarter")
    return service, unit, p


async def _public_unit(request: Request, unit_slug: str, period: str | None):
    unit = await api._unit(request, unit_slug)
    p = period_or_400(request, None, None, unit["timezone"], period, default="closed_quarter")
    return unit, p


async def _performance_page(request: Request, kind: str, subject: dict, unit: dict, p: periods.Period,
                            data: dict) -> Template:
    trend_svg = None
    if any(x["satisfaction"]["n"] or x["time"]["n"] for x in data["trend"]):
        trend_svg = await charts.render("trend", [
            {"label": x["month"], "satisfaction": x["satisfaction"], "time": x["time"]} for x in data["trend"]],
            t(request, "IKM and share within the time limit per month"), request_lang(request))
    today = local_day(unit["timezone"])
    names = await Service.select(Service.slug, Service.name).where(Service.unit == unit["id"]).run()
    return Template("insight/performance.html", context={
        "kind": kind, "subject": subject, "unit": unit, "period": p, "data": data, "trend_svg": trend_svg,
        "lang": request_lang(request), "category_labels": CATEGORY_LABELS,
        "service_names": {r["slug"]: r["name"] for r in names},
        "period_choices": [o for o in periods.choices(today) if o["end"] < today],  # published: closed periods
        "complaints": await complaint_insight.for_subject(kind, subject, unit, p),
    })


@get("/performance/units/{unit_slug:str}", name="insight_performance_unit", opt=PUBLIC)
async def performance_unit(request: Request, unit_slug: FromPath[str], period: PeriodParam = None) -> Template:
    """Public: a unit's results for a closed period, its monthly trend and its follow-up plan."""
    unit, p = await _public_unit(request, unit_slug, period)
    data = await performance.of_unit(unit, p, request_lang(request))
    return await _performance_page(request, "unit", unit, unit, p, data)


@get("/performance/services/{service_slug:str}", name="insight_performance_service", opt=PUBLIC)
async def performance_service(request: Request, service_slug: FromPath[str], period: PeriodParam = None) -> Template:
    """Public: a service's results for a closed period, its monthly trend and its follow-up plan."""
    service, unit, p = await _public_service(request, service_slug, period)
    data = await performance.of_service(service, unit, p, request_lang(request))
    return await _performance_page(request, "service", service, unit, p, data)


@get("/api/v1/performance/units/{unit_slug:str}", name="insight_api_performance_unit", opt=PUBLIC, tags=["performance"],
     summary="Public performance of a unit")
async def api_performance_unit(request: Request, unit_slug: FromPath[str], period: PeriodParam = None) -> UnitPerformance:
    """Results of a closed period (default: the last full quarter), the 12-month trend of IKM and time
    compliance, the weakest unsur and the open follow-up actions. Aggregates only."""
    unit, p = await _public_unit(request, unit_slug, period)
    return msgspec.convert(await performance.of_unit(unit, p, request_lang(request)), UnitPerformance)


@get("/api/v1/performance/services/{service_slug:str}", name="insight_api_performance_service", opt=PUBLIC,
     tags=["performance"], summary="Public performance of a service")
async def api_performance_service(request: Request, service_slug: FromPath[str],
                                  period: PeriodParam = None) -> ServicePerformance:
    """Results of a closed period, the 12-month trend, the weakest unsur and the follow-up plan of a service."""
    service, unit, p = await _public_service(request, service_slug, period)
    return msgspec.convert(await performance.of_service(service, unit, p, request_lang(request)),
                           ServicePerformance)


TREND_COLUMNS = ("month", "satisfaction_n", "ikm", "category", "ikm_ci95_low", "ikm_ci95_high",
                 "time_n", "time_within", "time_rate", "time_ci95_low", "time_ci95_high", "time_basis",
                 "time_completed_rate", "time_horizon_days", "time_provisional")


def _trend_csv(data: dict, filename: str) -> Response:
    buffer = io.StringIO()
    writer = exports.csv_writer(buffer, lineterminator="\n")
    writer.writerow(TREND_COLUMNS)

    def v(x):
        return "" if x is None else repr(x) if isinstance(x, float) else x

    for x in data["trend"]:
        s, tm = x["satisfaction"], x["time"]
        writer.writerow([x["month"], s["n"], v(s["ikm"]), v(s["category"]),
                         v(s["ci95"][0] if s["ci95"] else None), v(s["ci95"][1] if s["ci95"] else None),
                         tm["n"], tm["within"], v(tm["rate"]), v(tm["ci95"][0] if tm["ci95"] else None),
                         v(tm["ci95"][1] if tm["ci95"] else None), v(tm.get("basis")), v(tm.get("completed_rate")),
                         v(tm.get("horizon_days")),
                         "" if tm.get("provisional") is None else str(tm["provisional"]).lower()])
    return Response(content=buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


@get("/api/v1/performance/units/{unit_slug:str}/trend.csv", name="insight_api_performance_unit_csv", opt=PUBLIC,
     tags=["performance"], summary="Monthly trend of a unit (CSV)", media_type="text/csv")
async def api_performance_unit_csv(request: Request, unit_slug: FromPath[str], period: PeriodParam = None) -> Response:
    """One row per month: IKM with its interval and the headline time figure (aggregates only)."""
    unit, p = await _public_unit(request, unit_slug, period)
    return _trend_csv(await performance.of_unit(unit, p, request_lang(request)), f"{unit_slug}-trend.csv")


@get("/api/v1/performance/services/{service_slug:str}/trend.csv", name="insight_api_performance_service_csv",
     opt=PUBLIC, tags=["performance"], summary="Monthly trend of a service (CSV)", media_type="text/csv")
async def api_performance_service_csv(request: Request, service_slug: FromPath[str], period: PeriodParam = None) -> Response:
    """One row per month: IKM with its interval and the headline time figure (aggregates only)."""
    service, unit, p = await _public_service(request, service_slug, period)
    return _trend_csv(await performance.of_service(service, unit, p, request_lang(request)),
                      f"{service_slug}-trend.csv")


route_handlers = [performance_unit, performance_service, api_performance_unit, api_performance_service,
                  api_performance_unit_csv, api_performance_service_csv]
