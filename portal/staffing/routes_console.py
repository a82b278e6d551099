"""The staffing page for heads and managers: /console/staffing (a unit's week, printable) and its target form."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, post
from litestar.exceptions import ClientException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from portal.accounts.guards import current_user, ensure_can, requires
from portal.accounts.permissions import units_visible
from portal.staffing import plan, queries, services, web
from portal.staffing.queries import UnitRow
from portal.staffing.schemas import TargetForm
from portal.timeutil import local_day
from portal.web import FORM, request_lang, t

Q = QueryParameter


async def _units(request: Request) -> list[UnitRow]:
    user = current_user(request)
    return [u for u in await queries.units(units_visible(user)) if user.can("staffing.view", u["id"])]


async def _unit(request: Request, slug: str | None, units: list[UnitRow], action: str) -> UnitRow | None:
    """The unit asked for (the user's first when none): 400 for an unknown slug, 403 outside the user's units."""
    if not slug:
        return units[0] if units else None
    unit = await queries.unit_by_slug(slug)
    if unit is None:
        raise ClientException(t(request, "Unknown unit %(value)s.", value=slug[:80]))
    ensure_can(request, action, unit["id"])
    return unit


def _monday(request: Request, unit: UnitRow, week: str | None):
    try:
        return plan.parse_week(week, local_day(unit["timezone"]))
    except plan.WeekError as exc:
        raise ClientException(t(request, exc.message, value=exc.value)) from None


async def _render(request: Request, unit: UnitRow, units: list[UnitRow], week: str | None, *, saved: bool = False,
                  errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
                  status: int = 200) -> Template:
    page = await web.page(unit, _monday(request, unit, week))
    user = current_user(request)
    context: dict[str, Any] = {
        "unit": unit, "units": units, "page": page, "plan": page.plan, "review": page.review,
        "grid": web.grid, "level": web.level, "short_hours": web.short_hours(page.review) if page.review else [],
        "summary": web.waits_summary(page.review) if page.review else None,
        "models_by_slug": {m.service: m for m in page.plan.models},
        "can_set_target": user.can("staffing.target", unit["id"]), "saved": saved, "errors": errors or {},
        "form": form or {}, "lang": request_lang(request),
    }
    return Template("staffing/plan.html", context=context, status_code=status)


@get("/console/staffing", name="staffing_plan", guards=[requires("staffing.view")])
async def staffing_plan(request: Request, unit: Annotated[str | None, Q(name="unit")] = None,
                        week: Annotated[str | None, Q(name="week")] = None,
                        saved: Annotated[str | None, Q(name="saved")] = None) -> Template:
    """A unit's week: arrivals forecast, counters needed per hour by Erlang C, and the hours short of counters
    with their measured waits. Reads only (rollups), never writes."""
    units = await _units(request)
    chosen = await _unit(request, unit, units, "staffing.view")
    if chosen is None:
        return Template("insight/no_units.html", context={})
    return await _render(request, chosen, units, week, saved=bool(saved))


@post("/console/staffing/target", name="staffing_target", guards=[requires("staffing.target")], status_code=303)
async def staffing_target(request: Request, data: Annotated[TargetForm, FORM]) -> Redirect | Template:
    """Set the unit's waiting target ("P % wait at most T minutes"): the row and its audit entry together."""
    values = data.values()
    raw = values["unit"]
    unit = await queries.unit_by_id(int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
    if unit is None:
        raise ClientException(t(request, "Choose a unit."))
    ensure_can(request, "staffing.target", unit["id"])
    units = await _units(request)
    try:
        wait, share = services.parse_target(values["wait_minutes"], values["share_percent"])
    except services.TargetError as exc:
        return await _render(request, unit, units, values["week"] or None, form=values, status=400,
                             errors={exc.field or "": t(request, exc.message)})
    await services.set_target(unit["id"], wait, share, current_user(request))
    week = values["week"] if plan.WEEK_RE.fullmatch(values["week"]) else ""
    query = f"?unit={unit['slug']}" + (f"&week={week}" if week else "") + "&saved=1"
    return Redirect(path=request.app.route_reverse("staffing_plan") + query, status_code=303)


console = Router(path="/", include_in_schema=False, route_handlers=[staffing_plan, staffing_target])
