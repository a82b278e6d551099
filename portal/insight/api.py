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
from portal.complaints.insight import KM_LIMITS
from portal.db.tables import NOT_COUNTED_REASONS
from portal.db.tables_complaints import CATEGORIES
from portal.db.tables_insight import CHANNEL_COLUMNS
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

#: Every other figure of the JSON (issue 22 item 6: what the dashboard shows), one column per JSON path joined
#: by "_" (an interval's two ends as `_low` / `_high`): a script reading the CSV finds the JSON's names.
MORE_PATHS: tuple[tuple[str, ...], ...] = (
    ("time", "completed_rate"), ("time", "completed_ci95"), ("time", "limit"), ("time", "limit_unit"),
    ("time", "horizon_days"), ("time", "horizon_limited"), ("time", "final_after"), ("time", "target"),
    ("time", "verdict"), ("time", "p_value"), ("time", "extra_needed"),
    ("satisfaction", "certain"), ("satisfaction", "ci_method"), ("satisfaction", "population"),
    ("satisfaction", "sample_needed"), ("satisfaction", "sample_met"),
    *(("satisfaction", "unsur", code, key) for code in (f"U{i}" for i in range(1, 10))
      for key in ("grade", "answers")),
    ("satisfaction", "weakest"),
    *(("satisfaction", "response", key) for key in ("served", "offered", "responded", "all_responses",
                                                    "offer_rate", "response_rate", "response_ci95", "coverage",
                                                    "coverage_ci95", "not_counted_total")),
    *(("satisfaction", "response", "not_counted", reason) for reason in NOT_COUNTED_REASONS),
    *(("satisfaction", "channels", column[3:]) for column in CHANNEL_COLUMNS),
    *(("durations", kind, key, *part) for kind in ("waiting", "handling")
      for key, part in (("n", ()), ("median", ("est",)), ("median", ("low",)), ("median", ("high",)),
                        ("p90", ("est",)), ("p90", ("low",)), ("p90", ("high",)))),
    *(("outcomes", key) for key in ("visits", "ended", "open")),
    *(("outcomes", f"{name}{suffix}") for name in ("completed", "rejected", "cancelled", "no_show")
      for suffix in ("", "_rate", "_ci95")),
    *(("cost", "unbound", key) for key in ("n", "overcharged", "rate", "ci95")),
    *(("accuracy", key) for key in ("target", "verdict", "p_value", "extra_needed")),
    *(("accuracy", "unbound", key) for key in ("n", "first_time_right", "rate", "ci95")),
    *(("requirements", key) for key in ("n", "consistent", "rate", "ci95")),
    *(("complaints", key) for key in ("received", "open", "overdue", "rejected")),
    *(("complaints", "on_time", key) for key in ("k", "n", "rate", "ci95", "target", "verdict")),
    *(("complaints", "km", str(limit), key) for limit in KM_LIMITS
      for key in ("prob", "ci95", "n", "answered", "open", "horizon_days", "provisional")),
    *(("complaints", "categories", category) for category in CATEGORIES),
)


def _column_names(path: tuple[str, ...]) -> list[str]:
    name = "_".join(path)
    return [f"{name}_low", f"{name}_high"] if path[-1].endswith("ci95") else [name]


def _lookup(entry: dict, path: tuple[str, ...]):
    """The value at `path`; the lists of unsur, answer times and subjects are keyed by code, limit and category
    (a subject gives its count, 0 when none was received)."""
    value = entry
    for key in path:
        if isinstance(value, list):
            value = next((x for x in value if str(x.get("code", x.get("limit", x.get("category")))) == key), None)
            if path[:2] == ("complaints", "categories"):
                value = value["count"] if value else 0
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def _cell(value) -> str | int:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return ";".join(str(x) for x in value)
    return value


def _more_cells(entry: dict) -> list:
    cells: list = []
    for path in MORE_PATHS:
        value = _lookup(entry, path)
        if path[-1].endswith("ci95"):
            cells += ["", ""] if not value else [repr(value[0]), repr(value[1])]
        else:
            cells.append(_cell(value))
    return cells


ALL_COLUMNS = (*CSV_COLUMNS, *(name for path in MORE_PATHS for name in _column_names(path)))


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
        *_more_cells(entry),
    ]


def results_csv(entries: list[dict], filename: str) -> Response:
    """One row per service (aggregates only; full-precision floats; blank = no data): the JSON's figures under
    their JSON names (ALL_COLUMNS)."""
    buffer = io.StringIO()
    writer = exports.csv_writer(buffer, lineterminator="\n")
    writer.writerow(ALL_COLUMNS)
    for entry in entries:
        writer.writerow(_cells(entry))
    return Response(content=buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


@get("/api/v1/services/{service_slug:str}/results", name="insight_api_service_results", tags=["results"], summary="Results of a service",
     opt={"exclude_from_auth": True})
async def service_results_json(request: Request, service_slug: FromPath[str], date_from: FromParam = None,
                               date_to: ToParam = None) -> ServiceResults:
    """IKM (PermenPANRB 14/2017) with its bootstrap 95 % interval, and the time, cost and accuracy rates with
    Wilson 95 % intervals, over unit-local days `from`..`to` (inclusive; default the last 90 days)."""
    service, unit = await _service(request, service_slug)
    p = period_or_400(request, date_from, date_to, unit["timezone"])
    return msgspec.convert(await published.service_results(service["id"], unit["timezone"], p.start, p.end),
                           ServiceResults)


@get("/api/v1/services/{service_slug:str}/results.csv", name="insight_api_service_results_csv", tags=["results"], summary="Results of a service (CSV)",
     opt={"exclude_from_auth": True}, media_type="text/csv")
async def service_results_csv(request: Request, service_slug: FromPath[str], date_from: FromParam = None,
                              date_to: ToParam = None) -> Response:
    """The same figures as the JSON results, as one CSV row (aggregates only)."""
    service, unit = await _service(request, service_slug)
    p = period_or_400(request, date_from, date_to, unit["timezone"])
    entry = await published.service_results(service["id"], unit["timezone"], p.start, p.end)
    return results_csv([entry], f"{service_slug}-{p.start}-{p.end}.csv")


@get("/api/v1/units/{unit_slug:str}/results", name="insight_api_unit_results", tags=["results"], summary="Results of a unit and its services",
     opt={"exclude_from_auth": True})
async def unit_results_json(request: Request, unit_slug: FromPath[str], date_from: FromParam = None,
                            date_to: ToParam = None) -> UnitResults:
    """The unit's services pooled, plus one entry per service, in the shape of the service results."""
    unit = await _unit(request, unit_slug)
    p = period_or_400(request, date_from, date_to, unit["timezone"])
    return msgspec.convert(await published.unit_results(unit["id"], unit["timezone"], p.start, p.end), UnitResults)


@get("/api/v1/units/{unit_slug:str}/results.csv", name="insight_api_unit_results_csv", tags=["results"], summary="Results of a unit's services (CSV)",
     opt={"exclude_from_auth": True}, media_type="text/csv")
async def unit_results_csv(request: Request, unit_slug: FromPath[str], date_from: FromParam = None,
                           date_to: ToParam = None) -> Response:
    """One CSV row per service of the unit (aggregates only, never an individual response)."""
    unit = await _unit(request, unit_slug)
    p = period_or_400(request, date_from, date_to, unit["timezone"])
    data = await published.unit_results(unit["id"], unit["timezone"], p.start, p.end)
    return results_csv(data["services"], f"{unit_slug}-{p.start}-{p.end}.csv")


route_handlers = [service_results_json, service_results_csv, unit_results_json, unit_results_csv]
