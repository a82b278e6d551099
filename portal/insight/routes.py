"""Insight routes: the open-data results API, dashboards, public performance, corrective actions, evidence pack."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from portal.accounts.guards import current_user, require_roles
from portal.db.tables import Counter, Service
from portal.insight import actions, api, charts, periods, report, scope
from portal.insight.api import FromParam, ToParam, period_or_400
from portal.timeutil import local_day
from portal.web import request_lang, t

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


async def review_on_load(unit: dict, period: periods.Period) -> None:
    """Open the nonconformities of the last closed quarter, and of the viewed period when it is closed."""
    today = local_day(unit["timezone"])
    await actions.review_unit(unit, periods.last_closed_quarter(today), today)
    if period.kind != "custom" and period.end < today:
        await actions.review_unit(unit, period, today)


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
    await review_on_load(sc.unit, p)
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
        "today": today, "scope_label": label,
    }
    return Template("insight/dashboard.html", context=context)


route_handlers = [*api.route_handlers, dashboard]
