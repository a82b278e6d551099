"""Insight routes: the open-data results API, dashboards, public performance, corrective actions, evidence pack."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Annotated, Any

import anyio
import msgspec
from litestar import Request, Response, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, ensure_unit_access, require_roles
from portal.complaints import insight as complaint_insight
from portal.db.tables import Counter, Service
from portal.insight import actions, api, charts, evidence, performance, periods, report, routes_review, scope
from portal.insight.api import FromParam, ToParam, period_or_400
from portal.insight.schemas import ServicePerformance, UnitPerformance
from portal.timeutil import local_day
from portal.web import request_lang, t
from survey.ikm import CATEGORY_LABELS

DASHBOARD_ROLES = require_roles("head", "manager")

Q = QueryParameter


async def chart_store(request: Request):
    try:
        return request.app.stores.get("cache")
    except Exception:  # a store registry without a cache store: draw without caching
        return None


async def dashboard_charts(request: Request, data: dict, scope_label: str) -> dict[str, str]:
    store = await chart_store(request)
    out = {}
    sat = data["satisfaction"]
    if sat["n"]:
        out["nrr"] = await charts.render(store, "nrr", sat["unsur"],
                                         t(request, "NRR of each unsur, %(scope)s", scope=scope_label))
    if data["pchart"]["points"]:
        out["pchart"] = await charts.render(store, "pchart", data["pchart"],
                                            t(request, "p-chart of the share within the time limit"))
    if data["counter_funnel"]["rows"]:
        out["funnel"] = await charts.render(store, "funnel", data["counter_funnel"],
                                            t(request, "Funnel plot of counters: share within the time limit"))
    if data["unit_funnel"]["rows"]:
        out["unit_funnel"] = await charts.render(store, "funnel", data["unit_funnel"],
                                                 t(request, "Funnel plot of units: share within the time limit"))
    return out


@get("/dashboard", name="dashboard", guards=[DASHBOARD_ROLES])
async def dashboard(request: Request, unit: Annotated[str | None, Q(name="unit")] = None,
                    service: Annotated[str | None, Q(name="service")] = None,
                    counter: Annotated[str | None, Q(name="counter")] = None,
                    period: Annotated[str | None, Q(name="period")] = None,
                    date_from: FromParam = None, date_to: ToParam = None) -> Template:
    """Satisfaction, time, cost and accuracy of a unit, service or counter over a period, with intervals."""
    sc = await scope.resolve(request, unit, service, counter)
    if sc is None:
        return Template("insight/no_units.html", context={})
    today = local_day(sc.unit["timezone"])
    if not (period or date_from or date_to):
        period = periods.quarter_of(today).label
    p = period_or_400(request, date_from, date_to, sc.unit["timezone"], period)
    data = await report.build(sc, p)
    label = (sc.counter["code"] if sc.counter else sc.service["name"] if sc.service else sc.unit["name"])
    open_items = await actions.items([sc.unit["id"]], actions.OPEN_STATUSES)
    if sc.service is not None:
        open_items = [i for i in open_items if i["service"] == sc.service["id"]]
    context: dict[str, Any] = {
        "scope": sc, "data": data, "period": p, "charts": await dashboard_charts(request, data, label),
        "units": await scope.allowed_units(request),
        "unit_services": await Service.select(Service.slug, Service.name).where(Service.unit == sc.unit["id"])
        .order_by(Service.name).run(),
        "unit_counters": await Counter.select(Counter.code, Counter.name).where(Counter.unit == sc.unit["id"])
        .order_by(Counter.code).run(),
        "open_items": open_items, "user": current_user(request), "lang": request_lang(request),
        "today": today, "scope_label": label, "complaints": await complaint_insight.for_scope(sc, p),
    }
    return Template("insight/dashboard.html", context=context)


ACTION_VIEW = require_roles("head", "manager")


def _actor(request: Request) -> dict:
    user = current_user(request)
    return {"id": user.id, "username": user.username}


async def _item_or_404(request: Request, item_id: int) -> dict:
    found = await actions.item(item_id)
    if found is None:
        raise NotFoundException(t(request, "No such corrective action."))
    ensure_unit_access(request, found["unit"])
    return found


@get("/console/actions", name="actions_list", guards=[ACTION_VIEW])
async def actions_list(request: Request, status: Annotated[str | None, Q(name="status")] = None) -> Template:
    """Nonconformities of the user's units: open ones first; the last closed quarter is reviewed on load."""
    units = await scope.allowed_units(request)
    for unit in units:
        await actions.review_unit(unit, periods.last_closed_quarter(local_day(unit["timezone"])))
    if status not in (None, "", "open", "closed", "all"):
        raise ClientException(t(request, "Unknown status filter."))
    statuses = {None: actions.OPEN_STATUSES, "": actions.OPEN_STATUSES, "open": actions.OPEN_STATUSES,
                "closed": ("closed",), "all": None}[status]
    rows = await actions.items([u["id"] for u in units], statuses)
    return Template("insight/actions.html", context={"items": rows, "status": status or "open",
                                                     "user": current_user(request)})


def _detail(request: Request, found: dict, history: list[dict], errors: list[str] | None = None,
            form: dict | None = None, status_code: int = 200) -> Template:
    user = current_user(request)
    return Template("insight/action.html", status_code=status_code, context={
        "item": found, "history": history, "errors": errors or [], "form": form or {}, "user": user,
        "can_plan": (user.is_admin or user.role == "manager") and found["status"] != "closed",
        "can_close": (user.is_admin or user.role == "head") and found["status"] == "action_planned",
        "details": json.loads(found["details"]) if isinstance(found["details"], str) else found["details"],
    })


@get("/console/actions/{item_id:int}", name="action_detail", guards=[ACTION_VIEW])
async def action_detail(request: Request, item_id: int) -> Template:
    found = await _item_or_404(request, item_id)
    return _detail(request, found, await actions.history(item_id))


@post("/console/actions/{item_id:int}/plan", name="action_plan", guards=[require_roles("manager")],
      status_code=303)
async def action_plan(request: Request, item_id: int) -> Response:
    """Managers of the unit record root cause, action, owner and due date (ISO 9001 10.2.1 b-c)."""
    found = await _item_or_404(request, item_id)
    form = await request.form()
    values = {k: str(form.get(k, "") or "").strip() for k in ("root_cause", "action", "owner", "due_date")}
    errors = []
    for key, message in (("root_cause", "Write the root cause."), ("action", "Write the corrective action."),
                         ("owner", "Name the owner of the action.")):
        if not values[key]:
            errors.append(t(request, message))
        elif len(values[key]) > 4000:
            errors.append(t(request, "A field is too long (at most 4000 characters)."))
    due = None
    try:
        due = date.fromisoformat(values["due_date"])
    except ValueError:
        errors.append(t(request, "Give the due date as YYYY-MM-DD."))
    if found["status"] == "closed":
        errors.append(t(request, "This item is closed."))
    if errors:
        return _detail(request, found, await actions.history(item_id), errors, values, status_code=400)
    await actions.plan(item_id, _actor(request), values["root_cause"], values["action"], values["owner"], due)
    return Redirect(path=f"/console/actions/{item_id}", status_code=303)


@post("/console/actions/{item_id:int}/close", name="action_close", guards=[require_roles("head")],
      status_code=303)
async def action_close(request: Request, item_id: int) -> Response:
    """Heads of the unit verify the action's effectiveness and close the item (a verification note is required)."""
    found = await _item_or_404(request, item_id)
    form = await request.form()
    note = str(form.get("verification_note", "") or "").strip()
    errors = []
    if not note:
        errors.append(t(request, "A verification note is required to close."))
    elif len(note) > 4000:
        errors.append(t(request, "A field is too long (at most 4000 characters)."))
    if found["status"] == "closed":
        errors.append(t(request, "This item is closed."))
    elif found["status"] != "action_planned":
        errors.append(t(request, "Record the root cause and action before closing."))
    if errors:
        return _detail(request, found, await actions.history(item_id), errors, {"verification_note": note},
                       status_code=400)
    await actions.close(item_id, _actor(request), note)
    return Redirect(path=f"/console/actions/{item_id}", status_code=303)


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
    store = await chart_store(request)
    trend_svg = None
    if any(x["satisfaction"]["n"] or x["time"]["n"] for x in data["trend"]):
        trend_svg = await charts.render(store, "trend", [
            {"label": x["month"], "satisfaction": x["satisfaction"], "time": x["time"]} for x in data["trend"]],
            t(request, "IKM and share within the time limit per month"))
    return Template("insight/performance.html", context={
        "kind": kind, "subject": subject, "unit": unit, "period": p, "data": data, "trend_svg": trend_svg,
        "lang": request_lang(request),
        "category_labels": CATEGORY_LABELS, "complaints": await complaint_insight.for_subject(kind, subject, unit, p),
    })


@get("/performance/units/{unit_slug:str}", name="performance_unit", opt=PUBLIC)
async def performance_unit(request: Request, unit_slug: str, period: PeriodParam = None) -> Template:
    """Public: a unit's results for a closed period, its monthly trend and its follow-up plan."""
    unit, p = await _public_unit(request, unit_slug, period)
    data = await performance.of_unit(unit, p, request_lang(request))
    return await _performance_page(request, "unit", unit, unit, p, data)


@get("/performance/services/{service_slug:str}", name="performance_service", opt=PUBLIC)
async def performance_service(request: Request, service_slug: str, period: PeriodParam = None) -> Template:
    """Public: a service's results for a closed period, its monthly trend and its follow-up plan."""
    service, unit, p = await _public_service(request, service_slug, period)
    data = await performance.of_service(service, unit, p, request_lang(request))
    return await _performance_page(request, "service", service, unit, p, data)


@get("/api/v1/performance/units/{unit_slug:str}", name="api_performance_unit", opt=PUBLIC, tags=["performance"],
     summary="Public performance of a unit")
async def api_performance_unit(request: Request, unit_slug: str, period: PeriodParam = None) -> UnitPerformance:
    """Results of a closed period (default: the last full quarter), the 12-month trend of IKM and time
    compliance, the weakest unsur and the open follow-up actions. Aggregates only."""
    unit, p = await _public_unit(request, unit_slug, period)
    return msgspec.convert(await performance.of_unit(unit, p, request_lang(request)), UnitPerformance)


@get("/api/v1/performance/services/{service_slug:str}", name="api_performance_service", opt=PUBLIC,
     tags=["performance"], summary="Public performance of a service")
async def api_performance_service(request: Request, service_slug: str,
                                  period: PeriodParam = None) -> ServicePerformance:
    """Results of a closed period, the 12-month trend, the weakest unsur and the follow-up plan of a service."""
    service, unit, p = await _public_service(request, service_slug, period)
    return msgspec.convert(await performance.of_service(service, unit, p, request_lang(request)),
                           ServicePerformance)


TREND_COLUMNS = ("month", "satisfaction_n", "ikm", "category", "ikm_ci95_low", "ikm_ci95_high",
                 "time_n", "time_within", "time_rate", "time_ci95_low", "time_ci95_high")


def _trend_csv(data: dict, filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(TREND_COLUMNS)

    def v(x):
        return "" if x is None else repr(x) if isinstance(x, float) else x

    for x in data["trend"]:
        s, tm = x["satisfaction"], x["time"]
        writer.writerow([x["month"], s["n"], v(s["ikm"]), v(s["category"]),
                         v(s["ci95"][0] if s["ci95"] else None), v(s["ci95"][1] if s["ci95"] else None),
                         tm["n"], tm["within"], v(tm["rate"]), v(tm["ci95"][0] if tm["ci95"] else None),
                         v(tm["ci95"][1] if tm["ci95"] else None)])
    return Response(content=buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{filename}"'})


@get("/api/v1/performance/units/{unit_slug:str}/trend.csv", name="api_performance_unit_csv", opt=PUBLIC,
     tags=["performance"], summary="Monthly trend of a unit (CSV)", media_type="text/csv")
async def api_performance_unit_csv(request: Request, unit_slug: str, period: PeriodParam = None) -> Response:
    """One row per month: IKM with its interval and the share within the time limit (aggregates only)."""
    unit, p = await _public_unit(request, unit_slug, period)
    return _trend_csv(await performance.of_unit(unit, p, request_lang(request)), f"{unit_slug}-trend.csv")


@get("/api/v1/performance/services/{service_slug:str}/trend.csv", name="api_performance_service_csv",
     opt=PUBLIC, tags=["performance"], summary="Monthly trend of a service (CSV)", media_type="text/csv")
async def api_performance_service_csv(request: Request, service_slug: str, period: PeriodParam = None) -> Response:
    """One row per month: IKM with its interval and the share within the time limit (aggregates only)."""
    service, unit, p = await _public_service(request, service_slug, period)
    return _trend_csv(await performance.of_service(service, unit, p, request_lang(request)),
                      f"{service_slug}-trend.csv")


EVIDENCE_ROLES = require_roles("head")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def _evidence(request: Request, unit_slug: str, period: str | None) -> dict:
    unit = await api._unit(request, unit_slug)
    ensure_unit_access(request, unit["id"])
    p = period_or_400(request, None, None, unit["timezone"], period, default="closed_quarter")
    return await evidence.gather(unit, p)


@get("/units/{unit_slug:str}/evidence", name="evidence_page", guards=[EVIDENCE_ROLES])
async def evidence_page(request: Request, unit_slug: str, period: PeriodParam = None) -> Template:
    """Print-ready A4 evidence pack for the ISO 9001 management review (heads and admins of the unit)."""
    pack = await _evidence(request, unit_slug, period)
    label = pack["unit"]["name"]
    return Template("insight/evidence.html", context={
        **pack, "lang": request_lang(request), "charts": await dashboard_charts(request, pack["data"], label),
        "notes": [(t(request, a), t(request, b)) for a, b in evidence.METHOD_NOTES], "today": local_day(pack["unit"]["timezone"]),
        "complaints": await complaint_insight.for_unit(pack["unit"], pack["period"])})


@get("/units/{unit_slug:str}/evidence.xlsx", name="evidence_xlsx", guards=[EVIDENCE_ROLES], media_type=XLSX)
async def evidence_xlsx(request: Request, unit_slug: str, period: PeriodParam = None) -> Response:
    """The evidence pack as an XLSX workbook (Summary, Per-unsur, Compliance, Corrective actions, Method notes)."""
    pack = await _evidence(request, unit_slug, period)
    content = await anyio.to_thread.run_sync(evidence.workbook, pack, request_lang(request))
    name = f"evidence-{unit_slug}-{pack['period'].label}.xlsx"
    return Response(content=content, media_type=XLSX,
                    headers={"content-disposition": f'attachment; filename="{name}"'})


route_handlers = [*api.route_handlers, *routes_review.route_handlers, evidence_page, evidence_xlsx, dashboard, actions_list, action_detail, action_plan, action_close,
                  performance_unit, performance_service, api_performance_unit, api_performance_service,
                  api_performance_unit_csv, api_performance_service_csv]
