"""Open-data doors: results of a service or unit (JSON and CSV twins). Aggregates only, never a single response."""

from __future__ import annotations

import io
from typing import Annotated

import msgspec
from litestar import Request, Response, get
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, QueryParameter

from portal import exports
from portal.catalog.queries import service_by_slug, unit_by_id, unit_by_slug
from portal.insight import periods, published
from portal.insight.schemas import ServiceResults, UnitResults
from portal.timeutil import local_day
from portal.web import t

FromParam = Annotated[str | None, QueryParameter(name="from", description="first unit-local day, YYYY-MM-DD "
                                                                       "(default: 89 days before `to`)")]
ToParam = Annotated[str | None, QueryParameter(name="to", description="last unit-local day, YYYY-MM-DD, inclusive "
                                                                   "(default: today in the unit's timezone)")]

CSV_COLUMNS = (
    "service", "from", "to", "satisfaction_n", "ikm", "category", "ikm_ci95_low", "ikm_ci95_high",
    *(f"nrr_u{i}" for i in range(1, 10)),
    "time_n", "time_within", "time_rate", "time_ci95_low", "time_ci95_high",
    "time_basis", "time_completed", "time_open", "time_open_late", "time_estimate", "time_estimate_ci95_low",
    "time_estimate_ci95_high", "time_provisional", "time_versions",
    "cost_n", "cost_overcharged", "cost_rate", "cost_ci95_low", "cost_ci95_high", "cost_unrecorded_payments",
    "accuracy_n", "accuracy_first_time_right", "accuracy_rate", "accuracy_ci95_low", "accuracy_ci95_high",
    "accuracy_disagreements",
)


def period_or_400(request: Request, date_from: str | None, date_to: str | None, timezone: str,
                  period: str | None = None, default: str = "last_days") -> periods.Period:
    try:
        return periods.from_query(period, date_from, date_to, local_day(timezone), default=default)
    except periods.PeriodError as exc:
        raise ClientException(t(request, exc.message, value=exc.value)) from None


async def _service(request: Request, slug: str) -> tuple[dict, dict]:
    service = await service_by_slug(slug)
    if service is None:
        raise NotFoundException(t(request, "No such service."))
    unit = await unit_by_id(service["unit"])
    assert unit is not None  # a service's unit exists (foreign key)
    return dict(service), dict(unit)  # plain dicts: insight's functions take dict (catalog rows are TypedDicts)


async def _unit(request: Request, slug: str) -> dict:
    unit = await unit_by_slug(slug)
    if unit is None:
        raise NotFoundException(t(request, "No such unit."))
    return dict(unit)  # a plain dict, as above


def _cells(entry: dict) -> list:
    s, tm, c, a = entry["satisfaction"], entry["time"], entry["cost"], entry["accuracy"]

    def ci(block, i):
        return "" if block["ci95"] is None else repr(block["ci95"][i])

    def v(x):
        return "" if x is None else (repr(x) if isinstance(x, float) else x)

    return [
        entry["service"], entry["period"]["from"], entry["period"]["to"], s["n"], v(s["ikm"]), v(s["category"]),
        ci(s, 0), ci(s, 1), *(v(x) for x in s["nrr"]),
        tm["n"], tm["within"], v(tm["rate"]), ci(tm, 0), ci(tm, 1),
        tm["basis"], v(tm["completed"]), v(tm["open"]), v(tm["open_late"]), v(tm["estimate"]),
        "" if tm["estimate_ci95"] is None else repr(tm["estimate_ci95"][0]),
        "" if tm["estimate_ci95"] is None else repr(tm["estimate_ci95"][1]),
        "" if tm["provisional"] is None else str(tm["provisional"]).lower(),
        ";".join(f"v{x['version']} {x['limit']:g} {x['limit_unit']}: {x['within']}/{x['n']}"
                 for x in tm.get("versions") or []),
        c["n"], c["overcharged"], v(c["rate"]), ci(c, 0), ci(c, 1), c.get("unrecorded_payments", 0),
        a["n"], a["first_time_right"], v(a["rate"]), ci(a, 0), ci(a, 1), a.get("disagreements", 0),
    ]


def results_csv(entries: list[dict], filename: str) -> Response:
    """One row per service (aggregates only; full-precision floats; blank = no data)."""
    buffer = io.StringIO()
    writer = exports.csv_writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(_cells(entry))
    return Response(content=buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


@get("/api/v1/services/{service_slug:str}/results", name="api_service_results", tags=["results"], summary="Results of a service",
     opt={"exclude_from_auth": True})
async def service_results_json(request: Request, service_slug: FromPath[str], date_from: FromParam = None,
                               date_to: ToParam = None) -> ServiceResults:
    """IKM (PermenPANRB 14/2017) with its bootstrap 95 % interval, and the time, cost and accuracy rates with
    Wilson 95 % intervals, over unit-local days `from`..`to` (inclusive; default the last 90 days)."""
    service, unit = await _service(request, service_slug)
    p = period_or_400(request, date_from, date_to, unit["timezone"])
    return msgspec.convert(await published.service_results(service["id"], unit["timezone"], p.start, p.end),
                           ServiceResults)


@get("/api/v1/services/{service_slug:str}/results.csv", name="api_service_results_csv", tags=["results"], summary="Results of a service (CSV)",
     opt={"exclude_from_auth": True}, media_type="text/csv")
async def service_results_csv(request: Request, service_slug: FromPath[str], date_from: FromParam = None,
                              date_to: ToParam = None) -> Response:
    """The same figures as the JSON results, as one CSV row (aggregates only)."""
    service, unit = await _service(request, service_slug)
    p = period_or_400(request, date_from, date_to, unit["timezone"])
    entry = await published.service_results(service["id"], unit["timezone"], p.start, p.end)
    return results_csv([entry], f"{service_slug}-{p.start}-{p.end}.csv")


@get("/api/v1/units/{unit_slug:str}/results", name="api_unit_results", tags=["results"], summary="Results of a unit and its services",
     opt={"exclude_from_auth": True})
async def unit_results_json(request: Request, unit_slug: FromPath[str], date_from: FromParam = None,
                            date_to: ToParam = None) -> UnitResults:
    """The unit's services pooled, plus one entry per service, in the shape of the service results."""
    unit = await _unit(request, unit_slug)
    p = period_or_400(request, date_from, date_to, unit["timezone"])
    return msgspec.convert(await published.unit_results(unit["id"], unit["timezone"], p.start, p.end), UnitResults)


@get("/api/v1/units/{unit_slug:str}/results.csv", name="api_unit_results_csv", tags=["results"], summary="Results of a unit's services (CSV)",
     opt={"exclude_from_auth": True}, media_type="text/csv")
async def unit_results_csv(request: Request, unit_slug: FromPath[str], date_from: FromParam = None,
                           date_to: ToParam = None) -> Response:
    """One CSV row per service of the unit (aggregates only, never an individual response)."""
    unit = await _unit(request, unit_slug)
    p = period_or_400(request, date_from, date_to, unit["timezone"])
    data = await published.unit_results(unit["id"], unit["timezone"], p.start, p.end)
    return results_csv(data["services"], f"{unit_slug}-{p.start}-{p.end}.csv")


route_handlers = [service_results_json, service_results_csv, unit_results_json, unit_results_csv]
