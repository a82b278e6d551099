"""Insight routes for agency heads and managers: the dashboard (headline figures first, detail on demand)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from portal.accounts.guards import current_user, requires
from portal.complaints import insight as complaint_insight
from portal.db.tables import Counter, Service
from portal.insight import actions, charts, periods, report, scope
from portal.insight.api import FromParam, ToParam
from portal.timeutil import local_day
from portal.web import request_lang, t

Q = QueryParameter


async def dashboard_charts(request: Request, data: dict, scope_label: str) -> dict[str, str]:
    out = {}
    sat = data["satisfaction"]
    lang = request_lang(request)
    if sat["n"]:
        out["nrr"] = await charts.render("nrr", sat["unsur"],
                                         t(request, "NRR of each unsur, %(scope)s", scope=scope_label), lang)
    if data["pchart"]["points"]:
        out["pchart"] = await charts.render("pchart", data["pchart"],
                                            t(request, "p-chart of the share within the time limit"), lang)
    if data["counter_funnel"]["rows"]:
        out["funnel"] = await charts.render("funnel", data["counter_funnel"],
                                            t(request, "Funnel plot of counters: share within the time limit"),
                                            lang)
    if data["unit_funnel"]["rows"]:
        out["unit_funnel"] = await charts.render("funnel", data["unit_funnel"],
                                                 t(request, "Funnel plot of units: share within the time limit"),
                                                 lang)
    return out


def _period(request: Request, period: str | None, date_from: str | None, date_to: str | None,
            today: date) -> tuple[periods.Period, str | None]:
    """The requested period, or the current quarter with the reason the request's period was refused."""
    p, error = periods.chosen(period, date_from, date_to, today, periods.quarter_of(today))
    return p, t(request, error.message, value=error.value) if error else None


@get("/dashboard", name="insight_dashboard", guards=[requires("dashboard.view")])
async def dashboard(request: Request, unit: Annotated[str | None, Q(name="unit")] = None,
                    service: Annotated[str | None, Q(name="service")] = None,
                    counter: Annotated[str | None, Q(name="counter")] = None,
                    period: Annotated[str | None, Q(name="period")] = None,
                    date_from: FromParam = None, date_to: ToParam = None) -> Template:
    """Satisfaction, time, cost and accuracy of a unit, service or counter over a period, with intervals.

    Reads only: nonconformities are opened by `portal review` and the background refresher, never here.
    A period the portal cannot read gives 400 with the page, the other filters kept and the error said."""
    sc = await scope.resolve(request, unit, service, counter)
    if sc is None:
        return Template("insight/no_units.html", context={})
    today = local_day(sc.unit["timezone"])
    p, period_error = _period(request, period, date_from, date_to, today)
    data = await report.build(sc, p)
    label = (sc.counter["code"] if sc.counter else sc.service["name"] if sc.service else sc.unit["name"])
    open_items = await actions.items([sc.unit["id"]], actions.OPEN_STATUSES)
    if sc.service is not None:
        open_items = [i for i in open_items if i["service"] == sc.service["id"]]
    user = current_user(request)
    context: dict[str, Any] = {
        "scope": sc, "data": data, "period": p, "charts": await dashboard_charts(request, data, label),
        "units": await scope.allowed_units(request),
        "unit_services": await Service.select(Service.slug, Service.name).where(Service.unit == sc.unit["id"])
        .order_by(Service.name).run(),
        "unit_counters": await Counter.select(Counter.code, Counter.name).where(Counter.unit == sc.unit["id"])
        .order_by(Counter.code).run(),
        "open_items": open_items, "user": user, "lang": request_lang(request),
        "today": today, "scope_label": label, "period_choices": periods.choices(today),
        "period_error": period_error, "requested_period": period or "",
        "can_plan": user.can("actions.plan", sc.unit["id"]), "can_close": user.can("actions.close", sc.unit["id"]),
        "complaints": await complaint_insight.for_scope(sc, p),
    }
    return Template("insight/dashboard.html", context=context, status_code=400 if period_error else 200)


route_handlers = [dashboard]
